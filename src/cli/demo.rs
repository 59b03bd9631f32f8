//! `portoser demo`: the README's one command. Writes the embedded demo project (the same files
//! as `examples/local`: three Python services on this machine, no SSH, no containers), then
//! checks, plans, applies and shows the fleet. `--down` stops it again.

use super::Exit;
use super::apply::{ApplyArgs, ConnectArgs, ProgressFormat};
use super::output::Output;
use crate::fleet;
use crate::project::ProjectPaths;
use portoser_engine::{Engine, ServiceSpec};
use std::path::{Path, PathBuf};

/// The demo project, embedded so the binary alone can run it.
const FILES: &[(&str, &str)] = &[
    (
        "registry.yml",
        include_str!("../../examples/local/registry.yml"),
    ),
    (
        "api/app.py",
        include_str!("../../examples/local/api/app.py"),
    ),
    (
        "web/index.html",
        include_str!("../../examples/local/web/index.html"),
    ),
    (
        "worker/worker.py",
        include_str!("../../examples/local/worker/worker.py"),
    ),
];

pub fn default_dir() -> PathBuf {
    std::env::temp_dir().join("portoser-demo-project")
}

pub fn run(dir: &Path, down: bool, out: &Output) -> Exit {
    if let Err(e) = write_project(dir) {
        out.stderr(&format!(
            "error: cannot write the demo project to {}: {e}",
            dir.display()
        ));
        return Exit::Problems;
    }
    let paths = ProjectPaths::new(Some(dir), None);
    if down {
        return stop_all(&paths, out);
    }
    out.stderr(&format!(
        "demo project: {} (the same files as examples/local)\n",
        dir.display()
    ));
    let args = ApplyArgs {
        plan: None,
        yes: true,
        format: ProgressFormat::Plain,
        per_host: 8,
        lock_timeout: 0,
        no_auto_heal: false,
        connect: ConnectArgs {
            known_hosts: None,
            trust_new_host_keys: false,
        },
    };
    let applied = super::apply::run(&paths, &args, out);
    if applied != Exit::Ok {
        return applied;
    }
    out.stderr("");
    let status = super::services::status(&paths, &[], &args.connect, out);
    let d = dir.display();
    out.stderr(&format!(
        "\nTry: curl 127.0.0.1:18481/ · portoser -C {d} plan · portoser -C {d} logs worker -f\n\
         Stop it: portoser demo --down"
    ));
    status
}

/// Writes the files that are missing or different; leaves the rest (and their mtimes) alone.
fn write_project(dir: &Path) -> std::io::Result<()> {
    for (name, text) in FILES {
        let path = dir.join(name);
        if std::fs::read_to_string(&path).is_ok_and(|old| old == *text) {
            continue;
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        crate::atomic::write(&path, text.as_bytes())?;
    }
    Ok(())
}

/// Stops every demo service, dependents first (reverse registry order), and forgets the demo's
/// recorded state so the next `portoser demo` deploys again (the demo project is ours to reset).
fn stop_all(paths: &ProjectPaths, out: &Output) -> Exit {
    let compiled = crate::compile::compile(paths);
    let Some(registry) = compiled.registry else {
        out.diagnostics_of(&compiled.map, compiled.diags);
        return Exit::Problems;
    };
    let pool = fleet::pool(&registry, paths, &Default::default());
    let Ok(runtime) = fleet::runtime() else {
        return Exit::Problems;
    };
    let mut exit = Exit::Ok;
    for service in registry.services.iter().rev() {
        let name = &service.name.value;
        let result = runtime.block_on(async {
            let spec = ServiceSpec::from_registry(&registry, service)?;
            let t = pool.get(&spec.host).await.map_err(|e| e.to_string())?;
            Engine::for_spec(&spec)
                .stop(&t, &spec)
                .await
                .map_err(|e| e.to_string())
        });
        match result {
            Ok(()) => out.stderr(&format!("stopped {name}")),
            Err(e) => {
                out.stderr(&format!("error: {name}: {e}"));
                exit = Exit::Problems;
            }
        }
    }
    if exit == Exit::Ok {
        let _ = std::fs::remove_file(paths.state_db());
    }
    exit
}
