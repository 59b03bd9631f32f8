//! Diagnostics as data for editors, CI annotations and the language server.
//! Lines and columns are 1-based; columns count characters; `end_*` is exclusive.

use crate::diagnostic::{Diagnostic, Label, Severity};
use crate::source::SourceMap;
use serde::Serialize;

#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct JsonLabel {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub message: String,
}

#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct JsonDiagnostic {
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    pub file: Option<String>,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub end_line: Option<usize>,
    pub end_column: Option<usize>,
    /// What the primary label says about its place.
    pub label: Option<String>,
    pub labels: Vec<JsonLabel>,
    pub notes: Vec<String>,
    pub help: Option<String>,
}

fn locate(map: &SourceMap, label: &Label) -> JsonLabel {
    let file = map.file(label.span.file);
    let (line, column) = file.line_col(label.span.start);
    let (end_line, end_column) = file.line_col(label.span.end);
    JsonLabel {
        file: file.name.clone(),
        line,
        column,
        end_line,
        end_column,
        message: label.message.clone(),
    }
}

pub fn to_json(map: &SourceMap, diagnostic: &Diagnostic) -> JsonDiagnostic {
    let primary = diagnostic.primary.as_ref().map(|l| locate(map, l));
    JsonDiagnostic {
        code: diagnostic.code,
        severity: diagnostic.severity,
        message: diagnostic.message.clone(),
        file: primary.as_ref().map(|p| p.file.clone()),
        line: primary.as_ref().map(|p| p.line),
        column: primary.as_ref().map(|p| p.column),
        end_line: primary.as_ref().map(|p| p.end_line),
        end_column: primary.as_ref().map(|p| p.end_column),
        label: primary.map(|p| p.message),
        labels: diagnostic.labels.iter().map(|l| locate(map, l)).collect(),
        notes: diagnostic.notes.clone(),
        help: diagnostic.help.clone(),
    }
}
