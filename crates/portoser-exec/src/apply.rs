//! The entry point of a run: options, the no-op shortcut, and the call into the walk.

use crate::record::Recorder;
use crate::report::{NodeReport, Outcome, RunReport};
use crate::scheduler::Walk;
use crate::{CancelToken, Event, NodeRunner};
use portoser_plan::{Plan, ServiceConfig, now_rfc3339};
use portoser_state::{StateDb, StateError};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc::Sender;

#[derive(Clone, Debug)]
pub struct ApplyOptions {
    /// Nodes running at once on one host. Default 8: 50 services on 7 hosts all deploy at
    /// once where the graph allows.
    pub per_host_limit: usize,
    /// A node still running after this fails as timed out (engines have their own, shorter
    /// timeouts; this is the backstop).
    pub node_timeout: Duration,
    pub cancel: CancelToken,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        ApplyOptions {
            per_host_limit: 8,
            node_timeout: Duration::from_secs(30 * 60),
            cancel: CancelToken::new(),
        }
    }
}

/// Runs `plan` with `runner`, recording in `state` as it goes and sending events on `events`
/// (a closed receiver is fine). `configs` holds the desired configuration of every registry
/// service (`portoser_plan::service_config`): it is what gets recorded once a service is done.
///
/// A plan with nothing to do returns at once: no node runs, nothing is written (not even a
/// run in the history). `Err` only when the run cannot be opened in the state at all; every
/// later state error is in `RunReport::state_errors`.
pub async fn apply<R: NodeRunner>(
    plan: &Plan,
    configs: &BTreeMap<String, ServiceConfig>,
    runner: Arc<R>,
    state: &mut StateDb,
    options: &ApplyOptions,
    events: &Sender<Event>,
) -> Result<RunReport, StateError> {
    let started_at = now_rfc3339();
    if !plan.has_changes() {
        return Ok(nothing_to_do(plan, started_at));
    }
    let recorder = Recorder::begin(plan, configs, state, &started_at)?;
    let mut walk = Walk::new(plan, runner, options, events, recorder);
    walk.run().await;
    Ok(walk.finish(started_at))
}

fn nothing_to_do(plan: &Plan, at: String) -> RunReport {
    RunReport {
        run_id: None,
        started_at: at.clone(),
        finished_at: at,
        duration: Duration::ZERO,
        nodes: plan
            .nodes
            .iter()
            .map(|n| report_node(n, Outcome::Unchanged, None, None))
            .collect(),
        state_changes: Vec::new(),
        state_errors: Vec::new(),
        cancelled: false,
    }
}

pub(crate) fn report_node(
    node: &portoser_plan::Node,
    outcome: Outcome,
    started: Option<Duration>,
    duration: Option<Duration>,
) -> NodeReport {
    NodeReport {
        id: node.id.clone(),
        service: node.service.clone(),
        host: node.host.clone(),
        kind: node.kind,
        depends_on: node.depends_on.clone(),
        outcome,
        started,
        duration,
    }
}
