//! The keywords of `.pbk` are written down four times: the parser (`portoser_syntax::KEYWORDS`),
//! the normative grammar (grammar/pbk.ebnf), the tree-sitter grammar
//! (editors/tree-sitter-portoser, its generated src/grammar.json) and the VS Code TextMate
//! grammar (editors/vscode/syntaxes/pbk.tmLanguage.json). This test keeps them equal.

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

type Words = BTreeSet<String>;

fn read(relative: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn parser_keywords() -> Words {
    portoser_syntax::KEYWORDS
        .iter()
        .map(|k| k.to_string())
        .collect()
}

fn is_word(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase())
}

/// Quoted lower-case words of the EBNF rules, outside comments and the token section (whose
/// quoted unit suffixes `ms`, `s`, ... are not keywords).
fn ebnf_keywords(text: &str) -> Words {
    let rules = text.split("/* Tokens. */").next().unwrap_or("");
    let mut out = Words::new();
    for line in rules.lines() {
        let code = line.split("/*").next().unwrap_or("");
        for (i, part) in code.split('\'').enumerate() {
            if i % 2 == 1 && is_word(part) {
                out.insert(part.to_string());
            }
        }
    }
    out
}

/// Every lower-case word a tree-sitter grammar matches literally (`STRING` rules): its
/// keywords. Numbers' unit suffixes are inside regular expressions, not `STRING`s.
fn tree_sitter_keywords(grammar: &Value) -> Words {
    fn walk(v: &Value, out: &mut Words) {
        match v {
            Value::Object(map) => {
                if map.get("type").and_then(Value::as_str) == Some("STRING")
                    && let Some(s) = map.get("value").and_then(Value::as_str)
                    && is_word(s)
                {
                    out.insert(s.to_string());
                }
                map.values().for_each(|x| walk(x, out));
            }
            Value::Array(items) => items.iter().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    let mut out = Words::new();
    if let Some(rules) = grammar.get("rules") {
        walk(rules, &mut out);
    }
    out
}

/// Scopes under which a TextMate grammar colours keywords.
fn is_keyword_scope(name: &str) -> bool {
    name.starts_with("keyword.")
        || name.starts_with("constant.language.")
        || name == "storage.type.pbk"
}

/// The words of `\b(a|b|c)\b`-style alternations in the patterns with a keyword scope.
fn textmate_keywords(grammar: &Value) -> Words {
    fn walk(v: &Value, out: &mut Words) {
        match v {
            Value::Object(map) => {
                let scope = map.get("name").and_then(Value::as_str).unwrap_or("");
                let regex = map.get("match").and_then(Value::as_str);
                if let Some(regex) = regex.filter(|_| is_keyword_scope(scope)) {
                    out.extend(alternation_words(regex));
                }
                map.values().for_each(|x| walk(x, out));
            }
            Value::Array(items) => items.iter().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    let mut out = Words::new();
    walk(grammar, &mut out);
    out
}

/// `\b(if|else)\b` -> {if, else}: the groups made only of words and `|`.
fn alternation_words(regex: &str) -> Words {
    regex
        .split(['(', ')'])
        .filter(|group| !group.is_empty() && group.split('|').all(is_word))
        .flat_map(|group| group.split('|').map(str::to_string))
        .collect()
}

fn json(relative: &str) -> Value {
    serde_json::from_str(&read(relative)).unwrap_or_else(|e| panic!("{relative}: {e}"))
}

#[test]
fn the_grammar_file_has_the_parser_keywords() {
    assert_eq!(ebnf_keywords(&read("grammar/pbk.ebnf")), parser_keywords());
}

#[test]
fn the_tree_sitter_grammar_has_the_parser_keywords() {
    let grammar = json("editors/tree-sitter-portoser/src/grammar.json");
    assert_eq!(tree_sitter_keywords(&grammar), parser_keywords());
}

#[test]
fn the_textmate_grammar_has_the_parser_keywords() {
    let grammar = json("editors/vscode/syntaxes/pbk.tmLanguage.json");
    assert_eq!(textmate_keywords(&grammar), parser_keywords());
}

#[test]
fn the_extractors_find_words_and_skip_the_rest() {
    let ebnf = "A ::= 'rule' Name '{' /* 'not' */\n/* Tokens. */\nD ::= Digit+ ( 'ms' | 's' )";
    assert_eq!(ebnf_keywords(ebnf), Words::from(["rule".to_string()]));
    assert_eq!(
        alternation_words(r"\b(if|else)\b|(==|!=)|(x_1)"),
        Words::from(["if".to_string(), "else".to_string()])
    );
    let tm: Value = serde_json::json!({"patterns": [
        {"name": "keyword.control.pbk", "match": "\\b(if|else)\\b"},
        {"name": "support.constant.pbk", "match": "\\b(docker|local)\\b"}
    ]});
    assert_eq!(textmate_keywords(&tm).len(), 2);
    let ts: Value = serde_json::json!({"rules": {"a": {"type": "SEQ", "members": [
        {"type": "STRING", "value": "rule"}, {"type": "STRING", "value": "{"},
        {"type": "PATTERN", "value": "[0-9]+(ms|s)"}
    ]}}});
    assert_eq!(tree_sitter_keywords(&ts), Words::from(["rule".to_string()]));
}
