//! The one Caddy reload: after every routed service is healthy, before old instances of
//! migrated services stop (traffic moves first) and before removed services go away.

use crate::build::{Builder, Planned, Removed};
use crate::model::{Action, AppliedStatus, Node, NodeKind, Recorded};
use portoser_registry::Registry;
use std::collections::BTreeMap;

/// `hostname → host:port` as Caddy would route it.
type Routes = BTreeMap<String, String>;

fn route(host: &str, port: Option<u16>) -> String {
    match port {
        Some(p) => format!("{host}:{p}"),
        None => host.to_string(),
    }
}

/// Replicas (services sharing a hostname) make one route with every target, sorted.
fn routes<'c>(entries: impl Iterator<Item = (String, &'c crate::ServiceConfig)>) -> Routes {
    let mut targets: BTreeMap<String, Vec<String>> = BTreeMap::new();
    // A TCP-only service (a database) is left out of the HTTP proxy (portoser_caddy): no route.
    let tcp_only = |c: &crate::ServiceConfig| c.health.as_ref().is_some_and(|h| h.kind == "tcp");
    for (name, config) in entries.filter(|(_, c)| !tcp_only(c)) {
        targets
            .entry(name)
            .or_default()
            .push(route(&config.host, config.port));
    }
    targets
        .into_iter()
        .map(|(name, mut t)| {
            t.sort();
            t.dedup();
            (name, t.join(", "))
        })
        .collect()
}

pub(crate) fn add_reload(
    b: &mut Builder,
    registry: &Registry,
    recorded: &Recorded,
    planned: &[Planned],
    removed: &[Removed],
) {
    let new = routes(
        planned
            .iter()
            .filter_map(|p| Some((p.config.hostname.clone()?, &p.config))),
    );
    let old = routes(
        recorded
            .services
            .values()
            .filter_map(|a| Some((a.config.hostname.clone()?, &a.config))),
    );
    if new.is_empty() && old.is_empty() {
        return;
    }
    let mut reasons = route_reasons(&old, &new);
    reasons.extend(certificate_reasons(recorded, planned));
    // A service whose last apply failed after its deploy never got its route reloaded.
    for a in recorded.services.values() {
        if a.status != AppliedStatus::Deployed {
            continue;
        }
        if let Some(name) = &a.config.hostname
            && new.contains_key(name)
            && !reasons
                .iter()
                .any(|r| r.starts_with(&format!("route {name} ")))
        {
            reasons.push(format!(
                "route {name} not confirmed (last apply failed after deploy)"
            ));
        }
    }
    let action = match (reasons.is_empty(), old.is_empty()) {
        (true, _) => Action::NoOp,
        (false, true) => Action::Create,
        (false, false) => Action::Update,
    };
    let host = registry
        .caddy
        .as_ref()
        .and_then(|c| c.ingress_host.as_ref())
        .map(|h| h.value.clone())
        .unwrap_or_else(|| "(ingress)".to_string());
    let reload = b.add(Node {
        id: "caddy/reload".to_string(),
        service: None,
        host,
        kind: NodeKind::Caddy,
        action,
        reasons,
        depends_on: Vec::new(),
        steps: Vec::new(),
        diff: None,
    });
    for p in planned {
        if p.config.hostname.is_some() {
            b.edge(p.ready, reload);
        }
        if let Some(stop) = p.stop_entry {
            b.edge(reload, stop);
        }
    }
    for r in removed {
        let routed = recorded
            .services
            .get(&r.name)
            .is_some_and(|a| a.config.hostname.is_some());
        if routed {
            b.edge(reload, r.node);
        }
    }
}

/// A `tls: auto` site certificate that apply issues again (renewal, new names) keeps its
/// path on the ingress host: Caddy reads the new one only when it is loaded again.
fn certificate_reasons(recorded: &Recorded, planned: &[Planned]) -> Vec<String> {
    let mut out = Vec::new();
    for p in planned {
        let (Some(name), Some(cert)) = (&p.config.hostname, &p.config.cert) else {
            continue;
        };
        let old = recorded
            .services
            .get(&p.name)
            .and_then(|a| a.config.cert.as_ref());
        if old.is_some_and(|old| old != cert) {
            out.push(format!("route {name}: its certificate is issued again"));
        }
    }
    out.sort();
    out.dedup();
    out
}

fn route_reasons(old: &Routes, new: &Routes) -> Vec<String> {
    let mut out = Vec::new();
    for (name, target) in new {
        match old.get(name) {
            None => out.push(format!("route {name} → {target} added")),
            Some(t) if t != target => out.push(format!("route {name} → {target} (was {t})")),
            Some(_) => {}
        }
    }
    for name in old.keys().filter(|n| !new.contains_key(*n)) {
        out.push(format!("route {name} removed"));
    }
    out
}
