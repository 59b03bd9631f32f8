//! Environment, secrets and health checks.

use super::rules::{is_env_name, is_http_url, is_tcp_endpoint};
use crate::model::{HealthKind, Registry, SString, Service};
use portoser_diag::{Diagnostic, Diagnostics};

pub(super) fn check(registry: &Registry, diags: &mut Diagnostics) {
    for service in &registry.services {
        for (name, value) in &service.env {
            env_name(name, diags);
            if value.value.contains(['\n', '\r', '\0']) {
                diags.push(
                    Diagnostic::error(
                        "E0120",
                        format!("env `{}` contains a line break or NUL", name.value),
                    )
                    .at(value.span, "cannot be passed safely as one variable")
                    .with_help("put multi-line values in a file and pass its path instead"),
                );
            }
        }
        for (name, _) in &service.secrets {
            env_name(name, diags);
        }
        if let Some(url) = &service.healthcheck_url
            && !is_http_url(&url.value)
        {
            diags.push(
                Diagnostic::error(
                    "E0124",
                    format!(
                        "healthcheck_url `{}` is not an http(s) URL",
                        url.value.escape_debug()
                    ),
                )
                .at(url.span, "expected `http://...` or `https://...`"),
            );
        }
        health(service, diags);
    }
}

fn env_name(name: &SString, diags: &mut Diagnostics) {
    if !is_env_name(&name.value) {
        diags.push(
            Diagnostic::error(
                "E0119",
                format!(
                    "`{}` is not a valid environment variable name",
                    name.value.escape_debug()
                ),
            )
            .at(name.span, "not a variable name")
            .with_help("use letters, digits and `_`, not starting with a digit"),
        );
    }
}

fn health(service: &Service, diags: &mut Diagnostics) {
    let Some(h) = &service.health else {
        return;
    };
    let nothing = |why: &str| {
        Diagnostic::warning(
            "W0105",
            format!(
                "the health check of `{}` has nothing to check",
                service.name.value
            ),
        )
        .at(h.span, why.to_string())
        .with_help("set `type` and `endpoint`, or give the service a `port`")
    };
    let Some(kind) = &h.kind else {
        if h.endpoint.is_none() {
            diags.push(nothing("no `type` and no `endpoint`"));
        }
        return;
    };
    let Some(endpoint) = &h.endpoint else {
        if matches!(kind.value, HealthKind::Http | HealthKind::Tcp) && service.port.is_none() {
            diags.push(nothing(
                "no `endpoint`, and the service has no `port` to probe",
            ));
        } else if matches!(kind.value, HealthKind::Command | HealthKind::Process) {
            diags.push(nothing("a command or process check needs an `endpoint`"));
        }
        return;
    };
    let (fits, expected) = match kind.value {
        HealthKind::Http => (is_http_url(&endpoint.value), "an http(s) URL"),
        HealthKind::Tcp => (is_tcp_endpoint(&endpoint.value), "a port or `host:port`"),
        HealthKind::Process | HealthKind::Command => (
            !endpoint.value.trim().is_empty() && !endpoint.value.contains('\0'),
            "a non-empty name or command",
        ),
    };
    if !fits {
        diags.push(
            Diagnostic::error(
                "E0123",
                format!("a {} health check needs {expected}", kind.value.as_str()),
            )
            .at(endpoint.span, format!("not {expected}"))
            .with_label(kind.span, "the check type"),
        );
    }
}
