//! Corpus: every example project, the stdlib and the shared playbooks check clean.

use portoser::compile::compile;
use portoser::project::ProjectPaths;
use portoser_diag::{RenderOptions, render_all};
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn assert_clean(paths: &ProjectPaths) {
    let compiled = compile(paths);
    let sorted = compiled.diags.clone().into_sorted();
    assert!(
        sorted.is_empty(),
        "{} is not clean:\n{}",
        paths.dir.display(),
        render_all(&compiled.map, &sorted, RenderOptions { color: false })
    );
}

#[test]
fn every_example_project_checks_without_any_diagnostic() {
    let mut count = 0;
    for entry in std::fs::read_dir(root().join("examples")).expect("examples/") {
        let dir = entry.expect("entry").path();
        if dir.join("registry.yml").is_file() {
            assert_clean(&ProjectPaths::new(Some(&dir), None));
            count += 1;
        }
    }
    assert!(
        count >= 2,
        "expected at least the demo and the homelab examples"
    );
}

#[test]
fn shared_playbooks_and_stdlib_check_clean_against_the_homelab_registry() {
    let registry = root().join("examples/homelab/registry.yml");
    let paths = ProjectPaths::new(Some(&root()), Some(&registry));
    let compiled = compile(&paths);
    assert!(compiled.counts.playbooks > 0, "playbooks/ has files");
    assert!(compiled.counts.stdlib >= 6, "the six healing rules");
    let sorted = compiled.diags.clone().into_sorted();
    assert!(
        sorted.is_empty(),
        "{}",
        render_all(&compiled.map, &sorted, RenderOptions { color: false })
    );
}
