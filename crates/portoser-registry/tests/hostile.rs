//! Hostile input: every file is at least one located error, fast, never a panic.

mod common;

use std::time::{Duration, Instant};

#[test]
fn every_hostile_file_is_a_located_error_quickly() {
    let dir = common::root().join("tests/fixtures/registry/hostile");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("corpus dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yml"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 12, "corpus has {} files", paths.len());
    let mut report = String::new();
    for path in &paths {
        let start = Instant::now();
        let (map, diags) = common::check_file(path);
        let took = start.elapsed();
        let name = path.display();
        // A guard against blowups, not a benchmark (debug build, loaded machine).
        assert!(took < Duration::from_secs(15), "{name} took {took:?}");
        assert!(
            diags.iter().any(|d| d.is_error()),
            "{name}: no error\n{}",
            common::rendered(&map, &diags)
        );
        for d in &diags {
            assert!(d.primary.is_some(), "{name}: {} is not located", d.code);
        }
        let codes: Vec<&str> = diags.iter().map(|d| d.code).collect();
        report.push_str(&format!(
            "{}: {}\n",
            path.file_name().unwrap_or_default().to_string_lossy(),
            codes.join(" ")
        ));
    }
    insta::assert_snapshot!(report);
}

#[test]
fn a_huge_generated_file_stays_fast() {
    // Just under the CLI's 16 MiB limit: one long string and many keys.
    let mut text = String::from("hosts:\n");
    for i in 0..60_000 {
        text.push_str(&format!(
            "  h{i}:\n    ip: 10.0.{}.{}\n",
            i / 250 % 250,
            i % 250
        ));
    }
    text.push_str(&format!(
        "services:\n  x:\n    description: \"{}\"\n",
        "y".repeat(8 << 20)
    ));
    let start = Instant::now();
    let (_, diags) = common::check_text("huge.yml", &text);
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );
    assert!(!diags.is_empty());
}
