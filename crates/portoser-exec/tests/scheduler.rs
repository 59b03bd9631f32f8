//! The scheduler with a scripted runner and a paused clock: order, parallelism, limits,
//! failures, cancellation, timeouts. Times below are exact because the clock is virtual.

mod common;

use common::*;
use portoser_exec::fake::FakeRunner;
use portoser_exec::{ApplyOptions, EventKind, NodeFailure, Outcome, RunOutcome};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

fn no_configs() -> BTreeMap<String, portoser_plan::ServiceConfig> {
    BTreeMap::new()
}

#[tokio::test(start_paused = true)]
async fn a_node_starts_only_after_all_its_dependencies_finished() {
    let plan = hand_plan(vec![
        node("db/deploy", "h1", &[]),
        node("cache/deploy", "h2", &[]),
        node("api/deploy", "h1", &["cache/deploy", "db/deploy"]),
        node("web/deploy", "h2", &["api/deploy"]),
    ]);
    let runner = Arc::new(
        FakeRunner::new(10 * MS)
            .delay("db/deploy", 50 * MS)
            .delay("cache/deploy", 20 * MS),
    );
    let mut st = state();
    let (report, _) = run(
        &plan,
        &no_configs(),
        runner.clone(),
        &mut st.db,
        &ApplyOptions::default(),
    )
    .await;
    assert_eq!(report.outcome(), RunOutcome::Succeeded);
    for n in &plan.nodes {
        let me = runner.call(&n.id).expect("every node ran");
        for dep in &n.depends_on {
            let d = runner.call(dep).expect("dependency ran");
            let end = d.end.expect("dependency finished");
            assert!(
                end <= me.start,
                "{} started at {:?} before {dep} ended at {end:?}",
                n.id,
                me.start
            );
        }
    }
    // api waits for the slower of its two dependencies, not the faster.
    assert_eq!(runner.call("api/deploy").map(|c| c.start), Some(50 * MS));
    assert_eq!(report.duration, 70 * MS);
    let path = report.critical_path();
    assert_eq!(path.nodes, ["db/deploy", "api/deploy", "web/deploy"]);
    assert_eq!(path.total, 70 * MS);
}

#[tokio::test(start_paused = true)]
async fn fifty_services_on_seven_hosts_run_at_once_with_the_default_limit() {
    let mut nodes = Vec::new();
    for s in 0..50 {
        let host = format!("h{}", s % 7);
        let ids: Vec<String> = ["prepare", "sync", "deploy", "health"]
            .iter()
            .map(|step| format!("svc{s}/{step}"))
            .collect();
        for (i, id) in ids.iter().enumerate() {
            let deps: Vec<&str> = ids
                .get(i.wrapping_sub(1))
                .map(String::as_str)
                .into_iter()
                .collect();
            nodes.push(node(id, &host, &deps));
        }
    }
    let plan = hand_plan(nodes);
    let runner = Arc::new(FakeRunner::new(100 * MS));
    let mut st = state();
    let (report, _) = run(
        &plan,
        &no_configs(),
        runner.clone(),
        &mut st.db,
        &ApplyOptions::default(),
    )
    .await;
    assert_eq!(report.totals().succeeded, 200);
    assert_eq!(
        runner.peak_total(),
        50,
        "every service's chain runs in parallel"
    );
    assert_eq!(
        report.duration,
        400 * MS,
        "four steps deep, not fifty services long"
    );
    assert!(runner.peak("h0") <= 8);
}

#[tokio::test(start_paused = true)]
async fn the_per_host_limit_holds_and_other_hosts_are_not_held_back() {
    let mut nodes: Vec<_> = (0..10)
        .map(|i| node(&format!("a{i}/deploy"), "busy", &[]))
        .collect();
    nodes.extend((0..3).map(|i| node(&format!("b{i}/deploy"), "quiet", &[])));
    let plan = hand_plan(nodes);
    let runner = Arc::new(FakeRunner::new(100 * MS));
    let options = ApplyOptions {
        per_host_limit: 3,
        ..ApplyOptions::default()
    };
    let mut st = state();
    let (report, _) = run(&plan, &no_configs(), runner.clone(), &mut st.db, &options).await;
    assert_eq!(report.outcome(), RunOutcome::Succeeded);
    assert_eq!(runner.peak("busy"), 3);
    assert_eq!(runner.peak("quiet"), 3);
    assert_eq!(
        report.duration,
        400 * MS,
        "ten nodes, three at a time: four rounds"
    );
    for i in 0..3 {
        assert_eq!(
            runner.call(&format!("b{i}/deploy")).map(|c| c.start),
            Some(Duration::ZERO)
        );
    }
}

#[tokio::test(start_paused = true)]
async fn a_failure_skips_its_dependents_and_independent_branches_finish() {
    let plan = hand_plan(vec![
        node("db/deploy", "h1", &[]),
        node("db/health", "h1", &["db/deploy"]),
        node("api/deploy", "h2", &["db/health"]),
        node("web/deploy", "h2", &["api/deploy"]),
        node("solo/deploy", "h3", &[]),
        node("solo/health", "h3", &["solo/deploy"]),
    ]);
    let runner = Arc::new(FakeRunner::new(10 * MS).fail("db/health", 5 * MS, "connection refused"));
    let mut st = state();
    let (report, events) = run(
        &plan,
        &no_configs(),
        runner.clone(),
        &mut st.db,
        &ApplyOptions::default(),
    )
    .await;
    assert_eq!(report.outcome(), RunOutcome::Failed);
    assert!(!report.is_success());
    let outcome = |id: &str| report.node(id).map(|n| n.outcome.clone());
    assert_eq!(
        outcome("db/health"),
        Some(Outcome::Failed(NodeFailure::new("connection refused")))
    );
    for id in ["api/deploy", "web/deploy"] {
        assert_eq!(
            outcome(id),
            Some(Outcome::Skipped {
                because: "db/health".into()
            }),
            "{id}"
        );
        assert!(runner.call(id).is_none(), "{id} must not run");
    }
    assert_eq!(
        outcome("solo/health"),
        Some(Outcome::Succeeded { message: None })
    );
    let skipped: Vec<&str> = events
        .iter()
        .filter(|e| matches!(&e.kind, EventKind::Skipped { because } if because == "db/health"))
        .map(|e| e.node.as_str())
        .collect();
    assert_eq!(skipped.len(), 2);
    let t = report.totals();
    assert_eq!((t.succeeded, t.failed, t.skipped), (3, 1, 2));
}

