//! chumsky's errors in the user's terms: "unexpected `=`, expected an expression", with the
//! opening brace of the block being parsed as a secondary label.

use super::common::sp;
use crate::codes;
use crate::token::{ITEM_KEYWORDS, Token};
use chumsky::error::{Rich, RichPattern};
use portoser_diag::{Diagnostic, FileId, Span, did_you_mean};

const ITEM_LABEL: &str = "an item (`rule`, `hook`, `playbook`, `allow`, `import` or `engine`)";

fn expected_name(p: &RichPattern<'_, Token<'_>>) -> Option<String> {
    Some(match p {
        RichPattern::Token(t) => match &**t {
            Token::Kw(k) => format!("`{k}`"),
            Token::Punct(p) => format!("`{p}`"),
            Token::Ident(_) => "a name".into(),
            Token::Str(_) => "a string".into(),
            other => other.to_string(),
        },
        RichPattern::Label(l) => l.to_string(),
        RichPattern::Identifier(i) => format!("`{i}`"),
        RichPattern::EndOfInput => "end of file".into(),
        _ => return None,
    })
}

fn join(items: &[String]) -> String {
    match items {
        [] => "something else".into(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

pub fn convert(err: &Rich<'_, Token<'_>>, file: FileId) -> Diagnostic {
    let span = sp(file, *err.span());
    let found = err
        .found()
        .map_or("end of file".to_string(), |t| t.to_string());
    let mut expected: Vec<String> = err.expected().filter_map(expected_name).collect();
    expected.sort();
    expected.dedup();
    if expected.iter().any(|e| e == ITEM_LABEL) {
        return not_an_item(err.found(), &found, span);
    }
    // An expression could always continue with an operator: say so once, not twelve times.
    const OPS: &[&str] = &[
        "`!=`", "`+`", "`-`", "`.`", "`<=`", "`<`", "`==`", "`>=`", "`>`", "`and`", "`in`", "`or`",
    ];
    let mut shown: Vec<String> = expected
        .iter()
        .filter(|e| !OPS.contains(&e.as_str()))
        .cloned()
        .collect();
    if shown.len() + 3 < expected.len() {
        shown.push("an operator".into());
    } else {
        shown = expected.clone();
    }
    let list = join(&shown);
    let mut d = Diagnostic::error(
        codes::UNEXPECTED,
        format!("unexpected {found}, expected {list}"),
    );
    let block_open = err
        .contexts()
        .filter(|(l, _)| matches!(l, RichPattern::Label(l) if l == "a block"))
        .map(|(_, s)| Span::new(file, s.start, s.start + 1))
        .last();
    match block_open {
        Some(open) if expected.iter().any(|e| e == "`}`") => {
            d = d
                .at(span, format!("expected {list}"))
                .with_label(open, "expected `}` to close the block opened here");
        }
        _ => d = d.at(span, format!("expected {list}")),
    }
    if let Some(Token::Punct("=")) = err.found()
        && expected.iter().any(|e| e == "`==`")
    {
        d = d.with_help("compare with `==`; `=` only binds a name in `let`");
    }
    d
}

fn not_an_item(tok: Option<&Token<'_>>, found: &str, span: Span) -> Diagnostic {
    let d = Diagnostic::error(
        codes::NOT_AN_ITEM,
        format!("expected an item, found {found}"),
    )
    .at(span, "not an item")
    .with_note(
        "a playbook file holds `rule`, `hook`, `playbook`, `allow`, `import` and `engine` items",
    );
    match tok {
        Some(Token::Ident(w)) => d.with_suggestion(did_you_mean(w, ITEM_KEYWORDS.iter().copied())),
        _ => d,
    }
}
