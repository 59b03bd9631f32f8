//! Pure evaluation of a rule's expressions over the [`World`], the [`Failure`] and the
//! [`Facts`] observed so far. A fact that is not observed yet stops evaluation with
//! [`Stop::Need`]: the caller observes it (in parallel with the other rules' needs) and
//! evaluates again. Rules were type-checked by the compiler, so a type mismatch here is
//! reported as an error of the loop, never guessed around.

use crate::facts::{FactCall, Facts};
use crate::value::{Process, Value};
use crate::world::{Failure, World};
use portoser_syntax::ast::{BinaryOp, Expr, ExprKind, UnaryOp};

#[derive(Clone, Debug, PartialEq)]
pub enum Stop {
    /// This fact must be observed first.
    Need(FactCall),
    /// The rule cannot be evaluated (a value of the wrong shape: a bug or an unchecked file).
    Error(String),
}

pub type Eval<T> = Result<T, Stop>;

/// Everything an expression can see.
pub struct Scope<'a> {
    pub world: &'a World,
    pub failure: &'a Failure,
    /// The service the failure is about (`service`).
    pub service: &'a str,
    pub facts: &'a Facts,
    /// `let` bindings, innermost last.
    pub vars: Vec<(String, Value)>,
}

impl Scope<'_> {
    pub fn bind(&mut self, name: &str, value: Value) {
        self.vars.push((name.to_string(), value));
    }

    fn var(&self, name: &str) -> Option<&Value> {
        self.vars
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }

    fn service_host(&self, name: &str) -> Eval<String> {
        self.world
            .known_service(name)
            .map(|s| s.host.clone())
            .map_err(Stop::Error)
    }

    pub fn eval(&self, e: &Expr) -> Eval<Value> {
        match &e.kind {
            ExprKind::Literal(l) => Ok(Value::literal(l)),
            ExprKind::Paren(inner) => self.eval(inner),
            ExprKind::Name(n) => self.name(n),
            ExprKind::Field(base, field) => {
                if matches!(&base.kind, ExprKind::Name(n) if n == "failure" && self.var(n).is_none())
                {
                    return Ok(self.failure_field(&field.name));
                }
                let base = self.eval(base)?;
                self.field(&base, &field.name)
            }
            ExprKind::Call(call) => {
                let args: Vec<Value> = call
                    .args
                    .iter()
                    .map(|a| self.eval(&a.value))
                    .collect::<Eval<_>>()?;
                self.fact(&call.callee.name, &args)
            }
            ExprKind::List(items) => Ok(Value::List(
                items.iter().map(|i| self.eval(i)).collect::<Eval<_>>()?,
            )),
            ExprKind::Unary(UnaryOp::Not, inner) => Ok(Value::Bool(!self.eval(inner)?.truthy())),
            ExprKind::Unary(UnaryOp::Neg, inner) => match self.eval(inner)? {
                Value::Int(n) => Ok(Value::Int(-n)),
                other => Err(Stop::Error(format!("cannot negate {other}"))),
            },
            ExprKind::Binary(op, l, r) => self.binary(*op, l, r),
        }
    }

    fn name(&self, n: &str) -> Eval<Value> {
        if let Some(v) = self.var(n) {
            return Ok(v.clone());
        }
        Ok(match n {
            "service" => Value::Service(self.service.to_string()),
            "host" => Value::Host(self.service_host(self.service)?),
            "services" => Value::List(
                self.world
                    .services
                    .keys()
                    .map(|s| Value::Service(s.clone()))
                    .collect(),
            ),
            "hosts" => Value::List(
                self.world
                    .hosts
                    .keys()
                    .map(|h| Value::Host(h.clone()))
                    .collect(),
            ),
            // Registry names resolve to their service or host; the rest are enum variants.
            other if self.world.services.contains_key(other) => Value::Service(other.to_string()),
            other if self.world.hosts.contains_key(other) => Value::Host(other.to_string()),
            other => Value::Variant(other.to_string()),
        })
    }

    fn failure_field(&self, field: &str) -> Value {
        let f = self.failure;
        match field {
            "kind" => Value::Variant(f.kind.clone()),
            "message" => Value::Str(f.message.clone()),
            "exit_status" => f.exit_status.map_or(Value::Absent, Value::Int),
            "step" => Value::Str(f.step.clone()),
            "event" => Value::Variant(f.event.clone()),
            _ => Value::Absent,
        }
    }

    fn field(&self, base: &Value, field: &str) -> Eval<Value> {
        match base {
            Value::Absent => Ok(Value::Absent),
            Value::Service(name) => self.service_field(name, field),
            Value::Host(name) => self.host_field(name, field),
            Value::Process(p) => Ok(process_field(p, field)),
            other => Err(Stop::Error(format!("{other} has no field `{field}`"))),
        }
    }

    fn service_field(&self, name: &str, field: &str) -> Eval<Value> {
        let s = self.world.known_service(name).map_err(Stop::Error)?;
        Ok(match field {
            "name" => Value::Str(s.name.clone()),
            "host" => Value::Host(s.host.clone()),
            "port" => s.port.map_or(Value::Absent, |p| Value::Int(i64::from(p))),
            "engine" => Value::Variant(s.engine.clone()),
            "hostname" => Value::Str(s.hostname.clone().unwrap_or_default()),
            "tls" => Value::Bool(s.tls),
            "dependencies" => Value::List(
                s.dependencies
                    .iter()
                    .map(|d| Value::Service(d.clone()))
                    .collect(),
            ),
            "tags" => Value::List(s.tags.iter().map(|t| Value::Str(t.clone())).collect()),
            "healthy" => return self.fact("healthy", &[Value::Service(name.to_string())]),
            other => return Err(Stop::Error(format!("a service has no field `{other}`"))),
        })
    }

    fn host_field(&self, name: &str, field: &str) -> Eval<Value> {
        let h = self.world.known_host(name).map_err(Stop::Error)?;
        Ok(match field {
            "name" => Value::Str(h.name.clone()),
            "ip" => Value::Str(h.ip.clone()),
            "user" => Value::Str(h.user.clone()),
            "path" => Value::Str(h.path.clone()),
            "arch" => Value::Str(h.arch.clone()),
            "reachable" | "docker_running" => {
                return self.fact(field, &[Value::Host(name.to_string())]);
            }
            other => return Err(Stop::Error(format!("a host has no field `{other}`"))),
        })
    }

    /// A fact: derived from the registry when it needs no observation, else looked up.
    fn fact(&self, name: &str, args: &[Value]) -> Eval<Value> {
        if let Some(v) = self.registry_fact(name, args) {
            return Ok(v);
        }
        if args.contains(&Value::Absent) {
            // A fact of an absent value (the pid of no pid file) is absent.
            return Ok(Value::Absent);
        }
        let call = FactCall::new(name, args);
        match self.facts.get(&call) {
            Some(v) => Ok(v.clone()),
            None => Err(Stop::Need(call)),
        }
    }

    fn registry_fact(&self, name: &str, args: &[Value]) -> Option<Value> {
        match (name, args) {
            ("deploy_dir", [Value::Service(s)]) => {
                Some(Value::Str(self.world.service(s)?.deploy_dir.clone()))
            }
            ("services_on", [Value::Host(h)]) => Some(Value::List(
                self.world
                    .services
                    .values()
                    .filter(|s| &s.host == h)
                    .map(|s| Value::Service(s.name.clone()))
                    .collect(),
            )),
            _ => None,
        }
    }

    fn binary(&self, op: BinaryOp, l: &Expr, r: &Expr) -> Eval<Value> {
        // `or`/`and` short-circuit: a fact on the right is only observed when it decides.
        match op {
            BinaryOp::Or => {
                if self.eval(l)?.truthy() {
                    return Ok(Value::Bool(true));
                }
                return Ok(Value::Bool(self.eval(r)?.truthy()));
            }
            BinaryOp::And => {
                if !self.eval(l)?.truthy() {
                    return Ok(Value::Bool(false));
                }
                return Ok(Value::Bool(self.eval(r)?.truthy()));
            }
            _ => {}
        }
        let (a, b) = (self.eval(l)?, self.eval(r)?);
        Ok(match op {
            BinaryOp::Eq => Value::Bool(equal(&a, &b)),
            BinaryOp::Ne => Value::Bool(!equal(&a, &b)),
            BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => {
                let Some(ord) = order(&a, &b) else {
                    // An absent value compares false with everything.
                    return Ok(Value::Bool(false));
                };
                Value::Bool(match op {
                    BinaryOp::Lt => ord.is_lt(),
                    BinaryOp::Le => ord.is_le(),
                    BinaryOp::Gt => ord.is_gt(),
                    _ => ord.is_ge(),
                })
            }
            BinaryOp::In => match &b {
                Value::List(items) => Value::Bool(items.iter().any(|i| equal(&a, i))),
                _ => Value::Bool(false),
            },
            BinaryOp::Add => add(a, b)?,
            BinaryOp::Sub => match (a, b) {
                (Value::Int(x), Value::Int(y)) => Value::Int(x - y),
                (x, y) => return Err(Stop::Error(format!("cannot subtract {y} from {x}"))),
            },
            BinaryOp::Or | BinaryOp::And => unreachable!("handled above"),
        })
    }
}

