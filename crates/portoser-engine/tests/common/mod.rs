//! Shared test helpers: registries from YAML text, specs, and "this test needs X" checks
//! that skip loudly on a developer machine and fail under CI (`CI` set).
#![allow(dead_code)]

use portoser_diag::{Diagnostics, Origin, SourceMap};
use portoser_engine::ServiceSpec;
use portoser_registry::Registry;
use std::process::Command;

pub fn registry(yaml: &str) -> Registry {
    let mut map = SourceMap::default();
    let file = map.add("registry.yml", yaml, Origin::Project);
    let mut diags = Diagnostics::default();
    let reg = portoser_registry::load(&map, file, &mut diags);
    assert!(
        !diags.has_errors(),
        "test registry has errors: {:?}",
        diags.into_sorted()
    );
    reg.expect("registry loads")
}

pub fn spec(yaml: &str, service: &str) -> ServiceSpec {
    let reg = registry(yaml);
    let svc = reg.service(service).expect("service exists");
    ServiceSpec::from_registry(&reg, svc).expect("spec builds")
}

/// Whether `program args...` runs and exits 0.
pub fn works(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Returns false (after saying why on stderr) when a component is missing and `CI` is
/// unset; panics when `CI` is set, since CI installs everything.
pub fn require(what: &str, present: bool, install: &str) -> bool {
    if present {
        return true;
    }
    let message = format!("{what} is missing ({install})");
    if std::env::var_os("CI").is_some() {
        panic!("CI: {message}");
    }
    eprintln!("SKIPPED: {message}; this test did not run");
    false
}

/// A process exists and is not a zombie (PID 1 here may not reap orphans).
pub fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat
            .rsplit_once(") ")
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state != "Z"),
        Err(_) => false,
    }
}

/// Every live (non-zombie) process whose command line contains `needle`.
pub fn pids_with(needle: &str) -> Vec<u32> {
    let mut found = Vec::new();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return found;
    };
    for entry in dir.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(cmdline) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
            continue;
        };
        let text = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        if text.contains(needle) && alive(pid) && pid != std::process::id() {
            found.push(pid);
        }
    }
    found
}

/// A free TCP port in the 23xxx-24xxx range.
pub fn free_port(seed: u16) -> u16 {
    for p in (23000 + seed % 1000)..24999 {
        if std::net::TcpListener::bind(("127.0.0.1", p)).is_ok() {
            return p;
        }
    }
    panic!("no free port");
}
