//! What each deployment type needs, TLS pairs, and fields that are ignored or deprecated.

use crate::model::{Engine, Registry, SString, Service};
use portoser_diag::{Diagnostic, Diagnostics, Span};

pub(super) fn check(registry: &Registry, diags: &mut Diagnostics) {
    for service in &registry.services {
        if let Some(engine) = &service.deployment_type {
            required(service, engine.value, engine.span, diags);
            ignored(service, engine.value, diags);
        }
        tls_pair(service, diags);
        if let Some(pm) = &service.python_manager
            && pm.value != "uv"
        {
            diags.push(
                Diagnostic::warning("W0104", format!("python_manager `{}` is ignored", pm.value))
                    .at(pm.span, "portoser runs Python apps with uv only")
                    .with_help("remove `python_manager` or set it to `uv`"),
            );
        }
    }
}

/// docker needs a compose file; local needs something to start; native needs a unit to
/// manage or something to generate one from. (docs/registry.md, "Deployment types")
fn required(service: &Service, engine: Engine, at: Span, diags: &mut Diagnostics) {
    let has_start = service.command.is_some() || service.service_file.is_some();
    let missing = match engine {
        Engine::Docker if service.docker_compose.is_none() => Some((
            "`docker_compose`",
            "add `docker_compose: <path to the compose file>`",
        )),
        Engine::Local if !has_start => Some((
            "`command` or `service_file`",
            "add `command: <start command>` or `service_file: <service.yml>`",
        )),
        Engine::Native if !has_start && service.service_name.is_none() => Some((
            "`service_name`, `command` or `service_file`",
            "name an installed unit with `service_name`, or give `command`/`service_file` to generate one",
        )),
        _ => None,
    };
    if let Some((what, help)) = missing {
        diags.push(
            Diagnostic::error(
                "E0113",
                format!("{engine} service `{}` has no {what}", service.name.value),
            )
            .at(at, format!("a {engine} service needs {what}"))
            .with_label(service.name.span, "this service")
            .with_help(help),
        );
    }
}

/// Fields that the service's engine never reads: a sign of a copy-paste mistake.
fn ignored(service: &Service, engine: Engine, diags: &mut Diagnostics) {
    let unused: &[(&Option<SString>, &str)] = match engine {
        Engine::Docker => &[
            (&service.command, "command"),
            (&service.service_file, "service_file"),
        ],
        Engine::Local | Engine::Native => &[(&service.docker_compose, "docker_compose")],
        // A project engine reads whatever its steps read: nothing is known to be unused.
        Engine::Custom(_) => &[],
    };
    for (value, key) in unused {
        if let Some(v) = value {
            diags.push(
                Diagnostic::warning(
                    "W0104",
                    format!("`{key}` is ignored for a {engine} service"),
                )
                .at(v.span, format!("a {engine} service does not read `{key}`"))
                .with_help(format!("remove `{key}` or change `deployment_type`")),
            );
        }
    }
}

fn tls_pair(service: &Service, diags: &mut Diagnostics) {
    let pair = match (&service.tls_cert, &service.tls_key) {
        (Some(c), None) => Some((c, "tls_cert", "tls_key")),
        (None, Some(k)) => Some((k, "tls_key", "tls_cert")),
        _ => None,
    };
    if let Some((given, has, lacks)) = pair {
        diags.push(
            Diagnostic::error(
                "E0114",
                format!(
                    "service `{}` has `{has}` but no `{lacks}`",
                    service.name.value
                ),
            )
            .at(given.span, format!("`{has}` needs a matching `{lacks}`"))
            .with_help(format!("add `{lacks}` or remove `{has}`")),
        );
    }
}
