//! Runtime failures as diagnostics: each failed node becomes a coded error located at the
//! registry entry behind it (the service, or the host when the host is the problem), with the
//! host's own words as notes and a remedy when there is one.

use portoser_diag::{Diagnostic, Span};
use portoser_exec::{FailureKind, NodeFailure, NodeReport, Outcome, RunReport};
use portoser_registry::{Registry, Service};
use std::collections::HashMap;

pub const UNREACHABLE: &str = "E0501";
pub const AUTH: &str = "E0502";
pub const HOST_KEY_UNKNOWN: &str = "E0503";
pub const HOST_KEY_CHANGED: &str = "E0504";
pub const DOCKER_DOWN: &str = "E0505";
pub const MISSING_PROGRAM: &str = "E0506";
pub const MISSING_FILE: &str = "E0507";
pub const UNHEALTHY: &str = "E0508";
pub const DISK_FULL: &str = "E0509";
pub const PERMISSION_DENIED: &str = "E0510";
pub const COMMAND_FAILED: &str = "E0511";
pub const NOT_SUPPORTED: &str = "E0512";
pub const CADDY_REJECTED: &str = "E0540";
pub const VAULT_UNREACHABLE: &str = "E0570";
pub const SECRET_DENIED: &str = "E0571";
pub const SECRET_MISSING: &str = "E0572";
pub const NO_APPROLE: &str = "E0573";

fn code(kind: FailureKind) -> &'static str {
    match kind {
        FailureKind::Unreachable => UNREACHABLE,
        FailureKind::Auth => AUTH,
        FailureKind::HostKeyUnknown => HOST_KEY_UNKNOWN,
        FailureKind::HostKeyChanged => HOST_KEY_CHANGED,
        FailureKind::DockerDown => DOCKER_DOWN,
        FailureKind::MissingProgram => MISSING_PROGRAM,
        FailureKind::MissingFile => MISSING_FILE,
        FailureKind::Unhealthy => UNHEALTHY,
        FailureKind::DiskFull => DISK_FULL,
        FailureKind::PermissionDenied => PERMISSION_DENIED,
        FailureKind::CommandFailed => COMMAND_FAILED,
        FailureKind::NotSupported => NOT_SUPPORTED,
        FailureKind::CaddyRejected => CADDY_REJECTED,
        FailureKind::VaultUnreachable => VAULT_UNREACHABLE,
        FailureKind::SecretDenied => SECRET_DENIED,
        FailureKind::SecretMissing => SECRET_MISSING,
        FailureKind::NoAppRole => NO_APPROLE,
    }
}

fn help(kind: FailureKind, node: &NodeReport) -> Option<String> {
    let host = &node.host;
    let service = node.service.as_deref().unwrap_or("the service");
    Some(match kind {
        FailureKind::Unreachable => format!("check that `{host}` is up and its address and ssh_port are right; `portoser hosts check` tests every host"),
        FailureKind::Auth => format!("check ssh_user and ssh_key for `{host}`, and that the public key is in that user's authorized_keys"),
        FailureKind::HostKeyUnknown => format!("compare the fingerprint out of band, then `portoser hosts trust {host}`"),
        FailureKind::HostKeyChanged => format!("if `{host}` was reinstalled, remove its old line from known_hosts and trust it again; otherwise someone may be impersonating it"),
        FailureKind::DockerDown => format!("start the docker daemon on `{host}`"),
        FailureKind::MissingProgram => format!("install what is missing on `{host}`; `portoser hosts check` lists it"),
        FailureKind::MissingFile => "put the file in the project (a path relative to registry.yml) so apply syncs it, or create it on the host".to_string(),
        FailureKind::Unhealthy => format!("`portoser logs {service}` shows what it printed; `portoser status {service}` its state"),
        FailureKind::DiskFull => format!("free space on `{host}` (old logs, unused docker images)"),
        FailureKind::PermissionDenied => format!("the SSH user of `{host}` must own the host's base directory (`path`)"),
        FailureKind::CaddyRejected => "`portoser caddy render` prints the Caddyfile; fix the registry entry Caddy's message points to, then apply again".to_string(),
        FailureKind::VaultUnreachable => "check `vault.address`, that Vault is up and unsealed, and that `vault.ca_cert` is the CA that signed its certificate".to_string(),
        FailureKind::SecretDenied => format!("if `{service}` moved to `{host}`, run `portoser vault setup-approles` so `{host}`'s policy covers its secrets; `portoser vault rotate {host}` if its secret-id was revoked"),
        FailureKind::SecretMissing => format!("`portoser vault list {service}` shows what is missing; `portoser vault put {service} VAR` writes it"),
        FailureKind::NoAppRole => "run `portoser vault setup-approles` (with the operator's VAULT_TOKEN) to deliver each host's AppRole".to_string(),
        FailureKind::CommandFailed | FailureKind::NotSupported => return None,
    })
}

