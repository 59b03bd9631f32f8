//! Typing of expressions. Each function returns the expression's type, or [`Ty::Unknown`]
//! after reporting, so one mistake produces one diagnostic.

use super::body::Body;
use crate::builtins::{self, ACTIONS, FACTS};
use crate::types::{Ty, assignable, comparable, this_is};
use portoser_diag::{Diagnostic, Span, did_you_mean};
use portoser_syntax::ast::{BinaryOp, Expr, ExprKind, Ident, Literal, UnaryOp};

impl Body<'_, '_> {
    /// The type of `e`; `expected` only steers how a bare enum variant resolves.
    pub fn expr(&mut self, e: &Expr, expected: Option<&Ty>) -> Ty {
        match &e.kind {
            ExprKind::Literal(lit) => literal_ty(lit),
            ExprKind::Name(n) => self.name(n, e.span, expected),
            ExprKind::Field(base, field) => self.field(base, field),
            ExprKind::Call(call) => self.value_call(call, e.span),
            ExprKind::List(items) => self.list(items, expected),
            ExprKind::Paren(inner) => self.expr(inner, expected),
            ExprKind::Unary(op, inner) => self.unary(*op, inner, e.span),
            ExprKind::Binary(op, l, r) => self.binary(*op, l, r, e.span),
        }
    }

    /// Checks that `e` has type `expected` (reporting E0307 or, for a secret, E0313).
    pub fn expect(&mut self, e: &Expr, expected: &Ty, what: &str) -> Ty {
        let found = self.expr(e, Some(expected));
        if assignable(expected, &found) {
            return found;
        }
        if found.contains_secret() && !expected.contains_secret() {
            self.reveal(e.span, what);
            return Ty::Unknown;
        }
        let mut d = Diagnostic::error(
            "E0307",
            format!("{what} must be `{expected}`, not `{found}`"),
        )
        .at(e.span, this_is(&found));
        if let ExprKind::Name(n) = &e.kind
            && let Some((_, Some(decl))) = self.lookup(n)
        {
            d = d.with_label(decl, format!("`{n}` is declared `{found}` here"));
        }
        d = match (&found, expected, &e.kind) {
            (Ty::Option(inner), _, _) if assignable(expected, inner) => d.with_help(
                "this value may be absent: bind it in a `let` clause of the rule, which then matches only when it is present",
            ),
            (Ty::Int, Ty::Percent, ExprKind::Literal(Literal::Int(n))) => d.with_help(format!("write `{n}%`")),
            (Ty::Int, Ty::Duration, ExprKind::Literal(Literal::Int(n))) => d.with_help(format!("write `{n}s`")),
            _ => d,
        };
        self.report(d);
        Ty::Unknown
    }

    /// A `when`, `if` or `where` condition must be a `Bool`.
    pub fn condition(&mut self, e: &Expr, what: &str) {
        let ty = self.expr(e, Some(&Ty::Bool));
        if !assignable(&Ty::Bool, &ty) {
            self.report(
                Diagnostic::error(
                    "E0323",
                    format!("{what} condition must be a `Bool`, not `{ty}`"),
                )
                .at(e.span, this_is(&ty))
                .with_help("compare it with something: `x == y`, `x > 90%`"),
            );
        }
    }

    pub fn reveal(&mut self, span: Span, what: &str) {
        self.report(
            Diagnostic::error("E0313", format!("a secret would be revealed in {what}"))
                .at(span, "this is a `Secret`")
                .with_note("secrets can be passed to actions that take a `Secret`; they are never printed, joined into text or compared"),
        );
    }

