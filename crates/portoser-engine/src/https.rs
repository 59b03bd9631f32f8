//! TLS for `https://` health checks, over the same tunnelled stream as plain http: rustls on
//! aws-lc-rs, trusting only the CA given (the service's `ca_cert`, or the project CA for
//! `tls: auto`), never the system roots: a gate that passes proves the service serves a
//! certificate that CA signed for the checked name.

use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::rustls::{ClientConfig, RootCertStore, crypto};

/// The TLS handshake with `host` (the URL's host: the name the certificate must carry).
pub(crate) async fn connect<S: AsyncRead + AsyncWrite + Unpin>(
    stream: S,
    host: &str,
    ca_pem: Option<&[u8]>,
) -> Result<TlsStream<S>, String> {
    let config = client_config(ca_pem)?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let name = ServerName::try_from(host.to_string())
        .map_err(|_| format!("`{host}` is not a name a certificate can carry"))?;
    TlsConnector::from(Arc::new(config))
        .connect(name, stream)
        .await
        .map_err(|e| format!("TLS handshake with {host}: {e}"))
}

fn client_config(ca_pem: Option<&[u8]>) -> Result<ClientConfig, String> {
    let pem = ca_pem.ok_or(
        "an https health check needs the CA that signed the service's certificate: \
         `tls: auto` (the project CA) or `ca_cert`",
    )?;
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(pem) {
        let cert = cert.map_err(|e| format!("the CA file is not PEM: {e}"))?;
        roots
            .add(cert)
            .map_err(|e| format!("the CA file holds an unusable certificate: {e}"))?;
    }
    if roots.is_empty() {
        return Err("the CA file holds no certificate".to_string());
    }
    let provider = Arc::new(crypto::aws_lc_rs::default_provider());
    Ok(ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth())
}