/// Host-level failures point at the host entry; the rest at the service entry.
fn place(
    kind: FailureKind,
    secret: Option<&str>,
    node: &NodeReport,
    registry: &Registry,
) -> Option<(Span, String)> {
    let host_level = matches!(
        kind,
        FailureKind::Unreachable
            | FailureKind::Auth
            | FailureKind::HostKeyUnknown
            | FailureKind::HostKeyChanged
    );
    if kind == FailureKind::CaddyRejected
        && let Some(ingress) = registry
            .caddy
            .as_ref()
            .and_then(|c| c.ingress_host.as_ref())
    {
        return Some((
            ingress.span,
            "the Caddy ingress this config was for".to_string(),
        ));
    }
    let service = node.service.as_deref().and_then(|s| registry.service(s));
    if let Some(found) = secret_entry(secret, service) {
        return Some(found);
    }
    match (host_level, registry.host(&node.host), service) {
        (true, Some(host), _) => {
            Some((host.name.span, format!("`{}` is declared here", node.host)))
        }
        (_, _, Some(s)) => Some((
            s.name.span,
            format!("`{}` failed on `{}`", node.id, node.host),
        )),
        (_, Some(host), None) => Some((host.name.span, format!("`{}` failed here", node.id))),
        _ => None,
    }
}

/// A failure about one secret points at its `secrets:` entry (the `path#key` reference).
fn secret_entry(secret: Option<&str>, service: Option<&Service>) -> Option<(Span, String)> {
    let (var, r) = service?
        .secrets
        .iter()
        .find(|(v, _)| Some(v.value.as_str()) == secret)?;
    Some((
        r.span,
        format!("`{}` is read from `{}`", var.value, r.value),
    ))
}

/// Where the failing node comes from: the registry, and for a hook node also its playbook.
pub struct Origins<'a> {
    pub registry: &'a Registry,
    pub hooks: HashMap<String, Span>,
}

pub fn diagnostic(node: &NodeReport, failure: &NodeFailure, origins: &Origins<'_>) -> Diagnostic {
    let mut d = Diagnostic::error(
        code(failure.kind),
        format!("{}: {}", node.id, failure.message),
    );
    let secret = failure.secret.as_deref();
    if let Some((span, label)) = place(failure.kind, secret, node, origins.registry) {
        d = d.at(span, label);
    }
    if let Some(span) = origins.hooks.get(&node.id) {
        d = d.with_label(*span, "the hook that failed");
    }
    for note in &failure.notes {
        d = d.with_note(note.clone());
    }
    match help(failure.kind, node) {
        Some(h) => d.with_help(h),
        None => d,
    }
}

pub fn diagnostics(report: &RunReport, origins: &Origins<'_>) -> Vec<Diagnostic> {
    report
        .nodes
        .iter()
        .filter_map(|n| match &n.outcome {
            Outcome::Failed(f) => Some(diagnostic(n, f, origins)),
            _ => None,
        })
        .collect()
}
