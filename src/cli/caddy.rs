//! `portoser caddy render|diff|reload`: the Caddyfile rendered from the registry, what changed
//! against the one last loaded (or the one on the ingress host), and a reload outside apply.

use super::Exit;
use super::apply::ConnectArgs;
use super::common::registry;
use super::output::Output;
use crate::fleet;
use crate::project::ProjectPaths;
use clap::Subcommand;
use portoser_registry::Registry;
use portoser_transport::{Cmd, ExecOptions, Script};
use std::time::Duration;

#[derive(Debug, Subcommand)]
pub enum CaddyCommand {
    /// Print the Caddyfile rendered from registry.yml (formatted as `caddy fmt` writes it)
    Render,
    /// Show what a reload would change: a unified diff against the Caddyfile portoser last
    /// loaded (.portoser/caddy/Caddyfile.applied), or with --host the file on the ingress host
    Diff {
        /// Compare with `caddy.caddyfile_path` on the ingress host (over SSH)
        #[arg(long)]
        host: bool,
        /// Exit 2 when there are differences
        #[arg(long)]
        exit_code: bool,
        #[command(flatten)]
        connect: ConnectArgs,
    },
    /// Render, validate with `caddy adapt` on the ingress host, load through its admin API;
    /// a config Caddy rejects leaves the running one in place
    Reload {
        #[command(flatten)]
        connect: ConnectArgs,
    },
}

pub fn run(paths: &ProjectPaths, cmd: &CaddyCommand, out: &Output) -> Exit {
    let registry = match registry(paths, out) {
        Ok(r) => r,
        Err(exit) => return exit,
    };
    match cmd {
        CaddyCommand::Render => {
            out.stdout_raw(crate::caddy::render(&registry, paths).1.as_bytes());
            Exit::Ok
        }
        CaddyCommand::Diff {
            host,
            exit_code,
            connect,
        } => diff(paths, &registry, *host, *exit_code, connect, out),
        CaddyCommand::Reload { connect } => reload(paths, &registry, connect, out),
    }
}

fn diff(
    paths: &ProjectPaths,
    registry: &Registry,
    host: bool,
    exit_code: bool,
    connect: &ConnectArgs,
    out: &Output,
) -> Exit {
    let (model, text) = crate::caddy::render(registry, paths);
    let (old, name) = if host {
        match host_file(paths, registry, &model, connect) {
            Ok(old) => (old, model.global.caddyfile_path.clone()),
            Err(e) => {
                out.stderr(&format!("error: {e}"));
                return Exit::Problems;
            }
        }
    } else {
        let path = crate::caddy::applied_path(paths);
        let old = portoser_caddy::read_applied(&path).unwrap_or_default();
        (old, portoser_caddy::APPLIED_PATH.to_string())
    };
    let diff = portoser_caddy::unified(&old, &text, &name, "rendered");
    if diff.is_empty() {
        out.stderr("no changes: the rendered Caddyfile is the one loaded");
        return Exit::Ok;
    }
    out.stdout_raw(diff.as_bytes());
    if exit_code {
        Exit::UsageOrChanges
    } else {
        Exit::Ok
    }
}

/// The Caddyfile on the ingress host (empty when there is none yet).
fn host_file(
    paths: &ProjectPaths,
    registry: &Registry,
    model: &portoser_caddy::Caddyfile,
    connect: &ConnectArgs,
) -> Result<String, String> {
    let ingress = model
        .global
        .ingress_host
        .clone()
        .ok_or("the registry has no `caddy.ingress_host`")?;
    let pool = fleet::pool(registry, paths, &connect.options());
    let runtime = fleet::runtime().map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let t = pool.get(&ingress).await.map_err(|e| e.to_string())?;
        let path = &model.global.caddyfile_path;
        let script = Script::from(Cmd::new("cat").arg(path));
        let o = t
            .exec(&script, ExecOptions::with_timeout(Duration::from_secs(30)))
            .await
            .map_err(|e| e.to_string())?;
        if !o.success() && o.stderr_text().contains("No such file") {
            return Ok(String::new());
        }
        if !o.success() {
            return Err(format!(
                "cannot read `{path}` on `{ingress}`: {}",
                o.stderr_text().trim()
            ));
        }
        Ok(o.stdout_text())
    })
}

fn reload(paths: &ProjectPaths, registry: &Registry, connect: &ConnectArgs, out: &Output) -> Exit {
    let job = match crate::caddy::job(registry, paths) {
        Ok(job) => job,
        Err(e) => {
            out.stderr(&format!("error: {e}"));
            return Exit::Problems;
        }
    };
    let reload = match job.read() {
        Ok(reload) => reload,
        Err(e) => {
            out.stderr(&format!("error: {e}"));
            return Exit::Problems;
        }
    };
    let pool = fleet::pool(registry, paths, &connect.options());
    let runtime = match super::common::runtime(out) {
        Ok(rt) => rt,
        Err(exit) => return exit,
    };
    let result = runtime.block_on(async {
        let t = pool
            .get(&job.ingress_host)
            .await
            .map_err(|e| e.to_string())?;
        portoser_caddy::reload(&t, &reload)
            .await
            .map_err(|e| e.to_string())
    });
    match result {
        Ok(()) => {
            if let Err(e) = portoser_caddy::write_applied(&job.applied_path, &job.text) {
                out.stderr(&format!(
                    "warning: loaded, but could not keep {}: {e}",
                    job.applied_path.display()
                ));
            }
            out.stdout(&format!(
                "Caddy on `{}` loaded the rendered Caddyfile ({})",
                job.ingress_host, job.caddyfile_path
            ));
            Exit::Ok
        }
        Err(e) => {
            out.stderr(&format!("error[E0540]: {e}"));
            out.stderr("the running config is unchanged and keeps serving");
            Exit::Problems
        }
    }
}
