//! Every stdlib file parses and checks with zero diagnostics; the rules say what they do.

use crate::support::{check_files, registry};
use portoser_check::stdlib::FILES;

#[test]
fn every_stdlib_file_checks_clean() {
    let run = check_files(&registry(), &[], true);
    assert!(
        run.diags.is_empty(),
        "stdlib has diagnostics:\n{}",
        run.render()
    );
    assert_eq!(FILES.len(), 6);
}

#[test]
fn stdlib_rules_are_the_healing_loop() {
    let run = check_files(&registry(), &[], true);
    let names: Vec<&str> = run.checked.rules.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "port_conflict",
            "stale_process",
            "stale_instance",
            "docker_down",
            "disk_pressure",
            "dependency_unhealthy",
            "ssh_permission",
            "ssh_auth",
            "ssh_host_key"
        ]
    );
    let destructive: Vec<&str> = run
        .checked
        .rules
        .iter()
        .filter(|r| r.destructive)
        .map(|r| r.name.as_str())
        .collect();
    assert_eq!(
        destructive,
        ["port_conflict", "stale_instance", "disk_pressure"]
    );
    assert!(run.checked.rules.iter().all(|r| !r.learned));
}

#[test]
fn port_conflict_never_stops_the_services_own_instance() {
    // The guard clause is the safety property: dropping it must not go unnoticed.
    let text = FILES
        .iter()
        .find(|(n, _)| n.ends_with("port_conflict.pbk"))
        .map(|(_, t)| *t)
        .unwrap_or("");
    assert!(
        text.contains("when owner.service != service.name"),
        "{text}"
    );
}

#[test]
fn ssh_auth_and_ssh_host_key_never_retry() {
    let text = FILES
        .iter()
        .find(|(n, _)| n.ends_with("ssh_permission.pbk"))
        .map(|(_, t)| *t)
        .unwrap_or("");
    for rule in ["rule ssh_auth ", "rule ssh_host_key "] {
        let body = text.split(rule).nth(1).unwrap_or("");
        let body = body.split("\nrule ").next().unwrap_or("");
        assert!(
            body.contains("fail(") && !body.contains("\n    retry"),
            "{rule}: {body}"
        );
    }
}