#[tokio::test(start_paused = true)]
async fn ctrl_c_stops_new_nodes_and_lets_running_ones_finish() {
    let plan = hand_plan(vec![
        node("a/deploy", "h1", &[]),
        node("a/health", "h1", &["a/deploy"]),
        node("b/deploy", "h2", &[]),
    ]);
    let runner = Arc::new(FakeRunner::new(100 * MS));
    let options = ApplyOptions::default();
    let cancel = options.cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(30 * MS).await;
        cancel.trigger();
    });
    let mut st = state();
    let (report, events) = run(&plan, &no_configs(), runner.clone(), &mut st.db, &options).await;
    assert_eq!(report.outcome(), RunOutcome::Cancelled);
    assert!(report.cancelled);
    let outcome = |id: &str| report.node(id).map(|n| n.outcome.clone());
    assert_eq!(
        outcome("a/deploy"),
        Some(Outcome::Succeeded { message: None }),
        "running nodes finish"
    );
    assert_eq!(
        outcome("b/deploy"),
        Some(Outcome::Succeeded { message: None })
    );
    assert_eq!(
        outcome("a/health"),
        Some(Outcome::Cancelled { was_running: false })
    );
    assert!(
        runner.call("a/health").is_none(),
        "nothing starts after Ctrl-C"
    );
    assert!(
        events
            .iter()
            .any(|e| e.node == "a/health" && e.kind == EventKind::Cancelled { was_running: false })
    );
    assert_eq!(report.duration, 100 * MS);
}

#[tokio::test(start_paused = true)]
async fn a_second_ctrl_c_aborts_running_nodes() {
    let plan = hand_plan(vec![
        node("stuck/deploy", "h1", &[]),
        node("stuck/health", "h1", &["stuck/deploy"]),
    ]);
    let runner = Arc::new(FakeRunner::new(10 * MS).hang("stuck/deploy"));
    let options = ApplyOptions::default();
    let cancel = options.cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(30 * MS).await;
        cancel.trigger();
        tokio::time::sleep(30 * MS).await;
        cancel.trigger();
    });
    let mut st = state();
    let (report, _) = run(&plan, &no_configs(), runner.clone(), &mut st.db, &options).await;
    assert_eq!(
        report.node("stuck/deploy").map(|n| n.outcome.clone()),
        Some(Outcome::Cancelled { was_running: true })
    );
    assert_eq!(
        report.node("stuck/health").map(|n| n.outcome.clone()),
        Some(Outcome::Cancelled { was_running: false })
    );
    assert_eq!(
        report.duration,
        60 * MS,
        "the hung node was dropped at the second Ctrl-C"
    );
    assert!(
        runner.call("stuck/deploy").and_then(|c| c.end).is_some(),
        "its future was dropped"
    );
}

#[tokio::test(start_paused = true)]
async fn a_node_that_outlives_the_timeout_fails_as_timed_out() {
    let plan = hand_plan(vec![
        node("slow/deploy", "h1", &[]),
        node("slow/health", "h1", &["slow/deploy"]),
    ]);
    let runner = Arc::new(FakeRunner::new(10 * MS).hang("slow/deploy"));
    let options = ApplyOptions {
        node_timeout: Duration::from_secs(2),
        ..ApplyOptions::default()
    };
    let mut st = state();
    let (report, _) = run(&plan, &no_configs(), runner, &mut st.db, &options).await;
    match report.node("slow/deploy").map(|n| &n.outcome) {
        Some(Outcome::Failed(f)) => assert_eq!(f.message, "did not finish within 2.0s"),
        other => panic!("expected a timeout failure, got {other:?}"),
    }
    assert_eq!(
        report.node("slow/health").map(|n| n.outcome.clone()),
        Some(Outcome::Skipped {
            because: "slow/deploy".into()
        })
    );
}

#[tokio::test(start_paused = true)]
async fn a_dependency_outside_the_plan_or_a_cycle_fails_instead_of_hanging() {
    let plan = hand_plan(vec![
        node("a/deploy", "h1", &["ghost/health"]),
        node("b/deploy", "h1", &["c/deploy"]),
        node("c/deploy", "h1", &["b/deploy"]),
        node("d/deploy", "h1", &[]),
    ]);
    let runner = Arc::new(FakeRunner::new(10 * MS));
    let mut st = state();
    let (report, _) = run(
        &plan,
        &no_configs(),
        runner.clone(),
        &mut st.db,
        &ApplyOptions::default(),
    )
    .await;
    let failed = |id: &str| match report.node(id).map(|n| &n.outcome) {
        Some(Outcome::Failed(f)) => f.message.clone(),
        other => format!("{other:?}"),
    };
    assert_eq!(
        failed("a/deploy"),
        "depends on `ghost/health`, which is not in the plan"
    );
    assert!(failed("b/deploy").contains("dependency cycle"));
    assert_eq!(runner.calls().len(), 1, "only d ran");
}
