//! Runs the corpus tests of test/corpus/*.txt (the `tree-sitter test` format) without the
//! tree-sitter CLI: each case is parsed and its S-expression compared with the expected one.

use std::path::Path;
use tree_sitter::Parser;

struct Case {
    file: String,
    name: String,
    /// `:error` in the header: the tree must contain an error, its shape is not checked.
    error: bool,
    source: String,
    expected: String,
}

/// A header or separator line: three or more `=` (or `-`), as the CLI writes them.
fn is_rule(line: &str, c: char) -> bool {
    line.len() >= 3 && line.chars().all(|x| x == c)
}

/// The header starting at line `i`: `===`, a name, `:attribute` lines, `===`. Returns the
/// name, the attributes and the index of the first line after the header.
fn header<'a>(lines: &[&'a str], i: usize) -> Option<(&'a str, Vec<&'a str>, usize)> {
    if !is_rule(lines.get(i)?, '=') {
        return None;
    }
    let name = lines.get(i + 1)?;
    let mut j = i + 2;
    let mut attributes = Vec::new();
    while let Some(line) = lines.get(j).filter(|l| l.starts_with(':')) {
        attributes.push(line.trim());
        j += 1;
    }
    is_rule(lines.get(j)?, '=').then_some((name.trim(), attributes, j + 1))
}

/// Splits one corpus file into cases: header, source, `---`, expected tree.
fn cases(file: &str, text: &str) -> Vec<Case> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let Some((name, attributes, body_start)) = header(&lines, i) else {
            i += 1;
            continue;
        };
        let mut end = body_start;
        while end < lines.len() && header(&lines, end).is_none() {
            end += 1;
        }
        let body = &lines[body_start..end];
        let sep = body
            .iter()
            .rposition(|l| is_rule(l, '-'))
            .unwrap_or_else(|| panic!("{file}: case `{name}` has no `---` line"));
        out.push(Case {
            file: file.to_string(),
            name: name.to_string(),
            error: attributes.contains(&":error"),
            source: body[..sep].join("\n").trim().to_string() + "\n",
            expected: body[sep + 1..].join("\n"),
        });
        i = end;
    }
    out
}

/// One space between tokens, none inside parentheses: layout-independent S-expressions.
/// Like the CLI, field names are compared only when the expected tree writes them.
fn normalize(sexp: &str, keep_fields: bool) -> String {
    let spaced = sexp
        .split_whitespace()
        .filter(|t| keep_fields || !t.ends_with(':'))
        .collect::<Vec<_>>()
        .join(" ");
    spaced.replace("( ", "(").replace(" )", ")")
}

#[test]
fn corpus_cases_match_their_trees() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("test/corpus");
    let mut all = Vec::new();
    for entry in std::fs::read_dir(&dir)
        .expect("test/corpus exists")
        .flatten()
    {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "txt") {
            let text = std::fs::read_to_string(&path).expect("readable corpus file");
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
            all.extend(cases(&name.unwrap_or_default(), &text));
        }
    }
    assert!(all.len() >= 20, "only {} corpus cases found", all.len());

    let mut parser = Parser::new();
    parser
        .set_language(&tree_sitter_portoser::LANGUAGE.into())
        .expect("the generated parser's ABI is supported by the runtime");
    let mut failures = Vec::new();
    for case in &all {
        let tree = parser.parse(&case.source, None).expect("a tree");
        if case.error {
            if !tree.root_node().has_error() {
                failures.push(format!("{} / {}: expected an error", case.file, case.name));
            }
            continue;
        }
        let keep_fields = case.expected.split_whitespace().any(|t| t.ends_with(':'));
        let actual = normalize(&tree.root_node().to_sexp(), keep_fields);
        let expected = normalize(&case.expected, true);
        if actual != expected {
            failures.push(format!(
                "{} / {}\n  expected: {expected}\n  actual:   {actual}",
                case.file, case.name
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} corpus cases differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn the_corpus_splitter_finds_every_case() {
    let text = "===\na\n===\nx\n---\n(s)\n\n=====\nb\n:error\n=====\ny\n\n---\n\n(t)\n";
    let got = cases("t.txt", text);
    assert_eq!(got.len(), 2);
    assert_eq!((got[0].name.as_str(), got[0].source.as_str()), ("a", "x\n"));
    assert!(!got[0].error && got[1].error);
    assert_eq!(
        (
            got[1].name.as_str(),
            normalize(&got[1].expected, true).as_str()
        ),
        ("b", "(t)")
    );
    assert_eq!(normalize("(a name: (b))", false), "(a (b))");
}
