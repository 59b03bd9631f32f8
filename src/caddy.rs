//! The project side of the Caddy ingress: render for this project, read the TLS files a reload
//! copies, and show in the plan what the reload changes (a diff against the Caddyfile last
//! loaded, `.portoser/caddy/Caddyfile.applied`).

use crate::project::ProjectPaths;
use portoser_caddy::{APPLIED_PATH, Caddyfile};
use portoser_exec::CaddyJob;
use portoser_plan::{Action, NodeKind, Plan};
use portoser_registry::Registry;
use sha2::{Digest, Sha256};
use std::path::PathBuf;

/// At most this many diff lines in the plan; `portoser caddy diff` prints all.
const PLAN_DIFF_LINES: usize = 60;

pub fn applied_path(paths: &ProjectPaths) -> PathBuf {
    paths.dir.join(APPLIED_PATH)
}

/// The model and its text, with a digest of each certificate the project provides
/// (`tls_cert`, `ca_cert`): a replaced file changes the Caddyfile, so the plan
/// reloads Caddy. The project CA's certificates (`.portoser/pki`) get none: they are issued
/// during apply, after this renders, and the plan follows them through their fingerprints.
pub fn render(registry: &Registry, paths: &ProjectPaths) -> (Caddyfile, String) {
    let mut model = portoser_caddy::build(registry);
    for f in &mut model.files {
        // Keys get no digest (not even a hash of a secret goes into the plan); a new key
        // comes with a new certificate.
        if f.local.starts_with(".portoser/") || f.private {
            continue;
        }
        let local = local_file(&f.local, paths);
        f.digest = std::fs::read(local).ok().map(|bytes| {
            let hex: String = Sha256::digest(&bytes)
                .iter()
                .take(8)
                .map(|b| format!("{b:02x}"))
                .collect();
            format!("sha256:{hex}")
        });
    }
    let text = portoser_caddy::render(&model);
    (model, text)
}

/// Where a TLS file named in the registry is on this machine: the PKI store is in the project
/// directory, the rest relative to the registry (docs/registry.md).
fn local_file(path: &str, paths: &ProjectPaths) -> PathBuf {
    match path.strip_prefix(".portoser/") {
        Some(rest) => paths.dir.join(".portoser").join(rest),
        None => {
            let home = std::env::var_os("HOME").map(PathBuf::from);
            portoser_registry::local_path(path, &paths.registry_dir(), home.as_deref())
        }
    }
}

/// The reload the `caddy/reload` node performs: the rendered text and where the TLS files it
/// names are in the project (read when the reload runs).
pub fn job(registry: &Registry, paths: &ProjectPaths) -> Result<CaddyJob, String> {
    let (model, text) = render(registry, paths);
    let ingress_host = model.global.ingress_host.clone().ok_or_else(|| {
        "services have a `hostname` but the registry has no `caddy.ingress_host`".to_string()
    })?;
    let files = model
        .files
        .iter()
        .map(|f| (local_file(&f.local, paths), f.remote.clone(), f.private))
        .collect();
    Ok(CaddyJob {
        ingress_host,
        admin: model.global.admin.clone(),
        binary: model.global.binary.clone(),
        caddyfile_path: model.global.caddyfile_path.clone(),
        text,
        files,
        applied_path: applied_path(paths),
    })
}

/// Shows the Caddyfile change in the `caddy/reload` node (a reason line, and the unified
/// diff as the node's `diff`, which every renderer shows as a block), the services left out
/// of the proxy, and turns a no-op reload into an update when
/// the rendered Caddyfile differs from the applied one (a changed health check moves no
/// route but still needs a reload).
pub fn annotate(plan: &mut Plan, registry: &Registry, paths: &ProjectPaths) {
    let Some(node) = plan.nodes.iter_mut().find(|n| n.kind == NodeKind::Caddy) else {
        return;
    };
    let (model, text) = render(registry, paths);
    let applied = portoser_caddy::read_applied(&applied_path(paths));
    let old = applied.as_deref().unwrap_or_default();
    let diff = portoser_caddy::unified(old, &text, APPLIED_PATH, "rendered");
    if model.global.ingress_host.is_none() {
        node.reasons.push(
            "the registry has no `caddy.ingress_host`: this reload fails until a `caddy:` \
             block names the host Caddy runs on (docs/caddy.md)"
                .to_string(),
        );
    }
    if node.action == Action::NoOp {
        if applied.is_none() || diff.is_empty() {
            return;
        }
        node.action = Action::Update;
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
    node.reasons.push(match applied {
        Some(_) => format!("Caddyfile changed (diff against {APPLIED_PATH})"),
        None => "Caddyfile new: no Caddyfile loaded by portoser yet".to_string(),
    });
    let lines: Vec<&str> = diff.lines().collect();
    let mut shown = lines[..lines.len().min(PLAN_DIFF_LINES)].join("\n");
    if lines.len() > PLAN_DIFF_LINES {
        shown.push_str(&format!(
            "\n… {} more lines: `portoser caddy diff`",
            lines.len() - PLAN_DIFF_LINES
        ));
    }
    node.diff = Some(shown);
}
