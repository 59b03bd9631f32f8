//! The command line as a user runs it: the real binary, its exit codes and its streams.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn portoser(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_portoser"))
        .args(args)
        .env("NO_COLOR", "1")
        .current_dir(root())
        .output()
        .expect("run portoser")
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exited normally")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn examples_check_clean_and_exit_0() {
    for dir in ["examples/demo", "examples/homelab"] {
        let o = portoser(&["check", "-C", dir]);
        assert_eq!(code(&o), 0, "{dir}: {}", text(&o.stderr));
        assert!(
            text(&o.stderr).contains("no problems"),
            "{dir}: {}",
            text(&o.stderr)
        );
    }
}

#[test]
fn a_broken_registry_exits_1_with_located_errors() {
    let o = portoser(&["check", "-C", "tests/fixtures/errors/E0002"]);
    assert_eq!(code(&o), 1);
    let err = text(&o.stderr);
    assert!(err.contains("[E0002]"), "{err}");
    assert!(err.contains("registry.yml:6:"), "located at line 6: {err}");
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(code(&portoser(&["check", "--no-such-flag"])), 2);
    assert_eq!(code(&portoser(&["no-such-command"])), 2);
    assert_eq!(code(&portoser(&["check", "--format", "yaml"])), 2);
}

#[test]
fn help_states_the_exit_code_contract() {
    let o = portoser(&["--help"]);
    assert_eq!(code(&o), 0);
    let out = text(&o.stdout);
    assert!(out.contains("Exit codes:"), "{out}");
    assert!(out.contains("Not yet available"), "{out}");
}

#[test]
fn check_json_is_data_with_one_based_positions() {
    let o = portoser(&[
        "check",
        "-C",
        "tests/fixtures/errors/E0002",
        "--format",
        "json",
    ]);
    assert_eq!(code(&o), 1);
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("stdout is JSON");
    assert_eq!(doc["schema"], "portoser.diagnostics/v1");
    assert_eq!(doc["ok"], false);
    let d = &doc["diagnostics"][0];
    assert_eq!(d["code"], "E0002");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["file"], "tests/fixtures/errors/E0002/registry.yml");
    assert_eq!(d["line"], 6);
    assert!(d["column"].as_u64().expect("column") >= 1);
    assert!(d["end_line"].is_u64() && d["end_column"].is_u64());
    assert!(d["labels"].is_array());
}

#[test]
fn plan_detailed_exitcode_is_2_with_changes_and_saves_a_plan_without_touching_state() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("plan.json");
    let o = portoser(&[
        "plan",
        "-C",
        "examples/demo",
        "--detailed-exitcode",
        "--out",
        out.to_str().expect("utf-8 path"),
    ]);
    assert_eq!(code(&o), 2, "{}", text(&o.stderr));
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("plan saved")).expect("JSON");
    assert_eq!(saved["schema"], "portoser.plan/v1");
    assert!(
        !root().join("examples/demo/.portoser").exists(),
        "plan must not create state"
    );
    let o = portoser(&["plan", "-C", "examples/demo"]);
    assert_eq!(
        code(&o),
        0,
        "without --detailed-exitcode changes are success"
    );
}

#[test]
fn plan_refuses_a_project_with_errors() {
    let o = portoser(&[
        "plan",
        "-C",
        "tests/fixtures/errors/E0002",
        "--detailed-exitcode",
    ]);
    assert_eq!(code(&o), 1);
    assert!(o.stdout.is_empty(), "no plan on stdout");
}

#[test]
fn plan_formats_and_graph_formats_render() {
    for format in ["human", "json", "markdown"] {
        let o = portoser(&["plan", "-C", "examples/demo", "--format", format]);
        assert_eq!(code(&o), 0, "{format}: {}", text(&o.stderr));
        assert!(!o.stdout.is_empty(), "{format}");
    }
    let dot = portoser(&["graph", "-C", "examples/demo"]);
    assert!(
        text(&dot.stdout).starts_with("digraph"),
        "{}",
        text(&dot.stdout)
    );
    let mermaid = portoser(&["graph", "-C", "examples/demo", "--format", "mermaid"]);
    assert!(text(&mermaid.stdout).contains("flowchart") || text(&mermaid.stdout).contains("graph"));
}

#[test]
fn explain_prints_docs_and_rejects_unknown_codes() {
    let o = portoser(&["explain", "e0002"]);
    assert_eq!(code(&o), 0);
    assert!(text(&o.stdout).starts_with("# E0002:"));
    let o = portoser(&["explain", "E9999"]);
    assert_eq!(code(&o), 1);
    assert!(text(&o.stderr).contains("not a portoser diagnostic code"));
    let o = portoser(&["explain", "--list"]);
    assert!(text(&o.stdout).lines().count() > 20);
}

#[test]
fn missing_registry_is_e0001_not_a_panic() {
    let dir = tempfile::tempdir().expect("tempdir");
    let o = portoser(&["check", "-C", dir.path().to_str().expect("utf-8")]);
    assert_eq!(code(&o), 1);
    assert!(text(&o.stderr).contains("[E0001]"), "{}", text(&o.stderr));
}

#[test]
fn huge_registry_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let registry = dir.path().join("registry.yml");
    let f = std::fs::File::create(&registry).expect("create");
    f.set_len(17 * 1024 * 1024).expect("sparse file");
    let o = portoser(&["check", "-C", dir.path().to_str().expect("utf-8")]);
    assert_eq!(code(&o), 1);
    assert!(text(&o.stderr).contains("[E0003]"), "{}", text(&o.stderr));
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

#[test]
fn fmt_check_lists_unformatted_files_and_fmt_fixes_them_atomically() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(&root().join("examples/demo"), dir.path());
    std::fs::create_dir_all(dir.path().join("playbooks")).expect("mkdir");
    let messy = dir.path().join("playbooks/messy.pbk");
    std::fs::write(&messy, "playbook   tidy( s : Service ){restart( s )}\n").expect("write");
    let d = dir.path().to_str().expect("utf-8");
    let o = portoser(&["fmt", "--check", "-C", d]);
    assert_eq!(code(&o), 1, "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("messy.pbk"), "{}", text(&o.stdout));
    let o = portoser(&["fmt", "-C", d]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let o = portoser(&["fmt", "--check", "-C", d]);
    assert_eq!(code(&o), 0, "formatted now: {}", text(&o.stdout));
    let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("playbooks"))
        .expect("read_dir")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().contains("portoser-tmp"))
        .collect();
    assert!(leftovers.is_empty(), "no temporary files left behind");
}

#[test]
fn fmt_leaves_a_file_with_syntax_errors_untouched() {
    let dir = tempfile::tempdir().expect("tempdir");
    let broken = dir.path().join("broken.pbk");
    let original = "playbook oops( {\n";
    std::fs::write(&broken, original).expect("write");
    let o = portoser(&["fmt", broken.to_str().expect("utf-8")]);
    assert_eq!(code(&o), 1);
    assert_eq!(std::fs::read_to_string(&broken).expect("read"), original);
}
