//! `registry.yml` and `service.yml`: loading with spans, and the checks that need only the
//! registry (names, addresses, ports, dependencies, paths, injection-safe values).

pub mod model;

pub use model::*;
