//! The formatter: deterministic, idempotent, keeps every comment, 2-space indentation, one
//! statement per line, canonical spacing, long argument lists wrapped one per line.

mod expr;
mod printer;

use crate::ast::{
    Annotation, Arg, Block, Clause, File, If, Item, ItemKind, Stmt, StmtKind, TypeExpr,
};
use expr::{args, expr, string};
use printer::Printer;

pub fn print(file: &File, text: &str, comments: Vec<crate::token::Comment>) -> String {
    let mut p = Printer::new(text, comments);
    for (i, item) in file.items.iter().enumerate() {
        if i > 0 {
            p.blank();
        }
        print_item(&mut p, item);
    }
    let out = p.finish();
    if out.trim().is_empty() {
        String::new()
    } else {
        out
    }
}

fn print_item(p: &mut Printer<'_>, item: &Item) {
    for a in &item.annotations {
        annotation(p, a);
    }
    // The item's keyword: after the annotations and any comment trailing them.
    let start = item
        .annotations
        .last()
        .map_or(item.span.start, |a| p.next_code(a.span.end));
    match &item.kind {
        ItemKind::Rule(r) => {
            p.line(start, &format!("rule {} {{", r.name.name));
            p.indent += 1;
            p.line(r.on.span.start, &format!("on {} failed", r.on.name));
            for c in &r.clauses {
                let (src, text) = match c {
                    Clause::When(e) => (e.span.start, format!("when {}", expr(e))),
                    Clause::Let(l) => (
                        l.name.span.start,
                        format!("let {} = {}", l.name.name, expr(&l.value)),
                    ),
                };
                keep_blank(p, src);
                p.line(src, &text);
            }
            let do_at = p.word_before(r.body.span.start);
            keep_blank(p, do_at);
            block(p, do_at, "do", &r.body);
            p.indent -= 1;
            p.close(item.span.end.saturating_sub(1), "}");
        }
        ItemKind::Hook(h) => {
            let head = format!(
                "hook {} {} of {}",
                h.timing.as_str(),
                h.event.name,
                h.service.name
            );
            block(p, start, &head, &h.body);
        }
        ItemKind::Playbook(pb) => {
            let params: Vec<String> = pb
                .params
                .iter()
                .map(|q| format!("{}: {}", q.name.name, type_expr(&q.ty)))
                .collect();
            let head = format!("playbook {}({})", pb.name.name, params.join(", "));
            block(p, start, &head, &pb.body);
        }
        ItemKind::Allow(a) => {
            let services: Vec<&str> = a.services.iter().map(|s| s.name.as_str()).collect();
            p.line(
                start,
                &format!("allow {} for {}", a.capability.name, services.join(", ")),
            );
        }
        ItemKind::Import(i) => p.line(start, &format!("import {}", string(&i.path))),
        ItemKind::Engine(e) => {
            p.line(start, &format!("engine {} {{", e.name.name));
            p.indent += 1;
            for (i, section) in e.sections.iter().enumerate() {
                let src = section.name.span.start;
                if i > 0 {
                    keep_blank(p, src);
                }
                block(p, src, &section.name.name, &section.body);
            }
            p.indent -= 1;
            p.close(e.body_span.end.saturating_sub(1), "}");
        }
    }
}

fn keep_blank(p: &mut Printer<'_>, src: u32) {
    if p.blank_before(src) {
        p.blank();
    }
}

fn type_expr(t: &TypeExpr) -> String {
    if t.args.is_empty() {
        return t.name.name.clone();
    }
    let args: Vec<String> = t.args.iter().map(type_expr).collect();
    format!("{}<{}>", t.name.name, args.join(", "))
}

fn annotation(p: &mut Printer<'_>, a: &Annotation) {
    let head = format!("@{}", a.name.name);
    if a.args.is_empty() {
        p.line(a.span.start, &head);
    } else {
        call_lines(p, a.span.start, a.span.end, &head, &a.args);
    }
}

/// `head(args)` on one line, or one argument per line when it does not fit.
fn call_lines(p: &mut Printer<'_>, start: u32, end: u32, head: &str, list: &[Arg]) {
    let one = format!("{head}({})", args(list));
    if p.fits(&one) || list.is_empty() {
        return p.line(start, &one);
    }
    p.line(start, &format!("{head}("));
    p.indent += 1;
    for a in list {
        let src = a.name.as_ref().map_or(a.value.span.start, |n| n.span.start);
        p.line(src, &format!("{},", expr::arg(a)));
    }
    p.indent -= 1;
    p.close(end.saturating_sub(1), ")");
}

/// `head {`, the statements, `}`.
fn block(p: &mut Printer<'_>, start: u32, head: &str, b: &Block) {
    p.line(start, &format!("{head} {{"));
    body(p, b);
    p.close(b.span.end.saturating_sub(1), "}");
}

fn body(p: &mut Printer<'_>, b: &Block) {
    p.indent += 1;
    for s in &b.stmts {
        keep_blank(p, s.span.start);
        stmt(p, s);
    }
    p.indent -= 1;
}

fn stmt(p: &mut Printer<'_>, s: &Stmt) {
    let src = s.span.start;
    match &s.kind {
        StmtKind::Call(c) if c.parens => call_lines(p, src, s.span.end, &c.callee.name, &c.args),
        StmtKind::Call(c) => p.line(src, &c.callee.name),
        StmtKind::Let(l) => p.line(src, &format!("let {} = {}", l.name.name, expr(&l.value))),
        StmtKind::Run(r) => {
            let mut text = format!("run on {}: {}", expr(&r.target), expr(&r.command));
            if let Some(t) = &r.timeout {
                text.push_str(&format!(" timeout {}", expr(t)));
            }
            p.line(src, &text);
        }
        StmtKind::For(f) => {
            let mut head = format!("for {} in {}", f.var.name, expr(&f.iter));
            if let Some(w) = &f.filter {
                head.push_str(&format!(" where {}", expr(w)));
            }
            block(p, src, &head, &f.body);
        }
        StmtKind::If(i) => if_(p, src, i),
    }
}

fn if_(p: &mut Printer<'_>, src: u32, i: &If) {
    p.line(src, &format!("if {} {{", expr(&i.cond)));
    if_rest(p, i);
}

fn if_rest(p: &mut Printer<'_>, i: &If) {
    body(p, &i.then);
    let close = i.then.span.end.saturating_sub(1);
    let Some(other) = &i.otherwise else {
        return p.close(close, "}");
    };
    // `else if` is an else block holding only an `if`, with the block's own span.
    if let [only] = other.stmts.as_slice()
        && only.span == other.span
        && let StmtKind::If(inner) = &only.kind
    {
        p.close(close, &format!("}} else if {} {{", expr(&inner.cond)));
        return if_rest(p, inner);
    }
    p.close(close, "} else {");
    body(p, other);
    p.close(other.span.end.saturating_sub(1), "}");
}
