//! The `certs` node of a `tls: auto` service: puts its server certificate, key and the
//! project CA into `<service dir>/tls/` on its host (`server.crt`, `server.key` 0600,
//! `ca.crt`), each atomically through the transport's upload. The CLI issued or renewed the
//! certificate in the local store before the run and hands the bytes in; the key exists only
//! in memory here and in that file, never in a message (docs/certs.md).

use crate::engine_runner::{EngineRunner, exec, transport_failure};
use crate::{FailureKind, NodeFailure, NodeOutput};
use portoser_plan::Node;
use portoser_transport::{Cmd, Script};
use std::fmt;
use std::time::Duration;

const QUICK: Duration = Duration::from_secs(30);

/// The directory under the service's directory that holds its TLS files.
pub const TLS_DIR: &str = "tls";

/// One service's TLS material, read from the local PKI store by the CLI.
#[derive(Clone)]
pub struct CertFiles {
    pub cert: Vec<u8>,
    pub key: Vec<u8>,
    pub ca: Vec<u8>,
    /// `sha256:<hex>` of the certificate, for the node's message.
    pub fingerprint: String,
}

/// Never prints the key.
impl fmt::Debug for CertFiles {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CertFiles")
            .field("fingerprint", &self.fingerprint)
            .finish_non_exhaustive()
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
        let dir = format!("{}/{TLS_DIR}", spec.service_dir.trim_end_matches('/'));
        let mkdir = Cmd::new("mkdir").arg("-p").arg(&dir);
        exec(&t, Script::from(mkdir), "mkdir", QUICK).await?;
        // The key first: a certificate never points at a key that is not there yet.
        for (file, bytes, mode) in [
            ("server.key", &files.key, 0o600),
            ("server.crt", &files.cert, 0o644),
            ("ca.crt", &files.ca, 0o644),
        ] {
            t.upload(&format!("{dir}/{file}"), bytes, mode, QUICK)
                .await
                .map_err(transport_failure)?;
        }
        let short = files.fingerprint.get(..19).unwrap_or(&files.fingerprint);
        Ok(NodeOutput::message(format!(
            "certificate {short}… in {dir}"
        )))
    }
}
