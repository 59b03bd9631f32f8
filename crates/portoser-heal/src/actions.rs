//! The actions of the loop, each with its guard: what a rule's `do` block can change on a
//! host, and what refuses it (policy, the service's own instance, paths outside the base,
//! volumes). Part of [`Solver`]; `solve.rs` walks the body.

use crate::eval::text;
use crate::facts::FactCall;
use crate::solve::Solver;
use crate::value::Value;
use portoser_engine::Engine;
use portoser_transport::{Cmd, ExecOptions, Script};
use std::time::{Duration, Instant};

impl Solver<'_> {
    fn destructive_allowed(&self, what: &str) -> Result<(), String> {
        if !self.rule.destructive {
            return Err(format!(
                "`{what}` is destructive and rule `{}` does not declare @allow(destructive)",
                self.rule.name
            ));
        }
        if !self.policy.destructive.contains(self.service) {
            return Err(format!(
                "`{what}` is destructive and the project does not allow it for `{}`: add \
                 `allow destructive for {}` to a playbook in playbooks/",
                self.service, self.service
            ));
        }
        Ok(())
    }

    pub(crate) async fn act(
        &mut self,
        name: &str,
        get: &(dyn Fn(&str) -> Option<Value> + Sync),
    ) -> Result<String, String> {
        let host_of = |v: Option<Value>| match v {
            Some(Value::Host(h)) => Ok(h),
            other => Err(format!(
                "no host given ({})",
                other.map(|v| v.to_string()).unwrap_or_default()
            )),
        };
        let service_of = |v: Option<Value>| match v {
            Some(Value::Service(s)) => Ok(s),
            other => Err(format!(
                "no service given ({})",
                other.map(|v| v.to_string()).unwrap_or_default()
            )),
        };
        let ms = |v: Option<Value>, default: u64| match v {
            Some(Value::Duration(ms)) => Duration::from_millis(ms),
            _ => Duration::from_millis(default),
        };
        match name {
            "log" | "notify" => Ok(get("msg").map(|v| text(&v)).unwrap_or_default()),
            "stop_process" | "kill_process" => {
                self.destructive_allowed(name)?;
                let host = host_of(get("host"))?;
                let Some(Value::Int(pid)) = get("pid") else {
                    return Err("no pid".into());
                };
                let grace = if name == "kill_process" {
                    Duration::ZERO
                } else {
                    ms(get("grace"), 10_000)
                };
                self.stop_process(&host, pid, grace).await
            }
            "wait_port_free" => {
                let host = host_of(get("host"))?;
                let Some(Value::Int(port)) = get("port") else {
                    return Err("no port".into());
                };
                let until = Instant::now() + ms(get("timeout"), 30_000);
                loop {
                    let call =
                        FactCall::new("port_owner", &[Value::Host(host.clone()), Value::Int(port)]);
                    if self.observer.observe(&call).await == Value::Absent {
                        return Ok(format!("port {port} is free"));
                    }
                    if Instant::now() >= until {
                        return Err(format!("port {port} is still held"));
                    }
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
            "start_docker" => {
                let host = host_of(get("host"))?;
                let h = self.observer.world.host(&host).cloned().unwrap_or_default();
                // The registry's `docker_start` (a trusted setting, like a service's
                // `command`), else the platform's way.
                let start = match (&h.docker_start, h.arch.ends_with("apple")) {
                    (Some(cmd), _) => Cmd::new("sh").arg("-c").arg(cmd),
                    (None, true) => Cmd::new("open").args(["-a", "Docker"]),
                    (None, false) => Cmd::new("sudo").args(["-n", "systemctl", "start", "docker"]),
                };
                self.exec(&host, Script::from(start), Duration::from_secs(60))
                    .await
            }
            "wait_docker" => {
                let host = host_of(get("host"))?;
                let until = Instant::now() + ms(get("timeout"), 60_000);
                while !self.observer.docker_running(&host).await {
                    if Instant::now() >= until {
                        return Err("the docker daemon still does not answer".into());
                    }
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
                Ok("docker answers".into())
            }
            "prune_docker" => {
                if get("volumes") == Some(Value::Bool(true)) {
                    return Err("`docker volume prune` is never an automatic action".into());
                }
                self.destructive_allowed(name)?;
                let host = host_of(get("host"))?;
                let prune = Cmd::new("docker").args(["system", "prune", "--force"]);
                self.exec(&host, Script::from(prune), Duration::from_secs(300))
                    .await
            }
            "remove_file" => {
                self.destructive_allowed(name)?;
                let host = host_of(get("host"))?;
                let path = self.inside_base(&host, get("path"))?;
                let rm = Cmd::new("rm").args(["-f", "--"]).arg(path);
                self.exec(&host, Script::from(rm), Duration::from_secs(20))
                    .await
            }
            "fix_permissions" => {
                let host = host_of(get("host"))?;
                let path = self.inside_base(&host, get("path"))?;
                let Some(Value::Int(mode)) = get("mode") else {
                    return Err("no mode".into());
                };
                if !(0..=0o777).contains(&mode_octal(mode)) {
                    return Err(format!("mode {mode} is not a permission mode"));
                }
                // Ownership needs privileges the SSH user may not have: chmod is what it
                // can do on a directory it owns.
                let chmod = Cmd::new("chmod").arg(mode.to_string()).arg(path);
                self.exec(&host, Script::from(chmod), Duration::from_secs(20))
                    .await
            }
            "clean_pid_file" => {
                let service = service_of(get("service"))?;
                self.clean_pid_file(&service).await
            }
            "rotate_logs" => {
                let service = service_of(get("service"))?;
                self.rotate_logs(&service).await
            }
            "start" | "stop" | "restart" => {
                let service = service_of(get("service"))?;
                if name == "stop" && service == self.service {
                    return Err(format!("a heal never stops `{service}` itself"));
                }
                self.engine_op(name, &service).await
            }
            "wait_healthy" => {
                let service = service_of(get("service"))?;
                let until = Instant::now() + ms(get("timeout"), 60_000);
                while !self.observer.healthy(&service).await {
                    if Instant::now() >= until {
                        return Err(format!("`{service}` is still not healthy"));
                    }
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
                Ok(format!("`{service}` is healthy"))
            }
            other => Err(format!("the healing loop cannot run `{other}` yet")),
        }
    }

    async fn exec(&self, host: &str, script: Script, timeout: Duration) -> Result<String, String> {
        let t = self.observer.transport(host).await?;
        let out = t
            .exec(&script, ExecOptions::with_timeout(timeout))
            .await
            .map_err(|e| e.to_string())?;
        if out.success() {
            Ok(out.stdout_text().trim().chars().take(200).collect())
        } else {
            Err(out.stderr_text().trim().chars().take(400).collect())
        }
    }

    /// SIGTERM, wait up to `grace`, SIGKILL. Refuses a process of the failing service: its
    /// owner is observed again right before the signal.
    async fn stop_process(&self, host: &str, pid: i64, grace: Duration) -> Result<String, String> {
        if pid <= 1 {
            return Err(format!("pid {pid} is not a process portoser may stop"));
        }
        if let Value::Process(p) = self.observer.process(host, pid).await
            && p.service.as_deref() == Some(self.service)
        {
            return Err(format!(
                "pid {pid} belongs to `{}` itself: a heal never stops it",
                self.service
            ));
        }
        let term = Cmd::new("kill").arg("-TERM").arg(pid.to_string());
        let _ = self
            .exec(host, Script::from(term), Duration::from_secs(10))
            .await;
        let until = Instant::now() + grace;
        loop {
            let gone = Cmd::new("test").arg("-d").arg(format!("/proc/{pid}"));
            if self
                .observer
                .stdout(host, Script::from(gone))
                .await
                .is_none()
            {
                return Ok(format!("pid {pid} ended after SIGTERM"));
            }
            if Instant::now() >= until {
                let kill = Cmd::new("kill").arg("-KILL").arg(pid.to_string());
                self.exec(host, Script::from(kill), Duration::from_secs(10))
                    .await?;
                return Ok(format!("pid {pid} killed after {}s", grace.as_secs()));
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    async fn clean_pid_file(&self, service: &str) -> Result<String, String> {
        let info = self.observer.world.known_service(service)?.clone();
        if let Value::Int(pid) = self.observer.pid_file(service).await {
            let alive = Cmd::new("test").arg("-d").arg(format!("/proc/{pid}"));
            if self
                .observer
                .stdout(&info.host, Script::from(alive))
                .await
                .is_some()
            {
                return Err(format!(
                    "pid {pid} of `{service}` is alive: its pid file stays"
                ));
            }
        }
        let rm = Cmd::new("rm")
            .args(["-f", "--"])
            .arg(format!("{}/pid", info.run_dir))
            .arg(format!("{}/child.pid", info.run_dir));
        self.exec(&info.host, Script::from(rm), Duration::from_secs(20))
            .await?;
        Ok(format!("removed the stale pid file of `{service}`"))
    }

    /// Frees the space old logs take: the local engine's rotated copy (`<log>.1`) and, in the
    /// deploy directory, rotated or archived logs (`*.log.1`, `*.log.2.gz`, `*.log.gz`). The
    /// current `*.log` files stay; nothing else is touched.
    async fn rotate_logs(&self, service: &str) -> Result<String, String> {
        let info = self.observer.world.known_service(service)?.clone();
        let Some(spec) = self.observer.spec(service) else {
            return Err("no spec".into());
        };
        let rotated = Cmd::new("rm")
            .args(["-f", "--"])
            .arg(format!("{}.1", spec.log_file()));
        let old = Cmd::new("find")
            .arg(&info.deploy_dir)
            .args(["-maxdepth", "2", "-type", "f", "("])
            .args(["-name", "*.log.[0-9]*", "-o", "-name", "*.log.gz", ")"])
            .args(["-print", "-delete"]);
        let script = Script::from(rotated).and(old);
        let out = self
            .exec(&info.host, script, Duration::from_secs(60))
            .await?;
        let n = out.lines().filter(|l| !l.trim().is_empty()).count();
        Ok(format!("removed {n} old log file(s) of `{service}`"))
    }

    async fn engine_op(&self, op: &str, service: &str) -> Result<String, String> {
        let spec = self.observer.spec(service).ok_or("no spec")?.clone();
        let t = self.observer.transport(&spec.host).await?;
        let engine = Engine::for_spec(&spec);
        let r = match op {
            "start" => engine.start(&t, &spec).await,
            "stop" => engine.stop(&t, &spec).await,
            _ => engine.restart(&t, &spec).await,
        };
        r.map(|()| format!("{op} `{service}`"))
            .map_err(|e| e.to_string())
    }

    /// A path argument, which must be absolute and inside the host's base directory.
    fn inside_base(&self, host: &str, v: Option<Value>) -> Result<String, String> {
        let path = match v {
            Some(Value::Str(p)) => p,
            other => return Err(format!("no path ({other:?})")),
        };
        let base = self
            .observer
            .world
            .host(host)
            .map(|h| h.path.clone())
            .unwrap_or_default();
        let clean = !path.split('/').any(|c| c == "..");
        if base.is_empty()
            || !clean
            || !(path == base || path.starts_with(&format!("{}/", base.trim_end_matches('/'))))
        {
            return Err(format!(
                "`{path}` is outside the host's base directory `{base}`"
            ));
        }
        Ok(path)
    }
}

/// `755` as written in a rule → 0o755.
fn mode_octal(mode: i64) -> i64 {
    i64::from_str_radix(&mode.to_string(), 8).unwrap_or(-1)
}
