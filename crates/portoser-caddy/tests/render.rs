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

/// Where tests/testbed/install.sh puts the official Caddy 2.11.7 (off PATH).
const NEXT_PATH: &str = "/usr/local/lib/portoser-testbed/caddy-2.11.7/caddy";

/// The Caddy versions the renderer is checked against: Debian's `caddy` on PATH (2.6.2) and
/// the official 2.11.7 (`PORTOSER_TESTBED_CADDY_NEXT_BIN`, else [`NEXT_PATH`]). A missing one
/// is a loud skip, a failure in CI.
fn caddies() -> Vec<(&'static str, String)> {
    let next = std::env::var("PORTOSER_TESTBED_CADDY_NEXT_BIN").unwrap_or(NEXT_PATH.into());
    let mut found = Vec::new();
    for (label, bin) in [("2.6 (PATH)", "caddy".to_string()), ("2.11", next)] {
        if Command::new(&bin).arg("version").output().is_ok() {
            found.push((label, bin));
            continue;
        }
        assert!(
            std::env::var_os("CI").is_none(),
            "caddy {label} is not installed at `{bin}` (tests/testbed/install.sh)"
        );
        eprintln!("SKIPPED: caddy {label} is not installed at `{bin}` (tests/testbed/install.sh)");
    }
    found
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
    let caddies = caddies();
    for (label, caddy) in &caddies {
        let warnings = formatted_and_valid(caddy);
        // What differs between the versions (docs/caddy.md, "Versions"): 2.8 and later warn
        // that the 2.6 directives the renderer writes are deprecated, and load them.
        let version = Command::new(caddy).arg("version").output().unwrap();
        let version = String::from_utf8_lossy(&version.stdout).into_owned();
        let parsed = portoser_caddy::probe::parse_version(&version).expect("a version");
        let expected: &[&str] = if parsed < (2, 8, 0) {
            &[]
        } else {
            &[
                "The 'trusted_ca_cert_file' field is deprecated. Use the 'trust_pool' field instead.",
                "The 'tls_trusted_ca_certs' field is deprecated. Use the 'tls_trust_pool' field instead.",
            ]
        };
        assert_eq!(warnings, expected, "caddy {label} ({version})");
    }
}

/// `caddy fmt` leaves the rendering unchanged, `caddy adapt` accepts it (mTLS enforced, the
/// health body as a regular expression) and refuses a broken one; returns the distinct
/// warnings `adapt` logged.
fn formatted_and_valid(caddy: &str) -> Vec<String> {
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
        "{caddy}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        text,
        "{caddy} fmt would change it"
    );
    let adapt = Command::new(caddy)
        .args(["adapt", "--adapter", "caddyfile", "--config"])
        .arg(&file)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&adapt.stderr);
    assert!(adapt.status.success(), "{caddy}: {stderr}");
    assert!(!stderr.contains("not formatted"), "{caddy}: {stderr}");
    let json: serde_json::Value = serde_json::from_slice(&adapt.stdout).unwrap();
    let auth = json
        .pointer("/apps/http/servers/srv0/tls_connection_policies/0/client_authentication")
        .unwrap_or_else(|| panic!("{caddy}: no client_authentication in {json}"));
    assert_eq!(
        auth.get("mode").and_then(|m| m.as_str()),
        Some("require_and_verify"),
        "{caddy}: {json}"
    );
    // The client CA: 2.6 keeps it as `trusted_ca_certs`, 2.8+ as an inline `ca` pool.
    let ca = auth
        .pointer("/trusted_ca_certs/0")
        .or_else(|| auth.pointer("/ca/trusted_ca_certs/0"))
        .and_then(|c| c.as_str())
        .unwrap_or_default();
    let pem_body: String = CA_PEM.lines().filter(|l| !l.starts_with("-----")).collect();
    assert_eq!(ca, pem_body, "{caddy}: the client CA in {auth}");
    // `expect_body` reaches Caddy as a regular expression matching the text itself.
    let adapted = json.to_string();
    assert!(
        adapted.contains(r#""expect_body":"\\{\\x22status\\x22: \\x22up\\x22\\}""#),
        "{caddy}: {adapted}"
    );
    // A broken Caddyfile is refused: the check can fail.
    text.push_str("broken.example.lan {\n\tno_such_directive\n}\n");
    std::fs::write(&file, &text).unwrap();
    let bad = Command::new(caddy)
        .args(["adapt", "--adapter", "caddyfile", "--config"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(!bad.status.success(), "{caddy} accepted a broken Caddyfile");
    let mut warnings: Vec<String> = stderr
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|l| l["level"] == "warn")
        .filter_map(|l| l["msg"].as_str().map(str::to_string))
        .collect();
    warnings.dedup();
    warnings
}

/// A self-signed CA certificate (`caddy adapt` parses the client CA file).
const CA_PEM: &str = include_str!("fixtures/ca.pem");
