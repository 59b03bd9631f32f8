//! What kind of failure a node had: the CLI turns it into a coded, located diagnostic, and the
//! healing loop (issue 6) matches rules on it (`failure.kind` in the language uses the same
//! names, see `as_str`).

use portoser_engine::EngineError;
use portoser_transport::TransportError;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum FailureKind {
    /// The host does not answer on its SSH port (or the connection timed out).
    Unreachable,
    /// The host refused the key or the user.
    Auth,
    /// The host's key is not in known_hosts.
    HostKeyUnknown,
    /// The host's key differs from the one in known_hosts.
    HostKeyChanged,
    /// The docker daemon does not answer.
    DockerDown,
    /// A program the engine needs is not installed (docker compose v2, uv, systemctl).
    MissingProgram,
    /// A file the engine needs is not on the host (a compose file).
    MissingFile,
    /// The service did not pass its health check in time.
    Unhealthy,
    /// A filesystem the step writes to is full.
    DiskFull,
    /// The SSH user may not write or run something it needs.
    PermissionDenied,
    /// A command on the host exited non-zero for another reason.
    #[default]
    CommandFailed,
    /// The plan needs something portoser does not do yet.
    NotSupported,
    /// Caddy refused the rendered config (`caddy adapt` or the admin API); the running one
    /// keeps serving.
    CaddyRejected,
    /// Vault does not answer (connection, TLS, timeout) while reading a service's secrets.
    VaultUnreachable,
    /// Vault refused a host's AppRole a secret (403) or the login.
    SecretDenied,
    /// The secret's path or key is not in Vault, or its value cannot go in an env file.
    SecretMissing,
    /// The host has no (usable) AppRole credentials file: `vault setup-approles` never ran.
    NoAppRole,
}

impl FailureKind {
    /// The name of the matching `FailureKind` variant in `.pbk` rules.
    pub fn as_str(self) -> &'static str {
        match self {
            FailureKind::Unreachable => "ssh_unreachable",
            FailureKind::Auth => "ssh_auth",
            // Not an auth failure: adding a key to authorized_keys would not help, and a
            // changed key may be someone impersonating the host.
            FailureKind::HostKeyUnknown | FailureKind::HostKeyChanged => "ssh_host_key",
            FailureKind::DockerDown => "docker_down",
            FailureKind::MissingProgram | FailureKind::MissingFile => "compose_missing",
            FailureKind::Unhealthy => "health_timeout",
            FailureKind::DiskFull => "disk_full",
            FailureKind::PermissionDenied => "permission_denied",
            FailureKind::CommandFailed => "command_failed",
            FailureKind::NotSupported => "unknown",
            FailureKind::CaddyRejected => "command_failed",
            FailureKind::VaultUnreachable
            | FailureKind::SecretDenied
            | FailureKind::SecretMissing
            | FailureKind::NoAppRole => "unknown",
        }
    }

    /// A command's own words often say more than its exit status: a full disk and a denied
    /// permission look the same from the status alone.
    pub fn from_output(stderr: &str) -> FailureKind {
        let lower = stderr.to_ascii_lowercase();
        if lower.contains("no space left on device") || lower.contains("disk quota exceeded") {
            FailureKind::DiskFull
        } else if lower.contains("permission denied") || lower.contains("operation not permitted") {
            FailureKind::PermissionDenied
        } else {
            FailureKind::CommandFailed
        }
    }

    pub fn of_transport(e: &TransportError) -> FailureKind {
        match e {
            TransportError::Unreachable { .. } | TransportError::Timeout { .. } => {
                FailureKind::Unreachable
            }
            TransportError::Auth { .. } => FailureKind::Auth,
            TransportError::HostKeyUnknown { .. } => FailureKind::HostKeyUnknown,
            TransportError::HostKeyChanged { .. } => FailureKind::HostKeyChanged,
            other => FailureKind::from_output(&other.to_string()),
        }
    }

    pub fn of_engine(e: &EngineError) -> FailureKind {
        match e {
            EngineError::Transport(t) => FailureKind::of_transport(t),
            EngineError::DockerDown { .. } => FailureKind::DockerDown,
            EngineError::Missing { .. } => FailureKind::MissingProgram,
            EngineError::FileMissing { .. } => FailureKind::MissingFile,
            other => FailureKind::from_output(&other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::FailureKind;

    #[test]
    fn output_words_name_the_cause() {
        let k = FailureKind::from_output("tar: x: Cannot write: No space left on device");
        assert_eq!(k, FailureKind::DiskFull);
        let k =
            FailureKind::from_output("mkdir: cannot create directory '/srv/x': Permission denied");
        assert_eq!(k, FailureKind::PermissionDenied);
        assert_eq!(
            FailureKind::from_output("exit 3"),
            FailureKind::CommandFailed
        );
    }
}
