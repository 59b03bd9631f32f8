//! Tree equality ignoring spans, for the formatter's guarantees.

use crate::ast::*;
use portoser_diag::Span;

impl File {
    /// True when both trees are equal once every span is erased.
    pub fn same_shape(&self, other: &File) -> bool {
        let mut a = self.clone();
        let mut b = other.clone();
        a.file = Default::default();
        b.file = Default::default();
        a.items.iter_mut().for_each(item);
        b.items.iter_mut().for_each(item);
        a == b
    }
}

fn id(i: &mut Ident) {
    i.span = Span::default();
}

fn args(a: &mut [Arg]) {
    for a in a {
        a.name.as_mut().map(id);
        expr(&mut a.value);
    }
}

fn item(i: &mut Item) {
    i.span = Span::default();
    for a in &mut i.annotations {
        a.span = Span::default();
        id(&mut a.name);
        args(&mut a.args);
    }
    match &mut i.kind {
        ItemKind::Rule(r) => {
            id(&mut r.name);
            id(&mut r.on);
            for c in &mut r.clauses {
                match c {
                    Clause::When(e) => expr(e),
                    Clause::Let(l) => let_(l),
                }
            }
            block(&mut r.body);
        }
        ItemKind::Hook(h) => {
            h.timing_span = Span::default();
            id(&mut h.event);
            id(&mut h.service);
            block(&mut h.body);
        }
        ItemKind::Playbook(p) => {
            id(&mut p.name);
            for param in &mut p.params {
                id(&mut param.name);
                ty(&mut param.ty);
            }
            block(&mut p.body);
        }
        ItemKind::Allow(a) => {
            id(&mut a.capability);
            a.services.iter_mut().for_each(id);
        }
        ItemKind::Import(i) => i.path_span = Span::default(),
        ItemKind::Engine(e) => {
            id(&mut e.name);
            e.body_span = Span::default();
            for section in &mut e.sections {
                id(&mut section.name);
                block(&mut section.body);
            }
        }
    }
}

fn ty(t: &mut TypeExpr) {
    t.span = Span::default();
    id(&mut t.name);
    t.args.iter_mut().for_each(ty);
}

fn let_(l: &mut Let) {
    id(&mut l.name);
    expr(&mut l.value);
}

fn block(b: &mut Block) {
    b.span = Span::default();
    for s in &mut b.stmts {
        s.span = Span::default();
        match &mut s.kind {
            StmtKind::Call(c) => call(c),
            StmtKind::Let(l) => let_(l),
            StmtKind::Run(r) => {
                expr(&mut r.target);
                expr(&mut r.command);
                r.timeout.as_mut().map(expr);
            }
            StmtKind::For(f) => {
                id(&mut f.var);
                expr(&mut f.iter);
                f.filter.as_mut().map(expr);
                block(&mut f.body);
            }
            StmtKind::If(i) => {
                expr(&mut i.cond);
                block(&mut i.then);
                i.otherwise.as_mut().map(block);
            }
        }
    }
}

fn call(c: &mut Call) {
    id(&mut c.callee);
    args(&mut c.args);
}

fn expr(e: &mut Expr) {
    e.span = Span::default();
    match &mut e.kind {
        ExprKind::Literal(_) | ExprKind::Name(_) => {}
        ExprKind::Field(a, f) => {
            expr(a);
            id(f);
        }
        ExprKind::Call(c) => call(c),
        ExprKind::List(xs) => xs.iter_mut().for_each(expr),
        ExprKind::Unary(_, a) | ExprKind::Paren(a) => expr(a),
        ExprKind::Binary(_, a, b) => {
            expr(a);
            expr(b);
        }
    }
}
