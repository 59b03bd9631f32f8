//! The grammar file cannot drift from the parser: its keyword terminals are exactly KEYWORDS,
//! and every keyword is used by the test corpus, which parses cleanly.

use portoser_diag::{Diagnostics, FileId};
use portoser_syntax::{KEYWORDS, parse_text};
use std::collections::BTreeSet;

/// Quoted words made of lower-case letters, outside comments and the token section.
fn grammar_keywords() -> BTreeSet<String> {
    let text = include_str!("../../../grammar/pbk.ebnf");
    let rules = text.split("/* Tokens. */").next().unwrap_or("");
    let mut out = BTreeSet::new();
    for line in rules.lines() {
        let code = line.split("/*").next().unwrap_or("");
        for (i, part) in code.split('\'').enumerate() {
            if i % 2 == 1 && !part.is_empty() && part.chars().all(|c| c.is_ascii_lowercase()) {
                out.insert(part.to_string());
            }
        }
    }
    out
}

#[test]
fn keywords_in_sync() {
    let parser: BTreeSet<String> = KEYWORDS.iter().map(|k| k.to_string()).collect();
    assert_eq!(grammar_keywords(), parser);
}

#[test]
fn every_keyword_is_exercised_by_the_corpus() {
    let corpus = concat!(
        include_str!("corpus/sketch.pbk"),
        include_str!("corpus/messy.pbk")
    );
    let mut d = Diagnostics::new();
    parse_text(corpus, FileId(0), &mut d);
    assert!(d.is_empty(), "{:?}", d.into_sorted());
    let words: BTreeSet<&str> = corpus
        .lines()
        .map(|l| l.split('#').next().unwrap_or(""))
        .flat_map(|l| l.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')))
        .collect();
    for k in KEYWORDS {
        assert!(words.contains(k), "keyword `{k}` is not used by the corpus");
    }
}

#[test]
fn parsing_is_fast() {
    let one = include_str!("corpus/sketch.pbk");
    let big = one.repeat(60);
    let start = std::time::Instant::now();
    let mut d = Diagnostics::new();
    let file = parse_text(&big, FileId(0), &mut d);
    assert_eq!(file.items.len(), 8 * 60);
    // Generous for a debug build on a busy machine; release is far faster.
    assert!(
        start.elapsed().as_millis() < 20_000,
        "{:?}",
        start.elapsed()
    );
}
