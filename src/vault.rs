//! The registry's `vault:` as a client: the address, the CA file (resolved next to
//! registry.yml, the only roots trusted), plain HTTP only with `dev: true`. The operator token
//! comes from `VAULT_TOKEN` or a token file, never from the registry.

use crate::project::ProjectPaths;
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
