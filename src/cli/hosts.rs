//! `portoser hosts check` (reach every host and see what it can run) and `portoser hosts trust
//! HOST` (show a host's key fingerprint and record it in known_hosts).

use super::Exit;
use super::apply::ConnectArgs;
use super::common::registry;
use super::hosts_probes;
use super::output::Output;
use crate::fleet;
use crate::project::ProjectPaths;
use portoser_registry::{Engine as Kind, Registry};
use portoser_transport::{Cmd, ExecOptions, Script, Transport};
use std::io::{BufRead, IsTerminal};
use std::time::Duration;

/// What a host needs, from the services placed on it.
struct Needs {
    docker: bool,
    uv: bool,
    systemd: bool,
}

fn needs(registry: &Registry, host: &str) -> Needs {
    let on_host = registry
        .services
        .iter()
        .filter(|s| s.current_host.as_ref().is_some_and(|h| h.value == host));
    let mut n = Needs {
        docker: false,
        uv: false,
        systemd: false,
    };
    for s in on_host {
        match s.deployment_type.as_ref().map(|e| &e.value) {
            Some(Kind::Docker) => n.docker = true,
            Some(Kind::Native) => n.systemd = true,
            Some(Kind::Local) => n.uv |= s.python_manager.as_ref().is_some_and(|m| m.value == "uv"),
            // A project engine (`engine` block) says itself what it runs.
            Some(Kind::Custom(_)) | None => {}
        }
    }
    n
}

/// Runs one probe; `Ok(first line of output)` when it exited 0.
async fn probe(t: &Transport, cmd: Cmd) -> Result<String, String> {
    let opts = ExecOptions {
        timeout: Duration::from_secs(15),
        stdin: None,
    };
    match t.exec(&Script::from(cmd), opts).await {
        Ok(o) if o.success() => Ok(o
            .stdout_text()
            .lines()
            .next()
            .unwrap_or("")
            .trim()
            .to_string()),
        Ok(o) => Err(String::from_utf8_lossy(&o.stderr)
            .lines()
            .next()
            .unwrap_or("failed")
            .trim()
            .to_string()),
        Err(e) => Err(e.to_string()),
    }
}

/// One cell: what was found, or why it is a problem (only when the host needs it).
fn cell(
    result: Result<String, String>,
    needed: bool,
    problems: &mut Vec<String>,
    what: &str,
) -> String {
    match (result, needed) {
        (Ok(v), _) => {
            if v.is_empty() {
                "ok".into()
            } else {
                v
            }
        }
        (Err(e), true) => {
            problems.push(format!("{what}: {e}"));
            "MISSING".into()
        }
        (Err(_), false) => "-".into(),
    }
}

/// One host's row, its errors (the check fails) and warnings.
struct Report {
    row: Vec<String>,
    problems: Vec<String>,
    warnings: Vec<String>,
}

async fn check_host(pool: &portoser_transport::Pool, registry: &Registry, name: &str) -> Report {
    let mut problems = Vec::new();
    let t = match pool.get(name).await {
        Ok(t) => t,
        Err(e) => {
            problems.push(format!("ssh: {e}"));
            return Report {
                row: vec![name.to_string(), "FAILED".into()],
                problems,
                warnings: Vec::new(),
            };
        }
    };
    let n = needs(registry, name);
    let base = registry
        .host(name)
        .and_then(|h| h.path.as_ref())
        .map_or("/".to_string(), |p| p.value.clone());
    let (os, docker, compose, systemd, uv, disk, caddy, approle) = futures::join!(
        probe(&t, Cmd::new("uname").arg("-sm")),
        probe(
            &t,
            Cmd::new("docker").args(["version", "--format", "{{.Server.Version}}"])
        ),
        probe(
            &t,
            Cmd::new("docker").args(["compose", "version", "--short"])
        ),
        probe(&t, Cmd::new("systemctl").arg("is-system-running")),
        probe(&t, Cmd::new("uv").arg("--version")),
        probe(&t, Cmd::new("df").args(["-Pk", &base])),
        hosts_probes::caddy(&t, registry, name),
        hosts_probes::approle(&t, registry, name),
    );
    let disk = disk.map(|_| "ok".to_string());
    let row = vec![
        name.to_string(),
        "ok".into(),
        cell(os, true, &mut problems, "uname"),
        cell(docker, n.docker, &mut problems, "docker daemon"),
        cell(compose, n.docker, &mut problems, "docker compose v2"),
        cell(
            systemd.or_else(|e| {
                if e.contains("degraded") {
                    Ok("degraded".into())
                } else {
                    Err(e)
                }
            }),
            n.systemd,
            &mut problems,
            "systemd",
        ),
        cell(uv, n.uv, &mut problems, "uv"),
        cell(disk, true, &mut problems, &format!("base directory {base}")),
        caddy.cell,
        approle.cell,
    ];
    problems.extend(caddy.errors.into_iter().chain(approle.errors));
    let warnings = caddy.warnings.into_iter().chain(approle.warnings).collect();
    Report {
        row,
        problems,
        warnings,
    }
}

