//! The state tells the truth after a run: real plans from registry YAML, a scripted runner,
//! a real state database, and a re-plan against what was recorded.

mod common;

use common::*;
use portoser_exec::fake::FakeRunner;
use portoser_exec::{ApplyOptions, Outcome, RunOutcome, StateChange};
use portoser_plan::{Action, AppliedStatus};
use std::collections::BTreeMap;
use std::sync::Arc;

const FLEET: &str = "
hosts:
  h1: { ip: 10.0.0.1, path: /srv }
  h2: { ip: 10.0.0.2, path: /srv }
services:
  db:
    current_host: h1
    deployment_type: docker
    docker_compose: db/docker-compose.yml
    port: 5432
  api:
    current_host: h2
    deployment_type: docker
    docker_compose: api/docker-compose.yml
    port: 8080
    dependencies: [db]
  web:
    current_host: h2
    deployment_type: docker
    docker_compose: web/docker-compose.yml
    port: 8081
    dependencies: [api]
  metrics:
    current_host: h1
    deployment_type: docker
    docker_compose: metrics/docker-compose.yml
    port: 9100
";

fn actions(plan: &portoser_plan::Plan) -> BTreeMap<String, Action> {
    plan.changes
        .iter()
        .map(|c| (c.service.clone(), c.action))
        .collect()
}

