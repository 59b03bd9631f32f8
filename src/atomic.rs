//! Atomic replacement of a file users depend on (formatted playbooks, saved plans, the
//! registry), keeping the target's mode: see `portoser_fs`.

/// Writes `contents` over `path` atomically, keeping the existing file's mode.
pub fn write(path: &std::path::Path, contents: &[u8]) -> std::io::Result<()> {
    portoser_fs::write(path, contents, portoser_fs::Mode::Keep)
}
