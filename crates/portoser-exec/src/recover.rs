//! A health gate that failed, and the service's `on_failure`: `rollback` deploys the
//! recorded (previous) configuration again and waits for its health, `stop` stops the new
//! instance, `keep` leaves it running (recorded `deployed`). See docs/apply.md "Rollback".
//!
//! The default, when neither the service nor `defaults` sets one: `rollback` for an update of
//! a service recorded `applied` (there is a known-good version to go back to), `keep`
//! otherwise (a new service has nothing to go back to, and stopping it hides what failed).

use crate::engine_runner::{EngineRunner, engine_failure, health};
use crate::{NodeFailure, Recovery};
use portoser_engine::ServiceSpec;
use portoser_plan::{Action, Node};
use portoser_transport::Transport;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Policy {
    Rollback,
    Stop,
    Keep,
}

impl EngineRunner {
    /// What `on_failure` asks for after `spec` failed its gate, done; `failure` comes back
    /// with what happened as a note, and `recovery` set when it worked.
    pub(crate) async fn on_failure(
        &self,
        node: &Node,
        t: &Transport,
        spec: &ServiceSpec,
        failure: NodeFailure,
    ) -> NodeFailure {
        match self.policy(node, &spec.name) {
            Policy::Keep => failure,
            Policy::Stop => match self.engine(spec).stop(t, spec).await {
                Ok(()) => NodeFailure {
                    message: format!("{}: stopped (on_failure: stop)", failure.message),
                    ..failure
                }
                .with_note("on_failure: stop: the new instance was stopped")
                .recovered(Recovery::Stopped),
                Err(e) => failure.with_note(format!(
                    "on_failure: stop: stopping the new instance failed: {}",
                    engine_failure(e)
                )),
            },
            Policy::Rollback => self.roll_back(t, &spec.name, failure).await,
        }
    }

    fn policy(&self, node: &Node, name: &str) -> Policy {
        let update = node.action == Action::Update && self.applied.contains(name);
        let set = self.configs.get(name).and_then(|c| c.on_failure.as_deref());
        match set {
            Some("stop") => Policy::Stop,
            Some("keep") => Policy::Keep,
            // A new service has no previous version: rollback can only keep it.
            Some("rollback") | None if update => Policy::Rollback,
            _ => Policy::Keep,
        }
    }

    /// Deploys the recorded configuration again on the same host and waits for its health.
    async fn roll_back(&self, t: &Transport, name: &str, failure: NodeFailure) -> NodeFailure {
        let old = match self.old_specs.get(name) {
            Some(Ok(old)) if old.host == t.host() => old,
            Some(Ok(_)) | None => {
                return failure.with_note("rollback: no previous instance on this host");
            }
            Some(Err(why)) => {
                return failure.with_note(format!(
                    "rollback: the previous configuration cannot be built: {why}"
                ));
            }
        };
        if let Err(e) = self.engine(old).deploy(t, old).await {
            return failure.with_note(format!(
                "rollback: deploying the previous configuration failed: {}",
                engine_failure(e)
            ));
        }
        match health(t, old).await {
            Ok(out) => NodeFailure {
                message: format!("{}: rolled back", failure.message),
                ..failure
            }
            .with_note(format!(
                "rolled back: the previous configuration runs again ({})",
                out.message.unwrap_or_else(|| "deployed".into())
            ))
            .recovered(Recovery::RolledBack),
            Err(e) => failure.with_note(format!(
                "rollback: the previous configuration is not healthy either: {}",
                e.notes.join("; ")
            )),
        }
    }
}
