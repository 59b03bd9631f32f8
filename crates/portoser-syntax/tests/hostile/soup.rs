//! Random input for property tests: arbitrary text, and the language's own tokens in random
//! order (which gets much further into the parser than random characters do). Shared with
//! the checker's property test through `#[path]`.
#![allow(dead_code)]

use proptest::prelude::*;

const PIECES: &[&str] = &[
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    ",",
    ":",
    ";",
    ".",
    "@",
    "=",
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "+",
    "-",
    "api",
    "host",
    "service",
    "failure",
    "s",
    "x",
    "List",
    "Host",
    "Service",
    "Option",
    "retry",
    "log",
    "restart",
    "wait_healthy",
    "port_in_use",
    "deploy",
    "1",
    "0",
    "99999999999999999999",
    "10s",
    "2m",
    "512MiB",
    "90%",
    "101%",
    "\"str\"",
    "\"",
    "\\",
    "\"a\\qb\"",
    "# comment\n",
    "\n",
    " ",
    "\t",
    "\r\n",
    "\u{feff}",
    "\0",
    "é",
    "!",
    "&",
];

/// Tokens of the language (every keyword, punctuation, names, literals, broken literals)
/// joined in random order.
pub fn token_soup(max: usize) -> impl Strategy<Value = String> {
    let keywords = portoser_syntax::KEYWORDS.to_vec();
    let piece = prop_oneof![
        prop::sample::select(PIECES.to_vec()),
        prop::sample::select(keywords),
    ];
    (
        prop::collection::vec(piece, 0..max),
        prop::collection::vec(prop::sample::select(vec![" ", "", "\n"]), 0..max),
    )
        .prop_map(|(pieces, seps)| {
            let mut out = String::new();
            for (i, p) in pieces.iter().enumerate() {
                out.push_str(p);
                out.push_str(seps.get(i).copied().unwrap_or(" "));
            }
            out
        })
}

/// Arbitrary text: any unicode, control characters included, and token soup.
pub fn hostile_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[\\x00-\\x1f\\x7f\\u{80}-\\u{9f}\\u{200b}-\\u{202e}\\u{feff} a{}()\\[\\]\"#@]{0,80}",
        token_soup(120),
    ]
}
