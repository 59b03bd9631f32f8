//! End-to-end: the self-healing loop on the test bed (docs/heal.md), one fault per test.
//! Each injects a real fault, applies, and checks that the loop diagnosed it with the right
//! rule, acted, and the deploy succeeded; then injects the same fault again and checks that
//! the learned rule (playbooks/learned/) resolved it, its counters went up in its file, and
//! prints both durations. Needs the test bed; skips loudly without it.

#[path = "e2e/support.rs"]
mod support;

use serde_json::Value;
use support::*;

/// A local service answering `GET /who` with its name: a foreign server on its port answers
/// 404 there, so the health check tells the two apart.
fn web(name: &str, host: &str, port: u16, extra: &str) -> String {
    format!(
        "  {name}:\n    deployment_type: local\n    current_host: {host}\n    \
         command: echo {name} > who && exec python3 -m http.server {port} --bind 0.0.0.0\n    \
         port: {port}\n    \
         health: {{type: http, endpoint: \"http://127.0.0.1:{port}/who\", interval: 1s, retries: 4}}\n{extra}"
    )
}

/// The `heal-done` events of a run.
fn heals(a: &Apply) -> Vec<Value> {
    a.out
        .stdout
        .lines()
        .filter(|l| l.starts_with('{'))
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|e| e["event"] == "heal-done")
        .collect()
}

fn learned(p: &Project, rule: &str) -> String {
    std::fs::read_to_string(p.path().join(format!("playbooks/learned/{rule}.pbk")))
        .unwrap_or_else(|e| panic!("no learned rule {rule}: {e}"))
}

fn counters(text: &str) -> (u64, u64, u64) {
    let get = |k: &str| -> u64 {
        let at = text
            .find(&format!("{k}: "))
            .unwrap_or_else(|| panic!("no {k} in\n{text}"));
        text[at + k.len() + 2..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
            .parse()
            .expect("number")
    };
    (get("seen"), get("fixed"), get("failed"))
}

/// One occurrence of a fault: the apply that met it, its one heal and the learned rule's file.
struct Round {
    apply: Apply,
    heal: Value,
    learned: String,
}

/// A fault every test meets twice: the first time a stdlib `rule` heals it, the second time
/// the rule learned from that (`learned`, e.g. `port_conflict__hp1`).
struct Fault<'a> {
    project: &'a Project,
    kind: &'static str,
    rule: &'static str,
    learned: &'static str,
}

impl Fault<'_> {
    /// Applies with the fault injected and checks what every healed occurrence shows: the
    /// deploy succeeds, exactly one heal of this kind fixed it, by the stdlib rule in round 1
    /// and the learned rule after, whose file counts `round` times seen and fixed.
    fn apply(&self, round: u64) -> Round {
        let apply = self.project.apply(&[]);
        apply.ok();
        let h = heals(&apply);
        assert_eq!(h.len(), 1, "one heal, round {round}:\n{}", apply.out.all());
        let heal = h[0].clone();
        assert_eq!(heal["kind"], self.kind, "{heal}");
        assert_eq!(heal["outcome"], "fixed", "{heal}");
        if round == 1 {
            assert_eq!(heal["rule"], self.rule, "{heal}");
        } else {
            assert_eq!(heal["rule"], self.learned, "{heal}");
            assert_eq!(heal["origin"], "learned", "{heal}");
        }
        let learned = learned(self.project, self.learned);
        assert_eq!(counters(&learned), (round, round, 0), "{learned}");
        Round {
            apply,
            heal,
            learned,
        }
    }
}

/// A process of the SSH user (not of any service) listening on `port` of `host`.
fn foreign_listener(bed: &Bed, host: &str, port: u16) {
    ssh(
        bed,
        host,
        &format!(
            "mkdir -p /tmp/foreign-{port} && cd /tmp/foreign-{port} && \
             (setsid python3 -m http.server {port} --bind 0.0.0.0 >/dev/null 2>&1 < /dev/null &) ; \
             for i in $(seq 50); do ss -H -ltn sport = :{port} | grep -q . && break; sleep 0.1; done"
        ),
    );
    assert!(
        !ssh(bed, host, &format!("ss -H -ltn sport = :{port}")).is_empty(),
        "the foreign listener did not start"
    );
}

