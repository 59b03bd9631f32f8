//! Small parsers shared by the expression, statement and item parsers.

use crate::ast::{Arg, Ident};
use crate::token::Token;
use chumsky::input::ValueInput;
use chumsky::prelude::*;
use portoser_diag::{FileId, Span};

pub type Err<'t, 's> = extra::Err<Rich<'t, Token<'s>>>;

pub fn sp(file: FileId, s: SimpleSpan) -> Span {
    Span::new(file, s.start, s.end)
}

pub fn kw<'t, 's: 't, I>(k: &'static str) -> impl Parser<'t, I, Token<'s>, Err<'t, 's>> + Clone
where
    I: ValueInput<'t, Token = Token<'s>, Span = SimpleSpan>,
{
    just(Token::Kw(k))
}

pub fn punct<'t, 's: 't, I>(p: &'static str) -> impl Parser<'t, I, Token<'s>, Err<'t, 's>> + Clone
where
    I: ValueInput<'t, Token = Token<'s>, Span = SimpleSpan>,
{
    just(Token::Punct(p))
}

/// A name (not a keyword).
pub fn ident<'t, 's: 't, I>(file: FileId) -> impl Parser<'t, I, Ident, Err<'t, 's>> + Clone
where
    I: ValueInput<'t, Token = Token<'s>, Span = SimpleSpan>,
{
    select! { Token::Ident(n) => n }
        .map_with(move |n: &str, e| Ident {
            name: n.to_string(),
            span: sp(file, e.span()),
        })
        .labelled("a name")
}

/// A name or a keyword: argument labels and field names may be keywords (`timeout: 60s`).
pub fn label<'t, 's: 't, I>(file: FileId) -> impl Parser<'t, I, Ident, Err<'t, 's>> + Clone
where
    I: ValueInput<'t, Token = Token<'s>, Span = SimpleSpan>,
{
    select! { Token::Ident(n) => n, Token::Kw(k) => k }
        .map_with(move |n: &str, e| Ident {
            name: n.to_string(),
            span: sp(file, e.span()),
        })
        .labelled("a name")
}

/// `(a, name: b)`, shared by calls and annotations.
pub fn args<'t, 's: 't, I, P>(
    file: FileId,
    expr: P,
) -> impl Parser<'t, I, Vec<Arg>, Err<'t, 's>> + Clone
where
    I: ValueInput<'t, Token = Token<'s>, Span = SimpleSpan>,
    P: Parser<'t, I, crate::ast::Expr, Err<'t, 's>> + Clone,
{
    label(file)
        .then_ignore(punct(":"))
        .or_not()
        .then(expr)
        .map(|(name, value)| Arg { name, value })
        .separated_by(punct(","))
        .allow_trailing()
        .collect::<Vec<_>>()
        .delimited_by(punct("("), punct(")"))
}

/// Skips one token, or a whole balanced group, for error recovery.
pub fn skip_one<'t, 's: 't, I>() -> impl Parser<'t, I, (), Err<'t, 's>> + Clone
where
    I: ValueInput<'t, Token = Token<'s>, Span = SimpleSpan>,
{
    let group = |open, close| {
        nested_delimiters(
            Token::Punct(open),
            Token::Punct(close),
            [
                (Token::Punct("("), Token::Punct(")")),
                (Token::Punct("["), Token::Punct("]")),
                (Token::Punct("{"), Token::Punct("}")),
            ],
            |_| (),
        )
    };
    group("{", "}")
        .or(group("(", ")"))
        .or(group("[", "]"))
        .or(any().ignored())
}