    fn name(&mut self, n: &str, span: Span, expected: Option<&Ty>) -> Ty {
        if let Some((ty, _)) = self.lookup(n) {
            return ty;
        }
        if let Some(ty) = self.ambient(n) {
            return ty;
        }
        // An expected enum decides first: `service.engine == docker` even with a service
        // named `docker`.
        if let Some(enum_name) = expected.and_then(Ty::enum_name)
            && builtins::enum_def(enum_name)
                .is_some_and(|e| e.variants.iter().any(|(v, _)| *v == n))
        {
            return Ty::simple(enum_name).unwrap_or(Ty::Unknown);
        }
        if self.cx.services.contains_key(n) {
            return Ty::Service;
        }
        if self.cx.hosts.contains_key(n) {
            return Ty::Host;
        }
        if let Some(e) = builtins::variant_enum(n) {
            return Ty::simple(e.name).unwrap_or(Ty::Unknown);
        }
        if builtins::action(n).is_some() {
            return self.action_as_value(n, span);
        }
        if let Some(f) = builtins::fact(n) {
            self.report(
                Diagnostic::error("E0308", format!("fact `{n}` needs arguments"))
                    .at(span, "called without arguments")
                    .with_help(format!("call it: `{}`", f.signature())),
            );
            return Ty::Unknown;
        }
        let candidates = self.candidates();
        let suggestion = did_you_mean(n, candidates).map(str::to_string);
        self.report(
            Diagnostic::error("E0301", format!("unknown name `{n}`"))
                .at(span, "not a variable, service, host or enum variant")
                .with_suggestion(suggestion.as_deref()),
        );
        Ty::Unknown
    }

    fn action_as_value(&mut self, n: &str, span: Span) -> Ty {
        self.report(
            Diagnostic::error("E0312", format!("action `{n}` is used as a value"))
                .at(span, "actions do something and produce no value")
                .with_help(
                    "call the action as a statement of its own inside `do { .. }` or a body",
                ),
        );
        Ty::Unknown
    }

    fn field(&mut self, base: &Expr, field: &Ident) -> Ty {
        let base_ty = self.expr(base, None);
        let (record_ty, optional) = match &base_ty {
            Ty::Unknown => return Ty::Unknown,
            Ty::Option(inner) => (inner.as_ref().clone(), true),
            other => (other.clone(), false),
        };
        let Some(record) = record_ty.record_name().and_then(builtins::record) else {
            self.report(
                Diagnostic::error("E0304", format!("`{base_ty}` has no fields"))
                    .at(field.span, format!("no field `{}` here", field.name)),
            );
            return Ty::Unknown;
        };
        let Some(f) = record.fields.iter().find(|f| f.name == field.name) else {
            let names = record.fields.iter().map(|f| f.name);
            let suggestion = did_you_mean(&field.name, names);
            let all: Vec<&str> = record.fields.iter().map(|f| f.name).collect();
            self.report(
                Diagnostic::error(
                    "E0304",
                    format!("`{}` has no field `{}`", record.name, field.name),
                )
                .at(field.span, "unknown field")
                .with_note(format!("`{}` has: {}", record.name, all.join(", ")))
                .with_suggestion(suggestion),
            );
            return Ty::Unknown;
        };
        let ty = Ty::parse(f.ty).unwrap_or(Ty::Unknown);
        // Reading a field of a value that may be absent gives a value that may be absent.
        match (optional, ty) {
            (true, Ty::Option(t)) => Ty::Option(t),
            (true, t) => Ty::Option(Box::new(t)),
            (false, t) => t,
        }
    }

    fn value_call(&mut self, call: &portoser_syntax::ast::Call, span: Span) -> Ty {
        let name = call.callee.name.as_str();
        if let Some(fact) = builtins::fact(name) {
            let slots = self.args(fact, call, span);
            if fact.name == "secret" {
                self.declared_secret(&slots);
            }
            return Ty::parse(fact.result).unwrap_or(Ty::Unknown);
        }
        if let Some(action) = builtins::action(name) {
            self.args(action, call, span);
            return self.action_as_value(name, call.callee.span);
        }
        self.unknown_callee(&call.callee);
        for arg in &call.args {
            self.expr(&arg.value, None);
        }
        Ty::Unknown
    }

    pub fn unknown_callee(&mut self, callee: &Ident) {
        let names = FACTS.iter().chain(ACTIONS).map(|b| b.name);
        let suggestion = did_you_mean(&callee.name, names);
        self.report(
            Diagnostic::error("E0302", format!("unknown fact or action `{}`", callee.name))
                .at(callee.span, "not a built-in fact or action")
                .with_suggestion(suggestion)
                .with_note("the built-ins are listed in docs/builtins.md"),
        );
    }

