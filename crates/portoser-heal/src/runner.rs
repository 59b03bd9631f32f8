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

use crate::classify::classify;
use crate::diagnose::{Diagnosis, diagnose};
use crate::learn::fingerprint;
use crate::observe::Observer;
use crate::rules::{Origin, Rule};
use crate::solve::{ActionRun, Policy, Solver, Verdict};
use crate::world::Failure;
use portoser_exec::{CancelToken, NodeFailure, NodeOutput, NodeRunner};
use portoser_plan::{Node, NodeKind};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Clone, Debug)]
pub struct HealOptions {
    /// Heals per failing node in one run.
    pub max_attempts: u32,
    /// Failed heals of one (service, host) after which the breaker opens.
    pub breaker: u32,
}

impl Default for HealOptions {
    fn default() -> Self {
        HealOptions {
            max_attempts: 2,
            breaker: 3,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HealOutcome {
    /// The rule's actions ran and the node succeeded on retry.
    Fixed,
    /// The actions ran (or were refused) and the node still failed.
    Failed,
    /// No rule matched: nothing was done.
    NoRule,
    /// The rule said `fail(...)`: a person must act (the remedy is in the record).
    Remedy,
    /// The circuit breaker of the (service, host) is open.
    BreakerOpen,
}

impl HealOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            HealOutcome::Fixed => "fixed",
            HealOutcome::Failed => "failed",
            HealOutcome::NoRule => "no-rule",
            HealOutcome::Remedy => "remedy",
            HealOutcome::BreakerOpen => "breaker-open",
        }
    }
}

/// One heal: what failed, what was observed and decided, what ran, how it ended.
#[derive(Clone, Debug)]
pub struct HealRecord {
    pub node: String,
    pub service: String,
    pub host: String,
    pub event: String,
    pub kind: String,
    pub fingerprint: String,
    pub rule: Option<String>,
    pub origin: Option<Origin>,
    pub bindings: Vec<(String, String)>,
    pub facts: Vec<(String, String)>,
    pub actions: Vec<ActionRun>,
    pub outcome: HealOutcome,
    pub attempt: u32,
    pub remedy: Option<String>,
    /// Observe + diagnose.
    pub diagnose_took: Duration,
    /// Classify, diagnose, solve and the retry.
    pub took: Duration,
    /// True when a learned rule acted before the deploy, on evidence (no failure happened).
    pub preflight: bool,
}

/// A line for the progress output: `node`, the phase (`observe`, `diagnose`, `solve`,
/// `retry`, `give-up`) and what happened.
pub type PhaseSink = Arc<dyn Fn(&str, &str, &str) + Send + Sync>;

pub struct Healer {
    pub observer: Observer,
    pub rules: Vec<Rule>,
    pub policy: Policy,
    pub options: HealOptions,
    /// Failed heals per (service, host): from the state's last hour, plus this run's.
    failures: Mutex<HashMap<(String, String), u32>>,
    records: Mutex<Vec<HealRecord>>,
    sink: Option<PhaseSink>,
}

impl Healer {
    pub fn new(
        observer: Observer,
        rules: Vec<Rule>,
        policy: Policy,
        options: HealOptions,
    ) -> Healer {
        Healer {
            observer,
            rules,
            policy,
            options,
            failures: Mutex::new(HashMap::new()),
            records: Mutex::new(Vec::new()),
            sink: None,
        }
    }

    /// Failed heals recorded before this run (the breaker's memory across runs).
    pub fn with_recent_failures(
        self,
        recent: impl IntoIterator<Item = ((String, String), u32)>,
    ) -> Self {
        self.failures.lock().expect("lock").extend(recent);
        self
    }

    pub fn with_sink(mut self, sink: PhaseSink) -> Self {
        self.sink = Some(sink);
        self
    }

    pub fn records(&self) -> Vec<HealRecord> {
        self.records.lock().expect("lock").clone()
    }

    fn say(&self, node: &str, phase: &str, text: &str) {
        if let Some(sink) = &self.sink {
            sink(node, phase, text);
        }
    }

