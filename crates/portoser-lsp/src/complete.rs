//! Completion: keywords, services, hosts, facts and actions (their required parameters as a
//! snippet), ambient and bound names, types, enum variants, events, rules and playbooks;
//! record fields after `.`; annotations after `@`.

use crate::analysis::Analysis;
use crate::lookup::{self, Word};
use lsp_types::{CompletionItem, CompletionItemKind as Kind, Documentation, InsertTextFormat};
use portoser_check::builtins::{self, Builtin};
use portoser_diag::{Diagnostics, FileId};
use portoser_syntax::ast::Item;
use std::collections::HashSet;

const PLACEHOLDER: &str = "portoser_lsp_cursor";

pub fn complete(a: &Analysis, id: FileId, offset: usize) -> Vec<CompletionItem> {
    let Some(file) = a.map.get(id) else {
        return Vec::new();
    };
    let word = lookup::word_at(&file.text, offset, true);
    // The text being typed rarely parses (`let x = p.`): parse it with a placeholder name at
    // the cursor, so the bindings before it survive error recovery.
    let patched = format!(
        "{}{PLACEHOLDER}{}",
        file.text.get(..word.end).unwrap_or(""),
        file.text.get(word.end..).unwrap_or("")
    );
    let tree = portoser_syntax::parse_text(&patched, id, &mut Diagnostics::new());
    let item = lookup::item_at(&tree, word.end);
    let all = if word.after_at {
        builtins::ANNOTATIONS
            .iter()
            .map(|x| entry(x.name, Kind::PROPERTY, x.usage, x.doc))
            .collect()
    } else if let Some(chain) = &word.receiver {
        fields(a, item, offset, chain)
    } else {
        names(a, item, offset, &word)
    };
    let mut seen = HashSet::new();
    all.into_iter()
        .filter(|c| c.label.starts_with(&word.text) && seen.insert(c.label.clone()))
        .collect()
}

fn entry(label: &str, kind: Kind, detail: &str, doc: &str) -> CompletionItem {
    CompletionItem {
        label: label.to_string(),
        kind: Some(kind),
        detail: (!detail.is_empty()).then(|| detail.to_string()),
        documentation: (!doc.is_empty()).then(|| Documentation::String(doc.to_string())),
        ..CompletionItem::default()
    }
}

fn fields(
    a: &Analysis,
    item: Option<&Item>,
    offset: usize,
    chain: &[String],
) -> Vec<CompletionItem> {
    let ty = lookup::chain_type(a, item, offset, chain);
    let records: Vec<_> = match ty
        .as_deref()
        .and_then(|t| builtins::record(lookup::inner(t)))
    {
        Some(r) => vec![r],
        None => builtins::RECORDS.iter().collect(),
    };
    records
        .iter()
        .flat_map(|r| r.fields.iter())
        .map(|f| entry(f.name, Kind::FIELD, f.ty, f.doc))
        .collect()
}

fn names(a: &Analysis, item: Option<&Item>, offset: usize, word: &Word) -> Vec<CompletionItem> {
    let mut out = Vec::new();
    if let Some(i) = item {
        for b in lookup::bindings(i, offset).iter().rev() {
            out.push(entry(&b.ident().name, Kind::VARIABLE, "", ""));
        }
    }
    for b in builtins::FACTS.iter().chain(builtins::ACTIONS) {
        out.push(builtin(b, word.call));
    }
    if let Some(reg) = a.registry.as_ref() {
        for s in &reg.services {
            let engine = s.deployment_type.as_ref().map_or("", |e| e.value.as_str());
            let host = s.current_host.as_ref().map_or("", |h| h.value.as_str());
            out.push(entry(
                &s.name.value,
                Kind::MODULE,
                &format!("service ({engine} on {host})"),
                "",
            ));
        }
        for h in &reg.hosts {
            let ip = h.ip.as_ref().map_or("", |i| i.value.as_str());
            out.push(entry(&h.name.value, Kind::VALUE, &format!("host {ip}"), ""));
        }
    }
    for x in builtins::AMBIENT {
        out.push(entry(x.name, Kind::VARIABLE, x.ty, x.doc));
    }
    for t in builtins::TYPES {
        let name = t.name.split('<').next().unwrap_or(t.name);
        out.push(entry(name, Kind::CLASS, "type", t.doc));
    }
    for e in builtins::ENUMS {
        for (v, doc) in e.variants {
            out.push(entry(v, Kind::ENUM_MEMBER, e.name, doc));
        }
    }
    for e in builtins::EVENTS {
        out.push(entry(e.name, Kind::EVENT, "event", e.doc));
    }
    for f in &a.files {
        for i in &f.items {
            if let Some(n) = i.name() {
                out.push(entry(&n.name, Kind::REFERENCE, "", ""));
            }
        }
    }
    for k in portoser_syntax::KEYWORDS {
        out.push(entry(k, Kind::KEYWORD, "keyword", ""));
    }
    out
}

/// `wait_healthy(${1:service})`: the required parameters as tab stops; optional ones are
/// named arguments the user adds when needed. No parentheses when the text already has them.
fn builtin(b: &Builtin, call_follows: bool) -> CompletionItem {
    let mut item = entry(b.name, Kind::FUNCTION, &b.signature(), b.doc);
    if !call_follows {
        let stops: Vec<String> = b
            .params
            .iter()
            .filter(|p| p.default.is_none())
            .enumerate()
            .map(|(i, p)| format!("${{{}:{}}}", i + 1, p.name))
            .collect();
        item.insert_text = Some(format!("{}({})", b.name, stops.join(", ")));
        item.insert_text_format = Some(InsertTextFormat::SNIPPET);
    }
    item
}
