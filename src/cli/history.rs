//! `portoser history [SERVICE]` and `portoser history show ID`: the runs recorded in the
//! state, read-only. Configurations appear as hashes only (with the plan's reasons, which
//! name fields, never values), so no environment or secret value is ever printed.

use super::{Exit, Output};
use crate::project::ProjectPaths;
use clap::{Args, Subcommand, ValueEnum};
use portoser_state::{NodeRecord, RunDetail, RunSummary, ServiceChange, StateDb};
use serde_json::{Value, json};

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct HistoryArgs {
    #[command(subcommand)]
    pub cmd: Option<HistoryCommand>,
    /// Only the runs that touched this service, with what they did to it
    pub service: Option<String>,
    /// At most this many runs, newest first
    #[arg(short = 'n', long = "limit", default_value_t = 20)]
    pub limit: usize,
    #[arg(long, value_enum, default_value_t = HistoryFormat::Human)]
    pub format: HistoryFormat,
}

#[derive(Debug, Subcommand)]
pub enum HistoryCommand {
    /// One run: its nodes in order with timings and outcome, its config changes
    Show {
        /// The run id (from `portoser history`)
        id: i64,
        #[arg(long, value_enum, default_value_t = HistoryFormat::Human)]
        format: HistoryFormat,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum HistoryFormat {
    Human,
    Json,
}

pub fn run(paths: &ProjectPaths, args: &HistoryArgs, out: &Output) -> Exit {
    let db = match StateDb::open_read_only(&paths.state_db()) {
        Ok(db) => db,
        Err(e) => {
            out.stderr(&format!("error[{}]: {e}", e.code()));
            return Exit::Problems;
        }
    };
    match &args.cmd {
        Some(HistoryCommand::Show { id, format }) => show(db.as_ref(), *id, *format, out),
        None => list(db.as_ref(), args, out),
    }
}

fn list(db: Option<&StateDb>, args: &HistoryArgs, out: &Output) -> Exit {
    let runs = match db.map(|db| db.history(args.service.as_deref(), args.limit)) {
        None => Vec::new(),
        Some(Ok(runs)) => runs,
        Some(Err(e)) => {
            out.stderr(&format!("error: {e}"));
            return Exit::Problems;
        }
    };
    match args.format {
        HistoryFormat::Json => {
            let v: Vec<Value> = runs.iter().map(summary_json).collect();
            out.stdout(&Value::Array(v).to_string());
        }
        HistoryFormat::Human if runs.is_empty() => out.stdout(
            match &args.service {
                Some(s) => format!("no recorded run touched `{s}`"),
                None => "no runs recorded yet".to_string(),
            }
            .as_str(),
        ),
        HistoryFormat::Human => {
            let text: Vec<String> = runs.iter().map(summary_line).collect();
            out.stdout(&text.join("\n"));
        }
    }
    Exit::Ok
}

fn show(db: Option<&StateDb>, id: i64, format: HistoryFormat, out: &Output) -> Exit {
    let detail = match db.map(|db| db.run_detail(id)) {
        Some(Ok(Some(d))) => d,
        Some(Err(e)) => {
            out.stderr(&format!("error: {e}"));
            return Exit::Problems;
        }
        None | Some(Ok(None)) => {
            out.stderr(&format!(
                "error: there is no run {id} in the history\n  help: `portoser history` lists the runs"
            ));
            return Exit::Problems;
        }
    };
    match format {
        HistoryFormat::Json => {
            let mut v = summary_json(&detail.summary);
            let (path, total) = detail.critical_path();
            v["nodes"] = detail.nodes.iter().map(node_json).collect();
            v["critical_path"] = json!({ "nodes": path, "total_ms": total });
            v["heals"] = super::heal::run_heals_json(db, id);
            out.stdout(&v.to_string());
        }
        HistoryFormat::Human => {
            out.stdout(&detail_text(&detail));
            let heals = super::heal::run_heals_text(db, id);
            if !heals.is_empty() {
                out.stdout(&heals);
            }
        }
    }
    Exit::Ok
}

fn ms_text(ms: Option<u64>) -> String {
    match ms {
        Some(ms) => portoser_exec::render::secs(std::time::Duration::from_millis(ms)),
        None => "-".to_string(),
    }
}

/// `sha256:0123abcd…` shortened to 12 hex digits; `none` when absent.
fn short(hash: Option<&str>) -> String {
    match hash {
        Some(h) => h
            .strip_prefix("sha256:")
            .unwrap_or(h)
            .chars()
            .take(12)
            .collect(),
        None => "none".to_string(),
    }
}

fn change_line(c: &ServiceChange) -> String {
    let mut line = format!(
        "{} {}: {} ({}), config {} -> {}",
        c.service,
        c.action,
        status_word(c),
        c.status,
        short(c.hash_before.as_deref()),
        short(c.hash_after.as_deref())
    );
    if !c.reasons.is_empty() {
        line.push_str(&format!(" [{}]", c.reasons.join("; ")));
    }
    line
}

/// What happened, in a word: `created`, `updated`, ... once recorded; `not applied` else.
fn status_word(c: &ServiceChange) -> &'static str {
    match (c.status.as_str(), c.action.as_str()) {
        ("planned", _) => "not applied",
        ("deployed", _) => "deployed only",
        ("rolled-back", _) => "rolled back",
        ("stopped", _) => "stopped",
        ("removed", _) | (_, "delete") => "removed",
        (_, "create") => "created",
        (_, "update") => "updated",
        (_, "replace") => "replaced",
        (_, "migrate") => "migrated",
        _ => "recorded",
    }
}

fn summary_line(r: &RunSummary) -> String {
    let c = r.counts;
    let mut line = format!(
        "run {}  {}  {}  {}  {}  {} succeeded, {} failed, {} skipped, {} cancelled",
        r.id,
        r.started_at,
        r.who.as_deref().unwrap_or("unknown"),
        r.outcome,
        ms_text(r.duration_ms),
        c.succeeded,
        c.failed,
        c.skipped,
        c.cancelled
    );
    for change in &r.services {
        line.push_str("\n    ");
        line.push_str(&change_line(change));
    }
    line
}

fn detail_text(d: &RunDetail) -> String {
    let r = &d.summary;
    let mut out = format!(
        "run {}: {} by {} at {} ({}), plan {}\n",
        r.id,
        r.outcome,
        r.who.as_deref().unwrap_or("unknown"),
        r.started_at,
        ms_text(r.duration_ms),
        short(r.plan_hash.as_deref())
    );
    let width = d.nodes.iter().map(|n| n.node_id.len()).max().unwrap_or(0);
    for n in &d.nodes {
        let start = n.started_ms.map(|s| format!("+{}", ms_text(Some(s))));
        out.push_str(&format!(
            "  {:width$}  {:>7}  {:>6}  {}",
            n.node_id,
            start.unwrap_or_else(|| "-".to_string()),
            ms_text(n.duration_ms),
            n.outcome
        ));
        if let Some(first) = node_message(n) {
            out.push_str(&format!(": {first}"));
        }
        out.push('\n');
    }
    if !r.services.is_empty() {
        out.push_str("changes:\n");
        for c in &r.services {
            out.push_str(&format!("  {}\n", change_line(c)));
        }
    }
    let (path, total) = d.critical_path();
    if !path.is_empty() {
        out.push_str(&format!(
            "critical path: {} ({})\n",
            path.join(" -> "),
            ms_text(Some(total))
        ));
    }
    out
}

/// The first line of a node's message; for a success only what follows its duration
/// (`0.4s (healthy after 0.2s)`), which the line already shows.
fn node_message(n: &NodeRecord) -> Option<&str> {
    let first = n.message.lines().next().filter(|m| !m.is_empty())?;
    if n.outcome != "succeeded" {
        return Some(first);
    }
    first
        .split_once(" (")
        .and_then(|(_, rest)| rest.strip_suffix(')'))
}

fn change_json(c: &ServiceChange) -> Value {
    json!({
        "service": c.service, "action": c.action, "status": c.status, "reasons": c.reasons,
        "config_hash_before": c.hash_before, "config_hash_after": c.hash_after,
    })
}

fn summary_json(r: &RunSummary) -> Value {
    json!({
        "id": r.id, "started_at": r.started_at, "finished_at": r.finished_at,
        "who": r.who, "outcome": r.outcome, "plan_hash": r.plan_hash,
        "duration_ms": r.duration_ms,
        "counts": {
            "succeeded": r.counts.succeeded, "failed": r.counts.failed,
            "skipped": r.counts.skipped, "cancelled": r.counts.cancelled,
        },
        "services": r.services.iter().map(change_json).collect::<Vec<_>>(),
    })
}

fn node_json(n: &NodeRecord) -> Value {
    json!({
        "id": n.node_id, "service": n.service, "host": n.host, "kind": n.kind,
        "action": n.action, "depends_on": n.depends_on, "outcome": n.outcome,
        "start_ms": n.started_ms, "duration_ms": n.duration_ms, "message": n.message,
    })
}
