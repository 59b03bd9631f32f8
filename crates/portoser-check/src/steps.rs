//! Typed, evaluated steps: what a hook or a project engine's section does, with every name
//! resolved against the registry at check time (hooks and engines are static: `api.host`
//! is already the host's name, `service` the hook's service). Pure data: the executor turns
//! them into its own steps (the root crate's `hooks.rs`, the engine crate's `custom.rs`).

pub use crate::value::{Process, Value};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// `run on HOST: "command" timeout 2m`: a shell command on a host (one `sh -c` argument).
    Run {
        host: String,
        command: String,
        timeout_ms: Option<u64>,
    },
    /// A built-in action (`wait_healthy`, `start`, `log`, `fail`, ...). `service` is the
    /// value of its `service` parameter when it has one; `args` are the other arguments
    /// given, by parameter name, in parameter order (defaults are not filled in).
    Action {
        name: String,
        service: Option<String>,
        args: Vec<(String, Value)>,
    },
    /// A step whose values are only known at run time (a fact in a condition, a loop over
    /// a fact): `line` is the step as written, `why` what could not be evaluated.
    Unsupported { line: String, why: String },
}

impl Step {
    /// The value of a named argument of an action.
    pub fn arg(&self, name: &str) -> Option<&Value> {
        match self {
            Step::Action { args, .. } => args.iter().find(|(n, _)| n == name).map(|(_, v)| v),
            _ => None,
        }
    }
}
