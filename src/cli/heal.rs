//! The self-healing loop's commands (docs/heal.md) and its part of `apply`:
//! `portoser diagnose SERVICE` (observe + diagnose, no action), `portoser heal SERVICE`
//! (act, then check the service's health), `portoser learn list|show|stats`.

use super::Exit;
use super::apply::{ApplyArgs, ConnectArgs, Inputs, ProgressFormat};
use super::output::{Output, columns};
use crate::compile::compile;
use crate::fleet;
use crate::project::ProjectPaths;
use portoser_heal::{
    Failure, HealOptions, HealOutcome, HealRecord, Healer, Observer, Verdict, World,
};
use portoser_registry::Registry;
use portoser_state::StateDb;
use portoser_transport::Pool;
use std::sync::Arc;

/// How far back failed heals count for the circuit breaker.
const BREAKER_WINDOW_MS: i64 = 60 * 60 * 1000;

#[derive(Debug, clap::Subcommand)]
pub enum LearnCommand {
    /// The learned rules, best record first, with their counters and state
    List,
    /// One learned rule's file and its recorded heals
    Show { rule: String },
    /// Heals per rule (stdlib, project and learned): how many, how many fixed, average time
    Stats,
}

/// The loop for one apply: rules and policy of the project, the breaker's memory from the
/// state, phases printed as they happen. `--no-auto-heal` gives it no attempts.
pub(super) fn healer(
    map: &portoser_diag::SourceMap,
    registry: &Registry,
    state: &StateDb,
    pool: Pool,
    args: &ApplyArgs,
) -> Arc<Healer> {
    let (rules, policy) = crate::heal::rules_and_policy(map);
    let mut options = HealOptions::from_registry(&registry.defaults);
    if args.no_auto_heal {
        options.max_attempts = 0;
    }
    let recent = state
        .failed_heals_since(crate::heal::now_ms() - BREAKER_WINDOW_MS)
        .unwrap_or_default();
    let observer = Observer::new(pool, Arc::new(World::from_registry(registry)));
    let json = args.format == ProgressFormat::Json;
    let sink: portoser_heal::PhaseSink = Arc::new(move |node: &str, phase: &str, text: &str| {
        if json {
            let line =
                serde_json::json!({"event": "heal", "node": node, "phase": phase, "message": text});
            println!("{line}");
        } else {
            eprintln!("  heal {node}: {phase}: {text}");
        }
    });
    Arc::new(
        Healer::new(observer, rules, policy, options)
            .with_recent_failures(recent)
            .with_sink(sink),
    )
}

/// After a run: record the heals, write learned rules, say what was learned.
pub(super) fn after_run(
    paths: &ProjectPaths,
    inputs: &Inputs<'_>,
    state: &mut StateDb,
    run_id: Option<i64>,
    healer: &Healer,
    format: ProgressFormat,
    out: &Output,
) {
    let records = healer.records();
    if records.is_empty() {
        return;
    }
    let (learned, problems) =
        crate::heal::learn(paths, inputs.map, inputs.registry, state, run_id, &records);
    for r in &records {
        report(
            r,
            learned
                .iter()
                .find(|l| Some(l.rule.as_str()) == learned_of(r).as_deref()),
            format,
            out,
        );
    }
    for p in problems {
        out.stderr(&format!("warning: {p}"));
    }
}

/// The learned rule a record updates or creates.
fn learned_of(r: &HealRecord) -> Option<String> {
    let rule = r.rule.as_ref()?;
    Some(match r.origin? {
        portoser_heal::Origin::Learned => rule.clone(),
        _ => portoser_heal::learn::learned_name(rule, &r.service),
    })
}

fn report(
    r: &HealRecord,
    learned: Option<&crate::heal::Learned>,
    format: ProgressFormat,
    out: &Output,
) {
    let learned_path = learned.map(|l| ProjectPaths::display(&l.path));
    if format == ProgressFormat::Json {
        let line = serde_json::json!({
            "event": "heal-done", "node": r.node, "service": r.service, "host": r.host,
            "kind": r.kind, "rule": r.rule, "origin": r.origin.map(|o| o.as_str()),
            "outcome": r.outcome.as_str(), "attempt": r.attempt,
            "took_ms": r.took.as_millis() as u64, "diagnose_ms": r.diagnose_took.as_millis() as u64,
            "actions": r.actions.iter().map(|a| a.line.clone()).collect::<Vec<_>>(),
            "remedy": r.remedy, "learned": learned_path, "fingerprint": r.fingerprint,
            "preflight": r.preflight,
        });
        out.stdout(&line.to_string());
        return;
    }
    let rule = r.rule.as_deref().unwrap_or("no rule");
    let origin = r.origin.map(|o| o.as_str()).unwrap_or("-");
    let mut line = format!(
        "heal {}: {} by `{rule}` ({origin}) in {:.1}s (diagnosis {}ms)",
        r.node,
        r.outcome.as_str(),
        r.took.as_secs_f64(),
        r.diagnose_took.as_millis()
    );
    if let (Some(path), Some(l)) = (&learned_path, learned) {
        line.push_str(&format!(
            "; {} {path}",
            if l.created { "learned" } else { "updated" }
        ));
    }
    out.stderr(&line);
}

