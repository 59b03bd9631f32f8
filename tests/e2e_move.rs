//! End-to-end: move services to another host (`registry move-service` then `apply`): the new
//! instance is healthy before the old one stops, and the old host no longer runs it; and a
//! host's sshd stopped mid-apply. Needs the test bed (docs/testbed.md); skips loudly without it.

#[path = "e2e/support.rs"]
mod support;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::Stdio;
use support::*;

fn move_services() -> String {
    r#"  mv-d:
    deployment_type: docker
    current_host: h1
    docker_compose: mv-d/docker-compose.yml
    port: 24301
    health: {type: http, interval: 1s, retries: 10}
  mv-l:
    deployment_type: local
    current_host: h2
    command: python3 -m http.server 24302 --bind 0.0.0.0
    port: 24302
    health: {type: http, interval: 1s, retries: 10}
  mv-stay:
    deployment_type: local
    current_host: h3
    command: python3 -m http.server 24303 --bind 0.0.0.0
    port: 24303
    health: {type: tcp, interval: 1s, retries: 10}
"#
    .to_string()
}

#[test]
fn move_service_new_is_healthy_before_old_stops() {
    let Some(bed) = bed("move_service_new_is_healthy_before_old_stops") else {
        return;
    };
    let p = Project::new(&bed);
    p.write("mv-d/docker-compose.yml", &busybox_compose(24301, "mv-d"));
    p.set_services(&move_services());
    p.apply(&[]).ok();
    assert_eq!(http_get(&ip("h1"), 24301).map(|r| r.0), Some(200));
    assert_eq!(http_get(&ip("h2"), 24302).map(|r| r.0), Some(200));
    let stay_pid = std::fs::read_to_string(format!("{}/.portoser/run/mv-stay/pid", base("h3")));

    for (name, to) in [("mv-d", "h3"), ("mv-l", "h3")] {
        let out = p.run(&["registry", "move-service", name, "--to", to]);
        assert_eq!(out.code, 0, "{}", out.all());
    }
    assert!(
        p.registry()
            .contains("current_host: h3\n    docker_compose: mv-d")
    );
    let a = p.apply(&[]);
    a.ok();
    for (name, old) in [("mv-d", "h1"), ("mv-l", "h2")] {
        let healthy = a.elapsed(&format!("{name}/health"), "succeeded");
        let stop_old = a.elapsed(&format!("{name}/stop-old@{old}"), "started");
        assert!(
            healthy <= stop_old,
            "{name}: old stopped at {stop_old} ms, new healthy at {healthy} ms"
        );
        assert_eq!(a.outcomes()[&format!("{name}/stop-old@{old}")], "succeeded");
    }
    // The new host serves, the old one does not run it any more.
    let page = http_get(&ip("h3"), 24301).map(|(s, b)| (s, b.trim().to_string()));
    assert_eq!(page, Some((200, "mv-d".to_string())));
    assert_eq!(http_get(&ip("h3"), 24302).map(|r| r.0), Some(200));
    assert_eq!(http_get(&ip("h1"), 24301), None, "mv-d still answers on h1");
    assert_eq!(http_get(&ip("h2"), 24302), None, "mv-l still answers on h2");
    let filter = "label=com.docker.compose.project=portoser-mv-d";
    assert_eq!(
        docker("h1", &["ps", "-aq", "--filter", filter]),
        "",
        "mv-d container left on h1"
    );
    assert_ne!(
        docker("h3", &["ps", "-q", "--filter", filter]),
        "",
        "no mv-d container on h3"
    );
    let old_pid = format!("{}/.portoser/run/mv-l/pid", base("h2"));
    assert!(
        !std::path::Path::new(&old_pid).exists(),
        "{old_pid} left behind"
    );
    // The unrelated service was not touched.
    assert!(!a.services_touched().contains(&"mv-stay".to_string()));
    let stay_now = std::fs::read_to_string(format!("{}/.portoser/run/mv-stay/pid", base("h3")));
    assert_eq!(stay_now.ok(), stay_pid.ok());

    let want: BTreeMap<String, String> = [("mv-d", "h3"), ("mv-l", "h3"), ("mv-stay", "h3")]
        .map(|(a, b)| (a.into(), b.into()))
        .into();
    assert_eq!(p.recorded(), want);
    let plan = p.run(&["plan", "--detailed-exitcode"]);
    assert_eq!(plan.code, 0, "{}", plan.all());
}

