//! `portoser rollback` on real applies on this machine (a `connection: local` host): a python
//! http.server serving `v1`, then `v2`; the rollback brings `v1` back, the state records v1's
//! configuration, and the next plan shows the registry's v2 as an update.

#[path = "support/binary.rs"]
mod binary;

use binary::{expect, portoser};
use std::path::Path;
use std::process::Command;

/// Writes the registry with `api` serving the directory `version` on `port`.
fn write_registry(dir: &Path, port: u16, version: &str) {
    write_registry_with(dir, port, version, "");
}

/// The same, with `extra` lines in `api`'s entry (`on_failure: stop`); a version named
/// `broken` serves nothing, so its health check never passes. The server takes a second to
/// listen, as real ones do: a gate that only watched the process would pass before it answers.
fn write_registry_with(dir: &Path, port: u16, version: &str, extra: &str) {
    let base = dir.join("host");
    let site = dir.join(version);
    std::fs::create_dir_all(&site).expect("mkdir");
    if version != "broken" {
        std::fs::write(site.join("ver.txt"), version).expect("ver.txt");
    }
    let registry = format!(
        "domain: test.local\ndefaults:\n  healthcheck_interval: 1\n  healthcheck_retries: 3\n\
         hosts:\n  here:\n    connection: local\n    path: {}\nservices:\n  \
         api:{extra}\n    current_host: here\n    deployment_type: local\n    \
         command: sleep 1; exec python3 -m http.server {port} --bind 127.0.0.1 --directory {}\n    \
         port: {port}\n    healthcheck_url: http://127.0.0.1:{port}/ver.txt\n",
        base.display(),
        site.display()
    );
    std::fs::write(dir.join("registry.yml"), registry).expect("registry");
}

/// What the service answers on `port` (`ver.txt`), via python (no HTTP client in the tests).
fn answer(port: u16) -> String {
    let script = format!(
        "import urllib.request;print(urllib.request.urlopen('http://127.0.0.1:{port}/ver.txt',timeout=5).read().decode())"
    );
    let out = Command::new("python3")
        .args(["-c", &script])
        .output()
        .expect("python3");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn config_hash_after(dir: &Path) -> String {
    let (stdout, _) = expect(dir, &["history", "api", "--format", "json"], 0);
    let runs: serde_json::Value = serde_json::from_str(&stdout).expect("history JSON");
    runs[0]["services"][0]["config_hash_after"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Stops the service at the end, even when an assertion failed.
struct Stop<'a>(&'a Path);
impl Drop for Stop<'_> {
    fn drop(&mut self) {
        let _ = portoser(self.0, &["stop", "api"]);
    }
}

#[test]
fn rollback_after_a_good_update_brings_v1_back_and_plan_shows_v2_again() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let _stop = Stop(dir);
    let port = 24931;
    write_registry(dir, port, "v1");
    expect(dir, &["apply", "--yes", "--format", "plain"], 0);
    assert_eq!(answer(port), "v1");
    let v1_hash = config_hash_after(dir);
    write_registry(dir, port, "v2");
    expect(dir, &["apply", "--yes", "--format", "plain"], 0);
    assert_eq!(answer(port), "v2");

    let (plan, err) = expect(dir, &["rollback", "api", "--yes"], 0);
    assert!(plan.contains("api"), "the plan is shown:\n{plan}");
    assert!(plan.contains("update"), "an update of api:\n{plan}");
    assert!(err.contains("as of run 1"), "{err}");
    assert!(err.contains("still describes the newer `api`"), "{err}");
    assert_eq!(answer(port), "v1", "v1 answers again");
    assert_eq!(config_hash_after(dir), v1_hash, "the state holds v1");

    // The registry still says v2: the next plan shows it as an update.
    let (plan, _) = expect(dir, &["plan", "--detailed-exitcode"], 2);
    assert!(plan.contains("update"), "{plan}");
    let (history, _) = expect(dir, &["history", "api"], 0);
    assert!(history.starts_with("run 3 "), "{history}");
}

