//! grammar/registry.schema.json: current with the loader, accepts what the loader accepts and
//! rejects the shape errors it reports. `UPDATE_SCHEMA=1 cargo test --test schema` rewrites it.

use portoser_diag::{Diagnostics, Origin, SourceMap};
use portoser_registry::schema::registry_schema_json;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Codes for mistakes the schema can see: wrong types and shapes (E0103), missing required
/// keys (E0104), ports (E0105), not a map (E0107), secret references (E0121), closed word
/// sets (E0122, E0125, E0127: arch, connection, durations, counts), env names (E0119), the
/// `caddy.binary` pattern (E0175) and unknown keys (W0101). Codes outside this set are about
/// meaning (a dependency that does not exist ...), which a schema cannot know: such
/// registries must be accepted.
const SCHEMA_SEES: &[&str] = &[
    "E0103", "E0104", "E0105", "E0107", "E0119", "E0121", "E0122", "E0125", "E0127", "E0163",
    "E0164", "E0175", "W0101",
];

/// Codes a schema cannot decide (a registry with only these is skipped): duplicate keys (lost
/// when YAML becomes JSON) and near misses of the built-in engines (`dokcer` is also a valid
/// project engine name).
const UNDECIDABLE: &[&str] = &["E0106", "E0112"];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn schema_path() -> PathBuf {
    root().join("grammar/registry.schema.json")
}

#[test]
fn the_committed_schema_is_current() {
    let generated = registry_schema_json();
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(schema_path(), &generated).expect("write grammar/registry.schema.json");
    }
    let committed = std::fs::read_to_string(schema_path()).unwrap_or_default();
    assert!(
        committed == generated,
        "grammar/registry.schema.json is stale: run `UPDATE_SCHEMA=1 cargo test --test schema`"
    );
}

fn validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(schema_path()).expect("grammar/registry.schema.json");
    let schema: Value = serde_json::from_str(&text).expect("the schema is JSON");
    jsonschema::validator_for(&schema).expect("a valid draft-07 schema")
}

/// The YAML as the JSON an editor's schema validator sees; None when it is not one plain
/// document (syntax errors, aliases bombs, non-string keys: the loader's business).
fn as_json(text: &str) -> Option<Value> {
    serde_saphyr::from_str::<Value>(text).ok()
}

/// The codes load + validate report for a registry file.
fn loader_codes(path: &Path) -> BTreeSet<&'static str> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut map = SourceMap::new();
    let file = map.add("registry.yml", text, Origin::Project);
    let mut diags = Diagnostics::new();
    if let Some(registry) = portoser_registry::load(&map, file, &mut diags) {
        portoser_registry::validate(&registry, &map, &mut diags);
    }
    diags.iter().map(|d| d.code).collect()
}

fn errors(validator: &jsonschema::Validator, value: &Value) -> Vec<String> {
    validator
        .iter_errors(value)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

#[test]
fn every_example_registry_is_accepted_and_names_the_schema() {
    let validator = validator();
    let mut count = 0;
    for entry in std::fs::read_dir(root().join("examples")).expect("examples/") {
        let path = entry.expect("entry").path().join("registry.yml");
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        assert!(
            text.starts_with(
                "# yaml-language-server: $schema=../../grammar/registry.schema.json\n"
            ),
            "{} does not name the schema on its first line",
            path.display()
        );
        let value = as_json(&text).expect("an example is plain YAML");
        let problems = errors(&validator, &value);
        assert!(problems.is_empty(), "{}: {problems:#?}", path.display());
        count += 1;
    }
    assert!(count >= 3, "demo, homelab and local");
}

/// Every fixture registry (error fixtures, registry fixtures, the hostile corpus): rejected
/// exactly when the loader reports a shape error the schema can see.
#[test]
fn fixtures_are_rejected_exactly_when_the_loader_reports_a_shape_error() {
    let validator = validator();
    let (mut accepted, mut rejected, mut hostile) = (0, 0, 0);
    for path in fixture_registries() {
        let codes = loader_codes(&path);
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let Some(value) = as_json(&text) else {
            continue;
        };
        let problems = errors(&validator, &value);
        let sees = codes.iter().any(|c| SCHEMA_SEES.contains(c));
        if !sees && codes.iter().any(|c| UNDECIDABLE.contains(c)) {
            continue;
        }
        if sees {
            hostile += usize::from(path.to_string_lossy().contains("hostile"));
            assert!(
                !problems.is_empty(),
                "{} ({codes:?}) is accepted by the schema",
                path.display()
            );
            rejected += 1;
        } else {
            assert!(
                problems.is_empty(),
                "{} ({codes:?}) is rejected: {problems:#?}",
                path.display()
            );
            accepted += 1;
        }
    }
    assert!(accepted >= 20, "only {accepted} fixtures accepted");
    assert!(rejected >= 8, "only {rejected} fixtures rejected");
    assert!(hostile >= 4, "only {hostile} hostile files rejected");
}

fn fixture_registries() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let errors = root().join("tests/fixtures/errors");
    for entry in std::fs::read_dir(&errors)
        .expect("tests/fixtures/errors")
        .flatten()
    {
        out.push(entry.path().join("registry.yml"));
    }
    for dir in ["tests/fixtures/registry", "tests/fixtures/registry/hostile"] {
        for entry in std::fs::read_dir(root().join(dir)).expect(dir).flatten() {
            if entry.path().extension().is_some_and(|e| e == "yml") {
                out.push(entry.path());
            }
        }
    }
    out.retain(|p| p.is_file());
    out.sort();
    out
}

/// Values the loader reads differently from a naive schema: each must agree with the loader.
#[test]
fn tricky_values_agree_with_the_loader() {
    let validator = validator();
    let cases = [
        ("ip: 10.0.0.1\n    ssh_port: \"2222\"", true),
        ("ip: 10.0.0.1\n    ssh_port: 0", false),
        ("ip: 10.0.0.1\n    ssh_port: \"65536\"", false),
        ("ip: 10.0.0.1\n    arch: linux/arm64", true),
        ("ip: 10.0.0.1\n    arch: AARCH64-Darwin", true),
        ("ip: 10.0.0.1\n    arch: linux/arm/v7", true),
        ("ip: 10.0.0.1\n    arch: sparc-linux", false),
        ("connection: local", true),
        ("connection: lokal", false),
        ("ssh_user: deploy", false),
        ("ip: 10.0.0.1\n    description:", true),
        ("ip: 10.0.0.1\n    roles: web", false),
    ];
    for (host, expected) in cases {
        let yaml = format!("hosts:\n  h:\n    {host}\nservices: {{}}\n");
        let path = std::env::temp_dir().join(format!("portoser-schema-{}.yml", std::process::id()));
        std::fs::write(&path, &yaml).expect("temp file");
        let loader_ok = !loader_codes(&path).iter().any(|c| SCHEMA_SEES.contains(c));
        let value = as_json(&yaml).expect("yaml");
        let schema_ok = validator.is_valid(&value);
        assert_eq!(loader_ok, expected, "loader on {yaml}");
        assert_eq!(
            schema_ok,
            expected,
            "schema on {yaml}: {:?}",
            errors(&validator, &value)
        );
    }
}
