//! Opening one SSH connection: TCP with a timeout, host key verified against known_hosts
//! (inside the handshake, before any credential is sent), then key or agent authentication.

use super::SshOptions;
use super::known_hosts::{self, Verdict};
use crate::error::TransportError;
use crate::pool::HostConfig;
use russh::client::{self, Handle};
use russh::keys::{PrivateKeyWithHashAlg, PublicKey, PublicKeyOrCertificate};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// What the handshake callback decided, carried out of russh as its error type.
#[derive(Debug)]
pub(crate) enum HandlerError {
    Russh(russh::Error),
    Refused(TransportError),
    /// `scan_host_key` got what it wanted and stops the handshake.
    Scanned,
}

impl From<russh::Error> for HandlerError {
    fn from(e: russh::Error) -> Self {
        HandlerError::Russh(e)
    }
}

pub(crate) enum Mode {
    Verify {
        known_hosts: PathBuf,
        trust_new: bool,
    },
    Scan(Arc<Mutex<Option<PublicKey>>>),
}

pub(crate) struct Verifier {
    pub name: String,
    pub address: String,
    pub port: u16,
    pub mode: Mode,
}

impl client::Handler for Verifier {
    type Error = HandlerError;

    async fn check_server_key(
        &mut self,
        key: &PublicKeyOrCertificate,
    ) -> Result<bool, HandlerError> {
        let key = match key {
            PublicKeyOrCertificate::PublicKey { key, .. } => key.clone(),
            // Certificates are not trusted as such: their key must be in known_hosts.
            PublicKeyOrCertificate::Certificate(cert) => PublicKey::from(cert.public_key().clone()),
        };
        match &self.mode {
            Mode::Scan(slot) => {
                if let Ok(mut slot) = slot.lock() {
                    *slot = Some(key);
                }
                Err(HandlerError::Scanned)
            }
            Mode::Verify {
                known_hosts,
                trust_new,
            } => self
                .verify(&key, known_hosts, *trust_new)
                .map_err(HandlerError::Refused),
        }
    }
}

impl Verifier {
    fn verify(
        &self,
        key: &PublicKey,
        path: &Path,
        trust_new: bool,
    ) -> Result<bool, TransportError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => {
                return Err(TransportError::io(
                    &self.name,
                    &format!("cannot read {}", path.display()),
                    e,
                ));
            }
        };
        let shown = path.display().to_string();
        match known_hosts::check(&text, &self.address, self.port, key) {
            Verdict::Known => Ok(true),
            Verdict::Changed { line } => Err(TransportError::HostKeyChanged {
                host: self.name.clone(),
                fingerprint: known_hosts::fingerprint(key),
                known_hosts: shown,
                line,
            }),
            Verdict::Unknown if trust_new => {
                known_hosts::append(path, &self.address, self.port, key).map_err(|e| {
                    TransportError::io(
                        &self.name,
                        &format!("cannot record the host key in {shown}"),
                        e,
                    )
                })?;
                Ok(true)
            }
            Verdict::Unknown => Err(TransportError::HostKeyUnknown {
                host: self.name.clone(),
                fingerprint: known_hosts::fingerprint(key),
                key_line: known_hosts::key_line(key),
                known_hosts: shown,
            }),
        }
    }
}

fn config(options: &SshOptions) -> Arc<client::Config> {
    Arc::new(client::Config {
        keepalive_interval: Some(options.keepalive),
        keepalive_max: 3,
        // One connection serves a whole run, idle gaps included; keepalive detects death.
        inactivity_timeout: None,
        nodelay: true,
        ..Default::default()
    })
}

/// TCP connect then SSH handshake with `verifier`; errors mapped to the host's terms.
pub(crate) async fn handshake(
    name: &str,
    address: &str,
    port: u16,
    options: &SshOptions,
    verifier: Verifier,
) -> Result<Handle<Verifier>, HandlerError> {
    let unreachable = |message: String| {
        HandlerError::Refused(TransportError::Unreachable {
            host: name.to_string(),
            message,
        })
    };
    let tcp = tokio::time::timeout(
        options.connect_timeout,
        tokio::net::TcpStream::connect((address, port)),
    )
    .await
    .map_err(|_| {
        unreachable(format!(
            "{address}:{port}: no answer within {:?}",
            options.connect_timeout
        ))
    })?
    .map_err(|e| unreachable(format!("{address}:{port}: {e}")))?;
    let _ = tcp.set_nodelay(true);
    match tokio::time::timeout(
        options.connect_timeout,
        client::connect_stream(config(options), tcp, verifier),
    )
    .await
    {
        Ok(result) => result,
        Err(_) => Err(HandlerError::Refused(TransportError::Timeout {
            host: name.to_string(),
            what: "the SSH handshake".to_string(),
            after: options.connect_timeout,
        })),
    }
}

