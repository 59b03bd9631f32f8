//! Keys and certificates are written atomically with an exact mode set before any byte is
//! written (portoser_fs); these wrappers only name the path in the error.

use crate::CertError;
use std::path::Path;

/// Creates `dir` (and parents) with mode 0700 when missing, and tightens it to 0700.
pub(crate) fn private_dir(dir: &Path) -> Result<(), CertError> {
    portoser_fs::private_dir(dir).map_err(|e| CertError::io(dir, e))
}

/// Writes `contents` to `path` atomically with `mode` (0600 for keys, 0644 for certificates).
pub(crate) fn atomic(path: &Path, contents: &[u8], mode: u32) -> Result<(), CertError> {
    portoser_fs::write(path, contents, portoser_fs::Mode::Exact(mode))
        .map_err(|e| CertError::io(path, e))
}