struct Project {
    registry: Registry,
    map: portoser_diag::SourceMap,
}

fn load(paths: &ProjectPaths, out: &Output) -> Result<Project, Exit> {
    let compiled = compile(paths);
    if compiled.diags.has_errors() {
        out.diagnostics(&compiled);
        return Err(Exit::Problems);
    }
    let registry = compiled.registry.ok_or(Exit::Problems)?;
    Ok(Project {
        registry,
        map: compiled.map,
    })
}

/// The failure `diagnose`/`heal` start from: the service's health now.
async fn current_failure(observer: &Observer, service: &str) -> Option<portoser_exec::NodeFailure> {
    if observer.healthy(service).await {
        return None;
    }
    Some(
        portoser_exec::NodeFailure::new(format!("`{service}` is not healthy"))
            .kind(portoser_exec::FailureKind::Unhealthy),
    )
}

/// `portoser diagnose SERVICE` and `portoser heal SERVICE`.
pub fn diagnose_or_heal(
    paths: &ProjectPaths,
    service: &str,
    act: bool,
    connect: &ConnectArgs,
    out: &Output,
) -> Exit {
    let project = match load(paths, out) {
        Ok(p) => p,
        Err(exit) => return exit,
    };
    let Some(entry) = project.registry.service(service) else {
        out.stderr(&format!(
            "error: `{service}` is not a service of the registry"
        ));
        return Exit::Problems;
    };
    let host = entry
        .current_host
        .as_ref()
        .map(|h| h.value.clone())
        .unwrap_or_default();
    let (rules, policy) = crate::heal::rules_and_policy(&project.map);
    let pool = fleet::pool(&project.registry, paths, &connect.options());
    let observer = Observer::new(pool, Arc::new(World::from_registry(&project.registry)));
    let Ok(runtime) = fleet::runtime() else {
        return Exit::Problems;
    };
    let sink: portoser_heal::PhaseSink =
        Arc::new(|_: &str, phase: &str, text: &str| eprintln!("  {phase}: {text}"));
    let healer = Healer::new(
        observer.clone(),
        rules.clone(),
        policy,
        HealOptions::from_registry(&project.registry.defaults),
    )
    .with_sink(sink);
    let node = format!("{service}/health");
    let outcome = runtime.block_on(async {
        let failure = current_failure(&observer, service).await?;
        if !act {
            let kind = portoser_heal::classify::classify(&failure, service, &observer).await;
            let f = Failure {
                kind: kind.clone(),
                message: failure.message.clone(),
                exit_status: None,
                step: node.clone(),
                event: "health".into(),
            };
            let d = portoser_heal::diagnose(&rules, &observer.world, &f, service, &observer).await;
            return Some(Err((kind, d)));
        }
        let (mut record, verdict) = healer
            .heal(&node, "health", service, &host, &failure, 1)
            .await;
        if verdict == Verdict::Retry && record.actions.iter().all(|a| a.ok) {
            // `retry` outside an apply: restart the service, then its health decides.
            let spec = observer.spec(service).cloned();
            if let (Some(spec), Ok(t)) = (spec, observer.transport(&host).await) {
                let engine = portoser_engine::Engine::for_spec(&spec);
                let _ = engine.deploy(&t, &spec).await;
                if portoser_engine::wait_healthy(&t, &spec).await.is_ok() {
                    record.outcome = HealOutcome::Fixed;
                }
            }
        }
        Some(Ok(record))
    });
    match outcome {
        None => {
            out.stdout(&format!("`{service}` is healthy: nothing to diagnose"));
            Exit::Ok
        }
        Some(Err((kind, d))) => {
            out.stdout(&format!(
                "failure: {kind} ({} facts observed in {}ms)",
                d.observed,
                d.took.as_millis()
            ));
            match d.diagnosis {
                Some(m) => {
                    out.stdout(&format!("rule: {} ({})", m.rule, m.origin.as_str()));
                    for (n, v) in &m.bindings {
                        out.stdout(&format!("  let {n} = {v}"));
                    }
                    for (c, v) in &m.facts {
                        out.stdout(&format!("  {c} = {v}"));
                    }
                    out.stdout(&format!("`portoser heal {service}` runs its actions"));
                    Exit::Ok
                }
                None => {
                    out.stdout("no rule matches");
                    Exit::Problems
                }
            }
        }
        Some(Ok(record)) => {
            let mut state = match StateDb::open(&paths.state_db()) {
                Ok(db) => db,
                Err(e) => {
                    out.stderr(&format!("error[{}]: {e}", e.code()));
                    return Exit::Problems;
                }
            };
            let fixed = record.outcome == HealOutcome::Fixed;
            let records = [record];
            let (learned, problems) = crate::heal::learn(
                paths,
                &project.map,
                &project.registry,
                &mut state,
                None,
                &records,
            );
            report(&records[0], learned.first(), ProgressFormat::Plain, out);
            for p in problems {
                out.stderr(&format!("warning: {p}"));
            }
            if fixed { Exit::Ok } else { Exit::Problems }
        }
    }
}

