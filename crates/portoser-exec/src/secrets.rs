//! The `secrets` node: the host's AppRole credentials are read from the host over SSH, the
//! controller logs in to Vault as that host, reads the service's `path#key` references and
//! uploads `<service dir>/.portoser/secrets.env` (0600, atomic: the old file stays until the
//! new one is complete). The engines read that file (docs/vault.md). Values exist only in
//! memory here and in that file: messages and failures name variables and references only.

use crate::engine_runner::{EngineRunner, exec, transport_failure};
use crate::{FailureKind, NodeFailure, NodeOutput};
use portoser_engine::{Os, ServiceSpec};
use portoser_plan::Node;
use portoser_registry::Engine as EngineKind;
use portoser_transport::{Cmd, ExecOptions, Script, Transport};
use portoser_vault::envfile::{self, Syntax};
use portoser_vault::{APPROLE_FILE, Client, HostCredentials, KvSecret, SecretValue, VaultError};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, OnceCell};

const QUICK: Duration = Duration::from_secs(30);

/// Vault as apply sees it: where it is (no token: each host logs in with its own AppRole)
/// and the KV mount. One login per host per run; hosts log in in parallel (the map's lock is
/// held only to find a host's cell, never across a login).
pub struct VaultAccess {
    client: Client,
    mount: String,
    logins: Mutex<HashMap<String, Arc<OnceCell<Client>>>>,
}

impl VaultAccess {
    pub fn new(client: Client, mount: impl Into<String>) -> Self {
        VaultAccess {
            client,
            mount: mount.into(),
            logins: Mutex::new(HashMap::new()),
        }
    }

    /// The client logged in as `spec.host`'s AppRole (read from the host's file once).
    async fn host_client(&self, t: &Transport, spec: &ServiceSpec) -> Result<Client, NodeFailure> {
        let cell = self
            .logins
            .lock()
            .await
            .entry(spec.host.clone())
            .or_default()
            .clone();
        // A failed login is not kept: the next service of the host tries again.
        cell.get_or_try_init(|| async {
            let creds = read_credentials(t, spec).await?;
            self.client
                .approle_login(&creds.role_id, &creds.secret_id)
                .await
                .map_err(|e| {
                    let f = vault_failure(&e, None, &spec.host);
                    NodeFailure {
                        message: format!("`{}` cannot log in to Vault: {e}", spec.host),
                        ..f
                    }
                })
        })
        .await
        .cloned()
    }
}

impl EngineRunner {
    pub(crate) async fn write_secrets(&self, node: &Node) -> Result<NodeOutput, NodeFailure> {
        let name = node.service.as_deref().unwrap_or_default();
        let refs: Vec<(String, String)> = self
            .configs
            .get(name)
            .map(|c| {
                c.secrets
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            })
            .unwrap_or_default();
        if refs.is_empty() {
            return Ok(NodeOutput::default());
        }
        let spec = self.spec_named(name)?;
        let Some(vault) = &self.vault else {
            return Err(NodeFailure::new(format!(
                "`{name}` has secrets but no Vault is configured (`vault:` in the registry)"
            ))
            .kind(FailureKind::SecretMissing));
        };
        // The registry refuses this (E0173); a hand-made plan must not get further.
        if spec.os == Os::Apple && spec.engine == EngineKind::Native {
            return Err(NodeFailure::new(
                "secrets for launchd services are not supported yet (no EnvironmentFile)",
            )
            .kind(FailureKind::NotSupported));
        }
        let t = self.transport(&spec.host).await?;
        let client = vault.host_client(&t, spec).await?;
        let (vars, versions) = read_all(&client, &vault.mount, &refs, &spec.host).await?;
        let bytes = envfile::render(&vars, syntax(spec)).map_err(|e| {
            NodeFailure::new(e.to_string())
                .kind(FailureKind::SecretMissing)
                .about_secret(e.var.clone())
        })?;
        let file = spec.secrets_file.clone().unwrap_or_default();
        let dir = file.rsplit_once('/').map(|(d, _)| d).unwrap_or(".");
        exec(
            &t,
            Script::from(Cmd::new("mkdir").arg("-p").arg(dir)),
            "mkdir",
            QUICK,
        )
        .await?;
        t.upload(&file, &bytes, 0o600, QUICK)
            .await
            .map_err(transport_failure)?;
        let list: Vec<String> = versions.iter().map(|(p, v)| format!("{p} v{v}")).collect();
        Ok(NodeOutput::message(format!(
            "{} secret(s) from {}",
            vars.len(),
            list.join(", ")
        )))
    }
}

