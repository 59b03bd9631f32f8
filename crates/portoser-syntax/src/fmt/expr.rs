//! Expressions on one line with canonical spacing. Parentheses are in the tree, so printing
//! the tree as it is reproduces the user's grouping exactly.

use crate::ast::{Arg, Call, Expr, ExprKind, Literal, UnaryOp};

pub fn expr(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Literal(l) => literal(l),
        ExprKind::Name(n) => n.clone(),
        ExprKind::Field(a, f) => format!("{}.{}", expr(a), f.name),
        ExprKind::Call(c) => call(c),
        ExprKind::List(xs) => format!("[{}]", xs.iter().map(expr).collect::<Vec<_>>().join(", ")),
        ExprKind::Unary(UnaryOp::Not, a) => format!("not {}", expr(a)),
        ExprKind::Unary(UnaryOp::Neg, a) => format!("-{}", expr(a)),
        ExprKind::Binary(op, a, b) => format!("{} {} {}", expr(a), op.as_str(), expr(b)),
        ExprKind::Paren(a) => format!("({})", expr(a)),
    }
}

pub fn literal(l: &Literal) -> String {
    match l {
        Literal::Bool(b) => b.to_string(),
        Literal::Int(n) => n.to_string(),
        Literal::Str(s) => string(s),
        Literal::Duration { text, .. } | Literal::Size { text, .. } => text.clone(),
        Literal::Percent(p) => format!("{p}%"),
    }
}

pub fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

pub fn arg(a: &Arg) -> String {
    match &a.name {
        Some(n) => format!("{}: {}", n.name, expr(&a.value)),
        None => expr(&a.value),
    }
}

pub fn args(args: &[Arg]) -> String {
    args.iter().map(arg).collect::<Vec<_>>().join(", ")
}

pub fn call(c: &Call) -> String {
    if c.parens {
        format!("{}({})", c.callee.name, args(&c.args))
    } else {
        c.callee.name.clone()
    }
}
