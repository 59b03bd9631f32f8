//! What each key means (the schema's `description`, shown on hover by YAML editors), and
//! which keys are plain strings. Texts follow the model's field docs and docs/registry.md.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Section {
    Top,
    Host,
    Service,
    Caddy,
    Dns,
    Vault,
    Certs,
    Defaults,
    Health,
}

/// Keys whose value is a plain string (or a number read as its text).
pub(super) fn is_string(section: Section, key: &str) -> bool {
    use Section::*;
    match section {
        Top => key == "domain",
        Host => matches!(
            key,
            "ip" | "ssh_user"
                | "ssh_hostname"
                | "path"
                | "context"
                | "description"
                | "ssh_key"
                | "docker_start"
        ),
        Service => matches!(
            key,
            "hostname"
                | "current_host"
                | "docker_compose"
                | "service_name"
                | "service_file"
                | "healthcheck_url"
                | "tls_cert"
                | "tls_key"
                | "ca_cert"
                | "description"
                | "working_dir"
                | "python_manager"
                | "restart_command"
                | "healthcheck_command"
                | "platform"
                | "command"
        ),
        Caddy => matches!(
            key,
            "ingress_host" | "admin_api" | "caddyfile_path" | "email" | "binary"
        ),
        Dns => true,
        Certs => false,
        Vault => key != "dev",
        Defaults => matches!(key, "ssh_user" | "ssh_key" | "known_hosts" | "path"),
        Health => matches!(key, "endpoint" | "expect_body"),
    }
}

/// The description of `key` in `section`; empty when none is written (a test forbids that).
pub(super) fn describe(section: Section, key: &str) -> &'static str {
    match (section, key) {
        (Section::Top, _) => top(key),
        (Section::Host, _) => host(key),
        (Section::Service, _) => service(key).unwrap_or_else(|| service_more(key)),
        (Section::Health, _) => health(key),
        _ => sections(section, key),
    }
}

fn top(key: &str) -> &'static str {
    match key {
        "domain" => "The domain under which service `hostname`s live",
        "hosts" => "Hosts by name (file order is kept)",
        "services" => "Services by name (file order is kept)",
        "caddy" => "The Caddy ingress in front of the services",
        "dns" => "The DNS provider for service hostnames",
        "vault" => "The Vault server `secrets` are read from at apply time",
        "certs" => "Lifetimes of the certificates the project CA issues (docs/certs.md)",
        "defaults" => "Values a host or service takes when it does not set its own",
        _ => "",
    }
}

fn host(key: &str) -> &'static str {
    match key {
        "ip" => {
            "IP address or DNS name used to reach the host (required unless `connection: local`)"
        }
        "ssh_user" => "SSH user (default: `defaults.ssh_user`)",
        "ssh_port" => "SSH port, 1-65535 (default: `defaults.ssh_port`, else 22)",
        "ssh_hostname" => {
            "Overrides `ip` for SSH (an alias from `~/.ssh/config`, a bastion name ...)"
        }
        "path" => "Base directory on the host; every service path must stay inside it",
        "arch" => {
            "CPU and OS: `amd64-linux`, `arm64-linux`, `armv7-linux`, `amd64-apple`, `arm64-apple` (also `linux/amd64`, `x86_64-linux`, `aarch64-darwin` ...)"
        }
        "context" => "Free text (a docker context, a group)",
        "roles" => "Roles of the host",
        "description" => "What the host is",
        "connection" => {
            "`ssh` (default) or `local` (this machine: commands run in a local shell, no SSH)"
        }
        "ssh_key" => {
            "Private key file for SSH, on the machine running portoser (default: `defaults.ssh_key`, else the SSH agent)"
        }
        "docker_start" => {
            "Shell command that starts the docker daemon, run by the healing loop's `start_docker` (default: `sudo -n systemctl start docker`; macOS: `open -a Docker`)"
        }
        _ => "",
    }
}

fn service(key: &str) -> Option<&'static str> {
    Some(match key {
        "hostname" => "Public name routed by Caddy (`api.example.lan`); unique",
        "current_host" => "The host the service runs on (a name under `hosts`)",
        "deployment_type" => {
            "How the service runs: `docker` (compose v2), `local` (a process supervised by portoser), `native` (systemd/launchd), or a project engine"
        }
        "docker_compose" => "Compose file, relative to the host `path` (docker)",
        "service_name" => {
            "The compose service (docker) or unit name (native) when it differs from the name"
        }
        "service_file" => "A `service.yml` (local/native) describing start/stop/health",
        "port" => "TCP port, 1-65535 (a number or a numeric string); unique per host",
        "healthcheck_url" => "http(s) URL that answers 2xx when the service is healthy",
        "dependencies" => "Services this one needs (names under `services`)",
        "tls_cert" => "TLS certificate path (with `tls_key`)",
        "tls_key" => "TLS key path (with `tls_cert`)",
        "ca_cert" => "CA certificate path (with `mtls`: the CA client certificates must chain to)",
        "tls" => {
            "`auto`: the project CA issues the server certificate, apply puts it on the host (docs/certs.md)"
        }
        "mtls" => "Caddy refuses clients without a certificate signed by `ca_cert` (enforced mTLS)",
        "client_cert" => {
            "`auto`: the project CA issues the service a client certificate (to call `mtls` services), apply puts it on the host (docs/certs.md)"
        }
        "description" => "What the service is",
        "working_dir" => "Working directory (local, native)",
        "python_manager" => "`uv` for Python apps (local)",
        _ => return None,
    })
}

