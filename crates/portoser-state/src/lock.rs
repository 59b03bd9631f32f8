//! One apply at a time per project state: a single `lock` row, taken in an IMMEDIATE
//! transaction (SQLite's write lock), so two processes cannot both see "free" and insert.
//!
//! The row names its holder and carries a lease the holder renews while it runs. A lock whose
//! holder is gone (a dead pid on this machine) or whose lease expired is *stale*: it is still
//! held, and only `break_lock` (after a person confirmed) removes it.

use crate::holder::{LockHolder, host_name, now_ms, pid_alive};
use crate::{StateDb, StateError, schema};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The default lease: a holder that stops renewing loses the lock after this long.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(600);

/// A lock as recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LockInfo {
    /// Names this one acquisition: release, renew and break act on it only.
    pub token: String,
    pub holder: LockHolder,
    pub reason: String,
    pub plan_hash: String,
    /// RFC 3339, UTC.
    pub started_at: String,
    pub started_ms: i64,
    pub lease_until_ms: i64,
}

/// Why a held lock is believed abandoned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Staleness {
    /// The holder ran on this machine and its pid no longer exists.
    DeadProcess,
    /// The holder stopped renewing: the lease ran out this many milliseconds ago.
    LeaseExpired { ago_ms: i64 },
}

impl std::fmt::Display for Staleness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Staleness::DeadProcess => write!(f, "its process no longer exists on this machine"),
            Staleness::LeaseExpired { ago_ms } => {
                write!(f, "its lease expired {}s ago", ago_ms / 1000)
            }
        }
    }
}

impl LockInfo {
    /// Stale as seen from this machine, now.
    pub fn staleness(&self) -> Option<Staleness> {
        self.staleness_at(&host_name(), now_ms(), pid_alive)
    }

    /// Stale as seen from `this_host` at `now_ms`, with `alive` telling whether a local pid
    /// exists (a parameter so tests can decide).
    pub fn staleness_at(
        &self,
        this_host: &str,
        now_ms: i64,
        alive: impl Fn(u32) -> bool,
    ) -> Option<Staleness> {
        if self.holder.host == this_host && !alive(self.holder.pid) {
            return Some(Staleness::DeadProcess);
        }
        (now_ms > self.lease_until_ms).then(|| Staleness::LeaseExpired {
            ago_ms: now_ms - self.lease_until_ms,
        })
    }
}

/// Another run holds the lock.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LockHeld {
    pub lock: LockInfo,
    pub stale: Option<Staleness>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LockError {
    Held(Box<LockHeld>),
    State(StateError),
}

impl From<StateError> for LockError {
    fn from(e: StateError) -> Self {
        LockError::State(e)
    }
}

/// What to record with a lock.
#[derive(Clone, Debug)]
pub struct LockRequest<'a> {
    pub holder: &'a LockHolder,
    pub reason: &'a str,
    pub plan_hash: &'a str,
    pub lease: Duration,
}

/// The lock, held until dropped (or [`LockGuard::release`]d). Owns its own connection so
/// the run can keep writing through its `StateDb`.
pub struct LockGuard {
    renewer: LockRenewer,
    released: bool,
}

/// Renews the lease; `Send + Sync + Clone`, for a background task.
#[derive(Clone)]
pub struct LockRenewer {
    conn: Arc<Mutex<Connection>>,
    token: String,
    lease: Duration,
}

impl LockRenewer {
    /// Pushes the lease to now + lease. `Ok(false)`: the lock is no longer ours (broken).
    pub fn renew(&self) -> Result<bool, StateError> {
        let until = now_ms().saturating_add(millis(self.lease));
        let conn = self
            .conn
            .lock()
            .map_err(|e| StateError::Db(e.to_string()))?;
        conn.execute(
            "UPDATE lock SET lease_until_ms = ?2 WHERE token = ?1",
            params![self.token, until],
        )
        .map(|n| n == 1)
        .map_err(|e| StateError::Db(e.to_string()))
    }

    /// How often to renew: a third of the lease, so two renewals can fail before it expires.
    pub fn interval(&self) -> Duration {
        (self.lease / 3).max(Duration::from_millis(50))
    }

    pub fn token(&self) -> &str {
        &self.token
    }
}

impl LockGuard {
    pub fn renewer(&self) -> LockRenewer {
        self.renewer.clone()
    }

    /// Releases now, reporting a failure (Drop cannot).
    pub fn release(mut self) -> Result<(), StateError> {
        self.released = true;
        self.delete()
    }

