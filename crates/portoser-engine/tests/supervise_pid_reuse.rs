//! The supervisor script on its own, through a real `sh`: a pid file whose pid now belongs to
//! another process group (the supervisor crashed or the host rebooted and the pid was handed
//! out again) must never make `stop` signal that group, nor `start` believe it is running.

use portoser_engine::local::SUPERVISOR;
use std::path::Path;
use std::process::{Child, Command, Output};

fn supervise(script: &Path, args: &[&str]) -> Output {
    Command::new("sh")
        .arg(script)
        .args(args)
        .output()
        .expect("sh runs")
}

fn text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A process that leads its own group, like a daemon that got the supervisor's old pid.
fn foreign_group_leader() -> Child {
    Command::new("setsid")
        .args(["sleep", "60"])
        .spawn()
        .expect("setsid sleep")
}

fn is_alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
        && !std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .unwrap_or_default()
            .contains(") Z ")
}

fn setup() -> (tempfile::TempDir, std::path::PathBuf, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let script = dir.path().join("supervise");
    std::fs::write(&script, SUPERVISOR).expect("write the supervisor");
    let rundir = dir.path().join("run");
    std::fs::create_dir(&rundir).expect("rundir");
    (dir, script, rundir)
}

#[test]
fn stop_leaves_a_reused_pid_alone() {
    if !Path::new("/proc/self/stat").exists() {
        eprintln!("SKIPPED: no /proc here, the supervisor cannot tell a reused pid");
        return;
    }
    let (_dir, script, rundir) = setup();
    let mut other = foreign_group_leader();
    std::thread::sleep(std::time::Duration::from_millis(100));
    // Our supervisor's pid file, with the start time of the process that once had this pid.
    std::fs::write(rundir.join("pid"), other.id().to_string()).expect("pid");
    std::fs::write(rundir.join("pid.start"), "1").expect("pid.start");

    let run = rundir.to_str().expect("utf-8");
    let status = supervise(&script, &["status", run]);
    assert!(text(&status).starts_with("dead "), "{}", text(&status));
    let stop = supervise(&script, &["stop", run, "1"]);
    assert!(
        text(&stop).contains("belongs to another process"),
        "{}",
        text(&stop)
    );
    assert!(
        is_alive(other.id()),
        "stop signalled a foreign process group"
    );
    assert!(!rundir.join("pid").exists(), "the stale pid file is gone");
    other.kill().expect("kill");
    other.wait().expect("wait");
}

#[test]
fn its_own_supervisor_is_recognised_and_stopped() {
    let (dir, script, rundir) = setup();
    let run = rundir.to_str().expect("utf-8");
    let log = dir.path().join("log/out.log");
    let work = dir.path().to_str().expect("utf-8");
    let start = supervise(
        &script,
        &[
            "start",
            run,
            log.to_str().expect("utf-8"),
            "100000",
            work,
            "",
            "",
            "sleep 60",
        ],
    );
    assert!(text(&start).starts_with("started"), "{}", text(&start));
    let again = supervise(
        &script,
        &["start", run, log.to_str().unwrap(), "1", work, "", "", "x"],
    );
    assert!(
        text(&again).starts_with("already running"),
        "{}",
        text(&again)
    );
    let pid: u32 = std::fs::read_to_string(rundir.join("pid"))
        .expect("pid")
        .trim()
        .parse()
        .expect("a pid");
    let stop = supervise(&script, &["stop", run, "5"]);
    assert!(text(&stop).starts_with("stopped"), "{}", text(&stop));
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert!(!is_alive(pid), "the supervisor is gone");
}
