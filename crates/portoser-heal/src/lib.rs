//! portoser-heal: the self-healing loop (issue 6, docs/heal.md).
//!
//! observe → diagnose → solve → learn:
//! - [`observe`]: typed facts over the run's own connections, only those a standing rule
//!   needs, each round's needs in parallel;
//! - [`diagnose`]: the first rule whose clauses hold — learned rules first (ranked by their
//!   record, in a round of their own), then the stdlib's, then the project's;
//! - [`solve`]: the rule's typed actions behind the safety rules, then `retry`;
//! - [`learn`]: the fingerprint and the learned rule's text (the root crate checks and
//!   writes it, and records every heal in the state).
//!
//! [`eval`] and [`diagnose::standing`] are pure (facts in, a decision out); IO is in
//! [`observe`] and [`solve`], through the transport's `Cmd`/`Script`.

pub mod classify;
pub mod diagnose;
pub mod eval;
pub mod facts;
pub mod learn;
pub mod observe;
pub mod preflight;
pub mod rules;
pub mod runner;
pub mod solve;
pub mod value;
pub mod world;

pub use diagnose::{Diagnosis, diagnose};
pub use observe::Observer;
pub use rules::{Origin, Record, Rule};
pub use runner::{HealOptions, HealOutcome, HealRecord, Healer, Healing, PhaseSink, event_of};
pub use solve::{ActionRun, Policy, Verdict};
pub use value::{Process, Value};
pub use world::{Failure, World};
