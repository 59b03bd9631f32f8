//! Registry → [`Caddyfile`]: one site per hostname, its upstreams where the services are
//! placed, TLS, mTLS and the active health check. Pure: no file is read here (reload copies
//! the TLS files it names).

use crate::model::{Caddyfile, Global, HealthCheck, LocalFile, Site, Skipped, Tls, UpstreamTls};
use portoser_registry::{Duration, HealthKind, Registry, Service, TlsMode};
use std::collections::BTreeMap;

pub const DEFAULT_ADMIN: &str = "127.0.0.1:2019";
pub const DEFAULT_CADDYFILE: &str = "/etc/caddy/Caddyfile";
/// Found on the SSH user's PATH of the ingress host.
pub const DEFAULT_BINARY: &str = "caddy";
/// The project's PKI store (crates/portoser-certs), relative to the project directory.
const PKI: &str = ".portoser/pki";

/// The Caddyfile for `registry` as it stands (services where `current_host` puts them).
pub fn build(registry: &Registry) -> Caddyfile {
    let global = global(registry);
    let tls_dir = format!("{}/portoser-tls", parent(&global.caddyfile_path));
    let mut groups: BTreeMap<String, Vec<&Service>> = BTreeMap::new();
    for service in &registry.services {
        if let Some(name) = &service.hostname {
            groups
                .entry(name.value.to_ascii_lowercase())
                .or_default()
                .push(service);
        }
    }
    let mut out = Caddyfile {
        global,
        sites: Vec::new(),
        skipped: Vec::new(),
        files: Vec::new(),
    };
    for (hostname, services) in groups {
        let mut upstreams = Vec::new();
        let mut routed = Vec::new();
        for service in services {
            match upstream(registry, &out.global, service) {
                Ok(u) => {
                    upstreams.push(u);
                    routed.push(service);
                }
                Err(reason) => out.skipped.push(Skipped {
                    hostname: hostname.clone(),
                    service: service.name.value.clone(),
                    reason,
                }),
            }
        }
        // Replicas agree on TLS, mTLS and health (the registry checks it, E0111): the first
        // one in file order speaks for the site.
        let Some(first) = routed.first() else {
            continue;
        };
        upstreams.sort();
        upstreams.dedup();
        let mut names: Vec<String> = routed.iter().map(|s| s.name.value.clone()).collect();
        names.sort();
        let (tls, ca) = tls(first, &tls_dir, &mut out.files);
        let mtls = first.mtls.as_ref().is_some_and(|m| m.value);
        let upstream_tls = is_https(first).then(|| UpstreamTls {
            server_name: hostname.clone(),
            ca: ca.clone(),
        });
        out.sites.push(Site {
            hostname,
            services: names,
            upstreams,
            tls,
            client_ca: ca.filter(|_| mtls),
            upstream_tls,
            health: health(registry, first),
        });
    }
    out.files.sort_by(|a, b| a.remote.cmp(&b.remote));
    out.files.dedup();
    out
}

fn global(registry: &Registry) -> Global {
    let caddy = registry.caddy.clone().unwrap_or_default();
    let text = |v: &Option<portoser_registry::SString>| v.as_ref().map(|s| s.value.clone());
    Global {
        ingress_host: text(&caddy.ingress_host),
        admin: text(&caddy.admin_api).unwrap_or_else(|| DEFAULT_ADMIN.to_string()),
        http_port: caddy.http_port.map_or(80, |p| p.value),
        https_port: caddy.https_port.map_or(443, |p| p.value),
        email: text(&caddy.email),
        caddyfile_path: text(&caddy.caddyfile_path)
            .unwrap_or_else(|| DEFAULT_CADDYFILE.to_string()),
        binary: binary(registry),
    }
}

/// The `caddy` program on the ingress host: `caddy.binary`, else [`DEFAULT_BINARY`].
pub fn binary(registry: &Registry) -> String {
    registry
        .caddy
        .as_ref()
        .and_then(|c| c.binary.as_ref())
        .map_or_else(|| DEFAULT_BINARY.to_string(), |b| b.value.clone())
}

/// `address:port` of the service as the ingress reaches it, or why it is not proxied.
fn upstream(registry: &Registry, global: &Global, service: &Service) -> Result<String, String> {
    if is_tcp_only(service) {
        return Err("TCP-only (health.type tcp), the HTTP proxy cannot carry it".to_string());
    }
    let Some(host) = &service.current_host else {
        return Err("not placed on a host".to_string());
    };
    let Some(port) = &service.port else {
        return Err("no `port` to proxy to".to_string());
    };
    let address = if global.ingress_host.as_deref() == Some(host.value.as_str()) {
        "127.0.0.1".to_string()
    } else {
        match registry.host(&host.value).and_then(|h| h.ip.as_ref()) {
            Some(ip) if ip.value.contains(':') => format!("[{}]", ip.value),
            Some(ip) => ip.value.clone(),
            None => return Err(format!("host `{}` has no `ip`", host.value)),
        }
    };
    let scheme = if is_https(service) { "https://" } else { "" };
    Ok(format!("{scheme}{address}:{}", port.value))
}

/// A service whose health URL is `https://` serves TLS itself: Caddy proxies to it over
/// HTTPS, checking its certificate against `ca_cert`.
fn is_https(service: &Service) -> bool {
    health_url(service).is_some_and(|u| u.starts_with("https://"))
}

/// A service whose only health check is a TCP connect speaks no HTTP (a database): the
/// original proxied those over HTTP, which never worked.
pub fn is_tcp_only(service: &Service) -> bool {
    let tcp = service
        .health
        .as_ref()
        .and_then(|h| h.kind.as_ref())
        .is_some_and(|k| k.value == HealthKind::Tcp);
    tcp && service.healthcheck_url.is_none()
}

