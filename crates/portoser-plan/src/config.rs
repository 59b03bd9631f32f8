//! The deploy-relevant configuration of a service, in canonical form (sorted maps, defaults
//! applied), so two configurations are equal exactly when a deploy would do the same thing.
//! It holds secret references (`path#key`), never values, and is what the state stores.

use crate::model::Recorded;
use portoser_diag::{Span, Spanned};
use portoser_registry::{Registry, Service, ServiceYml};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceConfig {
    pub host: String,
    pub engine: String,
    pub port: Option<u16>,
    /// Public name routed by Caddy.
    pub hostname: Option<String>,
    pub compose_file: Option<String>,
    /// Compose service or unit name, when it differs from the service name.
    pub service_name: Option<String>,
    pub command: Option<String>,
    pub working_dir: Option<String>,
    pub python_manager: Option<String>,
    pub restart_command: Option<String>,
    pub platform: Option<String>,
    pub env: BTreeMap<String, String>,
    /// Variable → `path#key` (a reference; the value exists only at apply time).
    pub secrets: BTreeMap<String, String>,
    /// Variable → the KV version of its path when it was planned (rotation: a new version
    /// redeploys). Only numbers, never values. Skipped when empty, so states written before
    /// it existed hash the same.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub secret_versions: BTreeMap<String, u64>,
    pub health: Option<HealthConfig>,
    pub tls_cert: Option<String>,
    pub tls_key: Option<String>,
    pub ca_cert: Option<String>,
    /// Sorted.
    pub dependencies: Vec<String>,
    pub on_failure: Option<String>,
    pub service_file: Option<String>,
    /// sha256 of the parsed `service.yml` content, when there is one.
    pub service_yml_hash: Option<String>,
    /// Digest of the project files `sync` puts on the host (docs/engines.md, "Files");
    /// `None` when the service has none. Skipped when absent, so states written before it
    /// existed hash the same.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sources_hash: Option<String>,
    /// Project-relative path → short digest of each synced file: lets a plan name the files
    /// that changed. Follows `sources_hash`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub source_files: BTreeMap<String, String>,
    /// `tls: auto`: the certificate the project CA issued for it (docs/certs.md). Skipped
    /// when absent, so states written before it existed hash the same.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cert: Option<CertConfig>,
    /// `client_cert: auto`: the client certificate the project CA issued for it. Skipped
    /// when absent, so states written before it existed hash the same.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_cert: Option<ClientCertConfig>,
}

/// The client certificate of a `client_cert: auto` service: which one it is, so a renewed
/// or re-issued certificate redeploys (and restarts) the service with the new files.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientCertConfig {
    /// `sha256:<hex>` of the certificate in the local store; `None` before one is issued.
    pub fingerprint: Option<String>,
}

/// The certificate of a `tls: auto` service: its names and which certificate it is, so a
/// renewed or re-issued certificate redeploys (and restarts) the service.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertConfig {
    /// The SANs it must carry ([`cert_sans`]), in order.
    pub sans: Vec<String>,
    /// `sha256:<hex>` of the certificate in the local store; `None` before one is issued
    /// (the plan then issues one).
    pub fingerprint: Option<String>,
}

/// What the CLI found in the local PKI store for a `tls: auto` service (the plan crate
/// reads no files).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CertFact {
    /// The stored certificate's fingerprint, when there is one.
    pub fingerprint: Option<String>,
    /// Why it must be issued (again) before deploying: "certificate expires in 12 days",
    /// "SANs changed: ...". Empty when the stored certificate is good.
    pub renew: Vec<String>,
    /// `client_cert: auto`: the stored client certificate's fingerprint.
    pub client_fingerprint: Option<String>,
    /// Why the client certificate must be issued (again), each reason naming it ("client
    /// certificate expires in 12 days"). Empty when it is good.
    pub client_renew: Vec<String>,
}

impl CertFact {
    /// Every renewal reason the plan shows for a service: the server certificate's when it
    /// has `tls: auto` (`server`), then the client certificate's with `client_cert: auto`.
    pub fn renewals(&self, server: bool, client: bool) -> Vec<String> {
        let mut out = Vec::new();
        if server {
            out.extend(self.renew.iter().cloned());
        }
        if client {
            out.extend(self.client_renew.iter().cloned());
        }
        out
    }
}

