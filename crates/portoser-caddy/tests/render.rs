//! The Caddyfile rendered from a registry: a readable snapshot, and the real `caddy` agrees
//! that it is formatted (`caddy fmt` changes nothing) and valid (`caddy adapt` accepts it).

use portoser_caddy::{build, render};
use portoser_diag::{Diagnostics, Origin, SourceMap};
use std::path::Path;
use std::process::Command;

fn caddyfile(fixture: &str) -> (String, portoser_caddy::Caddyfile) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(fixture);
    let text = std::fs::read_to_string(&path).expect("fixture");
    let mut map = SourceMap::new();
    let id = map.add(fixture, text.as_str(), Origin::Project);
    let mut diags = Diagnostics::new();
    let registry = portoser_registry::load(&map, id, &mut diags).expect("loads");
    portoser_registry::validate(&registry, &map, &mut diags);
    assert!(!diags.has_errors(), "{diags:?}");
    let model = build(&registry);
    (render(&model), model)
}

/// `caddy` on PATH, or a loud skip (a failure in CI).
fn caddy() -> Option<&'static str> {
    if Command::new("caddy").arg("version").output().is_ok() {
        return Some("caddy");
    }
    assert!(std::env::var_os("CI").is_none(), "caddy is not installed");
    eprintln!("SKIPPED: caddy is not installed");
    None
}

#[test]
fn front_renders_every_feature() {
    let (text, model) = caddyfile("front.yml");
    insta::assert_snapshot!(text);
    let files: Vec<String> = model
        .files
        .iter()
        .map(|f| format!("{} -> {} (private: {})", f.local, f.remote, f.private))
        .collect();
    insta::assert_snapshot!("front_files", files.join("\n"));
}

#[test]
fn rendering_is_deterministic() {
    assert_eq!(caddyfile("front.yml").0, caddyfile("front.yml").0);
}

#[test]
fn real_caddy_finds_it_formatted_and_valid() {
    let Some(caddy) = caddy() else { return };
    let (text, model) = caddyfile("front.yml");
    let dir = tempfile::tempdir().unwrap();
    // The files the Caddyfile names must exist for `adapt` (it reads the client CA); point
    // them into the temp dir.
    let mut text = text.replace("/srv/caddy", dir.path().to_str().unwrap());
    std::fs::create_dir_all(dir.path().join("portoser-tls")).unwrap();
    for f in &model.files {
        let local = f.remote.replace("/srv/caddy", dir.path().to_str().unwrap());
        std::fs::write(local, CA_PEM).unwrap();
    }
    let file = dir.path().join("Caddyfile");
    std::fs::write(&file, &text).unwrap();
    let out = Command::new(caddy).arg("fmt").arg(&file).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        text,
        "caddy fmt would change it"
    );
    let adapt = Command::new(caddy)
        .args(["adapt", "--adapter", "caddyfile", "--config"])
        .arg(&file)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&adapt.stderr);
    assert!(adapt.status.success(), "{stderr}");
    assert!(!stderr.contains("not formatted"), "{stderr}");
    let json: serde_json::Value = serde_json::from_slice(&adapt.stdout).unwrap();
    let mode = json
        .pointer("/apps/http/servers/srv0/tls_connection_policies/0/client_authentication/mode");
    assert_eq!(
        mode.and_then(|m| m.as_str()),
        Some("require_and_verify"),
        "{json}"
    );
    // `expect_body` reaches Caddy as a regular expression matching the text itself.
    let adapted = json.to_string();
    assert!(
        adapted.contains(r#""expect_body":"\\{\\x22status\\x22: \\x22up\\x22\\}""#),
        "{adapted}"
    );
    // A broken Caddyfile is refused: the check can fail.
    text.push_str("broken.example.lan {\n\tno_such_directive\n}\n");
    std::fs::write(&file, &text).unwrap();
    let bad = Command::new(caddy)
        .args(["adapt", "--adapter", "caddyfile", "--config"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(!bad.status.success());
}

/// A self-signed CA certificate (`caddy adapt` parses the client CA file).
const CA_PEM: &str = include_str!("fixtures/ca.pem");
