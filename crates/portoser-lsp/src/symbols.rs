//! Document symbols (the items of a file) and formatting (the CLI's formatter).

use crate::lines::LineIndex;
use lsp_types::{DocumentSymbol, SymbolKind, TextEdit};
use portoser_diag::{FileId, Span};
use portoser_syntax::ast::{self, ItemKind};

pub fn symbols(tree: &ast::File, text: &str) -> Vec<DocumentSymbol> {
    let lines = LineIndex::new(text);
    tree.items
        .iter()
        .map(|item| {
            let (name, detail, kind, at) = describe(item);
            let children = match &item.kind {
                ItemKind::Engine(e) => e
                    .sections
                    .iter()
                    .map(|s| {
                        let span = s.name.span.to(s.body.span);
                        symbol(
                            &lines,
                            s.name.name.clone(),
                            None,
                            SymbolKind::METHOD,
                            span,
                            s.name.span,
                            None,
                        )
                    })
                    .collect(),
                _ => Vec::new(),
            };
            let children = (!children.is_empty()).then_some(children);
            symbol(&lines, name, detail, kind, item.span, at, children)
        })
        .collect()
}

fn describe(item: &ast::Item) -> (String, Option<String>, SymbolKind, Span) {
    match &item.kind {
        ItemKind::Rule(r) => (
            r.name.name.clone(),
            Some(format!("rule on {} failed", r.on.name)),
            SymbolKind::EVENT,
            r.name.span,
        ),
        ItemKind::Hook(h) => (
            format!(
                "{} {} of {}",
                h.timing.as_str(),
                h.event.name,
                h.service.name
            ),
            Some("hook".into()),
            SymbolKind::EVENT,
            h.service.span,
        ),
        ItemKind::Playbook(p) => {
            let params: Vec<&str> = p.params.iter().map(|x| x.name.name.as_str()).collect();
            let detail = format!("playbook({})", params.join(", "));
            (
                p.name.name.clone(),
                Some(detail),
                SymbolKind::FUNCTION,
                p.name.span,
            )
        }
        ItemKind::Engine(e) => (
            e.name.name.clone(),
            Some("engine".into()),
            SymbolKind::CLASS,
            e.name.span,
        ),
        ItemKind::Allow(al) => {
            let names: Vec<&str> = al.services.iter().map(|s| s.name.as_str()).collect();
            let name = format!("allow {} for {}", al.capability.name, names.join(", "));
            (name, None, SymbolKind::KEY, al.capability.span)
        }
        ItemKind::Import(i) => (
            format!("import \"{}\"", i.path),
            None,
            SymbolKind::MODULE,
            i.path_span,
        ),
    }
}

#[allow(deprecated)] // `deprecated` is a required field of the struct
fn symbol(
    lines: &LineIndex<'_>,
    name: String,
    detail: Option<String>,
    kind: SymbolKind,
    span: Span,
    at: Span,
    children: Option<Vec<DocumentSymbol>>,
) -> DocumentSymbol {
    let range = lines.range(span.start as usize, span.end as usize);
    let mut selection = lines.range(at.start as usize, at.end as usize);
    // The protocol wants the selection inside the range; recovered trees can break that.
    if selection.start < range.start || selection.end > range.end {
        selection = range;
    }
    DocumentSymbol {
        // An empty name is a protocol error; a recovered item may have none.
        name: if name.trim().is_empty() {
            "?".into()
        } else {
            name
        },
        detail,
        kind,
        tags: None,
        deprecated: None,
        range,
        selection_range: selection,
        children,
    }
}

/// One edit replacing the whole text with its formatted form; none when it is already
/// formatted or has syntax errors (broken code is never formatted).
pub fn format(text: &str) -> Vec<TextEdit> {
    match portoser_syntax::format(text, FileId(0)) {
        Ok(formatted) if formatted != text => {
            vec![TextEdit::new(LineIndex::new(text).full(), formatted)]
        }
        _ => Vec::new(),
    }
}