/// The SANs of a `tls: auto` service's certificate: its public hostname, its host's address
/// (`ip`, an IP or DNS name), and the loopback names for checks on the host itself.
pub fn cert_sans(registry: &Registry, service: &Service) -> Vec<String> {
    let mut sans = Vec::new();
    let mut add = |name: &str| {
        let name = name.trim().to_ascii_lowercase();
        if !name.is_empty() && !sans.contains(&name) {
            sans.push(name);
        }
    };
    if let Some(h) = &service.hostname {
        add(&h.value);
    }
    let host = service
        .current_host
        .as_ref()
        .and_then(|h| registry.host(&h.value));
    if let Some(ip) = host.and_then(|h| h.ip.as_ref()) {
        add(&ip.value);
    }
    for local in ["localhost", "127.0.0.1", "::1"] {
        add(local);
    }
    sans
}

/// The certificate part of a service's desired configuration: `None` unless `tls: auto`;
/// its fingerprint as [`planned_fingerprint`] says.
fn cert_config(
    registry: &Registry,
    service: &Service,
    fact: Option<&CertFact>,
    old: Option<&ServiceConfig>,
) -> Option<CertConfig> {
    service.tls?;
    Some(CertConfig {
        sans: cert_sans(registry, service),
        fingerprint: planned_fingerprint(
            fact.map(|f| (f.renew.as_slice(), &f.fingerprint)),
            old.and_then(|o| o.cert.as_ref()?.fingerprint.clone()),
        ),
    })
}

/// The client certificate part: `None` unless `client_cert: auto`; its fingerprint as
/// [`planned_fingerprint`] says.
fn client_cert_config(
    service: &Service,
    fact: Option<&CertFact>,
    old: Option<&ServiceConfig>,
) -> Option<ClientCertConfig> {
    service.client_cert?;
    Some(ClientCertConfig {
        fingerprint: planned_fingerprint(
            fact.map(|f| (f.client_renew.as_slice(), &f.client_fingerprint)),
            old.and_then(|o| o.client_cert.as_ref()?.fingerprint.clone()),
        ),
    })
}

/// The fingerprint the plan records for a stored certificate, from what planning saw of it
/// (its renewal reasons and fingerprint): the stored one when it is good, none when it is
/// due (apply issues a new one, then records it), the `recorded` one when planning did not
/// look, so not looking never shows as a change.
fn planned_fingerprint(
    seen: Option<(&[String], &Option<String>)>,
    recorded: Option<String>,
) -> Option<String> {
    match seen {
        Some(([], stored)) => stored.clone(),
        Some(_) => None,
        None => recorded,
    }
}

/// The digest of one service's project files, computed by the CLI (which reads them).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SourceDigest {
    /// `sha256:<hex>` over the whole set (what the host's marker holds).
    pub hash: String,
    /// Project-relative path → short digest of the file.
    pub files: BTreeMap<String, String>,
}

/// The desired configuration of every registry service with its source digest: from
/// `sources`, or, for a service missing there (planning did not read its files), the
/// recorded one, so not looking never shows as a change. Planning and `apply` (which records
/// these) must use the same map.
pub fn service_configs(
    registry: &Registry,
    recorded: &Recorded,
    sources: &BTreeMap<String, SourceDigest>,
) -> BTreeMap<String, ServiceConfig> {
    service_configs_with_certs(registry, recorded, sources, &BTreeMap::new())
}

/// [`service_configs`] with what the local PKI store holds for each `tls: auto` service
/// ([`CertFact`], by service name).
pub fn service_configs_with_certs(
    registry: &Registry,
    recorded: &Recorded,
    sources: &BTreeMap<String, SourceDigest>,
    certs: &BTreeMap<String, CertFact>,
) -> BTreeMap<String, ServiceConfig> {
    registry
        .services
        .iter()
        .map(|service| {
            let name = service.name.value.clone();
            let mut config = service_config(registry, service);
            match sources.get(&name) {
                Some(d) => {
                    config.sources_hash = Some(d.hash.clone());
                    config.source_files = d.files.clone();
                }
                None => {
                    if let Some(old) = recorded.services.get(&name) {
                        config.sources_hash = old.config.sources_hash.clone();
                        config.source_files = old.config.source_files.clone();
                    }
                }
            }
            let old = recorded.services.get(&name).map(|o| &o.config);
            config.cert = cert_config(registry, service, certs.get(&name), old);
            config.client_cert = client_cert_config(service, certs.get(&name), old);
            (name, config)
        })
        .collect()
}

/// The health gate, with the legacy `healthcheck_*` fields and registry defaults folded in.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthConfig {
    pub kind: String,
    pub endpoint: String,
    pub interval_ms: Option<u64>,
    pub timeout_ms: Option<u64>,
    pub retries: Option<u32>,
    pub expect_status: Option<u16>,
    pub expect_body: Option<String>,
}

