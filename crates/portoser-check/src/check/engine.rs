//! `engine NAME { deploy { .. } start { .. } stop { .. } status { .. } }`: a project-defined
//! engine. Each section is checked like a hook body (ambient `service` and `host`), may only
//! run shell on the service's host and `log`/`fail`, and is evaluated into typed steps for
//! every service whose `deployment_type` names the engine. Defining an engine in the
//! project's own playbooks is its shell policy (docs/language.md, "Engines").

use super::body::Body;
use super::eval::Evaluator;
use super::{Cx, FileKind};
use crate::builtins::IN_HOOK;
use crate::{EngineInfo, EngineSteps};
use portoser_diag::{Diagnostic, Diagnostics, did_you_mean};
use portoser_registry::Engine;
use portoser_syntax::ast::{Block, EngineDef, ExprKind, Item, StmtKind};

pub const REQUIRED: &[&str] = &["deploy", "stop", "status"];
pub const SECTIONS: &[&str] = &["deploy", "start", "stop", "status"];
/// The actions an engine section may call besides `run on host:`.
const ACTIONS: &[&str] = &["log", "fail"];

pub(crate) fn check(
    cx: &Cx<'_>,
    kind: FileKind,
    item: &Item,
    e: &EngineDef,
    diags: &mut Diagnostics,
) -> Option<EngineInfo> {
    let name = e.name.name.as_str();
    if Engine::ALL.iter().any(|b| b.as_str() == name) {
        diags.push(
            Diagnostic::error("E0332", format!("`{name}` is a built-in engine"))
                .at(e.name.span, "this name is taken")
                .with_help("give the project engine its own name, such as `podman` or `binary`"),
        );
    }
    if kind != FileKind::Project {
        diags.push(
            Diagnostic::error("E0317", "engine defined where shell is never allowed")
                .at(item.span, "an engine runs shell commands")
                .with_help(
                    "define engines in the project's own playbooks, outside playbooks/learned/",
                ),
        );
        return None;
    }
    sections(e, diags);
    for section in &e.sections {
        let mut body = Body::new(cx, diags, IN_HOOK, kind);
        body.engine = true;
        body.block(&section.body);
        restrict(&section.body, diags);
    }
    let services = cx
        .engine_users(name)
        .into_iter()
        .map(|service| steps_for(cx, e, service, diags))
        .collect();
    Some(EngineInfo {
        name: name.to_string(),
        span: item.span,
        services,
    })
}

/// Known section names, each once, the required ones present.
fn sections(e: &EngineDef, diags: &mut Diagnostics) {
    for (i, s) in e.sections.iter().enumerate() {
        let name = s.name.name.as_str();
        if !SECTIONS.contains(&name) {
            diags.push(
                Diagnostic::error(
                    "E0332",
                    format!("engine `{}` has no section `{name}`", e.name.name),
                )
                .at(s.name.span, "not an engine section")
                .with_suggestion(did_you_mean(name, SECTIONS.iter().copied()))
                .with_note("an engine has `deploy`, `stop`, `status` and optionally `start`"),
            );
        } else if let Some(first) = e.sections.iter().take(i).find(|f| f.name.name == name) {
            diags.push(
                Diagnostic::error("E0332", format!("section `{name}` is written twice"))
                    .at(s.name.span, "written again here")
                    .with_label(first.name.span, "first written here"),
            );
        }
    }
    let missing: Vec<&str> = REQUIRED
        .iter()
        .copied()
        .filter(|r| !e.sections.iter().any(|s| s.name.name == *r))
        .collect();
    if !missing.is_empty() {
        let list: Vec<String> = missing.iter().map(|m| format!("`{m}`")).collect();
        diags.push(
            Diagnostic::error(
                "E0332",
                format!("engine `{}` has no {}", e.name.name, list.join(", ")),
            )
            .at(e.name.span, format!("missing {}", list.join(", ")))
            .with_help("every engine needs `deploy { .. }`, `stop { .. }` and `status { .. }`"),
        );
    }
}

