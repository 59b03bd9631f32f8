//! Checking the stdlib and 50 playbooks against a 5,000-service registry takes a few ms.

use crate::support::{check_files, host, registry_of, service};
use portoser_registry::Engine;
use std::time::Instant;

#[test]
fn checks_a_large_fleet_quickly() {
    let hosts = (0..100).map(|i| host(&format!("h{i}"))).collect();
    let services = (0..5000)
        .map(|i| service(&format!("svc{i}"), &format!("h{}", i % 100), Engine::Docker))
        .collect();
    let reg = registry_of(hosts, services);
    let texts: Vec<(String, String)> = (0..50)
        .map(|i| {
            let text = format!(
                "hook after deploy of svc{i} {{\n  wait_healthy(svc{i}, timeout: 60s)\n}}\n\
                 playbook restart_all_{i}(h: Host) {{\n  for s in services where s.host == h {{\n    restart(s)\n    wait_healthy(s, timeout: 1m)\n  }}\n}}\n"
            );
            (format!("playbooks/p{i}.pbk"), text)
        })
        .collect();
    let files: Vec<(&str, &str)> = texts
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    let start = Instant::now();
    let run = check_files(&reg, &files, true);
    let elapsed = start.elapsed();
    assert!(run.diags.is_empty(), "{}", run.render());
    assert_eq!(run.checked.playbooks.len(), 50);
    // A guard against quadratic lookups (seconds), not a benchmark (bench/ measures speed).
    assert!(elapsed.as_millis() < 5_000, "took {elapsed:?}");
    eprintln!("stdlib + 50 playbooks, 5,000 services: {elapsed:?}");
}
