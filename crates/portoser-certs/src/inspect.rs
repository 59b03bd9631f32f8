//! Reading a certificate back (x509-parser): subject, SANs, validity, EKU, fingerprint.

use crate::CertError;
use sha2::{Digest, Sha256};
use std::path::Path;
use x509_parser::extensions::GeneralName;
use x509_parser::prelude::X509Certificate;

/// What `certs list` shows and `certs check` judges.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertInfo {
    /// RFC 4514 text (`CN=api`).
    pub subject: String,
    pub issuer: String,
    /// DNS names and IP addresses, in certificate order.
    pub sans: Vec<String>,
    /// Unix seconds.
    pub not_before: i64,
    pub not_after: i64,
    pub is_ca: bool,
    pub server_auth: bool,
    pub client_auth: bool,
    /// `sha256:<hex>` of the DER: changes with every issue (what the plan records).
    pub fingerprint: String,
}

impl CertInfo {
    /// Whole days left at `now` (unix seconds); negative once expired.
    pub fn days_left(&self, now: i64) -> i64 {
        (self.not_after - now).div_euclid(86_400)
    }

    /// Seconds left at `now` (negative once expired).
    pub fn seconds_left(&self, now: i64) -> i64 {
        self.not_after - now
    }
}

/// Reads and inspects the certificate file at `path`.
pub fn inspect_file(path: &Path) -> Result<CertInfo, CertError> {
    let bytes = std::fs::read(path).map_err(|e| CertError::io(path, e))?;
    inspect_pem(path, &bytes)
}

/// Inspects PEM text (`path` only names it in errors).
pub fn inspect(path: &Path, pem: &[u8]) -> Result<CertInfo, CertError> {
    inspect_pem(path, pem)
}

pub(crate) fn inspect_pem(path: &Path, bytes: &[u8]) -> Result<CertInfo, CertError> {
    let parse = |message: String| CertError::Parse {
        path: path.to_path_buf(),
        message,
    };
    let (_, pem) = x509_parser::pem::parse_x509_pem(bytes)
        .map_err(|e| parse(format!("not a PEM certificate: {e}")))?;
    let x509 = pem
        .parse_x509()
        .map_err(|e| parse(format!("not an X.509 certificate: {e}")))?;
    Ok(info(&x509, &pem.contents))
}

fn info(x509: &X509Certificate<'_>, der: &[u8]) -> CertInfo {
    let (server_auth, client_auth) = match x509.extended_key_usage() {
        Ok(Some(eku)) => (eku.value.server_auth, eku.value.client_auth),
        _ => (false, false),
    };
    CertInfo {
        subject: x509.subject().to_string(),
        issuer: x509.issuer().to_string(),
        sans: sans(x509),
        not_before: x509.validity().not_before.timestamp(),
        not_after: x509.validity().not_after.timestamp(),
        is_ca: x509.is_ca(),
        server_auth,
        client_auth,
        fingerprint: fingerprint(der),
    }
}

fn sans(x509: &X509Certificate<'_>) -> Vec<String> {
    let Ok(Some(ext)) = x509.subject_alternative_name() else {
        return Vec::new();
    };
    ext.value
        .general_names
        .iter()
        .filter_map(|name| match name {
            GeneralName::DNSName(dns) => Some(dns.to_string()),
            GeneralName::IPAddress(bytes) => ip_text(bytes),
            _ => None,
        })
        .collect()
}

fn ip_text(bytes: &[u8]) -> Option<String> {
    match bytes.len() {
        4 => <[u8; 4]>::try_from(bytes)
            .ok()
            .map(|b| std::net::Ipv4Addr::from(b).to_string()),
        16 => <[u8; 16]>::try_from(bytes)
            .ok()
            .map(|b| std::net::Ipv6Addr::from(b).to_string()),
        _ => None,
    }
}

fn fingerprint(der: &[u8]) -> String {
    let digest = Sha256::digest(der);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// `2026-02-25 09:14 UTC` for unix seconds (what `certs list` shows).
pub fn utc_text(secs: i64) -> String {
    match time::OffsetDateTime::from_unix_timestamp(secs) {
        Ok(t) => format!(
            "{:04}-{:02}-{:02} {:02}:{:02} UTC",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute()
        ),
        Err(_) => secs.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn utc_text_is_readable() {
        assert_eq!(super::utc_text(0), "1970-01-01 00:00 UTC");
        assert_eq!(super::utc_text(1_795_000_000), "2026-11-18 11:06 UTC");
    }
}
