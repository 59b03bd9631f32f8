//! The `certs` node of a `tls: auto` or `client_cert: auto` service: puts its certificates,
//! keys and the project CA into `<service dir>/tls/` on its host (`server.crt`, `server.key`,
//! `client.crt`, `client.key`, keys 0600, `ca.crt`), each atomically through the transport's
//! upload. The CLI issued or renewed the certificates in the local store before the run and
//! hands the bytes in; a key exists only in memory here and in that file, never in a message
//! (docs/certs.md).

use crate::engine_runner::{EngineRunner, exec, transport_failure};
use crate::{FailureKind, NodeFailure, NodeOutput};
use portoser_plan::Node;
use portoser_transport::{Cmd, Script};
use std::fmt;
use std::time::Duration;

const QUICK: Duration = Duration::from_secs(30);

/// One certificate and its key, read from the local PKI store.
#[derive(Clone)]
pub struct CertPair {
    pub cert: Vec<u8>,
    pub key: Vec<u8>,
    /// `sha256:<hex>` of the certificate, for the node's message.
    pub fingerprint: String,
}

/// Never prints the key.
impl fmt::Debug for CertPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CertPair")
            .field("fingerprint", &self.fingerprint)
            .finish_non_exhaustive()
    }
}

/// One service's TLS material: its server certificate (`tls: auto`), its client certificate
/// (`client_cert: auto`), the project CA.
#[derive(Clone, Debug)]
pub struct CertFiles {
    pub server: Option<CertPair>,
    pub client: Option<CertPair>,
    pub ca: Vec<u8>,
}

impl CertFiles {
    /// What is uploaded, in order: each key before its certificate (a certificate never
    /// points at a key that is not there yet), the CA last.
    fn uploads(&self) -> Vec<(&'static str, &[u8], u32)> {
        let mut out = Vec::new();
        for (pair, key, cert) in [
            (&self.server, "server.key", "server.crt"),
            (&self.client, "client.key", "client.crt"),
        ] {
            if let Some(pair) = pair {
                out.push((key, pair.key.as_slice(), 0o600));
                out.push((cert, pair.cert.as_slice(), 0o644));
            }
        }
        out.push(("ca.crt", self.ca.as_slice(), 0o644));
        out
    }

    /// `certificate sha256:ab12…, client certificate sha256:cd34…`: fingerprints only.
    fn summary(&self) -> String {
        let short = |p: &CertPair| {
            p.fingerprint
                .get(..19)
                .unwrap_or(&p.fingerprint)
                .to_string()
        };
        let mut parts = Vec::new();
        if let Some(p) = &self.server {
            parts.push(format!("certificate {}…", short(p)));
        }
        if let Some(p) = &self.client {
            parts.push(format!("client certificate {}…", short(p)));
        }
        parts.join(", ")
    }
}

impl EngineRunner {
    /// The CA each service's `https://` health check trusts (PEM, by service name), for the
    /// desired and the recorded instance (a rollback waits for the old one's gate too).
    pub fn with_health_cas(mut self, cas: impl IntoIterator<Item = (String, Vec<u8>)>) -> Self {
        for (name, ca) in cas {
            for specs in [&mut self.specs, &mut self.old_specs] {
                if let Some(Ok(spec)) = specs.get_mut(&name) {
                    spec.tls_ca = Some(ca.clone());
                }
            }
        }
        self
    }

    pub(crate) async fn put_certs(&self, node: &Node) -> Result<NodeOutput, NodeFailure> {
        let name = node.service.as_deref().unwrap_or_default();
        let spec = self.spec_named(name)?;
        let Some(files) = self.certs.get(name) else {
            return Err(NodeFailure::new(format!(
                "no certificate for `{name}` in the local PKI store (`portoser certs issue {name}`)"
            ))
            .kind(FailureKind::MissingFile));
        };
        let t = self.transport(&spec.host).await?;
        let dir = spec.tls_path();
        let mkdir = Cmd::new("mkdir").arg("-p").arg(&dir);
        exec(&t, Script::from(mkdir), "mkdir", QUICK).await?;
        for (file, bytes, mode) in files.uploads() {
            t.upload(&format!("{dir}/{file}"), bytes, mode, QUICK)
                .await
                .map_err(transport_failure)?;
        }
        Ok(NodeOutput::message(format!("{} in {dir}", files.summary())))
    }

    /// Deletes the TLS files of a kind the service no longer has
    /// ([`portoser_plan::retired_tls_files`]), by name.
    pub(crate) async fn retire_certs(&self, node: &Node) -> Result<NodeOutput, NodeFailure> {
        let name = node.service.as_deref().unwrap_or_default();
        let spec = self.spec_named(name)?;
        let retired = self.retired_tls.get(name).map_or(&[][..], Vec::as_slice);
        if retired.is_empty() {
            return Ok(NodeOutput::message("nothing to remove"));
        }
        let t = self.transport(&spec.host).await?;
        let dir = spec.tls_path();
        exec(&t, remove_script(&dir, retired), "rm", QUICK).await?;
        Ok(NodeOutput::message(format!(
            "removed {} in {dir}",
            retired.join(", ")
        )))
    }
}

/// `rm -f -- DIR/FILE...`: the named files only, never the directory (a file of the
/// service's own may live there).
fn remove_script(dir: &str, files: &[&str]) -> Script {
    let paths = files.iter().map(|f| format!("{dir}/{f}"));
    Script::from(Cmd::new("rm").arg("-f").arg("--").args(paths))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(tag: &str) -> CertPair {
        CertPair {
            cert: format!("{tag} cert").into_bytes(),
            key: format!("{tag} KEY").into_bytes(),
            fingerprint: format!("sha256:{tag}0123456789abcdef0123456789"),
        }
    }

    #[test]
    fn keys_go_first_with_0600_and_only_what_the_service_has() {
        let files = CertFiles {
            server: None,
            client: Some(pair("c")),
            ca: b"ca".to_vec(),
        };
        let order: Vec<(&str, u32)> = files.uploads().iter().map(|u| (u.0, u.2)).collect();
        assert_eq!(
            order,
            [
                ("client.key", 0o600),
                ("client.crt", 0o644),
                ("ca.crt", 0o644)
            ]
        );
        let both = CertFiles {
            server: Some(pair("s")),
            ..files
        };
        let names: Vec<&str> = both.uploads().iter().map(|u| u.0).collect();
        assert_eq!(
            names,
            [
                "server.key",
                "server.crt",
                "client.key",
                "client.crt",
                "ca.crt"
            ]
        );
    }

    #[test]
    fn the_summary_and_debug_never_show_a_key() {
        let files = CertFiles {
            server: Some(pair("s")),
            client: Some(pair("c")),
            ca: b"ca".to_vec(),
        };
        assert_eq!(
            files.summary(),
            "certificate sha256:s0123456789a…, client certificate sha256:c0123456789a…"
        );
        let debug = format!("{files:?}");
        assert!(!debug.contains("KEY"), "{debug}");
    }
}
