//! Facts: observations a rule asks for (`port_owner(host, 3000)`), keyed by the call so each
//! is observed once per diagnosis, and the set a diagnosis still needs.

use crate::value::Value;
use std::collections::BTreeMap;

/// One fact call with its evaluated arguments: the key of an observation.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FactCall {
    pub name: String,
    /// Arguments rendered (`h1`, `3000`): hosts and services by name.
    pub args: Vec<String>,
}

impl FactCall {
    pub fn new(name: &str, args: &[Value]) -> FactCall {
        FactCall {
            name: name.to_string(),
            args: args.iter().map(plain).collect(),
        }
    }
}

impl std::fmt::Display for FactCall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}({})", self.name, self.args.join(", "))
    }
}

fn plain(v: &Value) -> String {
    match v {
        Value::Str(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The facts observed so far.
#[derive(Clone, Debug, Default)]
pub struct Facts {
    known: BTreeMap<FactCall, Value>,
}

impl Facts {
    pub fn get(&self, call: &FactCall) -> Option<&Value> {
        self.known.get(call)
    }

    pub fn insert(&mut self, call: FactCall, value: Value) {
        self.known.insert(call, value);
    }

    pub fn len(&self) -> usize {
        self.known.len()
    }

    pub fn is_empty(&self) -> bool {
        self.known.is_empty()
    }

    /// Forget what may have changed (after an action ran).
    pub fn clear(&mut self) {
        self.known.clear();
    }

    pub fn iter(&self) -> impl Iterator<Item = (&FactCall, &Value)> {
        self.known.iter()
    }
}

/// The names of the facts the loop can observe (the checker's table has the same names).
pub const OBSERVABLE: &[&str] = &[
    "port_owner",
    "port_free",
    "disk_used",
    "disk_free",
    "writable",
    "docker_running",
    "process_alive",
    "pid_file",
    "running",
    "healthy",
    "unhealthy_dependency",
    "stale_instance",
    "reachable",
    "deploy_dir",
    "services_on",
];
