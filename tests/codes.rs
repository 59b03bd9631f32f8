//! Every diagnostic code is documented, produced by a fixture, and unique.
//!
//! Fixtures live in `tests/fixtures/errors/<CODE>/`: a small project whose check (or plan)
//! reports that code. The rendered diagnostics of each fixture are snapshot-tested, so a
//! change in wording or location is reviewed like code.

use portoser::planning::plan_project;
use portoser::project::ProjectPaths;
use portoser_diag::{RenderOptions, render_all};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Codes that cannot come from a committed fixture, with the test that covers them instead.
const NO_FIXTURE: &[(&str, &str)] = &[
    (
        "E0003",
        "a 16 MiB file does not belong in git: tests/cli.rs::huge_registry_is_refused",
    ),
    (
        "E0401",
        "a guard: check rejects dependency cycles first (E0104); crates/portoser-plan tests",
    ),
    (
        "E0403",
        "needs a database written by a newer portoser: crates/portoser-state/tests/state.rs",
    ),
    (
        "E0404",
        "comes from a saved plan file, read by apply: crates/portoser-plan/tests/render.rs",
    ),
    (
        "E0405",
        "comes from a stale saved plan, read by apply: crates/portoser-plan/tests/render.rs",
    ),
    // Runtime failures on hosts: produced by apply on the real test bed.
    ("E0501", "tests/e2e: an unreachable host"),
    ("E0502", "tests/e2e: a wrong key"),
    ("E0503", "tests/e2e: an unknown host key"),
    (
        "E0504",
        "crates/portoser-transport/tests/ssh.rs: a changed host key",
    ),
    ("E0505", "tests/e2e: docker daemon stopped"),
    (
        "E0506",
        "crates/portoser-engine/tests/docker_real.rs: no compose plugin",
    ),
    ("E0507", "tests/e2e: a compose file missing on the host"),
    ("E0508", "tests/e2e: a service that never becomes healthy"),
    (
        "E0509",
        "tests/failures.rs: classified from a full disk's message",
    ),
    (
        "E0510",
        "tests/failures.rs: classified from a permission error",
    ),
    ("E0511", "tests/failures.rs: a command that fails"),
    (
        "E0512",
        "a hook step or node kind portoser cannot run yet: crates/portoser-exec tests",
    ),
    (
        "E0540",
        "needs a running Caddy that refuses a config: tests/e2e_caddy.rs",
    ),
    ("E0570", "tests/failures.rs: a Vault that does not answer"),
    (
        "E0571",
        "needs a Vault and a host's AppRole: tests/e2e_vault.rs",
    ),
    (
        "E0572",
        "needs a Vault without the secret: crates/portoser-vault/tests/bao.rs (the kind), docs",
    ),
    (
        "E0573",
        "tests/failures.rs and tests/e2e_vault.rs: no AppRole file on the host",
    ),
    // The project PKI store: these need certificates in .portoser/pki/ (tests/certs_cli.rs).
    ("E0560", "needs an unreadable CA key: tests/certs_cli.rs"),
    (
        "E0561",
        "needs an expired certificate: crates/portoser-certs tests, tests/certs_cli.rs",
    ),
    (
        "E0562",
        "needs a certificate near expiry: tests/certs_cli.rs",
    ),
    (
        "E0563",
        "needs a certificate issued before the registry changed: tests/certs_cli.rs",
    ),
    (
        "E0564",
        "needs a key file with a wide mode: tests/certs_cli.rs",
    ),
    (
        "E0565",
        "needs a store whose CA was replaced: tests/certs_cli.rs",
    ),
    ("E0566", "needs an existing CA: tests/certs_cli.rs"),
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn all_codes() -> Vec<&'static str> {
    portoser::all_codes()
        .iter()
        .flat_map(|t| t.iter())
        .map(|c| c.code)
        .collect()
}

#[test]
fn codes_are_unique_and_well_formed() {
    let codes = all_codes();
    let mut seen = BTreeSet::new();
    for code in &codes {
        assert!(seen.insert(*code), "duplicate diagnostic code {code}");
        let ok = code.len() == 5
            && (code.starts_with('E') || code.starts_with('W'))
            && code[1..].chars().all(|c| c.is_ascii_digit());
        assert!(ok, "malformed code {code}: expected E or W and four digits");
    }
    for table in portoser::all_codes() {
        for info in table {
            let expected = if info.code.starts_with('E') {
                portoser_diag::Severity::Error
            } else {
                portoser_diag::Severity::Warning
            };
            assert_eq!(
                info.severity, expected,
                "{}: E codes are errors, W codes warnings",
                info.code
            );
        }
    }
}

#[test]
fn every_code_has_a_doc_with_a_wrong_and_a_fixed_example() {
    let codes: BTreeSet<&str> = all_codes().into_iter().collect();
    for code in &codes {
        let doc = portoser::explain::doc(code)
            .unwrap_or_else(|| panic!("{code} has no docs/errors/{code}.md"));
        assert!(
            doc.starts_with(&format!("# {code}: ")),
            "{code}: the doc must start with `# {code}: `"
        );
        assert!(
            doc.contains("\n## Wrong\n"),
            "{code}: the doc needs a `## Wrong` example"
        );
        assert!(
            doc.contains("\n## Fixed\n"),
            "{code}: the doc needs a `## Fixed` example"
        );
    }
    for documented in portoser::explain::documented_codes() {
        assert!(
            codes.contains(documented),
            "docs/errors/{documented}.md documents a code no stage has"
        );
    }
}

fn diagnostics_of(dir: &Path) -> (Vec<&'static str>, String) {
    let paths = ProjectPaths::new(Some(dir), None);
    let compiled = plan_project(&paths).compiled;
    let sorted = compiled.diags.clone().into_sorted();
    let codes = sorted.iter().map(|d| d.code).collect();
    let text = render_all(&compiled.map, &sorted, RenderOptions { color: false });
    // Fixture paths differ between machines: show them relative to the fixture.
    let prefix = format!("{}/", dir.display());
    (codes, text.replace(&prefix, ""))
}

#[test]
fn every_code_has_a_fixture_that_produces_it() {
    let fixtures = root().join("tests/fixtures/errors");
    let mut missing = Vec::new();
    for code in all_codes() {
        let dir = fixtures.join(code);
        if !dir.is_dir() {
            if !NO_FIXTURE.iter().any(|(c, _)| *c == code) {
                missing.push(code);
            }
            continue;
        }
        let (codes, text) = diagnostics_of(&dir);
        assert!(
            codes.contains(&code),
            "fixture {code} does not produce {code}; it produced {codes:?}:\n{text}"
        );
        insta::assert_snapshot!(format!("fixture_{code}"), text);
    }
    assert!(
        missing.is_empty(),
        "codes without a fixture in tests/fixtures/errors/: {missing:?}"
    );
}

#[test]
fn every_fixture_directory_names_a_code() {
    let codes: BTreeSet<&str> = all_codes().into_iter().collect();
    let dir = root().join("tests/fixtures/errors");
    for entry in std::fs::read_dir(&dir).expect("fixtures directory") {
        let name = entry
            .expect("entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        assert!(
            codes.contains(name.as_str()),
            "tests/fixtures/errors/{name} names no code"
        );
    }
}
