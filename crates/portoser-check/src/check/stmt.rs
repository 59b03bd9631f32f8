//! Statements: action calls, `let`, `run` (shell), `for` and `if`.

use super::FileKind;
use super::body::Body;
use crate::builtins::{self, Effect, IN_HOOK, IN_PLAYBOOK, IN_RULE, is_terminal};
use crate::types::{Ty, this_is};
use portoser_diag::{Diagnostic, Span};
use portoser_syntax::ast::{Block, Call, Expr, ExprKind, For, Literal, Run, Stmt, StmtKind};

impl Body<'_, '_> {
    pub fn block(&mut self, block: &Block) {
        self.push_scope();
        let mut ended: Option<(&str, Span)> = None;
        for stmt in &block.stmts {
            if let Some((name, at)) = ended.take() {
                self.report(
                    Diagnostic::warning("W0303", "this statement never runs")
                        .at(stmt.span, "unreachable")
                        .with_label(at, format!("`{name}` ends the block here")),
                );
            }
            self.stmt(stmt);
            if let StmtKind::Call(c) = &stmt.kind
                && is_terminal(&c.callee.name)
            {
                ended = Some((c.callee.name.as_str(), stmt.span));
            }
        }
        self.pop_scope();
    }

    fn stmt(&mut self, stmt: &Stmt) {
        match &stmt.kind {
            StmtKind::Call(call) => self.call_stmt(call, stmt.span),
            StmtKind::Let(l) => {
                let ty = self.expr(&l.value, None);
                self.bind(&l.name.name, ty, l.name.span, None, true);
            }
            StmtKind::Run(run) => self.run(run, stmt.span),
            StmtKind::For(f) => self.for_loop(f),
            StmtKind::If(i) => {
                self.condition(&i.cond, "an `if`");
                self.block(&i.then);
                if let Some(otherwise) = &i.otherwise {
                    self.block(otherwise);
                }
            }
        }
    }

    fn call_stmt(&mut self, call: &Call, span: Span) {
        let name = call.callee.name.as_str();
        let Some(action) = builtins::action(name) else {
            if let Some(fact) = builtins::fact(name) {
                self.args(fact, call, span);
                self.report(
                    Diagnostic::error(
                        "E0311",
                        format!("`{name}` is a fact: on its own it does nothing"),
                    )
                    .at(span, "this only reads a value")
                    .with_help("use it in a `when` clause, an `if` condition or a `let`"),
                );
            } else {
                self.unknown_callee(&call.callee);
                for arg in &call.args {
                    self.expr(&arg.value, None);
                }
            }
            return;
        };
        self.acted = true;
        if action.places & self.place == 0 {
            let allowed = builtins::places(action.places).join(", ");
            self.report(
                Diagnostic::error(
                    "E0325",
                    format!("`{name}` is not allowed in a {}", self.place_name()),
                )
                .at(call.callee.span, format!("only in: {allowed}"))
                .with_help("outside a rule, stop with `fail(\"what to do\")`"),
            );
        }
        if action.effect == Effect::Destructive {
            self.destructive = true;
            if self.place == IN_RULE && !self.allow_destructive {
                self.report(
                    Diagnostic::error("E0314", format!("destructive action `{name}` in a rule without `@allow(destructive)`"))
                        .at(call.callee.span, "destructive")
                        .with_help("if the rule must do this, put `@allow(destructive)` on the line before `rule`"),
                );
            }
        }
        let slots = self.args(action, call, span);
        if name == "prune_docker" {
            self.prune_volumes(&slots);
        }
    }

    /// `prune_docker` may never remove volumes (that is where data lives): anything but an
    /// absent argument or a literal `false` is refused.
    fn prune_volumes(&mut self, slots: &[Option<&portoser_syntax::ast::Arg>]) {
        let Some(Some(arg)) = slots.get(1) else {
            return;
        };
        if matches!(arg.value.kind, ExprKind::Literal(Literal::Bool(false))) {
            return;
        }
        self.report(
            Diagnostic::error("E0315", "`prune_docker` may never remove volumes")
                .at(arg.value.span, "volumes hold the services' data")
                .with_help(
                    "remove the `volumes:` argument; delete a volume by hand if you really mean it",
                ),
        );
    }

    fn for_loop(&mut self, f: &For) {
        let ty = self.expr(&f.iter, None);
        let elem = match ty {
            Ty::List(t) => *t,
            Ty::Unknown => Ty::Unknown,
            other => {
                self.report(
                    Diagnostic::error("E0324", format!("`for` needs a list, not `{other}`"))
                        .at(f.iter.span, this_is(&other))
                        .with_help("iterate over `services`, `hosts`, `services_on(host)` or a `[..]` list"),
                );
                Ty::Unknown
            }
        };
        self.push_scope();
        self.bind(&f.var.name, elem, f.var.span, None, false);
        if let Some(filter) = &f.filter {
            self.condition(filter, "a `where`");
        }
        self.block(&f.body);
        self.pop_scope();
    }

    fn run(&mut self, run: &Run, span: Span) {
        self.acted = true;
        self.shell = true;
        let target = self.expr(&run.target, None);
        if !matches!(target, Ty::Host | Ty::Service | Ty::Unknown) {
            self.report(
                Diagnostic::error(
                    "E0307",
                    format!("`run on` needs a `Host` or a `Service`, not `{target}`"),
                )
                .at(run.target.span, this_is(&target)),
            );
        }
        self.expect(&run.command, &Ty::Str, "a shell command");
        if let Some(timeout) = &run.timeout {
            self.expect(timeout, &Ty::Duration, "a `run` timeout");
        }
        self.shell_policy(&run.target, span);
    }

    fn shell_policy(&mut self, target: &Expr, span: Span) {
        if self.kind != FileKind::Project || self.learned || self.place == IN_RULE {
            let why = match (self.kind, self.learned) {
                (FileKind::Stdlib, _) => "the stdlib never runs shell commands",
                (FileKind::Learned, _) | (_, true) => "learned rules never run shell commands",
                _ => "rules run unattended on any service, so they never run shell commands",
            };
            self.report(
                Diagnostic::error("E0317", format!("shell command where it is never allowed: {why}"))
                    .at(span, "shell command")
                    .with_help("use a typed action (docs/builtins.md), or move the command into a hook or playbook"),
            );
            return;
        }
        if self.engine {
            return;
        }
        let service = match self.place {
            IN_HOOK => self.hook_service.clone(),
            IN_PLAYBOOK => self.target_service(target),
            _ => None,
        };
        let Some(service) = service else {
            self.report(
                Diagnostic::error("E0316", "cannot tell which service this shell command runs for")
                    .at(target.span, "not `SERVICE.host` or `SERVICE`")
                    .with_help("in a playbook, write `run on api.host: ..` for a service with `allow shell for api`"),
            );
            return;
        };
        if !self.cx.shell.contains(&service) {
            self.report(
                Diagnostic::error("E0316", format!("shell command for `{service}` without an `allow shell` policy"))
                    .at(span, "shell command")
                    .with_help(format!("add `allow shell for {service}` to a playbook of the project, after reviewing the command")),
            );
        }
    }

    /// `api.host` or `api` names the service a playbook's shell command runs for.
    fn target_service(&self, target: &Expr) -> Option<String> {
        let name = match &target.kind {
            ExprKind::Field(base, field) if field.name == "host" => match &base.kind {
                ExprKind::Name(n) => n,
                _ => return None,
            },
            ExprKind::Name(n) => n,
            _ => return None,
        };
        self.cx
            .services
            .contains_key(name.as_str())
            .then(|| name.clone())
    }
}
