//! What can go wrong in the PKI store. Messages name files, never key material.

use std::fmt;
use std::path::PathBuf;

#[derive(Debug)]
pub enum CertError {
    /// `init-ca` found a CA and was not told to replace it.
    CaExists(PathBuf),
    /// Issuing needs a CA and there is none.
    NoCa(PathBuf),
    /// A file of the store could not be read or written.
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    /// A certificate or key file is not what it should be (not PEM, not X.509 ...).
    Parse { path: PathBuf, message: String },
    /// rcgen refused the parameters (an invalid name) or failed to sign.
    Generate(String),
    /// A name that cannot be a file name in the store (`/`, `..`, empty ...).
    BadName(String),
    /// The CA key is kept elsewhere (Vault: the location) and was not given in memory.
    KeyElsewhere(String),
    /// A lifetime of zero or longer than [`crate::MAX_LIFETIME_DAYS`].
    BadLifetime(String),
}

impl fmt::Display for CertError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CertError::CaExists(p) => write!(f, "a CA already exists at `{}`", p.display()),
            CertError::NoCa(p) => write!(f, "no CA at `{}`", p.display()),
            CertError::Io { path, error } => write!(f, "`{}`: {error}", path.display()),
            CertError::Parse { path, message } => write!(f, "`{}`: {message}", path.display()),
            CertError::Generate(m) => write!(f, "cannot generate the certificate: {m}"),
            CertError::BadName(n) => write!(
                f,
                "`{n}` cannot name a certificate (letters, digits, `-`, `_`, `.`; not `.`/`..`)"
            ),
            CertError::BadLifetime(m) => f.write_str(m),
            CertError::KeyElsewhere(at) => {
                write!(f, "the CA key is kept in Vault ({at}) and was not fetched")
            }
        }
    }
}

impl std::error::Error for CertError {}

impl CertError {
    pub(crate) fn io(path: &std::path::Path, error: std::io::Error) -> CertError {
        CertError::Io {
            path: path.to_path_buf(),
            error,
        }
    }
}

impl From<rcgen::Error> for CertError {
    fn from(e: rcgen::Error) -> CertError {
        CertError::Generate(e.to_string())
    }
}
