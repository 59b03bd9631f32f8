//! Issuing: the CA, server certificates and client certificates (rcgen, ECDSA P-256 keys).

use crate::inspect::{CertInfo, inspect_pem};
use crate::store::{CaKeyHome, Paths, Pki};
use crate::write::{atomic, private_dir};
use crate::{CA_LIFETIME_DAYS, CertError, DEFAULT_LIFETIME_DAYS, MAX_LIFETIME_DAYS};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SanType,
};
use std::fmt;
use std::net::IpAddr;
use std::time::Duration;
use time::OffsetDateTime;
use zeroize::Zeroizing;

const DAY: u64 = 86_400;

/// How long a leaf certificate is valid: more than zero, at most [`MAX_LIFETIME_DAYS`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lifetime(Duration);

impl Lifetime {
    pub fn new(valid_for: Duration) -> Result<Lifetime, CertError> {
        if valid_for.is_zero() {
            return Err(CertError::BadLifetime(
                "a certificate lifetime must be more than 0".into(),
            ));
        }
        if valid_for > Duration::from_secs(MAX_LIFETIME_DAYS * DAY) {
            return Err(CertError::BadLifetime(format!(
                "a certificate lifetime of {} days is longer than {MAX_LIFETIME_DAYS} days, \
                 which Apple clients reject",
                valid_for.as_secs() / DAY
            )));
        }
        Ok(Lifetime(valid_for))
    }

    pub fn days(days: u64) -> Result<Lifetime, CertError> {
        Lifetime::new(Duration::from_secs(days.saturating_mul(DAY)))
    }

    pub fn duration(self) -> Duration {
        self.0
    }
}

impl Default for Lifetime {
    fn default() -> Lifetime {
        Lifetime(Duration::from_secs(DEFAULT_LIFETIME_DAYS * DAY))
    }
}

/// A certificate just issued and stored.
#[derive(Clone, Debug)]
pub struct Issued {
    pub paths: Paths,
    pub info: CertInfo,
}

/// A CA generated in memory, not stored yet ([`Pki::install_ca`]). Its key is zeroed on drop
/// and never printed.
pub struct NewCa {
    cert_pem: String,
    key_pem: Zeroizing<String>,
}

impl NewCa {
    /// A new CA: ECDSA P-256, `CN=common_name, O=portoser`, path length 0 (it signs leaves
    /// only, never another CA), valid [`CA_LIFETIME_DAYS`].
    pub fn generate(common_name: &str) -> Result<NewCa, CertError> {
        let mut params = CertificateParams::default();
        params.distinguished_name = rcgen::DistinguishedName::new();
        params
            .distinguished_name
            .push(DnType::CommonName, common_name);
        params
            .distinguished_name
            .push(DnType::OrganizationName, "portoser");
        params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        validity(&mut params, Duration::from_secs(CA_LIFETIME_DAYS * DAY))?;
        let key = KeyPair::generate()?;
        let cert = params.self_signed(&key)?;
        Ok(NewCa {
            cert_pem: cert.pem(),
            key_pem: Zeroizing::new(key.serialize_pem()),
        })
    }

    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    /// The private key (PEM): to store it elsewhere (Vault). Nowhere else.
    pub fn key_pem(&self) -> &str {
        &self.key_pem
    }
}

impl fmt::Debug for NewCa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewCa(<key redacted>)")
    }
}

fn remove_if_there(path: &std::path::Path) -> Result<(), CertError> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(CertError::io(path, e)),
        _ => Ok(()),
    }
}

/// Validity starts a little in the past: a host whose clock is a few minutes behind must
/// still accept a certificate issued just now.
const BACKDATE: time::Duration = time::Duration::minutes(5);

fn validity(params: &mut CertificateParams, valid_for: Duration) -> Result<(), CertError> {
    let now = OffsetDateTime::now_utc();
    let span =
        time::Duration::try_from(valid_for).map_err(|e| CertError::BadLifetime(e.to_string()))?;
    params.not_before = now - BACKDATE;
    params.not_after = now + span;
    Ok(())
}

impl Pki {
    /// Creates the CA (`ca.key` 0600, `ca.crt`). Refuses when one exists unless `force`:
    /// replacing the CA invalidates every certificate it issued (clients trusting the old
    /// `ca.crt` reject the new ones until it is redistributed).
    pub fn init_ca(&self, common_name: &str, force: bool) -> Result<CertInfo, CertError> {
        self.may_init_ca(force)?;
        let ca = NewCa::generate(common_name)?;
        self.install_ca(&ca, None, force)
    }

    /// `Err(CaExists)` when the store has a CA (or a trace of one) and `force` is not given.
    pub fn may_init_ca(&self, force: bool) -> Result<(), CertError> {
        let traces = [
            self.ca_cert_path(),
            self.ca_key_path(),
            self.ca_key_marker_path(),
        ];
        if !force && traces.iter().any(|p| p.exists()) {
            return Err(CertError::CaExists(self.ca_cert_path()));
        }
        Ok(())
    }