    fn breaker_open(&self, service: &str, host: &str) -> bool {
        let failures = self.failures.lock().expect("lock");
        failures
            .get(&(service.to_string(), host.to_string()))
            .copied()
            .unwrap_or(0)
            >= self.options.breaker
    }

    fn count_failure(&self, service: &str, host: &str) {
        *self
            .failures
            .lock()
            .expect("lock")
            .entry((service.to_string(), host.to_string()))
            .or_default() += 1;
    }

    /// Observe, diagnose and solve one failure. The record's outcome is provisional
    /// (`Failed` after a `retry`) until the caller knows how the retry went.
    pub async fn heal(
        &self,
        node: &str,
        event: &str,
        service: &str,
        host: &str,
        f: &NodeFailure,
        attempt: u32,
    ) -> (HealRecord, Verdict) {
        let t0 = Instant::now();
        let mut record = HealRecord {
            node: node.to_string(),
            service: service.to_string(),
            host: host.to_string(),
            event: event.to_string(),
            kind: f.kind.as_str().to_string(),
            fingerprint: String::new(),
            rule: None,
            origin: None,
            bindings: Vec::new(),
            facts: Vec::new(),
            actions: Vec::new(),
            outcome: HealOutcome::NoRule,
            attempt,
            remedy: None,
            diagnose_took: Duration::ZERO,
            took: Duration::ZERO,
            preflight: false,
        };
        if self.breaker_open(service, host) {
            record.outcome = HealOutcome::BreakerOpen;
            self.say(node, "give-up", &format!("circuit breaker open for `{service}` on `{host}` ({} failed heals): not healing", self.options.breaker));
            return (record, Verdict::Done);
        }
        record.kind = classify(f, service, &self.observer).await;
        self.say(
            node,
            "observe",
            &format!("failure classified as {}", record.kind),
        );
        let failure = Failure {
            kind: record.kind.clone(),
            message: f.message.clone(),
            exit_status: None,
            step: node.to_string(),
            event: event.to_string(),
        };
        let outcome = diagnose(
            &self.rules,
            &self.observer.world,
            &failure,
            service,
            &self.observer,
        )
        .await;
        record.diagnose_took = outcome.took;
        record.facts = outcome
            .diagnosis
            .as_ref()
            .map(|d| {
                d.facts
                    .iter()
                    .map(|(c, v)| (c.to_string(), v.to_string()))
                    .collect()
            })
            .unwrap_or_default();
        let Some(Diagnosis {
            rule,
            origin,
            bindings,
            ..
        }) = outcome.diagnosis
        else {
            let why = outcome
                .errors
                .iter()
                .map(|(r, e)| format!("{r}: {e}"))
                .collect::<Vec<_>>()
                .join("; ");
            self.say(
                node,
                "diagnose",
                &format!(
                    "no rule matches ({} facts observed){}",
                    outcome.observed,
                    if why.is_empty() {
                        String::new()
                    } else {
                        format!("; broken rules: {why}")
                    }
                ),
            );
            record.fingerprint = fingerprint(&record.kind, event, service, host, "");
            record.took = t0.elapsed();
            return (record, Verdict::Done);
        };
        let base = rule.split("__").next().unwrap_or(&rule).to_string();
        record.fingerprint = fingerprint(&record.kind, event, service, host, &base);
        record.bindings = bindings
            .iter()
            .map(|(n, v)| (n.clone(), v.to_string()))
            .collect();
        let shown: Vec<String> = record
            .bindings
            .iter()
            .map(|(n, v)| format!("{n} = {v}"))
            .chain(record.facts.iter().map(|(c, v)| format!("{c} = {v}")))
            .collect();
        self.say(
            node,
            "diagnose",
            &format!(
                "rule `{rule}` ({}) in {}ms: {}",
                origin.as_str(),
                outcome.took.as_millis(),
                if shown.is_empty() {
                    "failure kind matched".to_string()
                } else {
                    shown.join(", ")
                }
            ),
        );
        record.rule = Some(rule.clone());
        record.origin = Some(origin);
        let Some(matched) = self.rules.iter().find(|r| r.name == rule) else {
            return (record, Verdict::Done);
        };
        let mut solver = Solver::new(
            &self.observer,
            &self.policy,
            &failure,
            service,
            matched,
            bindings,
        );
        let verdict = solver.run().await;
        record.actions = solver.actions;
        for a in &record.actions {
            self.say(
                node,
                "solve",
                &format!(
                    "{} -> {} ({}ms)",
                    a.line,
                    if a.ok { a.detail.as_str() } else { "FAILED" },
                    a.took.as_millis()
                ),
            );
        }
        record.outcome = match &verdict {
            Verdict::Fail(msg) => {
                record.remedy = Some(msg.clone());
                self.say(node, "give-up", msg);
                HealOutcome::Remedy
            }
            _ => HealOutcome::Failed,
        };
        record.took = t0.elapsed();
        (record, verdict)
    }

