//! `portoser check`: the whole compile, reported as text or as data.

use super::Exit;
use super::args::CheckFormat;
use super::output::{Output, count_problems};
use crate::compile::{Compiled, compile};
use crate::project::ProjectPaths;
use portoser_diag::to_json;
use serde::Serialize;

pub fn run(paths: &ProjectPaths, format: CheckFormat, out: &Output) -> Exit {
    let compiled = compile(paths);
    match format {
        CheckFormat::Human => {
            out.diagnostics(&compiled);
            out.stderr(&summary(paths, &compiled));
        }
        CheckFormat::Json => out.stdout(&json(&compiled)),
        // Annotations on stdout for GitHub, the readable rendering on stderr for the log.
        CheckFormat::Github => {
            out.diagnostics(&compiled);
            let sorted = compiled.diags.clone().into_sorted();
            out.stdout_raw(super::github::github(&compiled.map, &sorted).as_bytes());
        }
    }
    if compiled.diags.has_errors() {
        Exit::Problems
    } else {
        Exit::Ok
    }
}

fn summary(paths: &ProjectPaths, compiled: &Compiled) -> String {
    let c = compiled.counts;
    let what = format!(
        "{} ({} hosts, {} services), {} playbook files, {} stdlib files",
        ProjectPaths::display(&paths.registry),
        c.hosts,
        c.services,
        c.playbooks,
        c.stdlib
    );
    let (errors, warnings) = (compiled.diags.error_count(), compiled.diags.warning_count());
    if errors + warnings == 0 {
        format!("ok: {what}: no problems")
    } else if errors == 0 {
        format!("ok: {what}: {}", count_problems(errors, warnings))
    } else {
        format!("error: {what}: {}", count_problems(errors, warnings))
    }
}

/// The JSON document of `check --format json` (schema documented in docs/cli.md).
#[derive(Serialize)]
struct Report {
    schema: &'static str,
    ok: bool,
    errors: usize,
    warnings: usize,
    diagnostics: Vec<portoser_diag::JsonDiagnostic>,
}

pub fn json(compiled: &Compiled) -> String {
    let sorted = compiled.diags.clone().into_sorted();
    let report = Report {
        schema: "portoser.diagnostics/v1",
        ok: !compiled.diags.has_errors(),
        errors: compiled.diags.error_count(),
        warnings: compiled.diags.warning_count(),
        diagnostics: sorted.iter().map(|d| to_json(&compiled.map, d)).collect(),
    };
    serde_json::to_string_pretty(&report).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}
