//! Progress for the CLI: plain lines, a JSON event stream, an indicatif view for terminals,
//! and the end-of-run summary.

mod json;
mod plain;
mod terminal;

pub use json::{event_json, report_json};
pub use plain::{plain_line, summary};
pub use terminal::TerminalProgress;

use crate::Event;
use std::io::Write;
use std::time::Duration;
use tokio::sync::mpsc::Receiver;

/// `0.4s`, `12.0s`, `2m05s`.
pub fn secs(d: Duration) -> String {
    let total = d.as_secs_f64();
    if total < 60.0 {
        format!("{total:.1}s")
    } else {
        let whole = d.as_secs();
        format!("{}m{:02}s", whole / 60, whole % 60)
    }
}

/// How `follow` shows events.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// One line per event on stdout (not a terminal, `--format plain`).
    Plain,
    /// One JSON object per line on stdout (`--format json`).
    Json,
    /// indicatif bars on stderr, finished nodes printed above them; `total` is the number
    /// of nodes that will run (`plan.nodes` whose action is not no-op).
    Terminal { total: u64 },
}

/// Consumes the event stream until the sender is dropped (spawn it beside `apply`).
pub async fn follow(mut events: Receiver<Event>, style: Style) {
    let mut terminal = match style {
        Style::Terminal { total } => Some(TerminalProgress::new(total)),
        _ => None,
    };
    while let Some(event) = events.recv().await {
        match (&mut terminal, style) {
            (Some(t), _) => t.handle(&event),
            (None, Style::Json) => print_line(&event_json(&event).to_string()),
            (None, _) => print_line(&plain_line(&event)),
        }
    }
    if let Some(t) = terminal {
        t.finish();
    }
}

fn print_line(line: &str) {
    // A closed stdout (`| head`) must not panic the run; the history has everything.
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
}
