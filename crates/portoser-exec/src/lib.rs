//! Runs a plan: the parallel scheduler behind `portoser apply`.
//!
//! [`apply`] walks the plan graph with tokio (a node starts when everything it depends on
//! succeeded; per-host limit; a failure skips its dependents only), records the truth in the
//! state as services finish, streams [`Event`]s for the progress UI, and returns a
//! [`RunReport`]. What runs one node is a [`NodeRunner`]: the engine runner on real hosts,
//! [`fake::FakeRunner`] in tests. Ctrl-C goes through a [`CancelToken`]. docs/apply.md
//! documents the behaviour.

mod apply;
mod caddy;
mod cancel;
mod certs;
mod engine_runner;
mod event;
mod failure;
pub mod fake;
mod hooks;
mod record;
mod recover;
pub mod render;
mod report;
mod runner;
mod scheduler;
mod secrets;

pub use apply::{ApplyOptions, apply};
pub use caddy::CaddyJob;
pub use cancel::CancelToken;
pub use certs::{CertFiles, CertPair};
pub use engine_runner::EngineRunner;
pub use event::{Event, EventKind};
pub use failure::FailureKind;
pub use hooks::HookStep;
pub use report::{CriticalPath, NodeReport, Outcome, RunOutcome, RunReport, StateChange, Totals};
pub use runner::{NodeFailure, NodeOutput, NodeRunner, Recovery};
pub use secrets::VaultAccess;