/// The service's HTTP health URL: `health:` of type http, else `healthcheck_url`.
fn health_url(service: &Service) -> Option<&str> {
    if let Some(h) = &service.health
        && h.kind.as_ref().is_some_and(|k| k.value == HealthKind::Http)
        && let Some(e) = &h.endpoint
    {
        return Some(&e.value);
    }
    service.healthcheck_url.as_ref().map(|u| u.value.as_str())
}

fn health(registry: &Registry, service: &Service) -> Option<HealthCheck> {
    let (uri, port) = split_url(health_url(service)?)?;
    let block = service.health.as_ref();
    let interval = block
        .and_then(|h| h.interval)
        .or(service.healthcheck_interval)
        .or(registry.defaults.healthcheck_interval)
        .map(|d| caddy_duration(d.value));
    let timeout = block
        .and_then(|h| h.timeout)
        .or(registry.defaults.healthcheck_timeout)
        .map(|d| caddy_duration(d.value));
    let own_port = service.port.map(|p| p.value);
    Some(HealthCheck {
        uri,
        port: port.filter(|p| Some(*p) != own_port),
        interval,
        timeout,
        status: block.and_then(|h| h.expect_status).map(|s| s.value),
        body: block
            .and_then(|h| h.expect_body.as_ref())
            .map(|b| regex_escape(&b.value)),
    })
}

/// `expect_body` is plain text ("the body contains it"); Caddy's `health_body` is a Go regular
/// expression: every metacharacter is escaped so the text matches itself. A quote and a
/// backslash become `\x22` and `\x5c`, which the Caddyfile lexer passes through unchanged.
fn regex_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str(r"\x22"),
            '\\' => out.push_str(r"\x5c"),
            c if r".+*?()|[]{}^$".contains(c) => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

fn caddy_duration(d: Duration) -> String {
    d.to_string()
}

/// `http://host:port/path?q#frag` → (`/path?q`, port).
fn split_url(url: &str) -> Option<(String, Option<u16>)> {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))?;
    let rest = rest.split('#').next().unwrap_or_default();
    let cut = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(cut);
    let port = authority
        .rsplit_once(':')
        .filter(|(_, p)| !p.contains(']'))
        .and_then(|(_, p)| p.parse().ok());
    let path = match path {
        "" => "/".to_string(),
        p if p.starts_with('?') => format!("/{p}"),
        p => p.to_string(),
    };
    Some((path, port))
}

/// The site's TLS: the service's certificate files (copied to the ingress host) or the
/// internal CA; and the service's `ca_cert` on the ingress host when mTLS or an HTTPS
/// upstream uses it.
fn tls(service: &Service, dir: &str, files: &mut Vec<LocalFile>) -> (Tls, Option<String>) {
    let name = &service.name.value;
    let mut copy = |local: &str, file: String, private: bool| {
        let remote = format!("{dir}/{file}");
        files.push(LocalFile {
            local: local.to_string(),
            remote: remote.clone(),
            private,
            digest: None,
        });
        remote
    };
    let auto = service
        .tls
        .as_ref()
        .is_some_and(|t| t.value == TlsMode::Auto);
    let (cert, key) = match (&service.tls_cert, &service.tls_key) {
        (Some(c), Some(k)) => (Some(c.value.clone()), Some(k.value.clone())),
        // `tls: auto`: the certificate the project CA issued for the service
        // (docs/certs.md); its SANs include the hostname.
        _ if auto => (
            Some(format!("{PKI}/services/{name}.crt")),
            Some(format!("{PKI}/services/{name}.key")),
        ),
        _ => (None, None),
    };
    let tls = match (cert, key) {
        (Some(c), Some(k)) => Tls::Files {
            cert: copy(&c, format!("{name}.crt"), false),
            key: copy(&k, format!("{name}.key"), true),
        },
        _ => Tls::Internal,
    };
    let mtls = service.mtls.as_ref().is_some_and(|m| m.value);
    let ca_file = match &service.ca_cert {
        Some(ca) => Some(ca.value.clone()),
        None if auto => Some(format!("{PKI}/ca.crt")),
        None => None,
    };
    let ca = match ca_file {
        Some(ca) if mtls || is_https(service) => Some(copy(&ca, format!("{name}.ca.crt"), false)),
        _ => None,
    };
    (tls, ca)
}

fn parent(path: &str) -> &str {
    match path.rsplit_once('/') {
        Some(("", _)) => "",
        Some((dir, _)) => dir,
        None => ".",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_split_into_path_and_port() {
        let s = |u| split_url(u).unwrap();
        assert_eq!(s("http://h:8080/health"), ("/health".into(), Some(8080)));
        assert_eq!(s("http://h"), ("/".into(), None));
        assert_eq!(s("http://h:1/a?b=c#x"), ("/a?b=c".into(), Some(1)));
        assert_eq!(s("http://[::1]/x"), ("/x".into(), None));
        assert_eq!(split_url("ftp://h/x"), None);
    }

    #[test]
    fn expected_bodies_match_themselves() {
        assert_eq!(regex_escape("ok"), "ok");
        assert_eq!(
            regex_escape(r#"{"status":"up"}"#),
            r"\{\x22status\x22:\x22up\x22\}"
        );
        assert_eq!(regex_escape(r"a\b"), r"a\x5cb");
        assert_eq!(regex_escape("a.b*c"), r"a\.b\*c");
    }

    #[test]
    fn tls_dir_is_beside_the_caddyfile() {
        assert_eq!(parent("/etc/caddy/Caddyfile"), "/etc/caddy");
        assert_eq!(parent("Caddyfile"), ".");
    }
}
