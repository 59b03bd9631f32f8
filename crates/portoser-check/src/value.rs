//! The values of the language: one model for the checker (what a hook or an engine's step
//! evaluates to at check time, [`crate::steps`]) and the heal loop (what a rule's expressions
//! evaluate to once facts are observed, `portoser-heal`).

use portoser_syntax::ast::Literal;
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Value {
    Bool(bool),
    Int(i64),
    Str(String),
    /// Milliseconds.
    Duration(u64),
    /// Bytes.
    Size(u64),
    Percent(u8),
    /// A service of the registry, by name.
    Service(String),
    /// A host of the registry, by name.
    Host(String),
    /// An engine (`docker`, or a project engine's name) or another enum variant
    /// (`port_in_use`, `deploy`).
    Variant(String),
    /// A process observed on a host (the `port_owner` fact): only known at run time, so
    /// check-time evaluation never produces one.
    Process(Process),
    List(Vec<Value>),
    /// An optional value that is not there (`service.port` of a service without a port).
    /// At run time it equals nothing, not even itself, in `==`.
    Absent,
}

/// A process observed on a host (`port_owner`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Process {
    pub pid: i64,
    pub name: String,
    pub command: String,
    pub user: String,
    /// The registry service it belongs to, when portoser knows it (its supervisor's process
    /// group, its systemd unit).
    pub service: Option<String>,
    /// Its working directory, when readable (not a field of the language's `Process`).
    pub cwd: String,
}

impl Value {
    /// The value a literal denotes.
    pub fn literal(lit: &Literal) -> Value {
        match lit {
            Literal::Bool(b) => Value::Bool(*b),
            Literal::Int(n) => Value::Int(*n),
            Literal::Str(s) => Value::Str(s.clone()),
            Literal::Duration { millis, .. } => Value::Duration(*millis),
            Literal::Size { bytes, .. } => Value::Size(*bytes),
            Literal::Percent(p) => Value::Percent(*p),
        }
    }

    pub fn truthy(&self) -> bool {
        matches!(self, Value::Bool(true))
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(n) => write!(f, "{n}"),
            Value::Str(s) => write!(f, "{s:?}"),
            Value::Duration(ms) => write!(f, "{ms}ms"),
            Value::Size(b) => write!(f, "{b}B"),
            Value::Percent(p) => write!(f, "{p}%"),
            Value::Service(n) | Value::Host(n) | Value::Variant(n) => f.write_str(n),
            Value::Process(p) => {
                let owner = p.service.as_deref().unwrap_or("no service");
                write!(f, "pid {} ({}, user {}, {owner})", p.pid, p.name, p.user)
            }
            Value::List(items) => {
                let items: Vec<String> = items.iter().map(Value::to_string).collect();
                write!(f, "[{}]", items.join(", "))
            }
            Value::Absent => f.write_str("(absent)"),
        }
    }
}