    /// Stores a generated CA. `key_elsewhere: None` writes its key to `ca.key` (0600);
    /// `Some(location)` means the caller already stored the key there (Vault): `ca.key.vault`
    /// names it and no key is left in the store.
    pub fn install_ca(
        &self,
        ca: &NewCa,
        key_elsewhere: Option<&str>,
        force: bool,
    ) -> Result<CertInfo, CertError> {
        self.may_init_ca(force)?;
        private_dir(self.root())?;
        // Key first: a crash in between leaves a key without a certificate, which `has_ca`
        // treats as no CA, never a certificate whose key is lost.
        match key_elsewhere {
            None => {
                atomic(&self.ca_key_path(), ca.key_pem.as_bytes(), 0o600)?;
                remove_if_there(&self.ca_key_marker_path())?;
            }
            Some(location) => {
                let text = format!("{location}\n");
                atomic(&self.ca_key_marker_path(), text.as_bytes(), 0o644)?;
                remove_if_there(&self.ca_key_path())?;
            }
        }
        atomic(&self.ca_cert_path(), ca.cert_pem.as_bytes(), 0o644)?;
        inspect_pem(&self.ca_cert_path(), ca.cert_pem.as_bytes())
    }

    /// Issues and stores the server certificate of `service`: EKU serverAuth, the given
    /// SANs (DNS names or IP addresses, duplicates dropped), valid for `lifetime`.
    pub fn issue_server(
        &self,
        service: &str,
        sans: &[String],
        lifetime: Lifetime,
    ) -> Result<Issued, CertError> {
        let paths = self.server_paths(service)?;
        let mut params = leaf_params(service, sans)?;
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        self.sign_and_store(params, lifetime, paths)
    }

    /// Issues and stores the client certificate `name` (CN = name, EKU clientAuth) for mTLS.
    pub fn issue_client(&self, name: &str, lifetime: Lifetime) -> Result<Issued, CertError> {
        self.client_into(name, self.client_paths(name)?, lifetime)
    }

    /// Issues and stores the client certificate of the service `service` (`client_cert:
    /// auto`; CN = service, EKU clientAuth only) in `service-clients/`.
    pub fn issue_service_client(
        &self,
        service: &str,
        lifetime: Lifetime,
    ) -> Result<Issued, CertError> {
        self.client_into(service, self.service_client_paths(service)?, lifetime)
    }

    fn client_into(
        &self,
        name: &str,
        paths: Paths,
        lifetime: Lifetime,
    ) -> Result<Issued, CertError> {
        let mut params = leaf_params(name, &[])?;
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        self.sign_and_store(params, lifetime, paths)
    }

    fn sign_and_store(
        &self,
        mut params: CertificateParams,
        lifetime: Lifetime,
        paths: Paths,
    ) -> Result<Issued, CertError> {
        validity(&mut params, lifetime.duration())?;
        let (ca_key, ca_pem) = self.load_ca()?;
        let issuer = Issuer::from_ca_cert_pem(&ca_pem, ca_key)?;
        let key = KeyPair::generate()?;
        let cert = params.signed_by(&key, &issuer)?;
        if let Some(dir) = paths.cert.parent() {
            private_dir(dir)?;
        }
        atomic(&paths.key, key.serialize_pem().as_bytes(), 0o600)?;
        atomic(&paths.cert, cert.pem().as_bytes(), 0o644)?;
        let info = inspect_pem(&paths.cert, cert.pem().as_bytes())?;
        Ok(Issued { paths, info })
    }

    fn load_ca(&self) -> Result<(KeyPair, String), CertError> {
        if !self.has_ca() {
            return Err(CertError::NoCa(self.ca_cert_path()));
        }
        let read = |path: std::path::PathBuf| {
            std::fs::read_to_string(&path).map_err(|e| CertError::io(&path, e))
        };
        let key_pem = match (&self.ca_key, self.ca_key_home()) {
            (Some(pem), _) => Zeroizing::new(pem.as_str().to_string()),
            (None, CaKeyHome::Elsewhere(location)) => {
                return Err(CertError::KeyElsewhere(location));
            }
            (None, _) => Zeroizing::new(read(self.ca_key_path())?),
        };
        let key = KeyPair::from_pem(&key_pem).map_err(|e| CertError::Parse {
            path: self.ca_key_path(),
            message: e.to_string(),
        })?;
        Ok((key, read(self.ca_cert_path())?))
    }
}

fn leaf_params(common_name: &str, sans: &[String]) -> Result<CertificateParams, CertError> {
    let mut params = CertificateParams::default();
    params.distinguished_name = rcgen::DistinguishedName::new();
    params
        .distinguished_name
        .push(DnType::CommonName, common_name);
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.use_authority_key_identifier_extension = true;
    let mut seen = Vec::new();
    for san in sans {
        let san = san.trim().to_ascii_lowercase();
        if san.is_empty() || seen.contains(&san) {
            continue;
        }
        params.subject_alt_names.push(match san.parse::<IpAddr>() {
            Ok(ip) => SanType::IpAddress(ip),
            Err(_) => SanType::DnsName(
                san.clone()
                    .try_into()
                    .map_err(|_| CertError::Generate(format!("`{san}` is not a DNS name")))?,
            ),
        });
        seen.push(san);
    }
    Ok(params)
}

#[cfg(test)]
#[path = "issue_tests.rs"]
mod tests;
