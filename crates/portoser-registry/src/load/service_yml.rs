//! A `service.yml` next to a local or native service (the original portoser's format).

use super::fields::{Fields, entries, port, string, type_error};
use super::tree;
use crate::model::{SString, ServiceYml};
use crate::yaml::{Node, Value};
use portoser_diag::{Diagnostics, FileId, SourceMap, Spanned};

const KEYS: &[&str] = &[
    "name",
    "description",
    "start",
    "stop",
    "restart",
    "healthcheck",
    "working_dir",
    "env_file",
    "port",
    "ports",
    "dependencies",
];

/// Parses a service.yml already added to the map.
pub fn load_service_yml(
    map: &SourceMap,
    file: FileId,
    diags: &mut Diagnostics,
) -> Option<ServiceYml> {
    let root = tree(map, file, "service.yml", diags)?;
    let f = Fields::new(&root, "service.yml", KEYS, diags)?;
    let mut ports = Vec::new();
    if let Some(p) = f.get("port").and_then(|n| port(n, "`port`", diags)) {
        ports.push(p);
    }
    if let Some(node) = f.get("ports") {
        match &node.value {
            Value::Seq(items) => {
                ports.extend(items.iter().filter_map(|i| port(i, "`ports`", diags)))
            }
            _ => type_error(diags, node, "`ports`", "a list of ports"),
        }
    }
    Some(ServiceYml {
        file,
        start: f.string("start", diags),
        stop: f.string("stop", diags),
        restart: f.string("restart", diags),
        healthcheck: f.string("healthcheck", diags),
        working_dir: f.string("working_dir", diags),
        env_file: f.string("env_file", diags),
        ports,
        dependencies: f
            .get("dependencies")
            .map(|n| dependencies(n, diags))
            .unwrap_or_default(),
    })
}

/// A map of name → what for; a plain list of names is accepted too.
fn dependencies(node: &Node, diags: &mut Diagnostics) -> Vec<(SString, Option<SString>)> {
    if let Value::Seq(items) = &node.value {
        return items
            .iter()
            .filter_map(|i| string(i, "a dependency", diags))
            .map(|n| (n, None))
            .collect();
    }
    let Some(list) = entries(node, "`dependencies`", diags) else {
        return Vec::new();
    };
    list.into_iter()
        .map(|e| {
            let why = match e.value.value {
                Value::Null => None,
                _ => string(e.value, "a dependency description", diags),
            };
            (Spanned::new(e.name.to_string(), e.key.span), why)
        })
        .collect()
}
