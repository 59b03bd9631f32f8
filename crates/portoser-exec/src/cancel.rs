//! Ctrl-C for a run: the first trigger stops new nodes from starting, the second aborts the
//! ones still running. A `watch` channel holds the level so late subscribers see it too.

use std::sync::Arc;
use tokio::sync::watch;

const RUNNING: u8 = 0;
const STOPPING: u8 = 1;
const ABORTED: u8 = 2;

/// Cheap to clone; every clone sees the same level.
#[derive(Clone, Debug)]
pub struct CancelToken {
    level: Arc<watch::Sender<u8>>,
}

impl Default for CancelToken {
    fn default() -> Self {
        Self::new()
    }
}

impl CancelToken {
    pub fn new() -> Self {
        CancelToken {
            level: Arc::new(watch::Sender::new(RUNNING)),
        }
    }

    /// One Ctrl-C: the first stops starting nodes, the second aborts running ones.
    pub fn trigger(&self) {
        self.level.send_modify(|l| *l = (*l + 1).min(ABORTED));
    }

    /// Straight to abort (a timeout of the whole run, a test).
    pub fn abort(&self) {
        self.level.send_replace(ABORTED);
    }

    pub fn is_stopping(&self) -> bool {
        *self.level.borrow() >= STOPPING
    }

    pub fn is_aborted(&self) -> bool {
        *self.level.borrow() >= ABORTED
    }

    /// Resolves once the first trigger happened (at once if it already had).
    pub async fn stopping(&self) {
        self.wait_for(STOPPING).await;
    }

    /// Resolves once the run is aborted; a runner may select on it to give up early.
    pub async fn aborted(&self) {
        self.wait_for(ABORTED).await;
    }

    async fn wait_for(&self, level: u8) {
        let mut rx = self.level.subscribe();
        // The sender lives in `self`, so the channel cannot close while we wait.
        let _ = rx.wait_for(|l| *l >= level).await;
    }

    /// Triggers this token on every Ctrl-C (SIGINT) until the process ends. Spawn it once
    /// from the CLI inside the runtime.
    pub fn trigger_on_ctrl_c(&self) -> tokio::task::JoinHandle<()> {
        let token = self.clone();
        tokio::spawn(async move {
            while tokio::signal::ctrl_c().await.is_ok() {
                token.trigger();
                if token.is_aborted() {
                    break;
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn two_triggers_escalate_and_waiters_wake() {
        let token = CancelToken::new();
        assert!(!token.is_stopping());
        let waiter = {
            let t = token.clone();
            tokio::spawn(async move { t.stopping().await })
        };
        token.trigger();
        waiter.await.expect("the waiter wakes");
        assert!(token.is_stopping() && !token.is_aborted());
        token.trigger();
        token.trigger();
        assert!(token.is_aborted());
        token.aborted().await;
    }
}
