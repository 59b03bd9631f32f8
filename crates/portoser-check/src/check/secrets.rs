//! `secret(SERVICE, "NAME")` must name a secret the service declares in the registry
//! (E0350). Otherwise the deploy would only fail at run time, when Vault is asked for a
//! variable the service never mapped to a `path#key`.
//!
//! Reported only when both are known at check time: the service is a registry service
//! written by name (or a hook's `service`) and the name is a string literal. A variable, a
//! rule's `service` or an engine's `service` may stand for several services: not reported.

use super::body::Body;
use crate::builtins::IN_HOOK;
use portoser_diag::{Diagnostic, did_you_mean};
use portoser_registry::Service;
use portoser_syntax::ast::{Arg, Expr, ExprKind, Literal};

/// At most this many declared names are listed in the note (a service with 40 secrets
/// should not bury the message).
const LISTED: usize = 8;

impl<'r> Body<'_, 'r> {
    /// `slots` are the arguments of a `secret` call in parameter order: service, name.
    pub fn declared_secret(&mut self, slots: &[Option<&Arg>]) {
        let (Some(Some(service)), Some(Some(name))) = (slots.first(), slots.get(1)) else {
            return;
        };
        let Some(svc) = self.static_service(&service.value) else {
            return;
        };
        let Some((wanted, at)) = literal_str(&name.value) else {
            return;
        };
        let declared: Vec<&str> = svc.secrets.iter().map(|(v, _)| v.value.as_str()).collect();
        if declared.contains(&wanted) {
            return;
        }
        let s = svc.name.value.as_str();
        let d = Diagnostic::error("E0350", format!("`{s}` declares no secret `{wanted}`"));
        let d = if declared.is_empty() {
            d.at(at.span, format!("`{s}` has no `secrets:` in the registry"))
                .with_help(format!(
                    "add `secrets: {{{wanted}: path#key}}` to `{s}` in registry.yml, or import its .env with `portoser vault migrate {s}`"
                ))
        } else {
            let suggestion = did_you_mean(wanted, declared.iter().copied());
            let d = d
                .at(at.span, format!("not among `{s}`'s `secrets:`"))
                .with_note(format!("`{s}` declares: {}", listing(&declared)));
            match suggestion {
                Some(_) => d.with_suggestion(suggestion),
                None => d.with_help(format!(
                    "add `{wanted}: path#key` to the `secrets:` of `{s}` in registry.yml"
                )),
            }
        };
        self.report(d);
    }

    /// The one registry service `e` stands for, when that is known at check time.
    fn static_service(&self, e: &Expr) -> Option<&'r Service> {
        match &e.kind {
            ExprKind::Paren(inner) => self.static_service(inner),
            // A variable (a parameter, a `let`, a loop variable) may be any service.
            ExprKind::Name(n) if self.is_bound(n) => None,
            // A hook's `service` is its one service; a rule's or an engine's is any service.
            ExprKind::Name(n) if self.ambient(n).is_some() => match (n.as_str(), self.place) {
                ("service", IN_HOOK) => {
                    let hook = self.hook_service.as_deref()?;
                    self.cx.services.get(hook).copied()
                }
                _ => None,
            },
            ExprKind::Name(n) => self.cx.services.get(n.as_str()).copied(),
            _ => None,
        }
    }
}

/// The text of a string literal (through parentheses) and the literal itself.
fn literal_str(e: &Expr) -> Option<(&str, &Expr)> {
    match &e.kind {
        ExprKind::Paren(inner) => literal_str(inner),
        ExprKind::Literal(Literal::Str(s)) => Some((s.as_str(), e)),
        _ => None,
    }
}

fn listing(names: &[&str]) -> String {
    let shown: Vec<String> = names
        .iter()
        .take(LISTED)
        .map(|n| format!("`{n}`"))
        .collect();
    match names.len().saturating_sub(LISTED) {
        0 => shown.join(", "),
        more => format!("{} and {more} more", shown.join(", ")),
    }
}
