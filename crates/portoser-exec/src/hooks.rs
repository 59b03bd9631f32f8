//! Hook steps the engine runner can carry out: a shell command on a host and a health wait.
//! The plan carries hooks as human lines only; the caller hands the typed steps in.

use crate::engine_runner::{EngineRunner, exec, health};
use crate::{CancelToken, NodeFailure, NodeOutput};
use portoser_transport::{Cmd, Script};
use std::time::Duration;

/// A `run on` may take this long.
const RUN_TIMEOUT: Duration = Duration::from_secs(600);

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HookStep {
    /// `run on HOST "command"`: the command is ONE argument to `sh -c` on the host (a shell
    /// command by design, never split or re-quoted on our side).
    Run { host: String, command: String },
    /// `wait_healthy SERVICE`: the service's own health gate.
    WaitHealthy { service: String },
    /// Any other step, by its human line: the hook fails, saying it is not supported yet.
    Unsupported(String),
}

/// Runs the steps in order; the first failure ends the hook.
pub(crate) async fn run_hook(
    runner: &EngineRunner,
    steps: &[HookStep],
    cancel: &CancelToken,
) -> Result<NodeOutput, NodeFailure> {
    for (n, step) in steps.iter().enumerate() {
        if cancel.is_aborted() {
            return Err(NodeFailure::new(format!("aborted before step {}", n + 1)));
        }
        match step {
            HookStep::Run { host, command } => {
                let t = runner.transport(host).await?;
                let sh = Cmd::new("sh").arg("-c").arg(command);
                exec(&t, Script::from(sh), command, RUN_TIMEOUT).await?;
            }
            HookStep::WaitHealthy { service } => {
                let spec = runner.spec_named(service)?;
                let t = runner.transport(&spec.host).await?;
                health(&t, spec).await?;
            }
            HookStep::Unsupported(line) => {
                return Err(NodeFailure::new(format!(
                    "hook step `{line}` is not supported yet"
                )));
            }
        }
    }
    Ok(NodeOutput::message(format!("{} step(s)", steps.len())))
}
