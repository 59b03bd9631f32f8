//! A process supervised by portoser's own POSIX sh supervisor (`supervise.sh`), uploaded to
//! `<base>/.portoser/bin/supervise`. Values reach it only as argv: the service command is ONE
//! argument that the supervisor hands to `sh -c`.

use crate::error::EngineError;
use crate::spec::ServiceSpec;
use crate::status::{ServiceStatus, State};
use crate::{LONG, SHORT, run};
use portoser_transport::{Cmd, Script, Transport};

/// The supervisor script, uploaded as is (it holds no service data).
pub const SUPERVISOR: &str = include_str!("supervise.sh");

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Local {
    /// Seconds between TERM and KILL on stop.
    pub grace_secs: u32,
    /// The log is rotated to `<log>.1` beyond this size.
    pub max_log_bytes: u64,
}

impl Default for Local {
    fn default() -> Self {
        Local {
            grace_secs: 10,
            max_log_bytes: 10 * 1024 * 1024,
        }
    }
}

impl Local {
    /// `mkdir -p` of the portoser directories, then `uv sync --frozen` when the service
    /// uses uv.
    pub fn prepare_script(&self, spec: &ServiceSpec) -> Script {
        let mut script = Script::from(
            Cmd::new("mkdir")
                .arg("-p")
                .arg(parent(&spec.supervisor_path()))
                .arg(spec.run_dir())
                .arg(parent(&spec.log_file())),
        );
        if spec.uv {
            script = script.and(uv_sync(spec));
        }
        script
    }

    pub fn start_script(&self, spec: &ServiceSpec) -> Result<Script, EngineError> {
        let command = spec.command.as_deref().ok_or_else(|| {
            EngineError::spec(
                &spec.name,
                "a local service needs `command` or a service.yml `start`",
            )
        })?;
        let mut cmd = Cmd::new("sh")
            .arg(spec.supervisor_path())
            .arg("start")
            .arg(spec.run_dir())
            .arg(spec.log_file())
            .arg(self.max_log_bytes.to_string())
            .arg(&spec.service_dir)
            .arg(spec.env_file.clone().unwrap_or_default())
            .arg(spec.secrets_file.clone().unwrap_or_default())
            .arg(command);
        for (k, v) in &spec.env {
            cmd = cmd.env(k, v);
        }
        Ok(Script::from(cmd))
    }

    pub fn stop_script(&self, spec: &ServiceSpec) -> Script {
        Script::from(
            Cmd::new("sh")
                .arg(spec.supervisor_path())
                .arg("stop")
                .arg(spec.run_dir())
                .arg(self.grace_secs.to_string()),
        )
    }

    pub fn status_script(&self, spec: &ServiceSpec) -> Script {
        Script::from(
            Cmd::new("sh")
                .arg(spec.supervisor_path())
                .arg("status")
                .arg(spec.run_dir()),
        )
    }

    /// Uploads the supervisor, syncs uv, stops an old instance, starts the new one.
    pub async fn deploy(&self, t: &Transport, spec: &ServiceSpec) -> Result<(), EngineError> {
        let start = self.start_script(spec)?;
        run(
            t,
            &self.prepare_script(spec),
            if spec.uv { "uv sync --frozen" } else { "mkdir" },
            LONG,
        )
        .await?;
        t.upload(&spec.supervisor_path(), SUPERVISOR.as_bytes(), 0o755, SHORT)
            .await?;
        run(
            t,
            &self.stop_script(spec),
            "sh supervise stop",
            SHORT + secs(self.grace_secs),
        )
        .await?;
        run(t, &start, "sh supervise start", SHORT).await.map(drop)
    }

    pub async fn start(&self, t: &Transport, spec: &ServiceSpec) -> Result<(), EngineError> {
        run(t, &self.start_script(spec)?, "sh supervise start", SHORT)
            .await
            .map(drop)
    }

    pub async fn stop(&self, t: &Transport, spec: &ServiceSpec) -> Result<(), EngineError> {
        run(
            t,
            &self.stop_script(spec),
            "sh supervise stop",
            SHORT + secs(self.grace_secs),
        )
        .await
        .map(drop)
    }

    pub async fn status(
        &self,
        t: &Transport,
        spec: &ServiceSpec,
    ) -> Result<ServiceStatus, EngineError> {
        let out = t
            .exec(
                &self.status_script(spec),
                portoser_transport::ExecOptions::with_timeout(SHORT),
            )
            .await?;
        // No supervisor yet (never deployed): stopped.
        if out.status == Some(127) || (!out.success() && out.stderr_text().contains("No such file"))
        {
            return Ok(ServiceStatus::new(State::Stopped, None, "not deployed"));
        }
        if !out.success() {
            return Err(crate::failure(t.host(), "sh supervise status", &out));
        }
        Ok(parse_status(&out.stdout_text()))
    }

    /// Stops the process; the service directory, its data and the log stay.
    pub async fn remove(&self, t: &Transport, spec: &ServiceSpec) -> Result<(), EngineError> {
        let status = self.status(t, spec).await?;
        if status.detail == "not deployed" {
            return Ok(());
        }
        self.stop(t, spec).await?;
        let script = Script::from(Cmd::new("rm").arg("-rf").arg("--").arg(spec.run_dir()));
        run(t, &script, "rm", SHORT).await.map(drop)
    }
}

fn secs(s: u32) -> std::time::Duration {
    std::time::Duration::from_secs(u64::from(s))
}

/// `uv sync --frozen` in the service directory, never downloading an interpreter.
pub fn uv_sync(spec: &ServiceSpec) -> Cmd {
    Cmd::new("uv")
        .arg("sync")
        .arg("--frozen")
        .cwd(&spec.service_dir)
        .env("UV_PYTHON_DOWNLOADS", "never")
}

/// `tail -n N [-F] LOG`.
pub fn logs_script(spec: &ServiceSpec, n: u32, follow: bool) -> Script {
    let mut cmd = Cmd::new("tail").arg("-n").arg(n.to_string());
    if follow {
        cmd = cmd.arg("-F");
    }
    Script::from(cmd.arg("--").arg(spec.log_file()))
}

/// The supervisor's `status` line: `running|restarting|dead STARTED RESTARTS LAST_EXIT` or
/// `stopped`.
pub fn parse_status(text: &str) -> ServiceStatus {
    let mut words = text.split_whitespace();
    let word = words.next().unwrap_or("");
    let since = words.next().filter(|s| *s != "-").map(str::to_string);
    let restarts: u32 = words.next().and_then(|r| r.parse().ok()).unwrap_or(0);
    let last = words.next().filter(|s| *s != "-");
    let mut detail = match restarts {
        0 => String::new(),
        1 => "restarted once".to_string(),
        n => format!("restarted {n} times"),
    };
    if let Some(code) = last {
        if !detail.is_empty() {
            detail.push_str("; ");
        }
        detail.push_str(&format!("last exit status {code}"));
    }
    match word {
        "running" => ServiceStatus::new(State::Running, since, detail),
        "restarting" => ServiceStatus::new(
            State::Failed,
            since,
            format!("crashed, restarting; {detail}"),
        ),
        "dead" => ServiceStatus::new(
            State::Failed,
            since,
            format!("the supervisor is gone; {detail}"),
        ),
        "stopped" => ServiceStatus::new(State::Stopped, None, detail),
        other => ServiceStatus::new(
            State::Unknown,
            None,
            format!("unexpected supervisor output `{other}`"),
        ),
    }
}

fn parent(path: &str) -> String {
    path.rsplit_once('/')
        .map_or(".", |(d, _)| if d.is_empty() { "/" } else { d })
        .to_string()
}
