//! Evaluation of hook and engine bodies into typed [`Step`]s at check time. Runs only on
//! bodies that type-checked, so a mismatch here means "not known until run time" (a fact,
//! a field such as `service.healthy`), never a type error: such a statement becomes
//! [`Step::Unsupported`] with the reason, and the caller decides whether that is an error.

use super::Cx;
use super::print;
use crate::builtins;
use crate::steps::{Step, Value};
use portoser_syntax::ast::{BinaryOp, Block, Call, Expr, ExprKind, Stmt, StmtKind, UnaryOp};

/// Why an expression has no value at check time, and where.
pub(crate) struct NotStatic {
    pub span: portoser_diag::Span,
    pub why: String,
}

type Eval<T> = Result<T, NotStatic>;

/// Loops are unrolled at check time: a bound on loop iterations keeps nested loops over a
/// large registry (or a hostile file) from taking minutes; past it the loop is left for
/// run time.
const MAX_ITERATIONS: usize = 100_000;

pub(crate) struct Evaluator<'c, 'r> {
    cx: &'c Cx<'r>,
    /// Innermost last: `let`s and loop variables.
    vars: Vec<(String, Value)>,
    /// The body's `service` (a hook's service, or the service an engine runs).
    service: Option<String>,
    /// Every statement that could not be evaluated, with the expression at fault.
    pub problems: Vec<(String, NotStatic)>,
    iterations: usize,
}

impl<'c, 'r> Evaluator<'c, 'r> {
    pub fn new(cx: &'c Cx<'r>, service: Option<&str>) -> Self {
        Evaluator {
            cx,
            vars: Vec::new(),
            service: service.map(str::to_string),
            problems: Vec::new(),
            iterations: 0,
        }
    }

    pub fn block(&mut self, block: &Block, out: &mut Vec<Step>) {
        let depth = self.vars.len();
        for stmt in &block.stmts {
            self.stmt(stmt, out);
        }
        self.vars.truncate(depth);
    }

    fn stmt(&mut self, stmt: &Stmt, out: &mut Vec<Step>) {
        if let Err(e) = self.try_stmt(stmt, out) {
            let line = print::step(stmt);
            out.push(Step::Unsupported {
                line: line.clone(),
                why: e.why.clone(),
            });
            self.problems.push((line, e));
        }
    }

    fn try_stmt(&mut self, stmt: &Stmt, out: &mut Vec<Step>) -> Eval<()> {
        match &stmt.kind {
            StmtKind::Let(l) => {
                let v = self.expr(&l.value)?;
                self.vars.push((l.name.name.clone(), v));
            }
            StmtKind::Run(r) => {
                let host = match self.expr(&r.target)? {
                    Value::Host(h) => h,
                    Value::Service(s) => self.host_of(&s, r.target.span)?,
                    _ => return Err(not_static(r.target.span, "the target is not a host")),
                };
                let Value::Str(command) = self.expr(&r.command)? else {
                    return Err(not_static(r.command.span, "the command is not text"));
                };
                let timeout_ms = match &r.timeout {
                    Some(t) => match self.expr(t)? {
                        Value::Duration(ms) => Some(ms),
                        _ => return Err(not_static(t.span, "the timeout is not a duration")),
                    },
                    None => None,
                };
                out.push(Step::Run {
                    host,
                    command,
                    timeout_ms,
                });
            }
            StmtKind::Call(c) => out.push(self.action(c, stmt.span)?),
            StmtKind::If(i) => match self.expr(&i.cond)? {
                Value::Bool(true) => self.block(&i.then, out),
                Value::Bool(false) => {
                    if let Some(other) = &i.otherwise {
                        self.block(other, out);
                    }
                }
                _ => return Err(not_static(i.cond.span, "the condition is not a `Bool`")),
            },
            StmtKind::For(f) => {
                let Value::List(items) = self.expr(&f.iter)? else {
                    return Err(not_static(f.iter.span, "not a list"));
                };
                for item in items {
                    self.iterations += 1;
                    if self.iterations > MAX_ITERATIONS {
                        return Err(not_static(f.iter.span, "the loop is too long to unroll"));
                    }
                    self.vars.push((f.var.name.clone(), item));
                    let keep = match &f.filter {
                        Some(w) => self.expr(w)? == Value::Bool(true),
                        None => true,
                    };
                    if keep {
                        self.block(&f.body, out);
                    }
                    self.vars.pop();
                }
            }
        }
        Ok(())
    }

