//! The terminal rendering: terraform-like markers, grouped per host, no-op services folded
//! into a count, the summary line last.

use crate::model::{Action, Node, Plan};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;

pub(crate) const NO_CHANGES: &str = "No changes. The fleet matches the registry.";

fn paint(text: &str, code: &str, color: bool) -> String {
    if color {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

fn action_color(action: Action) -> &'static str {
    match action {
        Action::Create => "32",
        Action::Update => "33",
        Action::Replace => "35",
        Action::Migrate => "36",
        Action::Delete => "31",
        Action::NoOp => "2",
    }
}

/// `+` lines green, `-` lines red, hunk headers cyan, the rest plain.
fn diff_color(line: &str) -> &'static str {
    match line.chars().next() {
        Some('+') if !line.starts_with("+++") => "32",
        Some('-') if !line.starts_with("---") => "31",
        Some('@') => "36",
        _ => "0",
    }
}

/// One entry to print under a host: a service change or the Caddy reload.
pub(crate) struct Item<'a> {
    pub title: String,
    pub action: Action,
    pub note: Option<String>,
    pub reasons: &'a [String],
    pub steps: Vec<&'a str>,
    /// A configuration diff (the Caddy node's Caddyfile).
    pub diff: Option<&'a str>,
}

/// Changed services and the Caddy node, grouped by host (hosts sorted, plan order inside).
pub(crate) fn by_host(plan: &Plan) -> BTreeMap<&str, Vec<Item<'_>>> {
    // Steps per service in one pass over the nodes: looking them up per change would be
    // quadratic (5,000 services have 20,000 nodes).
    let mut steps: HashMap<&str, Vec<&str>> = HashMap::new();
    for node in &plan.nodes {
        if let Some(service) = node.service.as_deref() {
            steps.entry(service).or_default().push(step_name(node));
        }
    }
    let mut hosts: BTreeMap<&str, Vec<Item<'_>>> = BTreeMap::new();
    for change in plan.changes.iter().filter(|c| c.action != Action::NoOp) {
        let item = Item {
            title: change.service.clone(),
            action: change.action,
            note: change.previous_host.as_ref().map(|h| format!("from {h}")),
            reasons: &change.reasons,
            steps: steps.remove(change.service.as_str()).unwrap_or_default(),
            diff: None,
        };
        hosts.entry(change.host.as_str()).or_default().push(item);
    }
    for node in plan
        .nodes
        .iter()
        .filter(|n| n.service.is_none() && n.action != Action::NoOp)
    {
        hosts.entry(node.host.as_str()).or_default().push(Item {
            title: node.id.clone(),
            action: node.action,
            note: None,
            reasons: &node.reasons,
            steps: Vec::new(),
            diff: node.diff.as_deref(),
        });
    }
    hosts
}

/// `api/deploy` → `deploy`.
fn step_name(node: &Node) -> &str {
    node.id
        .rsplit_once('/')
        .map_or(node.id.as_str(), |(_, s)| s)
}

pub fn human(plan: &Plan, color: bool) -> String {
    let mut out = String::new();
    if !plan.has_changes() {
        let _ = writeln!(out, "{NO_CHANGES}");
        return out;
    }
    let _ = writeln!(out, "portoser will perform these actions:");
    for (host, items) in by_host(plan) {
        let _ = writeln!(out, "\n{}", paint(host, "1", color));
        for item in items {
            let marker = paint(item.action.symbol(), action_color(item.action), color);
            let note = item.note.map(|n| format!(" {n}")).unwrap_or_default();
            let _ = writeln!(out, "  {marker} {}  {}{note}", item.title, item.action);
            for reason in item.reasons {
                let _ = writeln!(out, "      {reason}");
            }
            if !item.steps.is_empty() {
                let _ = writeln!(out, "      steps: {}", item.steps.join(" → "));
            }
            for line in item.diff.into_iter().flat_map(str::lines) {
                let _ = writeln!(out, "        {}", paint(line, diff_color(line), color));
            }
        }
    }
    let summary = plan.summary();
    if summary.unchanged > 0 {
        let s = if summary.unchanged == 1 { "" } else { "s" };
        let _ = writeln!(
            out,
            "\n{} unchanged service{s} not shown.",
            summary.unchanged
        );
    }
    let _ = writeln!(out, "\n{summary}");
    out
}
