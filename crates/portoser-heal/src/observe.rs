//! Observe: each fact as commands on the service's host, over the run's own connections
//! (the same [`Pool`]). Every command is a `Cmd`; nothing is built from text. A fact that
//! cannot be observed is absent (or false), never a guess.

use crate::facts::FactCall;
use crate::value::{Process, Value};
use crate::world::World;
use portoser_engine::status::State;
use portoser_engine::{Engine, ServiceSpec};
use portoser_transport::{Cmd, ExecOptions, Pool, Script, Transport};
use std::sync::Arc;
use std::time::Duration;

const QUICK: Duration = Duration::from_secs(20);

#[derive(Clone)]
pub struct Observer {
    pub pool: Pool,
    pub world: Arc<World>,
}

impl Observer {
    pub fn new(pool: Pool, world: Arc<World>) -> Observer {
        Observer { pool, world }
    }

    pub async fn transport(&self, host: &str) -> Result<Transport, String> {
        self.pool.get(host).await.map_err(|e| e.to_string())
    }

    /// Runs `script` on `host`: `Some(stdout)` when it exited 0.
    pub async fn stdout(&self, host: &str, script: Script) -> Option<String> {
        let t = self.transport(host).await.ok()?;
        let out = t
            .exec(&script, ExecOptions::with_timeout(QUICK))
            .await
            .ok()?;
        out.success().then(|| out.stdout_text())
    }

    pub fn spec(&self, service: &str) -> Option<&ServiceSpec> {
        self.world.specs.get(service)
    }

    pub async fn observe(&self, call: &FactCall) -> Value {
        let a: Vec<&str> = call.args.iter().map(String::as_str).collect();
        match (call.name.as_str(), a.as_slice()) {
            ("port_owner", [host, port]) => self.port_owner(host, port).await,
            ("port_free", [host, port]) => {
                Value::Bool(self.port_owner(host, port).await == Value::Absent)
            }
            ("disk_used", [host, path]) => match self.df(host, path).await {
                Some((used, _)) => Value::Percent(used),
                None => Value::Absent,
            },
            ("disk_free", [host, path]) => match self.df(host, path).await {
                Some((_, free)) => Value::Size(free),
                None => Value::Absent,
            },
            ("writable", [host, path]) => self.writable(host, path).await,
            ("docker_running", [host]) => Value::Bool(self.docker_running(host).await),
            ("process_alive", [host, pid]) => Value::Bool(self.alive(host, pid).await),
            ("pid_file", [service]) => self.pid_file(service).await,
            ("running", [service]) => Value::Bool(self.running(service).await),
            ("healthy", [service]) => Value::Bool(self.healthy(service).await),
            ("unhealthy_dependency", [service]) => self.unhealthy_dependency(service).await,
            ("stale_instance", [service]) => self.stale_instance(service).await,
            ("reachable", [host]) => {
                let probe = Script::from(Cmd::new("true"));
                Value::Bool(self.stdout(host, probe).await.is_some())
            }
            _ => Value::Absent,
        }
    }

    pub async fn docker_running(&self, host: &str) -> bool {
        let info = Cmd::new("docker").args(["info", "--format", "{{.ServerVersion}}"]);
        self.stdout(host, Script::from(info)).await.is_some()
    }

    /// Whether the SSH user can create files in the directory `path`: write and search
    /// permission (`test -w`, `test -x`: the kernel's own answer, ACLs and groups included).
    /// Absent when the directory does not exist — the deploy creates a missing one, so it is
    /// not a denied permission — or when the host cannot be asked. One round trip: the
    /// script always exits 0 and says what it found.
    async fn writable(&self, host: &str, path: &str) -> Value {
        let test = |flag: &str| Cmd::new("test").arg(flag).arg(path);
        let script = Script::from(test("-d"))
            .and(Cmd::new("echo").arg("exists"))
            .then(test("-w"))
            .and(test("-x"))
            .and(Cmd::new("echo").arg("writable"))
            .then(Cmd::new("true"));
        match self.stdout(host, script).await {
            Some(out) => parse_writable(&out),
            None => Value::Absent,
        }
    }