    /// Before a deploy: a learned rule of the service that holds on evidence runs its
    /// actions now (see [`crate::preflight`]). The record says what it did.
    pub async fn preflight(&self, node: &str, service: &str, host: &str) -> Option<HealRecord> {
        let t0 = Instant::now();
        let d = crate::preflight::preflight(&self.rules, service, node, &self.observer).await?;
        let rule = self.rules.iter().find(|r| r.name == d.rule)?;
        let kind = crate::preflight::learned_kind(rule).unwrap_or_else(|| "unknown".into());
        let diagnose_took = t0.elapsed();
        let shown: Vec<String> = d.facts.iter().map(|(c, v)| format!("{c} = {v}")).collect();
        self.say(
            node,
            "preflight",
            &format!(
                "learned rule `{}` holds before the deploy: {}",
                rule.name,
                shown.join(", ")
            ),
        );
        let failure = Failure {
            kind: kind.clone(),
            message: String::new(),
            exit_status: None,
            step: node.to_string(),
            event: "deploy".into(),
        };
        let mut solver = Solver::new(
            &self.observer,
            &self.policy,
            &failure,
            service,
            rule,
            d.bindings.clone(),
        );
        let verdict = solver.run().await;
        for a in &solver.actions {
            self.say(
                node,
                "solve",
                &format!(
                    "{} -> {} ({}ms)",
                    a.line,
                    if a.ok { a.detail.as_str() } else { "FAILED" },
                    a.took.as_millis()
                ),
            );
        }
        let ok = !matches!(verdict, Verdict::Fail(_)) && solver.actions.iter().all(|a| a.ok);
        let base = rule
            .name
            .split("__")
            .next()
            .unwrap_or(&rule.name)
            .to_string();
        let record = HealRecord {
            node: node.to_string(),
            service: service.to_string(),
            host: host.to_string(),
            event: "deploy".into(),
            kind: kind.clone(),
            fingerprint: fingerprint(&kind, "deploy", service, host, &base),
            rule: Some(rule.name.clone()),
            origin: Some(Origin::Learned),
            bindings: d
                .bindings
                .iter()
                .map(|(n, v)| (n.clone(), v.to_string()))
                .collect(),
            facts: d
                .facts
                .iter()
                .map(|(c, v)| (c.to_string(), v.to_string()))
                .collect(),
            actions: solver.actions,
            outcome: if ok {
                HealOutcome::Fixed
            } else {
                HealOutcome::Failed
            },
            attempt: 0,
            remedy: None,
            diagnose_took,
            took: Duration::ZERO,
            preflight: true,
        };
        self.push(record.clone(), t0);
        Some(record)
    }

    fn push(&self, mut record: HealRecord, t0: Instant) {
        record.took = t0.elapsed();
        if record.outcome != HealOutcome::Fixed && record.rule.is_some() {
            self.count_failure(&record.service, &record.host);
        }
        self.records.lock().expect("lock").push(record);
    }
}

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
                    (Some(rule), None) => format!("healing: rule `{rule}` did not fix it"),
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
