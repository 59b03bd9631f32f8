//! The project side of the healing loop (docs/heal.md): the rules and policy of a compiled
//! project, the loop's state for a run, and learning — every heal recorded in the state,
//! and each fix written back as `playbooks/learned/<name>.pbk`: formatted, checked by the
//! compiler together with the project, then written atomically.

use crate::project::ProjectPaths;
use portoser_diag::{Diagnostics, Origin, SourceMap};
use portoser_heal::learn::{learned_name, new_rule, updated};
use portoser_heal::{HealOutcome, HealRecord, Origin as RuleOrigin, Policy, Rule, rules};
use portoser_registry::Registry;
use portoser_state::{HealRow, StateDb};
use portoser_syntax::ast::ItemKind;
use std::path::PathBuf;

/// Every playbook of the project and the stdlib in `map`, parsed again (cheap; the loop
/// needs their source text and the apply path keeps only the map).
fn playbooks(map: &SourceMap) -> Vec<(String, std::sync::Arc<str>, portoser_syntax::ast::File)> {
    map.files()
        .filter(|(_, f)| f.name.ends_with(".pbk") && f.origin != Origin::Generated)
        .map(|(id, f)| {
            let mut d = Diagnostics::new();
            (
                f.name.clone(),
                f.text.clone(),
                portoser_syntax::parse_text(&f.text, id, &mut d),
            )
        })
        .collect()
}

/// The loop's rules in its order, and the project's `allow destructive` policy.
pub fn rules_and_policy(map: &SourceMap) -> (Vec<Rule>, Policy) {
    let parsed = playbooks(map);
    let mut policy = Policy::default();
    for (name, _, file) in &parsed {
        if RuleOrigin::of_file(name) != RuleOrigin::Project {
            continue;
        }
        for item in &file.items {
            if let ItemKind::Allow(a) = &item.kind
                && a.capability.name == "destructive"
            {
                policy
                    .destructive
                    .extend(a.services.iter().map(|s| s.name.clone()));
            }
        }
    }
    let rules = rules::collect(parsed.iter().map(|(n, t, f)| (n.as_str(), &**t, f)));
    (rules, policy)
}

/// What learning did with one heal.
#[derive(Debug)]
pub struct Learned {
    pub rule: String,
    pub path: PathBuf,
    pub created: bool,
}

/// Records every heal in the state and writes learned rules. Problems (a learned rule that
/// does not check, a file that cannot be written) are returned as lines for stderr: the run's
/// outcome does not depend on learning.
pub fn learn(
    paths: &ProjectPaths,
    map: &SourceMap,
    registry: &Registry,
    state: &mut StateDb,
    run_id: Option<i64>,
    records: &[HealRecord],
) -> (Vec<Learned>, Vec<String>) {
    let (mut rules, _) = rules_and_policy(map);
    let mut learned = Vec::new();
    let mut problems = Vec::new();
    for r in records {
        if let Err(e) = state.record_heal(&row(r, run_id)) {
            problems.push(format!("the heal of `{}` is not recorded: {e}", r.node));
        }
        let (Some(name), Some(origin)) = (&r.rule, r.origin) else {
            continue;
        };
        let fixed = r.outcome == HealOutcome::Fixed;
        let now = portoser_plan::now_rfc3339();
        let (target, text) = if origin == RuleOrigin::Learned {
            let Some(rule) = rules.iter().find(|x| &x.name == name) else {
                continue;
            };
            (
                rule.name.clone(),
                updated(rule, &r.fingerprint, &now, fixed),
            )
        } else {
            // Only a fix is learned; a generic rule that failed has nothing to teach.
            if !fixed {
                continue;
            }
            let target = learned_name(name, &r.service);
            match rules
                .iter()
                .find(|x| x.name == target && x.origin == RuleOrigin::Learned)
            {
                Some(existing) => (target, updated(existing, &r.fingerprint, &now, true)),
                None => {
                    let Some(from) = rules.iter().find(|x| &x.name == name) else {
                        continue;
                    };
                    (
                        target,
                        new_rule(from, &r.service, &r.host, &r.fingerprint, &now, true),
                    )
                }
            }
        };
        match write_learned(paths, map, registry, &target, &text) {
            Ok((path, formatted, created)) => {
                refresh(&mut rules, &path, &formatted);
                learned.push(Learned {
                    rule: target,
                    path,
                    created,
                });
            }
            Err(e) => problems.push(format!("learned rule `{target}` not written: {e}")),
        }
    }
    (learned, problems)
}

