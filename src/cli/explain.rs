//! `portoser explain CODE` and `portoser explain --list`.

use super::Exit;
use super::output::Output;
use crate::{all_codes, explain};
use portoser_diag::{did_you_mean, find_code};

pub fn run(code: Option<&str>, list: bool, out: &Output) -> Exit {
    if list {
        let mut lines: Vec<String> = all_codes()
            .iter()
            .flat_map(|t| t.iter())
            .map(|c| format!("{}  {}", c.code, c.summary))
            .collect();
        lines.sort();
        out.stdout(&lines.join("\n"));
        return Exit::Ok;
    }
    let code = code.unwrap_or_default();
    if let Some(doc) = explain::doc(code) {
        out.stdout(doc);
        return Exit::Ok;
    }
    let tables = all_codes();
    if let Some(info) = find_code(&tables, code) {
        // Every code has a doc (a test checks it); this is a safety net, not a path.
        out.stdout(&format!(
            "{}: {}\n\n(no further documentation)",
            info.code, info.summary
        ));
        return Exit::Ok;
    }
    let known: Vec<&str> = tables
        .iter()
        .flat_map(|t| t.iter())
        .map(|c| c.code)
        .collect();
    let upper = code.to_ascii_uppercase();
    let mut message = format!("error: `{code}` is not a portoser diagnostic code");
    if let Some(s) = did_you_mean(&upper, known.iter().copied()) {
        message.push_str(&format!("\n  help: did you mean `{s}`?"));
    }
    message.push_str("\n  help: `portoser explain --list` shows every code");
    out.stderr(&message);
    Exit::Problems
}
