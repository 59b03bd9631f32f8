//! Builds the plan graph: per-service chains, dependency and hook edges, the Caddy reload,
//! migrations and deletions. Rules are documented in docs/plan.md.

use crate::config::{
    CertFact, ServiceConfig, SourceDigest, config_hash, service_config, service_configs_with_certs,
};
use crate::diff::{classify, reasons};
use crate::model::{
    Action, AppliedService, AppliedStatus, Change, HookSpec, Node, NodeKind, Plan, Recorded, Timing,
};
use crate::{caddy, order};
use portoser_registry::{Engine, Registry};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Plans with the current time as `created_at`.
pub fn plan(
    registry: &Registry,
    hooks: &[HookSpec],
    recorded: &Recorded,
    inputs_hash: &str,
) -> Plan {
    plan_at(
        registry,
        hooks,
        recorded,
        inputs_hash,
        &crate::now_rfc3339(),
    )
}

/// Plans with a given `created_at`: pure and deterministic. Project files are not looked
/// at: each service keeps its recorded source digest (see [`plan_at_with_sources`]).
pub fn plan_at(
    registry: &Registry,
    hooks: &[HookSpec],
    recorded: &Recorded,
    inputs_hash: &str,
    created_at: &str,
) -> Plan {
    let none = BTreeMap::new();
    plan_at_with_sources(registry, hooks, recorded, inputs_hash, &none, created_at)
}

/// Plans with the current time, comparing each service's project files (`sources`, by
/// service name) with what was recorded: a change is an update, "files changed: ...".
pub fn plan_with_sources(
    registry: &Registry,
    hooks: &[HookSpec],
    recorded: &Recorded,
    inputs_hash: &str,
    sources: &BTreeMap<String, SourceDigest>,
) -> Plan {
    let now = crate::now_rfc3339();
    plan_at_with_sources(registry, hooks, recorded, inputs_hash, sources, &now)
}

/// [`plan_with_sources`] with a given `created_at`. A service missing from `sources` keeps
/// its recorded digest ([`service_configs`]).
pub fn plan_at_with_sources(
    registry: &Registry,
    hooks: &[HookSpec],
    recorded: &Recorded,
    inputs_hash: &str,
    sources: &BTreeMap<String, SourceDigest>,
    created_at: &str,
) -> Plan {
    let none = BTreeMap::new();
    plan_at_with_facts(
        registry,
        hooks,
        recorded,
        inputs_hash,
        sources,
        &none,
        created_at,
    )
}

/// [`plan_at_with_sources`] with what the local PKI store holds for each `tls: auto`
/// service (by name): one due for renewal is updated, with the fact's reasons first.
pub fn plan_at_with_facts(
    registry: &Registry,
    hooks: &[HookSpec],
    recorded: &Recorded,
    inputs_hash: &str,
    sources: &BTreeMap<String, SourceDigest>,
    certs: &BTreeMap<String, CertFact>,
    created_at: &str,
) -> Plan {
    let mut b = Builder::default();
    let mut planned = Vec::new();
    let mut configs = service_configs_with_certs(registry, recorded, sources, certs);
    for service in &registry.services {
        let name = service.name.value.as_str();
        let config = configs
            .remove(name)
            .unwrap_or_else(|| service_config(registry, service));
        let own_hooks: Vec<&HookSpec> = hooks.iter().filter(|h| h.service == name).collect();
        let renew = certs.get(name).map_or_else(Vec::new, |fact| {
            fact.renewals(config.cert.is_some(), config.client_cert.is_some())
        });
        planned.push(b.service(name, config, recorded, &own_hooks, &renew));
    }
    let by_name: HashMap<&str, usize> = planned
        .iter()
        .enumerate()
        .map(|(i, p)| (p.name.as_str(), i))
        .collect();
    for p in &planned {
        for dep in &p.config.dependencies {
            if let Some(&d) = by_name.get(dep.as_str()) {
                b.edge(planned[d].ready, p.entry);
            }
        }
    }
    let removed = b.removals(registry, recorded);
    removal_edges(&mut b, &planned, &removed, recorded);
    caddy::add_reload(&mut b, registry, recorded, &planned, &removed);
    let (order, diagnostics) = order::topological(&b.nodes, &b.deps, registry);
    finish(
        b,
        order,
        diagnostics,
        planned,
        removed,
        recorded,
        inputs_hash,
        created_at,
    )
}

