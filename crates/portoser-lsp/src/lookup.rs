//! What is under the cursor: the word, what precedes it (`.` or `@`), the item around it, the
//! names bound before it, and (for `x.`) the record type of the receiver. Text-based where
//! the tree may be broken (the user is typing), tree-based for bindings.

use crate::analysis::Analysis;
use portoser_check::builtins;
use portoser_syntax::ast::{self, Block, Clause, ExprKind, Item, ItemKind, StmtKind};

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Word {
    pub text: String,
    pub start: usize,
    pub end: usize,
    /// `a.b.` before the word: the chain of names (`["a", "b"]`).
    pub receiver: Option<Vec<String>>,
    /// `@` right before the word.
    pub after_at: bool,
    /// `(` right after the word: a call.
    pub call: bool,
    /// The word before this one on the same line (`on` in `on deploy failed`).
    pub previous: String,
}

fn is_name(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The word around `offset`. With `prefix_only` (completion) the word ends at the cursor.
pub fn word_at(text: &str, offset: usize, prefix_only: bool) -> Word {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = text.get(..offset).unwrap_or("");
    let start = before
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_name(*c))
        .last()
        .map_or(offset, |(i, _)| i);
    let end = if prefix_only {
        offset
    } else {
        let after = text.get(offset..).unwrap_or("");
        offset + after.find(|c: char| !is_name(c)).unwrap_or(after.len())
    };
    let head = text.get(..start).unwrap_or("");
    let tail = text.get(end..).unwrap_or("");
    Word {
        text: text.get(start..end).unwrap_or("").to_string(),
        start,
        end,
        receiver: receiver(head),
        after_at: head.ends_with('@'),
        call: tail.trim_start().starts_with('('),
        previous: head
            .rsplit('\n')
            .next()
            .unwrap_or("")
            .split(|c: char| !is_name(c))
            .rfind(|w| !w.is_empty())
            .unwrap_or("")
            .to_string(),
    }
}

/// `service.host.` → `["service", "host"]`; `None` when no `.` precedes.
fn receiver(head: &str) -> Option<Vec<String>> {
    let mut rest = head.trim_end().strip_suffix('.')?;
    let mut chain = Vec::new();
    loop {
        let trimmed = rest.trim_end_matches(is_name);
        let name = rest.get(trimmed.len()..).unwrap_or("");
        if name.is_empty() {
            return None;
        }
        chain.push(name.to_string());
        match trimmed.strip_suffix('.') {
            Some(r) => rest = r,
            None => break,
        }
    }
    chain.reverse();
    Some(chain)
}

/// The item whose span holds the offset.
pub fn item_at(tree: &ast::File, offset: usize) -> Option<&Item> {
    tree.items
        .iter()
        .find(|i| (i.span.start as usize) <= offset && offset <= i.span.end as usize)
}

/// A name bound in an item: a playbook parameter, a `let`, a `for` variable.
pub enum Binding<'a> {
    Param(&'a ast::Param),
    Let(&'a ast::Let),
    For(&'a ast::For),
}

impl Binding<'_> {
    pub fn ident(&self) -> &ast::Ident {
        match self {
            Binding::Param(p) => &p.name,
            Binding::Let(l) => &l.name,
            Binding::For(f) => &f.var,
        }
    }
}

/// Names visible at `offset` in `item`, innermost (latest) last.
pub fn bindings(item: &Item, offset: usize) -> Vec<Binding<'_>> {
    let mut out = Vec::new();
    match &item.kind {
        ItemKind::Rule(r) => {
            for c in &r.clauses {
                if let Clause::Let(l) = c
                    && (l.name.span.start as usize) < offset
                {
                    out.push(Binding::Let(l));
                }
            }
            block(&r.body, offset, &mut out);
        }
        ItemKind::Hook(h) => block(&h.body, offset, &mut out),
        ItemKind::Playbook(p) => {
            out.extend(p.params.iter().map(Binding::Param));
            block(&p.body, offset, &mut out);
        }
        ItemKind::Engine(e) => e
            .sections
            .iter()
            .for_each(|s| block(&s.body, offset, &mut out)),
        ItemKind::Allow(_) | ItemKind::Import(_) => {}
    }
    out
}

