//! End-to-end: bad input and failures on real hosts, each a clear error naming the service or
//! host with the host's own message; and `hosts check` / `hosts trust`. Needs the test bed
//! (docs/testbed.md); skips loudly without it.

#[path = "e2e/support.rs"]
mod support;

use std::process::Command;
use support::*;

fn local(name: &str, host: &str, port: u16) -> String {
    format!(
        "  {name}:\n    deployment_type: local\n    current_host: {host}\n    \
         command: python3 -m http.server {port} --bind 0.0.0.0\n    port: {port}\n    \
         health: {{type: http, interval: 1s, retries: 5}}\n"
    )
}

fn docker_svc(name: &str, host: &str, port: u16, compose: &str) -> String {
    format!(
        "  {name}:\n    deployment_type: docker\n    current_host: {host}\n    \
         docker_compose: {compose}\n    port: {port}\n    \
         health: {{type: http, interval: 1s, retries: 5}}\n"
    )
}

/// Applies, expects a failure, and returns everything portoser said (stdout + stderr).
fn apply_fails(p: &Project, extra: &[&str]) -> (Apply, String) {
    let a = p.apply(extra);
    assert_eq!(a.out.code, 1, "expected a failed run:\n{}", a.out.all());
    let said = format!("{}\n{}", a.out.stdout, a.out.stderr);
    (a, said)
}

fn assert_says(said: &str, needles: &[&str]) {
    for n in needles {
        assert!(said.contains(n), "missing {n:?} in:\n{said}");
    }
}

#[test]
fn unknown_host_key_wrong_key_and_unreachable_host_are_named_errors() {
    let Some(bed) = bed("unknown_host_key_wrong_key_and_unreachable_host") else {
        return;
    };
    let p = Project::new(&bed);

    // Unknown host key: a known_hosts without the test bed's keys.
    p.write("empty_known_hosts", "");
    p.set_services(&local("bad-hk", "h1", 24501));
    let (a, said) = apply_fails(&p, &["--known-hosts", "empty_known_hosts"]);
    eprintln!("unknown host key:\n{said}");
    assert_says(&said, &["h1", "SHA256:", "hosts trust", "registry.yml:"]);
    assert_eq!(a.outcomes()["bad-hk/health"], "skipped");
    assert!(p.recorded().is_empty());
    assert_eq!(
        std::fs::read_to_string(p.path().join("empty_known_hosts")).ok(),
        Some("".into())
    );

    // A key the host does not accept.
    let key = p.path().join("other_key");
    let kg = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&key)
        .status()
        .expect("ssh-keygen");
    assert!(kg.success());
    let mut q = Project::new(&bed);
    q.defaults = format!(
        "defaults:\n  ssh_key: {}\n  known_hosts: {}\n",
        key.display(),
        bed.known_hosts
    );
    q.set_services(&local("bad-key", "h2", 24502));
    let (_, said) = apply_fails(&q, &[]);
    eprintln!("wrong key:\n{said}");
    assert_says(&said, &["h2", "bad-key", "portoser-t", "registry.yml:"]);
    assert!(
        said.to_lowercase().contains("auth"),
        "no word about authentication:\n{said}"
    );
    q.defaults = p.defaults.clone();
    drop(q);

    // A host where nothing listens: the bridge address, a port no sshd uses.
    let mut r = Project::new(&bed);
    let ghost = "  ghost:\n    ip: 10.239.0.1\n    ssh_user: portoser-t\n    ssh_port: 22999\n    \
                 path: /var/lib/portoser-testbed/h3/base\n";
    let hosts = r
        .hosts_yaml
        .replace("hosts:\n", &format!("hosts:\n{ghost}"));
    r.hosts_yaml = hosts;
    r.set_services(&format!(
        "{}{}",
        local("gone", "ghost", 24503),
        local("fine", "h3", 24504)
    ));
    let t = std::time::Instant::now();
    let (a, said) = apply_fails(&r, &[]);
    eprintln!(
        "unreachable host ({:.1}s):\n{said}",
        t.elapsed().as_secs_f64()
    );
    assert_says(&said, &["ghost", "10.239.0.1", "refused", "registry.yml:"]);
    assert_eq!(
        a.outcomes()["fine/health"],
        "succeeded",
        "the reachable host must finish"
    );
    assert_eq!(r.recorded().keys().collect::<Vec<_>>(), ["fine"]);
    // Cleanup needs the ghost gone from the registry: its service was never deployed.
    r.hosts_yaml = bed.hosts_yaml.clone();
}

