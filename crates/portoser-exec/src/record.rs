//! Writes the truth to the state as the run goes: a service is recorded as `deployed` as soon
//! as its deploy node succeeded (something of it runs there now, whatever follows), upgraded
//! to `applied` only when every node that belongs to it succeeded, removed only when its
//! removal succeeded; a service whose deploy never ran keeps its record. The run's events are
//! appended in small batches so a killed run leaves its history up to there.

use crate::Recovery;
use crate::report::StateChange;
use crate::{Event, EventKind};
use portoser_plan::{
    Action, AppliedService, AppliedStatus, NodeKind, Plan, ServiceConfig, config_hash, now_rfc3339,
};
use portoser_state::{
    PlannedNode, PlannedService, Recovered, RunEvent, RunOrigin, StateDb, StateError, TimedEvent,
    user_at_host,
};
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;
use tokio::time::Instant;

/// How often buffered events are written while nodes finish: one transaction (one fsync)
/// per event would cost more than most nodes.
const FLUSH_EVERY: Duration = Duration::from_millis(250);

struct Progress {
    action: Action,
    /// Nodes still to succeed before the service can be recorded.
    remaining: usize,
    broken: bool,
    /// The host of the old instance a migration stops (until its stop-old succeeded).
    stale_host: Option<String>,
    /// Its deploy node succeeded in this run.
    deployed: bool,
}

pub(crate) struct Recorder<'a> {
    state: &'a mut StateDb,
    configs: &'a BTreeMap<String, ServiceConfig>,
    run_id: i64,
    buffer: Vec<TimedEvent>,
    last_flush: Instant,
    t0: Instant,
    services: HashMap<String, Progress>,
    /// Per node index: the services whose recording waits for it.
    owners: Vec<Vec<String>>,
    kinds: Vec<NodeKind>,
    /// What the state held before the run: a rolled-back service is recorded as it was.
    previous: BTreeMap<String, AppliedService>,
    pub changes: Vec<StateChange>,
    pub errors: Vec<String>,
}

