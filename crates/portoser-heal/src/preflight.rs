//! Preflight: a learned rule acts before the failure it learned happens again. Before a
//! service's deploy, each of its enabled learned rules is evaluated without a failure: the
//! clauses that only test the failure's kind (`when failure.kind == port_in_use`) are set
//! aside, and the rest must hold *on observed evidence* — at least one fact (a foreign
//! process on the port, a stopped docker daemon, an unhealthy dependency, a full disk, a
//! deploy directory that is not writable). Then the rule's actions run and the deploy goes
//! on; the health gate's timeout, which found the fault the first time, is never waited for.
//! A rule whose clauses need no fact never runs in preflight.

use crate::diagnose::{Diagnosis, Standing, standing};
use crate::facts::Facts;
use crate::observe::Observer;
use crate::rules::{Origin, Rule};
use crate::world::Failure;
use portoser_syntax::ast::{BinaryOp, Clause, ExprKind};

/// `failure.kind == X` (either way round).
fn is_kind_test(c: &Clause) -> bool {
    let Clause::When(e) = c else { return false };
    let ExprKind::Binary(BinaryOp::Eq, l, r) = &e.kind else {
        return false;
    };
    let is_kind = |x: &portoser_syntax::ast::Expr| {
        matches!(&x.kind, ExprKind::Field(base, f)
            if f.name == "kind" && matches!(&base.kind, ExprKind::Name(n) if n == "failure"))
    };
    is_kind(l) || is_kind(r)
}

/// The learned rule without its failure-kind tests (evidence decides, see the module docs).
fn without_kind_tests(rule: &Rule) -> Rule {
    Rule {
        clauses: rule
            .clauses
            .iter()
            .filter(|c| !is_kind_test(c))
            .cloned()
            .collect(),
        on: "any".into(),
        ..rule.clone()
    }
}

/// The first enabled learned rule of `service` that holds on evidence now.
pub async fn preflight(
    rules: &[Rule],
    service: &str,
    node: &str,
    observer: &Observer,
) -> Option<Diagnosis> {
    let failure = Failure {
        kind: "preflight".into(),
        message: String::new(),
        exit_status: None,
        step: node.to_string(),
        event: "deploy".into(),
    };
    let candidates = rules
        .iter()
        .filter(|r| r.origin == Origin::Learned && r.disabled.is_none())
        .map(without_kind_tests);
    for rule in candidates {
        let mut facts = Facts::default();
        // A rule has few clauses: each round decides one more fact.
        for _ in 0..8 {
            match standing(&rule, &observer.world, &failure, service, &facts) {
                Standing::Needs(call) => {
                    let v = observer.observe(&call).await;
                    facts.insert(call, v);
                }
                Standing::Matched(bindings) if !facts.is_empty() => {
                    return Some(Diagnosis {
                        rule: rule.name.clone(),
                        origin: Origin::Learned,
                        bindings,
                        facts: facts.iter().map(|(c, v)| (c.clone(), v.clone())).collect(),
                    });
                }
                _ => break,
            }
        }
    }
    None
}

/// The failure kind a learned rule was learned for: the first `failure.kind == X` in its
/// clauses (also inside `or`/`and`).
pub fn learned_kind(rule: &Rule) -> Option<String> {
    fn find(e: &portoser_syntax::ast::Expr) -> Option<String> {
        match &e.kind {
            ExprKind::Binary(BinaryOp::Eq, l, r) => {
                let c = Clause::When(e.clone());
                if !is_kind_test(&c) {
                    return None;
                }
                [l, r].into_iter().find_map(|x| match &x.kind {
                    ExprKind::Name(n) => Some(n.clone()),
                    _ => None,
                })
            }
            ExprKind::Binary(_, l, r) => find(l).or_else(|| find(r)),
            ExprKind::Paren(x) => find(x),
            _ => None,
        }
    }
    rule.clauses.iter().find_map(|c| match c {
        Clause::When(e) => find(e),
        Clause::Let(_) => None,
    })
}