fn text(value: &Option<portoser_registry::SString>) -> Option<String> {
    value.as_ref().map(|v| v.value.clone())
}

pub fn service_config(registry: &Registry, service: &Service) -> ServiceConfig {
    let mut dependencies: Vec<String> = service
        .dependencies
        .iter()
        .map(|d| d.value.clone())
        .collect();
    dependencies.sort();
    dependencies.dedup();
    ServiceConfig {
        host: text(&service.current_host).unwrap_or_default(),
        engine: service
            .deployment_type
            .map(|e| e.value.as_str().to_string())
            .unwrap_or_default(),
        port: service.port.map(|p| p.value),
        hostname: text(&service.hostname),
        compose_file: text(&service.docker_compose),
        service_name: text(&service.service_name),
        command: text(&service.command),
        working_dir: text(&service.working_dir),
        python_manager: text(&service.python_manager),
        restart_command: text(&service.restart_command),
        platform: text(&service.platform),
        env: service
            .env
            .iter()
            .map(|(k, v)| (k.value.clone(), v.value.clone()))
            .collect(),
        secrets: service
            .secrets
            .iter()
            .map(|(k, r)| (k.value.clone(), r.value.to_string()))
            .collect(),
        secret_versions: service
            .secrets
            .iter()
            .filter_map(|(k, r)| Some((k.value.clone(), r.value.version?)))
            .collect(),
        health: health_config(registry, service),
        tls_cert: text(&service.tls_cert),
        tls_key: text(&service.tls_key),
        ca_cert: text(&service.ca_cert),
        dependencies,
        on_failure: service
            .on_failure
            .or(registry.defaults.on_failure)
            .map(|o| o.value.as_str().to_string()),
        service_file: text(&service.service_file),
        service_yml_hash: service.service_yml.as_ref().map(service_yml_hash),
        sources_hash: None,
        source_files: BTreeMap::new(),
        cert: None,
        client_cert: None,
    }
}

fn health_config(registry: &Registry, service: &Service) -> Option<HealthConfig> {
    let defaults = &registry.defaults;
    let (kind, endpoint) = match &service.health {
        Some(h) => (
            h.kind
                .map(|k| k.value.as_str())
                .unwrap_or("http")
                .to_string(),
            text(&h.endpoint).unwrap_or_default(),
        ),
        None => match (&service.healthcheck_url, &service.healthcheck_command) {
            (Some(url), _) => ("http".to_string(), url.value.clone()),
            (None, Some(cmd)) => ("command".to_string(), cmd.value.clone()),
            (None, None) => return None,
        },
    };
    let h = service.health.as_ref();
    Some(HealthConfig {
        kind,
        endpoint,
        interval_ms: h
            .and_then(|h| h.interval)
            .or(service.healthcheck_interval)
            .or(defaults.healthcheck_interval)
            .map(|d| d.value.millis),
        timeout_ms: h
            .and_then(|h| h.timeout)
            .or(defaults.healthcheck_timeout)
            .map(|d| d.value.millis),
        retries: h
            .and_then(|h| h.retries)
            .or(service.healthcheck_retries)
            .or(defaults.healthcheck_retries)
            .map(|r| r.value),
        expect_status: h.and_then(|h| h.expect_status).map(|s| s.value),
        expect_body: h.and_then(|h| text(&h.expect_body)),
    })
}

/// Hashes what a `service.yml` says (not its bytes: comments and layout do not redeploy).
fn service_yml_hash(yml: &ServiceYml) -> String {
    let mut deps: Vec<(String, Option<String>)> = yml
        .dependencies
        .iter()
        .map(|(k, v)| (k.value.clone(), text(v)))
        .collect();
    deps.sort();
    let ports: Vec<u16> = yml.ports.iter().map(|p| p.value).collect();
    let canonical = serde_json::json!({
        "start": text(&yml.start), "stop": text(&yml.stop), "restart": text(&yml.restart),
        "healthcheck": text(&yml.healthcheck), "working_dir": text(&yml.working_dir),
        "env_file": text(&yml.env_file), "ports": ports, "dependencies": deps,
    });
    sha256_hex(canonical.to_string().as_bytes())
}

