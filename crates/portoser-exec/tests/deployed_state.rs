//! A service is recorded `deployed` as soon as its deploy ran, so nothing the run started is
//! forgotten: removed from the registry, it is stopped; moved, its old instance stops; one
//! whose deploy never ran keeps its previous record.

mod common;

use common::*;
use portoser_exec::fake::FakeRunner;
use portoser_exec::render::{report_json, summary};
use portoser_exec::{ApplyOptions, RunOutcome};
use portoser_plan::{Action, AppliedStatus, Recorded};
use std::sync::Arc;

const ONE: &str = "
hosts:
  h1: { ip: 10.0.0.1, path: /srv }
  h2: { ip: 10.0.0.2, path: /srv }
services:
  leak:
    current_host: h1
    deployment_type: docker
    docker_compose: leak/docker-compose.yml
    port: 8080
";

async fn apply_with(yaml: &str, runner: FakeRunner, st: &mut Db) -> (RunOutcome, Recorded) {
    let reg = registry(yaml);
    let planned = plan(&reg, &st.db.recorded().expect("recorded"));
    let opts = ApplyOptions::default();
    let (report, _) = run(
        &planned,
        &configs(&reg),
        Arc::new(runner),
        &mut st.db,
        &opts,
    )
    .await;
    (report.outcome(), st.db.recorded().expect("recorded"))
}

fn status(rec: &Recorded, name: &str) -> Option<(String, AppliedStatus, Option<String>)> {
    let a = rec.services.get(name)?;
    Some((a.host.clone(), a.status, a.previous_host.clone()))
}

#[tokio::test(start_paused = true)]
async fn an_unhealthy_service_removed_from_the_registry_is_removed_from_its_host() {
    let mut st = state();
    let failing = FakeRunner::new(MS).fail("leak/health", MS, "GET /: connection refused");
    let (outcome, rec) = apply_with(ONE, failing, &mut st).await;
    assert_eq!(outcome, RunOutcome::Failed);
    assert_eq!(
        status(&rec, "leak"),
        Some(("h1".into(), AppliedStatus::Deployed, None))
    );

    let empty = ONE
        .split("services:")
        .next()
        .unwrap_or_default()
        .to_string()
        + "services: {}\n";
    let removal = plan(&registry(&empty), &rec);
    let c = removal.changes.first().expect("a change");
    assert_eq!((c.service.as_str(), c.action), ("leak", Action::Delete));
    let runner = FakeRunner::new(MS);
    let (outcome, rec) = apply_with(&empty, runner, &mut st).await;
    assert_eq!(outcome, RunOutcome::Succeeded);
    assert!(rec.services.is_empty(), "{rec:?}");
}

#[tokio::test(start_paused = true)]
async fn the_run_summary_and_json_say_deployed_only() {
    let mut st = state();
    let reg = registry(ONE);
    let planned = plan(&reg, &st.db.recorded().expect("recorded"));
    let runner = Arc::new(FakeRunner::new(MS).fail("leak/health", MS, "503"));
    let opts = ApplyOptions::default();
    let (report, _) = run(&planned, &configs(&reg), runner, &mut st.db, &opts).await;
    let text = summary(&report);
    assert!(text.contains("Recorded: leak (deployed only)"), "{text}");
    let json = report_json(&report).to_string();
    assert!(
        json.contains(r#""change":"deployed""#) && json.contains(r#""service":"leak""#),
        "{json}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_failed_deploy_leaves_the_previous_record_alone() {
    let mut st = state();
    let (outcome, before) = apply_with(ONE, FakeRunner::new(MS), &mut st).await;
    assert_eq!(outcome, RunOutcome::Succeeded);
    let changed = ONE.replace("port: 8080", "port: 8081");
    let failing = FakeRunner::new(MS).fail("leak/deploy", MS, "compose: no such file");
    let (outcome, after) = apply_with(&changed, failing, &mut st).await;
    assert_eq!(outcome, RunOutcome::Failed);
    assert_eq!(after.services, before.services, "the deploy never ran");
}

#[tokio::test(start_paused = true)]
async fn a_changed_config_that_failed_its_gate_is_what_is_recorded() {
    // Deployed with port 8081, unhealthy; changing it back to 8080 must not be a no-op.
    let mut st = state();
    apply_with(ONE, FakeRunner::new(MS), &mut st).await;
    let changed = ONE.replace("port: 8080", "port: 8081");
    let failing = FakeRunner::new(MS).fail("leak/health", MS, "503");
    let (_, rec) = apply_with(&changed, failing, &mut st).await;
    assert_eq!(
        rec.services.get("leak").and_then(|a| a.config.port),
        Some(8081)
    );
    let back = plan(&registry(ONE), &rec);
    let c = back.changes.first().expect("a change");
    assert_eq!(c.action, Action::Update);
    assert_eq!(
        c.reasons,
        ["last apply failed after deploy", "port 8081 → 8080"]
    );
}

#[tokio::test(start_paused = true)]
async fn an_unfinished_migration_remembers_and_later_stops_the_old_instance() {
    let mut st = state();
    apply_with(ONE, FakeRunner::new(MS), &mut st).await;
    let moved = ONE.replace("current_host: h1", "current_host: h2");
    let failing = FakeRunner::new(MS).fail("leak/health", MS, "503");
    let (_, rec) = apply_with(&moved, failing, &mut st).await;
    assert_eq!(
        status(&rec, "leak"),
        Some(("h2".into(), AppliedStatus::Deployed, Some("h1".into())))
    );

    let next = plan(&registry(&moved), &rec);
    let c = next.changes.first().expect("a change");
    assert_eq!(
        (c.action, c.previous_host.as_deref()),
        (Action::Migrate, Some("h1"))
    );
    let runner = FakeRunner::new(MS);
    let reg = registry(&moved);
    let opts = ApplyOptions::default();
    let runner = Arc::new(runner);
    run(&next, &configs(&reg), runner.clone(), &mut st.db, &opts).await;
    let stop = runner
        .call("leak/stop-old@h1")
        .expect("the old instance is stopped");
    assert_eq!(stop.host, "h1");
    let rec = st.db.recorded().expect("recorded");
    assert_eq!(
        status(&rec, "leak"),
        Some(("h2".into(), AppliedStatus::Applied, None))
    );
    assert!(!plan(&reg, &rec).has_changes());
}
