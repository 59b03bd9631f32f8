//! What the user reads: plain progress lines, the JSON stream, the end-of-run summary.

mod common;

use common::*;
use portoser_exec::fake::FakeRunner;
use portoser_exec::render::{event_json, plain_line, report_json, summary};
use portoser_exec::{ApplyOptions, Event, EventKind, NodeFailure};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

fn at(kind: EventKind, node: &str) -> Event {
    Event {
        at: "2026-11-26T12:00:01Z".into(),
        elapsed: Duration::from_millis(1200),
        node: node.into(),
        kind,
    }
}

fn events() -> Vec<Event> {
    vec![
        at(EventKind::Started, "api/deploy"),
        at(
            EventKind::Succeeded {
                duration: Duration::from_millis(1234),
                message: None,
            },
            "api/deploy",
        ),
        at(
            EventKind::Succeeded {
                duration: Duration::from_millis(800),
                message: Some("healthy after 0.8s".into()),
            },
            "api/health",
        ),
        at(
            EventKind::Failed {
                duration: Duration::from_secs(125),
                error: NodeFailure::new("`db` is not healthy on `pi2`")
                    .with_note("not healthy after 3 checks in 30.0s: connection refused"),
            },
            "db/health",
        ),
        at(
            EventKind::Skipped {
                because: "db/health".into(),
            },
            "web/deploy",
        ),
        at(EventKind::Cancelled { was_running: false }, "cache/deploy"),
        at(EventKind::Cancelled { was_running: true }, "queue/deploy"),
    ]
}

#[test]
fn plain_lines() {
    let lines: Vec<String> = events().iter().map(plain_line).collect();
    insta::assert_snapshot!(lines.join("\n"));
}

#[test]
fn json_lines_are_one_object_each() {
    let lines: Vec<String> = events().iter().map(|e| event_json(e).to_string()).collect();
    for line in &lines {
        assert!(!line.contains('\n'));
        let back: serde_json::Value = serde_json::from_str(line).expect("valid JSON");
        assert_eq!(back["type"], "event");
    }
    insta::assert_snapshot!(lines.join("\n"));
}

#[tokio::test(start_paused = true)]
async fn the_summary_of_a_failed_run() {
    let plan = hand_plan(vec![
        node("db/deploy", "pi1", &[]),
        node("db/health", "pi1", &["db/deploy"]),
        node("api/deploy", "pi2", &["db/health"]),
        node("metrics/deploy", "pi2", &[]),
    ]);
    let runner = Arc::new(FakeRunner::new(Duration::from_millis(1500)).fail(
        "db/health",
        Duration::from_millis(3000),
        "`db` is not healthy on `pi1`",
    ));
    let mut st = state();
    let (report, _) = run(
        &plan,
        &BTreeMap::new(),
        runner,
        &mut st.db,
        &ApplyOptions::default(),
    )
    .await;
    insta::assert_snapshot!(summary(&report));
    let json = report_json(&report);
    assert_eq!(json["outcome"], "failed");
    assert_eq!(json["totals"]["skipped"], 1);
    assert_eq!(
        json["critical_path"]["nodes"],
        serde_json::json!(["db/deploy", "db/health"])
    );
    assert_eq!(json["critical_path"]["duration_ms"], 4500);
}
