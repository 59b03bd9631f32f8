//! Hook steps the engine runner can carry out: shell commands on a host, health waits,
//! lifecycle actions and log lines. The checker evaluates a hook into typed steps (every
//! name resolved against the registry); the root crate converts them into these.

use crate::engine_runner::{EngineRunner, exec, health};
use crate::{CancelToken, NodeFailure, NodeOutput};

use portoser_transport::{Cmd, Script};
use std::time::Duration;

/// A `run on` may take this long unless the hook says otherwise.
const RUN_TIMEOUT: Duration = Duration::from_secs(600);

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HookStep {
    /// `run on HOST "command"`: the command is ONE argument to `sh -c` on the host (a shell
    /// command by design, never split or re-quoted on our side); 10 minutes at most.
    Run {
        host: String,
        command: String,
    },
    /// `run on HOST: "command" timeout 2m`: the same with the hook's own timeout.
    RunWithin {
        host: String,
        command: String,
        timeout: Duration,
    },
    /// `wait_healthy SERVICE`: the service's own health gate.
    WaitHealthy {
        service: String,
    },
    /// `wait_healthy(SERVICE, timeout: 60s)`: the gate, failing after the hook's timeout.
    WaitHealthyWithin {
        service: String,
        timeout: Duration,
    },
    /// `start(SERVICE)`, `stop(SERVICE)`, `restart(SERVICE)` with the service's engine.
    Start {
        service: String,
    },
    Stop {
        service: String,
    },
    Restart {
        service: String,
    },
    /// `log("..")`: a line in the node's output.
    Log(String),
    /// `fail("..")`: the hook fails with this message.
    Fail(String),
    /// Any other step, by its human line: the hook fails, saying it is not supported yet.
    Unsupported(String),
}

/// Runs the steps in order; the first failure ends the hook.
pub(crate) async fn run_hook(
    runner: &EngineRunner,
    steps: &[HookStep],
    cancel: &CancelToken,
) -> Result<NodeOutput, NodeFailure> {
    let mut lines = Vec::new();
    for (n, step) in steps.iter().enumerate() {
        if cancel.is_aborted() {
            return Err(NodeFailure::new(format!("aborted before step {}", n + 1)));
        }
        if let Some(line) = run_step(runner, step).await? {
            lines.push(line);
        }
    }
    let mut message = format!("{} step(s)", steps.len());
    if !lines.is_empty() {
        message = format!("{message}: {}", lines.join("; "));
    }
    Ok(NodeOutput::message(message))
}

/// One step; `Some(line)` for a `log`.
async fn run_step(runner: &EngineRunner, step: &HookStep) -> Result<Option<String>, NodeFailure> {
    match step {
        HookStep::Run { host, command } => run(runner, host, command, RUN_TIMEOUT).await?,
        HookStep::RunWithin {
            host,
            command,
            timeout,
        } => run(runner, host, command, *timeout).await?,
        HookStep::WaitHealthy { service } => {
            let spec = runner.spec_named(service)?;
            let t = runner.transport(&spec.host).await?;
            health(&t, spec).await?;
        }
        HookStep::WaitHealthyWithin { service, timeout } => {
            let spec = runner.spec_named(service)?;
            let t = runner.transport(&spec.host).await?;
            match tokio::time::timeout(*timeout, health(&t, spec)).await {
                Ok(result) => drop(result?),
                Err(_) => {
                    return Err(NodeFailure::new(format!(
                        "`{service}` did not become healthy within {}",
                        crate::render::secs(*timeout)
                    )));
                }
            }
        }
        HookStep::Start { service }
        | HookStep::Stop { service }
        | HookStep::Restart { service } => lifecycle(runner, step, service).await?,
        HookStep::Log(line) => return Ok(Some(line.clone())),
        HookStep::Fail(message) => return Err(NodeFailure::new(message.clone())),
        HookStep::Unsupported(line) => {
            return Err(NodeFailure::new(format!(
                "hook step `{line}` is not supported in hooks yet"
            )));
        }
    }
    Ok(None)
}

async fn run(
    runner: &EngineRunner,
    host: &str,
    command: &str,
    timeout: Duration,
) -> Result<(), NodeFailure> {
    let t = runner.transport(host).await?;
    let sh = Cmd::new("sh").arg("-c").arg(command);
    exec(&t, Script::from(sh), command, timeout).await.map(drop)
}

async fn lifecycle(
    runner: &EngineRunner,
    step: &HookStep,
    service: &str,
) -> Result<(), NodeFailure> {
    let spec = runner.spec_named(service)?;
    let t = runner.transport(&spec.host).await?;
    let engine = runner.engine(spec);
    let result = match step {
        HookStep::Start { .. } => engine.start(&t, spec).await,
        HookStep::Stop { .. } => engine.stop(&t, spec).await,
        _ => engine.restart(&t, spec).await,
    };
    result.map_err(|e| NodeFailure::new(e.to_string()))
}
