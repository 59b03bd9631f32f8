//! One apply at a time: real applies on this machine (a `connection: local` host) whose
//! service becomes healthy only after 3 s, so a second process meets the lock. Also `lock
//! status`, a lock left by a SIGKILLed apply, `lock break`, and `show` of a saved plan.

#[path = "support/binary.rs"]
mod binary;

use binary::portoser;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A project whose service opens its port 3 s after it starts (health: tcp, 1s x 8).
fn slow_project(port: u16) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let registry = format!(
        "domain: test.local\nhosts:\n  here:\n    connection: local\n    path: {base}\n\
         services:\n  slow:\n    current_host: here\n    deployment_type: local\n    \
         command: sh -c \"sleep 3; exec python3 -m http.server {port} --bind 127.0.0.1\"\n    \
         port: {port}\n    health:\n      type: tcp\n      endpoint: \"{port}\"\n      \
         interval: 1s\n      retries: 8\n",
        base = dir.path().join("host").display()
    );
    std::fs::write(dir.path().join("registry.yml"), registry).expect("registry");
    dir
}

fn spawn_apply(dir: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_portoser"))
        .args(["apply", "--yes", "--format", "plain", "-C"])
        .arg(dir)
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn apply")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Waits until `lock status` reports a lock; returns its text.
fn wait_locked(dir: &Path) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let status = text(&portoser(dir, &["lock", "status"]));
        if status.contains("Locked by") {
            return status;
        }
        assert!(Instant::now() < deadline, "never locked: {status}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Stops the service, whatever state the test left it in.
struct StopOnDrop<'a>(&'a Path);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        let _ = portoser(self.0, &["stop", "slow"]);
    }
}

#[test]
fn a_second_apply_exits_4_naming_the_holder_and_a_live_lock_is_not_broken() {
    let dir = slow_project(24_871);
    let _stop = StopOnDrop(dir.path());
    let mut first = spawn_apply(dir.path());
    let status = wait_locked(dir.path());
    let holder = format!("(pid {})", first.id());
    assert!(status.contains(&holder), "{status}");
    assert!(status.contains("state: live"), "{status}");
    assert!(status.contains("reason: apply"), "{status}");

    let second = portoser(dir.path(), &["apply", "--yes", "--format", "plain"]);
    let err = text(&second);
    assert_eq!(second.status.code(), Some(4), "{err}");
    assert!(err.contains("another run holds the lock"), "{err}");
    assert!(err.contains(&holder), "{err}");
    assert!(err.contains("--lock-timeout"), "{err}");

    // A waiting apply gets the lock when the first ends, then finds its plan stale: exit 3.
    let waiting = Command::new(env!("CARGO_BIN_EXE_portoser"))
        .args([
            "apply",
            "--yes",
            "--format",
            "plain",
            "--lock-timeout",
            "60",
            "-C",
        ])
        .arg(dir.path())
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the waiting apply");

    let refused = portoser(dir.path(), &["lock", "break", "--yes"]);
    assert_eq!(refused.status.code(), Some(4), "{}", text(&refused));
    assert!(text(&refused).contains("looks alive"), "{}", text(&refused));

    let done = first.wait().expect("first apply");
    assert_eq!(done.code(), Some(0), "the first apply succeeds");
    let waited = waiting.wait_with_output().expect("the waiting apply");
    assert_eq!(waited.status.code(), Some(3), "{}", text(&waited));
    assert!(text(&waited).contains("error[E0405]"), "{}", text(&waited));
    let after = text(&portoser(dir.path(), &["lock", "status"]));
    assert!(after.contains("No lock"), "released at the end: {after}");
}

#[test]
fn a_lock_left_by_a_killed_apply_is_stale_and_lock_break_clears_it() {
    let dir = slow_project(24_872);
    let _stop = StopOnDrop(dir.path());
    let mut first = spawn_apply(dir.path());
    wait_locked(dir.path());
    first.kill().expect("SIGKILL");
    first.wait().expect("reaped"); // a zombie would still answer kill(pid, 0)

    let status = text(&portoser(dir.path(), &["lock", "status"]));
    assert!(
        status.contains("stale: its process no longer exists on this machine"),
        "{status}"
    );
    let second = portoser(dir.path(), &["apply", "--yes", "--format", "plain"]);
    assert_eq!(second.status.code(), Some(4), "{}", text(&second));
    assert!(
        text(&second).contains("portoser lock break"),
        "{}",
        text(&second)
    );

    let unconfirmed = portoser(dir.path(), &["lock", "break"]);
    assert_eq!(unconfirmed.status.code(), Some(2), "{}", text(&unconfirmed));
    assert!(text(&portoser(dir.path(), &["lock", "status"])).contains("Locked by"));

    let broken = portoser(dir.path(), &["lock", "break", "--yes"]);
    assert_eq!(broken.status.code(), Some(0), "{}", text(&broken));
    assert!(text(&broken).contains("Lock broken"), "{}", text(&broken));
    let status = text(&portoser(dir.path(), &["lock", "status"]));
    assert!(status.contains("No lock"), "{status}");
}

#[test]
fn lock_status_of_a_project_never_applied_creates_nothing() {
    let dir = slow_project(24_873);
    let out = portoser(dir.path(), &["lock", "status"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out).contains("No lock"));
    assert!(!dir.path().join(".portoser").exists(), "no state created");
}

#[test]
fn show_renders_a_saved_plan_in_every_format() {
    let dir = slow_project(24_874);
    let plan = dir.path().join("plan.json");
    let saved = portoser(
        dir.path(),
        &["plan", "--out", plan.to_str().expect("utf-8")],
    );
    assert_eq!(saved.status.code(), Some(0), "{}", text(&saved));
    let show = |format: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_portoser"))
            .args(["show", "--format", format])
            .arg(&plan)
            .env("NO_COLOR", "1")
            .output()
            .expect("show");
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let human = show("human");
    assert!(human.contains("+ slow  create"), "{human}");
    assert!(human.contains("Plan: 1 to create"), "{human}");
    let json = show("json");
    let file = std::fs::read_to_string(&plan).expect("plan file");
    assert_eq!(
        json.trim_end(),
        file.trim_end(),
        "json is the saved plan itself"
    );
    let markdown = show("markdown");
    assert!(markdown.contains("slow"), "{markdown}");
    assert_ne!(markdown, human);

    let missing = portoser(dir.path(), &["show", "nope.json"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(text(&missing).contains("E0404"), "{}", text(&missing));
}
