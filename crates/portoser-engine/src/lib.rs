//! How a service runs on a host: docker compose v2, a process under portoser's own
//! supervisor, or a generated systemd unit / launchd job; and the health gates that decide
//! when a deploy is done.
//!
//! Every command is built with `portoser_transport::{Cmd, Script}` from typed values and run
//! through [`Transport`]; no shell text is assembled here. See docs/engines.md.

pub mod custom;
pub mod docker;
pub mod error;
pub mod health;
mod https;
pub mod local;
pub mod native;
pub mod render;
pub mod spec;
pub mod status;
pub mod sync;

pub use error::EngineError;
pub use health::{HealthError, HealthSpec, Probe, wait_healthy};
pub use spec::{CONTAINER_TLS_DIR, Os, ServiceSpec};
pub use status::{ServiceStatus, State};

use portoser_registry::Engine as EngineKind;
use portoser_transport::{ExecOptions, ExecOutput, Script, Transport};
use std::time::Duration;

/// The engines, as an enum: adding one is adding a variant and its module (docs/engines.md).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Engine {
    Docker(docker::Docker),
    Local(local::Local),
    Native(native::Native),
    /// A project-defined engine (`engine NAME { .. }`): typed steps run through the transport.
    Custom(custom::Custom),
}

impl Engine {
    /// The engine the spec asks for, with default settings.
    pub fn for_spec(spec: &ServiceSpec) -> Engine {
        match spec.engine {
            EngineKind::Docker => Engine::Docker(docker::Docker::default()),
            EngineKind::Local => Engine::Local(local::Local::default()),
            EngineKind::Native => Engine::Native(native::Native::default()),
            // The definition lives in the playbooks: the runner supplies it with
            // `Engine::Custom(def)`; without it every operation fails and says why.
            EngineKind::Custom(name) => Engine::Custom(custom::Custom::undefined(name.as_str())),
        }
    }

    /// Installs and starts the service (idempotent: a second deploy converges).
    pub async fn deploy(&self, t: &Transport, spec: &ServiceSpec) -> Result<(), EngineError> {
        match self {
            Engine::Docker(e) => e.deploy(t, spec).await,
            Engine::Local(e) => e.deploy(t, spec).await,
            Engine::Native(e) => e.deploy(t, spec).await,
            Engine::Custom(e) => e.deploy(t, spec).await,
        }
    }

    pub async fn start(&self, t: &Transport, spec: &ServiceSpec) -> Result<(), EngineError> {
        match self {
            Engine::Docker(e) => e.start(t, spec).await,
            Engine::Local(e) => e.start(t, spec).await,
            Engine::Native(e) => e.start(t, spec).await,
            Engine::Custom(e) => e.start(t, spec).await,
        }
    }

    pub async fn stop(&self, t: &Transport, spec: &ServiceSpec) -> Result<(), EngineError> {
        match self {
            Engine::Docker(e) => e.stop(t, spec).await,
            Engine::Local(e) => e.stop(t, spec).await,
            Engine::Native(e) => e.stop(t, spec).await,
            Engine::Custom(e) => e.stop(t, spec).await,
        }
    }

    pub async fn restart(&self, t: &Transport, spec: &ServiceSpec) -> Result<(), EngineError> {
        match self {
            Engine::Native(e) => e.restart(t, spec).await,
            _ => {
                self.stop(t, spec).await?;
                self.start(t, spec).await
            }
        }
    }

    pub async fn status(
        &self,
        t: &Transport,
        spec: &ServiceSpec,
    ) -> Result<ServiceStatus, EngineError> {
        match self {
            Engine::Docker(e) => e.status(t, spec).await,
            Engine::Local(e) => e.status(t, spec).await,
            Engine::Native(e) => e.status(t, spec).await,
            Engine::Custom(e) => e.status(t, spec).await,
        }
    }

    /// The last `n` lines of the service's log.
    pub async fn logs(
        &self,
        t: &Transport,
        spec: &ServiceSpec,
        n: u32,
    ) -> Result<String, EngineError> {
        let out = run(t, &self.logs_script(spec, n, false)?, "logs", LONG).await?;
        Ok(out.stdout_text())
    }

    /// The script behind `logs`; with `follow`, for `Transport::exec_stream` (`logs -f`).
    pub fn logs_script(
        &self,
        spec: &ServiceSpec,
        n: u32,
        follow: bool,
    ) -> Result<Script, EngineError> {
        match self {
            Engine::Docker(e) => Ok(e.logs_script(spec, n, follow)),
            Engine::Local(_) => Ok(local::logs_script(spec, n, follow)),
            Engine::Native(_) => native::logs_script(spec, n, follow),
            Engine::Custom(e) => Err(EngineError::spec(
                &spec.name,
                format!("engine `{}` has no logs step", e.name),
            )),
        }
    }

    /// Stops the service and removes what deploy installed; data (named volumes, the
    /// service directory) stays.
    pub async fn remove(&self, t: &Transport, spec: &ServiceSpec) -> Result<(), EngineError> {
        match self {
            Engine::Docker(e) => e.remove(t, spec).await,
            Engine::Local(e) => e.remove(t, spec).await,
            Engine::Native(e) => e.remove(t, spec).await,
            Engine::Custom(e) => e.remove(t, spec).await,
        }
    }
}

/// A quick command (status, stop).
pub(crate) const SHORT: Duration = Duration::from_secs(60);
/// A command that may pull, build or sync (deploy, logs).
pub(crate) const LONG: Duration = Duration::from_secs(600);

/// Runs a script; a non-zero exit becomes `Failed` (127, "not found": `Missing { program }`)
/// with the host's stderr.
pub(crate) async fn run(
    t: &Transport,
    script: &Script,
    step: &str,
    timeout: Duration,
) -> Result<ExecOutput, EngineError> {
    let out = t.exec(script, ExecOptions::with_timeout(timeout)).await?;
    if out.success() {
        return Ok(out);
    }
    Err(failure(t.host(), step, &out))
}

/// `step` names the program first (`docker compose up`), so a 127 can say what is missing.
pub(crate) fn failure(host: &str, step: &str, out: &ExecOutput) -> EngineError {
    let message = message_of(out);
    if out.status == Some(127) {
        return EngineError::Missing {
            host: host.to_string(),
            program: step.split_whitespace().next().unwrap_or(step).to_string(),
            message,
        };
    }
    EngineError::Failed {
        host: host.to_string(),
        step: step.to_string(),
        status: out.status,
        message,
    }
}

/// The host's own words: the last lines of stderr (else stdout), trimmed.
pub(crate) fn message_of(out: &ExecOutput) -> String {
    let text = if out.stderr.iter().any(|b| !b.is_ascii_whitespace()) {
        out.stderr_text()
    } else {
        out.stdout_text()
    };
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let tail = lines.len().saturating_sub(5);
    lines.get(tail..).unwrap_or_default().join("\n")
}
