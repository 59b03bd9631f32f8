//! `portoser history` and `portoser history show` on real applies on this machine (a
//! `connection: local` host): two runs with a port change in between, then a failing run.
//! No value of an environment variable may appear in any output.

#[path = "support/binary.rs"]
mod binary;

use binary::{expect, portoser};
use std::path::Path;

const CANARY: &str = "canary-value-7f3a9e";

fn write_registry(dir: &Path, port: u16, hook: Option<&str>) {
    let base = dir.join("host");
    let registry = format!(
        "domain: test.local\nhosts:\n  here:\n    connection: local\n    path: {}\nservices:\n  \
         api:\n    current_host: here\n    deployment_type: local\n    command: sleep 600\n    \
         port: {port}\n    env:\n      API_TOKEN: {CANARY}\n",
        base.display()
    );
    std::fs::write(dir.join("registry.yml"), registry).expect("registry");
    if let Some(command) = hook {
        std::fs::create_dir_all(dir.join("playbooks")).expect("mkdir");
        let pbk = format!(
            "allow shell for api\n\nhook before deploy of api {{\n  run on api.host: \"{command}\"\n}}\n"
        );
        std::fs::write(dir.join("playbooks/hooks.pbk"), pbk).expect("playbook");
    }
}

/// Stdout of a command that must succeed, checked for the canary.
fn ok(dir: &Path, args: &[&str]) -> String {
    let (stdout, stderr) = expect(dir, args, 0);
    assert!(
        !stdout.contains(CANARY),
        "{args:?} printed an env value:\n{stdout}"
    );
    assert!(
        !stderr.contains(CANARY),
        "{args:?} printed an env value:\n{stderr}"
    );
    stdout
}

fn json(dir: &Path, args: &[&str]) -> serde_json::Value {
    serde_json::from_str(&ok(dir, args)).expect("history JSON parses")
}

#[test]
fn two_runs_a_port_change_and_a_failed_run() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    write_registry(dir, 24801, None);
    ok(dir, &["apply", "--yes", "--format", "plain"]);
    write_registry(dir, 24802, None);
    ok(dir, &["apply", "--yes", "--format", "plain"]);

    let list = ok(dir, &["history"]);
    assert!(list.starts_with("run 2 "), "newest first:\n{list}");
    assert!(list.contains("\nrun 1 "), "{list}");
    assert!(list.contains("succeeded"), "{list}");
    let runs = json(dir, &["history", "--format", "json"]);
    let runs = runs.as_array().expect("array");
    assert_eq!(runs.len(), 2);
    assert!(runs[0]["who"].as_str().is_some_and(|w| w.contains('@')));
    assert!(runs[0]["plan_hash"].as_str().is_some_and(|h| h.len() >= 32));
    assert!(runs[0]["duration_ms"].as_u64().is_some());
    assert_eq!(
        json(dir, &["history", "-n", "1", "--format", "json"])
            .as_array()
            .map(Vec::len),
        Some(1)
    );

    // The port change: updated, hash before -> after, the reason names the field.
    let api = ok(dir, &["history", "api"]);
    assert!(
        api.contains("api update: updated (applied), config "),
        "{api}"
    );
    assert!(
        api.contains("api create: created (applied), config none -> "),
        "{api}"
    );
    let api_json = json(dir, &["history", "api", "--format", "json"]);
    let change = &api_json[0]["services"][0];
    assert_eq!(change["action"], "update");
    assert_eq!(
        change["config_hash_before"],
        api_json[1]["services"][0]["config_hash_after"]
    );
    assert_ne!(change["config_hash_before"], change["config_hash_after"]);
    assert!(change["reasons"].to_string().contains("port"), "{change}");

    let show = ok(dir, &["history", "show", "2"]);
    assert!(show.starts_with("run 2: succeeded by "), "{show}");
    assert!(show.contains("api/deploy"), "{show}");
    assert!(show.contains("critical path: "), "{show}");
    let detail = json(dir, &["history", "show", "2", "--format", "json"]);
    let nodes = detail["nodes"].as_array().expect("nodes");
    assert!(
        nodes
            .iter()
            .any(|n| n["id"] == "api/deploy" && n["outcome"] == "succeeded")
    );

    // A failing hook: the run is failed and names its failed node.
    write_registry(dir, 24803, Some("echo hook-broke >&2; exit 3"));
    let failed = portoser(dir, &["apply", "--yes", "--format", "plain"]);
    assert_eq!(failed.status.code(), Some(1));
    let show = ok(dir, &["history", "show", "3"]);
    assert!(show.starts_with("run 3: failed"), "{show}");
    let failed_line = show
        .lines()
        .find(|l| l.contains(" failed: "))
        .unwrap_or_default();
    assert!(failed_line.contains("api/before-deploy"), "{show}");
    let api = ok(dir, &["history", "api", "-n", "1"]);
    assert!(api.contains("not applied (planned)"), "{api}");

    let missing = portoser(dir, &["history", "show", "99"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no run 99"));
    let _ = portoser(dir, &["stop", "api"]);
}

#[test]
fn no_state_means_no_runs() {
    let tmp = tempfile::tempdir().expect("tempdir");
    write_registry(tmp.path(), 24804, None);
    assert_eq!(ok(tmp.path(), &["history"]).trim(), "no runs recorded yet");
    assert_eq!(
        ok(tmp.path(), &["history", "--format", "json"]).trim(),
        "[]"
    );
    assert!(
        !tmp.path().join(".portoser").exists(),
        "history writes nothing"
    );
}