/// On drop (also of a failed test): the policy goes (the cleanup apply removes the services
/// it names) and the foreign listeners this test started are ended, by their pid.
struct Cleanup<'a> {
    bed: &'a Bed,
    project: &'a Project,
    ports: Vec<(&'static str, u16)>,
}

impl Drop for Cleanup<'_> {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(self.project.path().join("playbooks"));
        for (host, port) in &self.ports {
            ssh(
                self.bed,
                host,
                &format!(
                    "for p in $(ss -H -ltnp sport = :{port} | grep -o 'pid=[0-9]*' | cut -d= -f2); \
                     do kill $p; done; rm -rf /tmp/foreign-{port}; true"
                ),
            );
        }
    }
}

#[test]
fn port_conflict_a_foreign_listener_is_stopped_and_the_learned_rule_does_it_again() {
    let Some(bed) = bed("port_conflict") else {
        return;
    };
    let p = Project::new(&bed);
    let port = 24611;
    let _cleanup = Cleanup {
        bed: &bed,
        project: &p,
        ports: vec![("h1", port)],
    };
    p.write("playbooks/policy.pbk", "allow destructive for hp1\n");
    p.set_services(&web("hp1", "h1", port, ""));
    foreign_listener(&bed, "h1", port);
    let fault = Fault {
        project: &p,
        kind: "port_in_use",
        rule: "port_conflict",
        learned: "port_conflict__hp1",
    };

    let first = fault.apply(1);
    let h = &first.heal;
    assert_eq!(h["origin"], "stdlib");
    assert!(
        h["actions"][0].as_str().unwrap_or("").starts_with("log"),
        "{h}"
    );
    assert!(
        h["actions"][1]
            .as_str()
            .unwrap_or("")
            .starts_with("stop_process"),
        "{h}"
    );
    assert_eq!(
        wait_http(&ip("h1"), port, 10).map(|b| b.contains("Directory")),
        Some(true)
    );
    let text = &first.learned;
    assert!(text.contains("when service.name == \"hp1\""), "{text}");
    // Written as `portoser fmt` writes it, and it checks.
    let fmt = p.run(&["fmt", "--check", "playbooks/learned/port_conflict__hp1.pbk"]);
    assert_eq!(fmt.code, 0, "{}", fmt.all());
    assert_eq!(p.run(&["check"]).code, 0);
    // The run's history holds the heal: rule, outcome, actions.
    let run_id = first.apply.report.as_ref().expect("report")["run_id"].to_string();
    let shown = p.run(&["history", "show", &run_id]);
    for needle in [
        "heals:",
        "hp1/health",
        "port_conflict (stdlib)",
        "fixed",
        "stop_process",
    ] {
        assert!(shown.stdout.contains(needle), "{needle}:\n{}", shown.all());
    }

    // The service's own instance on its port is never a conflict: make it unhealthy (its
    // `who` is gone) and diagnose: no rule, and the instance still runs.
    let base = base("h1");
    let pid_before = ssh(&bed, "h1", &format!("cat {base}/.portoser/run/hp1/pid"));
    ssh(&bed, "h1", &format!("rm -f {base}/hp1/who"));
    let d = p.run(&["diagnose", "hp1"]);
    assert!(d.stdout.contains("no rule matches"), "{}", d.all());
    assert!(!d.stdout.contains("port_conflict"), "{}", d.all());
    let pid_after = ssh(&bed, "h1", &format!("cat {base}/.portoser/run/hp1/pid"));
    assert_eq!(pid_before, pid_after, "diagnose acted");
    assert!(!ssh(&bed, "h1", &format!("ss -H -ltnp sport = :{port}")).is_empty());

    // Second occurrence: the service is stopped, a foreign process takes the port, the next
    // deploy (an env change) fails on it and the learned rule resolves it.
    assert_eq!(p.run(&["stop", "hp1"]).code, 0);
    foreign_listener(&bed, "h1", port);
    p.set_services(&web("hp1", "h1", port, "    env: {ROUND: \"2\"}\n"));
    let second = fault.apply(2);
    assert_eq!(
        second.heal["node"], "hp1/deploy",
        "the learned rule acts before the deploy"
    );
    report_times("port conflict", &first, &second, true, true);
    // An ordinary update while the service's own instance holds its port: the learned rule
    // must not act (its owner is the service itself), nothing is healed.
    p.set_services(&web("hp1", "h1", port, "    env: {ROUND: \"3\"}\n"));
    let third = p.apply(&[]);
    third.ok();
    assert!(heals(&third).is_empty(), "{}", third.out.all());
    assert_eq!(counters(&learned(&p, "port_conflict__hp1")), (2, 2, 0));
    let stats = p.run(&["learn", "list"]);
    assert!(
        stats.stdout.contains("port_conflict__hp1"),
        "{}",
        stats.all()
    );
}

