//! One connection per host per run: opened on first use, shared by every step after that.

use crate::error::TransportError;
use crate::local::LocalTransport;
use crate::ssh::{SshOptions, SshTransport};
use crate::transport::Transport;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::OnceCell;

/// How to reach one host (from the registry).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostConfig {
    /// The registry name, used in every message.
    pub name: String,
    /// Host name or IP address to connect to (and to look up in known_hosts).
    pub address: String,
    pub port: u16,
    pub user: String,
    /// A private key file (ed25519 or RSA, unencrypted); `None` uses the agent, then the
    /// default identity files.
    pub key: Option<PathBuf>,
    /// The host is this machine: commands run locally, no SSH.
    pub local: bool,
}

type Slot = Arc<OnceCell<Result<Transport, TransportError>>>;

/// Transports for a run. Cheap to clone; clones share the connections.
#[derive(Clone)]
pub struct Pool {
    inner: Arc<Inner>,
}

struct Inner {
    hosts: BTreeMap<String, HostConfig>,
    options: SshOptions,
    slots: std::sync::Mutex<Slots>,
    opened: AtomicUsize,
}

#[derive(Default)]
struct Slots {
    by_host: BTreeMap<String, Slot>,
    /// Hosts whose connection dropped and was opened again: once per host per run.
    reconnected: BTreeSet<String>,
}

impl Pool {
    pub fn new(hosts: Vec<HostConfig>, options: SshOptions) -> Self {
        Pool {
            inner: Arc::new(Inner {
                hosts: hosts.into_iter().map(|h| (h.name.clone(), h)).collect(),
                options,
                slots: std::sync::Mutex::default(),
                opened: AtomicUsize::new(0),
            }),
        }
    }

    /// A pool answering with ready-made transports (e.g. `Transport::Fake` in unit tests).
    pub fn from_transports(transports: Vec<(String, Transport)>) -> Self {
        let pool = Pool::new(Vec::new(), SshOptions::default());
        for (name, transport) in transports {
            pool.slot(&name).set(Ok(transport)).ok();
        }
        pool
    }

    fn slots(&self) -> std::sync::MutexGuard<'_, Slots> {
        self.inner.slots.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn slot(&self, name: &str) -> Slot {
        self.slots()
            .by_host
            .entry(name.to_string())
            .or_default()
            .clone()
    }

    /// The transport for `name`, connecting on first use. Concurrent callers wait for the
    /// same connection; a failed connection is remembered for the rest of the run (every
    /// step on that host gets the same error instead of a new attempt). A connection that
    /// dropped is opened again ONCE per host per run (a restarted sshd, a network blip);
    /// after that, `get` answers `ConnectionLost` (or the reconnect's own error).
    pub async fn get(&self, name: &str) -> Result<Transport, TransportError> {
        let slot = self.slot(name);
        match slot.get_or_init(|| self.open(name)).await.clone() {
            Ok(Transport::Ssh(ssh)) if ssh.is_closed() => self.reconnect(name, &slot).await,
            other => other,
        }
    }

    /// Replaces the dead slot by a fresh one (unless another caller already did, or the
    /// host already had its reconnect) and connects through it.
    async fn reconnect(&self, name: &str, dead: &Slot) -> Result<Transport, TransportError> {
        let slot = {
            let mut slots = self.slots();
            let current = slots.by_host.entry(name.to_string()).or_default().clone();
            if Arc::ptr_eq(&current, dead) {
                if !slots.reconnected.insert(name.to_string()) {
                    return Err(TransportError::ConnectionLost {
                        host: name.to_string(),
                    });
                }
                let fresh = Slot::default();
                slots.by_host.insert(name.to_string(), fresh.clone());
                fresh
            } else {
                current
            }
        };
        slot.get_or_init(|| self.open(name)).await.clone()
    }

    async fn open(&self, name: &str) -> Result<Transport, TransportError> {
        let Some(host) = self.inner.hosts.get(name) else {
            return Err(TransportError::Unreachable {
                host: name.to_string(),
                message: "no such host in this run".to_string(),
            });
        };
        if host.local {
            return Ok(Transport::Local(LocalTransport::new(name)));
        }
        self.inner.opened.fetch_add(1, Ordering::SeqCst);
        SshTransport::connect(host, &self.inner.options)
            .await
            .map(Transport::Ssh)
    }

    /// SSH connections attempted so far (successful or not): at most one per host.
    pub fn connections_opened(&self) -> usize {
        self.inner.opened.load(Ordering::SeqCst)
    }
}
