//! The syntax tree of a `.pbk` file. Every node keeps its byte span; comments are not in the
//! tree (the formatter reads them from the token stream) so equality of trees ignores them.
//!
//! Equality of two trees *ignoring spans* is [`File::same_shape`]: the formatter's
//! property test needs it (parse(fmt(x)) has the same shape as parse(x)).

use portoser_diag::{FileId, Span};

#[derive(Clone, Debug, PartialEq)]
pub struct File {
    pub file: FileId,
    pub items: Vec<Item>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// `@name(args)` before an item: `@learned(from: port_conflict, seen: 3, ...)`,
/// `@allow(destructive)`, `@disabled("keeps failing")`.
#[derive(Clone, Debug, PartialEq)]
pub struct Annotation {
    pub name: Ident,
    pub args: Vec<Arg>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    pub annotations: Vec<Annotation>,
    pub kind: ItemKind,
    /// From the first annotation (if any) to the closing brace.
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ItemKind {
    Rule(Rule),
    Hook(Hook),
    Playbook(Playbook),
    /// `allow shell for api, worker`: the project's policy that lets these services' hooks
    /// and playbooks run shell commands.
    Allow(Allow),
    /// `import "common/tls.pbk"`: a file outside `playbooks/` whose items become visible.
    Import(Import),
    /// `engine podman { deploy { .. } stop { .. } status { .. } }`: a project-defined engine
    /// that services name in `deployment_type`.
    Engine(EngineDef),
}

/// A project-defined engine: named sections, each a block of steps.
///
/// ```text
/// engine podman {
///   deploy { run on host: "podman run -d --replace --name " + service.name + " ..." }
///   stop   { run on host: "podman stop " + service.name }
///   status { run on host: "podman container exists " + service.name }
/// }
/// ```
///
/// Section names are plain names (`start` and `stop` are also action names), so the parser
/// accepts any name and the checker says which sections exist.
#[derive(Clone, Debug, PartialEq)]
pub struct EngineDef {
    pub name: Ident,
    pub sections: Vec<EngineSection>,
    /// The braces around the sections.
    pub body_span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct EngineSection {
    pub name: Ident,
    pub body: Block,
}

/// A self-healing rule.
///
/// ```text
/// rule port_conflict {
///   on deploy failed
///   when failure.kind == port_in_use
///   let owner = port_owner(host, service.port)
///   when owner.service != service.name
///   do { stop_process(host, owner.pid, grace: 10s)  retry }
/// }
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    pub name: Ident,
    /// `on EVENT failed`: the lifecycle step whose failure wakes the rule.
    pub on: Ident,
    /// `when` and `let` clauses in source order: a `let` is visible to the clauses after it.
    pub clauses: Vec<Clause>,
    pub body: Block,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Clause {
    When(Expr),
    Let(Let),
}

/// `hook before|after EVENT of SERVICE { ... }`
#[derive(Clone, Debug, PartialEq)]
pub struct Hook {
    pub timing: HookTiming,
    pub timing_span: Span,
    /// deploy, start, stop, restart, migrate.
    pub event: Ident,
    pub service: Ident,
    pub body: Block,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HookTiming {
    Before,
    After,
}

impl HookTiming {
    pub fn as_str(self) -> &'static str {
        match self {
            HookTiming::Before => "before",
            HookTiming::After => "after",
        }
    }
}

/// `playbook rotate_certs(h: Host, grace: Duration) { ... }`
#[derive(Clone, Debug, PartialEq)]
pub struct Playbook {
    pub name: Ident,
    pub params: Vec<Param>,
    pub body: Block,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    pub name: Ident,
    pub ty: TypeExpr,
}

/// A type as written: `Host`, `List<Service>`, `Option<Process>`.
#[derive(Clone, Debug, PartialEq)]
pub struct TypeExpr {
    pub name: Ident,
    pub args: Vec<TypeExpr>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Allow {
    /// What is allowed: `shell`.
    pub capability: Ident,
    pub services: Vec<Ident>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Import {
    pub path: String,
    pub path_span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    pub stmts: Vec<Stmt>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Stmt {
    pub kind: StmtKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum StmtKind {
    /// An action call; a bare name (`retry`) is a call without arguments.
    Call(Call),
    Let(Let),
    /// `run on api.host: "uv run alembic upgrade head" timeout 2m` (shell; policy-gated).
    Run(Run),
    /// `for s in services where s.host == h { ... }`
    For(For),
    /// `if cond { ... } else { ... }`
    If(If),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Let {
    pub name: Ident,
    pub value: Expr,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Run {
    pub target: Expr,
    pub command: Expr,
    pub timeout: Option<Expr>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct For {
    pub var: Ident,
    pub iter: Expr,
    pub filter: Option<Expr>,
    pub body: Block,
}

#[derive(Clone, Debug, PartialEq)]
pub struct If {
    pub cond: Expr,
    pub then: Block,
    pub otherwise: Option<Block>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Call {
    pub callee: Ident,
    pub args: Vec<Arg>,
    /// False for a bare `retry`: the formatter keeps the user's choice of no parentheses.
    pub parens: bool,
}

/// A positional (`host`) or named (`grace: 10s`) argument.
#[derive(Clone, Debug, PartialEq)]
pub struct Arg {
    pub name: Option<Ident>,
    pub value: Expr,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    Literal(Literal),
    /// A name: a variable, a parameter, `host`, `service`, `failure`, an enum variant
    /// such as `port_in_use` (resolved by the checker from the expected type).
    Name(String),
    /// `owner.pid`
    Field(Box<Expr>, Ident),
    Call(Call),
    List(Vec<Expr>),
    Unary(UnaryOp, Box<Expr>),
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    /// `(a)`: kept so the formatter reproduces the user's grouping.
    Paren(Box<Expr>),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Literal {
    Bool(bool),
    Int(i64),
    Str(String),
    /// Milliseconds; `text` is the spelling (`10s`, `2m`) the formatter keeps.
    Duration {
        millis: u64,
        text: String,
    },
    /// Bytes; `text` is the spelling (`512MiB`).
    Size {
        bytes: u64,
        text: String,
    },
    /// Hundredths of a percent are not needed: whole percent, 0..=100.
    Percent(u8),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    Not,
    Neg,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    Add,
    Sub,
}

impl BinaryOp {
    pub fn as_str(self) -> &'static str {
        match self {
            BinaryOp::Or => "or",
            BinaryOp::And => "and",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::In => "in",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
        }
    }

    /// Binding strength, loosest first: or < and < comparison/in < + -.
    pub fn precedence(self) -> u8 {
        match self {
            BinaryOp::Or => 1,
            BinaryOp::And => 2,
            BinaryOp::Eq
            | BinaryOp::Ne
            | BinaryOp::Lt
            | BinaryOp::Le
            | BinaryOp::Gt
            | BinaryOp::Ge
            | BinaryOp::In => 3,
            BinaryOp::Add | BinaryOp::Sub => 4,
        }
    }
}

impl Item {
    pub fn name(&self) -> Option<&Ident> {
        match &self.kind {
            ItemKind::Rule(r) => Some(&r.name),
            ItemKind::Playbook(p) => Some(&p.name),
            ItemKind::Engine(e) => Some(&e.name),
            ItemKind::Hook(_) | ItemKind::Allow(_) | ItemKind::Import(_) => None,
        }
    }

    pub fn annotation(&self, name: &str) -> Option<&Annotation> {
        self.annotations.iter().find(|a| a.name.name == name)
    }
}
