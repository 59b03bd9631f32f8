//! The token parser (chumsky) and the translation of its errors into E02xx diagnostics.

mod common;
mod delims;
mod depth;
mod errors;
mod expr;
mod items;
mod stmt;

pub use depth::MAX_TOKENS;

use crate::ast::File;
use crate::lexer::Spanned;
use crate::token::Token;
use chumsky::input::{Input, ValueInput};
use chumsky::prelude::*;
use common::{Err, kw, label, punct, skip_one};
use portoser_diag::{Diagnostics, FileId};

/// The parser's own stack. chumsky recurses once per nesting level and, in a debug build,
/// uses about 120 KiB a level: more than the 64 KiB red zone its stacker guard leaves, so a
/// few dozen levels would overflow a 2 MiB thread stack. Sized for the deepest input that
/// `depth` lets through; pages are committed only when touched.
const PARSER_STACK: usize = 64 << 20;

pub fn parse_tokens(
    tokens: &[Spanned<'_>],
    len: usize,
    file: FileId,
    diags: &mut Diagnostics,
) -> File {
    // Beyond the limits nothing is parsed: a tree that deep is never built, since later
    // stages recurse over it (see `depth`), and a flood of junk tokens is not worth parsing.
    if depth::too_long(tokens, file, diags) {
        return File {
            file,
            items: Vec::new(),
        };
    }
    let balance = delims::check(tokens, file, diags);
    if balance.too_deep || depth::too_deep(tokens, file, diags) {
        return File {
            file,
            items: Vec::new(),
        };
    }
    let unclosed = balance.unbalanced;
    let repaired;
    let tokens = if balance.edits.is_empty() {
        tokens
    } else {
        repaired = delims::repair(tokens, &balance.edits);
        &repaired[..]
    };
    let eoi = SimpleSpan::from(len..len);
    let (out, errs) = stacker::grow(PARSER_STACK, || {
        file_parser(file)
            .parse(tokens.split_token_span(eoi))
            .into_output_errors()
    });
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
    // A plausible item start: the keyword and the token after it (two `@` in a row, or
    // `rule rule`, are not), so that a run of junk is skipped whole as one error instead of
    // one error per token (a megabyte of `@` must not make a million diagnostics).
    let name = select! { Token::Ident(_) => () };
    let item_start = choice((
        punct("@").then(label(file)).ignored(),
        kw("rule").then(name).ignored(),
        kw("hook").then(kw("before").or(kw("after"))).ignored(),
        kw("playbook").then(name).ignored(),
        kw("allow").then(name).ignored(),
        kw("import").then(select! { Token::Str(_) => () }).ignored(),
        kw("engine").then(name).ignored(),
    ));
    let skip_item = skip_one()
        .then(item_start.not().ignore_then(skip_one()).repeated())
        .to((None, Vec::new()));
    items::item(file)
        .recover_with(via_parser(skip_item))
        .repeated()
        .collect::<Vec<_>>()
        .then_ignore(end())
}