/// `sha256:<hex>` of the canonical JSON of the configuration.
pub fn config_hash(config: &ServiceConfig) -> String {
    // Struct fields serialise in declaration order and maps are BTreeMaps: canonical.
    let json = serde_json::to_string(config).unwrap_or_default();
    sha256_hex(json.as_bytes())
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(71);
    out.push_str("sha256:");
    for byte in digest {
        out.push_str(&format!("{byte:02x}"));
    }
    out
}

/// A registry entry carrying a recorded configuration: `entry`'s own fields (dependencies,
/// secrets ...) stay, the deploy-relevant ones, the health gate and the TLS modes come from
/// `config`. What rebuilds a recorded instance (stop-old, remove) and a rollback target: a
/// rollback waits for the gate the old version was deployed with, not for a process that
/// merely started.
pub fn with_config(entry: Service, config: &ServiceConfig) -> Service {
    let s = |v: &str| Spanned::new(v.to_string(), Span::default());
    let opt = |v: &Option<String>| v.as_deref().map(s);
    Service {
        health: config.health.as_ref().map(recorded_health),
        tls: config.cert.as_ref().map(|_| auto()),
        client_cert: config.client_cert.as_ref().map(|_| auto()),
        // The recorded gate has the legacy fields folded in already.
        healthcheck_url: None,
        healthcheck_command: None,
        healthcheck_interval: None,
        healthcheck_retries: None,
        hostname: opt(&config.hostname),
        current_host: Some(s(&config.host)),
        deployment_type: portoser_registry::Engine::parse(&config.engine)
            .map(|e| Spanned::new(e, Span::default())),
        docker_compose: opt(&config.compose_file),
        service_name: opt(&config.service_name),
        port: config.port.map(|p| Spanned::new(p, Span::default())),
        working_dir: opt(&config.working_dir),
        python_manager: opt(&config.python_manager),
        restart_command: opt(&config.restart_command),
        platform: opt(&config.platform),
        command: opt(&config.command),
        env: config.env.iter().map(|(k, v)| (s(k), s(v))).collect(),
        ..entry
    }
}

fn auto() -> Spanned<portoser_registry::TlsMode> {
    Spanned::new(portoser_registry::TlsMode::Auto, Span::default())
}

/// The `health:` block that gives back `recorded` (see [`health_config`]).
fn recorded_health(recorded: &HealthConfig) -> portoser_registry::Health {
    fn at<T>(value: T) -> Spanned<T> {
        Spanned::new(value, Span::default())
    }
    let millis = |ms: Option<u64>| ms.map(|millis| at(portoser_registry::Duration { millis }));
    portoser_registry::Health {
        span: Span::default(),
        kind: portoser_registry::HealthKind::parse(&recorded.kind).map(at),
        endpoint: (!recorded.endpoint.is_empty()).then(|| at(recorded.endpoint.clone())),
        interval: millis(recorded.interval_ms),
        timeout: millis(recorded.timeout_ms),
        retries: recorded.retries.map(at),
        expect_status: recorded.expect_status.map(at),
        expect_body: recorded.expect_body.clone().map(at),
    }
}

/// Which certificates portoser keeps in a service's `tls/`: a server one (`tls: auto`), a
/// client one (`client_cert: auto`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TlsKinds {
    pub server: bool,
    pub client: bool,
}

impl TlsKinds {
    /// From a configuration with its certificate parts ([`service_configs_with_certs`], or
    /// a recorded one; [`service_config`] alone leaves them out).
    pub fn of_config(config: &ServiceConfig) -> TlsKinds {
        TlsKinds {
            server: config.cert.is_some(),
            client: config.client_cert.is_some(),
        }
    }

    /// From a registry entry.
    pub fn of_service(service: &Service) -> TlsKinds {
        TlsKinds {
            server: service.tls.is_some(),
            client: service.client_cert.is_some(),
        }
    }
}

/// The TLS files the `certs` node removes from the service's `tls/` on `host`: those of a
/// kind the recorded configuration on that host had and `new` no longer has (`tls: auto` or
/// `client_cert: auto` removed), and the CA when neither is left. Only files portoser put
/// there, by name: a key that no service uses stays on no host (docs/certs.md).
pub fn retired_tls_files(old: &ServiceConfig, host: &str, new: TlsKinds) -> Vec<&'static str> {
    let had = TlsKinds::of_config(old);
    if old.host != host {
        return Vec::new();
    }
    let mut out = Vec::new();
    if had.server && !new.server {
        out.extend(["server.key", "server.crt"]);
    }
    if had.client && !new.client {
        out.extend(["client.key", "client.crt"]);
    }
    if !out.is_empty() && new == TlsKinds::default() {
        out.push("ca.crt");
    }
    out
}
