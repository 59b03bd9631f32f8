//! Expressions. Precedence, loosest first: `or` < `and` < `not` < comparisons and `in`
//! (non-associative) < `+ -` < unary `-` < field access and calls.

use super::common::{Err, args, ident, kw, label, punct, sp};
use crate::ast::{BinaryOp, Call, Expr, ExprKind, Literal, UnaryOp};
use crate::token::Token;
use chumsky::input::ValueInput;
use chumsky::prelude::*;
use portoser_diag::FileId;

pub fn expr<'t, 's: 't, I>(file: FileId) -> impl Parser<'t, I, Expr, Err<'t, 's>> + Clone
where
    I: ValueInput<'t, Token = Token<'s>, Span = SimpleSpan>,
{
    recursive(move |expr| {
        let literal = select! {
            Token::Int(n) => Literal::Int(n),
            Token::Kw("true") => Literal::Bool(true),
            Token::Kw("false") => Literal::Bool(false),
            Token::Str(s) => Literal::Str(s),
            Token::Duration(millis, text) => Literal::Duration { millis, text: text.to_string() },
            Token::Size(bytes, text) => Literal::Size { bytes, text: text.to_string() },
            Token::Percent(p) => Literal::Percent(p),
        }
        .map(ExprKind::Literal);
        let name_or_call =
            ident(file)
                .then(args(file, expr.clone()).or_not())
                .map(|(callee, args)| match args {
                    Some(args) => ExprKind::Call(Call {
                        callee,
                        args,
                        parens: true,
                    }),
                    None => ExprKind::Name(callee.name),
                });
        let list = expr
            .clone()
            .separated_by(punct(","))
            .allow_trailing()
            .collect::<Vec<_>>()
            .delimited_by(punct("["), punct("]"))
            .map(ExprKind::List);
        let paren = expr
            .clone()
            .delimited_by(punct("("), punct(")"))
            .map(|e| ExprKind::Paren(Box::new(e)));
        let atom = choice((literal, name_or_call, list, paren))
            .map_with(move |kind, e| Expr {
                kind,
                span: sp(file, e.span()),
            })
            .labelled("an expression");
        let postfix = atom.foldl_with(
            punct(".").ignore_then(label(file)).repeated(),
            move |a, f, e| Expr {
                kind: ExprKind::Field(Box::new(a), f),
                span: sp(file, e.span()),
            },
        );
        let neg = punct("-")
            .to(UnaryOp::Neg)
            .repeated()
            .foldr_with(postfix, move |op, a, e| Expr {
                kind: ExprKind::Unary(op, Box::new(a)),
                span: sp(file, e.span()),
            });
        let sum = binary_layer(
            file,
            neg,
            punct("+")
                .to(BinaryOp::Add)
                .or(punct("-").to(BinaryOp::Sub)),
        );
        let cmp_op = choice((
            punct("==").to(BinaryOp::Eq),
            punct("!=").to(BinaryOp::Ne),
            punct("<=").to(BinaryOp::Le),
            punct(">=").to(BinaryOp::Ge),
            punct("<").to(BinaryOp::Lt),
            punct(">").to(BinaryOp::Gt),
            kw("in").to(BinaryOp::In),
        ));
        // Non-associative: `a == b == c` is a syntax error, not a surprise.
        let compare = sum
            .clone()
            .then(cmp_op.then(sum).or_not())
            .map_with(move |(a, rest), e| match rest {
                Some((op, b)) => Expr {
                    kind: ExprKind::Binary(op, Box::new(a), Box::new(b)),
                    span: sp(file, e.span()),
                },
                None => a,
            });
        let not = kw("not")
            .to(UnaryOp::Not)
            .repeated()
            .foldr_with(compare, move |op, a, e| Expr {
                kind: ExprKind::Unary(op, Box::new(a)),
                span: sp(file, e.span()),
            });
        let and = binary_layer(file, not, kw("and").to(BinaryOp::And));
        binary_layer(file, and, kw("or").to(BinaryOp::Or)).boxed()
    })
}

fn binary_layer<'t, 's: 't, I, P, O>(
    file: FileId,
    operand: P,
    op: O,
) -> impl Parser<'t, I, Expr, Err<'t, 's>> + Clone
where
    I: ValueInput<'t, Token = Token<'s>, Span = SimpleSpan>,
    P: Parser<'t, I, Expr, Err<'t, 's>> + Clone,
    O: Parser<'t, I, BinaryOp, Err<'t, 's>> + Clone,
{
    operand
        .clone()
        .foldl_with(op.then(operand).repeated(), move |a, (op, b), e| Expr {
            kind: ExprKind::Binary(op, Box::new(a), Box::new(b)),
            span: sp(file, e.span()),
        })
}
