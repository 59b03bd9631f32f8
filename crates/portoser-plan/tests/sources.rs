//! Project files in the plan: a changed source digest is an update naming the files, an
//! unchanged one a no-op, and planning without looking at files changes nothing.

mod common;

use common::*;
use portoser_plan::{
    Action, SourceDigest, config_hash, plan_at, plan_at_with_sources, service_configs,
};
use portoser_registry::Engine;
use std::collections::BTreeMap;

const AT: &str = "2026-11-26T08:00:00Z";
const INPUTS: &str = "sha256:0000";

fn digest(hash: &str, files: &[(&str, &str)]) -> BTreeMap<String, SourceDigest> {
    let files = files
        .iter()
        .map(|(p, d)| (p.to_string(), d.to_string()))
        .collect();
    let d = SourceDigest {
        hash: hash.into(),
        files,
    };
    [("worker".to_string(), d)].into()
}

/// A recorded state as `apply` writes it: the configs of `service_configs` with sources.
fn applied(
    sources: &BTreeMap<String, SourceDigest>,
) -> (portoser_registry::Registry, portoser_plan::Recorded) {
    let worker = service("worker", "pi1", Engine::Local);
    let db = service("db", "pi1", Engine::Docker);
    let reg = registry(vec![worker.clone(), db.clone()]);
    let mut rec = recorded(&reg, &[&worker, &db], 1);
    for (name, config) in service_configs(&reg, &rec.clone(), sources) {
        if let Some(a) = rec.services.get_mut(&name) {
            a.config_hash = config_hash(&config);
            a.config = config;
        }
    }
    (reg, rec)
}

#[test]
fn a_changed_file_is_an_update_that_names_it() {
    let before = digest(
        "sha256:a",
        &[("worker/app.py", "1"), ("worker/uv.lock", "1")],
    );
    let (reg, rec) = applied(&before);
    let after = digest(
        "sha256:b",
        &[("worker/app.py", "2"), ("worker/uv.lock", "1")],
    );
    let plan = plan_at_with_sources(&reg, &[], &rec, INPUTS, &after, AT);
    let worker = plan.changes.iter().find(|c| c.service == "worker").unwrap();
    assert_eq!(worker.action, Action::Update);
    assert_eq!(worker.reasons, ["files changed: worker/app.py"]);
    let db = plan.changes.iter().find(|c| c.service == "db").unwrap();
    assert_eq!(
        db.action,
        Action::NoOp,
        "a service without sources keeps its state"
    );
    let sync = plan.node("worker/sync").unwrap();
    assert_eq!(sync.action, Action::Update);
}

#[test]
fn the_same_files_plan_nothing_and_not_looking_changes_nothing() {
    let files = digest("sha256:a", &[("worker/app.py", "1")]);
    let (reg, rec) = applied(&files);
    let same = plan_at_with_sources(&reg, &[], &rec, INPUTS, &files, AT);
    assert!(!same.has_changes(), "{:?}", same.changes);
    let blind = plan_at(&reg, &[], &rec, INPUTS, AT);
    assert!(!blind.has_changes(), "{:?}", blind.changes);
}

#[test]
fn a_state_from_before_sources_reads_and_hashes_as_before() {
    let (_, rec) = applied(&BTreeMap::new());
    let config = &rec.services["db"].config;
    let json = serde_json::to_string(config).unwrap();
    assert!(!json.contains("sources"), "{json}");
    let back: portoser_plan::ServiceConfig = serde_json::from_str(&json).unwrap();
    assert_eq!(config_hash(&back), rec.services["db"].config_hash);
    // First plan with files after such a state: the files are to be synced, once.
    let (reg, rec) = applied(&BTreeMap::new());
    let files = digest("sha256:a", &[("worker/app.py", "1")]);
    let plan = plan_at_with_sources(&reg, &[], &rec, INPUTS, &files, AT);
    let worker = plan.changes.iter().find(|c| c.service == "worker").unwrap();
    assert_eq!(worker.reasons, ["files to sync (1)"]);
}