    fn delete(&self) -> Result<(), StateError> {
        let conn = self
            .renewer
            .conn
            .lock()
            .map_err(|e| StateError::Db(e.to_string()))?;
        conn.execute("DELETE FROM lock WHERE token = ?1", [&self.renewer.token])
            .map(|_| ())
            .map_err(|e| StateError::Db(e.to_string()))
    }
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        if !self.released {
            // Nothing to report to from Drop: a lock left behind reads as stale later.
            let _ = self.delete();
        }
    }
}

impl StateDb {
    /// Takes the lock, or says who holds it (stale or not: only `break_lock` removes it).
    pub fn acquire_lock(&self, req: &LockRequest<'_>) -> Result<LockGuard, LockError> {
        let mut conn = connect(&self.path)?;
        let err = |e: rusqlite::Error| LockError::State(StateError::Db(e.to_string()));
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        if let Some(lock) = read_lock(&tx).map_err(err)? {
            let stale = lock.staleness();
            return Err(LockError::Held(Box::new(LockHeld { lock, stale })));
        }
        let now = now_ms();
        let token = new_token(req.holder.pid, now);
        tx.execute(
            "INSERT INTO lock (id, token, user, host, pid, reason, plan_hash, started_at,
               started_ms, lease_until_ms)
             VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                token,
                req.holder.user,
                req.holder.host,
                i64::from(req.holder.pid),
                req.reason,
                req.plan_hash,
                portoser_plan::now_rfc3339(),
                now,
                now.saturating_add(millis(req.lease)),
            ],
        )
        .map_err(err)?;
        tx.commit().map_err(err)?;
        Ok(LockGuard {
            renewer: LockRenewer {
                conn: Arc::new(Mutex::new(conn)),
                token,
                lease: req.lease,
            },
            released: false,
        })
    }

    /// [`StateDb::acquire_lock`], polling every `poll` for up to `wait` while it is held.
    pub fn acquire_lock_waiting(
        &self,
        req: &LockRequest<'_>,
        wait: Duration,
        poll: Duration,
    ) -> Result<LockGuard, LockError> {
        let deadline = Instant::now() + wait;
        loop {
            match self.acquire_lock(req) {
                Err(LockError::Held(held)) if Instant::now() < deadline => {
                    // A dead holder will not release: waiting for it is pointless.
                    if held.stale == Some(Staleness::DeadProcess) {
                        return Err(LockError::Held(held));
                    }
                    std::thread::sleep(poll.min(deadline - Instant::now()));
                }
                other => return other,
            }
        }
    }

    /// The lock, if any is held (stale or not). `None` on a database older than locks.
    pub fn lock_status(&self) -> Result<Option<LockInfo>, StateError> {
        if self.version < schema::WITH_LOCK {
            return Ok(None);
        }
        read_lock(&self.conn).map_err(|e| self.err(e))
    }

    /// Removes the lock acquisition `token` (as read by `lock_status`, so a lock taken since
    /// is never removed by mistake). `Ok(false)`: it was not there any more.
    pub fn break_lock(&self, token: &str) -> Result<bool, StateError> {
        if self.version < schema::WITH_LOCK {
            return Ok(false);
        }
        self.conn
            .execute("DELETE FROM lock WHERE token = ?1", [token])
            .map(|n| n == 1)
            .map_err(|e| self.err(e))
    }
}

fn connect(path: &Path) -> Result<Connection, StateError> {
    let conn = Connection::open(path).map_err(|e| StateError::corrupt(path, e))?;
    conn.busy_timeout(Duration::from_secs(5))
        .map_err(|e| StateError::corrupt(path, e))?;
    Ok(conn)
}

fn read_lock(conn: &Connection) -> rusqlite::Result<Option<LockInfo>> {
    conn.query_row(
        "SELECT token, user, host, pid, reason, plan_hash, started_at, started_ms,
           lease_until_ms FROM lock WHERE id = 1",
        [],
        |r| {
            Ok(LockInfo {
                token: r.get(0)?,
                holder: LockHolder {
                    user: r.get(1)?,
                    host: r.get(2)?,
                    pid: u32::try_from(r.get::<_, i64>(3)?).unwrap_or(0),
                },
                reason: r.get(4)?,
                plan_hash: r.get(5)?,
                started_at: r.get(6)?,
                started_ms: r.get(7)?,
                lease_until_ms: r.get(8)?,
            })
        },
    )
    .optional()
}

fn new_token(pid: u32, now: i64) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{pid}-{now}-{n}")
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}
