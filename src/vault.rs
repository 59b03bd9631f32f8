//! The registry's `vault:` as a client: the address, the CA file (resolved next to
//! registry.yml, the only roots trusted), plain HTTP only with `dev: true`. The operator token
//! comes from `VAULT_TOKEN` or a token file, never from the registry.

use crate::project::ProjectPaths;
use futures::StreamExt;
use portoser_registry::Registry;
use portoser_vault::{Client, Config, SecretValue};
use std::path::Path;

/// The KV mount when `vault.mount` is not set (OpenBao's and Vault's dev default).
pub const DEFAULT_MOUNT: &str = "secret";

/// A client without a token, and the mount; Err(why) when the registry has no usable Vault.
pub fn client(registry: &Registry, paths: &ProjectPaths) -> Result<(Client, String), String> {
    let vault = registry
        .vault
        .as_ref()
        .ok_or("the registry has no `vault:` section")?;
    let address = vault.address.as_ref().ok_or("`vault.address` is not set")?;
    let ca_pem =
        match &vault.ca_cert {
            Some(file) => {
                let path = resolve(&paths.registry_dir(), &file.value);
                Some(std::fs::read(&path).map_err(|e| {
                    format!("cannot read the Vault CA file `{}`: {e}", path.display())
                })?)
            }
            None => None,
        };
    let config = Config {
        address: address.value.clone(),
        ca_pem,
        allow_http: vault.dev.as_ref().is_some_and(|d| d.value),
    };
    let client = Client::new(&config).map_err(|e| e.to_string())?;
    let mount = vault
        .mount
        .as_ref()
        .map_or(DEFAULT_MOUNT.to_string(), |m| m.value.clone());
    Ok((client, mount))
}

/// The operator token: `VAULT_TOKEN`, else the file named by `token_file` or
/// `PORTOSER_VAULT_TOKEN_FILE`. None when there is none.
pub fn operator_token(token_file: Option<&Path>) -> Result<Option<SecretValue>, String> {
    if let Ok(t) = std::env::var("VAULT_TOKEN")
        && !t.trim().is_empty()
    {
        return Ok(Some(SecretValue::new(t.trim())));
    }
    let file = token_file
        .map(Path::to_path_buf)
        .or_else(|| std::env::var_os("PORTOSER_VAULT_TOKEN_FILE").map(Into::into));
    match file {
        Some(f) => std::fs::read_to_string(&f)
            .map(|t| Some(SecretValue::new(t.trim())))
            .map_err(|e| format!("cannot read the token file `{}`: {e}", f.display())),
        None => Ok(None),
    }
}

fn resolve(dir: &Path, file: &str) -> std::path::PathBuf {
    let p = Path::new(file);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        dir.join(p)
    }
}

/// What the plan knows of the secrets' current versions (rotation, docs/vault.md).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum VersionCheck {
    /// No service has secrets.
    #[default]
    NotNeeded,
    /// Read from Vault with the operator token.
    Checked,
    /// Not read: no operator token, or Vault failed (why). The recorded versions stand in,
    /// so nothing looks changed.
    NotChecked(String),
}

/// Fills each secret reference's `version` from Vault's metadata (operator token), or, when
/// that is not possible, with the version recorded at the last apply for the same reference.
pub fn fill_versions(
    registry: &mut Registry,
    recorded: &portoser_plan::Recorded,
    paths: &ProjectPaths,
) -> VersionCheck {
    let wanted: std::collections::BTreeSet<String> = registry
        .services
        .iter()
        .flat_map(|s| s.secrets.iter().map(|(_, r)| r.value.path.clone()))
        .collect();
    if wanted.is_empty() {
        return VersionCheck::NotNeeded;
    }
    let found = match current_versions(registry, paths, &wanted) {
        Ok(found) => found,
        Err(why) => {
            from_recorded(registry, recorded);
            return VersionCheck::NotChecked(why);
        }
    };
    for service in &mut registry.services {
        for (_, r) in &mut service.secrets {
            r.value.version = found.get(&r.value.path).copied();
        }
    }
    VersionCheck::Checked
}

/// How many metadata reads the plan has in flight at once.
const VERSION_QUERIES: usize = 16;

/// The current version of each path (a path Vault does not have is left out: apply then
/// fails on it, located).
fn current_versions(
    registry: &Registry,
    paths: &ProjectPaths,
    wanted: &std::collections::BTreeSet<String>,
) -> Result<std::collections::BTreeMap<String, u64>, String> {
    let token = operator_token(None)?.ok_or("no operator token (VAULT_TOKEN)")?;
    let (client, mount) = client(registry, paths)?;
    let client = client.with_token(token);
    // Its own thread and runtime: planning may be called from inside another runtime.
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| e.to_string())?;
                rt.block_on(async {
                    // Concurrently (a plan of 500 services must not wait for 500 round trips
                    // one after another), a bounded number at a time.
                    let answers: Vec<_> = futures::stream::iter(wanted)
                        .map(|path| async { (path.clone(), client.kv_version(&mount, path).await) })
                        .buffer_unordered(VERSION_QUERIES)
                        .collect()
                        .await;
                    let mut out = std::collections::BTreeMap::new();
                    for (path, answer) in answers {
                        match answer {
                            Ok(v) => {
                                out.insert(path, v);
                            }
                            Err(portoser_vault::VaultError::NotFound { .. }) => {}
                            Err(e) => return Err(e.to_string()),
                        }
                    }
                    Ok(out)
                })
            })
            .join()
            .unwrap_or_else(|_| Err("the version check panicked".to_string()))
    })
}

fn from_recorded(registry: &mut Registry, recorded: &portoser_plan::Recorded) {
    for service in &mut registry.services {
        let Some(old) = recorded.services.get(&service.name.value) else {
            continue;
        };
        for (var, r) in &mut service.secrets {
            if old.config.secrets.get(&var.value) == Some(&r.value.to_string()) {
                r.value.version = old.config.secret_versions.get(&var.value).copied();
            }
        }
    }
}