impl<'a> Recorder<'a> {
    pub fn begin(
        plan: &Plan,
        configs: &'a BTreeMap<String, ServiceConfig>,
        state: &'a mut StateDb,
        started_at: &str,
    ) -> Result<Recorder<'a>, StateError> {
        let origin = RunOrigin {
            who: user_at_host(),
            plan_hash: plan.inputs_hash.clone(),
        };
        let (nodes, planned) = planned(plan);
        let previous = state.recorded()?.services;
        let run_id = state.begin_run_for(started_at, &origin, &nodes, &planned)?;
        let (services, owners) = ownership(plan, configs);
        Ok(Recorder {
            state,
            configs,
            run_id,
            buffer: Vec::new(),
            last_flush: Instant::now(),
            t0: Instant::now(),
            services,
            owners,
            kinds: plan.nodes.iter().map(|n| n.kind).collect(),
            previous,
            changes: Vec::new(),
            errors: Vec::new(),
        })
    }

    pub fn run_id(&self) -> i64 {
        self.run_id
    }

    pub fn event(&mut self, event: &Event) {
        let duration = match &event.kind {
            EventKind::Succeeded { duration, .. } | EventKind::Failed { duration, .. } => {
                Some(millis(*duration))
            }
            _ => None,
        };
        self.buffer.push(TimedEvent {
            event: RunEvent {
                node_id: event.node.clone(),
                event: event.kind.as_str().to_string(),
                at: event.at.clone(),
                message: event.kind.message(),
            },
            elapsed_ms: Some(millis(event.elapsed)),
            duration_ms: duration,
        });
    }

    /// Called once per node that ran or was decided (skipped, cancelled, failed).
    pub fn node_done(&mut self, index: usize, succeeded: bool) {
        let owners = self.owners.get(index).cloned().unwrap_or_default();
        let kind = self.kinds.get(index).copied();
        for service in owners {
            let Some(p) = self.services.get_mut(&service) else {
                continue;
            };
            if !succeeded {
                p.broken = true;
                continue;
            }
            p.remaining = p.remaining.saturating_sub(1);
            match kind {
                Some(NodeKind::Deploy) => p.deployed = true,
                // A migration's old instance is gone (a replacement's stops before deploy).
                Some(NodeKind::StopOld) if p.deployed => p.stale_host = None,
                _ => {}
            }
            let action = p.action;
            let status = if p.remaining == 0 && !p.broken {
                AppliedStatus::Applied
            } else if p.deployed
                && action != Action::Delete
                && matches!(kind, Some(NodeKind::Deploy | NodeKind::StopOld))
            {
                // Deploy ran: the state must know it runs there, even if its gate fails.
                AppliedStatus::Deployed
            } else {
                continue;
            };
            let stale = p.stale_host.clone();
            self.record(&service, action, status, stale);
        }
        if self.last_flush.elapsed() >= FLUSH_EVERY {
            self.flush();
        }
    }

    /// The runner recovered from node `index`'s failure (`on_failure`): a rollback records
    /// the service as it was before the run (the old version runs, `applied`); a stop
    /// forgets it (nothing of it runs).
    pub fn recovered(&mut self, index: usize, recovery: Recovery) {
        let owners = self.owners.get(index).cloned().unwrap_or_default();
        for service in owners {
            if let Some(p) = self.services.get_mut(&service) {
                p.broken = true;
            }
            self.flush();
            let run_id = self.run_id;
            let (word, result) = match recovery {
                Recovery::RolledBack => match self.previous.get(&service) {
                    Some(old) => {
                        let applied = AppliedService {
                            applied_at: now_rfc3339(),
                            status: AppliedStatus::Applied,
                            previous_host: None,
                            ..old.clone()
                        };
                        let r = self.state.record_recovered_in_run(
                            run_id,
                            &service,
                            Recovered::RolledBack(&applied),
                        );
                        let change = |serial| StateChange::Applied {
                            service: service.clone(),
                            serial,
                        };
                        ("rolled-back", r.map(change))
                    }
                    None => continue,
                },
                Recovery::Stopped => {
                    let at = now_rfc3339();
                    let r = self.state.record_recovered_in_run(
                        run_id,
                        &service,
                        Recovered::Stopped { at: &at },
                    );
                    let change = |serial| StateChange::Removed {
                        service: service.clone(),
                        serial,
                    };
                    ("stopped", r.map(change))
                }
            };
            self.note(&service, word, result);
        }
    }

    /// Keeps the report's state changes and the history's record event of one write.
    fn note(&mut self, service: &str, word: &str, result: Result<StateChange, StateError>) {
        let message = match result {
            Ok(change) => {
                let serial = match &change {
                    StateChange::Applied { serial, .. }
                    | StateChange::Deployed { serial, .. }
                    | StateChange::Removed { serial, .. } => *serial,
                };
                self.changes.retain(|c| c.service() != service);
                self.changes.push(change);
                format!("state serial {serial}")
            }
            Err(e) => {
                let message = format!("`{service}` could not be recorded: {e}");
                self.errors.push(message.clone());
                message
            }
        };
        self.buffer.push(TimedEvent {
            event: RunEvent {
                node_id: service.to_string(),
                event: word.to_string(),
                at: now_rfc3339(),
                message,
            },
            elapsed_ms: Some(millis(self.t0.elapsed())),
            duration_ms: None,
        });
    }

    fn record(
        &mut self,
        service: &str,
        action: Action,
        status: AppliedStatus,
        stale_host: Option<String>,
    ) {
        // The events that led here go first, so the history never trails the state.
        self.flush();
        let result = if action == Action::Delete {
            let run_id = self.run_id;
            self.state
                .record_removed_in_run(run_id, service, &now_rfc3339())
                .map(|serial| StateChange::Removed {
                    service: service.to_string(),
                    serial,
                })
        } else if let Some(config) = self.configs.get(service) {
            let applied = AppliedService {
                host: config.host.clone(),
                engine: config.engine.clone(),
                config_hash: config_hash(config),
                config: config.clone(),
                applied_at: now_rfc3339(),
                status,
                previous_host: match status {
                    AppliedStatus::Deployed => stale_host,
                    AppliedStatus::Applied => None,
                },
            };
            self.state
                .record_applied_in_run(self.run_id, service, &applied)
                .map(|serial| match status {
                    AppliedStatus::Applied => StateChange::Applied {
                        service: service.to_string(),
                        serial,
                    },
                    AppliedStatus::Deployed => StateChange::Deployed {
                        service: service.to_string(),
                        serial,
                    },
                })
        } else {
            Err(StateError::Db(format!(
                "no configuration for `{service}` was given to apply, so it cannot be recorded"
            )))
        };
        let (event, message) = match result {
            Ok(change) => {
                let (word, serial) = match &change {
                    StateChange::Applied { serial, .. } => ("recorded", *serial),
                    StateChange::Deployed { serial, .. } => ("recorded-deployed", *serial),
                    StateChange::Removed { serial, .. } => ("forgotten", *serial),
                };
                // The report says where each service ended: `deployed` then `applied` is one.
                self.changes.retain(|c| c.service() != service);
                self.changes.push(change);
                (word, format!("state serial {serial}"))
            }
            Err(e) => {
                let message = format!("`{service}` could not be recorded: {e}");
                self.errors.push(message.clone());
                ("record-failed", message)
            }
        };
        let elapsed = millis(self.t0.elapsed());
        self.buffer.push(TimedEvent {
            event: RunEvent {
                node_id: service.to_string(),
                event: event.to_string(),
                at: now_rfc3339(),
                message,
            },
            elapsed_ms: Some(elapsed),
            duration_ms: None,
        });
    }

    pub fn flush(&mut self) {
        self.last_flush = Instant::now();
        if self.buffer.is_empty() {
            return;
        }
        let batch = std::mem::take(&mut self.buffer);
        if let Err(e) = self.state.append_timed_events(self.run_id, &batch) {
            self.errors
                .push(format!("the run history could not be written: {e}"));
        }
    }

    pub fn finish(mut self, finished_at: &str, outcome: &str) -> (Vec<StateChange>, Vec<String>) {
        self.flush();
        let took = millis(self.t0.elapsed());
        let closed = self
            .state
            .finish_run_timed(self.run_id, finished_at, outcome, took);
        if let Err(e) = closed {
            self.errors
                .push(format!("the run could not be closed in the history: {e}"));
        }
        (self.changes, self.errors)
    }
}

