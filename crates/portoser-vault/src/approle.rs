//! AppRole and ACL policies: what `vault setup-approles` and `vault rotate` do, and the
//! login apply does with a host's role-id and secret-id.

use crate::client::{Client, checked};
use crate::error::VaultError;
use crate::value::SecretValue;
use reqwest::Method;
use serde_json::{Value, json};

/// A newly issued secret-id and the accessor that destroys it later without knowing it.
#[derive(Debug)]
pub struct SecretId {
    pub secret_id: SecretValue,
    pub accessor: String,
}

impl Client {
    /// `GET /v1/sys/health`: Ok when Vault answers, is initialised and unsealed.
    pub async fn health(&self) -> Result<(), VaultError> {
        self.call(Method::GET, "sys/health", None).await.map(drop)
    }

    /// Creates or replaces the ACL policy `name`.
    pub async fn write_policy(&self, name: &str, hcl: &str) -> Result<(), VaultError> {
        let url = format!("sys/policies/acl/{}", checked(name)?);
        self.call(Method::PUT, &url, Some(&json!({ "policy": hcl })))
            .await
            .map(drop)
    }

    /// Enables the AppRole auth method at `approle/` unless it is already enabled.
    pub async fn enable_approle(&self) -> Result<(), VaultError> {
        let mounts = self.call(Method::GET, "sys/auth", None).await?;
        let enabled = mounts
            .as_ref()
            .is_some_and(|m| m.get("approle/").is_some() || m.pointer("/data/approle~1").is_some());
        if enabled {
            return Ok(());
        }
        let body = json!({ "type": "approle" });
        self.call(Method::POST, "sys/auth/approle", Some(&body))
            .await
            .map(drop)
    }

    /// Creates or updates the role `name`: tokens get only `policy`, live `ttl` seconds.
    pub async fn write_role(&self, name: &str, policy: &str, ttl: u32) -> Result<(), VaultError> {
        let url = format!("auth/approle/role/{}", checked(name)?);
        let body = json!({
            "token_policies": [policy],
            "token_ttl": ttl,
            "token_max_ttl": ttl,
            "secret_id_num_uses": 0,
        });
        self.call(Method::POST, &url, Some(&body)).await.map(drop)
    }

    pub async fn role_id(&self, name: &str) -> Result<String, VaultError> {
        let url = format!("auth/approle/role/{}/role-id", checked(name)?);
        let body = self.call(Method::GET, &url, None).await?;
        field(body.as_ref(), "/data/role_id", &url).map(str::to_string)
    }

    pub async fn new_secret_id(&self, name: &str) -> Result<SecretId, VaultError> {
        let url = format!("auth/approle/role/{}/secret-id", checked(name)?);
        let body = self.call(Method::POST, &url, Some(&json!({}))).await?;
        Ok(SecretId {
            secret_id: SecretValue::new(field(body.as_ref(), "/data/secret_id", &url)?),
            accessor: field(body.as_ref(), "/data/secret_id_accessor", &url)?.to_string(),
        })
    }

    /// Destroys the secret-id behind `accessor` (rotation: the old one stops working).
    pub async fn destroy_secret_id(&self, name: &str, accessor: &str) -> Result<(), VaultError> {
        let url = format!(
            "auth/approle/role/{}/secret-id-accessor/destroy",
            checked(name)?
        );
        let body = json!({ "secret_id_accessor": accessor });
        self.call(Method::POST, &url, Some(&body)).await.map(drop)
    }

    /// Logs in with a role-id and secret-id; the client acting with the token it got.
    pub async fn approle_login(
        &self,
        role_id: &str,
        secret_id: &SecretValue,
    ) -> Result<Client, VaultError> {
        let body = json!({ "role_id": role_id, "secret_id": secret_id.expose() });
        let answer = self
            .call(Method::POST, "auth/approle/login", Some(&body))
            .await
            .map_err(|e| match e {
                // Vault answers 400 "invalid role or secret ID" for a wrong or destroyed one.
                VaultError::Status {
                    path,
                    status: 400,
                    errors,
                } => VaultError::Denied { path, errors },
                e => e,
            })?;
        let token = field(answer.as_ref(), "/auth/client_token", "auth/approle/login")?;
        Ok(self.with_token(SecretValue::new(token)))
    }
}

fn field<'a>(body: Option<&'a Value>, pointer: &str, path: &str) -> Result<&'a str, VaultError> {
    body.and_then(|b| b.pointer(pointer))
        .and_then(Value::as_str)
        .ok_or_else(|| VaultError::Protocol {
            path: path.to_string(),
            why: format!("no {pointer}"),
        })
}

/// The policy of one machine: read on exactly the KV paths of its services, and on their
/// metadata (the current version, for rotation). Sorted and deduplicated, so the same
/// services give the same text. Every path is checked (a `"` would end the HCL string).
pub fn host_policy(mount: &str, paths: &[String]) -> Result<String, VaultError> {
    checked(mount)?;
    for p in paths {
        checked(p)?;
    }
    let mut paths: Vec<&String> = paths.iter().collect();
    paths.sort();
    paths.dedup();
    let mut out = String::from("# written by `portoser vault setup-approles`: do not edit\n");
    for p in paths {
        for kind in ["data", "metadata"] {
            out.push_str(&format!(
                "path \"{mount}/{kind}/{p}\" {{\n  capabilities = [\"read\"]\n}}\n"
            ));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_host_policy_lists_exactly_its_paths_once() {
        let hcl = host_policy(
            "secret",
            &["apps/b".into(), "apps/a".into(), "apps/b".into()],
        )
        .unwrap();
        assert_eq!(
            hcl,
            "# written by `portoser vault setup-approles`: do not edit\n\
             path \"secret/data/apps/a\" {\n  capabilities = [\"read\"]\n}\n\
             path \"secret/metadata/apps/a\" {\n  capabilities = [\"read\"]\n}\n\
             path \"secret/data/apps/b\" {\n  capabilities = [\"read\"]\n}\n\
             path \"secret/metadata/apps/b\" {\n  capabilities = [\"read\"]\n}\n"
        );
    }

    #[test]
    fn a_path_that_would_end_the_hcl_string_is_refused() {
        assert!(host_policy("secret", &["a\" { x".into()]).is_err());
    }
}
