//! `status`, `start`, `stop`, `restart`, `logs`: one service (or all) on its current host,
//! through its engine, over the same pooled connections apply uses.

use super::Exit;
use super::apply::ConnectArgs;
use super::output::Output;
use crate::compile::compile;
use crate::fleet;
use crate::project::ProjectPaths;
use portoser_engine::custom::Custom;
use portoser_engine::{Engine, ServiceSpec, State};
use portoser_registry::{Registry, Service};
use portoser_transport::{OutputChunk, Pool};
use std::collections::HashMap;
use std::time::Instant;

/// A project that checks without errors: its registry and the `engine` block definitions of
/// the services that use one.
struct Project {
    registry: Registry,
    custom: HashMap<String, Custom>,
    /// The CA of each service's `https://` health check (docs/certs.md).
    health_cas: std::collections::BTreeMap<String, Vec<u8>>,
}

impl Project {
    fn load(paths: &ProjectPaths, out: &Output) -> Result<Project, Exit> {
        let compiled = compile(paths);
        if compiled.diags.has_errors() {
            out.diagnostics(&compiled);
            out.stderr("error: fix the errors above first");
            return Err(Exit::Problems);
        }
        let custom = compiled
            .checked
            .as_ref()
            .map(|c| crate::hooks::custom_engines(c).into_iter().collect())
            .unwrap_or_default();
        let registry = compiled.registry.ok_or(Exit::Problems)?;
        let health_cas = crate::certs::health_cas(paths, &registry);
        Ok(Project {
            registry,
            custom,
            health_cas,
        })
    }

    /// The engine that runs `spec`: its `engine` block when it has one, else the built-in.
    fn engine(&self, spec: &ServiceSpec) -> Engine {
        match self.custom.get(&spec.name) {
            Some(def) => Engine::Custom(def.clone()),
            None => Engine::for_spec(spec),
        }
    }
}

fn find<'r>(registry: &'r Registry, name: &str, out: &Output) -> Result<&'r Service, Exit> {
    registry.service(name).ok_or_else(|| {
        let names = registry.services.iter().map(|s| s.name.value.as_str());
        let mut message = format!("error: `{name}` is not a service of the registry");
        if let Some(s) = portoser_diag::did_you_mean(name, names) {
            message.push_str(&format!("\n  help: did you mean `{s}`?"));
        }
        out.stderr(&message);
        Exit::Problems
    })
}

fn spec(project: &Project, service: &Service) -> Result<ServiceSpec, String> {
    let mut spec = ServiceSpec::from_registry(&project.registry, service)?;
    spec.tls_ca = project.health_cas.get(&service.name.value).cloned();
    Ok(spec)
}

/// One row of `portoser status`.
struct Row {
    service: String,
    host: String,
    engine: String,
    state: String,
    health: String,
    since: String,
}

async fn status_row(pool: &Pool, project: &Project, service: &Service) -> Row {
    let mut row = Row {
        service: service.name.value.clone(),
        host: service
            .current_host
            .as_ref()
            .map_or("-".into(), |h| h.value.clone()),
        engine: service
            .deployment_type
            .map_or("-".into(), |e| e.value.to_string()),
        state: "unknown".into(),
        health: "-".into(),
        since: "-".into(),
    };
    let spec = match spec(project, service) {
        Ok(spec) => spec,
        Err(e) => {
            row.state = format!("error: {e}");
            return row;
        }
    };
    let transport = match pool.get(&spec.host).await {
        Ok(t) => t,
        Err(e) => {
            row.state = format!("unreachable: {e}");
            return row;
        }
    };
    match project.engine(&spec).status(&transport, &spec).await {
        Ok(status) => {
            row.state = status.state.as_str().to_string();
            row.since = status.since.as_deref().map_or("-".into(), since);
            if status.state == State::Running {
                row.health = health_word(&transport, &spec).await;
            }
        }
        Err(e) => row.state = format!("error: {e}"),
    }
    row
}

