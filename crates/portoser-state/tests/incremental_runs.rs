//! Run history written as it happens (`begin_run` / `append_timed_events` / `finish_run`), so a
//! run killed mid-way leaves its events up to the last flush.

use portoser_state::{RunEvent, StateDb, TimedEvent};

fn event(node: &str, kind: &str) -> TimedEvent {
    TimedEvent {
        event: RunEvent {
            node_id: node.to_string(),
            event: kind.to_string(),
            at: "2026-11-26T08:00:00Z".to_string(),
            message: String::new(),
        },
        elapsed_ms: None,
        duration_ms: None,
    }
}

#[test]
fn a_run_is_readable_while_it_runs_and_closed_at_the_end() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("state.db");
    let mut db = StateDb::open(&path).expect("open");
    let serial = db.serial().expect("serial");
    let id = db.begin_run("2026-11-26T08:00:00Z").expect("begin");
    db.append_timed_events(id, &[event("api/deploy", "started")])
        .expect("first batch");
    db.append_timed_events(
        id,
        &[
            event("api/deploy", "succeeded"),
            event("api/health", "started"),
        ],
    )
    .expect("second batch");

    // Another connection (a `portoser status` while apply runs, or after a SIGKILL) sees it.
    let reader = StateDb::open(&path).expect("reopen");
    let run = reader.run(id).expect("read").expect("the run exists");
    assert_eq!(run.outcome, "running");
    assert_eq!(run.finished_at, None);
    let seen: Vec<(&str, &str)> = run
        .events
        .iter()
        .map(|e| (e.node_id.as_str(), e.event.as_str()))
        .collect();
    assert_eq!(
        seen,
        [
            ("api/deploy", "started"),
            ("api/deploy", "succeeded"),
            ("api/health", "started")
        ]
    );

    db.finish_run(id, "2026-11-26T08:00:05Z", "failed")
        .expect("finish");
    let run = db.run(id).expect("read").expect("the run exists");
    assert_eq!(run.outcome, "failed");
    assert_eq!(run.finished_at.as_deref(), Some("2026-11-26T08:00:05Z"));
    assert_eq!(run.events.len(), 3);
    assert_eq!(
        db.serial().expect("serial"),
        serial,
        "history is not applied state"
    );
}
