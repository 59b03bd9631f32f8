//! The project side of the Caddy ingress: render for this project, read the TLS files a reload
//! copies, and show in the plan what the reload changes (a diff against the Caddyfile last
//! loaded, `.portoser/caddy/Caddyfile.applied`).

use crate::project::ProjectPaths;
use portoser_caddy::{APPLIED_PATH, Caddyfile};
use portoser_exec::CaddyJob;
use portoser_plan::{Action, NodeKind, Plan};
use portoser_registry::Registry;
use std::path::PathBuf;

/// At most this many diff lines in the plan; `portoser caddy diff` prints all.
const PLAN_DIFF_LINES: usize = 60;

pub fn applied_path(paths: &ProjectPaths) -> PathBuf {
    paths.dir.join(APPLIED_PATH)
}

/// The model and its text.
pub fn render(registry: &Registry) -> (Caddyfile, String) {
    let model = portoser_caddy::build(registry);
    let text = portoser_caddy::render(&model);
    (model, text)
}

/// The reload the `caddy/reload` node performs: the rendered text and where the TLS files it
/// names are in the project (read when the reload runs).
pub fn job(registry: &Registry, paths: &ProjectPaths) -> Result<CaddyJob, String> {
    let (model, text) = render(registry);
    let ingress_host = model.global.ingress_host.clone().ok_or_else(|| {
        "services have a `hostname` but the registry has no `caddy.ingress_host`".to_string()
    })?;
    let dir = paths.registry_dir();
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let files = model
        .files
        .iter()
        .map(|f| {
            // The PKI store is in the project directory, the rest relative to the registry.
            let local = match f.local.strip_prefix(".portoser/") {
                Some(rest) => paths.dir.join(".portoser").join(rest),
                None => portoser_registry::local_path(&f.local, &dir, home.as_deref()),
            };
            (local, f.remote.clone(), f.private)
        })
        .collect();
    Ok(CaddyJob {
        ingress_host,
        admin: model.global.admin.clone(),
        caddyfile_path: model.global.caddyfile_path.clone(),
        text,
        files,
        applied_path: applied_path(paths),
    })
}

/// Shows the Caddyfile change in the `caddy/reload` node (as reasons: every renderer shows
/// them), the services left out of the proxy, and turns a no-op reload into an update when
/// the rendered Caddyfile differs from the applied one (a changed health check moves no
/// route but still needs a reload).
pub fn annotate(plan: &mut Plan, registry: &Registry, paths: &ProjectPaths) {
    let Some(node) = plan.nodes.iter_mut().find(|n| n.kind == NodeKind::Caddy) else {
        return;
    };
    let (model, text) = render(registry);
    let applied = portoser_caddy::read_applied(&applied_path(paths));
    let old = applied.as_deref().unwrap_or_default();
    let diff = portoser_caddy::unified(old, &text, APPLIED_PATH, "rendered");
    if node.action == Action::NoOp {
        if applied.is_none() || diff.is_empty() {
            return;
        }
        node.action = Action::Update;
        node.reasons.push("Caddyfile changed".to_string());
    }
    for s in &model.skipped {
        node.reasons.push(format!(
            "not proxied: {} (service {}): {}",
            s.hostname, s.service, s.reason
        ));
    }
    if diff.is_empty() {
        return;
    }
    let lines: Vec<&str> = diff.lines().collect();
    node.reasons.push(match applied {
        Some(_) => format!("Caddyfile diff against {APPLIED_PATH}:"),
        None => "Caddyfile diff (nothing loaded by portoser yet):".to_string(),
    });
    for line in lines.iter().take(PLAN_DIFF_LINES) {
        node.reasons.push(format!("  {line}"));
    }
    if lines.len() > PLAN_DIFF_LINES {
        node.reasons.push(format!(
            "  … {} more lines: `portoser caddy diff`",
            lines.len() - PLAN_DIFF_LINES
        ));
    }
}
