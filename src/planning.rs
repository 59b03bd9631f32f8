//! From a compiled project to a plan: read the recorded state, turn checked hooks into plan
//! inputs, and call the planner. Shared by `plan`, `graph` and the tests.

use crate::compile::{Compiled, compile};
use crate::project::ProjectPaths;
use portoser_diag::Diagnostic;
use portoser_plan::{HookSpec, Plan, Recorded, Timing};
use portoser_state::StateDb;

/// Compiles the project and, when it has no errors, plans it against the recorded state.
/// Every problem (including an unreadable state database) is in `compiled.diags`.
pub fn plan_project(paths: &ProjectPaths) -> (Compiled, Option<Plan>) {
    let mut compiled = compile(paths);
    let recorded = read_state(paths, &mut compiled);
    if compiled.diags.has_errors() {
        return (compiled, None);
    }
    let (Some(registry), Some(checked)) = (&compiled.registry, &compiled.checked) else {
        return (compiled, None);
    };
    let hooks: Vec<HookSpec> = checked.hooks.iter().map(hook_spec).collect();
    let mut plan = portoser_plan::plan(registry, &hooks, &recorded, &compiled.inputs_hash);
    // The planner's own findings (a cycle it should never see) are diagnostics like any other.
    compiled.diags.extend(std::mem::take(&mut plan.diagnostics));
    if compiled.diags.has_errors() {
        return (compiled, None);
    }
    (compiled, Some(plan))
}

/// The recorded state; a project that never ran `apply` has none (and planning creates nothing).
fn read_state(paths: &ProjectPaths, compiled: &mut Compiled) -> Recorded {
    let path = paths.state_db();
    let result = StateDb::open_read_only(&path).and_then(|db| match db {
        Some(db) => db.recorded(),
        None => Ok(Recorded::default()),
    });
    result.unwrap_or_else(|e| {
        compiled.diags.push(
            Diagnostic::error(
                e.code(),
                format!(
                    "cannot read the state database `{}`",
                    ProjectPaths::display(&path)
                ),
            )
            .with_note(e.to_string())
            .with_help("restore it from a backup, or move it away to plan against an empty fleet"),
        );
        Recorded::default()
    })
}

fn hook_spec(h: &portoser_check::HookInfo) -> HookSpec {
    HookSpec {
        service: h.service.clone(),
        timing: match h.timing {
            portoser_syntax::ast::HookTiming::Before => Timing::Before,
            portoser_syntax::ast::HookTiming::After => Timing::After,
        },
        event: h.event.clone(),
        span: h.span,
        steps: h.steps.clone(),
    }
}
