//! `portoser rollback SERVICE [--to RUN_ID]`: plan and apply an earlier recorded
//! configuration of one service, previewed like any plan and run through apply's own path
//! (lock, runner, state, failure diagnostics).
//!
//! The desired state is the registry with that one service's entry carrying the recorded
//! configuration; everything else must already be as recorded, so the plan changes only it.

use super::Exit;
use super::apply::{ApplyArgs, ConnectArgs, Inputs, ProgressFormat};
use super::output::Output;
use crate::planning::{Planned, plan_project};
use crate::project::ProjectPaths;
use portoser_plan::{Action, HookSpec, Plan, Recorded, ServiceConfig, render};
use portoser_registry::Registry;
use portoser_state::StateDb;

#[derive(Debug, clap::Args)]
pub struct RollbackArgs {
    /// The service to roll back
    pub service: String,
    /// The run whose configuration to restore [default: the one before the latest change]
    #[arg(long, value_name = "RUN_ID")]
    pub to: Option<i64>,
    /// Do not ask for confirmation
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Wait this long for another apply to release the lock (0: refuse at once)
    #[arg(long, value_name = "SECONDS", default_value_t = 0)]
    pub lock_timeout: u64,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

pub fn run(paths: &ProjectPaths, args: &RollbackArgs, out: &Output) -> Exit {
    let mut planned = plan_project(paths);
    out.diagnostics(&planned.compiled);
    let Some(fresh) = planned.plan.take() else {
        out.stderr("error: nothing was rolled back because of the errors above");
        return Exit::Problems;
    };
    let (target, run_id) = match target_config(paths, &args.service, args.to) {
        Ok(found) => found,
        Err(message) => {
            out.stderr(&format!("error: {message}"));
            return Exit::Problems;
        }
    };
    let Some(registry) = rolled_back_registry(&planned, &args.service, &target) else {
        out.stderr(&format!(
            "error: `{}` is not in the registry\n  help: a removed service cannot be rolled back; add its entry again",
            args.service
        ));
        return Exit::Problems;
    };
    let Some(plan) = plan_for(paths, &planned, &registry, fresh.state_serial) else {
        out.stderr("error: cannot read the recorded state");
        return Exit::Problems;
    };
    if let Some(other) = other_changes(&plan, &args.service) {
        out.stderr(&format!(
            "error: the registry also changes {other}: a rollback changes one service only\n  help: apply or revert those changes first"
        ));
        return Exit::Problems;
    }
    out.stderr(&format!(
        "Rolling `{}` back to its configuration as of run {run_id}.",
        args.service
    ));
    out.stdout(&render::human(&plan, out.color_stdout));
    if !plan.has_changes() {
        out.stderr(&format!(
            "`{}` already runs that configuration: nothing to roll back.",
            args.service
        ));
        return Exit::Ok;
    }
    apply_rollback(paths, &planned, &registry, &plan, args, out)
}

fn apply_rollback(
    paths: &ProjectPaths,
    planned: &Planned,
    registry: &Registry,
    plan: &Plan,
    args: &RollbackArgs,
    out: &Output,
) -> Exit {
    let Some(checked) = &planned.compiled.checked else {
        return Exit::Problems;
    };
    let apply_args = ApplyArgs {
        plan: None,
        yes: args.yes,
        format: ProgressFormat::Plain,
        per_host: 8,
        lock_timeout: args.lock_timeout,
        no_auto_heal: false,
        connect: args.connect.clone(),
    };
    if !args.yes && !super::apply::confirm(out) {
        return Exit::UsageOrChanges;
    }
    let inputs = Inputs {
        map: &planned.compiled.map,
        registry,
        checked,
        sources: &planned.sources,
    };
    let exit = super::apply::execute(paths, &inputs, plan, &apply_args, out);
    if exit == Exit::Ok {
        out.stderr(&format!(
            "note: registry.yml still describes the newer `{0}`: the next `portoser plan` shows it as an update\n  \
             help: to keep the rollback, change `{0}` in registry.yml back to the restored configuration",
            args.service
        ));
    }
    exit
}

/// The configuration to restore and the run it comes from: as of `to`, or the one before
/// the service's most recent change of configuration.
fn target_config(
    paths: &ProjectPaths,
    service: &str,
    to: Option<i64>,
) -> Result<(ServiceConfig, i64), String> {
    let path = paths.state_db();
    let db = StateDb::open_read_only(&path)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("nothing was ever applied here: `{service}` has no history"))?;
    let run_id = match to {
        Some(id) => id,
        None => before_latest_change(&db, service)?,
    };
    match db.config_at(service, run_id).map_err(|e| e.to_string())? {
        Some(config) => Ok((config, run_id)),
        None => Err(format!(
            "`{service}` has no recorded configuration as of run {run_id}\n  help: `portoser history {service}` lists the runs that changed it"
        )),
    }
}

/// The run just before the latest one that changed `service`'s configuration.
fn before_latest_change(db: &StateDb, service: &str) -> Result<i64, String> {
    let runs = db.history(Some(service), 1000).map_err(|e| e.to_string())?;
    let changed = runs.iter().find(|run| {
        run.services.iter().any(|c| {
            c.hash_before.is_some()
                && c.hash_before != c.hash_after
                && (c.status == "applied" || c.status == "deployed")
        })
    });
    match changed {
        Some(run) => Ok(run.id - 1),
        None => Err(format!(
            "`{service}` has no earlier configuration to roll back to\n  help: `portoser history {service}` lists the runs that changed it"
        )),
    }
}

/// The compiled registry with `service`'s entry carrying `old` (what its recorded
/// configuration holds, its health gate included; what it does not, such as its
/// dependencies, stays as registered).
fn rolled_back_registry(planned: &Planned, service: &str, old: &ServiceConfig) -> Option<Registry> {
    let mut registry = planned.compiled.registry.clone()?;
    let entry = registry
        .services
        .iter_mut()
        .find(|s| s.name.value == service)?;
    *entry = portoser_plan::with_config(entry.clone(), old);
    Some(registry)
}

/// The plan of `registry` against the recorded state the project was planned against.
fn plan_for(
    paths: &ProjectPaths,
    planned: &Planned,
    registry: &Registry,
    serial: u64,
) -> Option<Plan> {
    let checked = planned.compiled.checked.as_ref()?;
    let hooks: Vec<HookSpec> = crate::planning::hook_specs(checked);
    let recorded = recorded_state(paths)?;
    if recorded.serial != serial {
        return None;
    }
    Some(portoser_plan::plan_with_sources(
        registry,
        &hooks,
        &recorded,
        &planned.compiled.inputs_hash,
        &planned.sources.digests(),
    ))
}

/// The recorded state (the plan was made against it; apply checks its serial again).
fn recorded_state(paths: &ProjectPaths) -> Option<Recorded> {
    match StateDb::open_read_only(&paths.state_db()).ok()? {
        Some(db) => db.recorded().ok(),
        None => Some(Recorded::default()),
    }
}

/// The other services the plan would change, named for the refusal.
fn other_changes(plan: &Plan, service: &str) -> Option<String> {
    let mut others: Vec<String> = plan
        .nodes
        .iter()
        .filter(|n| n.action != Action::NoOp)
        .filter_map(|n| n.service.clone())
        .filter(|s| s != service)
        .map(|s| format!("`{s}`"))
        .collect();
    others.sort();
    others.dedup();
    (!others.is_empty()).then(|| others.join(", "))
}
