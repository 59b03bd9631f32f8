//! The deployment plan: desired registry × recorded state → a typed graph of steps.
//!
//! Planning is pure: no IO (except the clock in [`plan`], see [`plan_at`] for tests), no
//! network, deterministic output. The graph is built with petgraph and flattened into a
//! topological node list (ties broken by id) that every renderer and the plan file share.
//! Nothing here ever holds a secret value: services carry secret *references* only.

mod build;
mod caddy;
mod config;
mod critical;
mod diff;
pub mod file;
mod model;
mod order;
pub mod render;
mod time;

pub use build::{plan, plan_at, plan_at_with_facts, plan_at_with_sources, plan_with_sources};
pub use config::{
    CertConfig, CertFact, ClientCertConfig, HealthConfig, ServiceConfig, SourceDigest, TlsKinds,
    cert_sans, config_hash, retired_tls_files, service_config, service_configs,
    service_configs_with_certs, with_config,
};
pub use critical::{Timed, critical_path};
pub use model::{
    Action, AppliedService, AppliedStatus, Change, HookSpec, Node, NodeKind, Plan, Recorded,
    Summary, Timing,
};
pub use time::now_rfc3339;

use portoser_diag::CodeInfo;

/// Codes of the plan and state stage. None of them can come from a project that passes
/// `portoser check`: E0401 is a guard (the registry checks reject dependency cycles first),
/// E0402/E0403 come from the state database, E0404/E0405 from a saved plan file.
pub const CODES: &[CodeInfo] = &[
    CodeInfo::error("E0401", "the plan graph has a cycle"),
    CodeInfo::error("E0402", "the state database is corrupt or unreadable"),
    CodeInfo::error(
        "E0403",
        "the state database was written by a newer portoser",
    ),
    CodeInfo::error("E0404", "the plan file cannot be read"),
    CodeInfo::error("E0405", "the saved plan is stale"),
    CodeInfo::error("E0450", "tls: auto but the project has no CA"),
];
