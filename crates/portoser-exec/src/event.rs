//! What the scheduler tells the progress UI and the run history while it runs.

use crate::NodeFailure;
use std::time::Duration;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// Wall clock, RFC 3339 UTC (`2026-11-26T08:00:01Z`).
    pub at: String,
    /// Since the run started (monotonic).
    pub elapsed: Duration,
    /// The node id (`api/deploy`).
    pub node: String,
    pub kind: EventKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EventKind {
    Started,
    Succeeded {
        duration: Duration,
        message: Option<String>,
    },
    Failed {
        duration: Duration,
        error: NodeFailure,
    },
    /// Not run because a node it waits for failed (named here).
    Skipped {
        because: String,
    },
    /// Not started after Ctrl-C, or aborted while running.
    Cancelled {
        was_running: bool,
    },
}

impl EventKind {
    /// The word stored in the run history and the JSON stream.
    pub fn as_str(&self) -> &'static str {
        match self {
            EventKind::Started => "started",
            EventKind::Succeeded { .. } => "succeeded",
            EventKind::Failed { .. } => "failed",
            EventKind::Skipped { .. } => "skipped",
            EventKind::Cancelled { .. } => "cancelled",
        }
    }

    /// One line for the run history.
    pub fn message(&self) -> String {
        match self {
            EventKind::Started => String::new(),
            EventKind::Succeeded { duration, message } => match message {
                Some(m) => format!("{} ({m})", crate::render::secs(*duration)),
                None => crate::render::secs(*duration),
            },
            EventKind::Failed { error, .. } => {
                let mut out = error.message.clone();
                for note in &error.notes {
                    out.push_str("\n  ");
                    out.push_str(note);
                }
                out
            }
            EventKind::Skipped { because } => format!("{because} failed"),
            EventKind::Cancelled { was_running: true } => "aborted while running".to_string(),
            EventKind::Cancelled { was_running: false } => "not started".to_string(),
        }
    }
}
