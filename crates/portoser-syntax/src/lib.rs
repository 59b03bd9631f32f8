//! The `.pbk` playbook language: lexer, parser (chumsky, with error recovery), syntax tree
//! and formatter. Pure: text in, tree and diagnostics out.

pub mod ast;
