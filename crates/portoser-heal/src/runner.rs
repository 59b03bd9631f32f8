//! The loop inside `apply`: [`Healing`] wraps the node runner. When a node fails, the
//! [`Healer`] classifies the failure, diagnoses it with the rules, runs the matched rule's
//! actions and — when the rule says `retry` — runs the node again (a health gate: its deploy
//! first, so the service starts clean). Bounded: at most `max_attempts` heals per node, and a
//! circuit breaker per (service, host) that opens after `breaker` failed heals (counted in
//! this run plus the last hour of the state's heal history).
//!
//! Heal and rollback: heal first, roll back only when healing gives up. The node runs
//! without its `on_failure` recovery (`run_unrecovered`); when no rule matches, a rule gives
//! up, or the attempts are spent, `recover` runs the service's `on_failure` (rollback, stop
//! or keep) on the standing failure. With `--no-auto-heal` the node runs as before.

use crate::healer::{HealOutcome, Healer};
use crate::solve::Verdict;
use portoser_exec::{CancelToken, NodeFailure, NodeOutput, NodeRunner};
use portoser_plan::{Node, NodeKind};
use std::sync::Arc;
use std::time::Instant;

/// A node runner that heals: see the module docs.
pub struct Healing<R> {
    inner: Arc<R>,
    healer: Arc<Healer>,
}

impl<R> Healing<R> {
    pub fn new(inner: Arc<R>, healer: Arc<Healer>) -> Self {
        Healing { inner, healer }
    }
}

/// The lifecycle event of a node kind (`on EVENT failed`).
pub fn event_of(kind: NodeKind) -> &'static str {
    match kind {
        NodeKind::Sync => "sync",
        NodeKind::Install => "install",
        NodeKind::Health => "health",
        NodeKind::StopOld | NodeKind::Remove => "stop",
        _ => "deploy",
    }
}

impl<R: NodeRunner> NodeRunner for Healing<R> {
    async fn run(&self, node: &Node, cancel: &CancelToken) -> Result<NodeOutput, NodeFailure> {
        let Some(service) = node.service.clone() else {
            return self.inner.run(node, cancel).await;
        };
        if self.healer.options.max_attempts == 0 {
            return self.inner.run(node, cancel).await;
        }
        let h = &self.healer;
        let mut healed: Vec<String> = Vec::new();
        if node.kind == NodeKind::Deploy
            && let Some(r) = h.preflight(&node.id, &service, &node.host).await
        {
            healed.push(format!(
                "learned rule `{}` acted before the deploy ({})",
                r.rule.clone().unwrap_or_default(),
                r.outcome.as_str()
            ));
        }
        let mut result = self.inner.run_unrecovered(node, cancel).await;
        let mut attempt = 0;
        while let Err(f) = &result {
            // A recovered node (rolled back / stopped) is left alone; see the module docs.
            if f.recovery.is_some() || attempt >= h.options.max_attempts || cancel.is_stopping() {
                break;
            }
            attempt += 1;
            let t0 = Instant::now();
            let event = event_of(node.kind);
            let (mut record, verdict) = h
                .heal(&node.id, event, &service, &node.host, f, attempt)
                .await;
            if verdict != Verdict::Retry || record.actions.iter().any(|a| !a.ok) {
                let note = match (&record.rule, &record.remedy) {
                    (_, Some(remedy)) => format!("healing: {remedy}"),
                    (Some(rule), None) => match record.actions.iter().find(|a| !a.ok) {
                        Some(a) => {
                            format!("healing: rule `{rule}`: {} failed: {}", a.line, a.detail)
                        }
                        None => format!("healing: rule `{rule}` did not fix it"),
                    },
                    (None, None) if record.outcome == HealOutcome::BreakerOpen => {
                        "healing: circuit breaker open".to_string()
                    }
                    (None, None) => "healing: no rule matched this failure".to_string(),
                };
                let failure = f.clone().with_note(note);
                h.push(record, t0);
                // Healing gave up: now the node's own recovery (`on_failure`) runs.
                return Err(self.inner.recover(node, failure).await);
            }
            h.say(
                &node.id,
                "retry",
                &format!("attempt {attempt} of {}", h.options.max_attempts),
            );
            if node.kind == NodeKind::Health {
                // A health gate is retried from its deploy: the service starts clean.
                let deploy = Node {
                    kind: NodeKind::Deploy,
                    ..node.clone()
                };
                if let Err(e) = self.inner.run_unrecovered(&deploy, cancel).await {
                    result = Err(e);
                    h.push(record, t0);
                    continue;
                }
            }
            result = self.inner.run_unrecovered(node, cancel).await;
            if result.is_ok() {
                record.outcome = HealOutcome::Fixed;
                healed.push(format!(
                    "healed by `{}` in {:.1}s",
                    record.rule.clone().unwrap_or_default(),
                    t0.elapsed().as_secs_f64()
                ));
            }
            h.push(record, t0);
        }
        match result {
            // Attempts exhausted (or cancelled) with the failure standing: recover now.
            Err(f) if f.recovery.is_none() => {
                let f = if attempt > 0 {
                    f.with_note(format!(
                        "healing: gave up after {attempt} attempt(s) (at most {} per node)",
                        h.options.max_attempts
                    ))
                } else {
                    f
                };
                Err(self.inner.recover(node, f).await)
            }
            Ok(mut out) if !healed.is_empty() => {
                let mut message = healed.join("; ");
                if let Some(m) = out.message.take() {
                    message = format!("{m}; {message}");
                }
                out.message = Some(message);
                Ok(out)
            }
            other => other,
        }
    }
}
