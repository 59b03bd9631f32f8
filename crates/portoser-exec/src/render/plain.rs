//! Plain text: one line per event, and the summary at the end.

use super::secs;
use crate::report::{Outcome, RunOutcome, RunReport, StateChange};
use crate::{Event, EventKind};
use std::fmt::Write;

/// `[12:00:01] api/deploy ✓ 1.2s` (UTC wall clock).
pub fn plain_line(event: &Event) -> String {
    let clock = event.at.get(11..19).unwrap_or("--:--:--");
    let what = match &event.kind {
        EventKind::Started => "started".to_string(),
        EventKind::Succeeded { duration, message } => match message {
            Some(m) => format!("✓ {} ({m})", secs(*duration)),
            None => format!("✓ {}", secs(*duration)),
        },
        EventKind::Failed { duration, error } => {
            let mut s = format!("✗ {}: {}", secs(*duration), error.message);
            for note in &error.notes {
                for line in note.lines() {
                    let _ = write!(s, "\n    {line}");
                }
            }
            s
        }
        EventKind::Skipped { because } => format!("skipped ({because} failed)"),
        EventKind::Cancelled { was_running: true } => "cancelled (aborted while running)".into(),
        EventKind::Cancelled { was_running: false } => "cancelled (not started)".into(),
    };
    format!("[{clock}] {} {what}", event.node)
}

/// The end-of-run summary: outcome and totals, failures, per-node durations, state changes,
/// the critical path.
pub fn summary(report: &RunReport) -> String {
    let t = report.totals();
    let mut out = String::new();
    let head = match report.outcome() {
        RunOutcome::NothingToDo => {
            return "No changes: every service is as recorded; nothing was run.\n".to_string();
        }
        RunOutcome::Succeeded => "Apply complete",
        RunOutcome::Failed if report.only_rolled_back() => "Apply rolled back",
        RunOutcome::Failed => "Apply failed",
        RunOutcome::Cancelled => "Apply cancelled",
    };
    let _ = writeln!(
        out,
        "{head}: {} succeeded, {} failed, {} skipped, {} cancelled, {} unchanged in {}.",
        t.succeeded,
        t.failed,
        t.skipped,
        t.cancelled,
        t.unchanged,
        secs(report.duration)
    );
    let width = report.nodes.iter().map(|n| n.id.len()).max().unwrap_or(0);
    let ran: Vec<_> = report
        .nodes
        .iter()
        .filter(|n| n.outcome != Outcome::Unchanged)
        .collect();
    if !ran.is_empty() {
        out.push('\n');
    }
    for node in ran {
        let took = node.duration.map(secs).unwrap_or_default();
        let detail = match &node.outcome {
            Outcome::Succeeded { message: Some(m) } => format!("✓ {took:>6}  {m}"),
            Outcome::Succeeded { message: None } | Outcome::Unchanged => format!("✓ {took:>6}"),
            Outcome::Failed(f) => format!("✗ {took:>6}  {}", f.message),
            Outcome::Skipped { because } => format!("- {:>6}  skipped: {because} failed", ""),
            Outcome::Cancelled { was_running } => {
                let why = if *was_running {
                    "aborted"
                } else {
                    "not started"
                };
                format!("- {took:>6}  cancelled ({why})")
            }
        };
        let _ = writeln!(out, "  {:<width$}  {:<10}  {detail}", node.id, node.host);
    }
    if !report.state_changes.is_empty() {
        let names: Vec<String> = report
            .state_changes
            .iter()
            .map(|c| match c {
                StateChange::Applied { service, .. } => service.clone(),
                StateChange::Deployed { service, .. } => format!("{service} (deployed only)"),
                StateChange::Removed { service, .. } => format!("-{service}"),
            })
            .collect();
        let _ = writeln!(out, "\nRecorded: {}", names.join(", "));
    }
    for e in &report.state_errors {
        let _ = writeln!(out, "\nState: {e}");
    }
    let path = report.critical_path();
    if path.nodes.len() > 1 {
        let _ = writeln!(
            out,
            "\nCritical path ({}): {}",
            secs(path.total),
            path.nodes.join(" → ")
        );
    }
    out
}
