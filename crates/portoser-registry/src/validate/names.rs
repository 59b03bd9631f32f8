//! Names and values that reach a command line as one argument.

use super::rules::{argument_problem, is_posix_user, is_safe_name, is_unit_name};
use crate::model::{Registry, SString};
use portoser_diag::{Diagnostic, Diagnostics};

const NAME_RULE: &str = "use lower-case letters, digits, `-` and `_`, starting with a letter or digit, at most 63 characters";

pub(super) fn check(registry: &Registry, diags: &mut Diagnostics) {
    for host in &registry.hosts {
        name(&host.name, "host", diags);
        if let Some(user) = &host.ssh_user {
            ssh_user(user, diags);
        }
        for p in [&host.path, &host.context].into_iter().flatten() {
            argument(p, "value", diags);
        }
    }
    if let Some(user) = &registry.defaults.ssh_user {
        ssh_user(user, diags);
    }
    for service in &registry.services {
        name(&service.name, "service", diags);
        if let Some(unit) = &service.service_name
            && !is_unit_name(&unit.value)
        {
            diags.push(
                Diagnostic::error(
                    "E0118",
                    format!(
                        "service_name `{}` is not a safe unit name",
                        unit.value.escape_debug()
                    ),
                )
                .at(unit.span, "not a compose service or systemd unit name")
                .with_help(
                    "use letters, digits, `_`, `.`, `@`, `:` and `-`, not starting with `-`",
                ),
            );
        }
        let paths = [
            &service.docker_compose,
            &service.working_dir,
            &service.service_file,
            &service.tls_cert,
            &service.tls_key,
            &service.ca_cert,
            &service.platform,
        ];
        for p in paths.into_iter().flatten() {
            argument(p, "path", diags);
        }
        let commands = [
            &service.command,
            &service.restart_command,
            &service.healthcheck_command,
        ];
        for c in commands.into_iter().flatten() {
            if c.value.contains('\0') {
                diags.push(
                    Diagnostic::error("E0118", "command contains a NUL character")
                        .at(c.span, "a NUL would cut the command short"),
                );
            }
        }
    }
}

fn name(name: &SString, what: &str, diags: &mut Diagnostics) {
    if !is_safe_name(&name.value) {
        diags.push(
            Diagnostic::error(
                "E0117",
                format!(
                    "{what} name `{}` is not a safe name",
                    name.value.escape_debug()
                ),
            )
            .at(name.span, "used as a file, unit and container name")
            .with_help(NAME_RULE),
        );
    }
}

fn ssh_user(user: &SString, diags: &mut Diagnostics) {
    if !is_posix_user(&user.value) {
        diags.push(
            Diagnostic::error("E0118", format!("ssh_user `{}` is not a valid user name", user.value.escape_debug()))
                .at(user.span, "passed to ssh as the login name")
                .with_help("use letters, digits, `_`, `.` and `-`, starting with a letter or `_`, at most 32 characters"),
        );
    }
}

/// A value that reaches a command line as one argument (a path, a platform ...).
fn argument(value: &SString, what: &str, diags: &mut Diagnostics) {
    if let Some(problem) = argument_problem(&value.value) {
        diags.push(
            Diagnostic::error(
                "E0118",
                format!("{what} `{}` {problem}", value.value.escape_debug()),
            )
            .at(value.span, "unsafe on a command line"),
        );
    }
}
