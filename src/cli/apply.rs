//! `portoser apply [PLAN]`: plan (or load a saved plan and check it is still fresh), show it,
//! ask, then run it on the hosts and record what happened.

use super::Exit;
use super::output::Output;
use crate::fleet::{self, ConnectOptions};
use crate::hooks;
use crate::planning::{Planned, plan_project, read_recorded};
use crate::project::ProjectPaths;
use crate::sources::Sources;
use portoser_check::Checked;
use portoser_exec::render::{self as progress, Style};
use portoser_exec::{ApplyOptions, EngineRunner, RunReport};
use portoser_plan::{Action, Plan, render};
use portoser_registry::Registry;
use portoser_state::StateDb;
use std::io::{BufRead, IsTerminal};
use std::path::Path;
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ProgressFormat {
    /// Progress bars on a terminal, one line per event otherwise
    Auto,
    /// One line per event
    Plain,
    /// One JSON object per event on stdout, then the report
    Json,
}

#[derive(Debug, clap::Args)]
pub struct ApplyArgs {
    /// A plan saved with `plan --out`: apply exactly it, refusing if anything changed since
    pub plan: Option<std::path::PathBuf>,
    /// Do not ask for confirmation
    #[arg(long, short = 'y')]
    pub yes: bool,
    #[arg(long, value_enum, default_value_t = ProgressFormat::Auto)]
    pub format: ProgressFormat,
    /// Nodes running at once on one host
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub per_host: u16,
    /// Wait this long for another apply to release the lock (0: refuse at once)
    #[arg(long, value_name = "SECONDS", default_value_t = 0)]
    pub lock_timeout: u64,
    /// Do not heal failed nodes (the self-healing loop is on by default; docs/heal.md)
    #[arg(long)]
    pub no_auto_heal: bool,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

/// SSH flags shared by every command that reaches hosts.
#[derive(Debug, Clone, clap::Args)]
pub struct ConnectArgs {
    /// known_hosts file to verify host keys against [default: defaults.known_hosts, else ~/.ssh/known_hosts]
    #[arg(long, value_name = "FILE")]
    pub known_hosts: Option<std::path::PathBuf>,
    /// Record the keys of hosts not yet in known_hosts (a CHANGED key is always refused)
    #[arg(long)]
    pub trust_new_host_keys: bool,
}

impl ConnectArgs {
    pub fn options(&self) -> ConnectOptions {
        ConnectOptions {
            known_hosts: self.known_hosts.clone(),
            trust_new_host_keys: self.trust_new_host_keys,
        }
    }
}

pub fn run(paths: &ProjectPaths, args: &ApplyArgs, out: &Output) -> Exit {
    let (planned, plan) = match plan_to_apply(paths, args.plan.as_deref(), out) {
        Ok(planned) => planned,
        Err(exit) => return exit,
    };
    let (Some(registry), Some(checked)) = (&planned.compiled.registry, &planned.compiled.checked)
    else {
        return Exit::Problems;
    };
    if !plan.has_changes() {
        out.stdout(&render::human(&plan, out.color_stdout));
        return Exit::Ok;
    }
    if args.format != ProgressFormat::Json {
        out.stdout(&render::human(&plan, out.color_stdout));
    }
    if !args.yes && !confirm(out) {
        return Exit::UsageOrChanges;
    }
    let inputs = Inputs {
        map: &planned.compiled.map,
        registry,
        checked,
        sources: &planned.sources,
    };
    execute(paths, &inputs, &plan, args, out)
}

/// A fresh plan, or the saved one when it still matches the project and the state.
fn plan_to_apply(
    paths: &ProjectPaths,
    saved: Option<&Path>,
    out: &Output,
) -> Result<(Planned, Plan), Exit> {
    let mut planned = plan_project(paths);
    out.diagnostics(&planned.compiled);
    for skipped in &planned.sources.skipped {
        out.stderr(&format!("note: not sent: {skipped}"));
    }
    let fresh = match planned.plan.take() {
        Some(plan) => plan,
        None => {
            out.stderr("error: nothing was applied because of the errors above");
            return Err(Exit::Problems);
        }
    };
    let Some(path) = saved else {
        return Ok((planned, fresh));
    };
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) => {
            out.stderr(&format!(
                "error[E0404]: cannot read the plan `{}`: {e}",
                path.display()
            ));
            return Err(Exit::Problems);
        }
    };
    let saved = match portoser_plan::file::load(&text) {
        Ok(plan) => plan,
        Err(e) => {
            out.stderr(&format!("error[E0404]: {e}"));
            return Err(Exit::Problems);
        }
    };
    if let Err(e) = portoser_plan::file::verify_against(&saved, &fresh) {
        out.stderr(&format!(
            "error[E0405]: the saved plan is stale: {e}\n  help: run `portoser plan --out {}` again and review it",
            path.display()
        ));
        return Err(Exit::StalePlan);
    }
    Ok((planned, saved))
}

