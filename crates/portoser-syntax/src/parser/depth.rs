//! A bound on the depth of the tree, computed on the token stream before parsing (E0210).
//!
//! Delimiters are not the only way to nest: `a + b + c ...` is a left-deep tree, and so are
//! `- - - x`, `not not x`, `a.b.c.d`, `List<List<T>>` and `else if` chains. The formatter and
//! the checker recurse over the tree, and even dropping a deep tree recurses, so a deep tree
//! must never be built (not even by a parser branch that is then thrown away): a stack
//! overflow aborts the process.
//!
//! The bound: within one delimiter group, a *run* is a stretch of tokens linked by operators
//! (two operands in a row, or a separator such as `,` `;` `:` `=` or a clause keyword, start a
//! new run). Every tree node consumes an operator or a delimiter of the run it sits in, so the
//! depth of any tree built from the tokens is at most the operators counted in the open runs
//! plus the open delimiters. That sum is refused above [`MAX_DEPTH`].

use crate::codes;
use crate::lexer::Spanned;
use crate::token::Token;
use portoser_diag::{Diagnostic, Diagnostics, FileId, Span};

/// Longest file accepted, in tokens: a thousand times a large playbook. Parsing (with error
/// recovery) costs a few microseconds per token, and a megabyte of junk must stay fast.
pub const MAX_TOKENS: usize = 100_000;

/// Deepest tree accepted. Real playbooks stay far below it; the formatter and the checker are
/// tested at this depth on a 2 MiB thread stack.
pub const MAX_DEPTH: usize = 256;

enum Class {
    Open,
    Close,
    /// Links two parts of a run: `+ - . == != < > <= >= in and or not if else`.
    Op,
    Operand,
    /// Ends the run: `, ; : = @` and the other keywords.
    Reset,
}

fn class(tok: &Token<'_>) -> Class {
    match tok {
        Token::Punct("{" | "(" | "[") => Class::Open,
        Token::Punct("}" | ")" | "]") => Class::Close,
        Token::Punct("+" | "-" | "." | "==" | "!=" | "<" | ">" | "<=" | ">=") => Class::Op,
        Token::Kw("in" | "and" | "or" | "not" | "if" | "else") => Class::Op,
        Token::Kw("true" | "false") => Class::Operand,
        Token::Punct(_) | Token::Kw(_) => Class::Reset,
        Token::Ident(_)
        | Token::Int(_)
        | Token::Str(_)
        | Token::Duration(..)
        | Token::Size(..)
        | Token::Percent(_) => Class::Operand,
    }
}

/// Reports (once) a token stream longer than [`MAX_TOKENS`]; true if so.
pub fn too_long(tokens: &[Spanned<'_>], file: FileId, diags: &mut Diagnostics) -> bool {
    let Some((_, s)) = tokens.get(MAX_TOKENS) else {
        return false;
    };
    diags.push(
        Diagnostic::error(
            codes::TOO_DEEP,
            format!("playbook file longer than {MAX_TOKENS} tokens"),
        )
        .at(Span::new(file, s.start, s.end), "the limit is reached here")
        .with_help("split the file: a project may hold many playbook files"),
    );
    true
}

/// Reports (once) a token stream whose tree could be deeper than [`MAX_DEPTH`]; true if so.
pub fn too_deep(tokens: &[Spanned<'_>], file: FileId, diags: &mut Diagnostics) -> bool {
    // Operators counted in the current run, and in the runs of the enclosing groups.
    let mut run = 0usize;
    let mut saved: Vec<usize> = Vec::new();
    let mut outer = 0usize;
    let mut after_operand = false;
    let mut after_dot = false;
    for (tok, s) in tokens {
        // After `.` comes a field name, which may be a keyword (`x.timeout`).
        let class = match tok {
            Token::Ident(_) | Token::Kw(_) if after_dot => Class::Operand,
            _ => class(tok),
        };
        after_dot = matches!(tok, Token::Punct("."));
        match class {
            Class::Open => {
                saved.push(run);
                outer += run + 1;
                run = 0;
                after_operand = false;
            }
            Class::Close => {
                if let Some(r) = saved.pop() {
                    outer -= r + 1;
                    run = r;
                }
                after_operand = true;
            }
            Class::Op => {
                run += 1;
                after_operand = false;
            }
            Class::Operand => {
                if after_operand {
                    run = 0;
                }
                after_operand = true;
            }
            Class::Reset => {
                run = 0;
                after_operand = false;
            }
        }
        if outer + run > MAX_DEPTH {
            diags.push(report(tok, Span::new(file, s.start, s.end)));
            return true;
        }
    }
    false
}

fn report(tok: &Token<'_>, at: Span) -> Diagnostic {
    Diagnostic::error(
        codes::TOO_DEEP,
        format!("playbook nested more than {MAX_DEPTH} levels deep"),
    )
    .at(at, format!("{tok} is nested too deeply"))
    .with_note("each operator, field access, `else if` and open delimiter adds a level")
    .with_help("name parts of the expression with `let`, or move steps into a playbook")
}
