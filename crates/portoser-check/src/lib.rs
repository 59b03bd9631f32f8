//! portoser-check: the built-in table of facts and actions, the embedded stdlib, and name
//! resolution + type checking of `.pbk` playbooks against the registry.
//!
//! Pure: trees and the registry in, diagnostics and a summary of what the planner needs
//! ([`Checked`]) out. Every problem is reported at once, each with a stable code.

pub mod builtins;
mod check;
mod codes;
pub mod stdlib;
pub mod steps;
pub mod types;
pub mod value;

pub use check::imports::{imports, resolve_import};
pub use codes::CODES;

use portoser_diag::{Diagnostics, SourceMap, Span};
use portoser_registry::Registry;
use portoser_syntax::ast;
pub use portoser_syntax::ast::HookTiming;
pub use steps::{Step, Value};

/// What checking produced for later stages (only meaningful when there were no errors).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Checked {
    pub hooks: Vec<HookInfo>,
    pub rules: Vec<RuleInfo>,
    pub playbooks: Vec<PlaybookInfo>,
    /// The project's `engine` blocks, each evaluated for the services that use it.
    pub engines: Vec<EngineInfo>,
}

/// What the planner needs of a hook: it becomes a node of the plan graph.
#[derive(Clone, Debug, PartialEq)]
pub struct HookInfo {
    pub service: String,
    pub timing: HookTiming,
    pub event: String,
    pub span: Span,
    /// One line per step, e.g. `run on api.host: uv run alembic upgrade head (timeout 2m)`.
    pub steps: Vec<String>,
    /// The same steps typed and evaluated against the registry (names resolved, loops over
    /// registry lists unrolled, static conditions decided): what the executor runs.
    pub typed: Vec<Step>,
    pub uses_shell: bool,
}

/// A project-defined engine (`engine podman { .. }`).
#[derive(Clone, Debug, PartialEq)]
pub struct EngineInfo {
    pub name: String,
    pub span: Span,
    /// One entry per service whose `deployment_type` names this engine, in registry order.
    pub services: Vec<EngineSteps>,
}

impl EngineInfo {
    pub fn steps_for(&self, service: &str) -> Option<&EngineSteps> {
        self.services.iter().find(|s| s.service == service)
    }
}

/// An engine's sections evaluated for one service (`service`/`host` resolved).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EngineSteps {
    pub service: String,
    pub deploy: Vec<Step>,
    /// `None` when the engine has no `start` section (start runs `deploy`).
    pub start: Option<Vec<Step>>,
    pub stop: Vec<Step>,
    /// Running when every `run` exits 0.
    pub status: Vec<Step>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct RuleInfo {
    pub name: String,
    pub span: Span,
    /// The event of `on EVENT failed` (`any` for every event).
    pub on: String,
    pub learned: bool,
    /// True when the body may run a destructive action.
    pub destructive: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct PlaybookInfo {
    pub name: String,
    pub span: Span,
    /// (name, type as written)
    pub params: Vec<(String, String)>,
}

/// Resolve and type-check all playbook files (project + stdlib + learned) against the
/// registry. `files` are parsed trees whose FileIds are in `map` (file names are
/// project-relative paths, stdlib files are named `stdlib/...`), so imports resolve by name.
pub fn check(
    registry: &Registry,
    files: &[ast::File],
    map: &SourceMap,
    diags: &mut Diagnostics,
) -> Checked {
    check::check_all(registry, files, map, diags)
}
