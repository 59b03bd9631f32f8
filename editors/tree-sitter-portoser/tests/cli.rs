//! Checks that need the tree-sitter CLI (`cargo install tree-sitter-cli --locked`): the
//! committed parser is what grammar.js generates, and `tree-sitter test` passes. Without the
//! CLI they print a loud SKIPPED line and pass, so CI needs nothing beyond cargo; the corpus
//! and highlight tests themselves also run without it (tests/corpus.rs, tests/highlight.rs).

use std::path::{Path, PathBuf};
use std::process::Command;

fn grammar_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The CLI, if installed (`TREE_SITTER` overrides the name).
fn cli() -> Option<String> {
    let name = std::env::var("TREE_SITTER").unwrap_or_else(|_| "tree-sitter".to_string());
    let works = Command::new(&name)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !works {
        eprintln!(
            "SKIPPED: `{name}` not found; install it with `cargo install tree-sitter-cli --locked`"
        );
    }
    works.then_some(name)
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().expect("the tree-sitter CLI runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{cmd:?} failed:\n{text}");
    text
}

fn same_file(a: &Path, b: &Path) -> bool {
    std::fs::read(a)
        .ok()
        .is_some_and(|x| std::fs::read(b).ok() == Some(x))
}

#[test]
fn the_committed_parser_is_generated_from_grammar_js() {
    let Some(ts) = cli() else { return };
    let out = std::env::temp_dir().join(format!("tree-sitter-portoser-gen-{}", std::process::id()));
    run(Command::new(&ts)
        .current_dir(grammar_dir())
        // The CLI's built-in JavaScript runtime: no Node needed.
        .args(["generate", "--js-runtime", "native", "--output"])
        .arg(&out));
    let stale: Vec<&str> = ["parser.c", "grammar.json", "node-types.json"]
        .into_iter()
        .filter(|f| !same_file(&out.join(f), &grammar_dir().join("src").join(f)))
        .collect();
    let _ = std::fs::remove_dir_all(&out);
    assert!(
        stale.is_empty(),
        "src/ is stale ({stale:?}): run `tree-sitter generate` in editors/tree-sitter-portoser"
    );
}

#[test]
fn tree_sitter_test_passes() {
    let Some(ts) = cli() else { return };
    let text = run(Command::new(&ts).current_dir(grammar_dir()).arg("test"));
    assert!(
        text.contains("syntax highlighting"),
        "no highlight tests ran:\n{text}"
    );
}
