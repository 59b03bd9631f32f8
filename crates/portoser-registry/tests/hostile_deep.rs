//! Nesting 100,000 deep in every YAML style, in registry.yml and in service.yml, is one
//! located error on a 2 MiB thread stack (a stack overflow would abort the test binary), and
//! arbitrary text never panics the loader or the validator.

use portoser_diag::{Diagnostic, Diagnostics, Origin, SourceMap};
use proptest::prelude::*;
use std::time::{Duration, Instant};

const DEEP: usize = 100_000;

fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let worker = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(f)
        .expect("spawn");
    match worker.join() {
        Ok(v) => v,
        Err(e) => std::panic::resume_unwind(e),
    }
}

/// Loads `text` as registry.yml (validating it when it loads) or as service.yml.
fn load(text: &str, service_yml: bool) -> Vec<Diagnostic> {
    let mut map = SourceMap::new();
    let name = if service_yml {
        "api/service.yml"
    } else {
        "registry.yml"
    };
    let id = map.add(name, text, Origin::Project);
    let mut diags = Diagnostics::new();
    if service_yml {
        portoser_registry::load_service_yml(&map, id, &mut diags);
    } else if let Some(reg) = portoser_registry::load(&map, id, &mut diags) {
        portoser_registry::validate(&reg, &map, &mut diags);
    }
    diags.into_sorted()
}

fn deep_documents() -> Vec<(&'static str, String)> {
    // Block nesting needs one more space a level: 2,000 levels are already 2 MB.
    let block: String = (0..2000)
        .map(|i| format!("{}k:\n", " ".repeat(i)))
        .collect();
    vec![
        (
            "flow sequences",
            format!("hosts: {}{}", "[".repeat(DEEP), "]".repeat(DEEP)),
        ),
        (
            "flow maps",
            format!("hosts: {}{}", "{a: ".repeat(DEEP), "}".repeat(DEEP)),
        ),
        ("bare {", format!("hosts: {}", "{".repeat(DEEP))),
        ("unclosed [", format!("ports: {}", "[".repeat(DEEP))),
        ("block sequences", format!("hosts:\n{}", "- ".repeat(DEEP))),
        ("block maps", format!("hosts:\n{block}")),
        (
            "anchored nesting",
            format!("a: &x {}{}\nb: *x\n", "[".repeat(DEEP), "]".repeat(DEEP)),
        ),
    ]
}

#[test]
fn deep_nesting_in_every_style_is_one_located_error() {
    for service_yml in [false, true] {
        for (name, text) in deep_documents() {
            let start = Instant::now();
            let diags = on_small_stack(move || load(&text, service_yml));
            let took = start.elapsed();
            assert!(took < Duration::from_secs(15), "{name}: took {took:?}");
            assert!(
                diags.iter().any(|d| d.is_error()),
                "{name} ({service_yml}): no error"
            );
            assert!(
                diags.iter().all(|d| d.primary.is_some()),
                "{name}: unlocated"
            );
            assert!(diags.len() < 10, "{name}: {} diagnostics", diags.len());
        }
    }
}

fn yaml_soup() -> impl Strategy<Value = String> {
    let piece = prop::sample::select(vec![
        "hosts:",
        "services:",
        "\n",
        "  ",
        "- ",
        "[",
        "]",
        "{",
        "}",
        ",",
        ": ",
        "&a ",
        "*a",
        "ip: 10.0.0.1",
        "port: 99999999999",
        "current_host: h1",
        "dependencies: [x]",
        "\"",
        "'",
        "#",
        "!!str ",
        "? ",
        "|\n",
        ">\n",
        "---\n",
        "...\n",
        "h1:",
        "api:",
        "\t",
        "~",
    ]);
    prop_oneof![
        prop::collection::vec(piece, 0..60).prop_map(|v| v.concat()),
        any::<String>(),
        "[\\PC\\pC]{0,200}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn arbitrary_text_never_panics_the_loader(text in yaml_soup(), service_yml in any::<bool>()) {
        load(&text, service_yml);
    }
}
