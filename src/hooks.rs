//! From the checker's typed steps to what the executor runs: a hook's [`Step`]s become
//! [`HookStep`]s for `EngineRunner::with_hook`, and a project engine's sections become a
//! [`Custom`] engine for one service.
//!
//! Wiring (apply): for each hook node `SERVICE/TIMING-EVENT` of the plan, find the
//! `HookInfo` with that service, timing and event and call
//! `runner.with_hook(&node.id, hook_steps(info))`; for a service whose engine is a project
//! engine, build its engine with [`custom_engine`].

use portoser_check::{Checked, EngineInfo, HookInfo, Step, Value};
use portoser_diag::Span;
use portoser_engine::custom::{Custom, CustomStep};
use portoser_exec::HookStep;
use std::collections::HashMap;
use std::time::Duration;

/// The hook's steps for the runner. Steps the runner cannot do yet become
/// `HookStep::Unsupported` (the hook node then fails, saying so); nothing is dropped.
pub fn hook_steps(info: &HookInfo) -> Vec<HookStep> {
    info.typed.iter().map(hook_step).collect()
}

fn hook_step(step: &Step) -> HookStep {
    match step {
        Step::Run {
            host,
            command,
            timeout_ms,
        } => match timeout_ms {
            Some(ms) => HookStep::RunWithin {
                host: host.clone(),
                command: command.clone(),
                timeout: Duration::from_millis(*ms),
            },
            None => HookStep::Run {
                host: host.clone(),
                command: command.clone(),
            },
        },
        Step::Action { name, service, .. } => action(step, name, service.as_deref()),
        Step::Unsupported { line, why } => HookStep::Unsupported(format!("{line} ({why})")),
    }
}

fn action(step: &Step, name: &str, service: Option<&str>) -> HookStep {
    let text = |arg: &str| match step.arg(arg) {
        Some(Value::Str(s)) => Some(s.clone()),
        _ => None,
    };
    let timeout = match step.arg("timeout") {
        Some(Value::Duration(ms)) => Some(Duration::from_millis(*ms)),
        _ => None,
    };
    let service = service.map(str::to_string);
    match (name, service, timeout) {
        ("wait_healthy", Some(service), Some(timeout)) => {
            HookStep::WaitHealthyWithin { service, timeout }
        }
        ("wait_healthy", Some(service), None) => HookStep::WaitHealthy { service },
        ("start", Some(service), _) => HookStep::Start { service },
        ("stop", Some(service), _) => HookStep::Stop { service },
        ("restart", Some(service), _) => HookStep::Restart { service },
        ("log", _, _) => HookStep::Log(text("msg").unwrap_or_default()),
        ("fail", _, _) => HookStep::Fail(text("msg").unwrap_or_default()),
        _ => HookStep::Unsupported(describe(step)),
    }
}

/// `notify("deployed")`: the step as a person reads it in the failure.
fn describe(step: &Step) -> String {
    let Step::Action {
        name,
        service,
        args,
    } = step
    else {
        return String::new();
    };
    let mut parts: Vec<String> = service.iter().cloned().collect();
    parts.extend(args.iter().map(|(n, v)| format!("{n}: {v}")));
    format!("{name}({})", parts.join(", "))
}

/// The project engine `info` for one service, ready for `portoser_engine::Engine::Custom`;
/// `None` when the service does not use this engine.
pub fn custom_engine(info: &EngineInfo, service: &str) -> Option<Custom> {
    let steps = info.steps_for(service)?;
    Some(Custom {
        name: info.name.clone(),
        deploy: custom_steps(&steps.deploy),
        start: steps.start.as_deref().map(custom_steps),
        stop: custom_steps(&steps.stop),
        status: custom_steps(&steps.status),
        defined: true,
    })
}

/// Engine sections hold only `run on host:`, `log` and `fail` (the checker refuses the
/// rest, E0325/E0333); anything else fails the section rather than being skipped.
fn custom_steps(steps: &[Step]) -> Vec<CustomStep> {
    steps
        .iter()
        .map(|step| match hook_step(step) {
            HookStep::Run { command, .. } => CustomStep::Run {
                command,
                timeout: None,
            },
            HookStep::RunWithin {
                command, timeout, ..
            } => CustomStep::Run {
                command,
                timeout: Some(timeout),
            },
            HookStep::Log(line) => CustomStep::Log(line),
            HookStep::Fail(message) => CustomStep::Fail(message),
            other => CustomStep::Fail(format!("{other:?} is not an engine step")),
        })
        .collect()
}

/// The plan's node id of every hook, in the checker's order: `api/after-deploy`, then
/// `api/after-deploy-2` for a second hook on the same step (the planner numbers them alike).
fn hook_ids(checked: &Checked) -> impl Iterator<Item = (String, &HookInfo)> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    checked.hooks.iter().map(move |h| {
        let base = format!("{}/{}-{}", h.service, h.timing.as_str(), h.event);
        let n = seen.entry(base.clone()).or_insert(0);
        *n += 1;
        let id = if *n == 1 { base } else { format!("{base}-{n}") };
        (id, h)
    })
}

/// Every hook node with its typed steps.
pub fn hook_nodes(checked: &Checked) -> Vec<(String, Vec<HookStep>)> {
    hook_ids(checked)
        .map(|(id, h)| (id, hook_steps(h)))
        .collect()
}

/// Where each hook node is defined, so a failure can point at its playbook.
pub fn hook_spans(checked: &Checked) -> HashMap<String, Span> {
    hook_ids(checked).map(|(id, h)| (id, h.span)).collect()
}

/// The `engine` block definition of every service that uses one, by service name.
pub fn custom_engines(checked: &Checked) -> Vec<(String, Custom)> {
    checked
        .engines
        .iter()
        .flat_map(|info| {
            info.services
                .iter()
                .filter_map(|s| custom_engine(info, &s.service).map(|c| (s.service.clone(), c)))
        })
        .collect()
}

#[cfg(test)]
#[path = "hooks/tests.rs"]
mod tests;
