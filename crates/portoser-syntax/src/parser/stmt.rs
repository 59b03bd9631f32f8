//! Blocks and statements. Statements need no separator: each one's end follows from its
//! syntax, so line breaks never change meaning; `;` may separate several on one line.

use super::common::{Err, args, ident, kw, punct, skip_one, sp};
use super::expr::expr;
use crate::ast::{Block, Call, For, If, Let, Run, Stmt, StmtKind};
use crate::token::Token;
use chumsky::input::ValueInput;
use chumsky::prelude::*;
use portoser_diag::FileId;

pub fn let_<'t, 's: 't, I>(file: FileId) -> impl Parser<'t, I, Let, Err<'t, 's>> + Clone
where
    I: ValueInput<'t, Token = Token<'s>, Span = SimpleSpan>,
{
    kw("let")
        .ignore_then(ident(file))
        .then_ignore(punct("="))
        .then(expr(file))
        .map(|(name, value)| Let { name, value })
}

pub fn block<'t, 's: 't, I>(file: FileId) -> impl Parser<'t, I, Block, Err<'t, 's>> + Clone
where
    I: ValueInput<'t, Token = Token<'s>, Span = SimpleSpan>,
{
    recursive(move |block| {
        let e = expr(file);
        let call = ident(file)
            .then(args(file, e.clone()).or_not())
            .map(|(callee, args)| {
                StmtKind::Call(Call {
                    parens: args.is_some(),
                    callee,
                    args: args.unwrap_or_default(),
                })
            });
        let run = kw("run")
            .ignore_then(kw("on"))
            .ignore_then(e.clone())
            .then_ignore(punct(":"))
            .then(e.clone())
            .then(kw("timeout").ignore_then(e.clone()).or_not())
            .map(|((target, command), timeout)| {
                StmtKind::Run(Run {
                    target,
                    command,
                    timeout,
                })
            });
        let for_ = kw("for")
            .ignore_then(ident(file))
            .then_ignore(kw("in"))
            .then(e.clone())
            .then(kw("where").ignore_then(e.clone()).or_not())
            .then(block.clone())
            .map(|(((var, iter), filter), body)| {
                StmtKind::For(For {
                    var,
                    iter,
                    filter,
                    body,
                })
            });
        let if_ = recursive(|if_| {
            let else_if = if_.map_with(move |kind, ex| {
                let span = sp(file, ex.span());
                Block {
                    stmts: vec![Stmt { kind, span }],
                    span,
                }
            });
            kw("if")
                .ignore_then(e.clone())
                .then(block.clone())
                .then(kw("else").ignore_then(block.clone().or(else_if)).or_not())
                .map(|((cond, then), otherwise)| {
                    StmtKind::If(If {
                        cond,
                        then,
                        otherwise,
                    })
                })
        });
        let stmt = choice((let_(file).map(StmtKind::Let), run, for_, if_, call))
            .map_with(move |kind, ex| Stmt {
                kind,
                span: sp(file, ex.span()),
            })
            .labelled("a statement")
            .recover_with(skip_then_retry_until(skip_one(), punct("}").ignored()));
        let semis = punct(";").repeated();
        semis
            .clone()
            .ignore_then(stmt.then_ignore(semis).repeated().collect::<Vec<_>>())
            .delimited_by(punct("{"), punct("}"))
            .map_with(move |stmts, ex| Block {
                stmts,
                span: sp(file, ex.span()),
            })
            .labelled("a block")
            .as_context()
            .recover_with(via_parser(nested_delimiters(
                Token::Punct("{"),
                Token::Punct("}"),
                [
                    (Token::Punct("("), Token::Punct(")")),
                    (Token::Punct("["), Token::Punct("]")),
                ],
                move |s| Block {
                    stmts: Vec::new(),
                    span: sp(file, s),
                },
            )))
            .boxed()
    })
}
