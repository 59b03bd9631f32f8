//! `portoser registry ...` on a copy of examples/demo: each edit lands where it should, the
//! user's comments survive, the project still checks, and a refused edit leaves the file
//! byte for byte unchanged with no temporary file behind.

use portoser::project::ProjectPaths;
use portoser_registry::edit;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Comments added to the demo registry so the tests can see them survive (or go).
const SECTION_NOTE: &str = "  # Data stores first.\n\n";
const POSTGRES_NOTE: &str = "  # the database (belongs to postgres)\n";
const API_NOTE: &str = "    # keep the port in sync with the caddy config\n";

fn demo_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo"),
        dir.path(),
    );
    let path = dir.path().join("registry.yml");
    let text = std::fs::read_to_string(&path).expect("demo registry");
    let text = text
        .replacen(
            "  caddy:\n    current_host",
            &format!("{SECTION_NOTE}  caddy:\n    current_host"),
            1,
        )
        .replacen("  postgres:\n", &format!("{POSTGRES_NOTE}  postgres:\n"), 1)
        .replacen(
            "    hostname: api.demo.lan\n",
            &format!("    hostname: api.demo.lan\n{API_NOTE}"),
            1,
        );
    std::fs::write(&path, text).expect("write");
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).expect("read dir").flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

fn registry(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("registry.yml")).expect("read registry")
}

/// The example the tests copy: the edits must leave the same entries as it has.
fn demo_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/demo")
}

/// The entry names of a directory, sorted.
fn listing(dir: &Path) -> Vec<PathBuf> {
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("dir")
        .flatten()
        .map(|e| PathBuf::from(e.file_name()))
        .collect();
    names.sort();
    names
}

