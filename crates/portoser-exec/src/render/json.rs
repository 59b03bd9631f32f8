//! The `--format json` stream: one object per event, one for the report at the end.

use crate::report::{Outcome, RunReport, StateChange};
use crate::{Event, EventKind};
use serde_json::{Value, json};
use std::time::Duration;

fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

pub fn event_json(event: &Event) -> Value {
    let mut v = json!({
        "type": "event",
        "at": event.at,
        "elapsed_ms": ms(event.elapsed),
        "node": event.node,
        "event": event.kind.as_str(),
    });
    let extra = match &event.kind {
        EventKind::Started => json!({}),
        EventKind::Succeeded { duration, message } => {
            json!({ "duration_ms": ms(*duration), "message": message })
        }
        EventKind::Failed { duration, error } => json!({
            "duration_ms": ms(*duration), "error": error.message, "notes": error.notes,
        }),
        EventKind::Skipped { because } => json!({ "because": because }),
        EventKind::Cancelled { was_running } => json!({ "was_running": was_running }),
    };
    if let (Some(obj), Value::Object(extra)) = (v.as_object_mut(), extra) {
        obj.extend(extra);
    }
    v
}

pub fn report_json(report: &RunReport) -> Value {
    let t = report.totals();
    let path = report.critical_path();
    let nodes: Vec<Value> = report
        .nodes
        .iter()
        .map(|n| {
            let mut v = json!({
                "id": n.id, "service": n.service, "host": n.host, "kind": n.kind.as_str(),
                "outcome": n.outcome.as_str(),
                "started_ms": n.started.map(ms), "duration_ms": n.duration.map(ms),
            });
            let extra = match &n.outcome {
                Outcome::Failed(f) => json!({
                    "error": f.message, "notes": f.notes,
                    "recovery": f.recovery.map(|r| match r {
                        crate::Recovery::RolledBack => "rolled-back",
                        crate::Recovery::Stopped => "stopped",
                    }),
                }),
                Outcome::Skipped { because } => json!({ "because": because }),
                Outcome::Succeeded { message: Some(m) } => json!({ "message": m }),
                _ => json!({}),
            };
            if let (Some(obj), Value::Object(extra)) = (v.as_object_mut(), extra) {
                obj.extend(extra);
            }
            v
        })
        .collect();
    let changes: Vec<Value> = report
        .state_changes
        .iter()
        .map(|c| match c {
            StateChange::Applied { service, serial } => {
                json!({ "service": service, "change": "applied", "serial": serial })
            }
            StateChange::Deployed { service, serial } => {
                json!({ "service": service, "change": "deployed", "serial": serial })
            }
            StateChange::Removed { service, serial } => {
                json!({ "service": service, "change": "removed", "serial": serial })
            }
        })
        .collect();
    json!({
        "type": "report",
        "run_id": report.run_id,
        "outcome": report.outcome().as_str(),
        "started_at": report.started_at,
        "finished_at": report.finished_at,
        "duration_ms": ms(report.duration),
        "totals": {
            "succeeded": t.succeeded, "failed": t.failed, "skipped": t.skipped,
            "cancelled": t.cancelled, "unchanged": t.unchanged,
        },
        "nodes": nodes,
        "state_changes": changes,
        "state_errors": report.state_errors,
        "critical_path": { "nodes": path.nodes, "duration_ms": ms(path.total) },
    })
}
