//! docker compose v2: one compose project per service (`portoser-<name>`), only the
//! service's compose service when `service_name` is set, and named volumes kept on stop and
//! remove (`down` without `-v`: the original deleted them on every restart).

use crate::error::EngineError;
use crate::spec::ServiceSpec;
use crate::status::{ServiceStatus, State};
use crate::{LONG, SHORT, message_of};
use portoser_transport::{Cmd, ExecOptions, ExecOutput, Script, Transport};
use std::time::Duration;

/// The exit status a deploy script uses to say "the compose file is not there".
const NO_FILE: i32 = 66;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Docker {
    /// `DOCKER_HOST` for every command (a daemon on its own socket); None: the default.
    pub docker_host: Option<String>,
    /// `DOCKER_CONFIG` (where the compose v2 CLI plugin is found); None: the default.
    pub docker_config: Option<String>,
}

impl Docker {
    pub fn with_docker_host(host: impl Into<String>) -> Self {
        Docker {
            docker_host: Some(host.into()),
            docker_config: None,
        }
    }

    /// `docker compose -p portoser-<name> -f <file> ARGS... [service]`.
    pub fn compose(&self, spec: &ServiceSpec, args: &[&str], with_service: bool) -> Cmd {
        let mut cmd = Cmd::new("docker")
            .arg("compose")
            .arg("-p")
            .arg(spec.compose_project())
            .arg("-f")
            .arg(spec.compose_file.clone().unwrap_or_default())
            .args(args.iter().copied());
        if let Some(dir) = spec.compose_file.as_deref().and_then(parent) {
            cmd = cmd.cwd(dir);
        }
        if let Some(h) = &self.docker_host {
            cmd = cmd.env("DOCKER_HOST", h);
        }
        if let Some(c) = &self.docker_config {
            cmd = cmd.env("DOCKER_CONFIG", c);
        }
        if with_service && let Some(s) = &spec.compose_service {
            // `--` so a service name can never be read as an option.
            cmd = cmd.arg("--").arg(s);
        }
        cmd
    }

    /// `test -f FILE || exit 66`, then `up -d --wait`: compose waits for the containers'
    /// own healthchecks (or for them to run when they have none).
    pub fn up_script(&self, spec: &ServiceSpec) -> Script {
        Script::new()
            .and(
                Cmd::new("test")
                    .arg("-f")
                    .arg(spec.compose_file.clone().unwrap_or_default()),
            )
            .or(Cmd::new("sh").arg("-c").arg("exit 66"))
            .and(self.compose(spec, &["up", "-d", "--wait"], true))
    }

    pub async fn deploy(&self, t: &Transport, spec: &ServiceSpec) -> Result<(), EngineError> {
        self.need_file(spec)?;
        self.exec(t, spec, &self.up_script(spec), "docker compose up", LONG)
            .await
            .map(drop)
    }

    pub async fn start(&self, t: &Transport, spec: &ServiceSpec) -> Result<(), EngineError> {
        self.deploy(t, spec).await
    }

    pub async fn stop(&self, t: &Transport, spec: &ServiceSpec) -> Result<(), EngineError> {
        self.need_file(spec)?;
        let script = Script::from(self.compose(spec, &["stop"], true));
        self.exec(t, spec, &script, "docker compose stop", SHORT)
            .await
            .map(drop)
    }

    /// `down` WITHOUT `-v`: containers and networks go, named volumes stay.
    pub async fn remove(&self, t: &Transport, spec: &ServiceSpec) -> Result<(), EngineError> {
        self.need_file(spec)?;
        let script = Script::from(self.compose(spec, &["down", "--remove-orphans"], false));
        self.exec(t, spec, &script, "docker compose down", LONG)
            .await
            .map(drop)
    }

    pub async fn status(
        &self,
        t: &Transport,
        spec: &ServiceSpec,
    ) -> Result<ServiceStatus, EngineError> {
        self.need_file(spec)?;
        let script = Script::from(self.compose(spec, &["ps", "--all", "--format", "json"], true));
        let out = self
            .exec(t, spec, &script, "docker compose ps", SHORT)
            .await?;
        Ok(parse_ps(&out.stdout_text()))
    }

    pub fn logs_script(&self, spec: &ServiceSpec, n: u32, follow: bool) -> Script {
        let tail = n.to_string();
        let mut args = vec!["logs", "--no-color", "--tail", tail.as_str()];
        if follow {
            args.push("--follow");
        }
        Script::from(self.compose(spec, &args, true))
    }

