//! `portoser plan` and `portoser graph`: compile, read the recorded state, build the plan.

use super::Exit;
use super::args::{GraphFormat, PlanFormat};
use super::output::Output;
use crate::planning::plan_project;
use crate::project::ProjectPaths;
use portoser_plan::{Plan, render};
use std::path::Path;

/// Compiles and plans; on any error, prints the diagnostics and returns the exit code.
fn build(paths: &ProjectPaths, out: &Output) -> Result<Plan, Exit> {
    let planned = plan_project(paths);
    out.diagnostics(&planned.compiled);
    if let crate::vault::VersionCheck::NotChecked(why) = &planned.secret_versions {
        out.stderr(&format!(
            "note: secret versions were not checked ({why}): a secret rotated in Vault since \
             the last apply is not detected by this plan"
        ));
    }
    match planned.plan {
        Some(plan) => Ok(plan),
        None => {
            out.stderr("error: no plan was made because of the errors above");
            Err(Exit::Problems)
        }
    }
}

pub fn run(
    paths: &ProjectPaths,
    format: PlanFormat,
    save: Option<&Path>,
    detailed_exitcode: bool,
    out: &Output,
) -> Exit {
    let plan = match build(paths, out) {
        Ok(plan) => plan,
        Err(exit) => return exit,
    };
    let text = match format {
        PlanFormat::Human => render::human(&plan, out.color_stdout),
        PlanFormat::Json => render::json(&plan),
        PlanFormat::Markdown => render::markdown(&plan),
    };
    out.stdout(&text);
    if let Some(path) = save {
        if let Err(e) = crate::atomic::write(path, render::json(&plan).as_bytes()) {
            out.stderr(&format!(
                "error: cannot save the plan to `{}`: {e}",
                path.display()
            ));
            return Exit::Problems;
        }
        out.stderr(&format!("saved the plan to {}", path.display()));
    }
    match (detailed_exitcode, plan.has_changes()) {
        (true, true) => Exit::UsageOrChanges,
        _ => Exit::Ok,
    }
}

pub fn graph(paths: &ProjectPaths, format: GraphFormat, out: &Output) -> Exit {
    match build(paths, out) {
        Ok(plan) => {
            out.stdout(&match format {
                GraphFormat::Dot => render::dot(&plan),
                GraphFormat::Mermaid => render::mermaid(&plan),
            });
            Exit::Ok
        }
        Err(exit) => exit,
    }
}
