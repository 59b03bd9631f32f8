//! Hostile values reach a real `/bin/sh` as single literal arguments: quotes, `$()`,
//! backticks, `;`, `|`, newlines, leading `-`, globs, unicode. The remote side of SSH is the
//! same `sh -c` (tested over SSH in tests/ssh.rs).

use portoser_transport::command::{Cmd, Script};
use proptest::prelude::*;
use std::process::Command;

#[path = "support/hostile.rs"]
mod hostile;
use hostile::HOSTILE;

/// Runs the rendered script with `sh -c` and returns the NUL-separated words it printed.
fn words_received(script: &Script) -> Vec<String> {
    let text = script.render().expect("renders");
    let out = Command::new("/bin/sh")
        .arg("-c")
        .arg(&text)
        .output()
        .expect("sh runs");
    assert!(
        out.status.success(),
        "sh failed on {text:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    let mut words: Vec<String> = stdout.split('\0').map(str::to_string).collect();
    assert_eq!(
        words.pop().as_deref(),
        Some(""),
        "printf ends each word with NUL"
    );
    words
}

fn echo_each(values: &[String]) -> Script {
    Script::from(Cmd::new("printf").arg("%s\\0").args(values.iter().cloned()))
}

#[test]
fn every_hostile_value_arrives_as_one_literal_argument() {
    let values: Vec<String> = HOSTILE.iter().map(|s| s.to_string()).collect();
    assert_eq!(words_received(&echo_each(&values)), values);
    assert!(
        !std::path::Path::new("/tmp/portoser-pwned").exists(),
        "nothing ran"
    );
}

#[test]
fn hostile_env_values_and_directories_stay_literal() {
    let dir = tempfile_dir();
    let weird = dir.join("-a dir; with $(stuff)");
    std::fs::create_dir_all(&weird).expect("mkdir");
    for value in HOSTILE {
        let cmd = Cmd::new("sh")
            .args(["-c", "printf '%s\\0%s\\0' \"$V\" \"$(pwd)\""])
            .env("V", *value)
            .cwd(weird.to_string_lossy());
        let got = words_received(&Script::from(cmd));
        assert_eq!(
            got,
            vec![value.to_string(), weird.to_string_lossy().into_owned()]
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("portoser-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("mkdir");
    dir
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn arbitrary_text_arrives_unchanged(values in prop::collection::vec("[^\u{0}]{0,40}", 1..6)) {
        prop_assert_eq!(words_received(&echo_each(&values)), values);
    }
}
