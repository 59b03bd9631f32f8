//! The spanned YAML tree → the typed model, reporting every problem and keeping the rest.

mod fields;
mod host;
mod sections;
mod service;
mod service_yml;

use crate::model::{Defaults, Registry};
use crate::yaml::{self, Node, Parsed};
use fields::{Fields, entries};
use portoser_diag::{Diagnostic, Diagnostics, FileId, SourceMap, Span};

pub use service_yml::load_service_yml;
// The key of every section, for the JSON Schema (`crate::schema`): one table, no drift.
pub(crate) use host::HOST_KEYS;
pub(crate) use sections::{
    CADDY_KEYS, CERTS_KEYS, DEFAULTS_KEYS, DNS_KEYS, HEALTH_KEYS, VAULT_KEYS,
};
pub(crate) use service::SERVICE_KEYS;

pub(crate) const TOP_KEYS: &[&str] = &[
    "domain", "hosts", "services", "caddy", "dns", "vault", "certs", "defaults",
];

/// Parses the YAML text of `file` into a tree; None after a diagnostic when nothing is usable.
pub(crate) fn tree(
    map: &SourceMap,
    file: FileId,
    what: &str,
    diags: &mut Diagnostics,
) -> Option<Node> {
    let source = map.get(file)?;
    match yaml::parse(source, file) {
        Ok(Parsed::Tree(node)) if matches!(node.value, yaml::Value::Map(_)) => Some(node),
        Ok(Parsed::Tree(node)) => {
            diags.push(
                Diagnostic::error(
                    "E0107",
                    format!("{what} must be a map of keys at the top level"),
                )
                .at(node.span, format!("this is {}", node.value.kind())),
            );
            None
        }
        Ok(Parsed::Empty) => {
            let end = source.text.len();
            diags.push(
                Diagnostic::error("E0107", format!("{what} is empty"))
                    .at(Span::new(file, 0, end), "nothing to read here")
                    .with_help("declare at least `hosts:` and `services:`"),
            );
            None
        }
        Err(d) => {
            diags.push(*d);
            None
        }
    }
}

/// Parses registry.yml text already added to the map. Never panics; returns None only when
/// nothing usable could be read (YAML syntax error, empty file, top level not a map).
pub fn load(map: &SourceMap, file: FileId, diags: &mut Diagnostics) -> Option<Registry> {
    let root = tree(map, file, "registry.yml", diags)?;
    let fields = Fields::new(&root, "the registry", TOP_KEYS, diags)?;
    let hosts = match fields.get("hosts") {
        Some(node) => entries(node, "`hosts`", diags)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|e| host::load(&e, diags))
            .collect(),
        None => Vec::new(),
    };
    let services = match fields.get("services") {
        Some(node) => entries(node, "`services`", diags)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|e| service::load(&e, diags))
            .collect(),
        None => Vec::new(),
    };
    Some(Registry {
        file,
        domain: fields.string("domain", diags),
        hosts,
        services,
        caddy: fields.get("caddy").and_then(|n| sections::caddy(n, diags)),
        dns: fields.get("dns").and_then(|n| sections::dns(n, diags)),
        vault: fields.get("vault").and_then(|n| sections::vault(n, diags)),
        certs: fields.get("certs").and_then(|n| sections::certs(n, diags)),
        defaults: fields
            .get("defaults")
            .and_then(|n| sections::defaults(n, diags))
            .unwrap_or_else(Defaults::default),
    })
}

#[cfg(test)]
mod tests;