/// Which nodes each service's recording waits for: its own non-no-op nodes, and the Caddy
/// reload when it routes a hostname (its route is part of what is recorded).
fn ownership(
    plan: &Plan,
    configs: &BTreeMap<String, ServiceConfig>,
) -> (HashMap<String, Progress>, Vec<Vec<String>>) {
    let mut services: HashMap<String, Progress> = HashMap::new();
    let mut owners = vec![Vec::new(); plan.nodes.len()];
    for (i, node) in plan.nodes.iter().enumerate() {
        let Some(service) = &node.service else {
            continue;
        };
        if node.action == Action::NoOp {
            continue;
        }
        let p = services.entry(service.clone()).or_insert_with(|| Progress {
            action: node.action,
            remaining: 0,
            broken: false,
            stale_host: plan
                .changes
                .iter()
                .find(|c| c.service == *service && c.action == Action::Migrate)
                .and_then(|c| c.previous_host.clone()),
            deployed: false,
        });
        p.remaining += 1;
        owners[i].push(service.clone());
    }
    for (i, node) in plan.nodes.iter().enumerate() {
        if node.kind != NodeKind::Caddy || node.action == Action::NoOp {
            continue;
        }
        for (name, p) in services.iter_mut() {
            let routed = configs.get(name).is_some_and(|c| c.hostname.is_some());
            if routed && p.action != Action::Delete {
                p.remaining += 1;
                owners[i].push(name.clone());
            }
        }
    }
    (services, owners)
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// The plan's nodes and the services it changes, as the history keeps them.
fn planned(plan: &Plan) -> (Vec<PlannedNode>, Vec<PlannedService>) {
    let nodes = plan
        .nodes
        .iter()
        .map(|n| PlannedNode {
            node_id: n.id.clone(),
            service: n.service.clone(),
            host: n.host.clone(),
            kind: n.kind.as_str().to_string(),
            action: n.action.as_str().to_string(),
            depends_on: n.depends_on.clone(),
        })
        .collect();
    let services = plan
        .changes
        .iter()
        .filter(|c| c.action != Action::NoOp)
        .map(|c| PlannedService {
            service: c.service.clone(),
            action: c.action.as_str().to_string(),
            reasons: c.reasons.clone(),
        })
        .collect();
    (nodes, services)
}
