//! The `.pbk` playbook language: lexer, parser (chumsky, with error recovery), syntax tree
//! and formatter. Pure: text in, tree and diagnostics out.
//!
//! Recovery: after a syntax error the tree is partial. A broken statement is dropped, a block
//! that cannot be parsed becomes an empty block, an item that cannot be parsed is dropped;
//! a rule without `on` gets an `on` with an empty name (E0208 is reported).

pub mod ast;
mod codes;
mod fmt;
mod lexer;
mod literal;
mod parser;
mod shape;
mod token;

pub use codes::CODES;
pub use token::{Comment, ITEM_KEYWORDS, KEYWORDS};

use portoser_diag::{Diagnostic, Diagnostics, FileId, SourceMap};

/// Lex and parse with error recovery: one typo does not hide the rest. Always returns a tree
/// (possibly partial); every problem is a located diagnostic (E02xx).
pub fn parse(map: &SourceMap, file: FileId, diags: &mut Diagnostics) -> ast::File {
    match map.get(file) {
        Some(f) => parse_text(&f.text, file, diags),
        None => ast::File {
            file,
            items: Vec::new(),
        },
    }
}

/// Same as [`parse`], for text not in a map (tests, the formatter).
pub fn parse_text(text: &str, file: FileId, diags: &mut Diagnostics) -> ast::File {
    let lexed = lexer::lex(text, file, diags);
    parser::parse_tokens(&lexed.tokens, text.len(), file, diags)
}

/// Formats a whole file. `Err` with the diagnostics when the text has syntax errors: broken
/// code is never formatted.
pub fn format(text: &str, file: FileId) -> Result<String, Vec<Diagnostic>> {
    let mut diags = Diagnostics::new();
    let lexed = lexer::lex(text, file, &mut diags);
    let tree = parser::parse_tokens(&lexed.tokens, text.len(), file, &mut diags);
    if diags.has_errors() {
        return Err(diags.into_sorted());
    }
    Ok(fmt::print(&tree, text, lexed.comments))
}
