//! Delimiter balance, checked on the token stream before parsing: an unclosed `{` is reported
//! once, at the brace that is never closed, instead of as a confusing error at the end of file.
//!
//! It also refuses nesting deeper than [`MAX_NESTING`] (E0210) before any tree is built: the
//! formatter and the checker recurse over the tree, and a stack overflow would abort the
//! process, so no later stage may ever see a deep tree.

use crate::codes;
use crate::lexer::Spanned;
use crate::token::Token;
use portoser_diag::{Diagnostic, Diagnostics, FileId, Span};

const PAIRS: &[(&str, &str, &str)] = &[
    ("{", "}", "block"),
    ("(", ")", "parenthesis"),
    ("[", "]", "list"),
];

/// Deepest nesting of `{ ( [` accepted; no real playbook comes close.
pub const MAX_NESTING: usize = 64;

/// What the scan found.
#[derive(Clone, Debug, Default)]
pub struct Balance {
    /// An unclosed or unmatched delimiter was reported.
    pub unbalanced: bool,
    /// Nesting deeper than [`MAX_NESTING`] was reported: the tokens must not be parsed.
    pub too_deep: bool,
    /// How to make the stream balanced (see [`repair`]), when it is not.
    pub edits: Vec<Edit>,
}

/// A change to the token stream that balances it: the parser gets the repaired stream,
/// because chumsky's backtracking over many unclosed delimiters is exponential (a fuzzer
/// found 242 bytes that took 100 s), while E0206 has already said what is wrong.
#[derive(Clone, Copy, Debug)]
pub enum Edit {
    /// Drop the token at this index (a closer that closes nothing).
    Drop(usize),
    /// Insert this closer, zero-width at byte `at`, before the token at this index.
    Insert(usize, &'static str, usize),
}

/// The token stream with the edits applied (edits are in token order).
pub fn repair<'s>(tokens: &[Spanned<'s>], edits: &[Edit]) -> Vec<Spanned<'s>> {
    let mut out = Vec::with_capacity(tokens.len() + edits.len());
    let mut edits = edits.iter().peekable();
    for i in 0..=tokens.len() {
        let mut dropped = false;
        while let Some(edit) = edits.peek() {
            match **edit {
                Edit::Insert(j, close, at) if j == i => {
                    out.push((Token::Punct(close), chumsky::span::SimpleSpan::from(at..at)));
                }
                Edit::Drop(j) if j == i => dropped = true,
                _ => break,
            }
            edits.next();
        }
        if let (false, Some(tok)) = (dropped, tokens.get(i)) {
            out.push(tok.clone());
        }
    }
    out
}

pub fn is_closer(t: Option<&Token<'_>>) -> bool {
    matches!(t, Some(Token::Punct(p)) if PAIRS.iter().any(|(_, c, _)| c == p))
}

