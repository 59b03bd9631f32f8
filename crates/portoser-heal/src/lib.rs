//! portoser-heal: the self-healing loop (issue 6, docs/heal.md).
//!
//! observe → diagnose → solve → learn:
//! - [`classify`]: the failure's kind for the rules (words first, then what the host shows);
//! - [`observe`]: typed facts over the run's own connections, only those a standing rule
//!   needs, each round's needs in parallel;
//! - [`mod@diagnose`]: the first rule whose clauses hold — learned rules first (ranked by their
//!   record, in a round of their own), then the stdlib's, then the project's;
//! - [`solve`] walks the matched rule's body, [`actions`] are the typed actions behind their
//!   guards (policy, the service's own instance, paths, volumes), then `retry`;
//! - [`preflight`]: a learned rule acts before the deploy when its evidence is observed;
//! - [`learn`]: the fingerprint and the learned rule's text (the root crate checks and
//!   writes it, and records every heal in the state);
//! - [`healer`] holds it together with its bounds; [`runner::Healing`] wraps `apply`'s node
//!   runner.
//!
//! [`eval`] and [`diagnose::standing`] are pure (facts in, a decision out); IO is in
//! [`observe`] and [`actions`], through the transport's `Cmd`/`Script`.

pub mod actions;
pub mod classify;
pub mod diagnose;
pub mod eval;
pub mod facts;
pub mod healer;
pub mod learn;
pub mod observe;
pub mod preflight;
pub mod rules;
pub mod runner;
pub mod solve;
pub mod value;
pub mod world;

pub use diagnose::{Diagnosis, diagnose};
pub use healer::{HealOptions, HealOutcome, HealRecord, Healer, PhaseSink};
pub use observe::Observer;
pub use rules::{Origin, Record, Rule};
pub use runner::{Healing, event_of};
pub use solve::{ActionRun, Policy, Verdict};
pub use value::{Process, Value};
pub use world::{Failure, World};
