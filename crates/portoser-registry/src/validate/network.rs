//! Placement and addressing: current_host, host addresses, ports and public hostnames.

use super::Index;
use super::rules::{is_address, is_dns_name};
use crate::model::{Registry, SString};
use portoser_diag::{Diagnostic, Diagnostics, Span, did_you_mean};
use std::collections::HashMap;

pub(super) fn check(registry: &Registry, index: &Index<'_>, diags: &mut Diagnostics) {
    let host_names = || registry.hosts.iter().map(|h| h.name.value.as_str());
    for host in &registry.hosts {
        for (value, what) in [(&host.ip, "ip"), (&host.ssh_hostname, "ssh_hostname")] {
            if let Some(v) = value {
                address(v, what, diags);
            }
        }
    }
    let mut ports: HashMap<(&str, u16), Span> = HashMap::new();
    let mut hostnames: HashMap<String, Span> = HashMap::new();
    for service in &registry.services {
        match &service.current_host {
            None => diags.push(
                Diagnostic::warning(
                    "W0103",
                    format!("service `{}` is not placed on any host", service.name.value),
                )
                .at(service.name.span, "no `current_host`")
                .with_note("plan and apply skip a service that has no host")
                .with_help("add `current_host: <host name>`"),
            ),
            Some(h) if !index.hosts.contains_key(h.value.as_str()) => diags.push(
                Diagnostic::error(
                    "E0108",
                    format!(
                        "service `{}` is placed on unknown host `{}`",
                        service.name.value, h.value
                    ),
                )
                .at(h.span, "no host with this name in `hosts`")
                .with_suggestion(did_you_mean(&h.value, host_names())),
            ),
            Some(h) => {
                if let Some(port) = &service.port
                    && let Some(first) = ports.insert((h.value.as_str(), port.value), port.span)
                {
                    diags.push(
                        Diagnostic::error(
                            "E0110",
                            format!(
                                "port {} on host `{}` is used by two services",
                                port.value, h.value
                            ),
                        )
                        .at(port.span, "second service on this port")
                        .with_label(first, "first service on this port")
                        .with_help("give one of the services another port or another host"),
                    );
                }
            }
        }
        if let Some(name) = &service.hostname {
            if !is_dns_name(&name.value) {
                invalid_name(name, diags);
            } else if let Some(first) = hostnames.insert(name.value.to_ascii_lowercase(), name.span)
            {
                diags.push(
                    Diagnostic::error(
                        "E0111",
                        format!("hostname `{}` is used by two services", name.value),
                    )
                    .at(name.span, "second service with this hostname")
                    .with_label(first, "first service with this hostname")
                    .with_note("Caddy can route one hostname to one service only"),
                );
            }
        }
    }
    ingress(registry, index, diags);
}

fn address(value: &SString, what: &str, diags: &mut Diagnostics) {
    if !is_address(&value.value) {
        diags.push(
            Diagnostic::error(
                "E0115",
                format!(
                    "{what} `{}` is neither an IP address nor a DNS name",
                    value.value.escape_debug()
                ),
            )
            .at(value.span, "not an address")
            .with_help(
                "write an IPv4/IPv6 address or a host name made of letters, digits, `-` and `.`",
            ),
        );
    }
}

fn invalid_name(name: &SString, diags: &mut Diagnostics) {
    diags.push(
        Diagnostic::error(
            "E0115",
            format!(
                "hostname `{}` is not a valid DNS name",
                name.value.escape_debug()
            ),
        )
        .at(name.span, "not a DNS name")
        .with_help("use labels of letters, digits and `-` separated by `.`"),
    );
}

fn ingress(registry: &Registry, index: &Index<'_>, diags: &mut Diagnostics) {
    let Some(host) = registry
        .caddy
        .as_ref()
        .and_then(|c| c.ingress_host.as_ref())
    else {
        return;
    };
    if !index.hosts.contains_key(host.value.as_str()) {
        let names = registry.hosts.iter().map(|h| h.name.value.as_str());
        diags.push(
            Diagnostic::error(
                "E0126",
                format!("caddy ingress_host `{}` is not a declared host", host.value),
            )
            .at(host.span, "no host with this name in `hosts`")
            .with_suggestion(did_you_mean(&host.value, names)),
        );
    }
}