fn service_more(key: &str) -> &'static str {
    match key {
        "restart_command" => "Command that restarts the service",
        "healthcheck_command" => "Command that exits 0 when the service is healthy",
        "healthcheck_interval" => "Time between health checks: `30s`, `2m` or a number of seconds",
        "healthcheck_retries" => "Failed health checks before the service counts as unhealthy",
        "platform" => "Container platform, e.g. `linux/arm64` (docker)",
        "tags" => "Free-form tags",
        "health" => "The structured health check",
        "command" => "Inline start command (local, native) instead of a `service.yml`",
        "env" => "Environment variables: NAME -> value",
        "secrets" => "Environment variables filled from Vault at apply time: NAME -> `path#key`",
        "on_failure" => "What apply does when an updated service fails its health gate",
        _ => "",
    }
}

fn health(key: &str) -> &'static str {
    match key {
        "type" => "Kind of check: `http`, `tcp`, `process` or `command`",
        "endpoint" => {
            "URL (http), `host:port` or port (tcp), process name (process), command (command)"
        }
        "interval" => "Time between checks",
        "timeout" => "Time one check may take",
        "retries" => "Failed checks before the service counts as unhealthy",
        "expect_status" => "Expected HTTP status, 100-599 (default: any 2xx)",
        "expect_body" => "Text the HTTP body must contain",
        _ => "",
    }
}

fn sections(section: Section, key: &str) -> &'static str {
    match (section, key) {
        (Section::Caddy, "ingress_host") => "The host Caddy runs on (a name under `hosts`)",
        (Section::Caddy, "admin_api") => {
            "Address of Caddy's admin API on the ingress host (`127.0.0.1:2019`)"
        }
        (Section::Caddy, "caddyfile_path") => "Path of the Caddyfile on the ingress host",
        (Section::Caddy, "email") => "ACME account email",
        (Section::Caddy, "http_port") => "HTTP port of the ingress",
        (Section::Caddy, "https_port") => "HTTPS port of the ingress",
        (Section::Caddy, "binary") => {
            "The `caddy` binary on the ingress host: a command on the SSH user's PATH \
             (default `caddy`) or an absolute path (`/opt/homebrew/bin/caddy`)"
        }
        (Section::Dns, "provider") => "DNS provider",
        (Section::Dns, "server") => "DNS server",
        (Section::Vault, "address") => "Vault address (`https://vault.lan:8200`)",
        (Section::Vault, "mount") => "KV mount secrets are read from",
        (Section::Vault, "ca_cert") => "CA certificate for Vault's TLS",
        (Section::Vault, "dev") => "A local dev Vault: accept a plain `http://` address",
        (Section::Certs, "lifetime") => {
            "Validity of issued certificates: `90d` (default), at most `398d` (Apple's limit)"
        }
        (Section::Certs, "renew_before") => {
            "The plan renews a certificate expiring within this: `30d` (default)"
        }
        (Section::Defaults, "ssh_user") => "SSH user for hosts without their own",
        (Section::Defaults, "ssh_port") => "SSH port for hosts without their own",
        (Section::Defaults, "ssh_key") => "Private key file for hosts without their own `ssh_key`",
        (Section::Defaults, "known_hosts") => {
            "The known_hosts file host keys are verified against (default: `~/.ssh/known_hosts`)"
        }
        (Section::Defaults, "path") => "Base directory for hosts without their own `path`",
        (Section::Defaults, "healthcheck_interval") => "Time between health checks",
        (Section::Defaults, "healthcheck_retries") => {
            "Failed health checks before a service counts as unhealthy"
        }
        (Section::Defaults, "healthcheck_timeout") => "Time one health check may take",
        (Section::Defaults, "on_failure") => {
            "What apply does when an updated service fails its health gate"
        }
        (Section::Defaults, "heal_attempts") => {
            "Heals per failing node in one apply: `2` (default); `0` heals nothing"
        }
        (Section::Defaults, "heal_breaker") => {
            "Failed heals of one service on one host within an hour before healing stops there: `3` (default)"
        }
        _ => "",
    }
}
