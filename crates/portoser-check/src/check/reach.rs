//! Rules that can never run: conditions that can never hold (E0318) and rules shadowed by
//! an identical earlier one (W0301). Both are syntactic, on purpose: cheap, predictable,
//! and they catch the mistakes people (and hand-edited learned rules) actually make.

use super::print;
use crate::builtins::AMBIENT;
use portoser_diag::{Diagnostic, Diagnostics, Span};
use portoser_syntax::ast::{self, BinaryOp, Clause, Expr, ExprKind, ItemKind, Literal, Rule};
use std::collections::HashMap;

/// Reports a rule whose `when` clauses contradict each other: a literal `false`, or one
/// expression required to equal two different constants (`x == a and x == b`).
pub(crate) fn unreachable(r: &Rule, lets: &[&str], diags: &mut Diagnostics) {
    let mut conjuncts = Vec::new();
    for clause in &r.clauses {
        if let Clause::When(e) = clause {
            flatten_and(e, &mut conjuncts);
        }
    }
    let mut required: HashMap<String, (String, Span)> = HashMap::new();
    for c in conjuncts {
        if matches!(c.kind, ExprKind::Literal(Literal::Bool(false))) {
            diags.push(
                Diagnostic::error("E0318", format!("rule `{}` can never match", r.name.name))
                    .at(c.span, "this is always false")
                    .with_help("remove the clause, or put `@disabled(\"why\")` on the rule to keep it without running it"),
            );
            continue;
        }
        let ExprKind::Binary(BinaryOp::Eq, l, rhs) = &c.kind else {
            continue;
        };
        let (subject, value) = match (is_constant(l, lets), is_constant(rhs, lets)) {
            (false, true) => (print::expr(l), print::expr(rhs)),
            (true, false) => (print::expr(rhs), print::expr(l)),
            _ => continue,
        };
        match required.get(&subject) {
            Some((earlier, at)) if *earlier != value => diags.push(
                Diagnostic::error("E0318", format!("rule `{}` can never match", r.name.name))
                    .at(c.span, format!("`{subject}` cannot also be `{value}`"))
                    .with_label(*at, format!("`{subject}` must be `{earlier}` here"))
                    .with_help("to match either, write one clause with `or`"),
            ),
            Some(_) => {}
            None => {
                required.insert(subject, (value, c.span));
            }
        }
    }
}

fn flatten_and<'a>(e: &'a Expr, out: &mut Vec<&'a Expr>) {
    match &e.kind {
        ExprKind::Binary(BinaryOp::And, l, r) => {
            flatten_and(l, out);
            flatten_and(r, out);
        }
        ExprKind::Paren(inner) => flatten_and(inner, out),
        _ => out.push(e),
    }
}

/// A literal, or a bare name that is not a variable: an enum variant, a service, a host.
fn is_constant(e: &Expr, lets: &[&str]) -> bool {
    match &e.kind {
        ExprKind::Literal(_) => true,
        ExprKind::Name(n) => !lets.contains(&n.as_str()) && !AMBIENT.iter().any(|a| a.name == n),
        ExprKind::Paren(inner) => is_constant(inner, lets),
        _ => false,
    }
}

/// Warns about a rule with the same event and conditions as an earlier one: the earlier
/// one always matches first, so the later one never runs.
pub(crate) fn shadowed(files: &[ast::File], diags: &mut Diagnostics) {
    let mut seen: HashMap<String, (&str, Span)> = HashMap::new();
    for item in files.iter().flat_map(|f| &f.items) {
        let ItemKind::Rule(r) = &item.kind else {
            continue;
        };
        if item.annotation("disabled").is_some() {
            continue;
        }
        let clauses: Vec<String> = r
            .clauses
            .iter()
            .map(|c| match c {
                Clause::When(e) => format!("when {}", print::expr(e)),
                Clause::Let(l) => format!("let {} = {}", l.name.name, print::expr(&l.value)),
            })
            .collect();
        let key = format!("on {} {}", r.on.name, clauses.join("; "));
        match seen.get(&key) {
            Some((first, at)) => diags.push(
                Diagnostic::warning("W0301", format!("rule `{}` never runs", r.name.name))
                    .at(r.name.span, "same event and conditions as an earlier rule")
                    .with_label(*at, format!("`{first}` matches first"))
                    .with_help("merge the two rules, or narrow this one's `when` clauses"),
            ),
            None => {
                seen.insert(key, (r.name.name.as_str(), r.name.span));
            }
        }
    }
}
