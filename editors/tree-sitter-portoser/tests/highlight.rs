//! The queries compile against the grammar, and the highlight samples in test/highlight/*.pbk
//! get the captures their assertion comments name (the `tree-sitter test` format: a comment
//! line `#   ^ keyword` names the capture under the `^` on the closest code line above it;
//! `# <- keyword` names the one at the column of the `#`).

use std::path::Path;
use tree_sitter::{Language, Query};
use tree_sitter_highlight::{HighlightConfiguration, HighlightEvent, Highlighter};

fn language() -> Language {
    tree_sitter_portoser::LANGUAGE.into()
}

#[test]
fn the_queries_compile() {
    for (name, source) in [
        ("highlights", tree_sitter_portoser::HIGHLIGHTS_QUERY),
        ("locals", tree_sitter_portoser::LOCALS_QUERY),
        ("folds", tree_sitter_portoser::FOLDS_QUERY),
    ] {
        let query = Query::new(&language(), source).unwrap_or_else(|e| panic!("{name}.scm: {e}"));
        assert!(query.pattern_count() > 0, "{name}.scm has no patterns");
    }
}

struct Assertion {
    line: usize,
    col: usize,
    expected: String,
}

/// The assertion comments of a sample, each with the position it points at.
fn assertions(text: &str) -> Vec<Assertion> {
    let mut out = Vec::new();
    let mut code_line = None;
    for (n, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        let hash = line.len() - trimmed.len();
        let rest = trimmed.strip_prefix('#').map(str::trim_start);
        let pointer = rest.and_then(|r| {
            if let Some(name) = r.strip_prefix("<-") {
                Some((hash, name))
            } else {
                let caret = line.find('^').filter(|_| r.starts_with('^'))?;
                Some((caret, r.trim_start_matches('^')))
            }
        });
        match (pointer, code_line) {
            (Some((col, name)), Some(line)) => out.push(Assertion {
                line,
                col,
                expected: name.trim().to_string(),
            }),
            _ => code_line = Some(n),
        }
    }
    out
}

/// The innermost highlight name at each byte of `text`.
fn highlight_names(text: &str) -> Vec<Option<String>> {
    let mut config = HighlightConfiguration::new(
        language(),
        "portoser",
        tree_sitter_portoser::HIGHLIGHTS_QUERY,
        "",
        tree_sitter_portoser::LOCALS_QUERY,
    )
    .expect("the highlight configuration builds");
    let names: Vec<String> = config.names().iter().map(|s| s.to_string()).collect();
    config.configure(&names);
    let mut highlighter = Highlighter::new();
    let events = highlighter
        .highlight(&config, text.as_bytes(), None, None, |_| None)
        .expect("highlighting starts");
    let mut stack: Vec<usize> = Vec::new();
    let mut out = vec![None; text.len()];
    for event in events {
        match event.expect("highlighting succeeds") {
            HighlightEvent::HighlightStart(h) => stack.push(h.0),
            HighlightEvent::HighlightEnd => {
                stack.pop();
            }
            HighlightEvent::Source { start, end } => {
                for slot in out.iter_mut().take(end).skip(start) {
                    *slot = stack.last().map(|i| names[*i].clone());
                }
            }
        }
    }
    out
}

#[test]
fn highlight_samples_get_their_captures() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("test/highlight");
    let mut checked = 0;
    let mut failures = Vec::new();
    for entry in std::fs::read_dir(&dir)
        .expect("test/highlight exists")
        .flatten()
    {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "pbk") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("readable sample");
        let names = highlight_names(&text);
        let line_starts: Vec<usize> = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        for a in assertions(&text) {
            let offset = line_starts[a.line] + a.col;
            let actual = names.get(offset).cloned().flatten();
            checked += 1;
            if actual.as_deref() != Some(a.expected.as_str()) {
                failures.push(format!(
                    "{}:{}:{}: expected {}, got {actual:?}",
                    path.display(),
                    a.line + 1,
                    a.col + 1,
                    a.expected
                ));
            }
        }
    }
    assert!(checked >= 30, "only {checked} highlight assertions found");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn assertion_comments_point_at_the_code_line_above() {
    let text = "rule r {\n# <- keyword\n#    ^ function\n}\n";
    let got: Vec<(usize, usize, String)> = assertions(text)
        .into_iter()
        .map(|a| (a.line, a.col, a.expected))
        .collect();
    assert_eq!(
        got,
        vec![
            (0, 0, "keyword".to_string()),
            (0, 5, "function".to_string())
        ]
    );
}

#[test]
fn every_keyword_has_a_highlight() {
    let language = language();
    let keywords: Vec<&str> = (0..language.node_kind_count() as u16)
        .filter(|id| !language.node_kind_is_named(*id) && language.node_kind_is_visible(*id))
        .filter_map(|id| language.node_kind_for_id(id))
        .filter(|k| !k.is_empty() && k.chars().all(|c| c.is_ascii_lowercase()))
        .collect();
    assert!(
        keywords.len() >= 26,
        "only {} keywords: {keywords:?}",
        keywords.len()
    );
    let query = tree_sitter_portoser::HIGHLIGHTS_QUERY;
    // `true` and `false` are named nodes (`(true)`), highlighted as booleans.
    let missing: Vec<&&str> = keywords
        .iter()
        .filter(|k| !query.contains(&format!("\"{k}\"")) && !query.contains(&format!("({k})")))
        .collect();
    assert!(
        missing.is_empty(),
        "keywords without a highlight: {missing:?}"
    );
}