/// An epoch second (local services) as an age, `3m 12s`; other engines' text as it is.
fn since(text: &str) -> String {
    let Ok(then) = text.trim().parse::<u64>() else {
        return text.to_string();
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let age = now.saturating_sub(then);
    match age {
        0..60 => format!("{age}s ago"),
        60..3600 => format!("{}m {}s ago", age / 60, age % 60),
        3600..86400 => format!("{}h {}m ago", age / 3600, age % 3600 / 60),
        _ => format!("{}d {}h ago", age / 86400, age % 86400 / 3600),
    }
}

async fn health_word(transport: &portoser_transport::Transport, spec: &ServiceSpec) -> String {
    let Some(health) = &spec.health else {
        return "no check".into();
    };
    match portoser_engine::health::check_once(transport, spec, &health.probe).await {
        Ok(()) => "healthy".into(),
        Err(e) => format!("unhealthy: {e}"),
    }
}

pub fn status(paths: &ProjectPaths, names: &[String], connect: &ConnectArgs, out: &Output) -> Exit {
    let project = match Project::load(paths, out) {
        Ok(p) => p,
        Err(exit) => return exit,
    };
    let registry = &project.registry;
    let mut services = Vec::new();
    for name in names {
        match find(registry, name, out) {
            Ok(s) => services.push(s),
            Err(exit) => return exit,
        }
    }
    if names.is_empty() {
        services = registry.services.iter().collect();
    }
    let pool = fleet::pool(registry, paths, &connect.options());
    let Ok(runtime) = fleet::runtime() else {
        return Exit::Problems;
    };
    let started = Instant::now();
    // Every service at once: the pool keeps it to one connection per host.
    let rows = runtime.block_on(futures::future::join_all(
        services.iter().map(|s| status_row(&pool, &project, s)),
    ));
    out.stdout(&table(&rows));
    out.stderr(&format!(
        "{} services, {} SSH connections, {:.1}s",
        rows.len(),
        pool.connections_opened(),
        started.elapsed().as_secs_f64()
    ));
    let bad = rows
        .iter()
        .any(|r| r.state != "running" || r.health.starts_with("unhealthy"));
    if bad { Exit::Problems } else { Exit::Ok }
}

fn table(rows: &[Row]) -> String {
    let header = ["SERVICE", "HOST", "ENGINE", "STATE", "HEALTH", "SINCE"];
    let cells: Vec<[&str; 6]> = rows
        .iter()
        .map(|r| {
            [
                r.service.as_str(),
                &r.host,
                &r.engine,
                &r.state,
                &r.health,
                &r.since,
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &cells {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |row: [&str; 6]| {
        let parts: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        parts.join("  ").trim_end().to_string()
    };
    let mut out = vec![line(header)];
    out.extend(cells.into_iter().map(line));
    out.join("\n")
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lifecycle {
    Start,
    Stop,
    Restart,
}

/// `start`/`stop`/`restart SERVICE`. Start and restart wait for the health gate; stop names
/// the running dependents that will lose it (and goes ahead: the operator asked).
pub fn lifecycle(
    paths: &ProjectPaths,
    name: &str,
    action: Lifecycle,
    connect: &ConnectArgs,
    out: &Output,
) -> Exit {
    let project = match Project::load(paths, out) {
        Ok(p) => p,
        Err(exit) => return exit,
    };
    let registry = &project.registry;
    let service = match find(registry, name, out) {
        Ok(s) => s,
        Err(exit) => return exit,
    };
    if action == Lifecycle::Stop {
        warn_dependents(registry, name, out);
    }
    let spec = match spec(&project, service) {
        Ok(s) => s,
        Err(e) => {
            out.stderr(&format!("error: {e}"));
            return Exit::Problems;
        }
    };
    let pool = fleet::pool(registry, paths, &connect.options());
    let Ok(runtime) = fleet::runtime() else {
        return Exit::Problems;
    };
    let result: Result<String, String> = runtime.block_on(async {
        let t = pool.get(&spec.host).await.map_err(|e| e.to_string())?;
        let engine = project.engine(&spec);
        let started = Instant::now();
        match action {
            Lifecycle::Start => engine.start(&t, &spec).await,
            Lifecycle::Stop => engine.stop(&t, &spec).await,
            Lifecycle::Restart => engine.restart(&t, &spec).await,
        }
        .map_err(|e| e.to_string())?;
        if action != Lifecycle::Stop && spec.health.is_some() {
            portoser_engine::wait_healthy(&t, &spec)
                .await
                .map_err(|e| format!("{} but it is not healthy: {e}", past(action)))?;
        }
        Ok(format!(
            "{name} {} on {} in {:.1}s",
            past(action),
            spec.host,
            started.elapsed().as_secs_f64()
        ))
    });
    match result {
        Ok(message) => {
            out.stderr(&message);
            Exit::Ok
        }
        Err(e) => {
            out.stderr(&format!("error: {name}: {e}"));
            Exit::Problems
        }
    }
}

fn past(action: Lifecycle) -> &'static str {
    match action {
        Lifecycle::Start => "started",
        Lifecycle::Stop => "stopped",
        Lifecycle::Restart => "restarted",
    }
}

fn warn_dependents(registry: &Registry, name: &str, out: &Output) {
    let dependents: Vec<&str> = registry
        .services
        .iter()
        .filter(|s| s.dependencies.iter().any(|d| d.value == name))
        .map(|s| s.name.value.as_str())
        .collect();
    let names: Vec<String> = dependents.iter().map(|d| format!("`{d}`")).collect();
    let verb = if names.len() == 1 {
        "depends"
    } else {
        "depend"
    };
    if !names.is_empty() {
        out.stderr(&format!(
            "warning: {} {verb} on `{name}` and will lose it while it is stopped",
            names.join(", ")
        ));
    }
}

/// `logs SERVICE [-n N] [-f]`.
pub fn logs(
    paths: &ProjectPaths,
    name: &str,
    lines: u32,
    follow: bool,
    connect: &ConnectArgs,
    out: &Output,
) -> Exit {
    let project = match Project::load(paths, out) {
        Ok(p) => p,
        Err(exit) => return exit,
    };
    let registry = &project.registry;
    let spec = match find(registry, name, out).and_then(|s| {
        spec(&project, s).map_err(|e| {
            out.stderr(&format!("error: {e}"));
            Exit::Problems
        })
    }) {
        Ok(s) => s,
        Err(exit) => return exit,
    };
    let pool = fleet::pool(registry, paths, &connect.options());
    let Ok(runtime) = fleet::runtime() else {
        return Exit::Problems;
    };
    let result: Result<(), String> = runtime.block_on(async {
        let t = pool.get(&spec.host).await.map_err(|e| e.to_string())?;
        let script = project
            .engine(&spec)
            .logs_script(&spec, lines, follow)
            .map_err(|e| e.to_string())?;
        let mut stream = t.exec_stream(&script).await.map_err(|e| e.to_string())?;
        while let Some(chunk) = stream.next().await {
            match chunk.map_err(|e| e.to_string())? {
                OutputChunk::Stdout(bytes) => out.stdout_raw(&bytes),
                OutputChunk::Stderr(bytes) => out.stderr_raw(&bytes),
                OutputChunk::Exit(Some(0)) | OutputChunk::Exit(None) => break,
                OutputChunk::Exit(Some(code)) => {
                    return Err(format!("the log command exited with {code}"));
                }
            }
        }
        Ok(())
    });
    match result {
        Ok(()) => Exit::Ok,
        Err(e) => {
            out.stderr(&format!("error: logs of {name}: {e}"));
            Exit::Problems
        }
    }
}
