//! The committed fixtures (`tests/fixtures/errors/E03xx/`) and the examples in
//! `docs/errors/E03xx.md`: each fixture and each "Wrong" example produces its code and
//! nothing else; each "Fixed" example checks clean. (The workspace test runs the whole CLI
//! pipeline on the fixtures too; this one keeps the checker's own fixtures honest.)

use crate::support::{Run, check_files};
use portoser_diag::{Diagnostics, Origin, SourceMap};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn our_codes() -> Vec<&'static str> {
    portoser_check::CODES.iter().map(|c| c.code).collect()
}

fn registry_of_fixture(dir: &Path) -> portoser_registry::Registry {
    let text = std::fs::read_to_string(dir.join("registry.yml")).unwrap_or_default();
    let mut map = SourceMap::new();
    let id = map.add("registry.yml", text, Origin::Project);
    let mut diags = Diagnostics::new();
    let registry = portoser_registry::load(&map, id, &mut diags);
    assert!(
        !diags.has_errors(),
        "{}: registry.yml has errors: {:?}",
        dir.display(),
        diags.iter().map(|d| &d.message).collect::<Vec<_>>()
    );
    registry.unwrap_or_else(|| panic!("{}: registry.yml does not load", dir.display()))
}

fn pbk_files(dir: &Path, base: &Path, out: &mut Vec<(String, String)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            pbk_files(&path, base, out);
        } else if path.extension().is_some_and(|x| x == "pbk") {
            let name = path
                .strip_prefix(base)
                .unwrap_or(&path)
                .display()
                .to_string();
            out.push((name, std::fs::read_to_string(&path).unwrap_or_default()));
        }
    }
}

fn run_fixture(dir: &Path) -> Run {
    let registry = registry_of_fixture(dir);
    let mut files = Vec::new();
    pbk_files(&dir.join("playbooks"), dir, &mut files);
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    check_files(&registry, &refs, true)
}

#[test]
fn every_code_has_a_fixture_producing_only_that_code() {
    let mut failures = Vec::new();
    for code in our_codes() {
        let dir = root().join("tests/fixtures/errors").join(code);
        let run = run_fixture(&dir);
        if run.codes().is_empty() || run.codes().iter().any(|c| *c != code) {
            failures.push(format!("{code}: {:?}\n{}", run.codes(), run.render()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The ```pbk blocks under `## Wrong` and `## Fixed`, single-file examples only.
fn examples(doc: &str) -> Option<(String, String)> {
    let block = |section: &str| -> Option<String> {
        let after = doc.split(section).nth(1)?;
        let body = after.split("```pbk\n").nth(1)?.split("```").next()?;
        (!body.contains("\n# playbooks/")
            && !body.starts_with("# playbooks/")
            && !body.contains("import "))
        .then(|| body.to_string())
    };
    Some((block("## Wrong")?, block("## Fixed")?))
}

#[test]
fn doc_examples_show_the_code_and_its_fix() {
    // E0313's registry: `api` on `h1`, declaring the secret `DB_PASSWORD` (E0313's and
    // E0350's examples use it).
    let registry = registry_of_fixture(&root().join("tests/fixtures/errors/E0313"));
    let mut failures = Vec::new();
    for code in our_codes() {
        let doc = std::fs::read_to_string(root().join(format!("docs/errors/{code}.md")))
            .unwrap_or_default();
        assert!(
            doc.starts_with(&format!("# {code}: ")),
            "docs/errors/{code}.md is missing or malformed"
        );
        let Some((wrong, fixed)) = examples(&doc) else {
            continue;
        };
        let run = check_files(&registry, &[("playbooks/example.pbk", &wrong)], true);
        if !run.codes().contains(&code) {
            failures.push(format!(
                "{code} wrong example: {:?}\n{}",
                run.codes(),
                run.render()
            ));
        }
        let run = check_files(&registry, &[("playbooks/example.pbk", &fixed)], true);
        if !run.diags.is_empty() {
            failures.push(format!("{code} fixed example:\n{}", run.render()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
