mod common;

use common::*;
use portoser_plan::{Action, NodeKind, Timing, plan_at, render};
use portoser_registry::Engine;

const AT: &str = "2026-11-26T08:00:00Z";
const INPUTS: &str = "sha256:0000";

fn mixed() -> portoser_plan::Plan {
    let (reg, rec, hooks) = mixed_fleet();
    plan_at(&reg, &hooks, &rec, INPUTS, AT)
}

fn deps<'a>(plan: &'a portoser_plan::Plan, id: &str) -> Vec<&'a str> {
    let node = plan.node(id).unwrap_or_else(|| panic!("no node {id}"));
    node.depends_on.iter().map(String::as_str).collect()
}

#[test]
fn every_action_is_classified() {
    let plan = mixed();
    let actions: Vec<(&str, Action)> = plan
        .changes
        .iter()
        .map(|c| (c.service.as_str(), c.action))
        .collect();
    let find = |name: &str| actions.iter().find(|(n, _)| *n == name).map(|(_, a)| *a);
    assert_eq!(find("api"), Some(Action::Update));
    assert_eq!(find("db"), Some(Action::NoOp));
    assert_eq!(find("web"), Some(Action::Create));
    assert_eq!(find("worker"), Some(Action::Migrate));
    assert_eq!(find("cache"), Some(Action::Replace));
    assert_eq!(find("old"), Some(Action::Delete));
    let s = plan.summary();
    assert_eq!(
        (
            s.create,
            s.update,
            s.replace,
            s.migrate,
            s.delete,
            s.unchanged
        ),
        (1, 1, 1, 1, 1, 1)
    );
    assert!(plan.has_changes());
    assert!(plan.diagnostics.is_empty());
}

#[test]
fn edges_follow_dependencies_hooks_caddy_and_migration_order() {
    let plan = mixed();
    // api waits for db's health gate; web waits for api's after-deploy hook.
    assert_eq!(deps(&plan, "api/deploy"), ["api/secrets", "db/health"]);
    assert_eq!(deps(&plan, "api/prepare"), Vec::<&str>::new());
    assert_eq!(deps(&plan, "api/secrets"), ["api/sync"]);
    assert_eq!(deps(&plan, "api/after-deploy"), ["api/health"]);
    assert_eq!(
        deps(&plan, "web/deploy"),
        ["api/after-deploy", "web/install"]
    );
    assert_eq!(
        deps(&plan, "caddy/reload"),
        ["api/after-deploy", "web/health"]
    );
    assert_eq!(
        deps(&plan, "worker/stop-old@pi2"),
        ["caddy/reload", "worker/health"]
    );
    assert_eq!(deps(&plan, "old/remove"), ["caddy/reload"]);
    assert_eq!(deps(&plan, "cache/deploy"), ["cache/stop-old@pi1"]);
    assert_eq!(
        plan.node("caddy/reload").map(|n| n.host.as_str()),
        Some("edge")
    );
    assert_eq!(
        plan.node("worker/stop-old@pi2").map(|n| n.kind),
        Some(NodeKind::StopOld)
    );
}

#[test]
fn order_is_topological_and_stable() {
    let plan = mixed();
    let pos = |id: &str| plan.nodes.iter().position(|n| n.id == id);
    for node in &plan.nodes {
        for dep in &node.depends_on {
            assert!(
                pos(dep) < pos(&node.id),
                "{dep} must come before {}",
                node.id
            );
        }
    }
    assert_eq!(plan, mixed(), "planning twice gives the same plan");
}

#[test]
fn nothing_to_do_says_so() {
    let db = port(service("db", "pi1", Engine::Docker), 5432);
    let api = hostname(service("api", "pi1", Engine::Docker), "api.example.lan");
    let reg = registry(vec![db.clone(), api.clone()]);
    let rec = recorded(&reg, &[&db, &api], 3);
    let plan = plan_at(&reg, &[], &rec, INPUTS, AT);
    assert!(!plan.has_changes());
    assert_eq!(plan.summary().unchanged, 2);
    assert_eq!(
        render::human(&plan, false),
        "No changes. The fleet matches the registry.\n"
    );
    assert!(plan.nodes.iter().all(|n| n.action == Action::NoOp));
}

#[test]
fn repeated_hooks_get_numbered_ids_and_before_hooks_precede_deploy() {
    let api = service("api", "pi1", Engine::Docker);
    let reg = registry(vec![api]);
    let hooks = [
        hook("api", Timing::Before, "deploy", &["a"]),
        hook("api", Timing::Before, "deploy", &["b"]),
    ];
    let plan = plan_at(&reg, &hooks, &Default::default(), INPUTS, AT);
    assert_eq!(deps(&plan, "api/before-deploy-2"), ["api/before-deploy"]);
    assert_eq!(deps(&plan, "api/deploy"), ["api/before-deploy-2"]);
    assert_eq!(
        plan.node("api/before-deploy-2").map(|n| n.steps.clone()),
        Some(vec!["b".to_string()])
    );
}

