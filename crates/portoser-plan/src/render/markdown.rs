//! For a pull-request comment: a summary line, then a section per host; long sections and
//! the list of unchanged services are collapsed in `<details>`.

use super::human::{NO_CHANGES, by_host};
use crate::model::{Action, Plan};
use std::fmt::Write;

/// Sections with more rows than this are collapsed.
const COLLAPSE_AFTER: usize = 10;

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

pub fn markdown(plan: &Plan) -> String {
    let mut out = String::new();
    let summary = plan.summary();
    if !plan.has_changes() {
        let _ = writeln!(out, "**{NO_CHANGES}** ({} services)", summary.unchanged);
        return out;
    }
    let _ = writeln!(out, "**{summary}**");
    for (host, items) in by_host(plan) {
        let mut table = String::from("| | service | action | changes |\n|---|---|---|---|\n");
        for item in &items {
            let note = item
                .note
                .as_ref()
                .map(|n| format!(" ({n})"))
                .unwrap_or_default();
            let _ = writeln!(
                table,
                "| `{}` | `{}` | {}{note} | {} |",
                item.action.symbol(),
                cell(&item.title),
                item.action,
                cell(&item.reasons.join("; "))
            );
        }
        if items.len() > COLLAPSE_AFTER {
            let _ = write!(
                out,
                "\n<details><summary><b>{}</b>: {} changes</summary>\n\n{table}\n</details>\n",
                cell(host),
                items.len()
            );
        } else {
            let _ = write!(out, "\n### {}\n\n{table}", cell(host));
        }
    }
    let unchanged: Vec<String> = plan
        .changes
        .iter()
        .filter(|c| c.action == Action::NoOp)
        .map(|c| format!("`{}`", cell(&c.service)))
        .collect();
    if !unchanged.is_empty() {
        let _ = write!(
            out,
            "\n<details><summary>{} unchanged</summary>\n\n{}\n\n</details>\n",
            unchanged.len(),
            unchanged.join(", ")
        );
    }
    out
}
