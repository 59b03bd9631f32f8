//! The one way portoser replaces a file users depend on (formatted playbooks, saved plans, the
//! registry, the applied Caddyfile, keys and certificates): write a temporary file beside it,
//! flush it to disk, rename it over the target. A reader sees the old file or the new one, never
//! half of one; a failed write leaves the old file and no temporary behind.

use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// The permissions the written file ends up with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The existing target's mode (a playbook may be group-writable on purpose); a new file
    /// gets the default (0666 less the umask).
    Keep,
    /// Exactly this mode (0600 for keys), set on the temporary before any byte is written, so
    /// the content is never readable by others, not even for an instant. The umask does not
    /// narrow it (a certificate must stay readable).
    Exact(u32),
}

/// Writes `contents` to `path` atomically with `mode`. The parent directory must exist.
pub fn write(path: &Path, contents: &[u8], mode: Mode) -> std::io::Result<()> {
    let tmp = temporary_beside(path);
    let result = (|| {
        let mut file = create_temporary(&tmp, mode)?;
        if let Some(perms) = permissions(path, mode) {
            file.set_permissions(perms)?;
        }
        file.write_all(contents)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// [`write`], creating the parent directory (and its parents) first when missing.
pub fn write_creating_dir(path: &Path, contents: &[u8], mode: Mode) -> std::io::Result<()> {
    std::fs::create_dir_all(parent(path))?;
    write(path, contents, mode)
}

/// Creates `dir` (and parents) with mode 0700 when missing, and tightens it to 0700 when it
/// exists (a PKI directory holding private keys).
pub fn private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
}

/// `create_new`: never opens a file someone else put (or linked) there. A stale temporary of a
/// crashed run whose pid came back is removed once and the create retried.
fn create_temporary(tmp: &Path, mode: Mode) -> std::io::Result<std::fs::File> {
    let open = || {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        if let Mode::Exact(bits) = mode {
            options.mode(bits);
        }
        options.open(tmp)
    };
    match open() {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            std::fs::remove_file(tmp)?;
            open()
        }
        other => other,
    }
}

fn permissions(target: &Path, mode: Mode) -> Option<std::fs::Permissions> {
    match mode {
        Mode::Exact(bits) => Some(std::fs::Permissions::from_mode(bits)),
        Mode::Keep => std::fs::metadata(target).ok().map(|m| m.permissions()),
    }
}

fn parent(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// `.NAME.portoser-tmp-PID-N` beside the target (same filesystem, so the rename is atomic); the
/// counter keeps two writes of one process to the same target apart.
fn temporary_beside(path: &Path) -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    parent(path).join(format!(".{name}.portoser-tmp-{}-{n}", std::process::id()))
}

#[cfg(test)]
mod tests;