/// The run's wall time (the report's `duration_ms`).
fn run_ms(a: &Apply) -> u64 {
    a.report
        .as_ref()
        .and_then(|r| r["duration_ms"].as_u64())
        .unwrap_or(0)
}

/// Prints how long the run with the fault took the first time (generic diagnosis after the
/// failure) and the second (the learned rule); with `preflight` the learned rule acted before
/// the deploy, so the second run never waits for the failing health gate and must be faster.
fn report_times(fault: &str, first: &Round, second: &Round, preflight: bool, expect_faster: bool) {
    let ms = |v: &Value, k: &str| v[k].as_u64().unwrap_or(0);
    let (a1, h1) = (&first.apply, &first.heal);
    let (a2, h2) = (&second.apply, &second.heal);
    eprintln!(
        "TIMING {fault}: first run {} ms (heal {} ms, diagnosis {} ms, generic rules); \
         second run {} ms (learned rule{}, heal {} ms, diagnosis {} ms)",
        run_ms(a1),
        ms(h1, "took_ms"),
        ms(h1, "diagnose_ms"),
        run_ms(a2),
        if preflight { " in preflight" } else { "" },
        ms(h2, "took_ms"),
        ms(h2, "diagnose_ms"),
    );
    assert_eq!(h2["preflight"], preflight, "{h2}");
    if expect_faster {
        assert!(
            run_ms(a2) < run_ms(a1),
            "the learned run is not faster: {h1} vs {h2}"
        );
    }
}

/// A local service that writes into its deploy directory when it starts (as many do: a pid
/// file, a cache): it crash-loops with "Permission denied" when it may not.
fn writer(name: &str, host: &str, port: u16, extra: &str) -> String {
    format!(
        "  {name}:\n    deployment_type: local\n    current_host: {host}\n    \
         command: echo {name} > who.tmp && mv who.tmp who && exec python3 -m http.server {port} --bind 0.0.0.0\n    \
         port: {port}\n    \
         health: {{type: http, endpoint: \"http://127.0.0.1:{port}/who\", interval: 1s, retries: 4}}\n{extra}"
    )
}

