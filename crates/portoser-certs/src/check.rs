//! What is wrong with a stored certificate: expired, expiring within the renewal threshold,
//! names that no longer match, a key readable by others, a key or issuer that does not fit.
//! `certs check` reports these; the planner renews on the ones [`Finding::renews`] says.

use crate::inspect::{CertInfo, inspect_file};
use crate::store::{Paths, Pki};
use std::fmt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Finding {
    /// No certificate (or no key) in the store.
    Missing(PathBuf),
    /// The file is not a certificate (or the key not a key).
    Unreadable(String),
    /// Past its `not_after` (`days` ago).
    Expired { days: i64 },
    /// Expires within the renewal threshold.
    ExpiresSoon { days: i64, seconds: i64 },
    /// The names the registry asks for differ from the certificate's.
    SansChanged {
        missing: Vec<String>,
        extra: Vec<String>,
    },
    /// A private key readable or writable by group or others.
    KeyModeTooWide { path: PathBuf, mode: u32 },
    /// The key file does not hold this certificate's key.
    KeyMismatch,
    /// Not signed by the store's current CA (the CA was re-created).
    NotFromCa,
}

impl Finding {
    /// Whether the planner re-issues the certificate for this finding (everything but a key
    /// mode, which `chmod 600` fixes without a new certificate).
    pub fn renews(&self) -> bool {
        !matches!(self, Finding::KeyModeTooWide { .. })
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Finding::Missing(p) => write!(f, "no certificate at `{}`", p.display()),
            Finding::Unreadable(m) => f.write_str(m),
            Finding::Expired { days } => write!(f, "certificate expired {days} days ago"),
            Finding::ExpiresSoon { days, seconds } if *days == 0 => {
                write!(f, "certificate expires in {seconds} seconds")
            }
            Finding::ExpiresSoon { days, .. } => write!(f, "certificate expires in {days} days"),
            Finding::SansChanged { missing, extra } => {
                let mut parts = Vec::new();
                if !missing.is_empty() {
                    parts.push(format!("needs {}", missing.join(", ")));
                }
                if !extra.is_empty() {
                    parts.push(format!("no longer {}", extra.join(", ")));
                }
                write!(f, "SANs changed: {}", parts.join("; "))
            }
            Finding::KeyModeTooWide { path, mode } => {
                write!(
                    f,
                    "key `{}` has mode {mode:04o}, wider than 0600",
                    path.display()
                )
            }
            Finding::KeyMismatch => f.write_str("the key file does not match the certificate"),
            Finding::NotFromCa => f.write_str("certificate was not issued by the current CA"),
        }
    }
}

/// The key file's mode, as a finding when group or others may read or write it.
pub fn check_key_mode(path: &Path) -> Option<Finding> {
    let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o777;
    (mode & 0o077 != 0).then(|| Finding::KeyModeTooWide {
        path: path.to_path_buf(),
        mode,
    })
}

/// `Expired` or `ExpiresSoon` for `info` at `now` with the renewal threshold `renew_before`
/// (seconds); `None` while it has longer than that.
pub fn expiry(info: &CertInfo, renew_before: u64, now: i64) -> Option<Finding> {
    let left = info.seconds_left(now);
    if left <= 0 {
        Some(Finding::Expired {
            days: (-left) / 86_400,
        })
    } else if left <= i64::try_from(renew_before).unwrap_or(i64::MAX) {
        Some(Finding::ExpiresSoon {
            days: left / 86_400,
            seconds: left,
        })
    } else {
        None
    }
}

/// Checks the certificate at `paths` at time `now` (unix seconds): renewal due within
/// `renew_before` seconds, SANs against `expected_sans` (when given; order and case do not
/// matter), its key, its issuer. Returns what could be read and every finding.
pub fn check(
    pki: &Pki,
    paths: &Paths,
    expected_sans: Option<&[String]>,
    renew_before: u64,
    now: i64,
) -> (Option<CertInfo>, Vec<Finding>) {
    for path in [&paths.cert, &paths.key] {
        if !path.is_file() {
            return (None, vec![Finding::Missing(path.clone())]);
        }
    }
    let info = match inspect_file(&paths.cert) {
        Ok(info) => info,
        Err(e) => return (None, vec![Finding::Unreadable(e.to_string())]),
    };
    let mut findings = Vec::new();
    findings.extend(expiry(&info, renew_before, now));
    if let Some(expected) = expected_sans {
        findings.extend(sans_finding(&info.sans, expected));
    }
    findings.extend(check_key_mode(&paths.key));
    findings.extend(crate::verify::key_matches(&paths.cert, &paths.key));
    if pki.has_ca() {
        findings.extend(crate::verify::issued_by(&paths.cert, &pki.ca_cert_path()));
    }
    (Some(info), findings)
}

fn sans_finding(actual: &[String], expected: &[String]) -> Option<Finding> {
    let norm = |v: &[String]| -> Vec<String> {
        let mut v: Vec<String> = v.iter().map(|s| s.trim().to_ascii_lowercase()).collect();
        v.sort();
        v.dedup();
        v
    };
    let (actual, expected) = (norm(actual), norm(expected));
    let missing: Vec<String> = expected
        .iter()
        .filter(|s| !actual.contains(s))
        .cloned()
        .collect();
    let extra: Vec<String> = actual
        .iter()
        .filter(|s| !expected.contains(s))
        .cloned()
        .collect();
    (!missing.is_empty() || !extra.is_empty()).then_some(Finding::SansChanged { missing, extra })
}