pub fn check(paths: &ProjectPaths, connect: &ConnectArgs, out: &Output) -> Exit {
    let registry = match registry(paths, out) {
        Ok(r) => r,
        Err(exit) => return exit,
    };
    let pool = fleet::pool(&registry, paths, &connect.options());
    let Ok(runtime) = fleet::runtime() else {
        return Exit::Problems;
    };
    let results = runtime.block_on(futures::future::join_all(
        registry
            .hosts
            .iter()
            .map(|h| check_host(&pool, &registry, &h.name.value)),
    ));
    let header = [
        "HOST", "SSH", "OS", "DOCKER", "COMPOSE", "SYSTEMD", "UV", "DISK", "CADDY", "APPROLE",
    ];
    let mut rows: Vec<Vec<String>> = vec![header.iter().map(|s| s.to_string()).collect()];
    let mut failed = false;
    let mut notes = Vec::new();
    for Report {
        row,
        problems,
        warnings,
    } in results
    {
        failed |= !problems.is_empty();
        for w in &warnings {
            notes.push(format!("warning: {}: {w}", row[0]));
        }
        for p in &problems {
            notes.push(format!("error: {}: {p}", row[0]));
        }
        rows.push(row);
    }
    out.stdout(&super::output::columns(&rows));
    for n in &notes {
        out.stderr(n);
    }
    if failed { Exit::Problems } else { Exit::Ok }
}

pub fn trust(
    paths: &ProjectPaths,
    host: &str,
    yes: bool,
    connect: &ConnectArgs,
    out: &Output,
) -> Exit {
    let registry = match registry(paths, out) {
        Ok(r) => r,
        Err(exit) => return exit,
    };
    let Some(h) = registry.host(host) else {
        out.stderr(&format!("error: `{host}` is not a host of the registry"));
        return Exit::Problems;
    };
    if h.is_local() {
        out.stderr(&format!(
            "{host} is this machine (connection: local): there is no host key to trust"
        ));
        return Exit::Ok;
    }
    let config = fleet::host_config(&registry, h, &paths.registry_dir());
    let known_hosts = fleet::known_hosts(&registry, paths, &connect.options());
    let Ok(runtime) = fleet::runtime() else {
        return Exit::Problems;
    };
    let scanned = runtime.block_on(portoser_transport::scan_host_key(
        &config.address,
        config.port,
        Duration::from_secs(10),
    ));
    let key = match scanned {
        Ok(k) => k,
        Err(e) => {
            out.stderr(&format!("error: cannot read the host key of {host}: {e}"));
            return Exit::Problems;
        }
    };
    out.stdout(&format!(
        "{host} ({}:{}) presents {}\n  {}",
        config.address, config.port, key.fingerprint, key.key_line
    ));
    if !yes
        && !ask(
            out,
            &format!(
                "Record this key in {}? Only `yes` is accepted: ",
                known_hosts.display()
            ),
        )
    {
        out.stderr("Nothing recorded.");
        return Exit::UsageOrChanges;
    }
    match portoser_transport::record_host_key(&known_hosts, &config.address, config.port, &key) {
        Ok(()) => {
            out.stderr(&format!(
                "recorded {} for {host} in {}",
                key.fingerprint,
                known_hosts.display()
            ));
            Exit::Ok
        }
        Err(e) => {
            out.stderr(&format!("error: {e}"));
            Exit::Problems
        }
    }
}

fn ask(out: &Output, question: &str) -> bool {
    if !std::io::stdin().is_terminal() {
        out.stderr("error: there is no terminal to ask on: compare the fingerprint out of band, then pass --yes");
        return false;
    }
    out.stderr(question);
    let mut answer = String::new();
    let _ = std::io::stdin().lock().read_line(&mut answer);
    answer.trim() == "yes"
}
