//! The registry as the rest of portoser sees it: every value keeps the span it came from.
//!
//! Values the loader could not understand are reported and left out (`None`), so later
//! checks still run on everything else and the user sees all problems at once. Stages after
//! `check` (the planner) run only on a registry without errors, so for them a required
//! field that is `None` cannot happen; they still handle it without panicking.

use portoser_diag::{FileId, Span, Spanned};
use std::fmt;

pub type SString = Spanned<String>;

#[derive(Clone, Debug)]
pub struct Registry {
    pub file: FileId,
    pub domain: Option<SString>,
    /// In file order.
    pub hosts: Vec<Host>,
    /// In file order.
    pub services: Vec<Service>,
    pub caddy: Option<Caddy>,
    pub dns: Option<Dns>,
    pub vault: Option<Vault>,
    /// **new**: lifetimes of the certificates the project CA issues (docs/certs.md).
    pub certs: Option<Certs>,
    pub defaults: Defaults,
}

impl Registry {
    pub fn host(&self, name: &str) -> Option<&Host> {
        self.hosts.iter().find(|h| h.name.value == name)
    }

    pub fn service(&self, name: &str) -> Option<&Service> {
        self.services.iter().find(|s| s.name.value == name)
    }
}

#[derive(Clone, Debug)]
pub struct Host {
    pub name: SString,
    /// The whole entry (key and body), for labels that point at "this host".
    pub span: Span,
    /// IP address or DNS name used to reach the host.
    pub ip: Option<SString>,
    pub ssh_user: Option<SString>,
    pub ssh_port: Option<Spanned<u16>>,
    /// Overrides `ip` for SSH (an alias from `~/.ssh/config`, a bastion name ...).
    pub ssh_hostname: Option<SString>,
    /// Base directory on the host; every service path must stay inside it.
    pub path: Option<SString>,
    pub arch: Option<Spanned<Arch>>,
    pub context: Option<SString>,
    pub roles: Vec<SString>,
    pub description: Option<SString>,
    /// **new**: `ssh` (default) or `local` (this machine: commands run in a local shell).
    pub connection: Option<Spanned<Connection>>,
    /// **new**: private key file for SSH (on the machine running portoser).
    pub ssh_key: Option<SString>,
    /// **new**: the shell command that starts the docker daemon on the host, run by the
    /// healing loop's `start_docker` (default: `sudo -n systemctl start docker` on Linux,
    /// `open -a Docker` on macOS).
    pub docker_start: Option<SString>,
}

impl Host {
    /// How apply reaches the host; `ssh` unless the registry says `connection: local`.
    pub fn connection(&self) -> Connection {
        self.connection
            .as_ref()
            .map_or(Connection::Ssh, |c| c.value)
    }

    pub fn is_local(&self) -> bool {
        self.connection() == Connection::Local
    }

    /// The private key for SSH: the host's `ssh_key`, else `defaults.ssh_key` (unresolved
    /// text; see [`local_path`]).
    pub fn ssh_key<'r>(&'r self, defaults: &'r Defaults) -> Option<&'r SString> {
        self.ssh_key.as_ref().or(defaults.ssh_key.as_ref())
    }
}

/// Resolves a path on the machine running portoser (`ssh_key`, `known_hosts`): a leading
/// `~/` is `home`, a relative path is relative to `registry_dir` (docs/registry.md).
pub fn local_path(
    value: &str,
    registry_dir: &std::path::Path,
    home: Option<&std::path::Path>,
) -> std::path::PathBuf {
    match (value.strip_prefix("~/"), home) {
        (Some(rest), Some(home)) => home.join(rest),
        _ => registry_dir.join(value),
    }
}

/// The default `known_hosts` when `defaults.known_hosts` is unset: `~/.ssh/known_hosts`.
pub const DEFAULT_KNOWN_HOSTS: &str = "~/.ssh/known_hosts";

/// How apply reaches a host (`connection:`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Connection {
    /// Over SSH (russh), with host keys verified against `known_hosts`.
    #[default]
    Ssh,
    /// This machine: commands run in a local shell, no SSH.
    Local,
}

