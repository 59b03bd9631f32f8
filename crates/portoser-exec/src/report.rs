//! The outcome of a run: per node, per service recorded in the state, totals, critical path.

use crate::NodeFailure;
use portoser_plan::{NodeKind, Timed, critical_path};
use std::time::Duration;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// A no-op node: nothing was run.
    Unchanged,
    Succeeded {
        message: Option<String>,
    },
    Failed(NodeFailure),
    /// A node it waits for failed (named), directly or further up.
    Skipped {
        because: String,
    },
    /// Ctrl-C: never started, or aborted while running.
    Cancelled {
        was_running: bool,
    },
}

impl Outcome {
    pub fn as_str(&self) -> &'static str {
        match self {
            Outcome::Unchanged => "unchanged",
            Outcome::Succeeded { .. } => "succeeded",
            Outcome::Failed(_) => "failed",
            Outcome::Skipped { .. } => "skipped",
            Outcome::Cancelled { .. } => "cancelled",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeReport {
    pub id: String,
    pub service: Option<String>,
    pub host: String,
    pub kind: NodeKind,
    pub depends_on: Vec<String>,
    pub outcome: Outcome,
    /// When it started, since the run started (nodes that ran only).
    pub started: Option<Duration>,
    /// How long it ran (nodes that ran only).
    pub duration: Option<Duration>,
}

/// What the run wrote to the state, in the order it wrote it: one entry per service, where
/// it ended (a service deployed then applied in the same run is `Applied`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StateChange {
    Applied {
        service: String,
        serial: u64,
    },
    /// Its deploy ran but not everything after it succeeded (the next plan updates it).
    Deployed {
        service: String,
        serial: u64,
    },
    Removed {
        service: String,
        serial: u64,
    },
}

impl StateChange {
    pub fn service(&self) -> &str {
        match self {
            StateChange::Applied { service, .. }
            | StateChange::Deployed { service, .. }
            | StateChange::Removed { service, .. } => service,
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub succeeded: usize,
    pub failed: usize,
    pub skipped: usize,
    pub cancelled: usize,
    pub unchanged: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunOutcome {
    /// Every node was a no-op: nothing ran, nothing was written.
    NothingToDo,
    Succeeded,
    /// A node failed or the state could not be written.
    Failed,
    /// Ctrl-C stopped the run (it may also have failures).
    Cancelled,
}

impl RunOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            RunOutcome::NothingToDo => "no-op",
            RunOutcome::Succeeded => "succeeded",
            RunOutcome::Failed => "failed",
            RunOutcome::Cancelled => "cancelled",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CriticalPath {
    /// Node ids, first to last.
    pub nodes: Vec<String>,
    pub total: Duration,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunReport {
    /// The run's row in the state's history (`None` when nothing ran).
    pub run_id: Option<i64>,
    pub started_at: String,
    pub finished_at: String,
    pub duration: Duration,
    /// In plan order.
    pub nodes: Vec<NodeReport>,
    pub state_changes: Vec<StateChange>,
    /// State writes that failed: the state does not claim those services (the hosts may have
    /// changed anyway; the next plan redoes them).
    pub state_errors: Vec<String>,
    pub cancelled: bool,
}

impl RunReport {
    pub fn totals(&self) -> Totals {
        let mut t = Totals::default();
        for node in &self.nodes {
            match node.outcome {
                Outcome::Unchanged => t.unchanged += 1,
                Outcome::Succeeded { .. } => t.succeeded += 1,
                Outcome::Failed(_) => t.failed += 1,
                Outcome::Skipped { .. } => t.skipped += 1,
                Outcome::Cancelled { .. } => t.cancelled += 1,
            }
        }
        t
    }

    pub fn outcome(&self) -> RunOutcome {
        let t = self.totals();
        if self.cancelled {
            RunOutcome::Cancelled
        } else if t.failed > 0 || t.skipped > 0 || !self.state_errors.is_empty() {
            RunOutcome::Failed
        } else if t.succeeded == 0 {
            RunOutcome::NothingToDo
        } else {
            RunOutcome::Succeeded
        }
    }

    /// The services whose failed health gate was recovered by rolling back to the previous
    /// configuration (`on_failure: rollback`), in plan order.
    pub fn rolled_back(&self) -> Vec<&str> {
        self.nodes
            .iter()
            .filter(|n| {
                matches!(&n.outcome, Outcome::Failed(f)
                    if f.recovery == Some(crate::Recovery::RolledBack))
            })
            .filter_map(|n| n.service.as_deref())
            .collect()
    }

    /// The run failed only because health gates failed and were rolled back: every failed
    /// node was, and nothing else went wrong (`portoser apply` exits 5).
    pub fn only_rolled_back(&self) -> bool {
        let failed = self
            .nodes
            .iter()
            .filter(|n| matches!(n.outcome, Outcome::Failed(_)))
            .count();
        !self.cancelled
            && self.state_errors.is_empty()
            && failed > 0
            && failed == self.rolled_back().len()
    }

    /// `portoser apply` exits 0 only for these.
    pub fn is_success(&self) -> bool {
        matches!(
            self.outcome(),
            RunOutcome::Succeeded | RunOutcome::NothingToDo
        )
    }

    pub fn node(&self, id: &str) -> Option<&NodeReport> {
        self.nodes.iter().find(|n| n.id == id)
    }

    /// The chain of dependent nodes with the largest sum of durations: what bounded the run's
    /// wall time. Nodes that did not run count as zero. `nodes` is in plan (topological)
    /// order, so one pass suffices; a dependency not seen yet (a cycle) is ignored.
    pub fn critical_path(&self) -> CriticalPath {
        let timed: Vec<Timed<'_>> = self
            .nodes
            .iter()
            .map(|n| Timed {
                id: &n.id,
                depends_on: &n.depends_on,
                duration_ms: n.duration.map_or(0, |d| d.as_millis() as u64),
            })
            .collect();
        let (nodes, total_ms) = critical_path(&timed);
        CriticalPath {
            nodes,
            total: Duration::from_millis(total_ms),
        }
    }
}
