//! One-line renderings of steps and expressions: the planner shows a hook's steps as plan
//! lines, and the shadowing check compares rules by their printed conditions (which ignores
//! spans and comments).

use portoser_syntax::ast::{
    Arg, Block, Expr, ExprKind, Literal, Stmt, StmtKind, TypeExpr, UnaryOp,
};

/// `run on api.host: uv run alembic upgrade head (timeout 2m)`, `wait_healthy(api, timeout: 60s)`.
pub(crate) fn step(stmt: &Stmt) -> String {
    match &stmt.kind {
        StmtKind::Call(c) if !c.parens && c.args.is_empty() => c.callee.name.clone(),
        StmtKind::Call(c) => format!("{}({})", c.callee.name, args(&c.args)),
        StmtKind::Let(l) => format!("let {} = {}", l.name.name, expr(&l.value)),
        StmtKind::Run(r) => {
            let command = match &r.command.kind {
                ExprKind::Literal(Literal::Str(s)) => s.clone(),
                _ => expr(&r.command),
            };
            let timeout = r
                .timeout
                .as_ref()
                .map(|t| format!(" (timeout {})", expr(t)))
                .unwrap_or_default();
            format!("run on {}: {command}{timeout}", expr(&r.target))
        }
        StmtKind::For(f) => {
            let filter = f
                .filter
                .as_ref()
                .map(|e| format!(" where {}", expr(e)))
                .unwrap_or_default();
            format!(
                "for {} in {}{filter} {}",
                f.var.name,
                expr(&f.iter),
                block(&f.body)
            )
        }
        StmtKind::If(i) => {
            let otherwise = i
                .otherwise
                .as_ref()
                .map(|b| format!(" else {}", block(b)))
                .unwrap_or_default();
            format!("if {} {}{otherwise}", expr(&i.cond), block(&i.then))
        }
    }
}

fn block(b: &Block) -> String {
    let steps: Vec<String> = b.stmts.iter().map(step).collect();
    format!("{{ {} }}", steps.join("; "))
}

fn args(args: &[Arg]) -> String {
    let parts: Vec<String> = args
        .iter()
        .map(|a| match &a.name {
            Some(n) => format!("{}: {}", n.name, expr(&a.value)),
            None => expr(&a.value),
        })
        .collect();
    parts.join(", ")
}

pub(crate) fn expr(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Literal(lit) => literal(lit),
        ExprKind::Name(n) => n.clone(),
        ExprKind::Field(base, f) => format!("{}.{}", expr(base), f.name),
        ExprKind::Call(c) if !c.parens && c.args.is_empty() => c.callee.name.clone(),
        ExprKind::Call(c) => format!("{}({})", c.callee.name, args(&c.args)),
        ExprKind::List(items) => {
            let items: Vec<String> = items.iter().map(expr).collect();
            format!("[{}]", items.join(", "))
        }
        ExprKind::Unary(UnaryOp::Not, inner) => format!("not {}", expr(inner)),
        ExprKind::Unary(UnaryOp::Neg, inner) => format!("-{}", expr(inner)),
        ExprKind::Binary(op, l, r) => format!("{} {} {}", expr(l), op.as_str(), expr(r)),
        ExprKind::Paren(inner) => format!("({})", expr(inner)),
    }
}

fn literal(lit: &Literal) -> String {
    match lit {
        Literal::Bool(b) => b.to_string(),
        Literal::Int(n) => n.to_string(),
        Literal::Str(s) => format!("{s:?}"),
        Literal::Duration { text, .. } | Literal::Size { text, .. } => text.clone(),
        Literal::Percent(p) => format!("{p}%"),
    }
}

pub(crate) fn type_expr(t: &TypeExpr) -> String {
    if t.args.is_empty() {
        return t.name.name.clone();
    }
    let args: Vec<String> = t.args.iter().map(type_expr).collect();
    format!("{}<{}>", t.name.name, args.join(", "))
}
