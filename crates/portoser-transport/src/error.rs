//! What can go wrong between portoser and a host, typed so the CLI can turn each case into a
//! located diagnostic. Messages carry the host's own words; stdin is never part of an error.

use crate::command::CommandError;
use std::fmt;
use std::time::Duration;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TransportError {
    /// Nothing answered at the address (refused, no route, DNS, connect timeout).
    Unreachable { host: String, message: String },
    /// The host answered but refused every key we offered.
    Auth { host: String, message: String },
    /// The host's key is not in the known_hosts file. `fingerprint` is `SHA256:...` as
    /// `ssh-keygen -lf` prints it; `key_line` is the public key in OpenSSH form.
    HostKeyUnknown {
        host: String,
        fingerprint: String,
        key_line: String,
        known_hosts: String,
    },
    /// The known_hosts file records a different key of the same type for this host: possibly
    /// an attack. Never accepted, whatever the options say.
    HostKeyChanged {
        host: String,
        fingerprint: String,
        known_hosts: String,
        line: usize,
    },
    /// An operation took longer than its timeout; a command was killed.
    Timeout {
        host: String,
        what: String,
        after: Duration,
    },
    /// A channel could not be opened or broke while the connection itself is fine.
    Channel { host: String, message: String },
    /// Nothing listens on `127.0.0.1:port` on the host (the TCP connect there was refused):
    /// the host is fine, the service is not (yet) up.
    PortClosed { host: String, port: u16 },
    /// The SSH connection to the host dropped after it was made (sshd stopped, the network
    /// went away, keepalives unanswered). Nothing more can run on it: retrying is pointless.
    ConnectionLost { host: String },
    /// A local or remote I/O failure (reading a key, writing known_hosts, a file upload).
    Io { host: String, message: String },
    /// A command could not be built (NUL byte, bad environment name).
    Command(CommandError),
}

impl TransportError {
    /// The host the error is about (empty for a command that never left).
    pub fn host(&self) -> &str {
        match self {
            TransportError::Unreachable { host, .. }
            | TransportError::Auth { host, .. }
            | TransportError::HostKeyUnknown { host, .. }
            | TransportError::HostKeyChanged { host, .. }
            | TransportError::Timeout { host, .. }
            | TransportError::Channel { host, .. }
            | TransportError::PortClosed { host, .. }
            | TransportError::ConnectionLost { host }
            | TransportError::Io { host, .. } => host,
            TransportError::Command(_) => "",
        }
    }

    /// Whether trying the same thing again in this run can help: false when the host cannot
    /// be reached at all (unreachable, lost, refused credentials or host key) or the command
    /// could not even be built. Health checks stop retrying on such an error.
    pub fn is_retryable(&self) -> bool {
        match self {
            TransportError::Timeout { .. }
            | TransportError::Channel { .. }
            | TransportError::PortClosed { .. }
            | TransportError::Io { .. } => true,
            TransportError::Unreachable { .. }
            | TransportError::ConnectionLost { .. }
            | TransportError::Auth { .. }
            | TransportError::HostKeyUnknown { .. }
            | TransportError::HostKeyChanged { .. }
            | TransportError::Command(_) => false,
        }
    }

    pub(crate) fn lost(host: &str) -> Self {
        TransportError::ConnectionLost {
            host: host.to_string(),
        }
    }

    pub(crate) fn port_closed(host: &str, port: u16) -> Self {
        TransportError::PortClosed {
            host: host.to_string(),
            port,
        }
    }

    pub(crate) fn io(host: &str, context: &str, err: impl fmt::Display) -> Self {
        TransportError::Io {
            host: host.to_string(),
            message: format!("{context}: {err}"),
        }
    }

    pub(crate) fn channel(host: &str, err: impl fmt::Display) -> Self {
        TransportError::Channel {
            host: host.to_string(),
            message: err.to_string(),
        }
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransportError::Unreachable { host, message } => {
                write!(f, "cannot reach host `{host}`: {message}")
            }
            TransportError::Auth { host, message } => {
                write!(f, "host `{host}` refused authentication: {message}")
            }
            TransportError::HostKeyUnknown {
                host,
                fingerprint,
                known_hosts,
                ..
            } => write!(
                f,
                "the host key of `{host}` ({fingerprint}) is not in {known_hosts}; \
                 check it and run `portoser hosts trust {host}`"
            ),
            TransportError::HostKeyChanged {
                host,
                fingerprint,
                known_hosts,
                line,
            } => write!(
                f,
                "the host key of `{host}` CHANGED (now {fingerprint}; {known_hosts}:{line} \
                 records another): refusing to connect"
            ),
            TransportError::Timeout { host, what, after } => {
                write!(f, "{what} on `{host}` timed out after {after:?}")
            }
            TransportError::Channel { host, message } => {
                write!(f, "connection to `{host}` failed: {message}")
            }
            TransportError::PortClosed { host, port } => {
                write!(f, "nothing listens on 127.0.0.1:{port} on `{host}`")
            }
            TransportError::ConnectionLost { host } => {
                write!(f, "the SSH connection to `{host}` was lost")
            }
            TransportError::Io { host, message } => write!(f, "on `{host}`: {message}"),
            TransportError::Command(err) => write!(f, "{err}"),
        }
    }
}

impl std::error::Error for TransportError {}

impl From<CommandError> for TransportError {
    fn from(err: CommandError) -> Self {
        TransportError::Command(err)
    }
}
