//! Where the PKI lives: `<project>/.portoser/pki/` on the machine running portoser.
//!
//! ```text
//! .portoser/pki/            0700
//!   ca.crt                  0644  the CA certificate (what clients and Caddy trust)
//!   ca.key                  0600  the CA private key (absent when it is kept in Vault:
//!   ca.key.vault            0644  then this names where, and holds no secret)
//!   services/<service>.crt  0644  server certificate (SANs: hostname, host address, localhost)
//!   services/<service>.key  0600
//!   clients/<name>.crt      0644  client certificate (EKU clientAuth) for mTLS
//!   clients/<name>.key      0600
//!   service-clients/<service>.crt  0644  a service's client certificate (`client_cert: auto`)
//!   service-clients/<service>.key  0600
//! ```
//!
//! Services' client certificates have a directory of their own: a person's `certs client
//! api` and the service `api`'s client certificate never overwrite each other.

use crate::CertError;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use zeroize::Zeroizing;

/// A certificate and its key in the store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Paths {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// The project's PKI store.
#[derive(Clone)]
pub struct Pki {
    root: PathBuf,
    /// The CA key given in memory (fetched from Vault); zeroed when the last clone drops.
    pub(crate) ca_key: Option<Arc<Zeroizing<String>>>,
}

/// Never prints the CA key.
impl fmt::Debug for Pki {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pki")
            .field("root", &self.root)
            .field("ca_key_in_memory", &self.ca_key.is_some())
            .finish()
    }
}

/// Where the CA's private key is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CaKeyHome {
    /// `ca.key` in the store.
    File(PathBuf),
    /// Somewhere else (Vault): the text of `ca.key.vault`, e.g. `secret/portoser/pki/ca#key`.
    Elsewhere(String),
    /// No CA.
    None,
}

impl Pki {
    /// The store of the project whose `registry.yml` is in `project_dir`.
    pub fn for_project(project_dir: &Path) -> Pki {
        Pki::at(project_dir.join(".portoser").join("pki"))
    }

    /// A store at an explicit directory (tests, other layouts).
    pub fn at(root: impl Into<PathBuf>) -> Pki {
        Pki {
            root: root.into(),
            ca_key: None,
        }
    }

    /// The same store, issuing with this CA key (PEM) instead of reading `ca.key`: for a CA
    /// whose key is kept in Vault ([`CaKeyHome::Elsewhere`]).
    pub fn with_ca_key(mut self, pem: String) -> Pki {
        self.ca_key = Some(Arc::new(Zeroizing::new(pem)));
        self
    }

    /// The file naming where the CA key is when it is not in the store.
    pub fn ca_key_marker_path(&self) -> PathBuf {
        self.root.join("ca.key.vault")
    }

    /// Where the CA key is: the store's `ca.key`, elsewhere (the marker), or nowhere.
    pub fn ca_key_home(&self) -> CaKeyHome {
        if self.ca_key_path().is_file() {
            return CaKeyHome::File(self.ca_key_path());
        }
        match std::fs::read_to_string(self.ca_key_marker_path()) {
            Ok(text) => CaKeyHome::Elsewhere(text.trim().to_string()),
            Err(_) => CaKeyHome::None,
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The CA certificate: the file Caddy's `client_auth` (`trusted_ca_cert_file`) and
    /// clients (`curl --cacert`) trust.
    pub fn ca_cert_path(&self) -> PathBuf {
        self.root.join("ca.crt")
    }

    pub fn ca_key_path(&self) -> PathBuf {
        self.root.join("ca.key")
    }

    /// A CA certificate and its key (in the store, or kept elsewhere and named by the marker).
    pub fn has_ca(&self) -> bool {
        self.ca_cert_path().is_file() && self.ca_key_home() != CaKeyHome::None
    }

    /// Where the server certificate of `service` is (whether or not it exists yet).
    pub fn server_paths(&self, service: &str) -> Result<Paths, CertError> {
        self.paths("services", service)
    }

    /// Where the client certificate `name` is (whether or not it exists yet).
    pub fn client_paths(&self, name: &str) -> Result<Paths, CertError> {
        self.paths("clients", name)
    }

    /// Where the client certificate of `service` (`client_cert: auto`) is.
    pub fn service_client_paths(&self, service: &str) -> Result<Paths, CertError> {
        self.paths("service-clients", service)
    }

    fn paths(&self, kind: &str, name: &str) -> Result<Paths, CertError> {
        check_name(name)?;
        let dir = self.root.join(kind);
        Ok(Paths {
            cert: dir.join(format!("{name}.crt")),
            key: dir.join(format!("{name}.key")),
        })
    }

    /// The names of the issued certificates of one kind (`services` or `clients`), sorted.
    pub(crate) fn names(&self, kind: &str) -> Result<Vec<String>, CertError> {
        let dir = self.root.join(kind);
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(CertError::io(&dir, e)),
        };
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                name.strip_suffix(".crt").map(str::to_string)
            })
            .filter(|n| !n.starts_with('.'))
            .collect();
        names.sort();
        Ok(names)
    }

    /// Every service certificate in the store, sorted by service.
    pub fn services(&self) -> Result<Vec<String>, CertError> {
        self.names("services")
    }

    /// Every client certificate in the store, sorted by name.
    pub fn clients(&self) -> Result<Vec<String>, CertError> {
        self.names("clients")
    }

    /// Every service client certificate (`client_cert: auto`) in the store, sorted.
    pub fn service_clients(&self) -> Result<Vec<String>, CertError> {
        self.names("service-clients")
    }
}

/// A service or client name becomes a file name: keep it to a safe alphabet.
fn check_name(name: &str) -> Result<(), CertError> {
    let ok = !name.is_empty()
        && name.len() <= 128
        && name != "."
        && name != ".."
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(CertError::BadName(name.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_is_under_dot_portoser() {
        let pki = Pki::for_project(Path::new("/p"));
        assert_eq!(pki.ca_cert_path(), Path::new("/p/.portoser/pki/ca.crt"));
        let api = pki.server_paths("api").unwrap();
        assert_eq!(api.key, Path::new("/p/.portoser/pki/services/api.key"));
        let ops = pki.client_paths("ops").unwrap();
        assert_eq!(ops.cert, Path::new("/p/.portoser/pki/clients/ops.crt"));
        let caller = pki.service_client_paths("caller").unwrap();
        assert_eq!(
            caller.key,
            Path::new("/p/.portoser/pki/service-clients/caller.key")
        );
    }

    #[test]
    fn names_that_escape_the_store_are_refused() {
        let pki = Pki::at("/x");
        for bad in ["", ".", "..", "../ca", "a/b", ".hidden", "a b"] {
            assert!(pki.client_paths(bad).is_err(), "{bad:?}");
        }
    }
}