/// Engine steps run on the service's host and only `run`, `let`, `if`, `log`, `fail`.
fn restrict(block: &Block, diags: &mut Diagnostics) {
    for stmt in &block.stmts {
        match &stmt.kind {
            StmtKind::Run(r) => {
                if !matches!(&r.target.kind, ExprKind::Name(n) if n == "host") {
                    diags.push(
                        Diagnostic::error("E0332", "an engine step runs on another host")
                            .at(r.target.span, "engine steps run on the service's host")
                            .with_help("write `run on host: ..`"),
                    );
                }
            }
            StmtKind::Call(c) if !ACTIONS.contains(&c.callee.name.as_str()) => {
                diags.push(
                    Diagnostic::error(
                        "E0325",
                        format!("`{}` is not allowed in an engine", c.callee.name),
                    )
                    .at(c.callee.span, "only `run on host:`, `log` and `fail` here")
                    .with_help("an engine's steps are shell commands on the service's host"),
                );
            }
            StmtKind::For(f) => diags.push(
                Diagnostic::error("E0325", "`for` is not allowed in an engine")
                    .at(f.var.span, "an engine acts on one service")
                    .with_help("an engine's steps are shell commands on the service's host"),
            ),
            StmtKind::If(i) => {
                restrict(&i.then, diags);
                if let Some(o) = &i.otherwise {
                    restrict(o, diags);
                }
            }
            StmtKind::Call(_) | StmtKind::Let(_) => {}
        }
    }
}

/// The sections evaluated for one service; anything only known at run time is an error
/// here (an engine's steps must be plain commands by the time apply runs).
fn steps_for(cx: &Cx<'_>, e: &EngineDef, service: &str, diags: &mut Diagnostics) -> EngineSteps {
    let mut out = EngineSteps {
        service: service.to_string(),
        ..EngineSteps::default()
    };
    for section in &e.sections {
        let mut steps = Vec::new();
        let mut eval = Evaluator::new(cx, Some(service));
        eval.block(&section.body, &mut steps);
        for (line, problem) in &eval.problems {
            {
                diags.push(
                    Diagnostic::error(
                        "E0333",
                        format!(
                            "engine `{}` cannot run for `{service}`: {}",
                            e.name.name, problem.why
                        ),
                    )
                    .at(problem.span, format!("in `{line}`"))
                    .with_note(format!("`{service}` names this engine in `deployment_type`"))
                    .with_help("engine steps may read registry values only; set the value in the registry or test it with `if`"),
                );
            }
        }
        match section.name.name.as_str() {
            "deploy" => out.deploy = steps,
            "start" => out.start = Some(steps),
            "stop" => out.stop = steps,
            "status" => out.status = steps,
            _ => {}
        }
    }
    out
}

/// Services whose `deployment_type` names an engine no block defines (E0331).
pub(crate) fn undefined(cx: &Cx<'_>, defined: &[String], diags: &mut Diagnostics) {
    for s in cx.services.values() {
        let Some(d) = &s.deployment_type else {
            continue;
        };
        let Engine::Custom(name) = d.value else {
            continue;
        };
        if defined.iter().any(|n| n == name.as_str()) {
            continue;
        }
        let mut candidates: Vec<&str> = Engine::ALL.iter().map(|e| e.as_str()).collect();
        candidates.extend(defined.iter().map(String::as_str));
        let suggestion = did_you_mean(name.as_str(), candidates.iter().copied());
        diags.push(
            Diagnostic::error("E0331", format!("no engine `{name}` is defined"))
                .at(d.span, "not docker, local, native or an engine of the project")
                .with_suggestion(suggestion)
                .with_help(format!(
                    "define it in a playbook: `engine {name} {{ deploy {{ .. }} stop {{ .. }} status {{ .. }} }}`"
                )),
        );
    }
}