fn row(r: &HealRecord, run_id: Option<i64>) -> HealRow {
    let facts: Vec<serde_json::Value> = r
        .bindings
        .iter()
        .chain(&r.facts)
        .map(|(k, v)| serde_json::json!({"fact": k, "value": v}))
        .collect();
    let actions: Vec<serde_json::Value> = r
        .actions
        .iter()
        .map(|a| serde_json::json!({"action": a.line, "ok": a.ok, "detail": a.detail, "ms": a.took.as_millis() as u64}))
        .collect();
    HealRow {
        run_id,
        at: portoser_plan::now_rfc3339(),
        at_ms: now_ms(),
        node: r.node.clone(),
        service: r.service.clone(),
        host: r.host.clone(),
        event: r.event.clone(),
        kind: r.kind.clone(),
        fingerprint: r.fingerprint.clone(),
        rule: r.rule.clone(),
        origin: r.origin.map(|o| o.as_str().to_string()),
        facts_json: serde_json::Value::from(facts).to_string(),
        actions_json: serde_json::Value::from(actions).to_string(),
        outcome: r.outcome.as_str().to_string(),
        attempt: i64::from(r.attempt),
        duration_ms: r.took.as_millis() as i64,
        diagnose_ms: r.diagnose_took.as_millis() as i64,
        ..HealRow::default()
    }
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// The learned file's project-relative name and absolute path.
fn learned_path(paths: &ProjectPaths, rule: &str) -> (String, PathBuf) {
    let rel = format!("playbooks/learned/{rule}.pbk");
    (rel.clone(), paths.registry_dir().join(rel))
}

/// Formats `text`, checks it with every other playbook of the project against the registry,
/// and writes it atomically. Nothing is written when the rule does not check.
fn write_learned(
    paths: &ProjectPaths,
    project: &SourceMap,
    registry: &Registry,
    rule: &str,
    text: &str,
) -> Result<(PathBuf, String, bool), String> {
    let (rel, path) = learned_path(paths, rule);
    let mut map = SourceMap::new();
    let mut diags = Diagnostics::new();
    let mut files = Vec::new();
    for (_, src) in project.files() {
        // The file being replaced is checked in its new form only.
        if !src.name.ends_with(".pbk") || src.name == rel || path.ends_with(&src.name) {
            continue;
        }
        let id = map.add(src.name.clone(), src.text.clone(), src.origin);
        files.push(portoser_syntax::parse(&map, id, &mut diags));
    }
    let formatted =
        portoser_syntax::format(text, portoser_diag::FileId(u32::MAX)).map_err(|d| {
            d.first()
                .map(|d| d.message.clone())
                .unwrap_or_else(|| "does not parse".into())
        })?;
    let id = map.add(rel.clone(), formatted.clone(), Origin::Project);
    files.push(portoser_syntax::parse(&map, id, &mut diags));
    portoser_check::check(registry, &files, &map, &mut diags);
    let errors: Vec<String> = diags
        .iter()
        .filter(|d| d.is_error())
        .filter(|d| d.primary.as_ref().is_some_and(|l| l.span.file == id))
        .map(|d| format!("{}: {}", d.code, d.message))
        .collect();
    if !errors.is_empty() {
        return Err(format!("the compiler refuses it: {}", errors.join("; ")));
    }
    let created = !path.exists();
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    crate::atomic::write(&path, formatted.as_bytes())
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok((path, formatted, created))
}

/// Replaces the rules of a rewritten learned file in the in-memory list.
fn refresh(rules: &mut Vec<Rule>, path: &std::path::Path, text: &str) {
    let name = format!(
        "playbooks/learned/{}",
        path.file_name()
            .map(|f| f.to_string_lossy().to_string())
            .unwrap_or_default()
    );
    let mut d = Diagnostics::new();
    let file = portoser_syntax::parse_text(text, portoser_diag::FileId(u32::MAX), &mut d);
    let fresh = rules::collect([(name.as_str(), text, &file)]);
    rules.retain(|r| !fresh.iter().any(|f| f.name == r.name));
    rules.extend(fresh);
}
