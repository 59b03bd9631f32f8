//! Atomic file upload as one quoted command with the data on stdin: works over any transport
//! that can exec, needs only `sh`, `chmod`, `cat` and `mv` on the host.

use crate::command::{Cmd, Script};
use crate::error::TransportError;
use crate::transport::ExecOutput;
use std::sync::atomic::{AtomicU64, Ordering};

/// Constant shell text; the values arrive as positional arguments ($1 target, $2 temp, $3
/// mode). `set -C` refuses a pre-existing temp file (a planted symlink); the mode is set on the
/// empty file before any data is written; the temp file is removed on every failure.
const UPLOAD_SH: &str = "set -C; umask 077; : > \"$2\" || exit 1; \
if chmod -- \"$3\" \"$2\" && cat >> \"$2\" && mv -f -- \"$2\" \"$1\"; then exit 0; fi; \
rm -f -- \"$2\"; exit 1";

static NONCE: AtomicU64 = AtomicU64::new(0);

/// A temp path beside `path`, unique per process and call, hidden from directory listings.
pub(crate) fn temp_path(path: &str) -> String {
    let (dir, name) = match path.rfind('/') {
        Some(i) => (&path[..=i], &path[i + 1..]),
        None => ("", path),
    };
    let n = NONCE.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{dir}.{name}.portoser-{}-{n}-{nanos:x}.tmp",
        std::process::id()
    )
}

pub(crate) fn script(path: &str, mode: u32) -> Result<Script, TransportError> {
    let cmd = Cmd::new("sh").args([
        "-c".to_string(),
        UPLOAD_SH.to_string(),
        "portoser-upload".to_string(),
        path.to_string(),
        temp_path(path),
        format!("{:04o}", mode & 0o7777),
    ]);
    // Render once here so a NUL in the path is reported before anything is sent.
    let script = Script::from(cmd);
    script.render()?;
    Ok(script)
}

pub(crate) fn check(host: &str, path: &str, out: &ExecOutput) -> Result<(), TransportError> {
    if out.success() {
        return Ok(());
    }
    let stderr = out.stderr_text();
    Err(TransportError::io(
        host,
        &format!("cannot write {path}"),
        stderr.trim(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_path_is_beside_the_target_and_hidden() {
        let t = temp_path("/srv/app/.env");
        assert!(t.starts_with("/srv/app/..env.portoser-"), "{t}");
        assert!(temp_path("x").starts_with(".x.portoser-"));
        assert_ne!(temp_path("/a/b"), temp_path("/a/b"));
    }
}
