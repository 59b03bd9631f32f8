//! Tokens of the `.pbk` language. Keywords are one table ([`KEYWORDS`]) shared by the lexer,
//! the grammar sync test and (later) the editor grammars and the language server.

use std::fmt;

/// Every reserved word. A keyword cannot be used as a name, except as the label of a named
/// argument (`wait_healthy(api, timeout: 60s)`) and as a field name (`x.on`).
pub const KEYWORDS: &[&str] = &[
    "after", "allow", "and", "before", "do", "else", "engine", "failed", "false", "for", "hook",
    "if", "import", "in", "let", "not", "of", "on", "or", "playbook", "rule", "run", "timeout",
    "true", "when", "where",
];

/// The keywords that start an item at the top level of a file.
pub const ITEM_KEYWORDS: &[&str] = &["rule", "hook", "playbook", "allow", "import", "engine"];

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Token<'s> {
    Ident(&'s str),
    /// One of [`KEYWORDS`].
    Kw(&'static str),
    Int(i64),
    /// The unescaped value.
    Str(String),
    Duration(u64, &'s str),
    Size(u64, &'s str),
    Percent(u8),
    /// Punctuation and operators: `{ } ( ) [ ] , : ; . @ = == != < <= > >= + -`.
    Punct(&'static str),
}

impl fmt::Display for Token<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Token::Ident(s) => write!(f, "name `{s}`"),
            Token::Kw(k) => write!(f, "keyword `{k}`"),
            Token::Int(n) => write!(f, "number `{n}`"),
            Token::Str(_) => write!(f, "a string"),
            Token::Duration(_, t) => write!(f, "duration `{t}`"),
            Token::Size(_, t) => write!(f, "size `{t}`"),
            Token::Percent(p) => write!(f, "percentage `{p}%`"),
            Token::Punct(p) => write!(f, "`{p}`"),
        }
    }
}

pub fn keyword(word: &str) -> Option<&'static str> {
    KEYWORDS.iter().copied().find(|k| *k == word)
}

/// A `#` comment, kept beside the token stream for the formatter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comment {
    /// The text including `#`, without the line break and trailing spaces.
    pub text: String,
    pub start: u32,
    pub end: u32,
    /// Only whitespace precedes it on its line (otherwise it trails code).
    pub own_line: bool,
}