    fn need_file(&self, spec: &ServiceSpec) -> Result<(), EngineError> {
        match spec.compose_file {
            Some(_) => Ok(()),
            None => Err(EngineError::spec(
                &spec.name,
                "a docker service needs `docker_compose`",
            )),
        }
    }

    /// Runs a compose script and sorts its failures: daemon down, docker missing, the file
    /// missing, anything else with compose's own message.
    async fn exec(
        &self,
        t: &Transport,
        spec: &ServiceSpec,
        script: &Script,
        step: &str,
        timeout: Duration,
    ) -> Result<ExecOutput, EngineError> {
        let out = t.exec(script, ExecOptions::with_timeout(timeout)).await?;
        if out.success() {
            return Ok(out);
        }
        Err(classify(t.host(), spec, step, &out))
    }
}

pub(crate) fn classify(
    host: &str,
    spec: &ServiceSpec,
    step: &str,
    out: &ExecOutput,
) -> EngineError {
    let message = message_of(out);
    let lower = message.to_ascii_lowercase();
    if out.status == Some(NO_FILE) {
        return EngineError::FileMissing {
            host: host.to_string(),
            path: spec.compose_file.clone().unwrap_or_default(),
        };
    }
    if lower.contains("cannot connect to the docker daemon")
        || lower.contains("is the docker daemon running")
    {
        return EngineError::DockerDown {
            host: host.to_string(),
            message,
        };
    }
    if out.status == Some(127) {
        return EngineError::Missing {
            host: host.to_string(),
            program: "docker".to_string(),
            message,
        };
    }
    // Without the plugin the docker CLI reads `compose -p` as its own flags.
    if lower.contains("'compose' is not a docker command")
        || lower.contains("unknown command: docker compose")
        || lower.contains("unknown shorthand flag: 'p' in -p")
    {
        return EngineError::Missing {
            host: host.to_string(),
            program: "docker compose (v2 plugin)".to_string(),
            message,
        };
    }
    crate::failure(host, step, out)
}

/// `docker compose ps --format json`: one JSON object per line (compose >= 2.21) or one
/// array (older). Running when every container runs (and is healthy when it has a check).
pub fn parse_ps(text: &str) -> ServiceStatus {
    let mut containers: Vec<serde_json::Value> = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        match serde_json::from_str::<serde_json::Value>(line) {
            Ok(serde_json::Value::Array(items)) => containers.extend(items),
            Ok(v @ serde_json::Value::Object(_)) => containers.push(v),
            _ => {
                return ServiceStatus::new(
                    State::Unknown,
                    None,
                    format!("unexpected `docker compose ps` output: {line}"),
                );
            }
        }
    }
    if containers.is_empty() {
        return ServiceStatus::new(State::Stopped, None, "no containers");
    }
    let field = |c: &serde_json::Value, k: &str| {
        c.get(k).and_then(|v| v.as_str()).unwrap_or("").to_string()
    };
    let states: Vec<(String, String, String)> = containers
        .iter()
        .map(|c| (field(c, "State"), field(c, "Health"), field(c, "Status")))
        .collect();
    let detail = states
        .iter()
        .map(|(_, _, s)| s.as_str())
        .collect::<Vec<_>>()
        .join("; ");
    let all = |f: &dyn Fn(&(String, String, String)) -> bool| states.iter().all(f);
    let state = if all(&|(s, h, _)| s == "running" && (h.is_empty() || h == "healthy")) {
        State::Running
    } else if all(&|(s, _, _)| s == "exited" || s == "created") {
        // A container that exited non-zero on its own crashed; `stop` leaves 137 or 143, 0.
        let crashed = containers.iter().any(|c| {
            let code = c.get("ExitCode").and_then(|v| v.as_i64()).unwrap_or(0);
            !matches!(code, 0 | 137 | 143)
        });
        if crashed {
            State::Failed
        } else {
            State::Stopped
        }
    } else if states
        .iter()
        .any(|(s, h, _)| s == "restarting" || s == "dead" || h == "unhealthy")
    {
        State::Failed
    } else {
        State::Unknown
    };
    ServiceStatus::new(state, None, detail)
}

fn parent(path: &str) -> Option<&str> {
    match path.rsplit_once('/') {
        Some(("", _)) => Some("/"),
        Some((dir, _)) => Some(dir),
        None => None,
    }
}