#[test]
fn permission_denied_on_the_deploy_directory_is_fixed_and_learned() {
    let Some(bed) = bed("permission_denied") else {
        return;
    };
    let p = Project::new(&bed);
    let port = 24621;
    let _cleanup = Cleanup {
        bed: &bed,
        project: &p,
        ports: Vec::new(),
    };
    let dir = format!("{}/hp2", base("h2"));
    p.set_services(&writer("hp2", "h2", port, ""));
    // A deploy directory the SSH user may not write (as after a `sudo mkdir` + chmod).
    ssh(&bed, "h2", &format!("mkdir -p {dir} && chmod 555 {dir}"));
    let fault = Fault {
        project: &p,
        kind: "permission_denied",
        rule: "ssh_permission",
        learned: "ssh_permission__hp2",
    };

    let first = fault.apply(1);
    assert_eq!(first.heal["node"], "hp2/health");
    assert_eq!(ssh(&bed, "h2", &format!("stat -c %a {dir}")), "755");
    assert!(wait_http(&ip("h2"), port, 10).is_some(), "hp2 answers");

    // Second occurrence: the directory read-only again, and a change to deploy.
    ssh(&bed, "h2", &format!("chmod 555 {dir}"));
    p.set_services(&writer("hp2", "h2", port, "    env: {ROUND: \"2\"}\n"));
    let second = fault.apply(2);
    // The learned rule carries `writable(host, deploy_dir(service)) == false`: that evidence
    // is on the host before the deploy, so the rule acts in preflight and the health gate
    // never fails.
    assert_eq!(
        second.heal["node"], "hp2/deploy",
        "the learned rule acts before the deploy"
    );
    assert!(
        second
            .learned
            .contains("when writable(host, deploy_dir(service)) == false"),
        "{}",
        second.learned
    );
    assert_eq!(ssh(&bed, "h2", &format!("stat -c %a {dir}")), "755");
    report_times("permission denied", &first, &second, true, true);
    // An ordinary update with a writable directory: the learned rule observes and stays quiet.
    p.set_services(&writer("hp2", "h2", port, "    env: {ROUND: \"3\"}\n"));
    let third = p.apply(&[]);
    third.ok();
    assert!(heals(&third).is_empty(), "{}", third.out.all());
    assert_eq!(counters(&learned(&p, "ssh_permission__hp2")), (2, 2, 0));
}

/// Puts the host's authorized_keys back when dropped.
struct Keys {
    path: String,
    saved: String,
}

impl Drop for Keys {
    fn drop(&mut self) {
        std::fs::write(&self.path, &self.saved).expect("restore authorized_keys");
    }
}

#[test]
fn a_revoked_key_is_reported_with_the_exact_remedy_and_never_retried() {
    let Some(bed) = bed("revoked_key") else {
        return;
    };
    let p = Project::new(&bed);
    p.set_services(&web("hp3", "h3", 24631, ""));
    let path = std::env::var("PORTOSER_TESTBED_H3_AUTHORIZED_KEYS").expect("env.sh");
    let keys = Keys {
        saved: std::fs::read_to_string(&path).expect("authorized_keys"),
        path,
    };
    std::fs::write(&keys.path, "").expect("revoke");
    for round in 1..=2 {
        let t = std::time::Instant::now();
        let a = p.apply(&[]);
        assert_eq!(a.out.code, 1, "{}", a.out.all());
        let h = heals(&a);
        assert_eq!(
            h.len(),
            1,
            "one heal, no retry loop (round {round}):\n{}",
            a.out.all()
        );
        assert_eq!(h[0]["kind"], "ssh_auth");
        assert_eq!(h[0]["rule"], "ssh_auth");
        assert_eq!(h[0]["outcome"], "remedy");
        assert_eq!(h[0]["attempt"], 1);
        let remedy = h[0]["remedy"].as_str().unwrap_or("");
        assert!(
            remedy.contains("ssh-copy-id portoser-t@10.239.0.13"),
            "{remedy}"
        );
        assert!(a.out.stderr.contains("ssh-copy-id"), "{}", a.out.all());
        eprintln!(
            "revoked key, round {round}: reported in {} ms",
            t.elapsed().as_millis()
        );
    }
    assert!(
        !p.path().join("playbooks/learned").exists(),
        "nothing was fixed, so nothing is learned"
    );
    drop(keys);
}

