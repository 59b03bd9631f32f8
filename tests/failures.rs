//! Failures on a host are coded diagnostics located at the registry entry behind the failing
//! node, with the host's own words as a note. Runs real applies on this machine (a
//! `connection: local` host); the SSH-side failures are in tests/e2e.

use std::path::Path;
use std::process::{Command, Output};

fn project(services: &str, playbook: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let base = dir.path().join("host");
    let registry = format!(
        "domain: test.local\nhosts:\n  here:\n    connection: local\n    path: {}\nservices:\n{services}",
        base.display()
    );
    std::fs::write(dir.path().join("registry.yml"), registry).expect("registry");
    if let Some(pbk) = playbook {
        std::fs::create_dir_all(dir.path().join("playbooks")).expect("mkdir");
        std::fs::write(dir.path().join("playbooks/hooks.pbk"), pbk).expect("playbook");
    }
    dir
}

fn apply(dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_portoser"))
        .args(["apply", "--yes", "--format", "plain", "-C"])
        .arg(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("run portoser")
}

/// Exit 1, the code, the place (registry.yml line:column of the service name) and the note.
fn assert_failure(out: &Output, code: &str, place: &str, note: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains(&format!("[{code}]")), "no {code}:\n{err}");
    assert!(err.contains(place), "not located at {place}:\n{err}");
    assert!(
        err.contains(note),
        "the host's words `{note}` are missing:\n{err}"
    );
}

const API: &str =
    "  api:\n    current_host: here\n    deployment_type: local\n    command: sleep 600\n";

fn hook(command: &str) -> String {
    format!(
        "allow shell for api\n\nhook before deploy of api {{\n  run on api.host: \"{command}\"\n}}\n"
    )
}

#[test]
fn a_failing_command_is_e0511_at_the_service_with_its_stderr() {
    let dir = project(API, Some(&hook("echo boom-from-the-host >&2; exit 3")));
    assert_failure(
        &apply(dir.path()),
        "E0511",
        "registry.yml:7:3",
        "boom-from-the-host",
    );
}

#[test]
fn a_full_disk_is_e0509_and_a_denied_permission_e0510() {
    let dir = project(
        API,
        Some(&hook(
            "echo 'write /srv/x: No space left on device' >&2; exit 1",
        )),
    );
    assert_failure(
        &apply(dir.path()),
        "E0509",
        "registry.yml:7:3",
        "No space left on device",
    );
    let dir = project(
        API,
        Some(&hook(
            "echo 'mkdir: cannot create /srv/x: Permission denied' >&2; exit 1",
        )),
    );
    assert_failure(
        &apply(dir.path()),
        "E0510",
        "registry.yml:7:3",
        "Permission denied",
    );
}

#[test]
fn a_service_that_never_becomes_healthy_is_e0508_and_is_planned_again() {
    let services = format!(
        "{API}    port: 24991\n    health:\n      type: tcp\n      endpoint: \"24991\"\n      interval: 200ms\n      retries: 2\n"
    );
    let dir = project(&services, None);
    let out = apply(dir.path());
    assert_failure(&out, "E0508", "registry.yml:7:3", "24991");
    // Nothing is claimed that did not happen: api is recorded as deployed only, and the
    // next plan deploys it again.
    let plan = Command::new(env!("CARGO_BIN_EXE_portoser"))
        .args(["plan", "--detailed-exitcode", "-C"])
        .arg(dir.path())
        .output()
        .expect("plan");
    assert_eq!(plan.status.code(), Some(2), "api is still to deploy");
    stop_api(dir.path());
}

/// A service with secrets, and a dev Vault on a port nothing listens on.
fn with_secret() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    format!(
        "{API}    secrets:\n      TOKEN: apps/api#token\nvault:\n  address: http://127.0.0.1:{port}\n  dev: true\n"
    )
}

#[test]
fn secrets_without_the_hosts_approle_file_are_e0573_and_write_nothing() {
    let dir = project(&with_secret(), None);
    assert_failure(
        &apply(dir.path()),
        "E0573",
        "registry.yml:7:3",
        "vault-approle",
    );
    assert!(!dir.path().join("host/api/.portoser/secrets.env").exists());
}

#[test]
fn an_unreachable_vault_is_e0570_and_writes_nothing() {
    let dir = project(&with_secret(), None);
    let creds = dir.path().join("host/.portoser/vault-approle");
    std::fs::create_dir_all(creds.parent().expect("parent")).expect("mkdir");
    std::fs::write(
        &creds,
        r#"{"role":"portoser-here","role_id":"r","secret_id":"s","accessor":"a"}"#,
    )
    .expect("creds");
    assert_failure(&apply(dir.path()), "E0570", "registry.yml:7:3", "");
    assert!(!dir.path().join("host/api/.portoser/secrets.env").exists());
}

fn stop_api(dir: &Path) {
    let _ = Command::new(env!("CARGO_BIN_EXE_portoser"))
        .args(["stop", "api", "-C"])
        .arg(dir)
        .output();
}