pub(crate) fn refused(name: &str, err: HandlerError) -> TransportError {
    match err {
        HandlerError::Refused(e) => e,
        HandlerError::Scanned => TransportError::channel(name, "handshake stopped"),
        HandlerError::Russh(e) => TransportError::Unreachable {
            host: name.to_string(),
            message: format!("SSH handshake failed: {e}"),
        },
    }
}

pub(crate) async fn open(
    host: &HostConfig,
    options: &SshOptions,
) -> Result<Handle<Verifier>, TransportError> {
    let verifier = Verifier {
        name: host.name.clone(),
        address: host.address.clone(),
        port: host.port,
        mode: Mode::Verify {
            known_hosts: options.known_hosts.clone(),
            trust_new: options.trust_new_host_keys,
        },
    };
    let mut handle = handshake(&host.name, &host.address, host.port, options, verifier)
        .await
        .map_err(|e| refused(&host.name, e))?;
    let auth = tokio::time::timeout(options.connect_timeout, authenticate(&mut handle, host)).await;
    match auth {
        Ok(Ok(())) => Ok(handle),
        Ok(Err(e)) => Err(e),
        Err(_) => Err(TransportError::Timeout {
            host: host.name.clone(),
            what: "authentication".to_string(),
            after: options.connect_timeout,
        }),
    }
}

/// The key file when one is configured; otherwise the agent (`SSH_AUTH_SOCK`), then the
/// default identity files `~/.ssh/id_ed25519` and `~/.ssh/id_rsa`.
async fn authenticate(
    handle: &mut Handle<Verifier>,
    host: &HostConfig,
) -> Result<(), TransportError> {
    let auth_err = |message: String| TransportError::Auth {
        host: host.name.clone(),
        message,
    };
    let files: Vec<PathBuf> = match &host.key {
        Some(key) => vec![key.clone()],
        None => {
            if try_agent(handle, host).await? {
                return Ok(());
            }
            default_identities()
        }
    };
    let mut tried = Vec::new();
    for file in &files {
        if host.key.is_none() && !file.exists() {
            continue;
        }
        let key = russh::keys::load_secret_key(file, None)
            .map_err(|e| auth_err(format!("cannot use the key file {}: {e}", file.display())))?;
        let hash = match handle.best_supported_rsa_hash().await {
            Ok(h) => h.flatten(),
            Err(e) => return Err(TransportError::channel(&host.name, e)),
        };
        let result = handle
            .authenticate_publickey(
                host.user.clone(),
                PrivateKeyWithHashAlg::new(Arc::new(key), hash),
            )
            .await
            .map_err(|e| TransportError::channel(&host.name, e))?;
        if result.success() {
            return Ok(());
        }
        tried.push(file.display().to_string());
    }
    let what = if tried.is_empty() {
        "no key file or agent key to offer".to_string()
    } else {
        format!("tried {}", tried.join(", "))
    };
    Err(auth_err(format!(
        "the server refused the public key for user `{}` ({what})",
        host.user
    )))
}

async fn try_agent(
    handle: &mut Handle<Verifier>,
    host: &HostConfig,
) -> Result<bool, TransportError> {
    if std::env::var_os("SSH_AUTH_SOCK").is_none() {
        return Ok(false);
    }
    let Ok(mut agent) = russh::keys::agent::client::AgentClient::connect_env().await else {
        return Ok(false);
    };
    let identities = agent.request_identities().await.unwrap_or_default();
    for identity in identities {
        let russh::keys::agent::AgentIdentity::PublicKey { key, .. } = identity else {
            continue;
        };
        let hash = handle
            .best_supported_rsa_hash()
            .await
            .ok()
            .flatten()
            .flatten();
        let result = handle
            .authenticate_publickey_with(host.user.clone(), key, hash, &mut agent)
            .await;
        if result.is_ok_and(|r| r.success()) {
            return Ok(true);
        }
    }
    Ok(false)
}

fn default_identities() -> Vec<PathBuf> {
    let Some(home) = std::env::var_os("HOME") else {
        return Vec::new();
    };
    let ssh = PathBuf::from(home).join(".ssh");
    vec![ssh.join("id_ed25519"), ssh.join("id_rsa")]
}
