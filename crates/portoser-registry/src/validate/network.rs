//! Placement and addressing: current_host, host addresses, ports and public hostnames.

use super::Index;
use super::rules::{is_address, is_dns_name};
use crate::model::{Registry, SString, Service};
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
    let mut hostnames: HashMap<String, &Service> = HashMap::new();
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
        mtls(service, diags);
        if let Some(name) = &service.hostname {
            if !is_dns_name(&name.value) {
                invalid_name(name, diags);
            } else if let Some(first) = hostnames.get(&name.value.to_ascii_lowercase())
                && let Some(why) = not_replicas(first, service)
            {
                let first_span = first.hostname.as_ref().map_or(first.span, |h| h.span);
                diags.push(
                    Diagnostic::error(
                        "E0111",
                        format!("hostname `{}` is used by two services", name.value),
                    )
                    .at(name.span, "second service with this hostname")
                    .with_label(first_span, "first service with this hostname")
                    .with_note(format!(
                        "services sharing a hostname are replicas Caddy load-balances, but {why}"
                    ))
                    .with_help(
                        "give one of them another hostname, or make them replicas: other hosts, \
                         the same port, health path, TLS files and mtls",
                    ),
                );
            } else {
                hostnames
                    .entry(name.value.to_ascii_lowercase())
                    .or_insert(service);
            }
        }
    }
    ingress(registry, index, diags);
}

/// `mtls: true` needs the CA client certificates must chain to, and a route to protect.
fn mtls(service: &Service, diags: &mut Diagnostics) {
    let Some(m) = service.mtls.filter(|m| m.value) else {
        return;
    };
    let missing = match (&service.ca_cert, &service.hostname) {
        (None, _) => "`ca_cert`",
        (_, None) => "a `hostname`",
        _ => return,
    };
    diags.push(
        Diagnostic::error(
            "E0150",
            format!(
                "service `{}` asks for mTLS without {missing}",
                service.name.value
            ),
        )
        .at(m.span, "mTLS enforced here")
        .with_note(
            "Caddy refuses clients without a certificate signed by `ca_cert`, on the service's \
             `hostname`",
        )
        .with_help(format!(
            "add {missing} (the project CA is `.portoser/pki/ca.crt` after `portoser certs \
             init-ca`), or remove `mtls`"
        )),
    );
}

/// Why two services with one hostname cannot be replicas behind one Caddy site (one
/// `reverse_proxy` has one TLS setup, one health path and one upstream port scheme).
fn not_replicas(a: &Service, b: &Service) -> Option<String> {
    let text = |v: &Option<SString>| v.as_ref().map(|s| s.value.clone());
    if a.current_host.is_some() && text(&a.current_host) == text(&b.current_host) {
        return Some(format!(
            "both run on `{}`",
            text(&a.current_host).unwrap_or_default()
        ));
    }
    if a.port.map(|p| p.value) != b.port.map(|p| p.value) {
        return Some("their ports differ".to_string());
    }
    if health_path(a) != health_path(b) {
        return Some("their health URLs differ in scheme or path".to_string());
    }
    let tls = |s: &Service| {
        (
            text(&s.tls_cert),
            text(&s.tls_key),
            text(&s.ca_cert),
            s.mtls.is_some_and(|m| m.value),
        )
    };
    if tls(a) != tls(b) {
        return Some("their tls_cert, tls_key, ca_cert or mtls differ".to_string());
    }
    None
}

/// Scheme and path of the HTTP health URL (`http://h:1/health` → `http:///health`), or how it is
/// checked otherwise.
fn health_path(s: &Service) -> Option<String> {
    let url = s
        .health
        .as_ref()
        .map(|h| {
            let kind = h
                .kind
                .as_ref()
                .map(|k| k.value.as_str())
                .unwrap_or_default();
            let endpoint = h
                .endpoint
                .as_ref()
                .map(|e| e.value.as_str())
                .unwrap_or_default();
            (kind.to_string(), endpoint.to_string())
        })
        .or_else(|| {
            s.healthcheck_url
                .as_ref()
                .map(|u| ("http".to_string(), u.value.clone()))
        })?;
    match url {
        // The scheme too: Caddy cannot mix HTTP and HTTPS upstreams in one proxy.
        (kind, endpoint) if kind == "http" => {
            let (scheme, rest) = endpoint.split_once("://").unwrap_or_default();
            let path = rest.find('/').map_or("/", |i| &rest[i..]);
            Some(format!("{scheme}://{path}"))
        }
        (kind, _) => Some(kind),
    }
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
        no_ingress(registry, diags);
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

/// W0151: services with a `hostname` and no `caddy.ingress_host` to serve them. Said here,
/// at check time, so the operator hears it before apply (the plan's `caddy/reload` node fails
/// on it). One warning at the first such hostname, the others as labels.
fn no_ingress(registry: &Registry, diags: &mut Diagnostics) {
    let mut named = registry.services.iter().filter_map(|s| s.hostname.as_ref());
    let Some(first) = named.next() else {
        return;
    };
    let others: Vec<&SString> = named.collect();
    let mut d = Diagnostic::warning(
        "W0151",
        format!(
            "{} service(s) have a `hostname` but the registry has no `caddy.ingress_host`",
            others.len() + 1
        ),
    )
    .at(first.span, "served by Caddy, but no host runs Caddy");
    // A handful of labels is enough to see the pattern; the count says how many.
    for other in others.iter().take(3) {
        d = d.with_label(other.span, "also needs the ingress");
    }
    diags.push(
        d.with_note("apply's `caddy/reload` node fails: there is no host to load the routes on")
            .with_help(
                "add `caddy:` with `ingress_host: <host that runs Caddy>` (docs/caddy.md), \
                 or remove the `hostname`",
            ),
    );
}