/// Asks on the terminal; refuses (rather than guessing) when there is no terminal to ask on.
pub(super) fn confirm(out: &Output) -> bool {
    if !std::io::stdin().is_terminal() {
        out.stderr("error: apply asks for confirmation, and there is no terminal to ask on\n  help: review the plan above and pass --yes");
        return false;
    }
    out.stderr("Apply these changes? Only `yes` is accepted: ");
    let mut answer = String::new();
    let _ = std::io::stdin().lock().read_line(&mut answer);
    if answer.trim() == "yes" {
        return true;
    }
    out.stderr("Apply cancelled: nothing was changed.");
    false
}

/// What a run needs from the compile, besides the plan.
pub(super) struct Inputs<'a> {
    pub map: &'a portoser_diag::SourceMap,
    pub registry: &'a Registry,
    pub checked: &'a Checked,
    pub sources: &'a Sources,
}

pub(super) fn execute(
    paths: &ProjectPaths,
    inputs: &Inputs<'_>,
    plan: &Plan,
    args: &ApplyArgs,
    out: &Output,
) -> Exit {
    let Inputs {
        registry,
        checked,
        sources,
        ..
    } = *inputs;
    let mut state = match StateDb::open(&paths.state_db()) {
        Ok(db) => db,
        Err(e) => {
            out.stderr(&format!("error[{}]: {e}", e.code()));
            return Exit::Problems;
        }
    };
    // One apply at a time: held until the run ends (the guard's Drop releases it).
    let lock = match take_lock(&state, plan, args.lock_timeout, out) {
        Ok(guard) => guard,
        Err(exit) => return exit,
    };
    let renewer = lock.renewer();
    let recorded = match read_recorded(&state, plan) {
        Ok(r) => r,
        Err(message) => {
            out.stderr(&format!("error[E0405]: {message}"));
            // The state moved since the plan (another apply ran while this one waited).
            return match state.serial() {
                Ok(serial) if serial != plan.state_serial => Exit::StalePlan,
                _ => Exit::Problems,
            };
        }
    };
    // Certificates the plan renews are issued now, before any node runs (docs/certs.md).
    let certs = match crate::certs::prepare(paths, registry, plan, crate::certs::now()) {
        Ok(certs) => certs,
        Err(d) => {
            let mut diags = portoser_diag::Diagnostics::new();
            diags.push(*d);
            out.diagnostics_of(inputs.map, diags);
            return Exit::Problems;
        }
    };
    for line in &certs.issued {
        out.stderr(&format!("certificate {line}"));
    }
    // What gets recorded for each service once it is done, with the digest of its files and
    // the fingerprint of its certificate.
    let configs = portoser_plan::service_configs_with_certs(
        registry,
        &recorded,
        &sources.digests(),
        &certs.facts,
    );
    let pool = fleet::pool(registry, paths, &args.connect.options());
    let healer = super::heal::healer(inputs.map, registry, &state, pool.clone(), args);
    let mut runner = EngineRunner::new(registry, &recorded, pool)
        .with_sources(sources.services.clone())
        .with_custom_engines(hooks::custom_engines(checked))
        .with_caddy(crate::caddy::job(registry, paths))
        .with_certs(certs.files)
        .with_health_cas(crate::certs::health_cas(paths, registry));
    if registry.services.iter().any(|s| !s.secrets.is_empty()) {
        match crate::vault::client(registry, paths) {
            Ok((client, mount)) => {
                runner = runner.with_vault(portoser_exec::VaultAccess::new(client, mount));
            }
            // The secrets nodes fail with E0572 naming the service; the rest of the run goes on.
            Err(why) => out.stderr(&format!("warning: Vault is not usable: {why}")),
        }
    }
    for (node, steps) in hooks::hook_nodes(checked) {
        runner = runner.with_hook(&node, steps);
    }
    let runner = Arc::new(portoser_heal::Healing::new(
        Arc::new(runner),
        healer.clone(),
    ));
    let options = ApplyOptions {
        per_host_limit: usize::from(args.per_host),
        ..ApplyOptions::default()
    };
    let style = progress_style(args.format, plan);
    let runtime = match super::common::runtime(out) {
        Ok(rt) => rt,
        Err(exit) => return exit,
    };
    let result = runtime.block_on(async {
        let renewing = tokio::spawn(renew_lease(renewer));
        let ctrl_c = options.cancel.trigger_on_ctrl_c();
        let (tx, rx) = tokio::sync::mpsc::channel(1024);
        let ui = tokio::spawn(progress::follow(rx, style));
        let report = portoser_exec::apply(plan, &configs, runner, &mut state, &options, &tx).await;
        drop(tx);
        let _ = ui.await;
        ctrl_c.abort();
        renewing.abort();
        report
    });
    let run_id = result.as_ref().ok().and_then(|r| r.run_id);
    super::heal::after_run(paths, inputs, &mut state, run_id, &healer, args.format, out);
    drop(lock);
    match result {
        Ok(report) => finish(&report, inputs, args.format, out),
        Err(e) => {
            out.stderr(&format!("error[{}]: {e}", e.code()));
            Exit::Problems
        }
    }
}

