//! What an engine step can fail with, keeping the host's own message.

use portoser_transport::{CommandError, TransportError};
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EngineError {
    /// The host could not be reached or the command could not be carried.
    Transport(TransportError),
    /// The docker daemon does not answer (healing may start it).
    DockerDown { host: String, message: String },
    /// A program the engine needs is not installed (`docker`, `uv`, `systemctl`, `setsid`).
    Missing {
        host: String,
        program: String,
        message: String,
    },
    /// A file the service needs is not on the host (the compose file).
    FileMissing { host: String, path: String },
    /// The spec lacks a value this engine needs (a local service without a command).
    Spec { service: String, message: String },
    /// A command ran and failed: what it was for, its status and its stderr.
    Failed {
        host: String,
        step: String,
        status: Option<i32>,
        message: String,
    },
}

impl EngineError {
    pub fn spec(service: &str, message: impl Into<String>) -> Self {
        EngineError::Spec {
            service: service.to_string(),
            message: message.into(),
        }
    }
}

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EngineError::Transport(e) => write!(f, "{e}"),
            EngineError::DockerDown { host, message } => {
                write!(f, "the docker daemon on `{host}` is not running: {message}")
            }
            EngineError::Missing {
                host,
                program,
                message,
            } => {
                write!(f, "`{program}` is not installed on `{host}`: {message}")
            }
            EngineError::FileMissing { host, path } => {
                write!(f, "`{path}` does not exist on `{host}`")
            }
            EngineError::Spec { service, message } => write!(f, "service `{service}`: {message}"),
            EngineError::Failed {
                host,
                step,
                status,
                message,
            } => {
                let status = status.map_or("a signal".to_string(), |s| format!("status {s}"));
                write!(f, "{step} on `{host}` failed with {status}: {message}")
            }
        }
    }
}

impl std::error::Error for EngineError {}

impl From<TransportError> for EngineError {
    fn from(e: TransportError) -> Self {
        EngineError::Transport(e)
    }
}

impl From<CommandError> for EngineError {
    fn from(e: CommandError) -> Self {
        EngineError::Transport(TransportError::Command(e))
    }
}
