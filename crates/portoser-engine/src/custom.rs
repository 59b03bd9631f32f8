//! A project-defined engine (`engine NAME { deploy { .. } stop { .. } status { .. } }` in a
//! playbook): the checker evaluates each section into typed steps for one service, and this
//! engine runs them on the service's host through the transport.
//!
//! Every `run` command is ONE argument to `sh -c` (a shell command by design, never split or
//! re-quoted here), with the service's environment and `PORTOSER_SERVICE`,
//! `PORTOSER_SERVICE_DIR`, `PORTOSER_BASE_DIR` and `PORTOSER_PORT` set through `env --`, so
//! a step can use registry values without pasting them into shell text.

use crate::{EngineError, LONG, ServiceSpec, ServiceStatus, State};
use portoser_transport::{Cmd, ExecOptions, Script, Transport};
use std::time::Duration;

/// One evaluated step of a section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CustomStep {
    /// `run on host: "cmd" timeout 30s`
    Run {
        command: String,
        timeout: Option<Duration>,
    },
    /// `log("..")`: a line in the step's output.
    Log(String),
    /// `fail("..")`: the section fails with this message.
    Fail(String),
}

/// A project engine's sections, evaluated for one service.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Custom {
    /// The engine's name (`podman`).
    pub name: String,
    pub deploy: Vec<CustomStep>,
    /// `None`: start runs the deploy steps (deploy must converge anyway).
    pub start: Option<Vec<CustomStep>>,
    pub stop: Vec<CustomStep>,
    /// Running when every `run` exits 0; stopped at the first that does not.
    pub status: Vec<CustomStep>,
    /// False when the runner was not given the engine's definition: every operation fails
    /// and says so, instead of doing nothing.
    pub defined: bool,
}

impl Custom {
    /// An engine whose definition the caller did not supply (see `Engine::for_spec`).
    pub fn undefined(name: &str) -> Custom {
        Custom {
            name: name.to_string(),
            ..Custom::default()
        }
    }

    pub async fn deploy(&self, t: &Transport, spec: &ServiceSpec) -> Result<(), EngineError> {
        self.section(t, spec, "deploy", &self.deploy)
            .await
            .map(drop)
    }

    pub async fn start(&self, t: &Transport, spec: &ServiceSpec) -> Result<(), EngineError> {
        let steps = self.start.as_ref().unwrap_or(&self.deploy);
        self.section(t, spec, "start", steps).await.map(drop)
    }

    pub async fn stop(&self, t: &Transport, spec: &ServiceSpec) -> Result<(), EngineError> {
        self.section(t, spec, "stop", &self.stop).await.map(drop)
    }

    /// Removing a project-engine service is stopping it: the engine has no `remove` section,
    /// and what deploy left on the host (files, images) stays, like the built-ins' data.
    pub async fn remove(&self, t: &Transport, spec: &ServiceSpec) -> Result<(), EngineError> {
        self.stop(t, spec).await
    }

    pub async fn status(
        &self,
        t: &Transport,
        spec: &ServiceSpec,
    ) -> Result<ServiceStatus, EngineError> {
        self.check_defined(spec)?;
        for step in &self.status {
            let CustomStep::Run { command, timeout } = step else {
                continue;
            };
            let out = t
                .exec(&script(spec, command), options(*timeout))
                .await
                .map_err(EngineError::Transport)?;
            if !out.success() {
                let detail = crate::message_of(&out);
                return Ok(ServiceStatus::new(State::Stopped, None, detail));
            }
        }
        Ok(ServiceStatus::new(
            State::Running,
            None,
            format!("{} status passed", self.name),
        ))
    }

    /// Runs one section in order; the first failing step ends it. Returns the log lines.
    async fn section(
        &self,
        t: &Transport,
        spec: &ServiceSpec,
        section: &str,
        steps: &[CustomStep],
    ) -> Result<Vec<String>, EngineError> {
        self.check_defined(spec)?;
        let mut logs = Vec::new();
        for step in steps {
            match step {
                CustomStep::Run { command, timeout } => {
                    let out = t
                        .exec(&script(spec, command), options(*timeout))
                        .await
                        .map_err(EngineError::Transport)?;
                    if !out.success() {
                        return Err(EngineError::Failed {
                            host: t.host().to_string(),
                            step: format!("{} {section}: {command}", self.name),
                            status: out.status,
                            message: crate::message_of(&out),
                        });
                    }
                }
                CustomStep::Log(line) => logs.push(line.clone()),
                CustomStep::Fail(message) => {
                    return Err(EngineError::spec(
                        &spec.name,
                        format!("{} {section} failed: {message}", self.name),
                    ));
                }
            }
        }
        Ok(logs)
    }

    fn check_defined(&self, spec: &ServiceSpec) -> Result<(), EngineError> {
        if self.defined {
            return Ok(());
        }
        Err(EngineError::spec(
            &spec.name,
            format!(
                "engine `{}` is defined in the project's playbooks, but its definition was \
                 not handed to the runner",
                self.name
            ),
        ))
    }
}

/// `env -- PORTOSER_...=.. K=v sh -c 'command'`: the command is one argument.
pub fn script(spec: &ServiceSpec, command: &str) -> Script {
    let mut cmd = Cmd::new("sh").arg("-c").arg(command);
    for (k, v) in &spec.env {
        cmd = cmd.env(k, v);
    }
    cmd = cmd
        .env("PORTOSER_SERVICE", &spec.name)
        .env("PORTOSER_SERVICE_DIR", &spec.service_dir)
        .env("PORTOSER_BASE_DIR", &spec.base_dir)
        .env(
            "PORTOSER_PORT",
            spec.port.map(|p| p.to_string()).unwrap_or_default(),
        );
    Script::from(cmd)
}

fn options(timeout: Option<Duration>) -> ExecOptions {
    ExecOptions::with_timeout(timeout.unwrap_or(LONG))
}
