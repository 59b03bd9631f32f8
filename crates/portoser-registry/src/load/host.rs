//! One entry of `hosts:`.

use super::fields::{Entry, Fields};
use crate::model::{Arch, Connection, Host};
use portoser_diag::{Diagnostic, Diagnostics, Spanned};

pub(crate) const HOST_KEYS: &[&str] = &[
    "ip",
    "ssh_user",
    "ssh_port",
    "ssh_hostname",
    "path",
    "arch",
    "context",
    "roles",
    "description",
    "connection",
    "ssh_key",
    "docker_start",
];

const CONNECTIONS: &[(Connection, &str)] =
    &[(Connection::Ssh, "ssh"), (Connection::Local, "local")];

pub(super) fn load(entry: &Entry<'_>, diags: &mut Diagnostics) -> Option<Host> {
    let name = Spanned::new(entry.name.to_string(), entry.key.span);
    let what = format!("host `{}`", entry.name);
    let f = Fields::new(entry.value, &what, HOST_KEYS, diags)?;
    let ip = f.string("ip", diags);
    let connection = f.choice("connection", "connection", "E0127", CONNECTIONS, diags);
    let local = connection
        .as_ref()
        .is_some_and(|c| c.value == Connection::Local);
    // A local host is this machine: it needs no address.
    if f.get("ip").is_none() && !local {
        diags.push(
            Diagnostic::error("E0104", format!("{what} has no `ip`"))
                .at(entry.key.span, "this host needs an `ip`")
                .with_help(
                    "add `ip: <address or DNS name>`, or `connection: local` if the host is this machine",
                ),
        );
    }
    let arch = f
        .string("arch", diags)
        .and_then(|text| match Arch::parse(&text) {
            Some(arch) => Some(Spanned::new(arch, text.span)),
            None => {
                let names: Vec<&str> = Arch::ALL.iter().map(|a| a.as_str()).collect();
                diags.push(
                    Diagnostic::error("E0127", format!("unknown arch `{}`", text.value))
                        .at(text.span, "not a known CPU and OS")
                        .with_help(format!("use one of {}", names.join(", "))),
                );
                None
            }
        });
    Some(Host {
        name,
        span: entry.key.span.to(entry.value.span),
        ip,
        ssh_user: f.string("ssh_user", diags),
        ssh_port: f.port("ssh_port", diags),
        ssh_hostname: f.string("ssh_hostname", diags),
        path: f.string("path", diags),
        arch,
        context: f.string("context", diags),
        roles: f.strings("roles", diags),
        description: f.string("description", diags),
        connection,
        ssh_key: f.string("ssh_key", diags),
        docker_start: f.string("docker_start", diags),
    })
}
