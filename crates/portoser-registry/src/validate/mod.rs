//! Checks that need the whole registry. Each check is linear or n log n: names are looked up
//! in HashMaps, never by scanning all services.

mod caddy;
mod certs;
mod connection;
mod deps;
mod engine;
mod names;
mod network;
mod paths;
mod rules;
mod runtime;
mod vault;

use crate::model::{Host, Registry, Service};
use portoser_diag::{Diagnostic, Diagnostics, SourceMap, Span};
use std::collections::HashMap;

/// Hosts and services by name (first definition wins; duplicates are load errors).
pub(crate) struct Index<'r> {
    pub hosts: HashMap<&'r str, &'r Host>,
    pub services: HashMap<&'r str, usize>,
}

impl<'r> Index<'r> {
    fn new(registry: &'r Registry) -> Self {
        let mut hosts = HashMap::with_capacity(registry.hosts.len());
        for h in &registry.hosts {
            hosts.entry(h.name.value.as_str()).or_insert(h);
        }
        let mut services = HashMap::with_capacity(registry.services.len());
        for (i, s) in registry.services.iter().enumerate() {
            services.entry(s.name.value.as_str()).or_insert(i);
        }
        Index { hosts, services }
    }

    /// The host a service runs on, when it names a declared one.
    pub fn host_of(&self, service: &Service) -> Option<&'r Host> {
        let name = service.current_host.as_ref()?;
        self.hosts.get(name.value.as_str()).copied()
    }
}

/// All registry-only checks, appending diagnostics.
pub fn validate(registry: &Registry, map: &SourceMap, diags: &mut Diagnostics) {
    let _ = map;
    let index = Index::new(registry);
    empty(registry, diags);
    names::check(registry, diags);
    connection::check(registry, diags);
    network::check(registry, &index, diags);
    deps::check(registry, &index, diags);
    engine::check(registry, diags);
    paths::check(registry, &index, diags);
    runtime::check(registry, diags);
    certs::check(registry, &index, diags);
    vault::check(registry, diags);
    caddy::check(registry, diags);
}

fn empty(registry: &Registry, diags: &mut Diagnostics) {
    let top = Span::new(registry.file, 0, 0);
    for (none, what) in [
        (registry.hosts.is_empty(), "hosts"),
        (registry.services.is_empty(), "services"),
    ] {
        if none {
            diags.push(
                Diagnostic::warning("W0102", format!("the registry declares no {what}"))
                    .at(top, format!("no `{what}:` entries in this file"))
                    .with_note(
                        "there is nothing to deploy until both hosts and services are declared",
                    ),
            );
        }
    }
}
