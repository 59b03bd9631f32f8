//! A scripted [`NodeRunner`] for tests (here and in the CLI): per node a delay and a result;
//! it records when each node ran and how many ran at once per host.

use crate::{CancelToken, NodeFailure, NodeOutput, NodeRunner};
use portoser_plan::Node;
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;
use tokio::time::Instant;

#[derive(Clone, Debug)]
enum Script {
    Succeed(Duration),
    Fail(Duration, String),
    /// Runs until aborted.
    Hang,
}

/// One call, with times since the runner was made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Call {
    pub node: String,
    pub host: String,
    pub start: Duration,
    /// `None` while running.
    pub end: Option<Duration>,
}

#[derive(Default)]
struct Books {
    calls: Vec<Call>,
    running: HashMap<String, usize>,
    peak: HashMap<String, usize>,
    running_total: usize,
    peak_total: usize,
}

pub struct FakeRunner {
    t0: Instant,
    default_delay: Duration,
    scripts: HashMap<String, Script>,
    books: Mutex<Books>,
}

impl FakeRunner {
    /// Every node succeeds after `default_delay` unless scripted otherwise.
    pub fn new(default_delay: Duration) -> Self {
        FakeRunner {
            t0: Instant::now(),
            default_delay,
            scripts: HashMap::new(),
            books: Mutex::new(Books::default()),
        }
    }

    pub fn delay(mut self, node: &str, delay: Duration) -> Self {
        self.scripts
            .insert(node.to_string(), Script::Succeed(delay));
        self
    }

    pub fn fail(mut self, node: &str, after: Duration, message: &str) -> Self {
        let script = Script::Fail(after, message.to_string());
        self.scripts.insert(node.to_string(), script);
        self
    }

    pub fn hang(mut self, node: &str) -> Self {
        self.scripts.insert(node.to_string(), Script::Hang);
        self
    }

    pub fn calls(&self) -> Vec<Call> {
        self.books().calls.clone()
    }

    pub fn call(&self, node: &str) -> Option<Call> {
        self.books().calls.iter().find(|c| c.node == node).cloned()
    }

    /// The most nodes that ran at once on `host`.
    pub fn peak(&self, host: &str) -> usize {
        self.books().peak.get(host).copied().unwrap_or(0)
    }

    /// The most nodes that ran at once anywhere.
    pub fn peak_total(&self) -> usize {
        self.books().peak_total
    }

    fn books(&self) -> MutexGuard<'_, Books> {
        // A test that panicked while holding the lock already failed; keep reading.
        self.books.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn begin(&self, node: &Node) -> usize {
        let mut b = self.books();
        let start = self.t0.elapsed();
        b.calls.push(Call {
            node: node.id.clone(),
            host: node.host.clone(),
            start,
            end: None,
        });
        let now = {
            let r = b.running.entry(node.host.clone()).or_default();
            *r += 1;
            *r
        };
        let peak = b.peak.entry(node.host.clone()).or_default();
        *peak = (*peak).max(now);
        b.running_total += 1;
        b.peak_total = b.peak_total.max(b.running_total);
        b.calls.len() - 1
    }

    fn end(&self, host: &str, call: usize) {
        let mut b = self.books();
        let end = self.t0.elapsed();
        if let Some(c) = b.calls.get_mut(call) {
            c.end = Some(end);
        }
        if let Some(r) = b.running.get_mut(host) {
            *r = r.saturating_sub(1);
        }
        b.running_total = b.running_total.saturating_sub(1);
    }
}

/// Ends the call's bookkeeping even when the scheduler drops the future (abort).
struct Running<'a> {
    runner: &'a FakeRunner,
    host: String,
    call: usize,
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.runner.end(&self.host, self.call);
    }
}

impl NodeRunner for FakeRunner {
    async fn run(&self, node: &Node, cancel: &CancelToken) -> Result<NodeOutput, NodeFailure> {
        let _running = Running {
            runner: self,
            host: node.host.clone(),
            call: self.begin(node),
        };
        let script = self
            .scripts
            .get(&node.id)
            .cloned()
            .unwrap_or(Script::Succeed(self.default_delay));
        match script {
            Script::Succeed(d) => {
                tokio::time::sleep(d).await;
                Ok(NodeOutput::default())
            }
            Script::Fail(d, message) => {
                tokio::time::sleep(d).await;
                Err(NodeFailure::new(message))
            }
            Script::Hang => {
                cancel.aborted().await;
                Err(NodeFailure::new("aborted"))
            }
        }
    }
}