fn portoser(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_portoser"))
        .arg("-C")
        .arg(dir)
        .arg("--color")
        .arg("never")
        .args(args)
        .output()
        .expect("run portoser")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn checks_clean(dir: &Path) {
    let out = portoser(dir, &["check"]);
    assert!(
        out.status.success(),
        "check after the edit:\n{}",
        stderr(&out)
    );
}

#[test]
fn each_command_edits_the_demo_and_keeps_comments() {
    let dir = demo_copy();
    let d = dir.path();
    let out = portoser(
        d,
        &[
            "registry",
            "add-host",
            "laptop",
            "--connection",
            "local",
            "--path",
            "/tmp/portoser-demo",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(registry(d).contains("    roles: [data]\n  laptop:\n    connection: local\n    path: /tmp/portoser-demo\n\nservices:\n"));
    let out = portoser(
        d,
        &[
            "registry",
            "add-service",
            "hello",
            "--host",
            "laptop",
            "--type",
            "local",
            "--command",
            "python3 -m http.server 18080",
            "--port",
            "18080",
            "--depends-on",
            "redis,api",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(registry(d).ends_with(
        "  hello:\n    current_host: laptop\n    deployment_type: local\n    command: \"python3 -m http.server 18080\"\n    port: 18080\n    dependencies: [redis, api]\n"
    ));
    checks_clean(d);
    let out = portoser(d, &["registry", "move-service", "worker", "--to", "laptop"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(registry(d).contains("  worker:\n    current_host: laptop\n"));
    let out = portoser(d, &["registry", "remove-service", "web"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = registry(d);
    assert!(!text.contains("  web:"));
    for note in [SECTION_NOTE, POSTGRES_NOTE, API_NOTE, "# A small fleet"] {
        assert!(text.contains(note), "lost {note:?}:\n{text}");
    }
    checks_clean(d);
    assert_eq!(
        listing(d),
        listing(&demo_dir()),
        "no temporary files left behind"
    );
}

#[test]
fn remove_with_dependents_needs_force_and_takes_its_own_comment() {
    let dir = demo_copy();
    let d = dir.path();
    let before = registry(d);
    let out = portoser(d, &["registry", "remove-service", "postgres"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("`postgres` is a dependency of `api`"),
        "{}",
        stderr(&out)
    );
    assert_eq!(registry(d), before);
    let out = portoser(d, &["registry", "remove-service", "postgres", "--force"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = registry(d);
    assert!(
        !text.contains(POSTGRES_NOTE) && text.contains(SECTION_NOTE),
        "{text}"
    );
    assert!(text.contains("    dependencies: [redis]\n"), "{text}");
    checks_clean(d);
}

#[test]
fn invalid_edits_are_refused_and_change_nothing() {
    let dir = demo_copy();
    let d = dir.path();
    let before = std::fs::read(d.join("registry.yml")).expect("read");
    let files = listing(d);
    let cases: [(&[&str], &str); 4] = [
        (
            &["registry", "move-service", "api", "--to", "nowhere"],
            "E0108",
        ),
        (
            &["registry", "add-host", "edge", "--ip", "10.0.0.9"],
            "E0106",
        ),
        (
            &[
                "registry",
                "add-service",
                "pg2",
                "--host",
                "db1",
                "--type",
                "docker",
                "--compose-file",
                "pg2/compose.yml",
                "--port",
                "5432",
            ],
            "E0110",
        ),
        (
            &["registry", "add-host", "x", "--ip=-oProxyCommand=sh"],
            "E0115",
        ),
    ];
    for (args, code) in cases {
        let out = portoser(d, args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains(code), "{args:?} should report {code}:\n{err}");
        assert!(err.contains("registry.yml is unchanged"), "{err}");
        assert_eq!(
            std::fs::read(d.join("registry.yml")).expect("read"),
            before,
            "{args:?}"
        );
        assert_eq!(listing(d), files, "{args:?} left a file behind");
    }
    let out = portoser(d, &["registry", "move-service", "apii", "--to", "edge"]);
    assert!(
        stderr(&out).contains("did you mean `api`?"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn dry_run_prints_the_diff_and_writes_nothing() {
    let dir = demo_copy();
    let d = dir.path();
    let before = registry(d);
    let out = portoser(
        d,
        &[
            "registry",
            "move-service",
            "api",
            "--to",
            "edge",
            "--dry-run",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let diff = String::from_utf8_lossy(&out.stdout);
    assert!(
        diff.contains("-    current_host: app1\n+    current_host: edge\n"),
        "{diff}"
    );
    assert_eq!(registry(d), before);
}

/// The same edits through the library and the atomic write, without the binary.
#[test]
fn library_edits_on_the_demo_check_clean_and_keep_comments() {
    let dir = demo_copy();
    let d = dir.path();
    let path = d.join("registry.yml");
    let write = |text: &str| portoser::atomic::write(&path, text.as_bytes()).expect("write");
    let local = edit::HostFields {
        connection: Some(portoser_registry::Connection::Local),
        path: Some("/tmp/portoser-demo".into()),
        ..Default::default()
    };
    write(&edit::add_host(&registry(d), "laptop", &local).expect("add host"));
    let mut hello = edit::ServiceFields::new("laptop", portoser_registry::Engine::Local);
    hello.command = Some("python3 -m http.server 18080".into());
    hello.port = Some(18080);
    write(&edit::add_service(&registry(d), "hello", &hello).expect("add service"));
    write(&edit::move_service(&registry(d), "worker", "laptop").expect("move"));
    write(&edit::remove_service(&registry(d), "postgres", true).expect("remove"));
    let text = registry(d);
    assert!(
        text.contains(SECTION_NOTE) && text.contains(API_NOTE) && !text.contains(POSTGRES_NOTE)
    );
    let compiled = portoser::compile::compile(&ProjectPaths::new(Some(d), None));
    assert!(
        !compiled.diags.has_errors(),
        "{:?}",
        compiled.diags.into_sorted()
    );
    assert_eq!(
        listing(d),
        listing(&demo_dir()),
        "no temporary files left behind"
    );
    let before = registry(d);
    assert!(edit::move_service(&before, "api", "nowhere").is_err());
    assert_eq!(registry(d), before);
}
