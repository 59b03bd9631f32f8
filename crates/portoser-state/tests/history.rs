//! Run history (schema 4): origin, planned nodes and services, timed events, the config of a
//! service before and after each run, and `config_at` (what rollback reads).

use portoser_plan::{AppliedService, AppliedStatus, ServiceConfig, config_hash};
use portoser_state::{
    PlannedNode, PlannedService, RunEvent, RunOrigin, StateDb, TimedEvent, user_at_host,
};

fn applied(port: u16) -> AppliedService {
    let config = ServiceConfig {
        host: "pi1".into(),
        engine: "docker".into(),
        port: Some(port),
        secrets: [("API_TOKEN".to_string(), "kv/api#token".to_string())].into(),
        ..ServiceConfig::default()
    };
    AppliedService {
        host: "pi1".into(),
        engine: "docker".into(),
        config_hash: config_hash(&config),
        config,
        applied_at: "2026-11-26T08:00:00Z".into(),
        status: AppliedStatus::Applied,
        previous_host: None,
    }
}

fn node(id: &str, deps: &[&str]) -> PlannedNode {
    PlannedNode {
        node_id: id.into(),
        service: Some("api".into()),
        host: "pi1".into(),
        kind: id.rsplit('/').next().unwrap_or(id).into(),
        action: "update".into(),
        depends_on: deps.iter().map(|d| d.to_string()).collect(),
    }
}

fn timed(node: &str, event: &str, elapsed: u64, duration: Option<u64>) -> TimedEvent {
    TimedEvent {
        event: RunEvent {
            node_id: node.into(),
            event: event.into(),
            at: "2026-11-26T08:00:01Z".into(),
            message: format!("{event} message"),
        },
        elapsed_ms: Some(elapsed),
        duration_ms: duration,
    }
}

/// One run that plans `action` for api, runs deploy then health, and records api at `port`.
fn run(db: &mut StateDb, action: &str, port: u16, health_ok: bool) -> i64 {
    let origin = RunOrigin {
        who: "ops@laptop".into(),
        plan_hash: format!("sha256:plan{port}"),
    };
    let planned = [PlannedService {
        service: "api".into(),
        action: action.into(),
        reasons: vec!["port changed".into()],
    }];
    let nodes = [node("api/deploy", &[]), node("api/health", &["api/deploy"])];
    let id = db
        .begin_run_for("2026-11-26T08:00:00Z", &origin, &nodes, &planned)
        .expect("begin");
    let health = if health_ok { "succeeded" } else { "failed" };
    let events = [
        timed("api/deploy", "started", 0, None),
        timed("api/deploy", "succeeded", 1200, Some(1200)),
        timed("api/health", "started", 1200, None),
        timed("api/health", health, 1500, Some(300)),
    ];
    db.append_timed_events(id, &events).expect("events");
    let mut a = applied(port);
    if !health_ok {
        a.status = AppliedStatus::Deployed;
    }
    db.record_applied_in_run(id, "api", &a).expect("record");
    let outcome = if health_ok { "succeeded" } else { "failed" };
    db.finish_run_timed(id, "2026-11-26T08:00:02Z", outcome, 1500)
        .expect("finish");
    id
}

#[test]
fn runs_record_who_plan_hash_counts_and_config_before_and_after() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut db = StateDb::open(&dir.path().join("state.db")).expect("open");
    let first = run(&mut db, "create", 8080, true);
    let second = run(&mut db, "update", 8081, true);
    assert_eq!((first, second), (1, 2));

    let all = db.history(None, 10).expect("history");
    assert_eq!(all.iter().map(|r| r.id).collect::<Vec<_>>(), vec![2, 1]);
    let latest = &all[0];
    assert_eq!(latest.who.as_deref(), Some("ops@laptop"));
    assert_eq!(latest.plan_hash.as_deref(), Some("sha256:plan8081"));
    assert_eq!(latest.outcome, "succeeded");
    assert_eq!(latest.duration_ms, Some(1500));
    assert_eq!(latest.counts.succeeded, 2);
    let api = &latest.services[0];
    assert_eq!(
        (api.action.as_str(), api.status.as_str()),
        ("update", "applied")
    );
    assert_eq!(api.hash_before, Some(applied(8080).config_hash));
    assert_eq!(api.hash_after, Some(applied(8081).config_hash));
    assert_eq!(api.reasons, vec!["port changed".to_string()]);
    assert_eq!(
        all[1].services[0].hash_before, None,
        "created: nothing before"
    );

    assert_eq!(db.history(None, 1).expect("limit").len(), 1);
    assert_eq!(db.history(Some("api"), 10).expect("api").len(), 2);
    assert!(db.history(Some("db"), 10).expect("db").is_empty());
}

#[test]
fn config_at_answers_as_of_each_run_and_forgets_removed_services() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut db = StateDb::open(&dir.path().join("state.db")).expect("open");
    run(&mut db, "create", 8080, true);
    run(&mut db, "update", 8081, true);
    let port = |run: i64| {
        db.config_at("api", run)
            .expect("config_at")
            .and_then(|c| c.port)
    };
    assert_eq!(port(1), Some(8080));
    assert_eq!(port(2), Some(8081));
    assert_eq!(port(99), Some(8081), "a later run that did not touch it");
    assert_eq!(port(0), None, "before any run");
    let config = db.config_at("api", 1).expect("ok").expect("some");
    assert_eq!(
        config.secrets.get("API_TOKEN").map(String::as_str),
        Some("kv/api#token")
    );

    // A run that plans a change but dies before recording it changes nothing as of then.
    let origin = RunOrigin {
        who: user_at_host(),
        plan_hash: "sha256:x".into(),
    };
    let planned = [PlannedService {
        service: "api".into(),
        action: "delete".into(),
        reasons: Vec::new(),
    }];
    let killed = db
        .begin_run_for("2026-11-26T09:00:00Z", &origin, &[], &planned)
        .expect("begin");
    assert_eq!(
        db.config_at("api", killed)
            .expect("ok")
            .and_then(|c| c.port),
        Some(8081)
    );
    let summary = db.history(Some("api"), 1).expect("history");
    assert_eq!(summary[0].outcome, "running");
    assert_eq!(summary[0].services[0].status, "planned");

    db.record_removed_in_run(killed, "api", "2026-11-26T09:00:01Z")
        .expect("removed");
    assert_eq!(db.config_at("api", killed).expect("ok"), None, "removed");
    assert!(db.recorded().expect("recorded").services.is_empty());
    assert!(user_at_host().contains('@'));
}

#[test]
fn a_failed_run_shows_its_failed_node_and_the_critical_path() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut db = StateDb::open(&dir.path().join("state.db")).expect("open");
    let id = run(&mut db, "create", 8080, false);
    let detail = db.run_detail(id).expect("detail").expect("exists");
    assert_eq!(detail.summary.outcome, "failed");
    assert_eq!(detail.summary.counts.failed, 1);
    assert_eq!(detail.summary.services[0].status, "deployed");
    let ids: Vec<&str> = detail.nodes.iter().map(|n| n.node_id.as_str()).collect();
    assert_eq!(ids, vec!["api/deploy", "api/health"]);
    let health = &detail.nodes[1];
    assert_eq!(health.outcome, "failed");
    assert_eq!(
        (health.started_ms, health.duration_ms),
        (Some(1200), Some(300))
    );
    assert_eq!(health.message, "failed message");
    let (path, total) = detail.critical_path();
    assert_eq!(
        path,
        vec!["api/deploy".to_string(), "api/health".to_string()]
    );
    assert_eq!(total, 1500);
    assert_eq!(db.run_detail(42).expect("ok"), None);
}
