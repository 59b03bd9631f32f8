//! The plan as data: what the planner takes in (hooks, recorded state) and gives out.

use crate::config::ServiceConfig;
use portoser_diag::{Diagnostic, Span};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Timing {
    Before,
    After,
}

/// A checked hook, as the planner needs it (the checker converts its own type into this).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HookSpec {
    pub service: String,
    pub timing: Timing,
    /// `deploy`, `stop`, `migrate` place a node; `start`/`restart` run only at run time.
    pub event: String,
    pub span: Span,
    /// One human line per step, shown in the plan.
    pub steps: Vec<String>,
}

/// What the state database records per service.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recorded {
    pub serial: u64,
    pub services: BTreeMap<String, AppliedService>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppliedService {
    pub host: String,
    pub engine: String,
    pub config_hash: String,
    pub config: ServiceConfig,
    /// RFC 3339.
    pub applied_at: String,
    /// Whether every node of the last apply succeeded, or only its deploy ran.
    #[serde(default)]
    pub status: AppliedStatus,
    /// `Deployed` migrations only: the host whose old instance was not stopped yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_host: Option<String>,
}

/// How far the last apply of a service got. Something of the service runs on its host in
/// both cases, so the planner never forgets it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AppliedStatus {
    /// Every node of the service succeeded.
    #[default]
    Applied,
    /// Its deploy ran, then a later node (the health gate, a hook) failed or the run
    /// stopped: the next plan updates it.
    Deployed,
}

impl AppliedStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AppliedStatus::Applied => "applied",
            AppliedStatus::Deployed => "deployed",
        }
    }

    pub fn parse(text: &str) -> Option<AppliedStatus> {
        match text {
            "applied" => Some(AppliedStatus::Applied),
            "deployed" => Some(AppliedStatus::Deployed),
            _ => None,
        }
    }
}

impl fmt::Display for AppliedStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What happens to a service (or to one node of it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    Create,
    Update,
    Replace,
    Migrate,
    Delete,
    NoOp,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Replace => "replace",
            Action::Migrate => "migrate",
            Action::Delete => "delete",
            Action::NoOp => "no-op",
        }
    }

    /// The terraform-like marker used by the human and markdown renderings.
    pub fn symbol(self) -> &'static str {
        match self {
            Action::Create => "+",
            Action::Update => "~",
            Action::Replace => "-/+",
            Action::Migrate => "→",
            Action::Delete => "-",
            Action::NoOp => " ",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NodeKind {
    Prepare,
    Sync,
    Install,
    Secrets,
    /// Puts the service's certificate, key and CA (`tls: auto`) on its host.
    Certs,
    /// Deletes the TLS files of a kind the service no longer has (`tls: auto` or
    /// `client_cert: auto` removed), once the new instance is healthy: a rollback before
    /// then still finds them.
    RetireCerts,
    Deploy,
    Health,
    Hook,
    Caddy,
    StopOld,
    Remove,
}

impl NodeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NodeKind::Prepare => "prepare",
            NodeKind::Sync => "sync",
            NodeKind::Install => "install",
            NodeKind::Secrets => "secrets",
            NodeKind::Certs => "certs",
            NodeKind::RetireCerts => "retire-certs",
            NodeKind::Deploy => "deploy",
            NodeKind::Health => "health",
            NodeKind::Hook => "hook",
            NodeKind::Caddy => "caddy",
            NodeKind::StopOld => "stop-old",
            NodeKind::Remove => "remove",
        }
    }
}

/// One step of the plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Node {
    /// `api/deploy`, `api/stop-old@pi2`, `api/after-deploy`, `caddy/reload`.
    pub id: String,
    pub service: Option<String>,
    pub host: String,
    pub kind: NodeKind,
    pub action: Action,
    pub reasons: Vec<String>,
    /// Ids of the nodes that must finish first, sorted.
    pub depends_on: Vec<String>,
    /// Hook steps (hook nodes only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<String>,
    /// The configuration change as a unified diff (the Caddy node's Caddyfile): shown as a
    /// block of its own by every renderer, never folded into the reasons.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diff: Option<String>,
}

/// The per-service view of the plan: one entry per service in the registry or the state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub service: String,
    /// Where the service runs after the plan (its recorded host for a delete).
    pub host: String,
    /// The recorded host when it differs (migrations).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_host: Option<String>,
    pub action: Action,
    pub reasons: Vec<String>,
}

/// Counts of services per action (the Caddy node is not a service and is not counted).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub create: usize,
    pub update: usize,
    pub replace: usize,
    pub migrate: usize,
    pub delete: usize,
    pub unchanged: usize,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Plan: {} to create, {} to update, {} to replace, {} to migrate, {} to delete, {} unchanged.",
            self.create, self.update, self.replace, self.migrate, self.delete, self.unchanged
        )
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// sha256 over the registry and every playbook (computed by the CLI).
    pub inputs_hash: String,
    /// What the inputs hash covers, one digest per input (`registry.yml`, each playbook, the
    /// synced files of each service), so a stale saved plan can say *what* changed. Set by the
    /// CLI after planning; empty in plans saved by older versions.
    pub inputs: BTreeMap<String, String>,
    /// The state serial the plan was computed against.
    pub state_serial: u64,
    /// RFC 3339.
    pub created_at: String,
    /// Per service, in the order of their first node.
    pub changes: Vec<Change>,
    /// In a deterministic topological order (ties by id).
    pub nodes: Vec<Node>,
    /// Problems found while planning (a cycle); not saved in the plan file.
    pub diagnostics: Vec<Diagnostic>,
}

impl Plan {
    pub fn has_changes(&self) -> bool {
        self.nodes.iter().any(|n| n.action != Action::NoOp)
    }

    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        for change in &self.changes {
            match change.action {
                Action::Create => s.create += 1,
                Action::Update => s.update += 1,
                Action::Replace => s.replace += 1,
                Action::Migrate => s.migrate += 1,
                Action::Delete => s.delete += 1,
                Action::NoOp => s.unchanged += 1,
            }
        }
        s
    }

    pub fn node(&self, id: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| n.id == id)
    }
}
