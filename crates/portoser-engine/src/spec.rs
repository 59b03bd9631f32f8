//! [`ServiceSpec`]: every value an engine needs for one service on one host, with the
//! registry's defaults applied and paths resolved under the host's base directory.

use crate::health::{HealthSpec, Probe};
use portoser_registry::{Duration, Engine as EngineKind, HealthKind, Registry, Service};

/// Where a service's secrets are written, under its service directory.
pub const SECRETS_FILE: &str = ".portoser/secrets.env";

/// Interval, timeout and retries when neither the service nor `defaults:` sets them.
pub const DEFAULT_INTERVAL_MS: u64 = 10_000;
pub const DEFAULT_TIMEOUT_MS: u64 = 5_000;
pub const DEFAULT_RETRIES: u32 = 3;

/// Which service manager a native service uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Os {
    Linux,
    Apple,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceSpec {
    pub name: String,
    pub engine: EngineKind,
    pub host: String,
    pub os: Os,
    /// The host's base directory (`path`, or `defaults.path`).
    pub base_dir: String,
    /// Where the service runs: `working_dir` (registry, then service.yml) under the base,
    /// else `<base>/<name>`.
    pub service_dir: String,
    /// docker: the compose file, resolved under the base.
    pub compose_file: Option<String>,
    /// docker: only this compose service (`service_name`); None means the whole file.
    pub compose_service: Option<String>,
    /// local/native: the start command (`command`, else service.yml `start`), a shell
    /// command by design, always passed to `sh -c` as one argument.
    pub command: Option<String>,
    /// Environment in file order: the registry's `env:` (secrets are added later).
    pub env: Vec<(String, String)>,
    /// service.yml `env_file`, resolved under the service directory.
    pub env_file: Option<String>,
    /// `<service dir>/.portoser/secrets.env` when the service has `secrets:`: the 0600 file
    /// the secrets node writes from Vault, which each engine reads (docs/vault.md).
    pub secrets_file: Option<String>,
    pub port: Option<u16>,
    /// local: run `uv sync --frozen` before starting.
    pub uv: bool,
    /// native: the systemd unit (`x.service`) or launchd label.
    pub unit_name: String,
    /// native: true when portoser generates the unit; false when `service_name` names an
    /// installed one and there is no command to generate it from.
    pub generate_unit: bool,
    pub health: Option<HealthSpec>,
    pub description: Option<String>,
    /// The CA (PEM) an `https://` health check verifies the service's certificate against:
    /// its `ca_cert`, else the project CA for `tls: auto`. The caller reads the file and sets
    /// it ([`ServiceSpec::from_registry`] does no IO); `None` fails such a check, saying why.
    pub tls_ca: Option<Vec<u8>>,
    /// `<service dir>/tls` for `tls: auto` or `client_cert: auto`: the `certs` node fills it,
    /// and the docker engine mounts it read-only at [`CONTAINER_TLS_DIR`].
    pub tls_dir: Option<String>,
}

/// The directory under the service's directory that holds its TLS files.
const TLS_DIR: &str = "tls";

/// Where a docker service's containers see its `tls/` directory (docs/certs.md).
pub const CONTAINER_TLS_DIR: &str = "/run/portoser/tls";

