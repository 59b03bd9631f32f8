//! Renderings of a plan. All are deterministic: nodes in the plan's topological order.

mod graph;
mod human;
mod markdown;

pub use graph::{dot, mermaid};
pub use human::human;
pub use markdown::markdown;

use crate::model::Plan;

/// The versioned JSON document (`portoser.plan/v1`), also the saved plan file.
pub fn json(plan: &Plan) -> String {
    let mut text = serde_json::to_string_pretty(&crate::file::to_file(plan)).unwrap_or_default();
    text.push('\n');
    text
}
