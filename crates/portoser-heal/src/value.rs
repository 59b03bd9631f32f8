//! Values at run time: what a rule's expressions evaluate to once facts are observed.

use std::fmt;

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
    Service(String),
    Host(String),
    /// An enum variant (`port_in_use`, `docker`, `deploy`).
    Variant(String),
    Process(Process),
    List(Vec<Value>),
    /// An optional value that is not there. Equal to nothing (not even itself) in `==`.
    Absent,
}

impl Value {
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
