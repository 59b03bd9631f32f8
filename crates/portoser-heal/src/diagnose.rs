//! Diagnose: the first rule (in the loop's order) whose clauses hold for this failure. Facts
//! are observed only when a rule still standing needs them, each once, all the needs of one
//! round in parallel. Learned rules get a round of their own first: when one matches, the
//! generic rules are never evaluated (and their facts never observed).

use crate::eval::{Scope, Stop};
use crate::facts::{FactCall, Facts};
use crate::observe::Observer;
use crate::rules::{Origin, Rule};
use crate::value::Value;
use crate::world::{Failure, World};
use portoser_syntax::ast::Clause;
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

/// A rule that matched, with what made it match.
#[derive(Clone, Debug)]
pub struct Diagnosis {
    pub rule: String,
    pub origin: Origin,
    /// The `let` bindings of its clauses (`owner = pid 812 (python3, ...)`).
    pub bindings: Vec<(String, Value)>,
    /// Every fact observed during diagnosis, with its value.
    pub facts: Vec<(FactCall, Value)>,
}

/// What a diagnosis did, matched or not.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub diagnosis: Option<Diagnosis>,
    /// Rules that could not be evaluated, and why.
    pub errors: Vec<(String, String)>,
    pub observed: usize,
    pub took: Duration,
    /// True when a learned rule matched in the first round.
    pub learned_round: bool,
}

/// How one rule stands against the facts so far.
pub enum Standing {
    Matched(Vec<(String, Value)>),
    NoMatch,
    Needs(FactCall),
    Broken(String),
}

pub fn standing(
    rule: &Rule,
    world: &World,
    failure: &Failure,
    service: &str,
    facts: &Facts,
) -> Standing {
    if rule.on != "any" && rule.on != failure.event {
        return Standing::NoMatch;
    }
    let mut scope = Scope {
        world,
        failure,
        service,
        facts,
        vars: Vec::new(),
    };
    for clause in &rule.clauses {
        let result = match clause {
            Clause::When(e) => scope.eval(e).map(|v| (None, v)),
            Clause::Let(l) => scope.eval(&l.value).map(|v| (Some(l.name.name.clone()), v)),
        };
        match result {
            Err(Stop::Need(call)) => return Standing::Needs(call),
            Err(Stop::Error(e)) => return Standing::Broken(e),
            Ok((None, v)) if !v.truthy() => return Standing::NoMatch,
            Ok((None, _)) => {}
            // A `let` binds only a present value; absent means the rule does not apply.
            Ok((Some(_), Value::Absent)) => return Standing::NoMatch,
            Ok((Some(name), v)) => scope.bind(&name, v),
        }
    }
    Standing::Matched(scope.vars)
}

/// Runs the rounds: evaluate the standing rules, observe what they need, again.
pub async fn diagnose(
    rules: &[Rule],
    world: &World,
    failure: &Failure,
    service: &str,
    observer: &Observer,
) -> Outcome {
    let t0 = Instant::now();
    let mut facts = Facts::default();
    let mut errors = Vec::new();
    let enabled: Vec<&Rule> = rules.iter().filter(|r| r.disabled.is_none()).collect();
    let (learned, generic): (Vec<&Rule>, Vec<&Rule>) = enabled
        .into_iter()
        .partition(|r| r.origin == Origin::Learned);
    for (phase, group) in [(true, learned), (false, generic)] {
        if let Some(d) = rounds(
            &group,
            world,
            failure,
            service,
            observer,
            &mut facts,
            &mut errors,
        )
        .await
        {
            return Outcome {
                diagnosis: Some(d),
                errors,
                observed: facts.len(),
                took: t0.elapsed(),
                learned_round: phase,
            };
        }
    }
    Outcome {
        diagnosis: None,
        errors,
        observed: facts.len(),
        took: t0.elapsed(),
        learned_round: false,
    }
}

async fn rounds(
    rules: &[&Rule],
    world: &World,
    failure: &Failure,
    service: &str,
    observer: &Observer,
    facts: &mut Facts,
    errors: &mut Vec<(String, String)>,
) -> Option<Diagnosis> {
    // Each round decides at least one more fact; a rule has few clauses, so this bounds it.
    for _ in 0..16 {
        let mut needs = BTreeSet::new();
        let mut undecided_before = false;
        for rule in rules {
            match standing(rule, world, failure, service, facts) {
                Standing::Matched(bindings) if !undecided_before => {
                    return Some(Diagnosis {
                        rule: rule.name.clone(),
                        origin: rule.origin,
                        bindings,
                        facts: facts.iter().map(|(c, v)| (c.clone(), v.clone())).collect(),
                    });
                }
                Standing::Matched(_) | Standing::NoMatch => {}
                Standing::Needs(call) => {
                    needs.insert(call);
                    undecided_before = true;
                }
                Standing::Broken(e) => {
                    if !errors.iter().any(|(r, _)| r == &rule.name) {
                        errors.push((rule.name.clone(), e));
                    }
                }
            }
        }
        if needs.is_empty() {
            return None;
        }
        let observed = futures::future::join_all(needs.iter().map(|c| observer.observe(c))).await;
        for (call, value) in needs.into_iter().zip(observed) {
            facts.insert(call, value);
        }
    }
    None
}