/// A removed service goes only once every service that used it (its recorded configuration
/// lists it as a dependency) runs without it: after that dependent is ready and, when it
/// migrates, after its old instance stopped. Removal nodes have no outgoing edges, so these
/// edges cannot close a cycle.
fn removal_edges(b: &mut Builder, planned: &[Planned], removed: &[Removed], recorded: &Recorded) {
    let nodes: HashMap<&str, usize> = removed.iter().map(|r| (r.name.as_str(), r.node)).collect();
    for p in planned {
        let Some(old) = recorded.services.get(&p.name) else {
            continue;
        };
        for dep in &old.config.dependencies {
            if let Some(&node) = nodes.get(dep.as_str()) {
                b.edge(p.done, node);
            }
        }
    }
}

/// What the builder remembers about one registry service.
pub(crate) struct Planned {
    pub name: String,
    pub config: ServiceConfig,
    pub action: Action,
    pub reasons: Vec<String>,
    pub previous_host: Option<String>,
    /// The service's first node (orders the per-service changes).
    first: usize,
    /// Where dependencies attach: the first node of the deploy segment.
    entry: usize,
    /// What dependents and Caddy wait for: health gate, or the last after-deploy hook.
    pub ready: usize,
    /// The first node of a migration's stop-old segment (waits for Caddy).
    pub stop_entry: Option<usize>,
    /// The service's last node: `ready`, or the end of a migration's stop-old segment.
    done: usize,
}

/// The action and reasons for a service already in the state. One whose last apply failed
/// after its deploy is never a no-op: what runs there is not what was planned.
fn recorded_action(old: &AppliedService, config: &ServiceConfig) -> (Action, Vec<String>) {
    let same = old.config_hash == config_hash(config);
    let mut action = classify(&old.config, config, same);
    let mut why = if same {
        Vec::new()
    } else {
        reasons(&old.config, config)
    };
    if !same && why.is_empty() {
        why.push(HASH_DIFFERS.to_string());
    }
    if old.status == AppliedStatus::Deployed {
        why.insert(0, DEPLOYED_REASON.to_string());
        if action == Action::NoOp {
            action = Action::Update;
        }
        // An unfinished migration back on the recorded host: its old instance must stop.
        if let Some(p) = old.previous_host.as_ref().filter(|p| **p != old.host)
            && action == Action::Update
        {
            action = Action::Migrate;
            why.insert(1, format!("old instance on {p} still to stop"));
        }
    }
    (action, why)
}

const DEPLOYED_REASON: &str = "last apply failed after deploy";
const HASH_DIFFERS: &str = "recorded configuration hash differs";

/// The host whose instance a migration stops: the recorded host when the service moves,
/// else the old host of an unfinished migration (its instance still runs).
fn stale_host(old: &AppliedService, host: &str) -> Option<String> {
    if old.host != host {
        return Some(old.host.clone());
    }
    match old.status {
        AppliedStatus::Deployed => old.previous_host.clone().filter(|p| p != host),
        AppliedStatus::Applied => None,
    }
}

/// A recorded service that left the registry.
pub(crate) struct Removed {
    pub name: String,
    pub node: usize,
}

#[derive(Default)]
pub(crate) struct Builder {
    pub nodes: Vec<Node>,
    /// deps[i]: indices of the nodes node i waits for.
    pub deps: Vec<Vec<usize>>,
    ids: HashSet<String>,
}

impl Builder {
    pub fn add(&mut self, mut node: Node) -> usize {
        // Ids are unique by construction except repeated hooks: number them.
        let base = node.id.clone();
        let mut n = 2;
        while self.ids.contains(&node.id) {
            node.id = format!("{base}-{n}");
            n += 1;
        }
        self.ids.insert(node.id.clone());
        self.nodes.push(node);
        self.deps.push(Vec::new());
        self.nodes.len() - 1
    }