/// Reads each reference once per path; values in the order of the references.
async fn read_all(
    client: &Client,
    mount: &str,
    refs: &[(String, String)],
    host: &str,
) -> Result<(Vec<(String, SecretValue)>, BTreeMap<String, u64>), NodeFailure> {
    let mut read: BTreeMap<String, KvSecret> = BTreeMap::new();
    let mut vars = Vec::with_capacity(refs.len());
    for (var, reference) in refs {
        let (path, key) = reference.split_once('#').unwrap_or((reference, ""));
        if !read.contains_key(path) {
            let secret = client
                .kv_read(mount, path, None)
                .await
                .map_err(|e| secret_failure(&e, var, reference, host))?;
            read.insert(path.to_string(), secret);
        }
        let value = read[path]
            .get(path, key)
            .map_err(|e| secret_failure(&e, var, reference, host))?;
        vars.push((var.clone(), value.clone()));
    }
    let versions = read.iter().map(|(p, s)| (p.clone(), s.version)).collect();
    Ok((vars, versions))
}

fn secret_failure(e: &VaultError, var: &str, reference: &str, host: &str) -> NodeFailure {
    let f = vault_failure(e, Some(var), host);
    NodeFailure {
        message: format!("secret `{var}` (`{reference}`): {e}"),
        ..f
    }
}

/// The kind of a Vault error, with the secret it is about.
fn vault_failure(e: &VaultError, var: Option<&str>, host: &str) -> NodeFailure {
    let kind = match e {
        VaultError::Unreachable { .. }
        | VaultError::Config { .. }
        | VaultError::PlainHttp { .. } => FailureKind::VaultUnreachable,
        VaultError::Denied { .. } => FailureKind::SecretDenied,
        _ => FailureKind::SecretMissing,
    };
    let mut f = NodeFailure::new(e.to_string()).kind(kind);
    if kind == FailureKind::SecretDenied {
        f = f.with_note(format!(
            "apply reads secrets as `{host}`'s AppRole, whose policy covers only the services \
             placed on `{host}` when `portoser vault setup-approles` last ran"
        ));
    }
    match var {
        Some(v) => f.about_secret(v),
        None => f,
    }
}

/// The host's `<base>/.portoser/vault-approle`, read with `cat` (never printed).
async fn read_credentials(
    t: &Transport,
    spec: &ServiceSpec,
) -> Result<HostCredentials, NodeFailure> {
    let path = format!("{}/{APPROLE_FILE}", spec.base_dir);
    let script = Script::from(Cmd::new("cat").arg("--").arg(&path));
    let out = t
        .exec(&script, ExecOptions::with_timeout(QUICK))
        .await
        .map_err(transport_failure)?;
    if !out.success() {
        return Err(NodeFailure::new(format!(
            "`{}` has no Vault AppRole credentials (`{path}`)",
            spec.host
        ))
        .with_note(out.stderr_text().trim().to_string())
        .kind(FailureKind::NoAppRole));
    }
    let creds = HostCredentials::parse(&out.stdout, &spec.host);
    zeroize_vec(out.stdout);
    creds.map_err(|e| NodeFailure::new(e.to_string()).kind(FailureKind::NoAppRole))
}

fn zeroize_vec(v: Vec<u8>) {
    drop(zeroize::Zeroizing::new(v));
}

/// Each engine reads the file with its own rules (see `portoser_vault::envfile`).
fn syntax(spec: &ServiceSpec) -> Syntax {
    match spec.engine {
        EngineKind::Docker => Syntax::Compose,
        EngineKind::Native => Syntax::Systemd,
        _ => Syntax::Raw,
    }
}
