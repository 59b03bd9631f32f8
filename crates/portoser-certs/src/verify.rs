//! Checks that need the parsed certificate and a second file: does the key belong to the
//! certificate, did the CA sign it.

use crate::check::Finding;
use std::path::Path;

fn parse_pem(path: &Path) -> Option<x509_parser::pem::Pem> {
    let bytes = std::fs::read(path).ok()?;
    x509_parser::pem::parse_x509_pem(&bytes)
        .ok()
        .map(|(_, pem)| pem)
}

/// `KeyMismatch` when the key file's public key is not the certificate's.
pub(crate) fn key_matches(cert: &Path, key: &Path) -> Option<Finding> {
    let pem = parse_pem(cert)?;
    let x509 = pem.parse_x509().ok()?;
    let key_pem = std::fs::read_to_string(key).ok()?;
    let Ok(pair) = rcgen::KeyPair::from_pem(&key_pem) else {
        return Some(Finding::Unreadable(format!(
            "`{}` is not a private key",
            key.display()
        )));
    };
    (pair.public_key_raw() != x509.public_key().subject_public_key.data.as_ref())
        .then_some(Finding::KeyMismatch)
}

/// `NotFromCa` when the CA's key did not sign the certificate.
pub(crate) fn issued_by(cert: &Path, ca: &Path) -> Option<Finding> {
    let pem = parse_pem(cert)?;
    let x509 = pem.parse_x509().ok()?;
    let ca_pem = parse_pem(ca)?;
    let ca_x509 = ca_pem.parse_x509().ok()?;
    x509.verify_signature(Some(ca_x509.public_key()))
        .is_err()
        .then_some(Finding::NotFromCa)
}