#[test]
fn a_cycle_is_a_diagnostic_listing_the_circle_not_a_panic() {
    let a = depends(service("a", "pi1", Engine::Docker), &["b"]);
    let b = depends(service("b", "pi1", Engine::Docker), &["a"]);
    let reg = registry(vec![a, b]);
    let plan = plan_at(&reg, &[], &Default::default(), INPUTS, AT);
    assert_eq!(plan.diagnostics.len(), 1);
    let d = &plan.diagnostics[0];
    assert_eq!(d.code, "E0401");
    assert_eq!(
        d.message,
        "the plan graph has a cycle: a/deploy → a/health → b/deploy → b/health → a/deploy"
    );
    assert_eq!(plan.nodes.len(), 8, "every node still appears once");
}

#[test]
fn reasons_are_computed_field_by_field() {
    let plan = mixed();
    let reasons = |name: &str| {
        plan.changes
            .iter()
            .find(|c| c.service == name)
            .map(|c| c.reasons.clone())
            .unwrap_or_default()
    };
    assert_eq!(reasons("api"), ["port 8080 → 8081"]);
    assert_eq!(reasons("web"), ["new service"]);
    assert_eq!(reasons("worker"), ["moved pi2 → pi3"]);
    assert_eq!(reasons("cache"), ["engine docker → local"]);
    assert_eq!(reasons("old"), ["removed from the registry"]);
    assert!(reasons("db").is_empty());
    let caddy = plan
        .node("caddy/reload")
        .map(|n| n.reasons.clone())
        .unwrap_or_default();
    assert_eq!(
        caddy,
        [
            "route api.example.lan → pi1:8081 (was pi1:8080)",
            "route web.example.lan → pi2:3000 added",
            "route old.example.lan removed"
        ]
    );
}

#[test]
fn plans_a_large_fleet_quickly() {
    // 5,000 services on 500 hosts, each depending on the one 500 before it, with routes.
    let services: Vec<_> = (0..5000)
        .map(|i| {
            let svc = port(
                service(
                    &format!("svc{i:04}"),
                    &format!("host{:03}", i % 500),
                    Engine::Docker,
                ),
                8000,
            );
            let svc = if i % 10 == 0 {
                hostname(svc, &format!("svc{i}.example.lan"))
            } else {
                svc
            };
            if i >= 500 {
                depends(svc, &[&format!("svc{:04}", i - 500)])
            } else {
                svc
            }
        })
        .collect();
    let reg = registry(services);
    let half: Vec<_> = reg.services.iter().step_by(2).collect();
    let rec = recorded(&reg, &half, 1);
    let start = std::time::Instant::now();
    let plan = plan_at(&reg, &[], &rec, INPUTS, AT);
    let took = start.elapsed();
    eprintln!("planned {} nodes in {took:?}", plan.nodes.len());
    assert_eq!(plan.summary().create, 2500);
    assert_eq!(plan.summary().unchanged, 2500);
    assert!(plan.diagnostics.is_empty());
    // Debug build on a slow machine; release is far below 100 ms (see docs/plan.md).
    assert!(took < std::time::Duration::from_secs(30), "took {took:?}");
}

#[test]
fn a_removed_dependency_waits_for_the_dependents_that_used_it() {
    // db leaves the registry; api (updated) and worker (migrating pi2 → pi3) used it.
    let api = port(service("api", "pi1", Engine::Docker), 8080);
    let worker = service("worker", "pi3", Engine::Docker);
    let other = port(service("other", "pi1", Engine::Docker), 9000);
    let reg = registry(vec![api.clone(), worker, other.clone()]);
    let db = port(service("db", "pi1", Engine::Docker), 5432);
    let old_api = depends(api, &["db"]);
    let old_worker = depends(service("worker", "pi2", Engine::Docker), &["db"]);
    let rec = recorded(&reg, &[&db, &old_api, &old_worker, &other], 3);
    let plan = plan_at(&reg, &[], &rec, INPUTS, AT);
    assert!(plan.diagnostics.is_empty());
    assert_eq!(
        deps(&plan, "db/remove"),
        ["api/health", "worker/stop-old@pi2"],
        "db goes after api runs without it and worker's old instance stopped"
    );
    let pos = |id: &str| plan.nodes.iter().position(|n| n.id == id);
    assert!(pos("api/health") < pos("db/remove"));
    // A service that never used db does not hold it up.
    assert!(!deps(&plan, "db/remove").contains(&"other/health"));
}
