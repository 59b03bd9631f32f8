//! A JSON Schema (draft-07) for `registry.yml`, so YAML editors validate and complete it.
//!
//! The model keeps spans and lists (`hosts` is a `Vec<Host>`, `env` a list of pairs), so a
//! derive cannot express the YAML shape (maps keyed by name, `port` as a number or a numeric
//! string, the `arch` spellings, project engine names). The schema is built here instead,
//! driven by the loader's own key tables: every key the loader reads appears, no other key
//! does, and a test fails when a loader key has no type here. Value rules mirror the loader
//! (`load/fields.rs`): strings also accept plain numbers, `key:` with nothing is "unset".
//!
//! `grammar/registry.schema.json` is this output; the root test `tests/schema.rs` keeps it
//! current (`UPDATE_SCHEMA=1`) and checks it against the examples and the error fixtures.

use crate::load::{
    CADDY_KEYS, CERTS_KEYS, DEFAULTS_KEYS, DNS_KEYS, HEALTH_KEYS, HOST_KEYS, SERVICE_KEYS,
    TOP_KEYS, VAULT_KEYS,
};
use crate::model::{Arch, Connection, Engine, EngineName, HealthKind, OnFailure, TlsMode};
use serde_json::{Map, Value, json};

mod keys;
mod values;

use keys::{Section, describe};

/// The schema as a JSON value.
pub fn registry_schema() -> Value {
    let mut root = object(Section::Top, TOP_KEYS);
    if let Value::Object(map) = &mut root {
        map.insert(
            "$schema".into(),
            json!("http://json-schema.org/draft-07/schema#"),
        );
        map.insert("title".into(), json!("portoser registry.yml"));
        map.insert(
            "description".into(),
            json!("Hosts and services of a portoser fleet (docs/registry.md)"),
        );
    }
    root
}

/// The schema as the text committed in `grammar/registry.schema.json` (pretty, final newline).
pub fn registry_schema_json() -> String {
    let mut text = serde_json::to_string_pretty(&registry_schema()).unwrap_or_default();
    text.push('\n');
    text
}

/// A map with exactly the loader's keys for `section`.
fn object(section: Section, keys: &[&str]) -> Value {
    let mut properties = Map::new();
    for key in keys {
        let schema = property(section, key).unwrap_or_else(|| json!({}));
        properties.insert((*key).to_string(), with_doc(schema, describe(section, key)));
    }
    let mut out = json!({
        "type": "object",
        "additionalProperties": false,
        "properties": properties,
    });
    if let Value::Object(map) = &mut out {
        extra_rules(section, map);
    }
    nullable_if_section(section, out)
}

/// Required keys, as the loader reports them (E0104).
fn extra_rules(section: Section, map: &mut Map<String, Value>) {
    match section {
        Section::Service => {
            map.insert("required".into(), json!(["deployment_type"]));
        }
        // A `connection: local` host is this machine and needs no address.
        Section::Host => {
            map.insert(
                "if".into(),
                json!({"properties": {"connection": {"const": "local"}}, "required": ["connection"]}),
            );
            map.insert("else".into(), json!({"required": ["ip"]}));
        }
        _ => {}
    }
}

/// Sections the loader reads as "unset" when written as nothing (`caddy:`).
fn nullable_if_section(section: Section, schema: Value) -> Value {
    match section {
        Section::Top | Section::Host | Section::Service => schema,
        _ => values::nullable(schema),
    }
}

/// The schema of one key's value; None for a loader key this module does not know yet.
fn property(section: Section, key: &str) -> Option<Value> {
    use Section::*;
    use values::*;
    let schema = match (section, key) {
        (Top, "hosts") => named_map(object(Host, HOST_KEYS)),
        (Top, "services") => named_map(object(Service, SERVICE_KEYS)),
        (Top, "caddy") => object(Caddy, CADDY_KEYS),
        (Top, "dns") => object(Dns, DNS_KEYS),
        (Top, "vault") => object(Vault, VAULT_KEYS),
        (Top, "certs") => object(Certs, CERTS_KEYS),
        (Certs, "lifetime" | "renew_before") => nullable(duration()),
        (Service, "tls" | "client_cert") => nullable(choice(TlsMode::ALL.map(TlsMode::as_str))),
        (Top, "defaults") => object(Defaults, DEFAULTS_KEYS),
        (Service, "health") => object(Health, HEALTH_KEYS),
        (_, "ssh_port" | "port" | "http_port" | "https_port") => nullable(port()),
        (Health, "expect_status") => nullable(http_status()),
        (_, "healthcheck_interval" | "healthcheck_timeout" | "interval" | "timeout") => {
            nullable(duration())
        }
        (_, "healthcheck_retries" | "retries") => nullable(count()),
        (Defaults, "heal_attempts" | "heal_breaker") => nullable(count()),
        (_, "roles" | "tags" | "dependencies") => nullable(names()),
        (_, "on_failure") => nullable(choice(OnFailure::ALL.map(OnFailure::as_str))),
        (Health, "type") => nullable(choice(HealthKind::ALL.map(HealthKind::as_str))),
        (Host, "connection") => nullable(choice(Connection::ALL.map(Connection::as_str))),
        (Host, "arch") => nullable(arch(&Arch::ALL.map(Arch::as_str))),
        (Service, "deployment_type") => nullable(engine(
            &Engine::ALL.map(|e| e.as_str().to_string()),
            EngineName::MAX_LEN,
        )),
        (Service, "env") => nullable(env()),
        (Service, "secrets") => nullable(secrets()),
        (Service, "mtls") => nullable(json!({ "type": "boolean" })),
        (Vault, "dev") => nullable(json!({ "type": "boolean" })),
        (Caddy, "binary") => nullable(caddy_binary()),
        (_, key) if keys::is_string(section, key) => nullable(string()),
        _ => return None,
    };
    Some(schema)
}

/// Adds `description` to a schema (the top of an `anyOf` when the value may be null).
fn with_doc(mut schema: Value, doc: &str) -> Value {
    if let Value::Object(map) = &mut schema {
        map.insert("description".into(), json!(doc));
    }
    schema
}

/// Every loader key, per section, for the drift test.
#[cfg(test)]
fn sections() -> [(Section, &'static [&'static str]); 9] {
    [
        (Section::Top, TOP_KEYS),
        (Section::Host, HOST_KEYS),
        (Section::Service, SERVICE_KEYS),
        (Section::Caddy, CADDY_KEYS),
        (Section::Dns, DNS_KEYS),
        (Section::Vault, VAULT_KEYS),
        (Section::Certs, CERTS_KEYS),
        (Section::Defaults, DEFAULTS_KEYS),
        (Section::Health, HEALTH_KEYS),
    ]
}

#[cfg(test)]
mod tests;