/// Reports unclosed and unmatched delimiters, or (alone, and then stops) nesting that is
/// too deep.
pub fn check(tokens: &[Spanned<'_>], file: FileId, diags: &mut Diagnostics) -> Balance {
    let mut stack: Vec<(&str, Span)> = Vec::new();
    let mut edits = Vec::new();
    let mut found = false;
    // Closers in a row that close nothing are one error: `)))...` is one mistake.
    let mut stray: Option<Stray> = None;
    for (index, (tok, s)) in tokens.iter().enumerate() {
        let span = Span::new(file, s.start, s.end);
        let p = match tok {
            Token::Punct(p) => *p,
            _ => "",
        };
        let closes = PAIRS.iter().find(|(_, c, _)| *c == p).map(|(o, _, _)| *o);
        if let Some(open) = closes.filter(|o| !stack.iter().any(|(s, _)| s == o)) {
            found = true;
            edits.push(Edit::Drop(index));
            match &mut stray {
                Some(run) => {
                    run.count += 1;
                    run.end = span;
                }
                None => {
                    stray = Some(Stray {
                        close: p,
                        open,
                        start: span,
                        end: span,
                        count: 1,
                    })
                }
            }
            continue;
        }
        if let Some(run) = stray.take() {
            diags.push(run.report());
        }
        if PAIRS.iter().any(|(o, _, _)| *o == p) {
            if stack.len() >= MAX_NESTING {
                diags.push(too_deep(p, span, &stack));
                return Balance {
                    unbalanced: found,
                    too_deep: true,
                    edits: Vec::new(),
                };
            }
            stack.push((p, span));
        } else if let Some(open) = closes
            && let Some(depth) = stack.iter().rposition(|(o, _)| *o == open)
        {
            for (o, os) in stack.drain(depth + 1..).rev() {
                edits.push(Edit::Insert(index, closer(o), s.start));
                diags.push(unclosed(o, os, Some(span)));
                found = true;
            }
            stack.pop();
        }
    }
    if let Some(run) = stray {
        diags.push(run.report());
    }
    let end = tokens.last().map_or(0, |(_, s)| s.end);
    for (o, os) in stack.into_iter().rev() {
        edits.push(Edit::Insert(tokens.len(), closer(o), end));
        diags.push(unclosed(o, os, None));
        found = true;
    }
    Balance {
        unbalanced: found,
        too_deep: false,
        edits,
    }
}

fn closer(open: &str) -> &'static str {
    PAIRS
        .iter()
        .find(|(o, _, _)| *o == open)
        .map_or("}", |(_, c, _)| *c)
}

/// A run of closing delimiters that close nothing.
struct Stray {
    close: &'static str,
    open: &'static str,
    start: Span,
    end: Span,
    count: usize,
}

impl Stray {
    fn report(&self) -> Diagnostic {
        let (p, open) = (self.close, self.open);
        if self.count == 1 {
            return Diagnostic::error(codes::UNCLOSED, format!("unmatched `{p}`"))
                .at(self.start, format!("this `{p}` closes nothing"))
                .with_help(format!("remove it, or add the missing `{open}` before it"));
        }
        let span = Span {
            end: self.end.end,
            ..self.start
        };
        Diagnostic::error(
            codes::UNCLOSED,
            format!("{} unmatched closing delimiters", self.count),
        )
        .at(span, "these close nothing")
        .with_help("remove them, or add the missing opening delimiters before them")
    }
}

fn what(open: &str) -> &'static str {
    PAIRS
        .iter()
        .find(|(o, _, _)| *o == open)
        .map_or("block", |(_, _, w)| *w)
}

fn too_deep(open: &str, at: Span, stack: &[(&str, Span)]) -> Diagnostic {
    let d = Diagnostic::error(
        codes::TOO_DEEP,
        format!("nesting deeper than {MAX_NESTING} levels"),
    )
    .at(
        at,
        format!(
            "this {} is nested {} levels deep",
            what(open),
            stack.len() + 1
        ),
    );
    let d = match stack.first() {
        Some((o, s)) => d.with_label(*s, format!("the outermost {} opens here", what(o))),
        None => d,
    };
    d.with_help("name parts of the expression with `let`, or move nested steps into a playbook")
}

fn unclosed(open: &str, at: Span, before: Option<Span>) -> Diagnostic {
    let (close, what) = PAIRS
        .iter()
        .find(|(o, _, _)| *o == open)
        .map_or(("}", "block"), |(_, c, w)| (*c, *w));
    let d = Diagnostic::error(codes::UNCLOSED, format!("unclosed `{open}`"))
        .at(at, format!("this {what} is never closed"));
    match before {
        Some(s) => d
            .with_label(
                s,
                format!("expected `{close}` to close the {what} before this"),
            )
            .with_help(format!("add `{close}` where the {what} ends")),
        None => d.with_help(format!(
            "add `{close}` where the {what} ends (the file ended first)"
        )),
    }
}