#[test]
fn missing_compose_file_and_never_healthy_service_fail_named() {
    let Some(bed) = bed("missing_compose_file_and_never_healthy_service") else {
        return;
    };
    let p = Project::new(&bed);

    // A compose file that is not on the host (absolute path under the base: nothing to sync).
    let on_host = format!("{}/e2e-nowhere/docker-compose.yml", base("h1"));
    let never = "  never-ok:\n    deployment_type: local\n    current_host: h2\n    \
                 command: sleep 600\n    port: 24511\n    \
                 health: {type: http, interval: 1s, retries: 3}\n";
    p.set_services(&format!(
        "{}{never}",
        docker_svc("no-compose", "h1", 24510, &on_host)
    ));
    let t = std::time::Instant::now();
    let (a, said) = apply_fails(&p, &[]);
    eprintln!(
        "missing compose file / never healthy ({:.1}s):\n{said}",
        t.elapsed().as_secs_f64()
    );
    assert_says(&said, &["no-compose", "h1", &on_host, "registry.yml:"]);
    assert_says(&said, &["never-ok", "not healthy", "h2", "24511"]);
    assert_eq!(a.outcomes()["never-ok/health"], "failed");
    assert!(t.elapsed().as_secs() < 20, "the health gate took too long");
    // The unhealthy service was started: it is recorded (as deployed only) on h2, so the
    // cleanup's empty-services apply removes it; the compose-less one never deployed.
    let want: std::collections::BTreeMap<String, String> =
        [("never-ok".to_string(), "h2".to_string())].into();
    assert_eq!(p.recorded(), want);
    let out = p.run(&["stop", "never-ok"]);
    assert_eq!(out.code, 0, "{}", out.all());

    // A compose file named in the registry but missing from the project: `check` refuses or
    // the sync fails, naming it; never a silent success.
    p.set_services(&docker_svc(
        "no-file",
        "h2",
        24512,
        "no-file/docker-compose.yml",
    ));
    let out = p.run(&["apply", "--yes", "--format", "plain"]);
    eprintln!("compose file missing in the project:\n{}", out.all());
    assert_ne!(out.code, 0, "{}", out.all());
    assert_says(&out.all(), &["no-file", "no-file/docker-compose.yml"]);
}

