//! `portoser check --format github`: one GitHub Actions workflow command per diagnostic, so a
//! pull request shows each problem as an annotation on its file and line.
//!
//! `::error file=F,line=L,col=C,endLine=EL,endColumn=EC,title=E0102::message`. GitHub reads
//! the command up to the first `::` and splits properties on `,`, so values escape `%`, CR,
//! LF, `:` and `,`; the message escapes `%`, CR and LF (GitHub's `escapeData` and
//! `escapeProperty`). Without that, a hostile service name could end the annotation early or
//! start a second workflow command on a new line.

use portoser_diag::{Diagnostic, Severity, SourceMap, to_json};
use std::fmt::Write;

/// The workflow commands for `diagnostics`, one line each, in the given order.
pub fn github(map: &SourceMap, diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for diagnostic in diagnostics {
        let _ = writeln!(out, "{}", command(map, diagnostic));
    }
    out
}

fn command(map: &SourceMap, diagnostic: &Diagnostic) -> String {
    let json = to_json(map, diagnostic);
    let kind = match json.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let mut properties = Vec::new();
    if let (Some(file), Some(line), Some(col)) = (&json.file, json.line, json.column) {
        properties.push(format!("file={}", escape_property(file)));
        properties.push(format!("line={line}"));
        properties.push(format!("col={col}"));
        if let (Some(end_line), Some(end_col)) = (json.end_line, json.end_column) {
            // GitHub's endColumn is inclusive; ours points just after the span.
            let end_col = if end_line == line && end_col > col {
                end_col - 1
            } else {
                end_col
            };
            properties.push(format!("endLine={end_line}"));
            properties.push(format!("endColumn={end_col}"));
        }
    }
    properties.push(format!("title={}", escape_property(json.code)));
    let mut message = json.message.clone();
    if let Some(label) = json.label.as_deref().filter(|l| !l.is_empty()) {
        let _ = write!(message, "\n{label}");
    }
    for label in &json.labels {
        let _ = write!(
            message,
            "\n{}:{}:{}: {}",
            label.file, label.line, label.column, label.message
        );
    }
    for note in &json.notes {
        let _ = write!(message, "\nnote: {note}");
    }
    if let Some(help) = &json.help {
        let _ = write!(message, "\nhelp: {help}");
    }
    format!(
        "::{kind} {}::{}",
        properties.join(","),
        escape_data(&message)
    )
}

/// The message of a workflow command.
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A property value of a workflow command.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use portoser_diag::{Origin, Span};

    fn one_file(name: &str, text: &str) -> (SourceMap, portoser_diag::FileId) {
        let mut map = SourceMap::new();
        let file = map.add(name, text.to_string(), Origin::Project);
        (map, file)
    }

    #[test]
    fn an_error_is_located_with_an_inclusive_end_column() {
        let (map, file) = one_file(
            "registry.yml",
            "services:\n  web:\n    dependencies: [postgress]\n",
        );
        let start = 36;
        let diag = Diagnostic::error(
            "E0102",
            "`web` depends on `postgress`, which is not a service",
        )
        .at(
            Span::new(file, start, start + 9),
            "no service has this name",
        )
        .with_help("did you mean `postgres`?");
        let out = github(&map, &[diag]);
        assert_eq!(
            out,
            "::error file=registry.yml,line=3,col=20,endLine=3,endColumn=28,title=E0102::\
             `web` depends on `postgress`, which is not a service%0Ano service has this name\
             %0Ahelp: did you mean `postgres`?\n"
        );
    }

    #[test]
    fn warnings_are_warnings_and_unlocated_diagnostics_have_only_a_title() {
        let (map, file) = one_file("a.pbk", "rule x {}\n");
        let warning = Diagnostic::warning("W0301", "unused").at(Span::new(file, 5, 6), "here");
        let unlocated = Diagnostic::error("E0001", "cannot read registry.yml");
        let out = github(&map, &[warning, unlocated]);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(
            lines,
            [
                "::warning file=a.pbk,line=1,col=6,endLine=1,endColumn=6,title=W0301::unused%0Ahere",
                "::error title=E0001::cannot read registry.yml",
            ]
        );
    }

    #[test]
    fn hostile_text_cannot_end_the_command_or_start_another() {
        let name = "a,b:c%d\r\n::error file=x::pwned.yml";
        let (map, file) = one_file(name, "x\n");
        let diag = Diagnostic::error("E0103", "bad\n::warning::injected 100%\r")
            .at(Span::new(file, 0, 1), "here: a, b")
            .with_note("line one\nline two");
        let out = github(&map, &[diag]);
        assert_eq!(out.lines().count(), 1, "{out}");
        assert!(out.starts_with(
            "::error file=a%2Cb%3Ac%25d%0D%0A%3A%3Aerror file=x%3A%3Apwned.yml,line=1,col=1,"
        ));
        assert!(out.ends_with(
            "::bad%0A::warning::injected 100%25%0D%0Ahere: a, b%0Anote: line one%0Aline two\n"
        ));
        // Exactly one `::` separates properties from the message.
        let head = out.split("::").nth(1).unwrap_or_default();
        assert!(
            !head.contains('\n') && head.ends_with("title=E0103"),
            "{head}"
        );
    }

    #[test]
    fn escaping_follows_github() {
        assert_eq!(escape_data("50% a\r\nb:c,d"), "50%25 a%0D%0Ab:c,d");
        assert_eq!(escape_property("50% a\r\nb:c,d"), "50%25 a%0D%0Ab%3Ac%2Cd");
    }
}
