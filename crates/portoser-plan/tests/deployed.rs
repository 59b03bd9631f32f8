//! A service whose last apply failed after its deploy (recorded `Deployed`): something of it
//! runs on its host, so the planner never treats it as done nor forgets it.

mod common;
use common::*;
use portoser_plan::{Action, AppliedStatus, Plan, Recorded, plan_at, render};
use portoser_registry::Engine;

const INPUTS: &str = "sha256:inputs";
const AT: &str = "2026-11-26T09:00:00Z";

fn deployed(mut rec: Recorded, name: &str, previous_host: Option<&str>) -> Recorded {
    if let Some(a) = rec.services.get_mut(name) {
        a.status = AppliedStatus::Deployed;
        a.previous_host = previous_host.map(str::to_string);
    }
    rec
}

fn change<'a>(plan: &'a Plan, name: &str) -> &'a portoser_plan::Change {
    plan.changes
        .iter()
        .find(|c| c.service == name)
        .unwrap_or_else(|| panic!("no change for {name}: {:?}", plan.changes))
}

fn ids(plan: &Plan) -> Vec<&str> {
    plan.nodes.iter().map(|n| n.id.as_str()).collect()
}

#[test]
fn an_unchanged_deployed_service_is_updated_not_a_no_op() {
    let api = port(service("api", "pi1", Engine::Local), 8080);
    let db = port(service("db", "pi1", Engine::Docker), 5432);
    let reg = registry(vec![api.clone(), db.clone()]);
    let rec = deployed(recorded(&reg, &[&api, &db], 4), "api", None);
    let plan = plan_at(&reg, &[], &rec, INPUTS, AT);
    assert!(plan.has_changes());
    let c = change(&plan, "api");
    assert_eq!(c.action, Action::Update);
    assert_eq!(c.reasons, ["last apply failed after deploy"]);
    assert_eq!(change(&plan, "db").action, Action::NoOp);
    assert_eq!(
        plan.node("api/deploy").map(|n| n.action),
        Some(Action::Update)
    );
    assert_eq!(
        plan.node("api/health").map(|n| n.action),
        Some(Action::Update)
    );
    let text = render::human(&plan, false);
    assert!(text.contains("last apply failed after deploy"), "{text}");
}

#[test]
fn a_changed_deployed_service_says_both_why() {
    let api = port(service("api", "pi1", Engine::Local), 8080);
    let reg = registry(vec![port(service("api", "pi1", Engine::Local), 8081)]);
    let rec = deployed(recorded(&reg, &[&api], 4), "api", None);
    let plan = plan_at(&reg, &[], &rec, INPUTS, AT);
    let c = change(&plan, "api");
    assert_eq!(c.action, Action::Update);
    assert_eq!(
        c.reasons,
        ["last apply failed after deploy", "port 8080 → 8081"]
    );
}

#[test]
fn a_deployed_service_removed_from_the_registry_is_deleted_on_its_host() {
    let leak = port(service("leak", "h2", Engine::Local), 24530);
    let reg = registry(vec![leak.clone()]);
    let rec = deployed(recorded(&reg, &[&leak], 2), "leak", None);
    let plan = plan_at(&registry(vec![]), &[], &rec, INPUTS, AT);
    let c = change(&plan, "leak");
    assert_eq!((c.action, c.host.as_str()), (Action::Delete, "h2"));
    assert_eq!(ids(&plan), ["leak/remove"]);
}

#[test]
fn a_deployed_service_that_moved_is_migrated_and_its_instance_stopped() {
    let api = port(service("api", "pi1", Engine::Docker), 8080);
    let reg = registry(vec![port(service("api", "pi2", Engine::Docker), 8080)]);
    let rec = deployed(recorded(&reg, &[&api], 2), "api", None);
    let plan = plan_at(&reg, &[], &rec, INPUTS, AT);
    let c = change(&plan, "api");
    assert_eq!(c.action, Action::Migrate);
    assert_eq!(c.previous_host.as_deref(), Some("pi1"));
    assert!(ids(&plan).contains(&"api/stop-old@pi1"), "{:?}", ids(&plan));
}

#[test]
fn an_unfinished_migration_still_stops_the_old_instance() {
    // pi1 → pi2 deployed on pi2, failed health: pi1's instance still runs.
    let api = port(service("api", "pi2", Engine::Docker), 8080);
    let reg = registry(vec![api.clone()]);
    let rec = deployed(recorded(&reg, &[&api], 2), "api", Some("pi1"));
    let plan = plan_at(&reg, &[], &rec, INPUTS, AT);
    let c = change(&plan, "api");
    assert_eq!(c.action, Action::Migrate);
    assert_eq!(c.previous_host.as_deref(), Some("pi1"));
    assert_eq!(
        c.reasons,
        [
            "last apply failed after deploy",
            "old instance on pi1 still to stop"
        ]
    );
    let stop = plan.node("api/stop-old@pi1").expect("stop-old node");
    assert_eq!(stop.host, "pi1");
    assert_eq!(stop.depends_on, ["api/health"]);

    // Removed from the registry: both instances go.
    let plan = plan_at(&registry(vec![]), &[], &rec, INPUTS, AT);
    assert_eq!(ids(&plan), ["api/remove", "api/remove@pi1"]);
    let second = plan.node("api/remove@pi1").expect("second removal");
    assert_eq!(
        (second.host.as_str(), second.depends_on.as_slice()),
        ("pi1", &["api/remove".to_string()][..])
    );
    assert_eq!(plan.summary().delete, 1, "one service, two nodes");

    // Moved back to pi1: migrate pi2 → pi1 (the pi1 instance is redeployed, pi2's stops).
    let back = registry(vec![port(service("api", "pi1", Engine::Docker), 8080)]);
    let plan = plan_at(&back, &[], &rec, INPUTS, AT);
    let c = change(&plan, "api");
    assert_eq!(
        (c.action, c.previous_host.as_deref()),
        (Action::Migrate, Some("pi2"))
    );
    assert!(ids(&plan).contains(&"api/stop-old@pi2"), "{:?}", ids(&plan));
}

#[test]
fn a_routed_deployed_service_gets_its_route_reloaded() {
    let api = hostname(port(service("api", "pi1", Engine::Docker), 8080), "api.lan");
    let reg = registry(vec![api.clone()]);
    let rec = deployed(recorded(&reg, &[&api], 2), "api", None);
    let plan = plan_at(&reg, &[], &rec, INPUTS, AT);
    let reload = plan.node("caddy/reload").expect("caddy node");
    assert_eq!(reload.action, Action::Update);
    assert_eq!(
        reload.reasons,
        ["route api.lan not confirmed (last apply failed after deploy)"]
    );
}

#[test]
fn old_recorded_data_without_a_status_reads_as_applied() {
    let config = serde_json::to_string(&portoser_plan::ServiceConfig::default()).expect("json");
    let json = format!(
        r#"{{"host":"pi1","engine":"docker","config_hash":"sha256:x",
        "config":{config},"applied_at":"2026-11-20T10:00:00Z"}}"#
    );
    let a: portoser_plan::AppliedService = serde_json::from_str(&json).expect("old json reads");
    assert_eq!(a.status, AppliedStatus::Applied);
    assert_eq!(a.previous_host, None);
}