#[test]
fn docker_daemon_stopped_hosts_check_and_trust() {
    let Some(bed) = bed("docker_daemon_stopped_hosts_check_and_trust") else {
        return;
    };
    let p = Project::new(&bed);
    p.write("dk/docker-compose.yml", &busybox_compose(24520, "dk"));
    p.set_services(&format!(
        "{}{}",
        docker_svc("dk", "h1", 24520, "dk/docker-compose.yml"),
        local("tr", "h1", 24521)
    ));

    // 7. Every host ok.
    let out = p.run(&["hosts", "check"]);
    assert_eq!(out.code, 0, "{}", out.all());
    for h in ["h1", "h2", "h3", "sys"] {
        let row = out.stdout.lines().find(|l| l.starts_with(&format!("{h} ")));
        let row = row.unwrap_or_else(|| panic!("no row for {h}:\n{}", out.all()));
        assert!(row.split_whitespace().nth(1) == Some("ok"), "{row}");
    }

    // dockerd stopped on h1: the docker node fails saying so; hosts check reports it.
    ctl(&bed, "stop", "dockerd", "h1");
    let restore = Restore {
        bed: &bed,
        daemon: "dockerd",
        host: "h1",
    };
    // Without the healing loop, which would start the daemon through the host's
    // `docker_start` (tests/e2e_heal.rs covers that).
    let (a, said) = apply_fails(&p, &["--no-auto-heal"]);
    eprintln!("docker daemon stopped:\n{said}");
    assert_says(
        &said,
        &[
            "dk",
            "h1",
            "docker daemon",
            "Cannot connect",
            "registry.yml:",
        ],
    );
    assert_eq!(a.outcomes()["tr/health"], "succeeded", "{:?}", a.outcomes());
    let out = p.run(&["hosts", "check"]);
    eprintln!("hosts check, h1 without dockerd:\n{}", out.all());
    assert_eq!(out.code, 1, "{}", out.all());
    let h1 = out
        .stdout
        .lines()
        .find(|l| l.starts_with("h1 "))
        .unwrap_or_default()
        .to_string();
    assert!(
        h1.to_uppercase().contains("MISSING"),
        "h1 row: {h1}\n{}",
        out.all()
    );
    ctl(&bed, "start", "dockerd", "h1");
    drop(restore);
    p.apply(&[]).ok();

    // `hosts trust` records h1's key in an empty file; status then works with that file.
    p.write("kh", "");
    let before = p.run(&["status", "tr", "--known-hosts", "kh"]);
    assert_ne!(
        before.code,
        0,
        "status with an empty known_hosts:\n{}",
        before.all()
    );
    let out = p.run(&["hosts", "trust", "h1", "--yes", "--known-hosts", "kh"]);
    assert_eq!(out.code, 0, "{}", out.all());
    assert_says(&out.all(), &["SHA256:"]);
    let kh = std::fs::read_to_string(p.path().join("kh")).expect("kh");
    assert!(kh.starts_with("[10.239.0.11]:22011 ssh-ed25519 "), "{kh}");
    let theirs = std::fs::read_to_string(&bed.known_hosts).expect("known_hosts");
    assert!(
        theirs.lines().any(|l| l.trim() == kh.trim()),
        "recorded key differs:\n{kh}"
    );
    let out = p.run(&["status", "dk", "tr", "--known-hosts", "kh"]);
    assert_eq!(out.code, 0, "{}", out.all());
    assert_says(&out.stdout, &["running", "healthy"]);
}

fn sleepers(host: &str, what: &str) -> usize {
    let o = Command::new("ip")
        .args(["netns", "pids", &format!("ptb-{host}")])
        .output();
    let pids = String::from_utf8_lossy(&o.expect("ip netns pids").stdout).into_owned();
    pids.split_whitespace()
        .filter_map(|pid| std::fs::read(format!("/proc/{pid}/cmdline")).ok())
        .filter(|c| String::from_utf8_lossy(c).replace('\0', " ").trim() == what)
        .count()
}

/// A service whose deploy succeeded but whose health gate failed keeps running on its host;
/// it is recorded as `deployed`, so when it leaves the registry the next apply removes it
/// (it used to be unrecorded: "No changes", and the process ran forever).
#[test]
fn a_removed_unhealthy_service_is_not_left_running() {
    let Some(bed) = bed("a_removed_unhealthy_service_is_not_left_running") else {
        return;
    };
    let p = Project::new(&bed);
    let svc = "  leak:\n    deployment_type: local\n    current_host: h2\n    \
               command: sleep 601\n    port: 24530\n    \
               health: {type: http, interval: 1s, retries: 2}\n";
    p.set_services(svc);
    apply_fails(&p, &[]);
    assert_eq!(
        sleepers("h2", "sleep 601"),
        1,
        "the unhealthy service should be running"
    );
    p.set_services("");
    let a = p.apply(&[]);
    let left = sleepers("h2", "sleep 601");
    if left > 0 {
        // Leave the test bed clean whatever the outcome.
        p.set_services(svc);
        p.run(&["stop", "leak"]);
        p.set_services("");
    }
    assert_eq!(
        left,
        0,
        "`leak` still runs on h2 after it left the registry:\n{}",
        a.out.all()
    );
}