    /// `to` waits for `from`.
    pub fn edge(&mut self, from: usize, to: usize) {
        if let Some(d) = self.deps.get_mut(to)
            && !d.contains(&from)
        {
            d.push(from);
        }
    }

    fn chain(&mut self, nodes: &[usize]) {
        for pair in nodes.windows(2) {
            self.edge(pair[0], pair[1]);
        }
    }

    fn service(
        &mut self,
        name: &str,
        config: ServiceConfig,
        recorded: &Recorded,
        hooks: &[&HookSpec],
        renew: &[String],
    ) -> Planned {
        let old = recorded.services.get(name);
        let (mut action, mut why) = match old {
            None => (Action::Create, vec!["new service".to_string()]),
            Some(old) => recorded_action(old, &config),
        };
        // A certificate due for renewal redeploys the service even when nothing else changed.
        if !renew.is_empty() {
            if action == Action::NoOp {
                action = Action::Update;
            }
            // The renewal is the difference the generic reason stood for.
            why.retain(|r| r != HASH_DIFFERS);
            let at = usize::from(action == Action::Create);
            why.splice(at..at, renew.iter().cloned());
        }
        let previous_host = old.and_then(|o| stale_host(o, &config.host));
        let host = if config.host.is_empty() {
            "(unassigned)".to_string()
        } else {
            config.host.clone()
        };
        let node = |kind: NodeKind, suffix: &str, host: &str| Node {
            id: format!("{name}/{suffix}"),
            service: Some(name.to_string()),
            host: host.to_string(),
            kind,
            action,
            reasons: why.clone(),
            depends_on: Vec::new(),
            steps: Vec::new(),
            diff: None,
        };
        let hook_nodes = |b: &mut Builder, timing: Timing, event: &str| -> Vec<usize> {
            let label = match timing {
                Timing::Before => "before",
                Timing::After => "after",
            };
            hooks
                .iter()
                .filter(|h| h.timing == timing && h.event == event)
                .map(|h| {
                    let mut n = node(NodeKind::Hook, &format!("{label}-{event}"), &host);
                    n.steps = h.steps.clone();
                    b.add(n)
                })
                .collect()
        };
        let mut chain = vec![
            self.add(node(NodeKind::Prepare, "prepare", &host)),
            self.add(node(NodeKind::Sync, "sync", &host)),
        ];
        let engine = Engine::parse(&config.engine).unwrap_or(Engine::Docker);
        if engine == Engine::Local && config.python_manager.as_deref() == Some("uv") {
            chain.push(self.add(node(NodeKind::Install, "install", &host)));
        }
        if !config.secrets.is_empty() {
            chain.push(self.add(node(NodeKind::Secrets, "secrets", &host)));
        }
        if config.cert.is_some() || config.client_cert.is_some() {
            chain.push(self.add(node(NodeKind::Certs, "certs", &host)));
        }
        let entry_at = chain.len();
        chain.extend(hook_nodes(self, Timing::Before, "deploy"));
        if action == Action::Migrate {
            chain.extend(hook_nodes(self, Timing::Before, "migrate"));
        }
        if action == Action::Replace {
            // Same host, new engine: the old instance holds the port, so it stops first.
            let old_host = old.map(|o| o.host.as_str()).unwrap_or(host.as_str());
            chain.extend(hook_nodes(self, Timing::Before, "stop"));
            chain.push(self.add(node(
                NodeKind::StopOld,
                &format!("stop-old@{old_host}"),
                old_host,
            )));
            chain.extend(hook_nodes(self, Timing::After, "stop"));
        }
        chain.push(self.add(node(NodeKind::Deploy, "deploy", &host)));
        chain.push(self.add(node(NodeKind::Health, "health", &host)));
        // A key that no service uses stays on no host; deleted only once the new instance is
        // healthy, so a rollback to the old configuration still has its files.
        let kinds = crate::TlsKinds::of_config(&config);
        if old.is_some_and(|o| !crate::retired_tls_files(&o.config, &config.host, kinds).is_empty())
        {
            chain.push(self.add(node(NodeKind::RetireCerts, "retire-certs", &host)));
        }
        chain.extend(hook_nodes(self, Timing::After, "deploy"));
        self.chain(&chain);
        let entry = chain.get(entry_at).copied().unwrap_or_default();
        let ready = chain.last().copied().unwrap_or_default();
        let mut done = ready;
        let stop_entry = match (&previous_host, action) {
            (Some(old_host), Action::Migrate) => {
                let mut stop = hook_nodes(self, Timing::Before, "stop");
                let old_node = node(NodeKind::StopOld, &format!("stop-old@{old_host}"), old_host);
                stop.push(self.add(old_node));
                stop.extend(hook_nodes(self, Timing::After, "stop"));
                stop.extend(hook_nodes(self, Timing::After, "migrate"));
                self.edge(ready, stop[0]);
                self.chain(&stop);
                done = stop.last().copied().unwrap_or(ready);
                Some(stop[0])
            }
            _ => None,
        };
        Planned {
            name: name.to_string(),
            config,
            action,
            reasons: why,
            previous_host,
            first: chain[0],
            entry,
            ready,
            stop_entry,
            done,
        }
    }

