//! What `status` reports for one service.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum State {
    Running,
    Stopped,
    /// It should run but does not (crashed, restarting, unit failed).
    Failed,
    /// The engine could not tell (unknown output, nothing deployed).
    Unknown,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Running => "running",
            State::Stopped => "stopped",
            State::Failed => "failed",
            State::Unknown => "unknown",
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceStatus {
    pub state: State,
    /// When it entered this state, as the host reports it (an epoch second for local
    /// services, systemd's timestamp text, docker's status text); None when unknown.
    pub since: Option<String>,
    /// Engine words for a person: `Up 3 minutes (healthy)`, `restarted 2 times`, ...
    pub detail: String,
}

impl ServiceStatus {
    pub fn new(state: State, since: Option<String>, detail: impl Into<String>) -> Self {
        ServiceStatus {
            state,
            since,
            detail: detail.into(),
        }
    }
}