#[test]
fn a_changed_host_key_is_not_taken_for_an_auth_failure_and_never_retried() {
    let Some(bed) = bed("changed_host_key") else {
        return;
    };
    let mut p = Project::new(&bed);
    // The project's known_hosts records h1's key for h3: what a reinstalled (or
    // impersonated) h3 looks like from here.
    let real = std::fs::read_to_string(&bed.known_hosts).expect("known_hosts");
    let h1_key = real
        .lines()
        .find(|l| l.starts_with("[10.239.0.11]:"))
        .and_then(|l| l.split_once(' '))
        .map(|(_, key)| key.to_string())
        .expect("h1's line");
    let lines: Vec<String> = real
        .lines()
        .map(|l| match l.split_once(' ') {
            Some((host, _)) if host.starts_with("[10.239.0.13]:") => format!("{host} {h1_key}"),
            _ => l.to_string(),
        })
        .collect();
    let forged = p.path().join("known_hosts");
    std::fs::write(&forged, lines.join("\n") + "\n").expect("forged known_hosts");
    p.defaults = p
        .defaults
        .replace(&bed.known_hosts, &forged.display().to_string());
    p.set_services(&web("hk3", "h3", 24632, ""));
    let a = p.apply(&[]);
    assert_eq!(a.out.code, 1, "{}", a.out.all());
    let h = heals(&a);
    assert_eq!(h.len(), 1, "one heal, no retry:\n{}", a.out.all());
    assert_eq!(h[0]["kind"], "ssh_host_key", "{}", a.out.all());
    assert_eq!(h[0]["rule"], "ssh_host_key");
    assert_eq!(h[0]["outcome"], "remedy");
    let remedy = h[0]["remedy"].as_str().unwrap_or("");
    assert!(remedy.contains("portoser hosts trust h3"), "{remedy}");
    assert!(!a.out.all().contains("ssh-copy-id"), "{}", a.out.all());
    let unchanged = std::fs::read_to_string(&forged).expect("known_hosts");
    assert_eq!(
        unchanged,
        lines.join("\n") + "\n",
        "nothing trusted on its own"
    );
}

#[test]
fn an_unhealthy_dependency_is_started_and_waited_for_then_the_dependent_deploys() {
    let Some(bed) = bed("dependency_unhealthy") else {
        return;
    };
    let p = Project::new(&bed);
    let (db, app) = (24641, 24642);
    let _cleanup = Cleanup {
        bed: &bed,
        project: &p,
        ports: Vec::new(),
    };
    // `hd-app` is healthy only while `hd-db` answers: its check asks both.
    let services = |round: &str| {
        format!(
            "{}  hd-app:\n    deployment_type: local\n    current_host: h1\n    \
             command: echo app > who && exec python3 -m http.server {app} --bind 0.0.0.0\n    \
             port: {app}\n    dependencies: [hd-db]\n    env: {{ROUND: \"{round}\"}}\n    \
             health: {{type: command, endpoint: \"curl -sf http://127.0.0.1:{db}/who && curl -sf http://127.0.0.1:{app}/who\", interval: 1s, retries: 4}}\n",
            web("hd-db", "h1", db, "")
        )
    };
    p.set_services(&services("0"));
    p.apply(&[]).ok();
    let fault = Fault {
        project: &p,
        kind: "dependency_unhealthy",
        rule: "dependency_unhealthy",
        learned: "dependency_unhealthy__hd_app",
    };

    let mut runs = Vec::new();
    for round in 1..=2 {
        // The dependency goes down; the dependent changes and is deployed.
        assert_eq!(p.run(&["stop", "hd-db"]).code, 0);
        p.set_services(&services(&round.to_string()));
        let r = fault.apply(round);
        let node = if round == 1 {
            "hd-app/health"
        } else {
            "hd-app/deploy"
        };
        assert_eq!(r.heal["node"], node);
        let actions = r.heal["actions"].to_string();
        assert!(actions.contains("start(service: hd-db)"), "{actions}");
        assert!(actions.contains("wait_healthy(service: hd-db"), "{actions}");
        assert!(wait_http(&ip("h1"), db, 10).is_some(), "hd-db answers");
        runs.push(r);
    }
    // By hand: the dependency goes down under a running dependent. `diagnose` names the
    // learned rule and acts on nothing; `heal` starts the dependency; counters go up.
    assert_eq!(p.run(&["stop", "hd-db"]).code, 0);
    let d = p.run(&["diagnose", "hd-app"]);
    assert_eq!(d.code, 0, "{}", d.all());
    assert!(
        d.stdout
            .contains("rule: dependency_unhealthy__hd_app (learned)"),
        "{}",
        d.all()
    );
    assert!(d.stdout.contains("let dep = hd-db"), "{}", d.all());
    assert!(
        wait_http(&ip("h1"), db, 1).is_none(),
        "diagnose started hd-db"
    );
    let healed = p.run(&["heal", "hd-app"]);
    assert_eq!(healed.code, 0, "{}", healed.all());
    assert!(
        wait_http(&ip("h1"), db, 10).is_some(),
        "hd-db answers again"
    );
    assert_eq!(
        counters(&learned(&p, "dependency_unhealthy__hd_app")),
        (3, 3, 0)
    );
    let stats = p.run(&["learn", "stats"]);
    assert!(
        stats.stdout.contains("dependency_unhealthy__hd_app"),
        "{}",
        stats.all()
    );

    report_times("dependency unhealthy", &runs[0], &runs[1], true, true);
}

