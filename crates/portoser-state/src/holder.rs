//! Who holds the apply lock, and whether that process can still be alive.

use std::time::{SystemTime, UNIX_EPOCH};

/// The process holding (or asking for) the lock.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LockHolder {
    pub user: String,
    /// The machine's host name (not a registry host).
    pub host: String,
    pub pid: u32,
}

impl LockHolder {
    /// This process: `$USER` (or `$LOGNAME`), the host name, the pid.
    pub fn current() -> LockHolder {
        let user = ["USER", "LOGNAME"]
            .iter()
            .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
            .unwrap_or_else(|| "unknown".to_string());
        LockHolder {
            user,
            host: host_name(),
            pid: std::process::id(),
        }
    }
}

impl std::fmt::Display for LockHolder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}@{} (pid {})", self.user, self.host, self.pid)
    }
}

/// The machine's host name, `unknown` when the system does not say.
pub fn host_name() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for `len` bytes; gethostname writes at most that many.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    if rc != 0 {
        return "unknown".to_string();
    }
    let end = buf.iter().position(|b| *b == 0).unwrap_or(buf.len());
    match String::from_utf8_lossy(buf.get(..end).unwrap_or_default()).into_owned() {
        name if name.is_empty() => "unknown".to_string(),
        name => name,
    }
}

/// Whether a process with this pid exists on this machine. `kill(pid, 0)` sends nothing; it
/// fails with ESRCH when there is no such process (EPERM means it exists, as another user).
/// A pid the system reused for another process reads as alive: the lease still expires.
pub fn pid_alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    if pid <= 0 {
        return false;
    }
    // SAFETY: signal 0 only checks that the process exists and may be signalled.
    let rc = unsafe { libc::kill(pid, 0) };
    rc == 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}

/// Milliseconds since the Unix epoch.
pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
