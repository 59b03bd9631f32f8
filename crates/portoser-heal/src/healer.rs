//! The [`Healer`]: one failure → classify, observe + diagnose, solve; the preflight of a
//! learned rule; the bounds (attempts, circuit breaker per (service, host)) and the records
//! of every heal. [`crate::runner::Healing`] calls it from inside `apply`; the CLI's
//! `heal SERVICE` calls it directly.

use crate::classify::classify;
use crate::diagnose::{Diagnosis, diagnose};
use crate::learn::fingerprint;
use crate::observe::Observer;
use crate::rules::{Origin, Rule};
use crate::solve::{ActionRun, Policy, Solver, Verdict};
use crate::world::Failure;
use portoser_exec::NodeFailure;
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

impl HealOptions {
    /// The project's bounds: the registry's `defaults.heal_attempts` and
    /// `defaults.heal_breaker`, each falling back to the built-in default when unset.
    pub fn from_registry(defaults: &portoser_registry::Defaults) -> HealOptions {
        let builtin = HealOptions::default();
        HealOptions {
            max_attempts: defaults
                .heal_attempts
                .as_ref()
                .map_or(builtin.max_attempts, |n| n.value),
            breaker: defaults
                .heal_breaker
                .as_ref()
                .map_or(builtin.breaker, |n| n.value),
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

    pub(crate) fn say(&self, node: &str, phase: &str, text: &str) {
        if let Some(sink) = &self.sink {
            sink(node, phase, text);
        }
    }

    /// One `solve` line per action run: what it was, what it did (or that it failed), how long.
    fn say_actions(&self, node: &str, actions: &[ActionRun]) {
        for a in actions {
            let result = if a.ok { a.detail.as_str() } else { "FAILED" };
            let line = format!("{} -> {result} ({}ms)", a.line, a.took.as_millis());
            self.say(node, "solve", &line);
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
            exit_status: exit_status(&f.message),
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
        self.say_actions(node, &record.actions);
        record.outcome = match &verdict {
            Verdict::Fail(msg) => {
                record.remedy = Some(msg.clone());
                self.say(node, "give-up", msg);
                HealOutcome::Remedy
            }
            Verdict::Broken(why) => {
                self.say(node, "give-up", why);
                HealOutcome::Failed
            }
            _ => HealOutcome::Failed,
        };
        record.took = t0.elapsed();
        (record, verdict)
    }

    /// Before a deploy: a learned rule of the service that holds on evidence runs its
    /// actions now (see [`crate::preflight`]). The record says what it did.
    pub async fn preflight(&self, node: &str, service: &str, host: &str) -> Option<HealRecord> {
        if self.breaker_open(service, host) {
            return None;
        }
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
        self.say_actions(node, &solver.actions);
        let ok = !matches!(verdict, Verdict::Fail(_) | Verdict::Broken(_))
            && solver.actions.iter().all(|a| a.ok);
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

    pub(crate) fn push(&self, mut record: HealRecord, t0: Instant) {
        record.took = t0.elapsed();
        // Only actions that ran and did not fix count: a remedy for a person (an SSH login
        // refused) is not a failed heal, and must keep being shown.
        if record.outcome == HealOutcome::Failed && record.rule.is_some() {
            self.count_failure(&record.service, &record.host);
        }
        self.records.lock().expect("lock").push(record);
    }
}

/// `(exit 3)` in a failure's message (how the executor reports a command's status).
fn exit_status(message: &str) -> Option<i64> {
    crate::observe::number_after(message, "(exit ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn exit_status_is_read_from_the_message() {
        assert_eq!(
            super::exit_status("`uv sync` failed on `h1` (exit 3)"),
            Some(3)
        );
        assert_eq!(
            super::exit_status("`x` failed on `h1` (exit a signal)"),
            None
        );
    }
}
