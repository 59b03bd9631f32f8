//! Every `.pbk` file of the repository that the compiler accepts as syntax parses with the
//! tree-sitter grammar without an ERROR or MISSING node. The fixtures of syntax errors
//! (tests/fixtures/errors/E02xx) and the hostile corpus are the exception: for them the test
//! only requires that parsing terminates and yields a tree.

use std::path::{Path, PathBuf};
use tree_sitter::{Node, Parser, Tree};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn pbk_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            pbk_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "pbk") {
            out.push(path);
        }
    }
}

/// A syntax-error fixture (E02xx) or a hostile input: not expected to parse cleanly.
fn expected_to_fail(path: &Path) -> bool {
    let p = path.to_string_lossy().replace('\\', "/");
    let hostile = p.contains("/tests/hostile/") && !p.contains("/tests/hostile/clean/");
    hostile || p.contains("/tests/fixtures/errors/E02")
}

fn parse(text: &str) -> Tree {
    let mut parser = Parser::new();
    parser
        .set_language(&tree_sitter_portoser::LANGUAGE.into())
        .expect("the generated parser's ABI is supported by the runtime");
    parser.parse(text, None).expect("the parser returns a tree")
}

/// The first ERROR or MISSING node, as `line:col kind` (1-based), for the failure message.
fn first_problem(node: Node) -> Option<String> {
    if node.is_error() || node.is_missing() {
        let p = node.start_position();
        let what = if node.is_missing() {
            "MISSING"
        } else {
            "ERROR"
        };
        return Some(format!(
            "{}:{} {what} {}",
            p.row + 1,
            p.column + 1,
            node.kind()
        ));
    }
    if !node.has_error() {
        return None;
    }
    let mut cursor = node.walk();
    let children: Vec<Node> = node.children(&mut cursor).collect();
    children.into_iter().find_map(first_problem)
}

/// The playbooks the task names: stdlib, examples, playbooks/, the parser's corpus, the
/// fixtures, plus this grammar's own highlight samples.
fn sources() -> Vec<PathBuf> {
    let root = repo_root();
    let mut files = Vec::new();
    for dir in [
        "stdlib",
        "examples",
        "playbooks",
        "crates/portoser-syntax/tests",
        "tests/fixtures",
        "editors/tree-sitter-portoser/test/highlight",
    ] {
        pbk_files(&root.join(dir), &mut files);
    }
    files.sort();
    files
}

#[test]
fn every_valid_playbook_parses_without_errors() {
    let files = sources();
    let clean: Vec<&PathBuf> = files.iter().filter(|p| !expected_to_fail(p)).collect();
    // The repository has dozens of playbooks; finding few means the walk is broken.
    assert!(clean.len() >= 50, "only {} .pbk files found", clean.len());
    let mut failures = Vec::new();
    for path in &clean {
        let text = std::fs::read_to_string(path).expect("readable .pbk file");
        let tree = parse(&text);
        if let Some(problem) = first_problem(tree.root_node()) {
            failures.push(format!("{}:{problem}", path.display()));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} files do not parse cleanly:\n{}",
        failures.len(),
        clean.len(),
        failures.join("\n")
    );
}

/// Syntax errors a context-free grammar sees. E0203 (an integer out of range) and E0210
/// (a file over the size limit) are limits the compiler checks, not syntax an editor flags.
fn grammar_sees(path: &Path) -> bool {
    let p = path.to_string_lossy().replace('\\', "/");
    p.contains("/tests/fixtures/errors/E02") && !p.contains("/E0203/") && !p.contains("/E0210/")
}

#[test]
fn syntax_error_fixtures_and_hostile_inputs_yield_a_tree() {
    let files: Vec<PathBuf> = sources()
        .into_iter()
        .filter(|p| expected_to_fail(p))
        .collect();
    assert!(
        files.len() >= 20,
        "only {} error fixtures found",
        files.len()
    );
    let mut unflagged = Vec::new();
    for path in files {
        let bytes = std::fs::read(&path).expect("readable file");
        let text = String::from_utf8_lossy(&bytes);
        let tree = parse(&text);
        let root = tree.root_node();
        // Error recovery keeps the whole text in the tree, however broken.
        assert_eq!(root.end_byte(), text.len(), "{}", path.display());
        if grammar_sees(&path) && !root.has_error() {
            unflagged.push(path.display().to_string());
        }
    }
    assert!(
        unflagged.is_empty(),
        "syntax errors the grammar accepts:\n{}",
        unflagged.join("\n")
    );
}
