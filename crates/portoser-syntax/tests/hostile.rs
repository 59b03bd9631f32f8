//! Hostile playbooks: every file in `tests/hostile/` (and every generated huge or deeply nested
//! input) is at least one located error, fast, on a 2 MiB thread stack, never a panic or a
//! stack overflow; the files in `tests/hostile/clean/` (BOM, CRLF, tabs, empty) parse clean.

#[path = "hostile/gen.rs"]
mod generated;

use generated::{SHAPES, huge_clean, huge_errors};
use portoser_diag::{Diagnostic, Diagnostics, FileId};
use portoser_syntax::{format, parse_text};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

// A guard against super-linear blowups (which take minutes), not a benchmark: debug builds
// on a loaded 2-core CI machine are slow. bench/ measures speed.
const LIMIT: Duration = Duration::from_secs(15);

/// Runs `f` on a thread with the default 2 MiB test stack (set here, so RUST_MIN_STACK cannot
/// hide an overflow); a stack overflow would abort the whole test binary.
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let handle = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(f)
        .expect("spawn");
    match handle.join() {
        Ok(v) => v,
        Err(e) => std::panic::resume_unwind(e),
    }
}

fn files(dir: &Path) -> Vec<(String, String)> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("corpus dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "pbk"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let name = p.file_name().unwrap_or_default().to_string_lossy().into();
            let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{name}: {e}"));
            (name, text)
        })
        .collect()
}

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/hostile")
}

/// Parses and formats `text` on a small stack; returns the parse diagnostics and the time.
fn parse_and_format(text: String) -> (Vec<Diagnostic>, Result<String, Vec<Diagnostic>>, Duration) {
    on_small_stack(move || {
        let start = Instant::now();
        let mut diags = Diagnostics::new();
        parse_text(&text, FileId(0), &mut diags);
        let formatted = format(&text, FileId(0));
        (diags.into_sorted(), formatted, start.elapsed())
    })
}

/// `E0202×3 E0205` for the snapshot.
fn summary(diags: &[Diagnostic]) -> String {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for d in diags {
        *counts.entry(d.code).or_default() += 1;
    }
    let parts: Vec<String> = counts
        .iter()
        .map(|(c, n)| {
            if *n == 1 {
                c.to_string()
            } else {
                format!("{c}×{n}")
            }
        })
        .collect();
    parts.join(" ")
}

fn assert_error(name: &str, text: String, report: &mut String) {
    let (diags, formatted, took) = parse_and_format(text);
    assert!(took < LIMIT, "{name}: took {took:?}");
    assert!(diags.iter().any(|d| d.is_error()), "{name}: no error");
    for d in &diags {
        assert!(d.primary.is_some(), "{name}: {} is not located", d.code);
    }
    assert!(formatted.is_err(), "{name}: broken code was formatted");
    writeln!(report, "{name}: {}", summary(&diags)).ok();
}

fn assert_clean(name: &str, text: String) {
    let (diags, formatted, took) = parse_and_format(text);
    assert!(took < LIMIT, "{name}: took {took:?}");
    assert!(diags.is_empty(), "{name}: {diags:#?}");
    let once = formatted.unwrap_or_else(|e| panic!("{name}: {e:?}"));
    assert_eq!(format(&once, FileId(0)).ok(), Some(once.clone()), "{name}");
}

#[test]
fn every_hostile_file_is_a_located_error_quickly() {
    let files = files(&corpus());
    assert!(files.len() >= 20, "corpus has {} files", files.len());
    let mut report = String::new();
    for (name, text) in files {
        assert_error(&name, text, &mut report);
    }
    insta::assert_snapshot!(report);
}

#[test]
fn every_generated_huge_input_is_a_located_error_quickly() {
    let mut report = String::new();
    for (name, text) in huge_errors() {
        assert_error(name, text, &mut report);
    }
    insta::assert_snapshot!(report);
}

#[test]
fn bom_crlf_tabs_and_empty_files_parse_clean() {
    let files = files(&corpus().join("clean"));
    assert!(files.len() >= 6, "{} clean files", files.len());
    for (name, text) in files {
        assert_clean(&name, text);
    }
}

#[test]
fn huge_but_valid_inputs_parse_clean_quickly() {
    for (name, text) in huge_clean() {
        assert_clean(name, text);
    }
}

/// The deepest `n` for which `make(n)` parses clean (nesting only grows with `n`).
fn deepest_accepted(name: &str, make: fn(usize) -> String) -> usize {
    let clean = |n: usize| {
        let mut diags = Diagnostics::new();
        parse_text(&make(n), FileId(0), &mut diags);
        diags.is_empty()
    };
    let (mut lo, mut hi) = (0, 4096);
    assert!(clean(lo) && !clean(hi), "{name}");
    while hi - lo > 1 {
        let mid = (lo + hi) / 2;
        if clean(mid) { lo = mid } else { hi = mid }
    }
    lo
}

#[test]
fn nesting_is_limited_at_a_depth_every_stage_handles_on_a_small_stack() {
    let mut report = String::new();
    for shape in SHAPES {
        let n = deepest_accepted(shape.name, shape.make);
        // Deep enough for any real playbook.
        assert!(n >= 60, "{}: only {n} levels accepted", shape.name);
        let (deep, too_deep) = ((shape.make)(n), (shape.make)(n + 1));
        on_small_stack(move || {
            let mut diags = Diagnostics::new();
            let tree = parse_text(&deep, FileId(0), &mut diags);
            let once = format(&deep, FileId(0)).expect("formats");
            let again = parse_text(&once, FileId(0), &mut diags);
            assert!(diags.is_empty() && tree.same_shape(&again));
            assert_eq!(format(&once, FileId(0)).ok(), Some(once));
            let (diags, _, _) = parse_and_format(too_deep);
            assert_eq!(summary(&diags), "E0210");
        });
        writeln!(report, "{}: {n}", shape.name).ok();
    }
    insta::assert_snapshot!(report);
}
