//! The lexer: text to tokens with byte spans, comments on the side. Hand-written so that each
//! lexical problem gets its own code and a precise span, and so that a bad literal still yields
//! a token (the parser then carries on without a second, confusing error).

use crate::codes;
use crate::token::{Comment, Token, keyword};
use chumsky::span::SimpleSpan;
use portoser_diag::{Diagnostic, Diagnostics, FileId, Span};

pub type Spanned<'s> = (Token<'s>, SimpleSpan);

pub struct Lexed<'s> {
    pub tokens: Vec<Spanned<'s>>,
    pub comments: Vec<Comment>,
}

const PUNCT2: &[&str] = &["==", "!=", "<=", ">="];
const PUNCT1: &[&str] = &[
    "{", "}", "(", ")", "[", "]", ",", ":", ";", ".", "@", "=", "<", ">", "+", "-",
];

struct Lexer<'s, 'd> {
    text: &'s str,
    pos: usize,
    file: FileId,
    diags: &'d mut Diagnostics,
    out: Lexed<'s>,
}

pub fn lex<'s>(text: &'s str, file: FileId, diags: &mut Diagnostics) -> Lexed<'s> {
    let mut lx = Lexer {
        text,
        pos: 0,
        file,
        diags,
        out: Lexed {
            tokens: Vec::new(),
            comments: Vec::new(),
        },
    };
    lx.run();
    lx.out
}

impl<'s> Lexer<'s, '_> {
    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.file, start, end)
    }

    fn rest(&self) -> &'s str {
        self.text.get(self.pos..).unwrap_or("")
    }

    fn push(&mut self, tok: Token<'s>, start: usize) {
        self.out
            .tokens
            .push((tok, SimpleSpan::from(start..self.pos)));
    }

    fn run(&mut self) {
        while let Some(c) = self.rest().chars().next() {
            // A file over the limit is refused whole (E0210): lexing the rest is wasted time.
            if self.out.tokens.len() > crate::parser::MAX_TOKENS {
                break;
            }
            let start = self.pos;
            // A byte order mark at the start is an editor's choice, not code.
            if c.is_whitespace() || (c == '\u{feff}' && start == 0) {
                self.pos += c.len_utf8();
            } else if c == '#' {
                self.comment();
            } else if c == '"' {
                self.string();
            } else if c.is_ascii_digit() {
                self.number();
            } else if c.is_ascii_alphabetic() || c == '_' {
                let len = ident_len(self.rest());
                let word = &self.rest()[..len];
                self.pos += len;
                let tok = keyword(word).map_or(Token::Ident(word), Token::Kw);
                self.push(tok, start);
            } else if let Some(p) = PUNCT2
                .iter()
                .chain(PUNCT1)
                .find(|p| self.rest().starts_with(**p))
            {
                self.pos += p.len();
                self.push(Token::Punct(p), start);
            } else {
                // A run of invalid characters is one error: a file of NUL bytes is one problem.
                self.pos += c.len_utf8();
                let mut count = 1;
                while let Some(n) = self.rest().chars().next().filter(|n| !starts_token(*n)) {
                    self.pos += n.len_utf8();
                    count += 1;
                }
                self.invalid_char(c, start, count);
            }
        }
    }

    fn invalid_char(&mut self, c: char, start: usize, count: usize) {
        let help = match c {
            '!' => Some("write `not` for negation, `!=` for inequality"),
            '&' => Some("write `and`"),
            '|' => Some("write `or`"),
            '\'' => Some("strings use double quotes: \"...\""),
            _ => None,
        };
        let message = match count {
            1 => format!("invalid character `{}`", c.escape_default()),
            n => format!(
                "{n} invalid characters, starting with `{}`",
                c.escape_default()
            ),
        };
        let mut d = Diagnostic::error(codes::INVALID_CHAR, message)
            .at(self.span(start, self.pos), "not part of the language");
        if let Some(h) = help {
            d = d.with_help(h);
        }
        self.diags.push(d);
    }

    fn comment(&mut self) {
        let start = self.pos;
        let len = self.rest().find('\n').unwrap_or(self.rest().len());
        let text = self.rest()[..len].trim_end().to_string();
        self.pos += len;
        let line_start = self.text[..start].rfind('\n').map_or(0, |i| i + 1);
        let own_line = self.text[line_start..start].trim().is_empty();
        self.out.comments.push(Comment {
            end: (start + text.len()) as u32,
            start: start as u32,
            text,
            own_line,
        });
    }

    fn string(&mut self) {
        let start = self.pos;
        self.pos += 1;
        let mut value = String::new();
        loop {
            let Some(c) = self.rest().chars().next() else {
                return self.unterminated(start, value);
            };
            match c {
                '"' => {
                    self.pos += 1;
                    break;
                }
                '\n' | '\r' => return self.unterminated(start, value),
                '\\' => self.escape(&mut value),
                _ => {
                    value.push(c);
                    self.pos += c.len_utf8();
                }
            }
        }
        self.push(Token::Str(value), start);
    }

    fn escape(&mut self, value: &mut String) {
        let start = self.pos;
        self.pos += 1;
        let Some(c) = self
            .rest()
            .chars()
            .next()
            .filter(|c| *c != '\n' && *c != '\r')
        else {
            return; // the string is unterminated; reported by the caller
        };
        self.pos += c.len_utf8();
        match c {
            '"' => value.push('"'),
            '\\' => value.push('\\'),
            'n' => value.push('\n'),
            't' => value.push('\t'),
            _ => self.diags.push(
                Diagnostic::error(
                    codes::BAD_ESCAPE,
                    format!("unknown escape sequence `\\{c}`"),
                )
                .at(self.span(start, self.pos), "not a valid escape")
                .with_help("the escapes are \\\" \\\\ \\n and \\t"),
            ),
        }
    }

    fn unterminated(&mut self, start: usize, mut value: String) {
        // Recovery: closing delimiters at the end of the line most likely belong to the code
        // around the string (`log("hello)`), so give them back to the token stream.
        let raw = self.text.get(start + 1..self.pos).unwrap_or("");
        let kept = raw.trim_end_matches(|c: char| c.is_whitespace() || ")]},;".contains(c));
        let tail = raw.len() - kept.len();
        if tail > 0 && !kept.ends_with('\\') {
            self.pos -= tail;
            for _ in 0..tail {
                value.pop();
            }
        }
        self.diags.push(
            Diagnostic::error(codes::UNTERMINATED_STRING, "unterminated string")
                .at(
                    self.span(start, self.pos),
                    "this string has no closing `\"`",
                )
                .with_help("close the string with `\"` on the same line"),
        );
        self.push(Token::Str(value), start);
    }

    fn number(&mut self) {
        let start = self.pos;
        let digits = self
            .rest()
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(self.rest().len());
        self.pos += digits;
        let suffix_len = if self.rest().starts_with('%') {
            1
        } else {
            self.rest()
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(self.rest().len())
        };
        self.pos += suffix_len;
        let text = &self.text[start..self.pos];
        let (num, suffix) = text.split_at(digits);
        let tok = crate::literal::number_token(num, suffix, text).unwrap_or_else(
            |(code, msg, label, help, placeholder)| {
                let mut d = Diagnostic::error(code, msg).at(self.span(start, self.pos), label);
                if let Some(h) = help {
                    d = d.with_help(h);
                }
                self.diags.push(d);
                placeholder
            },
        );
        self.push(tok, start);
    }
}