fn block<'a>(b: &'a Block, offset: usize, out: &mut Vec<Binding<'a>>) {
    let inside = |b: &Block| (b.span.start as usize) <= offset && offset <= b.span.end as usize;
    if !inside(b) {
        return;
    }
    for stmt in &b.stmts {
        match &stmt.kind {
            StmtKind::Let(l) if (l.name.span.start as usize) < offset => out.push(Binding::Let(l)),
            StmtKind::For(f) if inside(&f.body) => {
                out.push(Binding::For(f));
                block(&f.body, offset, out);
            }
            StmtKind::If(i) => {
                block(&i.then, offset, out);
                if let Some(o) = &i.otherwise {
                    block(o, offset, out);
                }
            }
            _ => {}
        }
    }
}

/// The binding named `name` visible at `offset` (the innermost).
pub fn binding<'a>(item: &'a Item, offset: usize, name: &str) -> Option<Binding<'a>> {
    bindings(item, offset)
        .into_iter()
        .rev()
        .find(|b| b.ident().name == name)
}

/// `Option<Process>` → `Process`, `List<Service>` → `Service`: the record behind a type.
pub fn inner(ty: &str) -> &str {
    let mut ty = ty.trim();
    for wrap in ["Option<", "List<"] {
        if let Some(rest) = ty.strip_prefix(wrap).and_then(|r| r.strip_suffix('>')) {
            ty = rest;
        }
    }
    ty
}

/// The type (as written) of a chain of names such as `owner.pid` at `offset`.
pub fn chain_type(
    a: &Analysis,
    item: Option<&Item>,
    offset: usize,
    chain: &[String],
) -> Option<String> {
    let (first, rest) = chain.split_first()?;
    let mut ty = name_type(a, item, offset, first, 0)?;
    for field in rest {
        let record = builtins::record(inner(&ty))?;
        ty = record
            .fields
            .iter()
            .find(|f| f.name == field)?
            .ty
            .to_string();
    }
    Some(ty)
}

fn name_type(
    a: &Analysis,
    item: Option<&Item>,
    offset: usize,
    name: &str,
    depth: u8,
) -> Option<String> {
    if depth > 8 {
        return None;
    }
    if let Some(b) = item.and_then(|i| binding(i, offset, name)) {
        return match b {
            Binding::Param(p) => Some(type_text(&p.ty)),
            Binding::Let(l) => expr_type(a, item, l.name.span.start as usize, &l.value, depth + 1),
            Binding::For(f) => expr_type(a, item, f.var.span.start as usize, &f.iter, depth + 1)
                .map(|t| inner(&t).to_string()),
        };
    }
    if let Some(amb) = builtins::AMBIENT.iter().find(|x| x.name == name) {
        return Some(amb.ty.to_string());
    }
    let reg = a.registry.as_ref()?;
    if reg.service(name).is_some() {
        Some("Service".into())
    } else {
        reg.host(name).map(|_| "Host".into())
    }
}

fn expr_type(
    a: &Analysis,
    item: Option<&Item>,
    offset: usize,
    e: &ast::Expr,
    depth: u8,
) -> Option<String> {
    match &e.kind {
        ExprKind::Name(n) => name_type(a, item, offset, n, depth),
        ExprKind::Call(c) => builtins::fact(&c.callee.name).map(|b| b.result.to_string()),
        ExprKind::Field(base, f) => {
            let ty = expr_type(a, item, offset, base, depth + 1)?;
            let record = builtins::record(inner(&ty))?;
            record
                .fields
                .iter()
                .find(|x| x.name == f.name)
                .map(|x| x.ty.to_string())
        }
        ExprKind::Paren(inner) => expr_type(a, item, offset, inner, depth + 1),
        _ => None,
    }
}

fn type_text(t: &ast::TypeExpr) -> String {
    if t.args.is_empty() {
        return t.name.name.clone();
    }
    let args: Vec<String> = t.args.iter().map(type_text).collect();
    format!("{}<{}>", t.name.name, args.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_receivers_and_calls() {
        let text = "  let x = owner.pi\n  wait_healthy(api)\n@allow";
        let w = word_at(text, text.find(".pi").unwrap_or(0) + 3, true);
        assert_eq!(w.text, "pi");
        assert_eq!(w.receiver, Some(vec!["owner".to_string()]));
        let at = text.find("healthy").unwrap_or(0);
        let w = word_at(text, at, false);
        assert_eq!(
            (w.text.as_str(), w.call, w.receiver),
            ("wait_healthy", true, None)
        );
        let w = word_at(text, text.len(), true);
        assert!(w.after_at && w.text == "allow");
        let w = word_at("a = service.host.", 17, true);
        assert_eq!(w.receiver, Some(vec!["service".into(), "host".into()]));
        assert_eq!(w.text, "");
    }
}
