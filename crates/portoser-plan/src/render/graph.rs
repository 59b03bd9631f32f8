//! `portoser graph`: Graphviz DOT and Mermaid, nodes in plan order, edges sorted.

use crate::model::{Action, Plan};
use std::collections::HashMap;
use std::fmt::Write;

fn dot_color(action: Action) -> &'static str {
    match action {
        Action::Create => "palegreen",
        Action::Update => "khaki",
        Action::Replace => "plum",
        Action::Migrate => "lightblue",
        Action::Delete => "lightpink",
        Action::NoOp => "white",
    }
}

fn quote(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

pub fn dot(plan: &Plan) -> String {
    let mut out =
        String::from("digraph plan {\n  rankdir=LR;\n  node [shape=box, style=filled];\n");
    for node in &plan.nodes {
        let label = format!("{}\\n{} on {}", node.id, node.action, node.host);
        let _ = writeln!(
            out,
            "  {} [label={}, fillcolor={}];",
            quote(&node.id),
            quote(&label).replace("\\\\n", "\\n"),
            dot_color(node.action)
        );
    }
    for node in &plan.nodes {
        for dep in &node.depends_on {
            let _ = writeln!(out, "  {} -> {};", quote(dep), quote(&node.id));
        }
    }
    out.push_str("}\n");
    out
}

pub fn mermaid(plan: &Plan) -> String {
    // Mermaid ids must be plain words: number nodes in plan order.
    let ids: HashMap<&str, String> = plan
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.id.as_str(), format!("n{i}")))
        .collect();
    let mut out = String::from("flowchart LR\n");
    for (i, node) in plan.nodes.iter().enumerate() {
        let label =
            format!("{}<br/>{} on {}", node.id, node.action, node.host).replace('"', "#quot;");
        let _ = writeln!(out, "  n{i}[\"{label}\"]:::{}", class(node.action));
    }
    for node in &plan.nodes {
        for dep in &node.depends_on {
            if let (Some(from), Some(to)) = (ids.get(dep.as_str()), ids.get(node.id.as_str())) {
                let _ = writeln!(out, "  {from} --> {to}");
            }
        }
    }
    for action in [
        Action::Create,
        Action::Update,
        Action::Replace,
        Action::Migrate,
        Action::Delete,
        Action::NoOp,
    ] {
        let _ = writeln!(
            out,
            "  classDef {} fill:{}",
            class(action),
            mermaid_fill(action)
        );
    }
    out
}

fn class(action: Action) -> &'static str {
    match action {
        Action::NoOp => "noop",
        other => other.as_str(),
    }
}

fn mermaid_fill(action: Action) -> &'static str {
    match action {
        Action::Create => "#cfc",
        Action::Update => "#ffc",
        Action::Replace => "#fcf",
        Action::Migrate => "#cef",
        Action::Delete => "#fcc",
        Action::NoOp => "#fff",
    }
}