impl ServiceSpec {
    /// Builds the spec of `service` from a registry that passed `check`. The errors are for
    /// the few values check cannot know are missing (a service without host or base path).
    pub fn from_registry(registry: &Registry, service: &Service) -> Result<ServiceSpec, String> {
        let name = service.name.value.clone();
        let engine = service
            .deployment_type
            .as_ref()
            .map(|e| e.value)
            .ok_or_else(|| format!("service `{name}` has no deployment_type"))?;
        let host_name = service
            .current_host
            .as_ref()
            .ok_or_else(|| format!("service `{name}` has no current_host"))?;
        let host = registry.host(&host_name.value).ok_or_else(|| {
            format!(
                "service `{name}` runs on unknown host `{}`",
                host_name.value
            )
        })?;
        let base_dir = host
            .path
            .as_ref()
            .or(registry.defaults.path.as_ref())
            .map(|p| trim_slash(&p.value))
            .ok_or_else(|| {
                format!(
                    "host `{}` has no `path` (and `defaults.path` is not set)",
                    host.name.value
                )
            })?;
        let yml = service.service_yml.as_ref();
        let working_dir = service
            .working_dir
            .as_ref()
            .or(yml.and_then(|y| y.working_dir.as_ref()));
        let service_dir = match working_dir {
            Some(dir) => resolve(&base_dir, &dir.value),
            None => join(&base_dir, &name),
        };
        let command = service
            .command
            .as_ref()
            .or(yml.and_then(|y| y.start.as_ref()))
            .map(|c| c.value.clone());
        let service_name = service.service_name.as_ref().map(|s| s.value.clone());
        let os = match host.arch.as_ref() {
            Some(a) if a.value.is_apple() => Os::Apple,
            _ => Os::Linux,
        };
        let unit_name = unit_name(os, &name, service_name.as_deref());
        let generate_unit = command.is_some() || service_name.is_none();
        let port = service
            .port
            .as_ref()
            .map(|p| p.value)
            .or_else(|| yml.and_then(|y| y.ports.first()).map(|p| p.value));
        let mut spec = ServiceSpec {
            engine,
            host: host.name.value.clone(),
            os,
            compose_file: service
                .docker_compose
                .as_ref()
                .map(|f| resolve(&base_dir, &f.value)),
            compose_service: (engine == EngineKind::Docker)
                .then(|| service_name.clone())
                .flatten(),
            command,
            env: service
                .env
                .iter()
                .map(|(k, v)| (k.value.clone(), v.value.clone()))
                .collect(),
            env_file: yml
                .and_then(|y| y.env_file.as_ref())
                .map(|f| resolve(&service_dir, &f.value)),
            secrets_file: (!service.secrets.is_empty()).then(|| join(&service_dir, SECRETS_FILE)),
            port,
            uv: service
                .python_manager
                .as_ref()
                .is_some_and(|m| m.value == "uv"),
            unit_name,
            generate_unit,
            health: None,
            description: service.description.as_ref().map(|d| d.value.clone()),
            tls_ca: None,
            tls_dir: None,
            name,
            base_dir,
            service_dir,
        };
        spec.health = health_spec(registry, service, &spec)?;
        spec.tls_dir =
            (service.tls.is_some() || service.client_cert.is_some()).then(|| spec.tls_path());
        Ok(spec)
    }

    /// `<service dir>/tls`, where the `certs` node puts the TLS files (whether or not the
    /// service has any now: `retire-certs` removes them from there).
    pub fn tls_path(&self) -> String {
        join(&self.service_dir, TLS_DIR)
    }

    /// Where the local engine keeps this service's pid files.
    pub fn run_dir(&self) -> String {
        join(&self.base_dir, &format!(".portoser/run/{}", self.name))
    }

    /// The local engine's log file (rotated by size to `<log>.1`).
    pub fn log_file(&self) -> String {
        join(&self.base_dir, &format!(".portoser/log/{}.log", self.name))
    }

    /// The uploaded supervisor script, shared by every local service on the host.
    pub fn supervisor_path(&self) -> String {
        join(&self.base_dir, ".portoser/bin/supervise")
    }

    /// The docker compose project: one per service, so services never share containers.
    pub fn compose_project(&self) -> String {
        format!("portoser-{}", self.name)
    }
}

fn unit_name(os: Os, name: &str, service_name: Option<&str>) -> String {
    match (os, service_name) {
        (Os::Linux, Some(s)) if s.contains('.') => s.to_string(),
        (Os::Linux, Some(s)) => format!("{s}.service"),
        (Os::Linux, None) => format!("portoser-{name}.service"),
        (Os::Apple, Some(s)) => s.to_string(),
        (Os::Apple, None) => format!("portoser.{name}"),
    }
}

/// The health gate: the structured `health:` block first, then `healthcheck_url`,
/// `healthcheck_command`, service.yml `healthcheck`.
fn health_spec(
    registry: &Registry,
    service: &Service,
    spec: &ServiceSpec,
) -> Result<Option<HealthSpec>, String> {
    let d = &registry.defaults;
    let block = service.health.as_ref();
    let pick = |own: Option<Duration>, legacy: Option<Duration>, default: Option<Duration>| {
        own.or(legacy).or(default)
    };
    let interval = pick(
        block.and_then(|h| h.interval.as_ref()).map(|v| v.value),
        service.healthcheck_interval.as_ref().map(|v| v.value),
        d.healthcheck_interval.as_ref().map(|v| v.value),
    )
    .map_or(DEFAULT_INTERVAL_MS, |v| v.millis.max(1));
    let timeout = pick(
        block.and_then(|h| h.timeout.as_ref()).map(|v| v.value),
        None,
        d.healthcheck_timeout.as_ref().map(|v| v.value),
    )
    .map_or(DEFAULT_TIMEOUT_MS, |v| v.millis.max(1));
    let retries = block
        .and_then(|h| h.retries.as_ref())
        .or(service.healthcheck_retries.as_ref())
        .or(d.healthcheck_retries.as_ref())
        .map_or(DEFAULT_RETRIES, |v| v.value.max(1));
    let probe = match block {
        Some(h) => block_probe(h, spec)?,
        None => legacy_probe(service, spec)?,
    };
    Ok(probe.map(|probe| HealthSpec {
        probe,
        interval: std::time::Duration::from_millis(interval),
        timeout: std::time::Duration::from_millis(timeout),
        retries,
    }))
}

