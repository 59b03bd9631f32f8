//! How hosts are reached: `connection`, SSH key and known_hosts paths.

use super::rules::argument_problem;
use crate::model::{Host, Registry, SString};
use portoser_diag::{Diagnostic, Diagnostics};

pub(super) fn check(registry: &Registry, diags: &mut Diagnostics) {
    for host in &registry.hosts {
        if let Some(key) = &host.ssh_key {
            file_path(key, "ssh_key", diags);
        }
        if host.is_local() {
            ssh_on_local(host, diags);
        }
    }
    let d = &registry.defaults;
    for (value, what) in [(&d.ssh_key, "ssh_key"), (&d.known_hosts, "known_hosts")] {
        if let Some(v) = value {
            file_path(v, what, diags);
        }
    }
}

/// A local host runs commands in a local shell: SSH settings on it are a mistake (a host
/// switched to `local` that kept its old settings, or `local` set on the wrong host).
fn ssh_on_local(host: &Host, diags: &mut Diagnostics) {
    let port = host.ssh_port.as_ref().map(|p| p.span);
    let fields = [
        (host.ssh_user.as_ref().map(|v| v.span), "ssh_user"),
        (port, "ssh_port"),
        (host.ssh_hostname.as_ref().map(|v| v.span), "ssh_hostname"),
        (host.ssh_key.as_ref().map(|v| v.span), "ssh_key"),
    ];
    for (span, key) in fields {
        let Some(span) = span else { continue };
        let mut d = Diagnostic::warning(
            "W0106",
            format!("`{key}` is ignored on local host `{}`", host.name.value),
        )
        .at(span, "a local host is reached without SSH");
        if let Some(c) = &host.connection {
            d = d.with_label(c.span, "this host is local");
        }
        diags.push(d.with_help(format!(
            "remove `{key}`, or remove `connection: local` if the host is reached over SSH"
        )));
    }
}

/// A path on the machine running portoser, passed to SSH code and error messages.
fn file_path(value: &SString, what: &str, diags: &mut Diagnostics) {
    if let Some(problem) = argument_problem(&value.value) {
        diags.push(
            Diagnostic::error(
                "E0118",
                format!("{what} `{}` {problem}", value.value.escape_debug()),
            )
            .at(value.span, "not a usable file path"),
        );
    }
}
