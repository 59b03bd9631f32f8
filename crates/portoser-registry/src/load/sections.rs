//! `caddy:`, `dns:`, `vault:`, `defaults:` and a service's `health:` block.

use super::fields::Fields;
use crate::model::{Caddy, Certs, Defaults, Dns, Health, HealthKind, OnFailure, TlsMode, Vault};
use crate::yaml::Node;
use portoser_diag::Diagnostics;

pub(super) const ON_FAILURE: &[(OnFailure, &str)] = &[
    (OnFailure::Rollback, "rollback"),
    (OnFailure::Stop, "stop"),
    (OnFailure::Keep, "keep"),
];

const HEALTH_KINDS: &[(HealthKind, &str)] = &[
    (HealthKind::Http, "http"),
    (HealthKind::Tcp, "tcp"),
    (HealthKind::Process, "process"),
    (HealthKind::Command, "command"),
];

pub(crate) const DNS_KEYS: &[&str] = &["provider", "server"];

pub(super) const TLS_MODES: &[(TlsMode, &str)] = &[(TlsMode::Auto, "auto")];

pub(crate) const CERTS_KEYS: &[&str] = &["lifetime", "renew_before"];

/// `certs:`; the limits (at most 398 days, renew_before shorter) are checked in validate.
pub(super) fn certs(node: &Node, diags: &mut Diagnostics) -> Option<Certs> {
    let f = Fields::new(node, "`certs`", CERTS_KEYS, diags)?;
    Some(Certs {
        lifetime: f.duration("lifetime", diags),
        renew_before: f.duration("renew_before", diags),
    })
}

pub(crate) const VAULT_KEYS: &[&str] = &["address", "mount", "ca_cert", "dev"];

pub(crate) const CADDY_KEYS: &[&str] = &[
    "ingress_host",
    "admin_api",
    "caddyfile_path",
    "email",
    "http_port",
    "https_port",
    "binary",
];

pub(super) fn caddy(node: &Node, diags: &mut Diagnostics) -> Option<Caddy> {
    let f = Fields::new(node, "`caddy`", CADDY_KEYS, diags)?;
    Some(Caddy {
        ingress_host: f.string("ingress_host", diags),
        admin_api: f.string("admin_api", diags),
        caddyfile_path: f.string("caddyfile_path", diags),
        email: f.string("email", diags),
        http_port: f.port("http_port", diags),
        https_port: f.port("https_port", diags),
        binary: f.string("binary", diags),
    })
}

pub(super) fn dns(node: &Node, diags: &mut Diagnostics) -> Option<Dns> {
    let f = Fields::new(node, "`dns`", DNS_KEYS, diags)?;
    Some(Dns {
        provider: f.string("provider", diags),
        server: f.string("server", diags),
    })
}

pub(super) fn vault(node: &Node, diags: &mut Diagnostics) -> Option<Vault> {
    let f = Fields::new(node, "`vault`", VAULT_KEYS, diags)?;
    Some(Vault {
        address: f.string("address", diags),
        mount: f.string("mount", diags),
        ca_cert: f.string("ca_cert", diags),
        dev: f.boolean("dev", diags),
    })
}

pub(crate) const DEFAULTS_KEYS: &[&str] = &[
    "ssh_user",
    "ssh_port",
    "ssh_key",
    "known_hosts",
    "path",
    "healthcheck_interval",
    "healthcheck_retries",
    "healthcheck_timeout",
    "on_failure",
    "heal_attempts",
    "heal_breaker",
];

pub(super) fn defaults(node: &Node, diags: &mut Diagnostics) -> Option<Defaults> {
    let f = Fields::new(node, "`defaults`", DEFAULTS_KEYS, diags)?;
    Some(Defaults {
        ssh_user: f.string("ssh_user", diags),
        ssh_port: f.port("ssh_port", diags),
        ssh_key: f.string("ssh_key", diags),
        known_hosts: f.string("known_hosts", diags),
        path: f.string("path", diags),
        healthcheck_interval: f.duration("healthcheck_interval", diags),
        healthcheck_retries: f.count("healthcheck_retries", diags),
        healthcheck_timeout: f.duration("healthcheck_timeout", diags),
        on_failure: f.choice("on_failure", "on_failure", "E0125", ON_FAILURE, diags),
        heal_attempts: f.count("heal_attempts", diags),
        heal_breaker: f.count("heal_breaker", diags),
    })
}

pub(crate) const HEALTH_KEYS: &[&str] = &[
    "type",
    "endpoint",
    "interval",
    "timeout",
    "retries",
    "expect_status",
    "expect_body",
];

pub(super) fn health(node: &Node, owner: &str, diags: &mut Diagnostics) -> Option<Health> {
    let f = Fields::new(
        node,
        &format!("the `health` of {owner}"),
        HEALTH_KEYS,
        diags,
    )?;
    let expect_status = f.port("expect_status", diags).filter(|s| {
        let ok = (100..=599).contains(&s.value);
        if !ok {
            diags.push(
                portoser_diag::Diagnostic::error("E0127", "`expect_status` is not an HTTP status")
                    .at(s.span, "not between 100 and 599"),
            );
        }
        ok
    });
    Some(Health {
        span: node.span,
        kind: f.choice("type", "health check type", "E0122", HEALTH_KINDS, diags),
        endpoint: f.string("endpoint", diags),
        interval: f.duration("interval", diags),
        timeout: f.duration("timeout", diags),
        retries: f.count("retries", diags),
        expect_status,
        expect_body: f.string("expect_body", diags),
    })
}