/// True for a character that starts something the lexer knows (anything else is invalid).
fn starts_token(c: char) -> bool {
    let mut buf = [0; 4];
    let s: &str = c.encode_utf8(&mut buf);
    c.is_whitespace()
        || c.is_ascii_alphanumeric()
        || matches!(c, '#' | '"' | '_')
        || PUNCT1.iter().any(|p| p.starts_with(s))
        || PUNCT2.iter().any(|p| p.starts_with(s))
}

/// Length of the name at the start of `text`. Names may contain `-` between word characters
/// (`api-gateway`, `svc-01`) because registry names do; `a - b` with spaces is subtraction.
fn ident_len(text: &str) -> usize {
    let bytes = text.as_bytes();
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut i = 0;
    while i < bytes.len() {
        if word(bytes[i])
            || (bytes[i] == b'-' && i > 0 && bytes.get(i + 1).is_some_and(|b| word(*b)))
        {
            i += 1;
        } else {
            break;
        }
    }
    i
}

#[cfg(test)]
mod ident_tests {
    use super::ident_len;

    #[test]
    fn names_may_contain_inner_hyphens() {
        assert_eq!(ident_len("api-gateway {"), 11);
        assert_eq!(ident_len("svc-00001)"), 9);
        assert_eq!(ident_len("a - b"), 1);
        assert_eq!(ident_len("a- b"), 1);
        assert_eq!(ident_len("a--b"), 1);
        assert_eq!(ident_len("x_1"), 3);
    }
}