    fn removals(&mut self, registry: &Registry, recorded: &Recorded) -> Vec<Removed> {
        let mut out = Vec::new();
        for (name, applied) in &recorded.services {
            if registry.service(name).is_some() {
                continue;
            }
            let node = self.add(Node {
                id: format!("{name}/remove"),
                service: Some(name.clone()),
                host: applied.host.clone(),
                kind: NodeKind::Remove,
                action: Action::Delete,
                reasons: vec!["removed from the registry".to_string()],
                depends_on: Vec::new(),
                steps: Vec::new(),
                diff: None,
            });
            // An unfinished migration left an instance on its old host too.
            let stale = applied
                .previous_host
                .as_ref()
                .filter(|p| applied.status == AppliedStatus::Deployed && **p != applied.host);
            if let Some(p) = stale {
                let second = self.add(Node {
                    id: format!("{name}/remove@{p}"),
                    host: p.clone(),
                    ..self.nodes[node].clone()
                });
                self.edge(node, second);
            }
            out.push(Removed {
                name: name.clone(),
                node,
            });
        }
        out
    }
}

#[allow(clippy::too_many_arguments)]
fn finish(
    b: Builder,
    order: Vec<usize>,
    diagnostics: Vec<portoser_diag::Diagnostic>,
    planned: Vec<Planned>,
    removed: Vec<Removed>,
    recorded: &Recorded,
    inputs_hash: &str,
    created_at: &str,
) -> Plan {
    let Builder { nodes, deps, .. } = b;
    let mut position = vec![0usize; nodes.len()];
    for (pos, &i) in order.iter().enumerate() {
        position[i] = pos;
    }
    let mut changes: Vec<(usize, Change)> = planned
        .into_iter()
        .map(|p| {
            (
                position[p.first],
                Change {
                    service: p.name,
                    host: p.config.host,
                    previous_host: p.previous_host,
                    action: p.action,
                    reasons: p.reasons,
                },
            )
        })
        .collect();
    changes.extend(removed.into_iter().map(|r| {
        let host = recorded
            .services
            .get(&r.name)
            .map(|a| a.host.clone())
            .unwrap_or_default();
        (
            position[r.node],
            Change {
                service: r.name,
                host,
                previous_host: None,
                action: Action::Delete,
                reasons: vec!["removed from the registry".to_string()],
            },
        )
    }));
    changes.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.service.cmp(&b.1.service)));
    let ids: Vec<String> = nodes.iter().map(|n| n.id.clone()).collect();
    let mut slots: Vec<Option<Node>> = nodes.into_iter().map(Some).collect();
    let mut out = Vec::with_capacity(order.len());
    for i in order {
        if let Some(mut node) = slots.get_mut(i).and_then(Option::take) {
            let mut on: Vec<String> = deps[i].iter().map(|&d| ids[d].clone()).collect();
            on.sort();
            node.depends_on = on;
            out.push(node);
        }
    }
    Plan {
        inputs_hash: inputs_hash.to_string(),
        inputs: std::collections::BTreeMap::new(),
        state_serial: recorded.serial,
        created_at: created_at.to_string(),
        changes: changes.into_iter().map(|(_, c)| c).collect(),
        nodes: out,
        diagnostics,
    }
}
