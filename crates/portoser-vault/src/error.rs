//! What went wrong talking to Vault. Messages name addresses, paths and keys, never values
//! or tokens; Vault's own error strings are kept (they never hold a secret).

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VaultError {
    /// The address is not `https://` and plain HTTP was not allowed (`vault.dev: true`).
    PlainHttp { address: String },
    /// The address or the CA file cannot be used.
    Config { why: String },
    /// No connection, a TLS failure (unknown CA, wrong name) or a timeout.
    Unreachable { address: String, why: String },
    /// 403: the token may not do this on `path` (or the token/secret-id is invalid).
    Denied { path: String, errors: Vec<String> },
    /// 404: nothing at `path`.
    NotFound { path: String },
    /// The secret at `path` exists but has no `key`.
    MissingKey { path: String, key: String },
    /// A path that cannot be put in a URL as is.
    BadPath { path: String },
    /// Any other status.
    Status {
        path: String,
        status: u16,
        errors: Vec<String>,
    },
    /// The answer is not what the API documents.
    Protocol { path: String, why: String },
}

impl fmt::Display for VaultError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VaultError::PlainHttp { address } => write!(
                f,
                "`{address}` is plain HTTP: secrets and tokens would cross the network unencrypted"
            ),
            VaultError::Config { why } => write!(f, "{why}"),
            VaultError::Unreachable { address, why } => {
                write!(f, "Vault at `{address}` cannot be reached: {why}")
            }
            VaultError::Denied { path, errors } => {
                write!(f, "Vault denied access to `{path}`{}", joined(errors))
            }
            VaultError::NotFound { path } => write!(f, "Vault has no secret at `{path}`"),
            VaultError::MissingKey { path, key } => {
                write!(f, "the secret at `{path}` has no key `{key}`")
            }
            VaultError::BadPath { path } => write!(
                f,
                "`{path}` is not a usable Vault path (letters, digits, `.`, `_`, `-` and `/` only)"
            ),
            VaultError::Status {
                path,
                status,
                errors,
            } => write!(f, "Vault answered {status} for `{path}`{}", joined(errors)),
            VaultError::Protocol { path, why } => {
                write!(f, "unexpected answer from Vault for `{path}`: {why}")
            }
        }
    }
}

impl std::error::Error for VaultError {}

fn joined(errors: &[String]) -> String {
    if errors.is_empty() {
        String::new()
    } else {
        format!(" ({})", errors.join("; "))
    }
}