fn block_probe(h: &portoser_registry::Health, spec: &ServiceSpec) -> Result<Option<Probe>, String> {
    let endpoint = h.endpoint.as_ref().map(|e| e.value.as_str());
    let kind = h.kind.as_ref().map(|k| k.value).or_else(|| {
        endpoint.map(|e| {
            if e.contains("://") {
                HealthKind::Http
            } else {
                HealthKind::Tcp
            }
        })
    });
    let port_or = |what: &str| {
        spec.port.ok_or_else(|| {
            format!(
                "service `{}`: a {what} check needs an endpoint or a port",
                spec.name
            )
        })
    };
    Ok(match kind {
        None => None,
        Some(HealthKind::Http) => Some(match endpoint {
            Some(url) => http_probe(
                url,
                h.expect_status.as_ref().map(|s| s.value),
                h.expect_body.as_ref().map(|b| b.value.clone()),
            )?,
            None => Probe::Http {
                port: port_or("http")?,
                path: "/".into(),
                host_header: "127.0.0.1".into(),
                expect_status: h.expect_status.as_ref().map(|s| s.value),
                expect_body: h.expect_body.as_ref().map(|b| b.value.clone()),
            },
        }),
        Some(HealthKind::Tcp) => Some(Probe::Tcp {
            port: match endpoint {
                Some(e) => tcp_port(e)?,
                None => port_or("tcp")?,
            },
        }),
        Some(HealthKind::Process) => Some(Probe::Process),
        Some(HealthKind::Command) => Some(Probe::Command {
            command: endpoint
                .ok_or_else(|| {
                    format!("service `{}`: a command check needs an endpoint", spec.name)
                })?
                .to_string(),
        }),
    })
}

fn legacy_probe(service: &Service, spec: &ServiceSpec) -> Result<Option<Probe>, String> {
    if let Some(url) = &service.healthcheck_url {
        return http_probe(&url.value, None, None).map(Some);
    }
    let command = service.healthcheck_command.as_ref().or(service
        .service_yml
        .as_ref()
        .and_then(|y| y.healthcheck.as_ref()));
    Ok(command
        .map(|c| Probe::Command {
            command: c.value.clone(),
        })
        .or_else(|| {
            // No declared check: a local service is healthy while its process lives.
            (spec.engine == EngineKind::Local).then_some(Probe::Process)
        }))
}

/// `http://host:port/path`: the check connects to the port on the host's loopback and sends
/// the URL's host as the `Host` header.
pub(crate) fn http_probe(
    url: &str,
    expect_status: Option<u16>,
    expect_body: Option<String>,
) -> Result<Probe, String> {
    let (default_port, rest, tls) = if let Some(r) = url.strip_prefix("http://") {
        (80, r, false)
    } else if let Some(r) = url.strip_prefix("https://") {
        (443, r, true)
    } else {
        return Err(format!("`{url}` is not an http:// URL"));
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || authority.starts_with('[') => (
            h,
            p.parse::<u16>()
                .map_err(|_| format!("`{url}`: `{p}` is not a port"))?,
        ),
        _ => (authority, default_port),
    };
    let (port, path, host_header) = (port, path.to_string(), host.to_string());
    Ok(if tls {
        Probe::Https {
            port,
            path,
            host_header,
            expect_status,
            expect_body,
        }
    } else {
        Probe::Http {
            port,
            path,
            host_header,
            expect_status,
            expect_body,
        }
    })
}

/// `5432`, `127.0.0.1:5432`, `[::1]:5432`.
fn tcp_port(endpoint: &str) -> Result<u16, String> {
    let p = endpoint.rsplit_once(':').map_or(endpoint, |(_, p)| p);
    p.trim()
        .parse::<u16>()
        .map_err(|_| format!("`{endpoint}` is not a port or host:port"))
}

fn trim_slash(path: &str) -> String {
    match path.trim_end_matches('/') {
        "" => "/".to_string(),
        p => p.to_string(),
    }
}

fn join(base: &str, rel: &str) -> String {
    if base.ends_with('/') {
        format!("{base}{rel}")
    } else {
        format!("{base}/{rel}")
    }
}

/// An absolute path stays; a relative one goes under `base` (check already refused `..`
/// climbing out and leading `-`).
fn resolve(base: &str, path: &str) -> String {
    if path.starts_with('/') {
        path.to_string()
    } else {
        join(base, path.trim_start_matches("./"))
    }
}
