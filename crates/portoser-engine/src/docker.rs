//! docker compose v2: one compose project per service (`portoser-<name>`), only the
//! service's compose service when `service_name` is set, and named volumes kept on stop and
//! remove (`down` without `-v`: the original deleted them on every restart).

use crate::error::EngineError;
use crate::spec::{CONTAINER_TLS_DIR, ServiceSpec};
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
        self.up_script_with(spec, None)
    }

    /// `up_script` with a second compose file (`-f FILE -f OVERRIDE`) merged over the user's.
    pub fn up_script_with(&self, spec: &ServiceSpec, overlay: Option<&str>) -> Script {
        let mut up = self.compose(spec, &[], false);
        if let Some(file) = overlay {
            up = up.arg("-f").arg(file);
        }
        up = up.args(["up", "-d", "--wait"]);
        if let Some(s) = &spec.compose_service {
            up = up.arg("--").arg(s);
        }
        Script::new()
            .and(
                Cmd::new("test")
                    .arg("-f")
                    .arg(spec.compose_file.clone().unwrap_or_default()),
            )
            .or(Cmd::new("sh").arg("-c").arg("exit 66"))
            .and(up)
    }

    pub async fn deploy(&self, t: &Transport, spec: &ServiceSpec) -> Result<(), EngineError> {
        self.need_file(spec)?;
        let overlay = self.overlay(t, spec).await?;
        let up = self.up_script_with(spec, overlay.as_deref());
        self.exec(t, spec, &up, "docker compose up", LONG)
            .await
            .map(drop)
    }

    /// Writes `<service dir>/.portoser/compose.portoser.yml` when the service has secrets or
    /// TLS files: it gives the compose services portoser runs (`service_name`, or all of the
    /// file) the secrets file as an `env_file` and `tls/` as a read-only bind mount at
    /// [`CONTAINER_TLS_DIR`]. The user's compose file is never edited. The service names come
    /// from `compose config --services` and are checked before they go into the YAML.
    async fn overlay(
        &self,
        t: &Transport,
        spec: &ServiceSpec,
    ) -> Result<Option<String>, EngineError> {
        let additions = Additions {
            env_file: spec.secrets_file.as_deref(),
            tls_dir: spec.tls_dir.as_deref(),
        };
        if additions.is_empty() {
            return Ok(None);
        }
        let names = match &spec.compose_service {
            Some(s) => vec![s.clone()],
            None => {
                let list = Script::from(self.compose(spec, &["config", "--services"], false));
                let out = self
                    .exec(t, spec, &list, "docker compose config --services", SHORT)
                    .await?;
                out.stdout_text()
                    .lines()
                    .map(|l| l.trim().to_string())
                    .collect()
            }
        };
        let yaml = overlay_yaml(&names, &additions).ok_or_else(|| {
            EngineError::spec(
                &spec.name,
                "a compose service name has characters portoser does not put in YAML",
            )
        })?;
        let path = format!("{}/.portoser/compose.portoser.yml", spec.service_dir);
        t.upload(&path, yaml.as_bytes(), 0o600, SHORT).await?;
        Ok(Some(path))
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
        let ps = out.stdout_text();
        let mut status = parse_ps(&ps);
        status.since = self.since(t, &container_ids(&ps), status.state).await;
        Ok(status)
    }

    /// When the containers entered their state, from `docker inspect` (compose's `ps` gives
    /// only the creation time and a relative `Status`): the latest start of a running (or
    /// failing) service, the latest finish of a stopped one, as an epoch second like the
    /// local engine's. Best effort: a container gone in between gives `None`, not an error.
    async fn since(&self, t: &Transport, ids: &[String], state: State) -> Option<String> {
        if ids.is_empty() {
            return None;
        }
        let mut cmd = Cmd::new("docker")
            .arg("inspect")
            .arg("--format")
            .arg("{{.State.StartedAt}} {{.State.FinishedAt}}")
            .arg("--")
            .args(ids.iter().cloned());
        if let Some(h) = &self.docker_host {
            cmd = cmd.env("DOCKER_HOST", h);
        }
        if let Some(c) = &self.docker_config {
            cmd = cmd.env("DOCKER_CONFIG", c);
        }
        let out = t
            .exec(&Script::from(cmd), ExecOptions::with_timeout(SHORT))
            .await
            .ok()?;
        out.success()
            .then(|| parse_since(&out.stdout_text(), state == State::Stopped))
            .flatten()
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

/// What portoser adds to each compose service it runs.
#[derive(Clone, Copy, Debug, Default)]
pub struct Additions<'a> {
    /// The secrets file, as an `env_file`.
    pub env_file: Option<&'a str>,
    /// The service's `tls/` directory, bind-mounted read-only at [`CONTAINER_TLS_DIR`].
    pub tls_dir: Option<&'a str>,
}

