//! From a compiled project to a plan: read the recorded state, turn checked hooks into plan
//! inputs, and call the planner. Shared by `plan`, `graph` and the tests.

use crate::compile::{Compiled, compile};
use crate::project::ProjectPaths;
use crate::sources::{Limits, Sources, read_sources};
use portoser_diag::Diagnostic;
use portoser_plan::{HookSpec, Plan, Recorded, SourceDigest, Timing};
use portoser_state::StateDb;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// A compiled project, the files each service sends to its host, and the plan (when the
/// project has no errors).
pub struct Planned {
    pub compiled: Compiled,
    pub sources: Sources,
    pub plan: Option<Plan>,
    /// Whether the secrets' current versions were read from Vault (rotation).
    pub secret_versions: crate::vault::VersionCheck,
}

/// Compiles the project, reads the files each service syncs to its host and, when there are
/// no errors, plans against the recorded state. Every problem (an unreadable state database,
/// a file over the limits) is in `compiled.diags`.
pub fn plan_project(paths: &ProjectPaths) -> Planned {
    let mut compiled = compile(paths);
    let recorded = read_state(paths, &mut compiled);
    let sources = match &compiled.registry {
        Some(registry) => read_sources(&paths.registry_dir(), registry, &Limits::default()),
        None => Sources::default(),
    };
    compiled.diags.extend(sources.diagnostics.iter().cloned());
    // A saved plan must go stale when a synced file changes, not only when the registry does.
    compiled.inputs_hash = with_sources(&compiled.inputs_hash, &sources.digests());
    // The PKI store is an input too: a certificate issued or due since a saved plan makes it stale.
    // Only for a registry without errors: a "no CA" on top of a typo would be noise.
    let certs = match &compiled.registry {
        Some(registry) if !compiled.diags.has_errors() => {
            crate::certs::read_facts(&crate::certs::pki(paths), registry, crate::certs::now())
        }
        _ => crate::certs::Facts::default(),
    };
    compiled.diags.extend(certs.diagnostics.iter().cloned());
    compiled.inputs_hash = with_cert_inputs(&compiled.inputs_hash, &certs.inputs);
    // Vault's current secret versions (a rotated secret redeploys), or the recorded ones.
    let secret_versions = match &mut compiled.registry {
        Some(registry) => crate::vault::fill_versions(registry, &recorded, paths),
        None => crate::vault::VersionCheck::NotNeeded,
    };
    let mut plan = make_plan(&mut compiled, &recorded, &sources, &certs);
    if let (Some(plan), Some(registry)) = (&mut plan, &compiled.registry) {
        crate::caddy::annotate(plan, registry, paths);
    }
    Planned {
        compiled,
        sources,
        plan,
        secret_versions,
    }
}

fn make_plan(
    compiled: &mut Compiled,
    recorded: &Recorded,
    sources: &Sources,
    certs: &crate::certs::Facts,
) -> Option<Plan> {
    if compiled.diags.has_errors() {
        return None;
    }
    let (Some(registry), Some(checked)) = (&compiled.registry, &compiled.checked) else {
        return None;
    };
    let hooks = hook_specs(checked);
    let digests = sources.digests();
    let mut plan = portoser_plan::plan_at_with_facts(
        registry,
        &hooks,
        recorded,
        &compiled.inputs_hash,
        &digests,
        &certs.certs,
        &portoser_plan::now_rfc3339(),
    );
    // The planner's own findings (a cycle it should never see) are diagnostics like any other.
    compiled.diags.extend(std::mem::take(&mut plan.diagnostics));
    plan.inputs = compiled.input_digests.clone();
    for (service, digest) in &digests {
        plan.inputs
            .insert(format!("files of {service}"), digest.hash.clone());
    }
    plan.inputs.extend(certs.inputs.clone());
    (!compiled.diags.has_errors()).then_some(plan)
}

/// The inputs hash extended with the PKI facts (`certificate of api` → fingerprint, due).
fn with_cert_inputs(inputs_hash: &str, inputs: &BTreeMap<String, String>) -> String {
    extended(
        inputs_hash,
        inputs.iter().map(|(n, v)| (n.as_str(), v.as_str())),
    )
}

/// The inputs hash extended with every service's file digest (sorted by service).
fn with_sources(inputs_hash: &str, digests: &BTreeMap<String, SourceDigest>) -> String {
    extended(
        inputs_hash,
        digests.iter().map(|(s, d)| (s.as_str(), d.hash.as_str())),
    )
}

/// `inputs_hash` unchanged when there is nothing to add (a project without such inputs keeps
/// the compiler's hash), else the SHA-256 of it and each `name`, `value`, NUL-separated.
fn extended<'a>(inputs_hash: &str, pairs: impl Iterator<Item = (&'a str, &'a str)>) -> String {
    let mut pairs = pairs.peekable();
    if pairs.peek().is_none() {
        return inputs_hash.to_string();
    }
    let mut hasher = Sha256::new();
    hasher.update(inputs_hash.as_bytes());
    for (name, value) in pairs {
        hasher.update([0]);
        hasher.update(name.as_bytes());
        hasher.update([0]);
        hasher.update(value.as_bytes());
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The recorded state `apply` runs against: it must be the one the plan was made from (another
/// apply may have run in between; locks come with issue 5).
pub fn read_recorded(state: &StateDb, plan: &Plan) -> Result<Recorded, String> {
    let recorded = state.recorded().map_err(|e| e.to_string())?;
    if recorded.serial != plan.state_serial {
        return Err(format!(
            "the state changed since the plan was made (serial {} → {}): plan again",
            plan.state_serial, recorded.serial
        ));
    }
    Ok(recorded)
}

/// The recorded state; a project that never ran `apply` has none (and planning creates nothing).
fn read_state(paths: &ProjectPaths, compiled: &mut Compiled) -> Recorded {
    let path = paths.state_db();
    let result = StateDb::open_read_only(&path).and_then(|db| match db {
        Some(db) => db.recorded(),
        None => Ok(Recorded::default()),
    });
    result.unwrap_or_else(|e| {
        compiled.diags.push(
            Diagnostic::error(
                e.code(),
                format!(
                    "cannot read the state database `{}`",
                    ProjectPaths::display(&path)
                ),
            )
            .with_note(e.to_string())
            .with_help("restore it from a backup, or move it away to plan against an empty fleet"),
        );
        Recorded::default()
    })
}

/// The checker's hooks as the planner's input.
pub fn hook_specs(checked: &portoser_check::Checked) -> Vec<HookSpec> {
    checked.hooks.iter().map(hook_spec).collect()
}

fn hook_spec(h: &portoser_check::HookInfo) -> HookSpec {
    HookSpec {
        service: h.service.clone(),
        timing: match h.timing {
            portoser_syntax::ast::HookTiming::Before => Timing::Before,
            portoser_syntax::ast::HookTiming::After => Timing::After,
        },
        event: h.event.clone(),
        span: h.span,
        steps: h.steps.clone(),
    }
}