fn sshd_services() -> String {
    r#"  ss-one:
    deployment_type: local
    current_host: h1
    command: python3 -m http.server 24401 --bind 0.0.0.0
    port: 24401
    health: {type: http, interval: 1s, retries: 10}
  ss-slow:
    deployment_type: local
    current_host: h2
    command: sleep 3 && exec python3 -m http.server 24402 --bind 0.0.0.0
    port: 24402
    health: {type: http, interval: 1s, retries: 8}
  ss-dep:
    deployment_type: local
    current_host: h3
    command: python3 -m http.server 24403 --bind 0.0.0.0
    port: 24403
    dependencies: [ss-slow]
    health: {type: http, interval: 1s, retries: 10}
  ss-other:
    deployment_type: local
    current_host: h3
    command: python3 -m http.server 24404 --bind 0.0.0.0
    port: 24404
    health: {type: http, interval: 1s, retries: 10}
"#
    .to_string()
}

#[test]
fn sshd_stopped_mid_apply_fails_that_host_only_and_the_next_apply_completes() {
    let Some(bed) = bed("sshd_stopped_mid_apply") else {
        return;
    };
    let p = Project::new(&bed);
    p.set_services(&sshd_services());

    // Start the apply; when h2's slow health gate is running, take h2's sshd away and drop
    // the connection portoser holds to it.
    let mut child = p
        .cmd(&["apply", "--yes", "--format", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn apply");
    let restore = Restore {
        bed: &bed,
        daemon: "sshd",
        host: "h2",
    };
    let mut stdout = String::new();
    let mut stopped = false;
    for line in BufReader::new(child.stdout.take().expect("stdout")).lines() {
        let line = line.expect("line");
        if !stopped
            && line.contains(r#""event":"started""#)
            && line.contains(r#""node":"ss-slow/health""#)
        {
            ctl(&bed, "stop", "sshd", "h2");
            kill_ssh_sessions("h2");
            stopped = true;
        }
        stdout.push_str(&line);
        stdout.push('\n');
    }
    let out = child.wait_with_output().expect("wait apply");
    let a = Apply::parse(Out {
        code: out.status.code().unwrap_or(-1),
        stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    });
    assert!(stopped, "ss-slow/health never started:\n{}", a.out.all());
    assert_ne!(a.out.code, 0, "{}", a.out.all());
    let o = a.outcomes();
    assert_eq!(o["ss-slow/health"], "failed", "{o:?}");
    for node in ["ss-dep/deploy", "ss-dep/health"] {
        assert_eq!(o[node], "skipped", "{o:?}");
    }
    for node in ["ss-one/health", "ss-other/health"] {
        assert_eq!(o[node], "succeeded", "{o:?}");
    }
    let failed = a
        .event("ss-slow/health", "failed")
        .expect("failed event")
        .to_string();
    eprintln!("sshd stopped: ss-slow/health failed with {failed}");
    assert!(
        failed.contains("h2"),
        "the failure does not name h2: {failed}"
    );
    // ss-slow was deployed before its health gate failed: the state says so (as `deployed`).
    let want: BTreeMap<String, String> = [("ss-one", "h1"), ("ss-other", "h3"), ("ss-slow", "h2")]
        .map(|(a, b)| (a.into(), b.into()))
        .into();
    assert_eq!(
        p.recorded(),
        want,
        "the state must hold exactly what succeeded"
    );
    let plan = p.run(&["plan", "--detailed-exitcode"]);
    assert_eq!(plan.code, 2, "{}", plan.all());
    assert!(
        plan.stdout.contains("ss-slow") && plan.stdout.contains("ss-dep"),
        "{}",
        plan.all()
    );

    // sshd back: the next apply finishes the rest, then nothing is left.
    ctl(&bed, "start", "sshd", "h2");
    drop(restore);
    let a = p.apply(&[]);
    a.ok();
    let touched = a.services_touched();
    assert_eq!(
        touched,
        ["ss-dep", "ss-slow"],
        "the next apply redid finished services"
    );
    assert_eq!(http_get(&ip("h2"), 24402).map(|r| r.0), Some(200));
    assert_eq!(http_get(&ip("h3"), 24403).map(|r| r.0), Some(200));
    let plan = p.run(&["plan", "--detailed-exitcode"]);
    assert_eq!(plan.code, 0, "{}", plan.all());
}