impl Connection {
    pub const ALL: [Connection; 2] = [Connection::Ssh, Connection::Local];

    pub fn as_str(self) -> &'static str {
        match self {
            Connection::Ssh => "ssh",
            Connection::Local => "local",
        }
    }

    pub fn parse(text: &str) -> Option<Connection> {
        Connection::ALL.into_iter().find(|c| c.as_str() == text)
    }
}

impl fmt::Display for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// CPU and OS of a host. Accepts `amd64-linux` and `linux/amd64` spellings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Arch {
    Amd64Linux,
    Arm64Linux,
    ArmV7Linux,
    Amd64Apple,
    Arm64Apple,
}

impl Arch {
    pub const ALL: [Arch; 5] = [
        Arch::Amd64Linux,
        Arch::Arm64Linux,
        Arch::ArmV7Linux,
        Arch::Amd64Apple,
        Arch::Arm64Apple,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Arch::Amd64Linux => "amd64-linux",
            Arch::Arm64Linux => "arm64-linux",
            Arch::ArmV7Linux => "armv7-linux",
            Arch::Amd64Apple => "amd64-apple",
            Arch::Arm64Apple => "arm64-apple",
        }
    }

    /// `amd64-linux`, `linux/amd64`, `x86_64-linux`, `aarch64-darwin`, `arm64-macos` ...
    pub fn parse(text: &str) -> Option<Arch> {
        let lower = text.trim().to_ascii_lowercase();
        let (a, b) = lower.split_once(['-', '/'])?;
        let (cpu, os) = if is_os(a) { (b, a) } else { (a, b) };
        let os = match os {
            "linux" => "linux",
            "apple" | "darwin" | "macos" | "osx" => "apple",
            _ => return None,
        };
        let cpu = match cpu {
            "amd64" | "x86_64" | "x64" => "amd64",
            "arm64" | "aarch64" => "arm64",
            "armv7" | "arm" | "armhf" | "arm/v7" | "v7" => "armv7",
            _ => return None,
        };
        Arch::ALL
            .into_iter()
            .find(|arch| arch.as_str() == format!("{cpu}-{os}"))
    }

    pub fn is_apple(self) -> bool {
        matches!(self, Arch::Amd64Apple | Arch::Arm64Apple)
    }
}

fn is_os(word: &str) -> bool {
    matches!(word, "linux" | "apple" | "darwin" | "macos" | "osx")
}

