//! `registry.yml` and `service.yml`: loading with spans, and the checks that need only the
//! registry (names, addresses, ports, dependencies, paths, injection-safe values).
//!
//! Loading never stops at the first problem: the YAML becomes a spanned tree (`yaml`), the
//! tree becomes the model (`load`) with every problem reported, then `validate` runs the
//! checks that need the whole registry.

mod codes;
pub mod edit;
mod load;
pub mod model;
pub mod schema;
mod validate;
mod yaml;

pub use codes::CODES;
pub use load::{load, load_service_yml};
pub use model::*;
pub use validate::validate;
