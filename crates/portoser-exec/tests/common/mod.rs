//! Plans for the scheduler tests: hand-built graphs, and real ones from registry YAML.
#![allow(dead_code)]

use portoser_diag::{Diagnostics, Origin, SourceMap};
use portoser_exec::fake::FakeRunner;
use portoser_exec::{ApplyOptions, Event, RunReport, apply};
use portoser_plan::{
    Action, Node, NodeKind, Plan, Recorded, ServiceConfig, plan_at, service_config,
};
use portoser_registry::Registry;
use portoser_state::StateDb;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

pub const MS: Duration = Duration::from_millis(1);

/// A node of no service: the scheduler tests need no configurations to record.
pub fn node(id: &str, host: &str, deps: &[&str]) -> Node {
    Node {
        id: id.to_string(),
        service: None,
        host: host.to_string(),
        kind: NodeKind::Deploy,
        action: Action::Create,
        reasons: Vec::new(),
        depends_on: deps.iter().map(|d| d.to_string()).collect(),
        steps: Vec::new(),
        diff: None,
    }
}

pub fn hand_plan(nodes: Vec<Node>) -> Plan {
    Plan {
        inputs: Default::default(),
        inputs_hash: "sha256:test".into(),
        state_serial: 0,
        created_at: "2026-11-26T08:00:00Z".into(),
        changes: Vec::new(),
        nodes,
        diagnostics: Vec::new(),
    }
}

pub fn registry(yaml: &str) -> Registry {
    let mut map = SourceMap::default();
    let file = map.add("registry.yml", yaml, Origin::Project);
    let mut diags = Diagnostics::default();
    let registry = portoser_registry::load(&map, file, &mut diags);
    assert!(!diags.has_errors(), "test registry does not load");
    registry.expect("test registry loads")
}

pub fn configs(registry: &Registry) -> BTreeMap<String, ServiceConfig> {
    registry
        .services
        .iter()
        .map(|s| (s.name.value.clone(), service_config(registry, s)))
        .collect()
}

pub fn plan(registry: &Registry, recorded: &Recorded) -> Plan {
    let plan = plan_at(
        registry,
        &[],
        recorded,
        "sha256:test",
        "2026-11-26T08:00:00Z",
    );
    assert!(plan.diagnostics.is_empty(), "test plan has diagnostics");
    plan
}

pub struct Db {
    _dir: tempfile::TempDir,
    pub db: StateDb,
}

pub fn state() -> Db {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = StateDb::open(&dir.path().join("state.db")).expect("open state");
    Db { _dir: dir, db }
}

/// Applies with a collecting event channel; returns the report and every event.
pub async fn run(
    plan: &Plan,
    configs: &BTreeMap<String, ServiceConfig>,
    runner: Arc<FakeRunner>,
    db: &mut StateDb,
    options: &ApplyOptions,
) -> (RunReport, Vec<Event>) {
    let (tx, mut rx) = tokio::sync::mpsc::channel(4096);
    let report = apply(plan, configs, runner, db, options, &tx)
        .await
        .expect("the run opens in the state");
    drop(tx);
    let mut events = Vec::new();
    while let Some(e) = rx.recv().await {
        events.push(e);
    }
    (report, events)
}