impl fmt::Display for Arch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a service runs on its host (`deployment_type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Engine {
    /// docker compose v2
    Docker,
    /// A process supervised by portoser (Python apps via uv, plain commands).
    Local,
    /// A systemd unit (Linux) or launchd job (macOS) generated from the service.
    Native,
    /// An engine the project defines in its playbooks (`engine podman { .. }`). The registry
    /// cannot see playbooks: the checker reports a name no `engine` block defines (E0331).
    Custom(EngineName),
}

impl Engine {
    /// The built-in engines.
    pub const ALL: [Engine; 3] = [Engine::Docker, Engine::Local, Engine::Native];

    pub fn as_str(&self) -> &str {
        match self {
            Engine::Docker => "docker",
            Engine::Local => "local",
            Engine::Native => "native",
            Engine::Custom(name) => name.as_str(),
        }
    }

    /// A built-in engine by name, else a project engine when the text is a valid engine
    /// name (whether a block defines it is the checker's business).
    pub fn parse(text: &str) -> Option<Engine> {
        Engine::ALL
            .into_iter()
            .find(|e| e.as_str() == text)
            .or_else(|| EngineName::new(text).map(Engine::Custom))
    }

    pub fn is_custom(&self) -> bool {
        matches!(self, Engine::Custom(_))
    }
}

impl fmt::Display for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The name of a project-defined engine: `[a-z][a-z0-9_]*`, at most
/// [`EngineName::MAX_LEN`] bytes, stored inline so [`Engine`] stays `Copy`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EngineName {
    len: u8,
    bytes: [u8; EngineName::MAX_LEN],
}

impl EngineName {
    pub const MAX_LEN: usize = 32;

    /// `None` unless `text` is a valid engine name.
    pub fn new(text: &str) -> Option<EngineName> {
        let mut chars = text.bytes();
        let first_ok = chars.next().is_some_and(|b| b.is_ascii_lowercase());
        let rest_ok = chars.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !first_ok || !rest_ok || text.len() > Self::MAX_LEN {
            return None;
        }
        let mut bytes = [0u8; Self::MAX_LEN];
        bytes
            .get_mut(..text.len())?
            .copy_from_slice(text.as_bytes());
        Some(EngineName {
            len: u8::try_from(text.len()).ok()?,
            bytes,
        })
    }

    pub fn as_str(&self) -> &str {
        let bytes = self.bytes.get(..usize::from(self.len)).unwrap_or_default();
        std::str::from_utf8(bytes).unwrap_or_default()
    }
}

impl fmt::Debug for EngineName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.as_str())
    }
}

impl fmt::Display for EngineName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A length of time, kept in milliseconds. Written `10s`, `2m`, `500ms`, `1h` or a bare
/// number of seconds (the original registry's `healthcheck_interval: 30`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Duration {
    pub millis: u64,
}

impl Duration {
    pub fn from_secs(secs: u64) -> Self {
        Duration {
            millis: secs.saturating_mul(1000),
        }
    }

    /// Parses `500ms`, `10s`, `2m`, `1h`, `1d` or a bare number of seconds.
    pub fn parse(text: &str) -> Option<Duration> {
        let text = text.trim();
        let digits = text
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len());
        if digits == 0 || digits > 12 {
            return None;
        }
        let n: u64 = text[..digits].parse().ok()?;
        let factor = match &text[digits..] {
            "" | "s" => 1000,
            "ms" => 1,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            _ => return None,
        };
        Some(Duration {
            millis: n.checked_mul(factor)?,
        })
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.millis;
        match ms {
            0 => f.write_str("0s"),
            _ if ms.is_multiple_of(86_400_000) => write!(f, "{}d", ms / 86_400_000),
            _ if ms.is_multiple_of(3_600_000) => write!(f, "{}h", ms / 3_600_000),
            _ if ms.is_multiple_of(60_000) => write!(f, "{}m", ms / 60_000),
            _ if ms.is_multiple_of(1000) => write!(f, "{}s", ms / 1000),
            _ => write!(f, "{ms}ms"),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Service {
    pub name: SString,
    /// The whole entry (key and body).
    pub span: Span,
    /// Public name routed by Caddy (`api.example.lan`).
    pub hostname: Option<SString>,
    pub current_host: Option<SString>,
    pub deployment_type: Option<Spanned<Engine>>,
    pub docker_compose: Option<SString>,
    /// The compose service (docker) or unit name (native) when it differs from the name.
    pub service_name: Option<SString>,
    /// A `service.yml` (local/native) describing start/stop/health.
    pub service_file: Option<SString>,
    pub port: Option<Spanned<u16>>,
    pub healthcheck_url: Option<SString>,
    pub dependencies: Vec<SString>,
    pub tls_cert: Option<SString>,
    pub tls_key: Option<SString>,
    pub ca_cert: Option<SString>,
    /// **new**: `tls: auto`: the project CA issues this service's server certificate and
    /// apply puts it on the host (docs/certs.md).
    pub tls: Option<Spanned<TlsMode>>,
    /// **new**: Caddy requires a client certificate signed by `ca_cert` (mTLS enforced).
    pub mtls: Option<Spanned<bool>>,
    /// **new**: `client_cert: auto`: the project CA issues this service a client certificate
    /// (to call `mtls: true` services) and apply puts it on the host (docs/certs.md).
    pub client_cert: Option<Spanned<TlsMode>>,
    pub description: Option<SString>,
    pub working_dir: Option<SString>,
    pub python_manager: Option<SString>,
    pub restart_command: Option<SString>,
    pub healthcheck_command: Option<SString>,
    pub healthcheck_interval: Option<Spanned<Duration>>,
    pub healthcheck_retries: Option<Spanned<u32>>,
    pub platform: Option<SString>,
    pub tags: Vec<SString>,
    pub health: Option<Health>,
    /// Inline start command for local/native services (instead of a `service.yml`).
    pub command: Option<SString>,
    /// Environment variables, in file order.
    pub env: Vec<(SString, SString)>,
    /// Environment variables filled from Vault at apply time, in file order.
    pub secrets: Vec<(SString, Spanned<SecretRef>)>,
    pub on_failure: Option<Spanned<OnFailure>>,
    /// The loaded `service.yml`, when `service_file` names a file in the project directory.
    pub service_yml: Option<ServiceYml>,
}

impl Service {
    /// A service with only a name: every field unset. For code that builds services rather
    /// than loading them (a recorded instance, tests); fill in what matters with `..`.
    pub fn named(name: SString) -> Service {
        Service {
            span: name.span,
            name,
            hostname: None,
            current_host: None,
            deployment_type: None,
            docker_compose: None,
            service_name: None,
            service_file: None,
            port: None,
            healthcheck_url: None,
            dependencies: Vec::new(),
            tls_cert: None,
            tls_key: None,
            ca_cert: None,
            tls: None,
            mtls: None,
            client_cert: None,
            description: None,
            working_dir: None,
            python_manager: None,
            restart_command: None,
            healthcheck_command: None,
            healthcheck_interval: None,
            healthcheck_retries: None,
            platform: None,
            tags: Vec::new(),
            health: None,
            command: None,
            env: Vec::new(),
            secrets: Vec::new(),
            on_failure: None,
            service_yml: None,
        }
    }
}

/// `path#key` in Vault's KV store. Holds no value: the value exists only at apply time.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SecretRef {
    pub path: String,
    pub key: String,
    /// The KV version Vault holds now for `path`: never from the file, filled by the CLI
    /// before planning when it can ask Vault (docs/vault.md, "Rotation"). Not displayed.
    pub version: Option<u64>,
}

