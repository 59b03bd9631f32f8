//! End-to-end: a fleet with all three engines across the test bed's hosts, applied by the
//! real binary and checked from outside portoser (issue 3: deploy, no-op re-apply, port
//! change, logs). Needs the test bed (docs/testbed.md); skips loudly without it.

#[path = "e2e/support.rs"]
mod support;

use std::collections::BTreeMap;
use support::*;

/// docker on h1 and h2, plain python on h2, a uv project on h3, a systemd unit on `sys`;
/// dependencies cross hosts: web ← api ← py ← uv, and sys needs uv and web.
fn fleet(py_port: u16) -> String {
    format!(
        r#"  fl-web:
    deployment_type: docker
    current_host: h1
    docker_compose: fl-web/docker-compose.yml
    port: 24201
    health: {{type: http, interval: 1s, retries: 10}}
  fl-api:
    deployment_type: docker
    current_host: h2
    docker_compose: fl-api/docker-compose.yml
    port: 24202
    dependencies: [fl-web]
    health: {{type: http, interval: 1s, retries: 10}}
  fl-py:
    deployment_type: local
    current_host: h2
    command: python3 -m http.server {py_port} --bind 0.0.0.0
    port: {py_port}
    dependencies: [fl-api]
    health: {{type: http, interval: 1s, retries: 10}}
  fl-uv:
    deployment_type: local
    current_host: h3
    python_manager: uv
    working_dir: fl-uv
    command: .venv/bin/python app.py
    port: 24204
    env: {{PORT: 24204, NAME: fl-uv}}
    dependencies: [fl-py]
    health: {{type: http, interval: 1s, retries: 15}}
  fl-sys:
    deployment_type: native
    current_host: sys
    command: python3 -m http.server 24205 --bind 0.0.0.0
    port: 24205
    dependencies: [fl-uv, fl-web]
    health: {{type: tcp, interval: 1s, retries: 10}}
"#
    )
}

const HOSTS: [(&str, &str); 5] = [
    ("fl-web", "h1"),
    ("fl-api", "h2"),
    ("fl-py", "h2"),
    ("fl-uv", "h3"),
    ("fl-sys", "sys"),
];

/// What each service looks like on its host, read without portoser: container start times,
/// supervisor pid files, the unit's ActiveEnterTimestamp.
fn markers(bed: &Bed) -> BTreeMap<&'static str, String> {
    let started = |host: &str, name: &str| {
        let filter = format!("label=com.docker.compose.project=portoser-{name}");
        let ids = docker(host, &["ps", "-q", "--filter", &filter]);
        assert!(!ids.is_empty(), "no container of {name} on {host}");
        docker(host, &["inspect", "-f", "{{.State.StartedAt}}", &ids])
    };
    let pid = |host: &str, name: &str| {
        let p = format!("{}/.portoser/run/{name}/pid", base(host));
        std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
    };
    let unit = ssh(
        bed,
        "sys",
        "systemctl show -p ActiveEnterTimestamp -p MainPID portoser-fl-sys.service",
    );
    BTreeMap::from([
        ("fl-web", started("h1", "fl-web")),
        ("fl-api", started("h2", "fl-api")),
        ("fl-py", pid("h2", "fl-py")),
        ("fl-uv", pid("h3", "fl-uv")),
        ("fl-sys", unit),
    ])
}

fn logins(bed: &Bed) -> Vec<usize> {
    ["h1", "h2", "h3"]
        .iter()
        .map(|h| sshd_logins(bed, h))
        .collect()
}

