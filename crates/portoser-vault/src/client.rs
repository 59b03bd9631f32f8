//! The HTTP side: one `reqwest` client per Vault, TLS through rustls trusting **only** the
//! configured CA file when there is one (the fleet's own CA, as in production), plain HTTP
//! refused unless the caller allowed it (a dev server). Tokens go in `X-Vault-Token` and are
//! kept as [`SecretValue`]s.

use crate::error::VaultError;
use crate::value::SecretValue;
use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::time::Duration;

/// How long one request may take, connection included.
const TIMEOUT: Duration = Duration::from_secs(15);

/// Where Vault is and how to trust it.
#[derive(Clone, Debug, Default)]
pub struct Config {
    /// `https://vault.lan:8200` (no trailing `/v1`).
    pub address: String,
    /// The CA certificate(s), PEM: when set, the only roots trusted.
    pub ca_pem: Option<Vec<u8>>,
    /// Accept `http://` (a local dev server only).
    pub allow_http: bool,
}

#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    address: String,
    token: Option<SecretValue>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("address", &self.address)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl Client {
    pub fn new(config: &Config) -> Result<Client, VaultError> {
        let address = config.address.trim_end_matches('/').to_string();
        let https = address.starts_with("https://");
        if !https && !address.starts_with("http://") {
            return Err(VaultError::Config {
                why: format!("`{address}` is not an http(s) URL"),
            });
        }
        if !https && !config.allow_http {
            return Err(VaultError::PlainHttp { address });
        }
        let mut builder = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .connect_timeout(Duration::from_secs(5))
            .https_only(https);
        if let Some(pem) = &config.ca_pem {
            let certs =
                reqwest::Certificate::from_pem_bundle(pem).map_err(|e| VaultError::Config {
                    why: format!("the Vault CA file is not PEM certificates: {}", chain(&e)),
                })?;
            if certs.is_empty() {
                return Err(VaultError::Config {
                    why: "the Vault CA file holds no certificate".to_string(),
                });
            }
            builder = builder.tls_certs_only(certs);
        }
        let http = builder.build().map_err(|e| VaultError::Config {
            why: format!("cannot set up TLS for Vault: {}", chain(&e)),
        })?;
        Ok(Client {
            http,
            address,
            token: None,
        })
    }

    pub fn address(&self) -> &str {
        &self.address
    }

    /// The same client acting with `token`.
    pub fn with_token(&self, token: SecretValue) -> Client {
        Client {
            token: Some(token),
            ..self.clone()
        }
    }

    /// Sends `method /v1/<path>` with an optional JSON body. `Ok(None)` is a 204 or a 404
    /// when `missing_ok`; 403 and other statuses are errors naming `path`.
    pub(crate) async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Option<Value>, VaultError> {
        let url = format!("{}/v1/{path}", self.address);
        let mut req = self.http.request(method, &url);
        if let Some(token) = &self.token {
            req = req.header("X-Vault-Token", token.expose());
        }
        if let Some(body) = body {
            req = req.json(body);
        }
        let resp = req.send().await.map_err(|e| VaultError::Unreachable {
            address: self.address.clone(),
            why: chain(&e),
        })?;
        let status = resp.status();
        let text = resp.text().await.map_err(|e| VaultError::Unreachable {
            address: self.address.clone(),
            why: chain(&e),
        })?;
        let json: Option<Value> = serde_json::from_str(&text).ok();
        let errors = || vault_errors(json.as_ref());
        let logical = path.to_string();
        match status {
            s if s.is_success() => Ok(json),
            StatusCode::FORBIDDEN => Err(VaultError::Denied {
                path: logical,
                errors: errors(),
            }),
            StatusCode::NOT_FOUND => Err(VaultError::NotFound { path: logical }),
            s => Err(VaultError::Status {
                path: logical,
                status: s.as_u16(),
                errors: errors(),
            }),
        }
    }
}

/// Vault's `{"errors": [...]}`.
fn vault_errors(json: Option<&Value>) -> Vec<String> {
    json.and_then(|j| j.get("errors"))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

/// An error and its causes on one line: reqwest's own message alone says only "error sending
/// request"; the cause says "invalid peer certificate: UnknownIssuer".
fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

/// A KV path or role name checked for use in a URL: segments of letters, digits, `.`, `_`,
/// `-`, separated by `/`, no `..`.
pub(crate) fn checked(path: &str) -> Result<&str, VaultError> {
    let ok = !path.is_empty()
        && path.split('/').all(|seg| {
            !seg.is_empty()
                && seg != "."
                && seg != ".."
                && seg
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        });
    if ok {
        Ok(path)
    } else {
        Err(VaultError::BadPath {
            path: path.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_is_refused_unless_allowed() {
        let mut c = Config {
            address: "http://127.0.0.1:8200".into(),
            ..Config::default()
        };
        assert_eq!(
            Client::new(&c).unwrap_err(),
            VaultError::PlainHttp {
                address: "http://127.0.0.1:8200".into()
            }
        );
        c.allow_http = true;
        assert!(Client::new(&c).is_ok());
    }

    #[test]
    fn paths_that_would_change_the_url_are_refused() {
        for bad in ["", "a//b", "../sys", "a?b", "a b", "a/%2e"] {
            assert!(checked(bad).is_err(), "{bad}");
        }
        assert_eq!(checked("apps/api-1/db_v2.x").unwrap(), "apps/api-1/db_v2.x");
    }

    #[test]
    fn debug_hides_the_token() {
        let c = Client::new(&Config {
            address: "https://v:8200".into(),
            ..Config::default()
        })
        .unwrap()
        .with_token(SecretValue::new("s.canary-token"));
        assert!(!format!("{c:?}").contains("canary"));
    }
}
