//! KV version 2: read (the current or a given version), metadata (versions), write, list.
//! Paths are relative to the mount (`apps/api`), checked before they go into a URL.

use crate::client::{Client, checked};
use crate::error::VaultError;
use crate::value::SecretValue;
use reqwest::Method;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// One version of a secret: its values by key.
#[derive(Debug)]
pub struct KvSecret {
    pub version: u64,
    pub data: BTreeMap<String, SecretValue>,
}

impl KvSecret {
    /// The value of `key`, or [`VaultError::MissingKey`] naming the path.
    pub fn get(&self, path: &str, key: &str) -> Result<&SecretValue, VaultError> {
        self.data.get(key).ok_or_else(|| VaultError::MissingKey {
            path: path.to_string(),
            key: key.to_string(),
        })
    }
}

impl Client {
    /// The current version of `mount/path` (or `version` when given).
    pub async fn kv_read(
        &self,
        mount: &str,
        path: &str,
        version: Option<u64>,
    ) -> Result<KvSecret, VaultError> {
        let mut url = format!("{}/data/{}", checked(mount)?, checked(path)?);
        if let Some(v) = version {
            url.push_str(&format!("?version={v}"));
        }
        let body = self.call(Method::GET, &url, None).await?;
        let data = body.as_ref().and_then(|b| b.get("data"));
        let proto = |why: &str| VaultError::Protocol {
            path: path.to_string(),
            why: why.to_string(),
        };
        let version = data
            .and_then(|d| d.pointer("/metadata/version"))
            .and_then(Value::as_u64)
            .ok_or_else(|| proto("no metadata.version (is the mount KV version 2?)"))?;
        // A deleted or destroyed version answers 404 (handled in `call`) or `data: null`.
        let values = match data.and_then(|d| d.get("data")) {
            Some(Value::Object(map)) => map,
            _ => {
                return Err(VaultError::NotFound {
                    path: path.to_string(),
                });
            }
        };
        Ok(KvSecret {
            version,
            data: values
                .iter()
                .map(|(k, v)| (k.clone(), SecretValue::new(as_text(v))))
                .collect(),
        })
    }

    /// The current version number of `mount/path` (from its metadata: no value is read).
    pub async fn kv_version(&self, mount: &str, path: &str) -> Result<u64, VaultError> {
        let url = format!("{}/metadata/{}", checked(mount)?, checked(path)?);
        let body = self.call(Method::GET, &url, None).await?;
        body.as_ref()
            .and_then(|b| b.pointer("/data/current_version"))
            .and_then(Value::as_u64)
            .ok_or_else(|| VaultError::Protocol {
                path: path.to_string(),
                why: "no data.current_version".to_string(),
            })
    }

    /// Writes a new version holding exactly `data`; returns its number.
    pub async fn kv_write(
        &self,
        mount: &str,
        path: &str,
        data: &BTreeMap<String, SecretValue>,
    ) -> Result<u64, VaultError> {
        let url = format!("{}/data/{}", checked(mount)?, checked(path)?);
        let values: Map<String, Value> = data
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.expose().to_string())))
            .collect();
        let body = json!({ "data": values });
        let answer = self.call(Method::POST, &url, Some(&body)).await?;
        answer
            .as_ref()
            .and_then(|b| b.pointer("/data/version"))
            .and_then(Value::as_u64)
            .ok_or_else(|| VaultError::Protocol {
                path: path.to_string(),
                why: "no data.version in the write answer".to_string(),
            })
    }

    /// The names under `mount/path/` (folders end in `/`); empty when there is nothing.
    pub async fn kv_list(&self, mount: &str, path: &str) -> Result<Vec<String>, VaultError> {
        let prefix = path.trim_matches('/');
        let url = if prefix.is_empty() {
            format!("{}/metadata/", checked(mount)?)
        } else {
            format!("{}/metadata/{}/", checked(mount)?, checked(prefix)?)
        };
        let list = Method::from_bytes(b"LIST").expect("LIST is a valid method token");
        match self.call(list, &url, None).await {
            Ok(body) => Ok(body
                .as_ref()
                .and_then(|b| b.pointer("/data/keys"))
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(String::from)
                        .collect()
                })
                .unwrap_or_default()),
            Err(VaultError::NotFound { .. }) => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }
}

/// KV values are usually strings; anything else is kept as its JSON text.
fn as_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