    fn list(&mut self, items: &[Expr], expected: Option<&Ty>) -> Ty {
        let hint = match expected {
            Some(Ty::List(t)) => Some(t.as_ref().clone()),
            _ => None,
        };
        let mut elem: Option<Ty> = None;
        for item in items {
            let ty = match &elem {
                Some(first) if !first.is_unknown() => {
                    self.expect(item, &first.clone(), "every element of a list")
                }
                _ => self.expr(item, hint.as_ref()),
            };
            if elem.as_ref().is_none_or(Ty::is_unknown) {
                elem = Some(ty);
            }
        }
        Ty::List(Box::new(elem.unwrap_or(Ty::Unknown)))
    }

    fn unary(&mut self, op: UnaryOp, inner: &Expr, span: Span) -> Ty {
        let (want, name) = match op {
            UnaryOp::Not => (Ty::Bool, "not"),
            UnaryOp::Neg => (Ty::Int, "-"),
        };
        let ty = self.expr(inner, Some(&want));
        if !assignable(&want, &ty) {
            self.report(
                Diagnostic::error("E0328", format!("`{name}` needs a `{want}`, not `{ty}`"))
                    .at(span, format!("`{name}` applied to a `{ty}`")),
            );
            return Ty::Unknown;
        }
        want
    }

    fn binary(&mut self, op: BinaryOp, l: &Expr, r: &Expr, span: Span) -> Ty {
        let lt = self.expr(l, None);
        let rt = match op {
            BinaryOp::In => self.expr(r, Some(&Ty::List(Box::new(lt.clone())))),
            _ => self.expr(r, Some(&lt)),
        };
        // A secret may be passed on, never compared or joined into text.
        if lt.contains_secret() || rt.contains_secret() {
            let at = if lt.contains_secret() { l.span } else { r.span };
            self.reveal(at, &format!("`{}`", op.as_str()));
            return Ty::Unknown;
        }
        let result = operator_result(op, &lt, &rt);
        match result {
            Some(ty) => ty,
            None => {
                let d = Diagnostic::error(
                    "E0328",
                    format!("`{}` cannot combine `{lt}` and `{rt}`", op.as_str()),
                )
                .at(span, "incompatible types")
                .with_label(l.span, this_is(&lt))
                .with_label(r.span, this_is(&rt));
                let d = match (&lt, &rt, &r.kind) {
                    (Ty::Percent, Ty::Int, ExprKind::Literal(Literal::Int(n))) => {
                        d.with_help(format!("write `{n}%`"))
                    }
                    _ => d,
                };
                self.report(d);
                Ty::Unknown
            }
        }
    }
}

/// The result of `l op r`, or `None` when the operator does not apply to these types.
fn operator_result(op: BinaryOp, l: &Ty, r: &Ty) -> Option<Ty> {
    if l.is_unknown() || r.is_unknown() {
        return Some(match op {
            BinaryOp::Add | BinaryOp::Sub => Ty::Unknown,
            _ => Ty::Bool,
        });
    }
    match op {
        BinaryOp::And | BinaryOp::Or => (*l == Ty::Bool && *r == Ty::Bool).then_some(Ty::Bool),
        BinaryOp::Eq | BinaryOp::Ne => comparable(l, r).then_some(Ty::Bool),
        BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => {
            (l.is_ordered() && assignable(l, r)).then_some(Ty::Bool)
        }
        BinaryOp::In => match r {
            Ty::List(elem) => comparable(l, elem).then_some(Ty::Bool),
            _ => None,
        },
        BinaryOp::Add => match (l, r) {
            (Ty::Int, Ty::Int)
            | (Ty::Str, Ty::Str)
            | (Ty::Duration, Ty::Duration)
            | (Ty::Size, Ty::Size) => Some(l.clone()),
            // A number appended to text (`"--port " + service.port`): never a secret.
            (Ty::Str, Ty::Int | Ty::Port) => Some(Ty::Str),
            _ => None,
        },
        BinaryOp::Sub => match (l, r) {
            (Ty::Int, Ty::Int) | (Ty::Duration, Ty::Duration) | (Ty::Size, Ty::Size) => {
                Some(l.clone())
            }
            _ => None,
        },
    }
}

pub(crate) fn literal_ty(lit: &Literal) -> Ty {
    match lit {
        Literal::Bool(_) => Ty::Bool,
        Literal::Int(_) => Ty::Int,
        Literal::Str(_) => Ty::Str,
        Literal::Duration { .. } => Ty::Duration,
        Literal::Size { .. } => Ty::Size,
        Literal::Percent(_) => Ty::Percent,
    }
}
