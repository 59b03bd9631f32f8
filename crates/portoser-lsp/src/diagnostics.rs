//! The compiler's diagnostics as LSP diagnostics, grouped by file. A playbook that names a
//! service whose registry entry has an error also shows that error at the name, so the
//! problem is visible from the file being edited.

use crate::analysis::Analysis;
use crate::lines::LineIndex;
use crate::uri;
use lsp_types::{
    Diagnostic as LspDiagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, Location,
    NumberOrString, Uri,
};
use portoser_diag::{Diagnostic, FileId, Severity, Span};
use portoser_syntax::ast::{Ident, ItemKind};
use std::collections::HashMap;

/// Every project file of the analysis with its diagnostics (possibly none).
pub fn by_file(a: &Analysis) -> Vec<(Uri, Vec<LspDiagnostic>)> {
    let mut out: HashMap<FileId, Vec<LspDiagnostic>> =
        a.project_files().map(|(id, _)| (id, Vec::new())).collect();
    for d in &a.diags {
        let Some(primary) = &d.primary else { continue };
        if let Some(list) = out.get_mut(&primary.span.file) {
            list.push(convert(a, d, primary.span, d.message.clone()));
        }
    }
    for (id, list) in out.iter_mut() {
        list.extend(registry_echoes(a, *id));
    }
    let mut files: Vec<(Uri, Vec<LspDiagnostic>)> = out
        .into_iter()
        .filter_map(|(id, list)| Some((uri::from_path(a.path(id)?)?, list)))
        .collect();
    files.sort_by(|x, y| x.0.as_str().cmp(y.0.as_str()));
    files
}

pub fn location(a: &Analysis, span: Span) -> Option<Location> {
    let path = a.path(span.file)?;
    let file = a.map.get(span.file)?;
    let range = LineIndex::new(&file.text).range(span.start as usize, span.end as usize);
    Some(Location::new(uri::from_path(path)?, range))
}

fn convert(a: &Analysis, d: &Diagnostic, at: Span, message: String) -> LspDiagnostic {
    let text = a
        .map
        .get(at.file)
        .map(|f| f.text.clone())
        .unwrap_or_default();
    let range = LineIndex::new(&text).range(at.start as usize, at.end as usize);
    let mut message = message;
    if let Some(label) = d.primary.as_ref().filter(|l| !l.message.is_empty()) {
        message.push_str(&format!("\n{}", label.message));
    }
    for note in &d.notes {
        message.push_str(&format!("\nnote: {note}"));
    }
    if let Some(help) = &d.help {
        message.push_str(&format!("\nhelp: {help}"));
    }
    let related: Vec<DiagnosticRelatedInformation> = d
        .labels
        .iter()
        .filter_map(|l| {
            Some(DiagnosticRelatedInformation {
                location: location(a, l.span)?,
                message: l.message.clone(),
            })
        })
        .collect();
    LspDiagnostic {
        range,
        severity: Some(match d.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(d.code.to_string())),
        source: Some("portoser".to_string()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        ..LspDiagnostic::default()
    }
}

/// Registry errors inside the entry of a service that this playbook names (hook targets,
/// `allow ... for` lists), shown again at the name.
fn registry_echoes(a: &Analysis, file: FileId) -> Vec<LspDiagnostic> {
    let (Some(tree), Some(registry)) = (a.tree(file), a.registry.as_ref()) else {
        return Vec::new();
    };
    let mut names: Vec<&Ident> = Vec::new();
    for item in &tree.items {
        match &item.kind {
            ItemKind::Hook(h) => names.push(&h.service),
            ItemKind::Allow(al) => names.extend(al.services.iter()),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for name in names {
        let Some(service) = registry.service(&name.name) else {
            continue;
        };
        let entry = service.span;
        for d in a.diags.iter().filter(|d| d.is_error()) {
            let Some(p) = &d.primary else { continue };
            let inside =
                p.span.file == entry.file && p.span.start >= entry.start && p.span.end <= entry.end;
            if !inside {
                continue;
            }
            let message = format!(
                "`{}` has a problem in registry.yml: {}",
                name.name, d.message
            );
            let mut echo = convert(a, d, name.span, message);
            echo.related_information = location(a, p.span).map(|location| {
                vec![DiagnosticRelatedInformation {
                    location,
                    message: p.message.clone(),
                }]
            });
            out.push(echo);
        }
    }
    out
}
