//! The saved plan: the JSON rendering (`portoser.plan/v1`, docs/plan-schema.md; the CLI
//! writes it atomically), read back with a schema check. It holds no secret values (the model has none)
//! and is pinned by the inputs hash and the state serial it was computed against.

use crate::model::{Change, Node, Plan, Summary};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const SCHEMA: &str = "portoser.plan/v1";

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PlanFile {
    pub schema: String,
    pub inputs_hash: String,
    /// Per input digests (see `Plan::inputs`); absent in files saved by older versions.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub inputs: BTreeMap<String, String>,
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
        inputs: plan.inputs.clone(),
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
        inputs: file.inputs,
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

/// Whether a saved plan still describes the inputs and state of a fresh plan (E0405), and if
/// not, what changed: which files, which services' synced files, or the state serial.
pub fn verify_against(saved: &Plan, fresh: &Plan) -> Result<(), String> {
    if saved.inputs_hash != fresh.inputs_hash && !saved.inputs.is_empty() {
        let changed = changed_inputs(&saved.inputs, &fresh.inputs);
        if !changed.is_empty() {
            return Err(format!("since this plan was saved: {}", changed.join("; ")));
        }
    }
    verify_fresh(saved, &fresh.inputs_hash, fresh.state_serial)
}

/// `registry.yml changed`, `playbooks/x.pbk added`, ... in name order.
pub fn changed_inputs(
    saved: &BTreeMap<String, String>,
    now: &BTreeMap<String, String>,
) -> Vec<String> {
    let mut out = Vec::new();
    for (name, digest) in saved {
        match now.get(name) {
            None => out.push(format!("{name} removed")),
            Some(d) if d != digest => out.push(format!("{name} changed")),
            Some(_) => {}
        }
    }
    for name in now.keys().filter(|n| !saved.contains_key(*n)) {
        out.push(format!("{name} added"));
    }
    out
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

#[cfg(test)]
mod tests {
    use super::changed_inputs;
    use std::collections::BTreeMap;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn changed_inputs_names_each_change() {
        let saved = map(&[
            ("registry.yml", "a"),
            ("playbooks/x.pbk", "b"),
            ("files of api", "c"),
        ]);
        let now = map(&[
            ("registry.yml", "a2"),
            ("files of api", "c"),
            ("playbooks/y.pbk", "d"),
        ]);
        assert_eq!(
            changed_inputs(&saved, &now),
            [
                "playbooks/x.pbk removed",
                "registry.yml changed",
                "playbooks/y.pbk added"
            ]
        );
        assert!(changed_inputs(&now, &now).is_empty());
    }
}