/// The test bed registry with `docker_start` for every namespace host (write-out.sh writes it;
/// a bed brought up before that change lacks it).
fn with_docker_start(bed: &Bed, p: &mut Project) {
    if p.hosts_yaml.contains("docker_start:") {
        return;
    }
    let mut out = String::new();
    for line in p.hosts_yaml.lines() {
        out.push_str(line);
        out.push('\n');
        if let Some(h) = line.strip_prefix("  ").and_then(|l| l.strip_suffix(':'))
            && h.starts_with('h')
        {
            out.push_str(&format!(
                "    docker_start: touch {}/{h}/requests/start-docker\n",
                bed.root
            ));
        }
    }
    p.hosts_yaml = out;
}

#[test]
fn docker_down_is_started_and_the_deploy_succeeds() {
    let Some(bed) = bed("docker_down") else {
        return;
    };
    let mut p = Project::new(&bed);
    with_docker_start(&bed, &mut p);
    let port = 24651;
    let _restore = Restore {
        bed: &bed,
        daemon: "dockerd",
        host: "h3",
    };
    let svc = "  hdk:\n    deployment_type: docker\n    current_host: h3\n    \
               docker_compose: hdk/docker-compose.yml\n    port: 24651\n    \
               health: {type: http, interval: 1s, retries: 10}\n";
    p.set_services(svc);
    let fault = Fault {
        project: &p,
        kind: "docker_down",
        rule: "docker_down",
        learned: "docker_down__hdk",
    };
    let mut runs = Vec::new();
    for round in 1..=2 {
        p.write(
            "hdk/docker-compose.yml",
            &busybox_compose(port, &format!("hdk round {round}")),
        );
        ctl(&bed, "stop", "dockerd", "h3");
        let r = fault.apply(round);
        assert_eq!(r.heal["node"], "hdk/deploy");
        let actions = r.heal["actions"].to_string();
        assert!(actions.contains("start_docker(host: h3)"), "{actions}");
        assert!(actions.contains("wait_docker(host: h3"), "{actions}");
        let body = wait_http(&ip("h3"), port, 10).unwrap_or_default();
        assert!(body.contains(&format!("hdk round {round}")), "{body}");
        runs.push(r);
    }
    // A stopped daemon fails the deploy at once: acting before it saves little time.
    report_times("docker down", &runs[0], &runs[1], true, false);
}

/// A small tmpfs over a deploy directory, mounted in the host's own mount namespace (the
/// sshd's), unmounted on drop.
struct Tmpfs {
    sshd_pid: String,
    dir: String,
}

impl Tmpfs {
    fn mount(bed: &Bed, host: &str, dir: &str) -> Tmpfs {
        let sshd_pid = std::fs::read_to_string(format!("{}/{host}/sshd.pid", bed.root))
            .expect("sshd.pid")
            .trim()
            .to_string();
        let sh = format!(
            "mkdir -p {dir} && chown portoser-t: {dir} && nsenter -t {sshd_pid} -m \
             mount -t tmpfs -o size=1m,uid=$(id -u portoser-t),gid=$(id -g portoser-t),mode=755 tmpfs {dir}"
        );
        let o = std::process::Command::new("sh")
            .args(["-c", &sh])
            .output()
            .expect("mount");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        Tmpfs {
            sshd_pid,
            dir: dir.to_string(),
        }
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        // The test's volume goes too, even when the test failed before removing it.
        let _ = std::process::Command::new("docker")
            .args([
                "-H",
                &format!("unix://{}/docker.sock", parent(&self.dir, 2)),
            ])
            .args(["volume", "rm", "-f", "hdp-keep"])
            .stdout(std::process::Stdio::null())
            .status();
        let _ = std::process::Command::new("nsenter")
            .args(["-t", &self.sshd_pid, "-m", "umount", &self.dir])
            .status();
    }
}

