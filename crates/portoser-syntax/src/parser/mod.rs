//! The token parser (chumsky) and the translation of its errors into E02xx diagnostics.

mod common;
mod delims;
mod errors;
mod expr;
mod items;
mod stmt;

use crate::ast::File;
use crate::lexer::Spanned;
use crate::token::{ITEM_KEYWORDS, Token};
use chumsky::input::{Input, ValueInput};
use chumsky::prelude::*;
use common::{Err, skip_one};
use portoser_diag::{Diagnostics, FileId};

pub fn parse_tokens(
    tokens: &[Spanned<'_>],
    len: usize,
    file: FileId,
    diags: &mut Diagnostics,
) -> File {
    let unclosed = delims::check(tokens, file, diags);
    let eoi = SimpleSpan::from(len..len);
    let (out, errs) = file_parser(file)
        .parse(tokens.split_token_span(eoi))
        .into_output_errors();
    for err in &errs {
        // An unclosed delimiter already has its own, better diagnostic.
        if unclosed && (err.found().is_none() || delims::is_closer(err.found())) {
            continue;
        }
        diags.push(errors::convert(err, file));
    }
    let mut items = Vec::new();
    for (item, item_diags) in out.unwrap_or_default() {
        diags.extend(item_diags);
        items.extend(item);
    }
    File { file, items }
}

fn file_parser<'t, 's: 't, I>(file: FileId) -> impl Parser<'t, I, Vec<items::Parsed>, Err<'t, 's>>
where
    I: ValueInput<'t, Token = Token<'s>, Span = SimpleSpan>,
{
    let item_start = any().filter(|t: &Token<'s>| match t {
        Token::Kw(k) => ITEM_KEYWORDS.contains(k),
        Token::Punct(p) => *p == "@",
        _ => false,
    });
    // After a broken item, skip to the next token that can start an item (balanced groups
    // are skipped whole, so a keyword inside braces does not count).
    let skip_item = skip_one()
        .then(item_start.not().ignore_then(skip_one()).repeated())
        .to((None, Vec::new()));
    items::item(file)
        .recover_with(via_parser(skip_item))
        .repeated()
        .collect::<Vec<_>>()
        .then_ignore(end())
}
