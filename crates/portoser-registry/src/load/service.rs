//! One entry of `services:`.

use super::fields::{Entry, Fields, entries, string, type_error};
use super::sections::{ON_FAILURE, health};
use crate::model::{Engine, SString, SecretRef, Service};
use portoser_diag::{Diagnostic, Diagnostics, Spanned, did_you_mean};

pub(crate) const SERVICE_KEYS: &[&str] = &[
    "hostname",
    "current_host",
    "deployment_type",
    "docker_compose",
    "service_name",
    "service_file",
    "port",
    "healthcheck_url",
    "dependencies",
    "tls_cert",
    "tls_key",
    "ca_cert",
    "tls",
    "mtls",
    "client_cert",
    "description",
    "working_dir",
    "python_manager",
    "restart_command",
    "healthcheck_command",
    "healthcheck_interval",
    "healthcheck_retries",
    "platform",
    "tags",
    "health",
    "command",
    "env",
    "secrets",
    "on_failure",
];

const ENGINES: &[(Engine, &str)] = &[
    (Engine::Docker, "docker"),
    (Engine::Local, "local"),
    (Engine::Native, "native"),
];

pub(super) fn load(entry: &Entry<'_>, diags: &mut Diagnostics) -> Option<Service> {
    let name = Spanned::new(entry.name.to_string(), entry.key.span);
    let what = format!("service `{}`", entry.name);
    let f = Fields::new(entry.value, &what, SERVICE_KEYS, diags)?;
    let deployment_type = project_engine(&f).or_else(|| {
        f.choice(
            "deployment_type",
            "deployment_type",
            "E0112",
            ENGINES,
            diags,
        )
    });
    if f.get("deployment_type").is_none() {
        diags.push(
            Diagnostic::error("E0104", format!("{what} has no `deployment_type`"))
                .at(entry.key.span, "how should this service run?")
                .with_help("add `deployment_type: docker`, `local` or `native`"),
        );
    }
    Some(Service {
        name,
        span: entry.key.span.to(entry.value.span),
        hostname: f.string("hostname", diags),
        current_host: f.string("current_host", diags),
        deployment_type,
        docker_compose: f.string("docker_compose", diags),
        service_name: f.string("service_name", diags),
        service_file: f.string("service_file", diags),
        port: f.port("port", diags),
        healthcheck_url: f.string("healthcheck_url", diags),
        dependencies: f.strings("dependencies", diags),
        tls_cert: f.string("tls_cert", diags),
        tls_key: f.string("tls_key", diags),
        ca_cert: f.string("ca_cert", diags),
        tls: f.choice(
            "tls",
            "tls mode",
            "E0163",
            super::sections::TLS_MODES,
            diags,
        ),
        mtls: f.boolean("mtls", diags),
        client_cert: client_cert(&f, diags),
        description: f.string("description", diags),
        working_dir: f.string("working_dir", diags),
        python_manager: f.string("python_manager", diags),
        restart_command: f.string("restart_command", diags),
        healthcheck_command: f.string("healthcheck_command", diags),
        healthcheck_interval: f.duration("healthcheck_interval", diags),
        healthcheck_retries: f.count("healthcheck_retries", diags),
        platform: f.string("platform", diags),
        tags: f.strings("tags", diags),
        health: f.get("health").and_then(|n| health(n, &what, diags)),
        command: f.string("command", diags),
        env: f.get("env").map(|n| env(n, diags)).unwrap_or_default(),
        secrets: f
            .get("secrets")
            .map(|n| secrets(n, diags))
            .unwrap_or_default(),
        on_failure: f.choice("on_failure", "on_failure", "E0125", ON_FAILURE, diags),
        service_yml: None,
    })
}

/// A `deployment_type` that names a project engine (`engine podman { .. }` in a playbook):
/// a valid engine name that is neither a built-in nor a near miss of one (`dokcer` is a
/// typo, reported as E0112 by `choice`). Whether a block defines it is checked with the
/// playbooks (E0331).
fn project_engine(f: &Fields<'_>) -> Option<Spanned<Engine>> {
    let node = f.get("deployment_type")?;
    let text = match &node.value {
        crate::yaml::Value::Str(s) => s.as_str(),
        _ => return None,
    };
    let builtins = ENGINES.iter().map(|(_, n)| *n);
    if ENGINES.iter().any(|(_, n)| *n == text) || did_you_mean(text, builtins).is_some() {
        return None;
    }
    let name = crate::model::EngineName::new(text)?;
    Some(Spanned::new(Engine::Custom(name), node.span))
}

/// `env:` values are scalars; booleans and numbers are kept as the text the process sees.
fn env(node: &crate::yaml::Node, diags: &mut Diagnostics) -> Vec<(SString, SString)> {
    let Some(list) = entries(node, "`env`", diags) else {
        return Vec::new();
    };
    let mut out = Vec::with_capacity(list.len());
    for e in list {
        let key = Spanned::new(e.name.to_string(), e.key.span);
        let value = match &e.value.value {
            crate::yaml::Value::Null => Spanned::new(String::new(), e.value.span),
            _ => match e.value.scalar_text() {
                Some(text) => Spanned::new(text, e.value.span),
                None => {
                    type_error(diags, e.value, &format!("env `{}`", e.name), "a string");
                    continue;
                }
            },
        };
        out.push((key, value));
    }
    out
}

/// `secrets:` maps an environment variable to `path#key` in Vault.
fn secrets(
    node: &crate::yaml::Node,
    diags: &mut Diagnostics,
) -> Vec<(SString, Spanned<SecretRef>)> {
    let Some(list) = entries(node, "`secrets`", diags) else {
        return Vec::new();
    };
    let mut out = Vec::with_capacity(list.len());
    for e in list {
        let Some(text) = string(e.value, &format!("secret `{}`", e.name), diags) else {
            continue;
        };
        match parse_secret(&text.value) {
            Some(secret) => out.push((
                Spanned::new(e.name.to_string(), e.key.span),
                Spanned::new(secret, text.span),
            )),
            None => diags.push(
                Diagnostic::error(
                    "E0121",
                    format!("secret `{}` is not a `path#key` reference", e.name),
                )
                .at(text.span, "expected `path#key`")
                .with_help(
                    "write the Vault KV path and the key inside it, e.g. `apps/api#db_password`",
                ),
            ),
        }
    }
    out
}

/// `path#key`: both parts non-empty, no whitespace or control characters, one `#`.
pub(crate) fn parse_secret(text: &str) -> Option<SecretRef> {
    let (path, key) = text.split_once('#')?;
    let ok = |s: &str| {
        !s.is_empty() && !s.contains('#') && !s.chars().any(|c| c.is_whitespace() || c.is_control())
    };
    (ok(path) && ok(key) && !path.starts_with('-')).then(|| SecretRef {
        path: path.to_string(),
        key: key.to_string(),
        version: None,
    })
}

/// `client_cert: auto`, the only value (docs/certs.md); anything else, even `true`, is E0164.
fn client_cert(f: &Fields<'_>, diags: &mut Diagnostics) -> Option<Spanned<crate::model::TlsMode>> {
    let node = f.get("client_cert")?;
    if matches!(&node.value, crate::yaml::Value::Str(s) if s == "auto") {
        return Some(Spanned::new(crate::model::TlsMode::Auto, node.span));
    }
    diags.push(
        Diagnostic::error("E0164", "unknown client_cert mode")
            .at(node.span, "`client_cert` takes one value, `auto`")
            .with_help(
                "write `client_cert: auto` (the project CA issues and renews it), or remove the line",
            ),
    );
    None
}
