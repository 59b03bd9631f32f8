//! For a pull-request comment: a summary line, then a section per host; long sections and
//! the list of unchanged services are collapsed in `<details>`.
//!
//! Everything from the registry (names, reasons naming files and routes) is escaped: a `|`
//! or a newline would break the table, `<`/`>` could open HTML (`</details>`), `@` would
//! mention a user or a team, and a backtick would end a code span. The plan holds no secret
//! value (reasons name env variables and secret references, never their values).

use super::human::{NO_CHANGES, by_host};
use crate::model::{Action, Plan, Summary};
use std::fmt::Write;

/// Sections with more rows than this are collapsed.
const COLLAPSE_AFTER: usize = 10;

/// Text in a table cell or in HTML: no table breaks, no tags, no mentions.
fn cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '|' => out.push_str("\\|"),
            '\n' | '\r' => out.push(' '),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '@' => out.push_str("&#64;"),
            '`' => out.push_str("&#96;"),
            _ => out.push(c),
        }
    }
    out
}

/// A code span: entities are not decoded inside one, so only `|`, newlines and backticks
/// need care (a fence longer than any run of backticks inside).
fn code(text: &str) -> String {
    let text = text.replace('|', "\\|").replace(['\n', '\r'], " ");
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    if longest == 0 {
        return format!("`{text}`");
    }
    let fence = "`".repeat(longest + 1);
    format!("{fence} {text} {fence}")
}

/// A node's configuration diff, collapsed, in a `diff` code block whose fence is longer than
/// any run of backticks inside (nothing in a code block is a mention or HTML).
fn diff_block(title: &str, diff: &str) -> String {
    let longest = diff.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    format!(
        "\n<details><summary>{} diff</summary>\n\n{fence}diff\n{diff}\n{fence}\n\n</details>\n",
        cell(title)
    )
}

/// `Plan: 6 to create on 3 hosts; 2 unchanged.`: only the counts that are not zero.
fn summary_line(summary: &Summary, hosts: usize) -> String {
    let parts: Vec<String> = [
        (summary.create, "to create"),
        (summary.update, "to update"),
        (summary.replace, "to replace"),
        (summary.migrate, "to migrate"),
        (summary.delete, "to delete"),
    ]
    .iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, what)| format!("{n} {what}"))
    .collect();
    // Only the Caddy node changes: no service counts, still a change.
    let changes = if parts.is_empty() {
        "ingress changes".to_string()
    } else {
        parts.join(", ")
    };
    let on = if hosts == 1 { "host" } else { "hosts" };
    let unchanged = match summary.unchanged {
        0 => String::new(),
        n => format!("; {n} unchanged"),
    };
    format!("Plan: {changes} on {hosts} {on}{unchanged}.")
}

pub fn markdown(plan: &Plan) -> String {
    let mut out = String::new();
    let summary = plan.summary();
    if !plan.has_changes() {
        let _ = writeln!(out, "**{NO_CHANGES}** ({} services)", summary.unchanged);
        return out;
    }
    let hosts = by_host(plan);
    let _ = writeln!(out, "**{}**", summary_line(&summary, hosts.len()));
    for (host, items) in hosts {
        let mut table = String::from("| | service | action | changes |\n|---|---|---|---|\n");
        for item in &items {
            let note = item
                .note
                .as_ref()
                .map(|n| format!(" ({})", cell(n)))
                .unwrap_or_default();
            let _ = writeln!(
                table,
                "| `{}` | {} | {}{note} | {} |",
                item.action.symbol(),
                code(&item.title),
                item.action,
                cell(&item.reasons.join("; "))
            );
        }
        let diffs: String = items
            .iter()
            .filter_map(|item| Some(diff_block(&item.title, item.diff?)))
            .collect();
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
        out.push_str(&diffs);
    }
    let unchanged: Vec<String> = plan
        .changes
        .iter()
        .filter(|c| c.action == Action::NoOp)
        .map(|c| code(&c.service))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_text_stays_text() {
        assert_eq!(
            cell("a|b\n</details><img src=x> @org/team `x` & co"),
            "a\\|b &lt;/details&gt;&lt;img src=x&gt; &#64;org/team &#96;x&#96; &amp; co"
        );
        assert_eq!(code("web"), "`web`");
        assert_eq!(code("a`b|c"), "`` a`b\\|c ``");
        assert_eq!(code("x``y"), "``` x``y ```");
    }

    #[test]
    fn a_diff_block_cannot_be_closed_from_inside() {
        let block = diff_block("caddy/reload", "+a ```` b\n-c");
        assert!(
            block.contains("`````diff\n+a ```` b\n-c\n`````\n"),
            "{block}"
        );
        assert!(block.contains("<summary>caddy/reload diff</summary>"));
    }

    #[test]
    fn the_summary_names_only_what_happens() {
        let summary = Summary {
            create: 2,
            delete: 1,
            unchanged: 4,
            ..Summary::default()
        };
        assert_eq!(
            summary_line(&summary, 1),
            "Plan: 2 to create, 1 to delete on 1 host; 4 unchanged."
        );
    }
}