    /// An action call with its arguments matched to the built-in's parameters by position
    /// and name (the checker already reported any mismatch).
    fn action(&mut self, c: &Call, span: portoser_diag::Span) -> Eval<Step> {
        let Some(b) = builtins::action(&c.callee.name) else {
            return Err(not_static(span, "not an action"));
        };
        let mut given: Vec<Option<Value>> = vec![None; b.params.len()];
        let mut next = 0;
        for arg in &c.args {
            let slot = match &arg.name {
                Some(n) => b.params.iter().position(|p| p.name == n.name),
                None => {
                    while given.get(next).is_some_and(Option::is_some) {
                        next += 1;
                    }
                    Some(next)
                }
            };
            let value = self.expr(&arg.value)?;
            if let Some(place) = slot.and_then(|i| given.get_mut(i)) {
                *place = Some(value);
            }
        }
        let mut service = None;
        let mut args = Vec::new();
        for (param, value) in b.params.iter().zip(given) {
            match value {
                Some(Value::Service(s)) if param.name == "service" => service = Some(s),
                Some(v) => args.push((param.name.to_string(), v)),
                None => {}
            }
        }
        Ok(Step::Action {
            name: b.name.to_string(),
            service,
            args,
        })
    }

    pub fn expr(&mut self, e: &Expr) -> Eval<Value> {
        match &e.kind {
            ExprKind::Literal(lit) => Ok(Value::literal(lit)),
            ExprKind::Name(n) => self.name(n, e),
            ExprKind::Field(base, field) => {
                let base = self.expr(base)?;
                self.field(base, &field.name, e)
            }
            ExprKind::Paren(inner) => self.expr(inner),
            ExprKind::List(items) => items
                .iter()
                .map(|i| self.expr(i))
                .collect::<Eval<Vec<_>>>()
                .map(Value::List),
            ExprKind::Unary(op, inner) => match (op, self.expr(inner)?) {
                (UnaryOp::Not, Value::Bool(b)) => Ok(Value::Bool(!b)),
                (UnaryOp::Neg, Value::Int(n)) => Ok(Value::Int(n.saturating_neg())),
                _ => Err(not_static(e.span, "no value")),
            },
            ExprKind::Binary(op, l, r) => {
                let (l, r) = (self.expr(l)?, self.expr(r)?);
                binary(*op, l, r).ok_or_else(|| not_static(e.span, "no value"))
            }
            ExprKind::Call(c) => Err(not_static(
                e.span,
                &format!("`{}` is only known when the step runs", c.callee.name),
            )),
        }
    }

    fn name(&self, n: &str, e: &Expr) -> Eval<Value> {
        if let Some((_, v)) = self.vars.iter().rev().find(|(name, _)| name == n) {
            return Ok(v.clone());
        }
        match n {
            "service" => {
                if let Some(s) = &self.service {
                    return Ok(Value::Service(s.clone()));
                }
            }
            "host" => {
                if let Some(s) = self.service.clone() {
                    return self.host_of(&s, e.span).map(Value::Host);
                }
            }
            "services" => {
                let names = self.cx.registry_services.iter();
                return Ok(Value::List(names.cloned().map(Value::Service).collect()));
            }
            "hosts" => {
                let names = self.cx.registry_hosts.iter();
                return Ok(Value::List(names.cloned().map(Value::Host).collect()));
            }
            _ => {}
        }
        if self.cx.services.contains_key(n) {
            return Ok(Value::Service(n.to_string()));
        }
        if self.cx.hosts.contains_key(n) {
            return Ok(Value::Host(n.to_string()));
        }
        if builtins::variant_enum(n).is_some() {
            return Ok(Value::Variant(n.to_string()));
        }
        Err(not_static(e.span, &format!("`{n}` has no value here")))
    }

    fn host_of(&self, service: &str, span: portoser_diag::Span) -> Eval<String> {
        self.cx
            .services
            .get(service)
            .and_then(|s| s.current_host.as_ref())
            .map(|h| h.value.clone())
            .ok_or_else(|| not_static(span, &format!("`{service}` has no `current_host`")))
    }