#[test]
fn disk_pressure_old_logs_are_removed_volumes_are_kept_and_the_deploy_succeeds() {
    let Some(bed) = bed("disk_pressure") else {
        return;
    };
    let dir = format!("{}/hdp", base("h2"));
    // Dropped last: the services are removed (by the project's drop) before the unmount.
    let _tmpfs = Tmpfs::mount(&bed, "h2", &dir);
    let p = Project::new(&bed);
    let port = 24661;
    let _cleanup = Cleanup {
        bed: &bed,
        project: &p,
        ports: Vec::new(),
    };
    // A volume that must survive every heal: volumes hold data.
    ssh(&bed, "h2", "docker volume create hdp-keep >/dev/null");
    p.write("playbooks/policy.pbk", "allow destructive for hdp\n");
    let fault = Fault {
        project: &p,
        kind: "disk_full",
        rule: "disk_pressure",
        learned: "disk_pressure__hdp",
    };
    let mut runs = Vec::new();
    for round in 1..=2 {
        // Old rotated logs fill the deploy directory's filesystem.
        ssh(
            &bed,
            "h2",
            &format!(
                "head -c 2000000 /dev/zero > {dir}/app.log.{round} 2>/dev/null; df -P {dir} | tail -1"
            ),
        );
        assert!(ssh(&bed, "h2", &format!("df -P {dir} | tail -1")).contains("100%"));
        p.set_services(&writer(
            "hdp",
            "h2",
            port,
            &format!("    env: {{ROUND: \"{round}\"}}\n"),
        ));
        let r = fault.apply(round);
        let actions = r.heal["actions"].to_string();
        assert!(actions.contains("rotate_logs(service: hdp)"), "{actions}");
        assert!(!actions.contains("volumes: true"), "{actions}");
        assert_eq!(
            ssh(&bed, "h2", &format!("ls {dir}/app.log.{round} 2>/dev/null")),
            ""
        );
        assert_eq!(
            ssh(&bed, "h2", "docker volume ls -q -f name=hdp-keep"),
            "hdp-keep"
        );
        runs.push(r);
    }
    report_times("disk pressure", &runs[0], &runs[1], true, true);
    ssh(&bed, "h2", "docker volume rm hdp-keep >/dev/null");
}

/// `dir` without its last `n` components.
fn parent(dir: &str, n: usize) -> String {
    let mut p = std::path::PathBuf::from(dir);
    for _ in 0..n {
        p.pop();
    }
    p.display().to_string()
}

/// A local service serving `r<round>/who-<round>`: an instance of another round answers 404
/// there, so its health check tells a leftover instance from the new one.
fn versioned(name: &str, host: &str, port: u16, round: u64) -> String {
    format!(
        "  {name}:\n    deployment_type: local\n    current_host: {host}\n    \
         command: mkdir -p r{round} && echo {name} > r{round}/who-{round} && exec python3 -m http.server {port} --bind 0.0.0.0 --directory r{round}\n    \
         port: {port}\n    \
         health: {{type: http, endpoint: \"http://127.0.0.1:{port}/who-{round}\", interval: 1s, retries: 4}}\n"
    )
}

/// The service's supervisor dies (SIGKILL) and its run directory is lost: its child, the
/// instance itself, runs on unsupervised and holds the port.
fn crash(bed: &Bed, host: &str, service: &str) {
    let run = format!("{}/.portoser/run/{service}", base(host));
    ssh(
        bed,
        host,
        &format!("kill -KILL $(cat {run}/pid) && rm -rf {run}"),
    );
}