impl fmt::Display for SecretRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}#{}", self.path, self.key)
    }
}

/// What apply does when an updated service fails its health gate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OnFailure {
    Rollback,
    Stop,
    Keep,
}

impl OnFailure {
    pub const ALL: [OnFailure; 3] = [OnFailure::Rollback, OnFailure::Stop, OnFailure::Keep];

    pub fn as_str(self) -> &'static str {
        match self {
            OnFailure::Rollback => "rollback",
            OnFailure::Stop => "stop",
            OnFailure::Keep => "keep",
        }
    }

    pub fn parse(text: &str) -> Option<OnFailure> {
        OnFailure::ALL.into_iter().find(|e| e.as_str() == text)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HealthKind {
    Http,
    Tcp,
    Process,
    Command,
}

impl HealthKind {
    pub const ALL: [HealthKind; 4] = [
        HealthKind::Http,
        HealthKind::Tcp,
        HealthKind::Process,
        HealthKind::Command,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            HealthKind::Http => "http",
            HealthKind::Tcp => "tcp",
            HealthKind::Process => "process",
            HealthKind::Command => "command",
        }
    }

    pub fn parse(text: &str) -> Option<HealthKind> {
        HealthKind::ALL.into_iter().find(|e| e.as_str() == text)
    }
}

/// The structured `health:` block.
#[derive(Clone, Debug)]
pub struct Health {
    pub span: Span,
    pub kind: Option<Spanned<HealthKind>>,
    /// URL (http), `host:port` or port (tcp), process name (process), command (command).
    pub endpoint: Option<SString>,
    pub interval: Option<Spanned<Duration>>,
    pub timeout: Option<Spanned<Duration>>,
    pub retries: Option<Spanned<u32>>,
    /// Expected HTTP status (default: any 2xx).
    pub expect_status: Option<Spanned<u16>>,
    /// Text the HTTP body must contain.
    pub expect_body: Option<SString>,
}

/// A `service.yml` next to a local or native service.
#[derive(Clone, Debug)]
pub struct ServiceYml {
    pub file: FileId,
    pub start: Option<SString>,
    pub stop: Option<SString>,
    pub restart: Option<SString>,
    pub healthcheck: Option<SString>,
    pub working_dir: Option<SString>,
    pub env_file: Option<SString>,
    pub ports: Vec<Spanned<u16>>,
    /// `dependencies:` as a map of name → what for (the seed's format).
    pub dependencies: Vec<(SString, Option<SString>)>,
}