#[test]
fn fleet_apply_noop_port_change_and_logs() {
    let Some(bed) = bed("fleet_apply_noop_port_change_and_logs") else {
        return;
    };
    let p = Project::new(&bed);
    p.write(
        "fl-web/docker-compose.yml",
        &busybox_compose(24201, "fl-web"),
    );
    p.write(
        "fl-api/docker-compose.yml",
        &busybox_compose(24202, "fl-api"),
    );
    p.copy_fixture("uvapp", "fl-uv");
    p.set_services(&fleet(24203));

    // 1. Apply: every node succeeds, in dependency order across hosts.
    let t = std::time::Instant::now();
    let a = p.apply(&[]);
    a.ok();
    eprintln!("fleet: first apply {:.1}s", t.elapsed().as_secs_f64());
    let outcomes = a.outcomes();
    assert!(outcomes.values().all(|o| o == "succeeded"), "{outcomes:?}");
    for (before, after) in [
        ("fl-web/health", "fl-api/deploy"),
        ("fl-api/health", "fl-py/deploy"),
        ("fl-py/health", "fl-uv/deploy"),
        ("fl-uv/health", "fl-sys/deploy"),
        ("fl-web/health", "fl-sys/deploy"),
    ] {
        assert!(
            a.elapsed(before, "succeeded") <= a.elapsed(after, "started"),
            "{after} started before {before} succeeded"
        );
    }
    // Reachable from the root namespace, each with its own page.
    let page = |host: &str, port| http_get(&ip(host), port).map(|(s, b)| (s, b.trim().to_string()));
    assert_eq!(page("h1", 24201), Some((200, "fl-web".into())));
    assert_eq!(page("h2", 24202), Some((200, "fl-api".into())));
    assert_eq!(page("h2", 24203).map(|(s, _)| s), Some(200));
    let uv = page("h3", 24204).expect("fl-uv answers");
    assert!(
        uv.1.starts_with("hello from fl-uv") && uv.1.contains(".venv"),
        "{uv:?}"
    );
    assert_eq!(page("sys", 24205).map(|(s, _)| s), Some(200));

    // `status`: all running and healthy, on the right hosts; the state records them.
    let (out, rows) = p.status();
    assert_eq!(out.code, 0, "{}", out.all());
    for (name, host) in HOSTS {
        let row = rows
            .get(name)
            .unwrap_or_else(|| panic!("{name} not in status:\n{}", out.all()));
        assert_eq!(row[0], host, "{name}: {row:?}");
        assert_eq!(
            (row[2].as_str(), row[3].as_str()),
            ("running", "healthy"),
            "{name}: {row:?}"
        );
    }
    let want: BTreeMap<String, String> = HOSTS
        .iter()
        .map(|(s, h)| (s.to_string(), h.to_string()))
        .collect();
    assert_eq!(p.recorded(), want);

    // 8. Logs of each engine show the service's own output.
    for (name, needle) in [
        ("fl-web", "busybox fl-web starting"),
        ("fl-py", "\"GET / HTTP"),
        ("fl-uv", "fl-uv listening on 24204"),
        ("fl-sys", "GET / HTTP"),
    ] {
        let out = p.run(&["logs", name, "-n", "5"]);
        assert_eq!(out.code, 0, "{}", out.all());
        assert!(
            out.stdout.contains(needle),
            "logs {name} lacks {needle:?}:\n{}",
            out.all()
        );
        assert!(
            out.stdout.lines().count() <= 5,
            "logs {name} -n 5:\n{}",
            out.stdout
        );
    }

    // 2. Re-apply with nothing changed: "No changes", exit 0, nothing ran anywhere.
    let (m0, l0, runs0) = (markers(&bed), logins(&bed), p.run_count());
    let a = p.apply(&[]);
    a.ok();
    let said = format!("{}{}", a.out.stdout, a.out.stderr);
    assert!(said.contains("No changes"), "{}", a.out.all());
    assert!(
        a.events.is_empty(),
        "events on a no-op apply:\n{}",
        a.out.all()
    );
    assert_eq!(logins(&bed), l0, "a no-op apply logged in to a host");
    assert_eq!(
        p.run_count(),
        runs0,
        "a no-op apply added a run to the history"
    );
    assert_eq!(markers(&bed), m0, "a no-op apply restarted something");
    let plan = p.run(&["plan", "--detailed-exitcode"]);
    assert_eq!(plan.code, 0, "{}", plan.all());

    // 3. Change fl-py's port: it moves to the new port; services it does not feed are untouched.
    let l0 = logins(&bed);
    p.set_services(&fleet(24213));
    let a = p.apply(&[]);
    a.ok();
    let touched = a.services_touched();
    assert!(touched.contains(&"fl-py".to_string()), "{touched:?}");
    for t in &touched {
        assert!(
            ["fl-py", "fl-uv", "fl-sys"].contains(&t.as_str()),
            "{t} touched: {touched:?}"
        );
    }
    assert_eq!(page("h2", 24213).map(|(s, _)| s), Some(200), "new port");
    assert_eq!(
        http_get(&ip("h2"), 24203),
        None,
        "the old port still answers"
    );
    let m1 = markers(&bed);
    for name in ["fl-web", "fl-api"] {
        assert_eq!(
            m1[name], m0[name],
            "{name} was restarted by fl-py's port change"
        );
    }
    assert_ne!(m1["fl-py"], m0["fl-py"], "fl-py was not restarted");
    assert_eq!(
        logins(&bed)[0],
        l0[0],
        "h1 was contacted for fl-py's port change"
    );
    for t in &touched {
        let (_, rows) = p.status();
        assert_eq!(rows[t.as_str()][2..], ["running", "healthy"], "{t}");
    }
    assert_eq!(p.run(&["plan", "--detailed-exitcode"]).code, 0);

    // Lifecycle: stop names the dependents and stops; status says so; start and restart
    // bring it back healthy; the recorded state does not change.
    let out = p.run(&["stop", "fl-web"]);
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(
        out.stderr.contains("fl-api") && out.stderr.contains("fl-sys"),
        "{}",
        out.all()
    );
    assert_eq!(
        http_get(&ip("h1"), 24201),
        None,
        "fl-web still answers after stop"
    );
    let (out, rows) = p.status();
    assert_eq!(out.code, 1, "{}", out.all());
    assert_eq!(rows["fl-web"][2], "stopped", "{}", out.all());
    let out = p.run(&["start", "fl-web"]);
    assert_eq!(out.code, 0, "{}", out.all());
    assert_eq!(http_get(&ip("h1"), 24201).map(|r| r.0), Some(200));
    let unit = m1["fl-sys"].clone();
    let out = p.run(&["restart", "fl-sys"]);
    assert_eq!(out.code, 0, "{}", out.all());
    assert_ne!(
        markers(&bed)["fl-sys"],
        unit,
        "restart did not restart the unit"
    );
    assert_eq!(p.status().0.code, 0);
    assert_eq!(p.run(&["plan", "--detailed-exitcode"]).code, 0);
}
