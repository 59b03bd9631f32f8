//! Hover: the docs of facts, actions, types, fields, enum variants, events and annotations
//! from the one built-in table; services and hosts from the registry; the binding of a name.

use crate::analysis::Analysis;
use crate::lookup::{self, Binding, Word};
use portoser_check::builtins::{self, Builtin};
use portoser_diag::FileId;
use portoser_registry::{Host, Registry, Service};
use portoser_syntax::ast::Item;

/// Markdown for the word at `offset` of file `id`, or `None` when there is nothing to say.
pub fn markdown(a: &Analysis, id: FileId, offset: usize) -> Option<(Word, String)> {
    let text = a.map.get(id)?.text.clone();
    let word = lookup::word_at(&text, offset, false);
    if word.text.is_empty() {
        return None;
    }
    let item = a.tree(id).and_then(|t| lookup::item_at(t, offset));
    let doc = describe(a, item, &word, offset)?;
    Some((word, doc))
}

fn describe(a: &Analysis, item: Option<&Item>, w: &Word, offset: usize) -> Option<String> {
    let name = w.text.as_str();
    if w.after_at {
        let ann = builtins::annotation(name)?;
        return Some(format!("{}\n\n{}", code(ann.usage), ann.doc));
    }
    // `on stop failed`, `hook before stop of api`: an event, though `stop` is also an action.
    if ["on", "before", "after"].contains(&w.previous.as_str())
        && let Some(e) = builtins::event(name)
    {
        return Some(format!(
            "{}\n\n{}",
            code(&format!("event {}", e.name)),
            e.doc
        ));
    }
    if let Some(chain) = &w.receiver {
        return field(a, item, offset, chain, name);
    }
    let shadowed = item
        .and_then(|i| lookup::binding(i, offset, name))
        .is_some();
    if let Some(b) = builtins::fact(name).or_else(|| builtins::action(name))
        && (w.call || !shadowed)
    {
        return Some(builtin(b));
    }
    if let Some(b) = item.and_then(|i| lookup::binding(i, offset, name)) {
        return Some(binding(a, &b));
    }
    if let Some(amb) = builtins::AMBIENT.iter().find(|x| x.name == name) {
        return Some(format!(
            "{}\n\n{}",
            code(&format!("{}: {}", amb.name, amb.ty)),
            amb.doc
        ));
    }
    if let Some(reg) = a.registry.as_ref() {
        if let Some(s) = reg.service(name) {
            return Some(service(reg, s));
        }
        if let Some(h) = reg.host(name) {
            return Some(host(h));
        }
    }
    other(a, name)
}

fn other(a: &Analysis, name: &str) -> Option<String> {
    if let Some(t) = builtins::TYPES.iter().find(|t| t.name == name) {
        let mut out = format!("{}\n\n{}", code(&format!("type {}", t.name)), t.doc);
        if let Some(r) = builtins::record(name) {
            out.push_str("\n\nfields:");
            for f in r.fields {
                out.push_str(&format!("\n- `{}: {}`: {}", f.name, f.ty, f.doc));
            }
        }
        return Some(out);
    }
    if let Some(e) = builtins::variant_enum(name) {
        let doc = e
            .variants
            .iter()
            .find(|(v, _)| *v == name)
            .map_or("", |(_, d)| d);
        return Some(format!("{}\n\n{doc}", code(&format!("{}::{name}", e.name))));
    }
    if let Some(e) = builtins::event(name) {
        return Some(format!(
            "{}\n\n{}",
            code(&format!("event {}", e.name)),
            e.doc
        ));
    }
    let (item, file) = crate::goto::find_item(a, name)?;
    let kind = match &item.kind {
        portoser_syntax::ast::ItemKind::Rule(_) => "rule",
        portoser_syntax::ast::ItemKind::Playbook(_) => "playbook",
        _ => "engine",
    };
    Some(format!(
        "{}\n\ndefined in `{file}`",
        code(&format!("{kind} {name}"))
    ))
}

fn code(text: &str) -> String {
    format!("```pbk\n{text}\n```")
}

pub fn builtin(b: &Builtin) -> String {
    let what = if b.is_fact() { "fact" } else { "action" };
    format!(
        "{}\n\n{}\n\n*{what}, {}*, allowed in: {}",
        code(&b.signature()),
        b.doc,
        b.effect.as_str(),
        builtins::places(b.places).join(", ")
    )
}

fn field(
    a: &Analysis,
    item: Option<&Item>,
    offset: usize,
    chain: &[String],
    name: &str,
) -> Option<String> {
    let known = lookup::chain_type(a, item, offset, chain);
    let records: Vec<_> = match known
        .as_deref()
        .and_then(|t| builtins::record(lookup::inner(t)))
    {
        Some(r) => vec![r],
        None => builtins::RECORDS.iter().collect(),
    };
    records.iter().find_map(|r| {
        let f = r.fields.iter().find(|f| f.name == name)?;
        Some(format!(
            "{}\n\n{}",
            code(&format!("{}.{}: {}", r.name, f.name, f.ty)),
            f.doc
        ))
    })
}

fn binding(a: &Analysis, b: &Binding<'_>) -> String {
    let snippet = |span: portoser_diag::Span| a.map.text(span).to_string();
    match b {
        Binding::Param(p) => code(&format!("{}: {}", p.name.name, snippet(p.ty.span))),
        Binding::Let(l) => code(&format!("let {} = {}", l.name.name, snippet(l.value.span))),
        Binding::For(f) => code(&format!("for {} in {}", f.var.name, snippet(f.iter.span))),
    }
}

fn service(reg: &Registry, s: &Service) -> String {
    let mut lines = vec![code(&format!("service {}", s.name.value))];
    if let Some(d) = &s.description {
        lines.push(d.value.clone());
    }
    let mut facts = Vec::new();
    if let Some(e) = &s.deployment_type {
        facts.push(format!("- engine: `{}`", e.value.as_str()));
    }
    if let Some(h) = &s.current_host {
        let ip = reg
            .host(&h.value)
            .and_then(|h| h.ip.as_ref())
            .map(|ip| format!(" ({})", ip.value));
        facts.push(format!("- host: `{}`{}", h.value, ip.unwrap_or_default()));
    }
    if let Some(p) = &s.port {
        facts.push(format!("- port: `{}`", p.value));
    }
    if !s.dependencies.is_empty() {
        let deps: Vec<String> = s
            .dependencies
            .iter()
            .map(|d| format!("`{}`", d.value))
            .collect();
        facts.push(format!("- depends on: {}", deps.join(", ")));
    }
    lines.push(facts.join("\n"));
    lines.join("\n\n")
}

fn host(h: &Host) -> String {
    let mut lines = vec![code(&format!("host {}", h.name.value))];
    if let Some(d) = &h.description {
        lines.push(d.value.clone());
    }
    let mut facts = Vec::new();
    if let Some(ip) = &h.ip {
        facts.push(format!("- address: `{}`", ip.value));
    }
    if let Some(arch) = &h.arch {
        facts.push(format!("- arch: `{}`", arch.value.as_str()));
    }
    facts.push(format!("- connection: `{}`", h.connection().as_str()));
    if let Some(p) = &h.ssh_port {
        facts.push(format!("- ssh port: `{}`", p.value));
    }
    if !h.roles.is_empty() {
        let roles: Vec<String> = h.roles.iter().map(|r| format!("`{}`", r.value)).collect();
        facts.push(format!("- roles: {}", roles.join(", ")));
    }
    lines.push(facts.join("\n"));
    lines.join("\n\n")
}