    async fn alive(&self, host: &str, pid: &str) -> bool {
        let Ok(pid) = pid.parse::<u32>() else {
            return false;
        };
        let test = Cmd::new("test").arg("-d").arg(format!("/proc/{pid}"));
        self.stdout(host, Script::from(test)).await.is_some()
    }

    /// `(percent used, bytes free)` of the filesystem holding `path` (POSIX `df -P`).
    async fn df(&self, host: &str, path: &str) -> Option<(u8, u64)> {
        let df = Cmd::new("df").arg("-P").arg("-k").arg("--").arg(path);
        let out = self.stdout(host, Script::from(df)).await?;
        parse_df(&out)
    }

    /// The process listening on TCP `port` (`ss -ltnp`), with the service it belongs to.
    async fn port_owner(&self, host: &str, port: &str) -> Value {
        let Ok(port) = port.parse::<u16>() else {
            return Value::Absent;
        };
        let ss = Cmd::new("ss")
            .args(["-H", "-ltnp", "sport", "="])
            .arg(format!(":{port}"));
        let Some(out) = self.stdout(host, Script::from(ss)).await else {
            return Value::Absent;
        };
        if out.trim().is_empty() {
            return Value::Absent;
        }
        // A listener whose process we may not see (another user's: docker-proxy, root) is
        // still a listener; a published container port says which compose project holds it.
        let Some(pid) = parse_ss_pid(&out) else {
            let (name, service) = self.container_on(host, port).await.unwrap_or_default();
            return Value::Process(Process {
                pid: 0,
                name: if name.is_empty() {
                    "(hidden)".into()
                } else {
                    name
                },
                command: String::new(),
                user: "(another user)".into(),
                service,
                cwd: String::new(),
            });
        };
        self.process(host, pid).await
    }

    /// The container publishing `port` on `host`, and the service whose compose project
    /// (`portoser-<service>`) it belongs to.
    async fn container_on(&self, host: &str, port: u16) -> Option<(String, Option<String>)> {
        let ps = Cmd::new("docker")
            .args(["ps", "--filter"])
            .arg(format!("publish={port}"))
            .args([
                "--format",
                "{{.Names}}\t{{.Label \"com.docker.compose.project\"}}",
            ]);
        let out = self.stdout(host, Script::from(ps)).await?;
        let line = out.lines().next()?;
        let (name, project) = line.split_once('\t').unwrap_or((line, ""));
        let service = project
            .strip_prefix("portoser-")
            .filter(|s| self.world.services.contains_key(*s))
            .map(str::to_string);
        Some((name.to_string(), service))
    }

    /// `ps` of one pid, and the local service whose supervisor leads its process group.
    pub async fn process(&self, host: &str, pid: i64) -> Value {
        let ps = Cmd::new("ps")
            .args(["-o", "pgid=,user=,comm=,args=", "-p"])
            .arg(pid.to_string());
        let Some(out) = self.stdout(host, Script::from(ps)).await else {
            return Value::Absent;
        };
        let mut words = out.split_whitespace();
        let pgid: i64 = words.next().and_then(|w| w.parse().ok()).unwrap_or(-1);
        let user = words.next().unwrap_or("").to_string();
        let name = words.next().unwrap_or("").to_string();
        let command = words.collect::<Vec<_>>().join(" ");
        let service = self.service_of_group(host, pgid).await;
        let readlink = Cmd::new("readlink").arg(format!("/proc/{pid}/cwd"));
        let cwd = self
            .stdout(host, Script::from(readlink))
            .await
            .unwrap_or_default()
            .trim()
            .to_string();
        Value::Process(Process {
            pid,
            name,
            command,
            user,
            service,
            cwd,
        })
    }

    /// The local service on `host` whose supervisor pid (its process group) is `pgid`.
    async fn service_of_group(&self, host: &str, pgid: i64) -> Option<String> {
        for s in self.world.services.values().filter(|s| s.host == host) {
            if let Value::Int(p) = self.pid_file(&s.name).await
                && p == pgid
            {
                return Some(s.name.clone());
            }
        }
        None
    }

    /// The local engine's supervisor pid file.
    pub async fn pid_file(&self, service: &str) -> Value {
        let Some(s) = self.world.service(service) else {
            return Value::Absent;
        };
        if s.engine != "local" {
            return Value::Absent;
        }
        let cat = Cmd::new("cat").arg(format!("{}/pid", s.run_dir));
        let host = s.host.clone();
        match self.stdout(&host, Script::from(cat)).await {
            Some(text) => text.trim().parse().map_or(Value::Absent, Value::Int),
            None => Value::Absent,
        }
    }

