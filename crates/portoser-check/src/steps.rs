//! Typed, evaluated steps: what a hook or a project engine's section does, with every name
//! resolved against the registry at check time (hooks and engines are static: `api.host`
//! is already the host's name, `service` the hook's service). Pure data: the executor turns
//! them into its own steps (the root crate's `hooks.rs`, the engine crate's `custom.rs`).

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// `run on HOST: "command" timeout 2m`: a shell command on a host (one `sh -c` argument).
    Run {
        host: String,
        command: String,
        timeout_ms: Option<u64>,
    },
    /// A built-in action (`wait_healthy`, `start`, `log`, `fail`, ...). `service` is the
    /// value of its `service` parameter when it has one; `args` are the other arguments
    /// given, by parameter name, in parameter order (defaults are not filled in).
    Action {
        name: String,
        service: Option<String>,
        args: Vec<(String, Value)>,
    },
    /// A step whose values are only known at run time (a fact in a condition, a loop over
    /// a fact): `line` is the step as written, `why` what could not be evaluated.
    Unsupported { line: String, why: String },
}

/// A value known at check time.
#[derive(Clone, Debug, PartialEq, Eq)]
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
    /// An engine (`docker`, or a project engine's name) or another enum variant.
    Variant(String),
    List(Vec<Value>),
    /// An optional value that is not there (`service.port` of a service without a port).
    Absent,
}

impl Step {
    /// The value of a named argument of an action.
    pub fn arg(&self, name: &str) -> Option<&Value> {
        match self {
            Step::Action { args, .. } => args.iter().find(|(n, _)| n == name).map(|(_, v)| v),
            _ => None,
        }
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
            Value::List(items) => {
                let items: Vec<String> = items.iter().map(Value::to_string).collect();
                write!(f, "[{}]", items.join(", "))
            }
            Value::Absent => f.write_str("(absent)"),
        }
    }
}