#[tokio::test(start_paused = true)]
async fn after_a_failed_health_gate_the_state_holds_exactly_what_succeeded() {
    let reg = registry(FLEET);
    let cfg = configs(&reg);
    let mut st = state();
    let planned = plan(&reg, &st.db.recorded().expect("recorded"));
    let serial_before = st.db.serial().expect("serial");
    let runner = Arc::new(FakeRunner::new(10 * MS).fail("api/health", 5 * MS, "GET /health: 503"));
    let (report, _) = run(&planned, &cfg, runner, &mut st.db, &ApplyOptions::default()).await;
    assert_eq!(report.outcome(), RunOutcome::Failed);

    let recorded = st.db.recorded().expect("recorded");
    let names: Vec<(&str, AppliedStatus)> = recorded
        .services
        .iter()
        .map(|(name, a)| (name.as_str(), a.status))
        .collect();
    assert_eq!(
        names,
        [
            ("api", AppliedStatus::Deployed),
            ("db", AppliedStatus::Applied),
            ("metrics", AppliedStatus::Applied)
        ],
        "api was deployed then failed its gate (it runs there), web never ran"
    );
    assert_eq!(
        recorded.serial,
        serial_before + 5,
        "one serial per write: db and metrics deployed then applied, api deployed"
    );
    let mut changes: Vec<String> = report
        .state_changes
        .iter()
        .map(|c| match c {
            StateChange::Applied { service, .. } => format!("applied {service}"),
            StateChange::Deployed { service, .. } => format!("deployed {service}"),
            StateChange::Removed { service, .. } => format!("removed {service}"),
        })
        .collect();
    changes.sort();
    assert_eq!(changes, ["applied db", "applied metrics", "deployed api"]);
    assert_eq!(
        recorded.services.get("db").map(|a| a.config.clone()),
        cfg.get("db").cloned()
    );

    // The next plan is exactly what is left, and applying it finishes the fleet.
    let next = plan(&reg, &recorded);
    let left = actions(&next);
    assert_eq!(left.get("db"), Some(&Action::NoOp));
    assert_eq!(left.get("metrics"), Some(&Action::NoOp));
    assert_eq!(left.get("api"), Some(&Action::Update));
    let api = next.changes.iter().find(|c| c.service == "api");
    assert_eq!(
        api.map(|c| c.reasons.clone()),
        Some(vec!["last apply failed after deploy".to_string()])
    );
    assert_eq!(left.get("web"), Some(&Action::Create));
    let runner = Arc::new(FakeRunner::new(10 * MS));
    let (report, _) = run(
        &next,
        &cfg,
        runner.clone(),
        &mut st.db,
        &ApplyOptions::default(),
    )
    .await;
    assert_eq!(report.outcome(), RunOutcome::Succeeded);
    assert!(
        runner
            .calls()
            .iter()
            .all(|c| c.node.starts_with("api/") || c.node.starts_with("web/")),
        "nothing of db or metrics runs again: {:?}",
        runner.calls()
    );
    let done = st.db.recorded().expect("recorded");
    assert_eq!(done.services.len(), 4);
    assert!(
        done.services
            .values()
            .all(|a| a.status == AppliedStatus::Applied),
        "{done:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_rerun_of_an_applied_fleet_touches_nothing() {
    let reg = registry(FLEET);
    let cfg = configs(&reg);
    let mut st = state();
    let first = plan(&reg, &st.db.recorded().expect("recorded"));
    let (report, _) = run(
        &first,
        &cfg,
        Arc::new(FakeRunner::new(MS)),
        &mut st.db,
        &ApplyOptions::default(),
    )
    .await;
    assert_eq!(report.outcome(), RunOutcome::Succeeded);
    let recorded = st.db.recorded().expect("recorded");

    let again = plan(&reg, &recorded);
    assert!(!again.has_changes());
    let runner = Arc::new(FakeRunner::new(MS));
    let (report, events) = run(
        &again,
        &cfg,
        runner.clone(),
        &mut st.db,
        &ApplyOptions::default(),
    )
    .await;
    assert_eq!(report.outcome(), RunOutcome::NothingToDo);
    assert!(report.is_success());
    assert!(runner.calls().is_empty(), "no node ran");
    assert!(events.is_empty());
    assert_eq!(report.run_id, None, "no run is written to the history");
    assert!(report.nodes.iter().all(|n| n.outcome == Outcome::Unchanged));
    assert_eq!(
        st.db.recorded().expect("recorded"),
        recorded,
        "same services, same serial"
    );
    let run_id = report.run_id.unwrap_or(2);
    assert_eq!(st.db.run(run_id).expect("read"), None);
}

#[tokio::test(start_paused = true)]
async fn a_removed_service_is_forgotten_only_when_its_removal_succeeded() {
    let reg = registry(FLEET);
    let cfg = configs(&reg);
    let mut st = state();
    let first = plan(&reg, &st.db.recorded().expect("recorded"));
    run(
        &first,
        &cfg,
        Arc::new(FakeRunner::new(MS)),
        &mut st.db,
        &ApplyOptions::default(),
    )
    .await;

    let smaller = registry(&FLEET.replace("  metrics:\n    current_host: h1\n    deployment_type: docker\n    docker_compose: metrics/docker-compose.yml\n    port: 9100\n", ""));
    let cfg = configs(&smaller);
    let removal = plan(&smaller, &st.db.recorded().expect("recorded"));
    assert!(removal.node("metrics/remove").is_some());

    let failing =
        Arc::new(FakeRunner::new(MS).fail("metrics/remove", MS, "docker: daemon not running"));
    let (report, _) = run(
        &removal,
        &cfg,
        failing,
        &mut st.db,
        &ApplyOptions::default(),
    )
    .await;
    assert_eq!(report.outcome(), RunOutcome::Failed);
    assert!(
        st.db
            .recorded()
            .expect("recorded")
            .services
            .contains_key("metrics"),
        "still there: still recorded"
    );

    let (report, _) = run(
        &removal,
        &cfg,
        Arc::new(FakeRunner::new(MS)),
        &mut st.db,
        &ApplyOptions::default(),
    )
    .await;
    assert_eq!(report.outcome(), RunOutcome::Succeeded);
    assert!(
        matches!(report.state_changes.as_slice(), [StateChange::Removed { service, .. }] if service == "metrics")
    );
    assert!(
        !st.db
            .recorded()
            .expect("recorded")
            .services
            .contains_key("metrics")
    );
}

#[tokio::test(start_paused = true)]
async fn a_routed_service_is_not_recorded_while_its_route_failed() {
    let routed = FLEET.replace(
        "    port: 8081\n",
        "    port: 8081\n    hostname: web.example.lan\n",
    ) + "caddy:\n  ingress_host: h1\n";
    let reg = registry(&routed);
    let cfg = configs(&reg);
    let mut st = state();
    let planned = plan(&reg, &st.db.recorded().expect("recorded"));
    assert!(planned.node("caddy/reload").is_some());
    let runner =
        Arc::new(FakeRunner::new(MS).fail("caddy/reload", MS, "Caddy rejected the new config"));
    let (report, _) = run(&planned, &cfg, runner, &mut st.db, &ApplyOptions::default()).await;
    assert_eq!(report.outcome(), RunOutcome::Failed);
    let recorded = st.db.recorded().expect("recorded");
    assert_eq!(
        recorded.services.get("web").map(|a| a.status),
        Some(AppliedStatus::Deployed),
        "deployed, but its route never went live"
    );
    assert_eq!(
        recorded.services.get("api").map(|a| a.status),
        Some(AppliedStatus::Applied)
    );
}

#[tokio::test(start_paused = true)]
async fn the_run_and_its_events_are_in_the_history() {
    let reg = registry(FLEET);
    let cfg = configs(&reg);
    let mut st = state();
    let planned = plan(&reg, &st.db.recorded().expect("recorded"));
    let runner = Arc::new(FakeRunner::new(MS).fail("web/deploy", MS, "compose file not found"));
    let (report, events) = run(&planned, &cfg, runner, &mut st.db, &ApplyOptions::default()).await;
    let id = report.run_id.expect("a run was written");
    let history = st.db.run(id).expect("read").expect("the run exists");
    assert_eq!(history.outcome, "failed");
    assert!(history.finished_at.is_some());
    let node_events: Vec<(String, String)> = history
        .events
        .iter()
        .filter(|e| e.node_id.contains('/'))
        .map(|e| (e.node_id.clone(), e.event.clone()))
        .collect();
    let sent: Vec<(String, String)> = events
        .iter()
        .map(|e| (e.node.clone(), e.kind.as_str().to_string()))
        .collect();
    assert_eq!(node_events, sent, "the history holds every event, in order");
    let failed = history
        .events
        .iter()
        .find(|e| e.event == "failed")
        .expect("a failure");
    assert_eq!(
        (failed.node_id.as_str(), failed.message.as_str()),
        ("web/deploy", "compose file not found")
    );
    let recorded: Vec<&str> = history
        .events
        .iter()
        .filter(|e| e.event == "recorded")
        .map(|e| e.node_id.as_str())
        .collect();
    assert_eq!(recorded.len(), 3, "db, api, metrics: {recorded:?}");
}