#[test]
fn rollback_refuses_without_an_earlier_config() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let _stop = Stop(dir);
    let port = 24932;
    write_registry(dir, port, "v1");
    let (_, err) = expect(dir, &["rollback", "api", "--yes"], 1);
    assert!(err.contains("nothing was ever applied here"), "{err}");
    expect(dir, &["apply", "--yes", "--format", "plain"], 0);
    let (_, err) = expect(dir, &["rollback", "api", "--yes"], 1);
    assert!(
        err.contains("`api` has no earlier configuration to roll back to"),
        "{err}"
    );
    let (_, err) = expect(dir, &["rollback", "api", "--to", "7", "--yes"], 0);
    assert!(err.contains("already runs that configuration"), "{err}");
    assert_eq!(answer(port), "v1");
}

#[test]
fn an_update_that_never_gets_healthy_rolls_back_and_exits_5() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let _stop = Stop(dir);
    let port = 24933;
    write_registry(dir, port, "v1");
    expect(dir, &["apply", "--yes", "--format", "plain"], 0);
    let v1_hash = config_hash_after(dir);
    write_registry(dir, port, "broken");
    let (_, err) = expect(dir, &["apply", "--yes", "--format", "plain"], 5);
    assert!(err.contains("Apply rolled back"), "{err}");
    assert!(
        err.contains("is not healthy on `here`: rolled back"),
        "{err}"
    );
    assert!(
        err.contains("rolled back: the previous configuration runs again"),
        "{err}"
    );
    assert_eq!(answer(port), "v1", "v1 answers again");
    assert_eq!(config_hash_after(dir), v1_hash, "the state holds v1");
    let (show, _) = expect(dir, &["history", "show", "2"], 0);
    assert!(
        show.contains("failed: `api` is not healthy on `here`: rolled back"),
        "{show}"
    );
    let (history, _) = expect(dir, &["history", "api"], 0);
    assert!(
        history.contains("api update: rolled back (rolled-back), config "),
        "{history}"
    );
    let (json, _) = expect(dir, &["history", "api", "--format", "json"], 0);
    let runs: serde_json::Value = serde_json::from_str(&json).expect("history JSON");
    let change = &runs[0]["services"][0];
    assert_eq!(change["status"], "rolled-back");
    assert_eq!(change["config_hash_before"], v1_hash.as_str());
    // Again, with the JSON report: the health node says how it was recovered.
    let (report, _) = expect(dir, &["apply", "--yes", "--format", "json"], 5);
    let health = report
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["nodes"].as_array().cloned())
        .flatten()
        .find(|n| n["id"] == "api/health")
        .expect("the report lists api/health");
    assert_eq!(health["recovery"], "rolled-back", "{health}");
    assert_eq!(answer(port), "v1");
    // The registry still says `broken`: the next plan shows it as an update of v1.
    let (plan, _) = expect(dir, &["plan", "--detailed-exitcode"], 2);
    assert!(plan.contains("update"), "{plan}");
}

#[test]
fn on_failure_stop_stops_the_new_instance_and_exits_1() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let _stop = Stop(dir);
    let port = 24934;
    let stop = "\n    on_failure: stop";
    write_registry_with(dir, port, "v1", stop);
    expect(dir, &["apply", "--yes", "--format", "plain"], 0);
    write_registry_with(dir, port, "broken", stop);
    let (_, err) = expect(dir, &["apply", "--yes", "--format", "plain"], 1);
    assert!(err.contains("the new instance was stopped"), "{err}");
    let (history, _) = expect(dir, &["history", "api"], 0);
    assert!(
        history.contains("api update: stopped (stopped), config "),
        "{history}"
    );
    assert_eq!(answer(port), "", "nothing answers");
    // Nothing runs, and the state says so: the next plan creates it.
    let (plan, _) = expect(dir, &["plan", "--detailed-exitcode"], 2);
    assert!(plan.contains("create"), "{plan}");
}

#[test]
fn on_failure_keep_leaves_the_new_instance_recorded_deployed() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let _stop = Stop(dir);
    let port = 24935;
    let keep = "\n    on_failure: keep";
    write_registry_with(dir, port, "v1", keep);
    expect(dir, &["apply", "--yes", "--format", "plain"], 0);
    let v1_hash = config_hash_after(dir);
    write_registry_with(dir, port, "broken", keep);
    expect(dir, &["apply", "--yes", "--format", "plain"], 1);
    let (history, _) = expect(dir, &["history", "api"], 0);
    assert!(history.contains("(deployed)"), "{history}");
    assert_ne!(config_hash_after(dir), v1_hash);
}