impl Additions<'_> {
    fn is_empty(&self) -> bool {
        self.env_file.is_none() && self.tls_dir.is_none()
    }
}

/// `services: {NAME: {env_file: [FILE], volumes: [{type: bind, ...}]}}` as YAML, names and
/// paths as JSON strings (valid YAML; the long volume syntax, so a path with `:` stays one
/// path); None when a name is not a plain compose name.
pub fn overlay_yaml(names: &[String], add: &Additions) -> Option<String> {
    let plain = |n: &String| {
        n.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    let mut out =
        String::from("# written by portoser at apply time (docs/engines.md)\nservices:\n");
    for name in names.iter().filter(|n| !n.is_empty()) {
        if !plain(name) {
            return None;
        }
        out.push_str(&format!("  {name}:\n"));
        if let Some(file) = add.env_file {
            out.push_str(&format!("    env_file:\n      - {}\n", yaml_string(file)));
        }
        if let Some(dir) = add.tls_dir {
            out.push_str(&format!(
                "    volumes:\n      - type: bind\n        source: {}\n        target: {}\n        read_only: true\n",
                yaml_string(dir),
                yaml_string(CONTAINER_TLS_DIR)
            ));
        }
    }
    Some(out)
}

/// A double-quoted YAML scalar (the JSON escapes are YAML's too).
fn yaml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
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

/// The `ID` (else `Name`) of every container in `docker compose ps --format json` output.
pub fn container_ids(ps: &str) -> Vec<String> {
    let mut ids = Vec::new();
    for line in ps.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let items = match serde_json::from_str::<serde_json::Value>(line) {
            Ok(serde_json::Value::Array(items)) => items,
            Ok(v @ serde_json::Value::Object(_)) => vec![v],
            _ => continue,
        };
        for c in &items {
            let id = ["ID", "Name"]
                .iter()
                .find_map(|k| c.get(*k).and_then(|v| v.as_str()).filter(|v| !v.is_empty()));
            ids.extend(id.map(str::to_string));
        }
    }
    ids
}

/// `docker inspect` lines of `STARTED FINISHED` (RFC 3339, UTC): the latest start (or
/// finish, when `stopped`) as an epoch second. Docker's zero time (never started) is skipped.
pub fn parse_since(text: &str, stopped: bool) -> Option<String> {
    text.lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            let (started, finished) = (words.next()?, words.next());
            epoch_seconds(if stopped { finished? } else { started })
        })
        .max()
        .map(|s| s.to_string())
}

/// `2026-11-03T05:12:01.123456789Z` (or with a `+hh:mm` / `-hh:mm` offset) as seconds since
/// the epoch; `None` for anything else or a time before 1970.
pub fn epoch_seconds(ts: &str) -> Option<i64> {
    let (date, time) = ts.split_once('T')?;
    let mut d = date.splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (y, mo, day) = (d.next()??, d.next()??, d.next()??);
    let (clock, offset) = match time.strip_suffix('Z') {
        Some(clock) => (clock, 0),
        None => {
            let at = time.rfind(['+', '-'])?;
            let (clock, off) = time.split_at(at);
            let (h, m) = off.get(1..)?.split_once(':')?;
            let secs = h.parse::<i64>().ok()? * 3600 + m.parse::<i64>().ok()? * 60;
            (clock, if off.starts_with('-') { -secs } else { secs })
        }
    };
    let clock = clock.split('.').next()?;
    let mut c = clock.splitn(3, ':').map(|p| p.parse::<i64>().ok());
    let (h, mi, sec) = (c.next()??, c.next()??, c.next()??);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&day) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    // Days from the civil date (Howard Hinnant's algorithm), proleptic Gregorian.
    let yy = if mo <= 2 { y - 1 } else { y };
    let era = yy.div_euclid(400);
    let yoe = yy - era * 400;
    let doy = (153 * (if mo > 2 { mo - 3 } else { mo + 9 }) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + h * 3600 + mi * 60 + sec - offset;
    (secs >= 0).then_some(secs)
}

fn parent(path: &str) -> Option<&str> {
    match path.rsplit_once('/') {
        Some(("", _)) => Some("/"),
        Some((dir, _)) => Some(dir),
        None => None,
    }
}
