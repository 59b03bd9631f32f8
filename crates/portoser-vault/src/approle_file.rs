//! The file a host's AppRole credentials live in (`<base>/.portoser/vault-approle`, 0600,
//! delivered by `vault setup-approles` and `vault rotate`): JSON with the role name, the
//! role-id, the secret-id and its accessor (so rotation can destroy it).

use crate::error::VaultError;
use crate::value::SecretValue;
use serde::Deserialize;
use serde_json::json;
use zeroize::Zeroizing;

/// Where the file lives under a host's base directory.
pub const APPROLE_FILE: &str = ".portoser/vault-approle";

#[derive(Debug)]
pub struct HostCredentials {
    pub role: String,
    pub role_id: String,
    pub secret_id: SecretValue,
    pub accessor: String,
}

#[derive(Deserialize)]
struct Raw {
    role: String,
    role_id: String,
    secret_id: String,
    accessor: String,
}

impl HostCredentials {
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        let value = json!({
            "role": self.role,
            "role_id": self.role_id,
            "secret_id": self.secret_id.expose(),
            "accessor": self.accessor,
        });
        Zeroizing::new(format!("{value}\n").into_bytes())
    }

    /// Parses the file; the error never quotes its content.
    pub fn parse(bytes: &[u8], host: &str) -> Result<HostCredentials, VaultError> {
        let raw: Raw = serde_json::from_slice(bytes).map_err(|_| VaultError::Config {
            why: format!(
                "the AppRole file on `{host}` ({APPROLE_FILE}) is not what `portoser vault \
                 setup-approles` writes"
            ),
        })?;
        // Moved, not copied: the one heap copy is zeroed when the SecretValue drops.
        Ok(HostCredentials {
            role: raw.role,
            role_id: raw.role_id,
            secret_id: SecretValue::new(raw.secret_id),
            accessor: raw.accessor,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_bad_content_is_not_echoed() {
        let c = HostCredentials {
            role: "portoser-h1".into(),
            role_id: "r".into(),
            secret_id: SecretValue::new("s"),
            accessor: "a".into(),
        };
        let back = HostCredentials::parse(&c.to_bytes(), "h1").unwrap();
        assert_eq!(
            (back.role.as_str(), back.secret_id.expose()),
            ("portoser-h1", "s")
        );
        let e = HostCredentials::parse(b"canary-garbage", "h1").unwrap_err();
        assert!(!e.to_string().contains("canary"));
    }
}