#[test]
fn stale_process_of_a_crashed_instance_is_stopped_and_the_new_one_starts() {
    let Some(bed) = bed("stale_process") else {
        return;
    };
    let p = Project::new(&bed);
    let port = 24671;
    let _cleanup = Cleanup {
        bed: &bed,
        project: &p,
        ports: vec![("h3", port)],
    };
    p.write("playbooks/policy.pbk", "allow destructive for hps\n");
    p.set_services(&versioned("hps", "h3", port, 0));
    p.apply(&[]).ok();
    let fault = Fault {
        project: &p,
        kind: "stale_process",
        rule: "stale_instance",
        learned: "stale_instance__hps",
    };
    let mut runs = Vec::new();
    for round in 1..=2 {
        crash(&bed, "h3", "hps");
        let stale = ssh(&bed, "h3", &format!("ss -H -ltnp sport = :{port}"));
        assert!(
            stale.contains("python3"),
            "the crashed instance holds the port: {stale}"
        );
        p.set_services(&versioned("hps", "h3", port, round));
        let r = fault.apply(round);
        assert!(
            r.heal["actions"]
                .to_string()
                .contains("stop_process(host: h3"),
            "{}",
            r.heal
        );
        // The new instance serves, under its supervisor.
        let pid = ssh(
            &bed,
            "h3",
            &format!("cat {}/.portoser/run/hps/pid", base("h3")),
        );
        assert!(!pid.is_empty(), "supervised again");
        runs.push(r);
    }
    report_times("stale process", &runs[0], &runs[1], true, true);
}

/// A root process listening on `port` in `host`'s network namespace: the SSH user sees the
/// listener but not its pid, so no rule can stop it. Ended (by pid) on drop.
struct RootListener(std::process::Child);

impl RootListener {
    fn start(host: &str, port: u16) -> RootListener {
        let child = as_root_on(host)
            .args(["python3", "-m", "http.server"])
            .arg(port.to_string())
            .current_dir("/tmp")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("root listener");
        std::thread::sleep(std::time::Duration::from_millis(800));
        RootListener(child)
    }
}

impl Drop for RootListener {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn a_learned_rule_that_keeps_failing_is_disabled_in_its_file() {
    let Some(bed) = bed("learned_rule_disabled") else {
        return;
    };
    let p = Project::new(&bed);
    let port = 24681;
    let _cleanup = Cleanup {
        bed: &bed,
        project: &p,
        ports: vec![("h2", port)],
    };
    p.write("playbooks/policy.pbk", "allow destructive for hpx\n");
    p.set_services(&web("hpx", "h2", port, ""));
    foreign_listener(&bed, "h2", port);
    let fault = Fault {
        project: &p,
        kind: "port_in_use",
        rule: "port_conflict",
        learned: "port_conflict__hpx",
    };
    fault.apply(1);

    // Now the port is taken by a process the rule cannot stop (root's, pid hidden).
    assert_eq!(p.run(&["stop", "hpx"]).code, 0);
    let _root = RootListener::start("h2", port);
    for round in 1..=2 {
        p.set_services(&web(
            "hpx",
            "h2",
            port,
            &format!("    env: {{ROUND: \"{round}\"}}\n"),
        ));
        let a = p.apply(&[]);
        // Healing gives up, then on_failure (rollback, for an update) runs: exit 5 or 1.
        assert_ne!(a.out.code, 0, "{}", a.out.all());
        assert!(a.out.stderr.contains("healing:"), "{}", a.out.all());
    }
    let text = learned(&p, "port_conflict__hpx");
    let (seen, fixed, failed) = counters(&text);
    assert_eq!(fixed, 1, "{text}");
    assert!(failed >= 3 && seen == fixed + failed, "{text}");
    assert!(
        text.contains("@disabled(\"failed"),
        "disabled, visibly in its file:\n{text}"
    );
    let list = p.run(&["learn", "list"]);
    assert!(list.stdout.contains("disabled: failed"), "{}", list.all());
    // The circuit breaker for hpx on h2 is open now: the next run does not heal.
    p.set_services(&web("hpx", "h2", port, "    env: {ROUND: \"3\"}\n"));
    let a = p.apply(&[]);
    assert_ne!(a.out.code, 0, "{}", a.out.all());
    assert!(
        a.out.stderr.contains("circuit breaker open"),
        "{}",
        a.out.all()
    );
}