    fn field(&self, base: Value, field: &str, e: &Expr) -> Eval<Value> {
        let text = |v: Option<&portoser_registry::SString>| match v {
            Some(v) => Value::Str(v.value.clone()),
            None => Value::Absent,
        };
        let value = match &base {
            Value::Service(name) => {
                let s = self.cx.services.get(name.as_str());
                let Some(s) = s else {
                    return Err(not_static(e.span, "unknown service"));
                };
                match field {
                    "name" => Value::Str(name.clone()),
                    "host" => Value::Host(self.host_of(name, e.span)?),
                    "port" => s
                        .port
                        .as_ref()
                        .map_or(Value::Absent, |p| Value::Int(i64::from(p.value))),
                    "engine" => s
                        .deployment_type
                        .as_ref()
                        .map_or(Value::Absent, |d| Value::Variant(d.value.to_string())),
                    "hostname" => Value::Str(
                        s.hostname
                            .as_ref()
                            .map(|h| h.value.clone())
                            .unwrap_or_default(),
                    ),
                    "tls" => Value::Bool(s.tls_cert.is_some()),
                    "dependencies" => Value::List(
                        s.dependencies
                            .iter()
                            .map(|d| Value::Service(d.value.clone()))
                            .collect(),
                    ),
                    "tags" => {
                        Value::List(s.tags.iter().map(|t| Value::Str(t.value.clone())).collect())
                    }
                    _ => return Err(run_time(field, e)),
                }
            }
            Value::Host(name) => {
                let Some(h) = self.cx.hosts.get(name.as_str()) else {
                    return Err(not_static(e.span, "unknown host"));
                };
                match field {
                    "name" => Value::Str(name.clone()),
                    "ip" => text(h.ip.as_ref()),
                    "user" => text(h.ssh_user.as_ref()),
                    "path" => text(h.path.as_ref()),
                    "arch" => h
                        .arch
                        .as_ref()
                        .map_or(Value::Absent, |a| Value::Str(a.value.to_string())),
                    _ => return Err(run_time(field, e)),
                }
            }
            _ => return Err(run_time(field, e)),
        };
        match value {
            Value::Absent => Err(not_static(
                e.span,
                &format!("`{field}` is not set in the registry"),
            )),
            v => Ok(v),
        }
    }
}

fn not_static(span: portoser_diag::Span, why: &str) -> NotStatic {
    NotStatic {
        span,
        why: why.to_string(),
    }
}

fn run_time(field: &str, e: &Expr) -> NotStatic {
    not_static(
        e.span,
        &format!("`{field}` is only known when the step runs"),
    )
}

/// Folds an operator at check time. Deliberately not the heal loop's run-time operators
/// (`portoser_heal::eval`, same [`Value`]s): what is not folded here (a string plus a
/// non-string, sizes compared) is reported as not static rather than guessed, overflow is
/// refused rather than wrapped, and `==` is structural (an absent value never gets here: it
/// is refused where it is read).
fn binary(op: BinaryOp, l: Value, r: Value) -> Option<Value> {
    use Value::*;
    Some(match (op, l, r) {
        (BinaryOp::And, Bool(a), Bool(b)) => Bool(a && b),
        (BinaryOp::Or, Bool(a), Bool(b)) => Bool(a || b),
        (BinaryOp::Eq, a, b) => Bool(a == b),
        (BinaryOp::Ne, a, b) => Bool(a != b),
        (BinaryOp::In, a, List(items)) => Bool(items.contains(&a)),
        (BinaryOp::Add, Str(a), Str(b)) => Str(a + &b),
        (BinaryOp::Add, Str(a), Int(b)) => Str(format!("{a}{b}")),
        (BinaryOp::Add, Int(a), Int(b)) => Int(a.checked_add(b)?),
        (BinaryOp::Sub, Int(a), Int(b)) => Int(a.checked_sub(b)?),
        (BinaryOp::Add, Duration(a), Duration(b)) => Duration(a.checked_add(b)?),
        (BinaryOp::Sub, Duration(a), Duration(b)) => Duration(a.checked_sub(b)?),
        (op, Int(a), Int(b)) => Bool(compare(op, a.cmp(&b))?),
        (op, Duration(a), Duration(b)) => Bool(compare(op, a.cmp(&b))?),
        (op, Str(a), Str(b)) => Bool(compare(op, a.cmp(&b))?),
        _ => return None,
    })
}

fn compare(op: BinaryOp, o: std::cmp::Ordering) -> Option<bool> {
    Some(match op {
        BinaryOp::Lt => o.is_lt(),
        BinaryOp::Le => o.is_le(),
        BinaryOp::Gt => o.is_gt(),
        BinaryOp::Ge => o.is_ge(),
        _ => return None,
    })
}