fn process_field(p: &Process, field: &str) -> Value {
    match field {
        "pid" => Value::Int(p.pid),
        "name" => Value::Str(p.name.clone()),
        "command" => Value::Str(p.command.clone()),
        "user" => Value::Str(p.user.clone()),
        "service" => p.service.clone().map_or(Value::Absent, Value::Str),
        _ => Value::Absent,
    }
}

/// Equality as the language defines it: an absent value equals nothing; a service or host
/// equals its name as a string. (The checker's constant folding is narrower on purpose and
/// leaves to run time what it does not fold: see `binary` in `portoser_check`'s eval.)
pub fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Absent, _) | (_, Value::Absent) => false,
        (Value::Service(x) | Value::Host(x), Value::Str(y))
        | (Value::Str(y), Value::Service(x) | Value::Host(x)) => x == y,
        _ => a == b,
    }
}

fn order(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => Some(x.cmp(y)),
        (Value::Percent(x), Value::Percent(y)) => Some(x.cmp(y)),
        (Value::Size(x), Value::Size(y)) => Some(x.cmp(y)),
        (Value::Duration(x), Value::Duration(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

fn add(a: Value, b: Value) -> Eval<Value> {
    Ok(match (a, b) {
        (Value::Int(x), Value::Int(y)) => Value::Int(x + y),
        (Value::Duration(x), Value::Duration(y)) => Value::Duration(x + y),
        (Value::Str(x), y) => Value::Str(x + &text(&y)),
        (x, Value::Str(y)) => Value::Str(text(&x) + &y),
        (x, y) => return Err(Stop::Error(format!("cannot add {x} and {y}"))),
    })
}

/// A value inside a string (`"held by " + owner.name`): strings without quotes.
pub fn text(v: &Value) -> String {
    match v {
        Value::Str(s) => s.clone(),
        other => other.to_string(),
    }
}
