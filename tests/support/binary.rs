//! Running the built `portoser` binary on a project directory, shared by the CLI tests
//! (`#[path = "support/binary.rs"] mod binary;`). Each test keeps its own project setup.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// `portoser ARGS -C DIR` with colours off, not run yet (to add env or stdio first).
pub fn command(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_portoser"));
    cmd.args(args).arg("-C").arg(dir).env("NO_COLOR", "1");
    cmd
}

pub fn portoser(dir: &Path, args: &[&str]) -> Output {
    command(dir, args).output().expect("run portoser")
}

/// (exit code, stdout, stderr); -1 when killed by a signal.
pub fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = portoser(dir, args);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Stdout and stderr of a command that must exit with `code` (both shown when it does not).
pub fn expect(dir: &Path, args: &[&str], code: i32) -> (String, String) {
    let (exit, stdout, stderr) = run(dir, args);
    assert_eq!(exit, code, "{args:?}\n{stdout}\n{stderr}");
    (stdout, stderr)
}

/// Stdout of a command that must succeed.
pub fn ok(dir: &Path, args: &[&str]) -> String {
    expect(dir, args, 0).0
}
