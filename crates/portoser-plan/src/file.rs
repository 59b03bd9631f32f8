//! The saved plan: the JSON rendering (`portoser.plan/v1`, docs/plan-schema.md; the CLI
//! writes it atomically), read back with a schema check. It holds no secret values (the model has none)
//! and is pinned by the inputs hash and the state serial it was computed against.

use crate::model::{Change, Node, Plan, Summary};
use serde::{Deserialize, Serialize};

pub const SCHEMA: &str = "portoser.plan/v1";

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PlanFile {
    pub schema: String,
    pub inputs_hash: String,
    pub state_serial: u64,
    pub created_at: String,
    pub summary: Summary,
    pub changes: Vec<Change>,
    pub nodes: Vec<Node>,
}

pub(crate) fn to_file(plan: &Plan) -> PlanFile {
    PlanFile {
        schema: SCHEMA.to_string(),
        inputs_hash: plan.inputs_hash.clone(),
        state_serial: plan.state_serial,
        created_at: plan.created_at.clone(),
        summary: plan.summary(),
        changes: plan.changes.clone(),
        nodes: plan.nodes.clone(),
    }
}

/// Reads a saved plan. Messages are complete sentences' worth for an E0404 diagnostic.
pub fn load(text: &str) -> Result<Plan, String> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("the plan file is not valid JSON: {e}"))?;
    match value.get("schema").and_then(|s| s.as_str()) {
        Some(SCHEMA) => {}
        Some(other) => {
            return Err(format!(
                "the plan file has schema `{other}`, but this portoser reads only `{SCHEMA}`; \
                 run `portoser plan` again with this version"
            ));
        }
        None => {
            return Err("the plan file has no `schema` field: it is not a portoser plan".into());
        }
    }
    let file: PlanFile =
        serde_json::from_value(value).map_err(|e| format!("the plan file is malformed: {e}"))?;
    let plan = Plan {
        inputs_hash: file.inputs_hash,
        state_serial: file.state_serial,
        created_at: file.created_at,
        changes: file.changes,
        nodes: file.nodes,
        diagnostics: Vec::new(),
    };
    if plan.summary() != file.summary {
        return Err("the plan file's summary does not match its changes: it was edited".into());
    }
    Ok(plan)
}

/// Whether a saved plan still describes the inputs and state it would be applied to (E0405).
pub fn verify_fresh(plan: &Plan, inputs_hash: &str, state_serial: u64) -> Result<(), String> {
    if plan.inputs_hash != inputs_hash {
        return Err("the registry or a playbook changed since this plan was saved".into());
    }
    if plan.state_serial != state_serial {
        return Err(format!(
            "the state changed since this plan was saved (serial {} → {state_serial})",
            plan.state_serial
        ));
    }
    Ok(())
}