    async fn running(&self, service: &str) -> bool {
        let Some(spec) = self.spec(service) else {
            return false;
        };
        let Ok(t) = self.transport(&spec.host).await else {
            return false;
        };
        matches!(
            Engine::for_spec(spec)
                .status(&t, spec)
                .await
                .map(|s| s.state),
            Ok(State::Running)
        )
    }

    pub async fn healthy(&self, service: &str) -> bool {
        let Some(spec) = self.spec(service) else {
            return false;
        };
        let Some(health) = &spec.health else {
            // Without a check, running is the best we know.
            return self.running(service).await;
        };
        let Ok(t) = self.transport(&spec.host).await else {
            return false;
        };
        portoser_engine::health::check_once(&t, spec, &health.probe)
            .await
            .is_ok()
    }

    /// The process holding the service's port that runs from its deploy directory but that
    /// no live supervisor of the service owns: a crashed instance's leftover.
    pub async fn stale_instance(&self, service: &str) -> Value {
        let Some(info) = self.world.service(service).cloned() else {
            return Value::Absent;
        };
        let Some(port) = info.port else {
            return Value::Absent;
        };
        match self.port_owner(&info.host, &port.to_string()).await {
            Value::Process(p)
                if p.service.is_none()
                    && !p.cwd.is_empty()
                    && p.cwd.trim_end_matches('/') == info.deploy_dir.trim_end_matches('/') =>
            {
                Value::Process(p)
            }
            _ => Value::Absent,
        }
    }

    async fn unhealthy_dependency(&self, service: &str) -> Value {
        let deps = self
            .world
            .service(service)
            .map(|s| s.dependencies.clone())
            .unwrap_or_default();
        for dep in deps {
            if !self.healthy(&dep).await {
                return Value::Service(dep);
            }
        }
        Value::Absent
    }
}

/// `users:(("python3",pid=812,fd=3))` → 812.
pub fn parse_ss_pid(out: &str) -> Option<i64> {
    number_after(out, "pid=")
}

/// The decimal number right after the first `marker` in `text`.
pub fn number_after(text: &str, marker: &str) -> Option<i64> {
    let at = text.find(marker)? + marker.len();
    let digits: String = text[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// The words of the `writable` probe: `exists` (a directory), then `writable` when the user
/// may create files in it; nothing when there is no such directory.
pub fn parse_writable(out: &str) -> Value {
    let words: Vec<&str> = out.split_whitespace().collect();
    if !words.contains(&"exists") {
        return Value::Absent;
    }
    Value::Bool(words.contains(&"writable"))
}

/// The data line of `df -P -k`: `fs 1024-blocks used available capacity% mount`.
pub fn parse_df(out: &str) -> Option<(u8, u64)> {
    let line = out.lines().nth(1)?;
    let cols: Vec<&str> = line.split_whitespace().collect();
    let free_k: u64 = cols.get(3)?.parse().ok()?;
    let used: u8 = cols.get(4)?.trim_end_matches('%').parse().ok()?;
    Some((used, free_k * 1024))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ss_and_df_outputs_parse() {
        let ss = "LISTEN 0 5 0.0.0.0:24601 0.0.0.0:* users:((\"python3\",pid=812,fd=3))\n";
        assert_eq!(parse_ss_pid(ss), Some(812));
        assert_eq!(parse_ss_pid("LISTEN 0 5 0.0.0.0:80 0.0.0.0:*"), None);
        let df = "Filesystem 1024-blocks Used Available Capacity Mounted on\n\
                  tmpfs 1024 1000 24 98% /srv/x\n";
        assert_eq!(parse_df(df), Some((98, 24 * 1024)));
    }

    #[test]
    fn the_writable_probe_reads_three_answers() {
        assert_eq!(parse_writable("exists\nwritable\n"), Value::Bool(true));
        assert_eq!(parse_writable("exists\n"), Value::Bool(false));
        assert_eq!(parse_writable(""), Value::Absent, "no such directory");
    }
}