#[derive(Clone, Debug, Default)]
pub struct Caddy {
    pub ingress_host: Option<SString>,
    /// `127.0.0.1:2019` style address of the admin API on the ingress host.
    pub admin_api: Option<SString>,
    pub caddyfile_path: Option<SString>,
    pub email: Option<SString>,
    pub http_port: Option<Spanned<u16>>,
    pub https_port: Option<Spanned<u16>>,
    /// **new**: the `caddy` binary on the ingress host: a command name looked up on the SSH
    /// user's PATH (default `caddy`) or an absolute path (`/opt/homebrew/bin/caddy`: Homebrew's
    /// directory is not on a non-interactive SSH session's PATH). Checked by E0175.
    pub binary: Option<SString>,
}

#[derive(Clone, Debug, Default)]
pub struct Dns {
    pub provider: Option<SString>,
    pub server: Option<SString>,
}

#[derive(Clone, Debug, Default)]
pub struct Vault {
    pub address: Option<SString>,
    pub mount: Option<SString>,
    pub ca_cert: Option<SString>,
    /// **new**: a local dev server: plain `http://` is accepted (E0170 otherwise).
    pub dev: Option<Spanned<bool>>,
}

/// How a service gets its TLS certificate (`tls:`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TlsMode {
    /// Issued by the project CA, renewed by the plan, distributed by apply.
    Auto,
}

impl TlsMode {
    pub const ALL: [TlsMode; 1] = [TlsMode::Auto];

    pub fn as_str(self) -> &'static str {
        match self {
            TlsMode::Auto => "auto",
        }
    }
}

/// The top-level `certs:` section: lifetimes of the certificates the project CA issues.
#[derive(Clone, Debug, Default)]
pub struct Certs {
    /// Validity of server and client certificates (default 90 days, at most 398).
    pub lifetime: Option<Spanned<Duration>>,
    /// The plan renews a certificate expiring within this (default 30 days).
    pub renew_before: Option<Spanned<Duration>>,
}

/// Values a service or host takes when it does not set its own.
#[derive(Clone, Debug, Default)]
pub struct Defaults {
    pub ssh_user: Option<SString>,
    pub ssh_port: Option<Spanned<u16>>,
    /// **new**: private key file used for hosts without their own `ssh_key`.
    pub ssh_key: Option<SString>,
    /// **new**: the known_hosts file host keys are verified against; unset means
    /// `~/.ssh/known_hosts` (see docs/registry.md).
    pub known_hosts: Option<SString>,
    pub path: Option<SString>,
    pub healthcheck_interval: Option<Spanned<Duration>>,
    pub healthcheck_retries: Option<Spanned<u32>>,
    pub healthcheck_timeout: Option<Spanned<Duration>>,
    pub on_failure: Option<Spanned<OnFailure>>,
    /// Heals per failing node in one apply (the heal loop's default: 2; 0 heals nothing).
    pub heal_attempts: Option<Spanned<u32>>,
    /// Failed heals of one service on one host within an hour after which the heal loop's
    /// circuit breaker opens there (default: 3).
    pub heal_breaker: Option<Spanned<u32>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arch_accepts_both_spellings() {
        assert_eq!(Arch::parse("amd64-linux"), Some(Arch::Amd64Linux));
        assert_eq!(Arch::parse("linux/arm64"), Some(Arch::Arm64Linux));
        assert_eq!(Arch::parse("aarch64-darwin"), Some(Arch::Arm64Apple));
        assert_eq!(Arch::parse("sparc-linux"), None);
    }

    #[test]
    fn durations_round_trip() {
        for text in ["500ms", "10s", "2m", "1h", "1d"] {
            assert_eq!(Duration::parse(text).unwrap().to_string(), text);
        }
        assert_eq!(Duration::parse("30"), Some(Duration::from_secs(30)));
        assert_eq!(Duration::parse("10x"), None);
        assert_eq!(Duration::parse("99999999999999999999s"), None);
    }
}