/// `portoser learn list|show|stats`.
pub fn learn(paths: &ProjectPaths, cmd: &LearnCommand, out: &Output) -> Exit {
    let project = match load(paths, out) {
        Ok(p) => p,
        Err(exit) => return exit,
    };
    let (rules, _) = crate::heal::rules_and_policy(&project.map);
    let state = StateDb::open_read_only(&paths.state_db()).ok().flatten();
    match cmd {
        LearnCommand::List => {
            let mut rows = vec![vec![
                "RULE".into(),
                "FROM".into(),
                "SEEN".into(),
                "FIXED".into(),
                "FAILED".into(),
                "LAST".into(),
                "STATE".into(),
            ]];
            for r in rules
                .iter()
                .filter(|r| r.origin == portoser_heal::Origin::Learned)
            {
                let rec = r.learned.clone().unwrap_or_default();
                let st = r
                    .disabled
                    .as_ref()
                    .map_or("active".to_string(), |why| format!("disabled: {why}"));
                rows.push(vec![
                    r.name.clone(),
                    rec.from,
                    rec.seen.to_string(),
                    rec.fixed.to_string(),
                    rec.failed.to_string(),
                    rec.last,
                    st,
                ]);
            }
            if rows.len() == 1 {
                out.stdout(
                    "no learned rules yet (playbooks/learned/ is written when a heal succeeds)",
                );
            } else {
                out.stdout(&columns(&rows));
            }
            Exit::Ok
        }
        LearnCommand::Show { rule } => {
            let Some(r) = rules.iter().find(|r| &r.name == rule) else {
                out.stderr(&format!("error: no rule `{rule}`"));
                return Exit::Problems;
            };
            if let Some(src) = project
                .map
                .files()
                .find(|(_, f)| f.name == r.file)
                .map(|(_, f)| f.text.clone())
            {
                out.stdout(&format!("# {}\n{src}", r.file));
            }
            let heals = state
                .as_ref()
                .and_then(|s| s.heals(None, Some(rule), 20).ok())
                .unwrap_or_default();
            for h in heals {
                out.stdout(&format!(
                    "{}  {}  {} on {}  {}  {}ms",
                    h.at, h.node, h.kind, h.host, h.outcome, h.duration_ms
                ));
            }
            Exit::Ok
        }
        LearnCommand::Stats => {
            let stats = state
                .as_ref()
                .and_then(|s| s.heal_stats().ok())
                .unwrap_or_default();
            let mut rows = vec![vec![
                "RULE".into(),
                "ORIGIN".into(),
                "HEALS".into(),
                "FIXED".into(),
                "AVG MS".into(),
                "LAST".into(),
            ]];
            for s in stats {
                rows.push(vec![
                    s.rule,
                    s.origin,
                    s.heals.to_string(),
                    s.fixed.to_string(),
                    s.avg_ms.to_string(),
                    s.last,
                ]);
            }
            if rows.len() == 1 {
                out.stdout("no heals recorded yet");
            } else {
                out.stdout(&columns(&rows));
            }
            Exit::Ok
        }
    }
}

/// The heals of run `id`, for `history show` (empty when none).
pub(super) fn run_heals_text(db: Option<&StateDb>, id: i64) -> String {
    let rows = db.and_then(|d| d.heals_of_run(id).ok()).unwrap_or_default();
    if rows.is_empty() {
        return String::new();
    }
    let mut text = String::from("heals:");
    for h in rows {
        let rule = h.rule.as_deref().unwrap_or("no rule");
        let origin = h.origin.as_deref().unwrap_or("-");
        let preflight = if h.attempt == 0 { ", preflight" } else { "" };
        text.push_str(&format!(
            "\n  {}  {}  {rule} ({origin}{preflight})  {}  {} ms",
            h.node, h.kind, h.outcome, h.duration_ms
        ));
        let actions: Vec<String> = serde_json::from_str::<serde_json::Value>(&h.actions_json)
            .ok()
            .and_then(|v| v.as_array().cloned())
            .unwrap_or_default()
            .iter()
            .filter_map(|a| a["action"].as_str().map(str::to_string))
            .collect();
        if !actions.is_empty() {
            text.push_str(&format!("\n    {}", actions.join("; ")));
        }
    }
    text
}

/// The heals of run `id` as JSON, for `history show --format json`.
pub(super) fn run_heals_json(db: Option<&StateDb>, id: i64) -> serde_json::Value {
    let rows = db.and_then(|d| d.heals_of_run(id).ok()).unwrap_or_default();
    rows.iter()
        .map(|h| {
            serde_json::json!({
                "node": h.node, "service": h.service, "host": h.host, "kind": h.kind,
                "rule": h.rule, "origin": h.origin, "outcome": h.outcome, "attempt": h.attempt,
                "duration_ms": h.duration_ms, "diagnose_ms": h.diagnose_ms,
                "fingerprint": h.fingerprint,
                "facts": serde_json::from_str::<serde_json::Value>(&h.facts_json).unwrap_or_default(),
                "actions": serde_json::from_str::<serde_json::Value>(&h.actions_json).unwrap_or_default(),
            })
        })
        .collect()
}