/// The project's apply lock, waiting up to `timeout_secs` for another run to release it.
fn take_lock(
    state: &StateDb,
    plan: &Plan,
    timeout_secs: u64,
    out: &Output,
) -> Result<portoser_state::LockGuard, Exit> {
    let holder = portoser_state::LockHolder::current();
    let request = portoser_state::LockRequest {
        holder: &holder,
        reason: "apply",
        plan_hash: &plan.inputs_hash,
        lease: portoser_state::DEFAULT_LEASE,
    };
    let wait = std::time::Duration::from_secs(timeout_secs);
    let poll = std::time::Duration::from_millis(500);
    state
        .acquire_lock_waiting(&request, wait, poll)
        .map_err(|e| match e {
            portoser_state::LockError::Held(held) => {
                out.stderr(&super::lock::held_message(&held));
                Exit::LockHeld
            }
            portoser_state::LockError::State(e) => {
                out.stderr(&format!("error[{}]: {e}", e.code()));
                Exit::Problems
            }
        })
}

/// Renews the lock's lease every third of it while the run goes on (aborted at its end).
async fn renew_lease(renewer: portoser_state::LockRenewer) {
    let mut tick = tokio::time::interval(renewer.interval());
    tick.tick().await; // the first tick is immediate: the lease was just taken
    loop {
        tick.tick().await;
        let r = renewer.clone();
        match tokio::task::spawn_blocking(move || r.renew()).await {
            Ok(Ok(true)) => {}
            Ok(Ok(false)) => {
                eprintln!("warning: the apply lock was broken by someone else; this run goes on");
                return;
            }
            Ok(Err(e)) => eprintln!("warning: cannot renew the apply lock: {e}"),
            Err(_) => return,
        }
    }
}

fn progress_style(format: ProgressFormat, plan: &Plan) -> Style {
    let total = plan
        .nodes
        .iter()
        .filter(|n| n.action != Action::NoOp)
        .count() as u64;
    match format {
        ProgressFormat::Json => Style::Json,
        ProgressFormat::Plain => Style::Plain,
        ProgressFormat::Auto if std::io::stderr().is_terminal() => Style::Terminal { total },
        ProgressFormat::Auto => Style::Plain,
    }
}

fn finish(report: &RunReport, inputs: &Inputs<'_>, format: ProgressFormat, out: &Output) -> Exit {
    match format {
        ProgressFormat::Json => out.stdout(&progress::report_json(report).to_string()),
        _ => out.stderr(&progress::summary(report)),
    }
    // Each failure located at the registry entry behind it, with the host's own words.
    let origins = super::failures::Origins {
        registry: inputs.registry,
        hooks: hooks::hook_spans(inputs.checked),
    };
    let failures = super::failures::diagnostics(report, &origins);
    if !failures.is_empty() {
        out.diagnostics_of(inputs.map, failures.into_iter().collect());
    }
    if report.is_success() {
        Exit::Ok
    } else if report.only_rolled_back() {
        Exit::RolledBack
    } else {
        Exit::Problems
    }
}
