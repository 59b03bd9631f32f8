//! Solve: run a matched rule's body. Conditions inside it (`if running(dep)`) observe live;
//! each action is typed and checked against the safety rules before it runs:
//! - a destructive action needs `@allow(destructive)` on the rule AND the project's policy
//!   (`allow destructive for SERVICE` in its playbooks);
//! - a process that belongs to the failing service is never stopped or killed, and the
//!   failing service itself is never stopped;
//! - `prune_docker(volumes: true)` is refused everywhere; paths stay inside the host's base.

use crate::eval::{Scope, Stop, text};
use crate::facts::Facts;
use crate::observe::Observer;
use crate::rules::Rule;
use crate::value::Value;
use crate::world::Failure;
use portoser_syntax::ast::{Block, Call, StmtKind};

use std::time::{Duration, Instant};

/// How the body ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// `retry`: run the failed node again.
    Retry,
    /// `rollback`: give up on the new version (the node's `on_failure` decides).
    Rollback,
    /// `fail("...")`: stop healing; the message is the remedy for a person.
    Fail(String),
    /// An action failed or was refused (the reason): the failure stays.
    Broken(String),
    /// The body ended without a terminal action: the failure stays.
    Done,
}

/// One action that ran (or was refused), for the report, history and learned file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActionRun {
    /// `stop_process(h1, 812, grace: 10000ms)`.
    pub line: String,
    pub ok: bool,
    pub detail: String,
    pub took: Duration,
}

/// What a project allows: services whose rules may run destructive actions.
#[derive(Clone, Debug, Default)]
pub struct Policy {
    pub destructive: std::collections::BTreeSet<String>,
}

pub struct Solver<'a> {
    pub observer: &'a Observer,
    pub policy: &'a Policy,
    pub failure: &'a Failure,
    pub service: &'a str,
    pub rule: &'a Rule,
    pub actions: Vec<ActionRun>,
    facts: Facts,
    vars: Vec<(String, Value)>,
}

impl<'a> Solver<'a> {
    pub fn new(
        observer: &'a Observer,
        policy: &'a Policy,
        failure: &'a Failure,
        service: &'a str,
        rule: &'a Rule,
        bindings: Vec<(String, Value)>,
    ) -> Self {
        Solver {
            observer,
            policy,
            failure,
            service,
            rule,
            actions: Vec::new(),
            facts: Facts::default(),
            vars: bindings,
        }
    }

    /// Runs the body; stops at the first terminal action or refused/failed action.
    pub async fn run(&mut self) -> Verdict {
        let body = self.rule.body.clone();
        match Box::pin(self.block(&body)).await {
            Ok(Some(v)) => v,
            Ok(None) => Verdict::Done,
            Err(why) => Verdict::Broken(why),
        }
    }

    /// Evaluates with live facts: a needed fact is observed right away.
    async fn value(&mut self, e: &portoser_syntax::ast::Expr) -> Result<Value, String> {
        for _ in 0..16 {
            let scope = Scope {
                world: &self.observer.world,
                failure: self.failure,
                service: self.service,
                facts: &self.facts,
                vars: self.vars.clone(),
            };
            match scope.eval(e) {
                Ok(v) => return Ok(v),
                Err(Stop::Need(call)) => {
                    let v = self.observer.observe(&call).await;
                    self.facts.insert(call, v);
                }
                Err(Stop::Error(e)) => return Err(e),
            }
        }
        Err("too many facts in one expression".into())
    }

    async fn block(&mut self, block: &Block) -> Result<Option<Verdict>, String> {
        let depth = self.vars.len();
        for stmt in &block.stmts {
            let verdict = match &stmt.kind {
                StmtKind::Let(l) => {
                    let v = self.value(&l.value).await?;
                    self.vars.push((l.name.name.clone(), v));
                    None
                }
                StmtKind::If(i) => {
                    let cond = self.value(&i.cond).await?.truthy();
                    match (cond, &i.otherwise) {
                        (true, _) => Box::pin(self.block(&i.then)).await?,
                        (false, Some(b)) => Box::pin(self.block(b)).await?,
                        (false, None) => None,
                    }
                }
                StmtKind::For(f) => {
                    let Value::List(items) = self.value(&f.iter).await? else {
                        return Err("a loop over something that is not a list".into());
                    };
                    let mut out = None;
                    for item in items {
                        self.vars.push((f.var.name.clone(), item));
                        let keep = match &f.filter {
                            Some(cond) => self.value(cond).await?.truthy(),
                            None => true,
                        };
                        let v = if keep {
                            Box::pin(self.block(&f.body)).await?
                        } else {
                            None
                        };
                        self.vars.pop();
                        if v.is_some() {
                            out = v;
                            break;
                        }
                    }
                    out
                }
                StmtKind::Run(_) => {
                    return Err(
                        "`run` (shell) is not supported in healing rules: use actions".into(),
                    );
                }
                StmtKind::Call(call) => self.call(call).await?,
            };
            if verdict.is_some() {
                self.vars.truncate(depth);
                return Ok(verdict);
            }
        }
        self.vars.truncate(depth);
        Ok(None)
    }

    /// Positional and named arguments by parameter name.
    async fn args(&mut self, call: &Call, params: &[&str]) -> Result<Vec<(String, Value)>, String> {
        let mut out = Vec::new();
        let mut next = 0;
        for a in &call.args {
            let name = match &a.name {
                Some(n) => n.name.clone(),
                None => {
                    let n = params.get(next).copied().unwrap_or("?").to_string();
                    next += 1;
                    n
                }
            };
            let v = self.value(&a.value).await?;
            out.push((name, v));
        }
        Ok(out)
    }

    async fn call(&mut self, call: &Call) -> Result<Option<Verdict>, String> {
        let name = call.callee.name.as_str();
        let params: &[&str] = match name {
            "stop_process" => &["host", "pid", "grace"],
            "kill_process" => &["host", "pid"],
            "start_docker" | "prune_docker" => &["host", "volumes"],
            "wait_docker" => &["host", "timeout"],
            "remove_file" => &["host", "path"],
            "wait_port_free" => &["host", "port", "timeout"],
            "fix_permissions" => &["host", "path", "mode"],
            "wait_healthy" => &["service", "timeout"],
            "log" | "notify" | "fail" => &["msg"],
            _ => &["service"],
        };
        let args = self.args(call, params).await?;
        let get = |n: &str| args.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
        let line = format!(
            "{name}({})",
            args.iter()
                .map(|(k, v)| format!("{k}: {}", text(v)))
                .collect::<Vec<_>>()
                .join(", ")
        );
        match name {
            "retry" => return Ok(Some(Verdict::Retry)),
            "rollback" => return Ok(Some(Verdict::Rollback)),
            "fail" => {
                return Ok(Some(Verdict::Fail(
                    get("msg").map(|v| text(&v)).unwrap_or_default(),
                )));
            }
            _ => {}
        }
        let t0 = Instant::now();
        let result = self.act(name, &get).await;
        let ok = result.is_ok();
        let detail = match result {
            Ok(d) | Err(d) => d,
        };
        self.actions.push(ActionRun {
            line,
            ok,
            detail: detail.clone(),
            took: t0.elapsed(),
        });
        // What the action changed is observed again by the next condition.
        self.facts.clear();
        if ok {
            Ok(None)
        } else {
            Err(format!("`{name}` failed: {detail}"))
        }
    }
}
