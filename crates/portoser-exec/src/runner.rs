//! The seam between the scheduler and whatever runs one node: the engine runner on real hosts,
//! a scripted fake in tests.

use crate::CancelToken;
use crate::failure::FailureKind;
use portoser_plan::Node;
use std::fmt;
use std::future::Future;

/// What a node that succeeded has to say (`healthy after 3 checks`), shown in the summary.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NodeOutput {
    pub message: Option<String>,
}

impl NodeOutput {
    pub fn message(text: impl Into<String>) -> Self {
        NodeOutput {
            message: Some(text.into()),
        }
    }
}

/// Why a node failed, in the user's terms, plus the host's own words as notes (stderr of the
/// failing command, the transport error), so the CLI can build a located diagnostic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeFailure {
    pub message: String,
    pub notes: Vec<String>,
    pub kind: FailureKind,
    /// What the runner did about it (a service's `on_failure`), if anything.
    pub recovery: Option<Recovery>,
    /// The secret (env variable of the service's `secrets:`) the failure is about: the CLI
    /// points at that entry.
    pub secret: Option<String>,
}

/// What was done after a health gate failed (`on_failure`, docs/apply.md "Rollback").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recovery {
    /// The previous configuration was deployed again and passed its health check.
    RolledBack,
    /// The new instance was stopped; nothing of the service runs there now.
    Stopped,
}

impl NodeFailure {
    pub fn new(message: impl Into<String>) -> Self {
        NodeFailure {
            message: message.into(),
            notes: Vec::new(),
            kind: FailureKind::default(),
            recovery: None,
            secret: None,
        }
    }

    pub fn about_secret(mut self, var: impl Into<String>) -> Self {
        self.secret = Some(var.into());
        self
    }

    pub fn kind(mut self, kind: FailureKind) -> Self {
        self.kind = kind;
        self
    }

    pub fn recovered(mut self, recovery: Recovery) -> Self {
        self.recovery = Some(recovery);
        self
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        let note = note.into();
        if !note.trim().is_empty() {
            self.notes.push(note);
        }
        self
    }
}

impl fmt::Display for NodeFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Runs one plan node. The scheduler calls it only for nodes whose action is not `no-op`,
/// once their dependencies succeeded, within the per-host limit. A runner should watch
/// `cancel.aborted()` where it waits long; the scheduler also drops its future on abort.
pub trait NodeRunner: Send + Sync + 'static {
    fn run(
        &self,
        node: &Node,
        cancel: &CancelToken,
    ) -> impl Future<Output = Result<NodeOutput, NodeFailure>> + Send;

    /// `run` without the failure recovery of a health gate (`on_failure`): the healing loop
    /// heals first and calls [`NodeRunner::recover`] only when it gives up (docs/heal.md).
    fn run_unrecovered(
        &self,
        node: &Node,
        cancel: &CancelToken,
    ) -> impl Future<Output = Result<NodeOutput, NodeFailure>> + Send {
        self.run(node, cancel)
    }

    /// The recovery `run_unrecovered` left out, for a failure of `node`; the failure comes back
    /// with what was done. Default: nothing.
    fn recover(
        &self,
        node: &Node,
        failure: NodeFailure,
    ) -> impl Future<Output = NodeFailure> + Send {
        let _ = node;
        async move { failure }
    }
}
