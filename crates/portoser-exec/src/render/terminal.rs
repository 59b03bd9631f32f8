//! indicatif on a terminal: an overall bar, a spinner per running node, finished nodes
//! printed above the bars as plain lines.

use super::plain_line;
use crate::{Event, EventKind};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use std::collections::HashMap;
use std::time::Duration;

pub struct TerminalProgress {
    multi: MultiProgress,
    overall: ProgressBar,
    running: HashMap<String, ProgressBar>,
}

impl TerminalProgress {
    pub fn new(total: u64) -> Self {
        let multi = MultiProgress::new();
        let overall = multi.add(ProgressBar::new(total));
        // The templates are constants; a bad one would fall back to the default look.
        if let Ok(style) = ProgressStyle::with_template("{bar:30} {pos}/{len} nodes {elapsed}") {
            overall.set_style(style);
        }
        TerminalProgress {
            multi,
            overall,
            running: HashMap::new(),
        }
    }

    pub fn handle(&mut self, event: &Event) {
        match &event.kind {
            EventKind::Started => {
                let bar = self.multi.add(ProgressBar::new_spinner());
                if let Ok(style) = ProgressStyle::with_template("  {spinner} {msg} {elapsed}") {
                    bar.set_style(style);
                }
                bar.set_message(event.node.clone());
                bar.enable_steady_tick(Duration::from_millis(120));
                self.running.insert(event.node.clone(), bar);
            }
            _ => {
                if let Some(bar) = self.running.remove(&event.node) {
                    bar.finish_and_clear();
                    self.multi.remove(&bar);
                }
                self.overall.inc(1);
                let _ = self.multi.println(plain_line(event));
            }
        }
    }

    pub fn finish(self) {
        for bar in self.running.values() {
            bar.finish_and_clear();
        }
        self.overall.finish_and_clear();
    }
}
