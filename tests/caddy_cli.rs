//! `portoser caddy render|diff` and the Caddy node of `plan`, without hosts: the rendering,
//! the diff against the applied Caddyfile, and the plan's notes (the reload itself runs
//! against the real Caddy in tests/e2e_caddy.rs).

use std::path::Path;
use std::process::{Command, Output};

const REGISTRY: &str = "caddy:
  ingress_host: edge
  admin_api: 127.0.0.1:2999
  http_port: 8080
  https_port: 8443
hosts:
  edge: {ip: 10.0.0.1}
  a: {ip: 10.0.0.2}
  b: {ip: 10.0.0.3}
services:
  web-a:
    current_host: a
    deployment_type: local
    command: ./run
    hostname: web.example.lan
    port: 8000
    health: {type: http, endpoint: \"http://10.0.0.2:8000/health\", interval: 5s}
  web-b:
    current_host: b
    deployment_type: local
    command: ./run
    hostname: web.example.lan
    port: 8000
    health: {type: http, endpoint: \"http://10.0.0.3:8000/health\", interval: 5s}
  db:
    current_host: b
    deployment_type: local
    command: ./db
    hostname: db.example.lan
    port: 5432
    health: {type: tcp}
";

fn portoser(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_portoser"))
        .args(args)
        .env("NO_COLOR", "1")
        .current_dir(dir)
        .output()
        .expect("run portoser")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn render_diff_and_plan_show_the_caddyfile_and_its_changes() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("registry.yml"), REGISTRY).unwrap();

    let render = portoser(dir.path(), &["caddy", "render"]);
    assert_eq!(render.status.code(), Some(0), "{}", text(&render.stderr));
    let rendered = text(&render.stdout);
    assert!(
        rendered
            .contains("\treverse_proxy 10.0.0.2:8000 10.0.0.3:8000 {\n\t\tlb_policy round_robin\n"),
        "{rendered}"
    );
    assert!(
        rendered.contains("# db.example.lan (service db) is not proxied: TCP-only"),
        "{rendered}"
    );
    assert_eq!(
        rendered,
        text(&portoser(dir.path(), &["caddy", "render"]).stdout)
    );

    // Nothing applied yet: plan shows the whole Caddyfile as added, and the TCP-only note.
    let plan = text(&portoser(dir.path(), &["plan"]).stdout);
    assert!(plan.contains("caddy/reload  create"), "{plan}");
    assert!(
        plan.contains("Caddyfile new: no Caddyfile loaded by portoser yet"),
        "{plan}"
    );
    assert!(plan.contains("        +web.example.lan {"), "{plan}");
    assert!(
        plan.contains("not proxied: db.example.lan (service db): TCP-only"),
        "{plan}"
    );
    let json = text(&portoser(dir.path(), &["plan", "--format", "json"]).stdout);
    assert!(json.contains("+web.example.lan {"), "{json}");

    // As if a reload had loaded it: no diff.
    let applied = dir.path().join(".portoser/caddy/Caddyfile.applied");
    std::fs::create_dir_all(applied.parent().unwrap()).unwrap();
    std::fs::write(&applied, &rendered).unwrap();
    let same = portoser(dir.path(), &["caddy", "diff", "--exit-code"]);
    assert_eq!(same.status.code(), Some(0), "{}", text(&same.stdout));
    assert!(text(&same.stderr).contains("no changes"));

    // A changed health interval moves no route but changes the Caddyfile.
    let changed = REGISTRY.replace("interval: 5s}", "interval: 7s}");
    std::fs::write(dir.path().join("registry.yml"), changed).unwrap();
    let diff = portoser(dir.path(), &["caddy", "diff", "--exit-code"]);
    assert_eq!(diff.status.code(), Some(2));
    let diff = text(&diff.stdout);
    assert!(
        diff.contains("-\t\thealth_interval 5s\n+\t\thealth_interval 7s\n"),
        "{diff}"
    );
    assert!(
        diff.starts_with("--- .portoser/caddy/Caddyfile.applied\n+++ rendered\n"),
        "{diff}"
    );
}

#[test]
fn render_refuses_a_registry_with_errors() {
    let dir = tempfile::tempdir().unwrap();
    let bad = REGISTRY.replace("    port: 5432\n", "    port: 5432\n    mtls: true\n");
    std::fs::write(dir.path().join("registry.yml"), bad).unwrap();
    let o = portoser(dir.path(), &["caddy", "render"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("E0150"), "{}", text(&o.stderr));
    assert!(o.stdout.is_empty());
}

#[test]
fn a_replaced_certificate_file_changes_the_caddyfile_and_reloads_caddy() {
    let dir = tempfile::tempdir().unwrap();
    let with_files = format!(
        "{REGISTRY}  docs:\n    current_host: a\n    deployment_type: local\n    \
         command: ./docs\n    hostname: docs.example.lan\n    port: 8100\n    \
         tls_cert: certs/docs.crt\n    tls_key: certs/docs.key\n"
    );
    std::fs::write(dir.path().join("registry.yml"), with_files).unwrap();
    std::fs::create_dir_all(dir.path().join("certs")).unwrap();
    std::fs::write(dir.path().join("certs/docs.crt"), "cert v1").unwrap();
    std::fs::write(dir.path().join("certs/docs.key"), "key v1").unwrap();
    let first = text(&portoser(dir.path(), &["caddy", "render"]).stdout);
    assert!(
        first.contains("# /etc/caddy/portoser-tls/docs.crt: sha256:"),
        "{first}"
    );
    let applied = dir.path().join(".portoser/caddy/Caddyfile.applied");
    std::fs::create_dir_all(applied.parent().unwrap()).unwrap();
    std::fs::write(&applied, &first).unwrap();
    // The state records nothing here, so plan creates everything; the point is the diff.
    std::fs::write(dir.path().join("certs/docs.crt"), "cert v2").unwrap();
    let diff = portoser(dir.path(), &["caddy", "diff", "--exit-code"]);
    assert_eq!(diff.status.code(), Some(2));
    let diff = text(&diff.stdout);
    assert!(
        diff.contains("-# /etc/caddy/portoser-tls/docs.crt: sha256:"),
        "{diff}"
    );
    assert!(
        !diff.contains("docs.key: sha256"),
        "only the changed file: {diff}"
    );
}
