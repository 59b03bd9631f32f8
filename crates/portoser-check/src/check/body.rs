//! The state of checking one rule, hook or playbook body: where we are, the variables in
//! scope, and what the body turned out to do (act, destroy, run shell).

use super::{Cx, FileKind};
use crate::builtins::{self, AMBIENT};
use crate::types::Ty;
use portoser_diag::{Diagnostic, Diagnostics, Span};

pub(crate) struct Var {
    pub name: String,
    pub ty: Ty,
    /// The binding name.
    pub span: Span,
    /// Where its type was declared (a playbook parameter's type), for labels.
    pub decl: Option<Span>,
    pub warn_unused: bool,
    pub used: bool,
}

pub(crate) struct Body<'c, 'r> {
    pub cx: &'c Cx<'r>,
    pub diags: &'c mut Diagnostics,
    /// One of [`builtins::IN_RULE`], [`builtins::IN_HOOK`], [`builtins::IN_PLAYBOOK`].
    pub place: u8,
    pub kind: FileKind,
    /// The rule carries `@learned` (it may never run shell, like the stdlib).
    pub learned: bool,
    pub allow_destructive: bool,
    /// The hook's service: the one whose `allow shell` policy its `run` needs.
    pub hook_service: Option<String>,
    /// A section of a project `engine` block: its own definition is its shell policy.
    pub engine: bool,
    scopes: Vec<Vec<Var>>,
    pub acted: bool,
    pub destructive: bool,
    pub shell: bool,
}

impl<'c, 'r> Body<'c, 'r> {
    pub fn new(cx: &'c Cx<'r>, diags: &'c mut Diagnostics, place: u8, kind: FileKind) -> Self {
        Body {
            cx,
            diags,
            place,
            kind,
            learned: false,
            allow_destructive: false,
            hook_service: None,
            engine: false,
            scopes: vec![Vec::new()],
            acted: false,
            destructive: false,
            shell: false,
        }
    }

    pub fn report(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    pub fn place_name(&self) -> &'static str {
        builtins::places(self.place)
            .first()
            .copied()
            .unwrap_or("body")
    }

    pub fn push_scope(&mut self) {
        self.scopes.push(Vec::new());
    }

    /// Leaves a scope, warning about `let`s nobody read.
    pub fn pop_scope(&mut self) {
        let Some(scope) = self.scopes.pop() else {
            return;
        };
        for v in scope {
            if v.warn_unused && !v.used && !v.name.starts_with('_') {
                self.diags.push(
                    Diagnostic::warning("W0302", format!("`{}` is never used", v.name))
                        .at(v.span, "bound here and never read")
                        .with_help(format!("remove the `let`, or name it `_{}`", v.name)),
                );
            }
        }
    }

    pub fn bind(&mut self, name: &str, ty: Ty, span: Span, decl: Option<Span>, warn_unused: bool) {
        let var = Var {
            name: name.to_string(),
            ty,
            span,
            decl,
            warn_unused,
            used: false,
        };
        if let Some(scope) = self.scopes.last_mut() {
            scope.push(var);
        }
    }

    /// A variable in scope (innermost first); marks it used.
    pub fn lookup(&mut self, name: &str) -> Option<(Ty, Option<Span>)> {
        for scope in self.scopes.iter_mut().rev() {
            if let Some(v) = scope.iter_mut().rev().find(|v| v.name == name) {
                v.used = true;
                return Some((v.ty.clone(), v.decl));
            }
        }
        None
    }

    /// Whether `name` is a variable in scope (without marking it used).
    pub fn is_bound(&self, name: &str) -> bool {
        self.scopes.iter().flatten().any(|v| v.name == name)
    }

    /// An ambient name (`service`, `failure` ...) visible in this kind of body.
    pub fn ambient(&self, name: &str) -> Option<Ty> {
        AMBIENT
            .iter()
            .find(|a| a.name == name && a.places & self.place != 0)
            .and_then(|a| Ty::parse(a.ty))
    }

    /// Every name a bare identifier could have meant, for did-you-mean.
    pub fn candidates(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self
            .scopes
            .iter()
            .flatten()
            .map(|v| v.name.as_str())
            .collect();
        names.extend(
            AMBIENT
                .iter()
                .filter(|a| a.places & self.place != 0)
                .map(|a| a.name),
        );
        names.extend(
            builtins::ENUMS
                .iter()
                .flat_map(|e| e.variants.iter().map(|(v, _)| *v)),
        );
        names.extend(self.cx.services.keys().copied());
        names.extend(self.cx.hosts.keys().copied());
        names
    }
}
