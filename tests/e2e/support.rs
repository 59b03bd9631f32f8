//! Shared helpers of the end-to-end tests (`tests/e2e_*.rs`): the test bed, a project in a
//! tempdir driven through the real `portoser` binary, and ways to look at the hosts from
//! outside portoser (plain TCP/HTTP from the root namespace, `ssh` with the test bed's
//! ssh_config, `ip netns exec`, the sshd logs).
//!
//! Every test holds an exclusive file lock on the test bed for its whole run: the tests stop
//! daemons (sshd, dockerd) and count sshd logins, so they must not overlap, not even across
//! test binaries. Each test is a few seconds; the whole suite stays well under a minute or two.
#![allow(dead_code)]

use serde_json::Value;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The test bed, from the variables of `tests/testbed/out/env.sh`.
pub struct Bed {
    pub out: PathBuf,
    pub key: String,
    pub known_hosts: String,
    pub ssh_config: String,
    pub ctl: String,
    pub root: String,
    /// The generated registry without its `services: {}` line.
    pub hosts_yaml: String,
    _lock: File,
}

fn var(name: &str) -> String {
    std::env::var(name)
        .unwrap_or_else(|_| panic!("{name} is unset: source tests/testbed/out/env.sh"))
}

/// The test bed, locked for this test; `None` (after a loud SKIPPED line) when it is not up
/// and `CI` is unset. With `CI` set, a missing test bed fails the test.
pub fn bed(test: &str) -> Option<Bed> {
    bed_locked(test, false)
}

/// The test bed shared with the other tests that take it this way, and exclusive of those that
/// take it with [`bed`]: for tests that stop no daemon and only touch what is theirs (their own
/// services and ports, one of the two Caddy ingresses under its own lock: tests/e2e_caddy.rs).
pub fn bed_shared(test: &str) -> Option<Bed> {
    bed_locked(test, true)
}

fn bed_locked(test: &str, shared: bool) -> Option<Bed> {
    let Some(out) = std::env::var_os("PORTOSER_TESTBED") else {
        if std::env::var_os("CI").is_some() {
            panic!("{test}: CI must run tests/testbed/up.sh and source tests/testbed/out/env.sh");
        }
        // Straight to the stderr descriptor: libtest captures `eprintln!` of passing tests.
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: {test}: no test bed (run tests/testbed/install.sh && tests/testbed/up.sh, \
             then `source tests/testbed/out/env.sh`)"
        );
        return None;
    };
    let lock = File::create("/tmp/portoser-e2e.lock").expect("create the e2e lock file");
    if shared {
        lock.lock_shared().expect("lock the test bed (shared)");
    } else {
        lock.lock().expect("lock the test bed");
    }
    let registry = std::fs::read_to_string(var("PORTOSER_TESTBED_REGISTRY")).expect("registry");
    let hosts_yaml = registry
        .lines()
        .filter(|l| !l.starts_with("services:"))
        .map(|l| format!("{l}\n"))
        .collect();
    Some(Bed {
        out: PathBuf::from(out),
        key: var("PORTOSER_TESTBED_KEY"),
        known_hosts: var("PORTOSER_TESTBED_KNOWN_HOSTS"),
        ssh_config: var("PORTOSER_TESTBED_SSH_CONFIG"),
        ctl: var("PORTOSER_TESTBED_CTL"),
        root: var("PORTOSER_TESTBED_ROOT"),
        hosts_yaml,
        _lock: lock,
    })
}

/// `10.239.0.1x` of a host (`h1`, `sys`).
pub fn ip(host: &str) -> String {
    var(&format!("PORTOSER_TESTBED_{}_IP", host.to_uppercase()))
}

/// `ip netns exec <host's namespace>`: what follows runs "on" `host` as root.
pub fn as_root_on(host: &str) -> Command {
    let mut c = Command::new("ip");
    c.args(["netns", "exec"]).arg(var(&format!(
        "PORTOSER_TESTBED_{}_NETNS",
        host.to_uppercase()
    )));
    c
}

pub fn base(host: &str) -> String {
    var(&format!("PORTOSER_TESTBED_{}_PATH", host.to_uppercase()))
}

pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Out {
    fn from(o: Output) -> Out {
        Out {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
    pub fn all(&self) -> String {
        format!(
            "exit {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// A project directory with the test bed's hosts and the services a test gives it. On drop
/// it applies an empty services list, so whatever the test deployed is removed.
pub struct Project {
    pub dir: tempfile::TempDir,
    pub hosts_yaml: String,
    pub defaults: String,
}

impl Project {
    pub fn new(bed: &Bed) -> Project {
        let dir = tempfile::Builder::new()
            .prefix("portoser-e2e-")
            .tempdir()
            .expect("tempdir");
        let defaults = format!(
            "defaults:\n  ssh_key: {}\n  known_hosts: {}\n",
            bed.key, bed.known_hosts
        );
        Project {
            dir,
            hosts_yaml: bed.hosts_yaml.clone(),
            defaults,
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, rel: &str, text: &str) {
        let p = self.path().join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write project file");
    }

    /// Copies a fixture directory of `tests/e2e/` into the project as `to`.
    pub fn copy_fixture(&self, fixture: &str, to: &str) {
        let from = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/e2e")
            .join(fixture);
        for entry in std::fs::read_dir(&from).expect("fixture dir") {
            let entry = entry.expect("entry");
            let text = std::fs::read_to_string(entry.path()).expect("fixture file");
            self.write(
                &format!("{to}/{}", entry.file_name().to_string_lossy()),
                &text,
            );
        }
    }

    /// Writes registry.yml: the test bed's hosts, the defaults, and `services` (YAML entries
    /// indented by two spaces, or empty for none).
    pub fn set_services(&self, services: &str) {
        let body = if services.trim().is_empty() {
            "services: {}\n".to_string()
        } else {
            format!("services:\n{services}")
        };
        self.write(
            "registry.yml",
            &format!("{}{}{body}", self.hosts_yaml, self.defaults),
        );
    }

    pub fn registry(&self) -> String {
        std::fs::read_to_string(self.path().join("registry.yml")).expect("registry")
    }

    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_portoser"));
        c.args(args).current_dir(self.path()).env("NO_COLOR", "1");
        c
    }

    pub fn run(&self, args: &[&str]) -> Out {
        Out::from(self.cmd(args).output().expect("run portoser"))
    }

    /// `portoser apply --yes --format json` plus extra arguments.
    pub fn apply(&self, extra: &[&str]) -> Apply {
        let mut args = vec!["apply", "--yes", "--format", "json"];
        args.extend_from_slice(extra);
        Apply::parse(self.run(&args))
    }

    /// Services recorded in `.portoser/state.db` → their host.
    pub fn recorded(&self) -> BTreeMap<String, String> {
        let db = self.path().join(".portoser/state.db");
        let Some(state) = portoser_state::StateDb::open_read_only(&db).expect("state") else {
            return BTreeMap::new();
        };
        let rec = state.recorded().expect("recorded");
        rec.services.into_iter().map(|(k, v)| (k, v.host)).collect()
    }

    /// Number of runs in the history (ids count up from 1).
    pub fn run_count(&self) -> i64 {
        let db = self.path().join(".portoser/state.db");
        let Some(state) = portoser_state::StateDb::open_read_only(&db).expect("state") else {
            return 0;
        };
        let mut n = 0;
        while state.run(n + 1).expect("run").is_some() {
            n += 1;
        }
        n
    }

    /// `status` rows: service → (host, engine, state, health).
    pub fn status(&self) -> (Out, BTreeMap<String, Vec<String>>) {
        let out = self.run(&["status"]);
        let rows = out
            .stdout
            .lines()
            .skip(1)
            .filter_map(|l| {
                let cols: Vec<String> = l.split_whitespace().map(str::to_string).collect();
                (cols.len() >= 5).then(|| (cols[0].clone(), cols[1..5].to_vec()))
            })
            .collect();
        (out, rows)
    }
}

impl Drop for Project {
    fn drop(&mut self) {
        self.set_services("");
        let out = self.run(&["apply", "--yes", "--format", "plain"]);
        if out.code != 0 {
            eprintln!("e2e cleanup: removing the services failed:\n{}", out.all());
        }
    }
}

/// The JSON event stream and report of one `apply --format json`.
pub struct Apply {
    pub out: Out,
    pub events: Vec<Value>,
    pub report: Option<Value>,
}

impl Apply {
    pub fn parse(out: Out) -> Apply {
        let mut events = Vec::new();
        let mut report = None;
        for line in out.stdout.lines().filter(|l| l.starts_with('{')) {
            let v: Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("not JSON ({e}): {line}\n{}", out.all()));
            match v["type"].as_str() {
                Some("report") => report = Some(v),
                _ => events.push(v),
            }
        }
        Apply {
            out,
            events,
            report,
        }
    }

    /// The first event of `node` (`web/health`) of kind `event` (`started`, `succeeded` ...).
    pub fn event(&self, node: &str, event: &str) -> Option<&Value> {
        self.events
            .iter()
            .find(|e| e["node"] == node && e["event"] == event)
    }

    pub fn elapsed(&self, node: &str, event: &str) -> u64 {
        let e = self.event(node, event);
        let e = e.unwrap_or_else(|| panic!("no `{node}` {event} event:\n{}", self.out.all()));
        e["elapsed_ms"].as_u64().expect("elapsed_ms")
    }

    /// Outcome of each node in the report: node id → outcome.
    pub fn outcomes(&self) -> BTreeMap<String, String> {
        let Some(report) = &self.report else {
            return BTreeMap::new();
        };
        let nodes = report["nodes"].as_array().cloned().unwrap_or_default();
        nodes
            .iter()
            .map(|n| {
                let id = n["id"].as_str().unwrap_or("?").to_string();
                (id, n["outcome"].as_str().unwrap_or("?").to_string())
            })
            .collect()
    }

    /// Every node id the run touched (started or skipped), for "nothing else was touched".
    pub fn services_touched(&self) -> Vec<String> {
        let mut s: Vec<String> = self
            .events
            .iter()
            .filter_map(|e| e["node"].as_str())
            .filter_map(|n| n.split('/').next())
            .map(str::to_string)
            .collect();
        s.sort();
        s.dedup();
        s
    }

    pub fn ok(&self) -> &Apply {
        assert_eq!(self.out.code, 0, "apply failed:\n{}", self.out.all());
        self
    }
}

/// `GET /` on `ip:port` from the root namespace: `Some((status, body))`, `None` when nothing
/// answers (connection refused or timed out).
pub fn http_get(ip: &str, port: u16) -> Option<(u16, String)> {
    let addr: SocketAddr = format!("{ip}:{port}").parse().expect("addr");
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        s,
        "GET / HTTP/1.0\r\nHost: {ip}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut text = String::new();
    s.read_to_string(&mut text).ok()?;
    let status = text.split_whitespace().nth(1)?.parse().ok()?;
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    Some((status, body))
}

/// Waits up to `secs` for `ip:port` to answer 200 (for services still settling).
pub fn wait_http(ip: &str, port: u16, secs: u64) -> Option<String> {
    let until = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some((200, body)) = http_get(ip, port) {
            return Some(body);
        }
        if Instant::now() > until {
            return None;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Runs `script` on `host` through OpenSSH with the test bed's ssh_config: stdout, trimmed.
pub fn ssh(bed: &Bed, host: &str, script: &str) -> String {
    let o = Command::new("ssh")
        .args(["-F", &bed.ssh_config, host, script])
        .stdin(Stdio::null())
        .output()
        .expect("run ssh");
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

/// `tests/testbed/ctl.sh ACTION DAEMON HOST`, asserted to succeed.
pub fn ctl(bed: &Bed, action: &str, daemon: &str, host: &str) {
    let o = Command::new(&bed.ctl)
        .args([action, daemon, host])
        .output()
        .expect("ctl.sh");
    assert!(
        o.status.success(),
        "ctl.sh {action} {daemon} {host}: {}",
        Out::from(o).all()
    );
}

/// Starts the daemon again when dropped, so a failing test still restores the test bed.
pub struct Restore<'a> {
    pub bed: &'a Bed,
    pub daemon: &'static str,
    pub host: &'static str,
}

impl Drop for Restore<'_> {
    fn drop(&mut self) {
        let _ = Command::new(&self.bed.ctl)
            .args(["start", self.daemon, self.host])
            .output();
    }
}

/// Logins sshd accepted on `hI` so far (its `-E` log): "no command ran on this host" means
/// this number did not move.
pub fn sshd_logins(bed: &Bed, host: &str) -> usize {
    let log = Path::new(&bed.root).join(host).join("sshd.log");
    let text = std::fs::read_to_string(log).unwrap_or_default();
    text.lines()
        .filter(|l| l.contains("Accepted publickey"))
        .count()
}

/// Kills every sshd process left in `hI`'s namespace (the sessions of a stopped sshd keep
/// running otherwise): open connections to the host drop at once.
pub fn kill_ssh_sessions(host: &str) {
    let ns = format!("ptb-{host}");
    let o = Command::new("ip")
        .args(["netns", "pids", &ns])
        .output()
        .expect("ip netns pids");
    for pid in String::from_utf8_lossy(&o.stdout).split_whitespace() {
        let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        if comm.trim().starts_with("sshd") {
            let _ = Command::new("kill").args(["-9", pid]).status();
        }
    }
}

/// A docker command on `hI`'s own dockerd, as root, from the root namespace.
pub fn docker(host: &str, args: &[&str]) -> String {
    let dh = var(&format!(
        "PORTOSER_TESTBED_{}_DOCKER_HOST",
        host.to_uppercase()
    ));
    let o = Command::new("docker")
        .args(args)
        .env("DOCKER_HOST", dh)
        .output()
        .expect("docker");
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

/// A compose file for one busybox httpd service publishing `port` on every address of its
/// host; the page says `text`, and the log gets a start line.
pub fn busybox_compose(port: u16, text: &str) -> String {
    busybox_compose_with(
        port,
        &format!("echo '{text}' > /www/index.html && echo 'busybox {text} starting on 8080'"),
    )
}

/// The same service, running the shell commands `setup` (a JSON string's content: `\"` for
/// a quote, `$$` for a `$` compose must leave alone) after `mkdir -p /www` and before httpd
/// serves `/www` on 8080.
pub fn busybox_compose_with(port: u16, setup: &str) -> String {
    let image = var("PORTOSER_TESTBED_BUSYBOX_IMAGE");
    format!(
        r#"services:
  web:
    image: {image}
    pull_policy: never
    init: true
    command: ["sh", "-c", "mkdir -p /www && {setup} && exec httpd -f -v -p 8080 -h /www"]
    ports: ["{port}:8080"]
"#
    )
}

impl Project {
    /// Services recorded in the state → `"HOST STATUS"` (`"h2 applied"`, `"h2 deployed"`).
    pub fn recorded_status(&self) -> BTreeMap<String, String> {
        let db = self.path().join(".portoser/state.db");
        let Some(state) = portoser_state::StateDb::open_read_only(&db).expect("state") else {
            return BTreeMap::new();
        };
        let rec = state.recorded().expect("recorded");
        rec.services
            .into_iter()
            .map(|(k, v)| {
                let status = format!("{:?}", v.status).to_lowercase();
                (k, format!("{} {status}", v.host))
            })
            .collect()
    }

    /// `apply --yes --format json` (plus `extra`) whose stdout lines are handed, as they
    /// arrive, to `on_line(line, pid)`: a test interrupts the run at the moment it chooses
    /// (a signal to `pid`, a daemon stopped, a link cut). The whole stream is parsed at the end.
    pub fn apply_streaming(&self, extra: &[&str], mut on_line: impl FnMut(&str, u32)) -> Apply {
        let mut args = vec!["apply", "--yes", "--format", "json"];
        args.extend_from_slice(extra);
        let mut child = self
            .cmd(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn apply");
        let pid = child.id();
        let mut stdout = String::new();
        let lines = std::io::BufRead::lines(std::io::BufReader::new(
            child.stdout.take().expect("stdout"),
        ));
        for line in lines.map_while(Result::ok) {
            on_line(&line, pid);
            stdout.push_str(&line);
            stdout.push('\n');
        }
        let out = child.wait_with_output().expect("wait apply");
        Apply::parse(Out {
            code: out.status.code().unwrap_or(-1),
            stdout,
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        })
    }
}

/// Whether a JSON event line is `event` (`started` ...) of `node` (`web/health`).
pub fn is_event(line: &str, node: &str, event: &str) -> bool {
    line.contains(&format!(r#""node":"{node}""#)) && line.contains(&format!(r#""event":"{event}""#))
}

/// Sends `signal` (`INT`, `KILL`) to `pid` with kill(1).
pub fn signal(pid: u32, signal: &str) {
    let ok = Command::new("kill")
        .args([&format!("-{signal}"), &pid.to_string()])
        .status()
        .expect("kill");
    assert!(ok.success(), "kill -{signal} {pid} failed");
}

/// Takes `hI`'s link down (its veth on the bridge, `ptb-hI` in the root namespace): packets
/// to and from the host vanish, nothing is refused. The link comes back when this is dropped,
/// so a failing test still restores the test bed.
pub struct LinkCut {
    pub host: &'static str,
}

impl LinkCut {
    pub fn new(host: &'static str) -> LinkCut {
        let cut = LinkCut { host };
        cut.set("down");
        cut
    }

    fn set(&self, state: &str) {
        let dev = format!("ptb-{}", self.host);
        let ok = Command::new("ip")
            .args(["link", "set", &dev, state])
            .status()
            .expect("ip link");
        assert!(ok.success(), "ip link set {dev} {state} failed");
    }
}

impl Drop for LinkCut {
    fn drop(&mut self) {
        // The veth was enslaved to the bridge by up.sh; `up` alone restores it.
        let dev = format!("ptb-{}", self.host);
        let _ = Command::new("ip")
            .args(["link", "set", &dev, "up"])
            .status();
    }
}

impl Project {
    /// The recorded config hash of `service`, if it is recorded.
    pub fn config_hash(&self, service: &str) -> Option<String> {
        let db = self.path().join(".portoser/state.db");
        let state = portoser_state::StateDb::open_read_only(&db).expect("state")?;
        let mut rec = state.recorded().expect("recorded");
        rec.services.remove(service).map(|s| s.config_hash)
    }
}
