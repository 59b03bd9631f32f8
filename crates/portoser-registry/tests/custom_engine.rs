//! `deployment_type` naming a project engine (`engine podman { .. }` in a playbook): the
//! registry keeps the name; a typo of a built-in is still E0112.

mod common;

use portoser_diag::{Diagnostics, Origin, SourceMap};
use portoser_registry::{Engine, EngineName};

fn registry(engine: &str) -> (Option<portoser_registry::Registry>, Vec<&'static str>) {
    let text = format!(
        "hosts:\n  h1: {{ ip: 10.0.0.1, path: /srv }}\nservices:\n  web:\n    current_host: h1\n    deployment_type: {engine}\n    port: 8080\n"
    );
    let mut map = SourceMap::new();
    let id = map.add("registry.yml", text, Origin::Project);
    let mut diags = Diagnostics::new();
    let reg = portoser_registry::load(&map, id, &mut diags);
    if let Some(r) = &reg {
        portoser_registry::validate(r, &map, &mut diags);
    }
    let codes = diags.into_sorted().iter().map(|d| d.code).collect();
    (reg, codes)
}

#[test]
fn a_project_engine_name_is_kept() {
    let (reg, codes) = registry("podman");
    assert!(codes.is_empty(), "{codes:?}");
    let engine = reg
        .and_then(|r| r.services.first().and_then(|s| s.deployment_type))
        .map(|e| e.value);
    assert_eq!(engine, EngineName::new("podman").map(Engine::Custom));
    assert_eq!(engine.map(|e| e.to_string()).as_deref(), Some("podman"));
}

#[test]
fn typos_and_bad_names_are_still_unknown() {
    for bad in ["dokcer", "Podman", "\"pod man\"", "native_", "'9lives'"] {
        let (_, codes) = registry(bad);
        assert!(codes.contains(&"E0112"), "{bad}: {codes:?}");
    }
}

#[test]
fn engine_names_are_bounded_and_parse_round_trips() {
    assert!(EngineName::new(&"a".repeat(EngineName::MAX_LEN)).is_some());
    assert!(EngineName::new(&"a".repeat(EngineName::MAX_LEN + 1)).is_none());
    assert!(EngineName::new("").is_none());
    assert_eq!(Engine::parse("docker"), Some(Engine::Docker));
    assert_eq!(
        Engine::parse("binary").map(|e| e.to_string()).as_deref(),
        Some("binary")
    );
    assert_eq!(Engine::parse("Bad Name"), None);
}
