//! ServiceSpec from real registry YAML; systemd units and launchd plists: snapshots,
//! `systemd-analyze verify` with empty stderr, strict plist parsing.

mod common;

use common::{require, spec, works};
use portoser_engine::render::{launchd_plist, systemd_unit};
use portoser_engine::{Probe, ServiceSpec};
use std::time::Duration;

const REGISTRY: &str = r#"
defaults:
  path: /srv/default
  healthcheck_interval: 7s
  healthcheck_retries: 4
  healthcheck_timeout: 3s
hosts:
  app1:
    ip: 10.0.0.1
    path: /srv/portoser/
  mac:
    ip: 10.0.0.2
    arch: arm64-apple
services:
  web:
    current_host: app1
    deployment_type: native
    description: "the 100% \"public\" site"
    command: "uv run gunicorn web:app --bind 127.0.0.1:$PORT 'x y' \\ %h"
    working_dir: web
    port: 8090
    env:
      PORT: 8090
      GREETING: "it's $HOME & <b>50%</b>"
    healthcheck_url: http://www.demo.lan:8090/health
  db:
    current_host: app1
    deployment_type: docker
    docker_compose: db/docker-compose.yml
    service_name: postgres
    health:
      type: tcp
      endpoint: "127.0.0.1:5432"
      interval: 2s
      retries: 5
  worker:
    current_host: app1
    deployment_type: local
    command: python3 -m worker
    python_manager: uv
    healthcheck_command: test -f /tmp/ready && echo ok
  mac-web:
    current_host: mac
    deployment_type: native
    command: ./serve --port 9000
    env:
      A: "x<y&z"
  sshd:
    current_host: app1
    deployment_type: native
    service_name: ssh
"#;

#[test]
fn spec_resolves_paths_and_defaults() {
    let web = spec(REGISTRY, "web");
    assert_eq!(web.base_dir, "/srv/portoser");
    assert_eq!(web.service_dir, "/srv/portoser/web");
    assert_eq!(web.unit_name, "portoser-web.service");
    assert!(web.generate_unit);
    let health = web.health.as_ref().expect("health from healthcheck_url");
    assert_eq!(health.interval, Duration::from_secs(7));
    assert_eq!(health.timeout, Duration::from_secs(3));
    assert_eq!(health.retries, 4);
    assert_eq!(
        health.probe,
        Probe::Http {
            port: 8090,
            path: "/health".into(),
            host_header: "www.demo.lan".into(),
            expect_status: None,
            expect_body: None
        }
    );

    let db = spec(REGISTRY, "db");
    assert_eq!(
        db.compose_file.as_deref(),
        Some("/srv/portoser/db/docker-compose.yml")
    );
    assert_eq!(db.compose_service.as_deref(), Some("postgres"));
    assert_eq!(db.compose_project(), "portoser-db");
    let h = db.health.expect("tcp");
    assert_eq!(h.probe, Probe::Tcp { port: 5432 });
    assert_eq!((h.interval, h.retries), (Duration::from_secs(2), 5));

    let worker = spec(REGISTRY, "worker");
    assert!(worker.uv);
    assert_eq!(worker.service_dir, "/srv/portoser/worker");
    assert_eq!(worker.run_dir(), "/srv/portoser/.portoser/run/worker");
    assert_eq!(
        worker.supervisor_path(),
        "/srv/portoser/.portoser/bin/supervise"
    );
    assert_eq!(
        worker.health.expect("command").probe,
        Probe::Command {
            command: "test -f /tmp/ready && echo ok".into()
        }
    );

    let mac = spec(REGISTRY, "mac-web");
    assert_eq!(mac.base_dir, "/srv/default");
    assert_eq!(mac.unit_name, "portoser.mac-web");

    let sshd = spec(REGISTRY, "sshd");
    assert_eq!(sshd.unit_name, "ssh.service");
    assert!(
        !sshd.generate_unit,
        "an installed unit is managed, not generated"
    );
}

#[test]
fn https_health_urls_stay_https_not_silently_downgraded() {
    let yaml = REGISTRY.replace(
        "http://www.demo.lan:8090/health",
        "https://www.demo.lan/health",
    );
    let reg = common::registry(&yaml);
    let web = reg.service("web").expect("web");
    let spec = ServiceSpec::from_registry(&reg, web).expect("https is a probe of its own");
    match spec.health.map(|h| h.probe) {
        Some(Probe::Https {
            port, host_header, ..
        }) => {
            assert_eq!((port, host_header.as_str()), (443, "www.demo.lan"));
        }
        other => panic!("expected an https probe, got {other:?}"),
    }
    assert_eq!(spec.tls_ca, None, "the caller reads the CA file");
}

#[test]
fn systemd_unit_snapshot() {
    insta::assert_snapshot!(systemd_unit(&spec(REGISTRY, "web")));
}

#[test]
fn launchd_plist_snapshot() {
    insta::assert_snapshot!(launchd_plist(&spec(REGISTRY, "mac-web")));
}

#[test]
fn plists_parse_strictly_and_keep_values() {
    for name in ["mac-web", "web"] {
        let s = spec(REGISTRY, name);
        let text = launchd_plist(&s);
        let value = plist::Value::from_reader_xml(text.as_bytes()).expect("valid plist");
        let dict = value.as_dictionary().expect("a dict");
        let args: Vec<&str> = dict
            .get("ProgramArguments")
            .and_then(|a| a.as_array())
            .expect("args")
            .iter()
            .filter_map(|v| v.as_string())
            .collect();
        assert_eq!(
            args,
            vec!["/bin/sh", "-c", s.command.as_deref().expect("command")]
        );
        let env = dict
            .get("EnvironmentVariables")
            .and_then(|e| e.as_dictionary())
            .expect("env");
        for (k, v) in &s.env {
            assert_eq!(env.get(k).and_then(|x| x.as_string()), Some(v.as_str()));
        }
    }
}

/// `systemd-analyze verify` checks ExecStart binaries against `--root`: give it a root with
/// /bin/sh and the system units, and treat ANY stderr as a failure (most mistakes are
/// warnings with exit 0).
#[test]
fn systemd_units_verify_with_empty_stderr() {
    if !require(
        "systemd-analyze",
        works("systemd-analyze", &["--version"]),
        "apt-get install -y systemd",
    ) {
        return;
    }
    let root = tempfile::tempdir().expect("tempdir");
    let r = root.path();
    for dir in [
        "bin",
        "etc/systemd/system",
        "usr/lib/systemd",
        "srv/portoser/web",
    ] {
        std::fs::create_dir_all(r.join(dir)).expect("mkdir");
    }
    std::fs::copy("/bin/sh", r.join("bin/sh")).expect("copy sh");
    // A copy (not a link): the units' own absolute symlinks must resolve inside the root.
    let copied = std::process::Command::new("cp")
        .args(["-a", "/usr/lib/systemd/system"])
        .arg(r.join("usr/lib/systemd/"))
        .status()
        .expect("cp runs");
    assert!(copied.success(), "copying the system units");
    let web = spec(REGISTRY, "web");
    let unit = r.join("etc/systemd/system").join(&web.unit_name);
    std::fs::write(&unit, systemd_unit(&web)).expect("write unit");
    let out = std::process::Command::new("systemd-analyze")
        .arg("verify")
        .arg(format!("--root={}", r.display()))
        .arg(format!("/etc/systemd/system/{}", web.unit_name))
        .output()
        .expect("systemd-analyze runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stderr.trim().is_empty(),
        "verify: {:?}\n{stderr}",
        out.status
    );

    // The check can fail: a unit with a typo is reported on stderr.
    let broken = systemd_unit(&web).replace("Restart=on-failure", "Restart=on-failur");
    std::fs::write(&unit, broken).expect("write unit");
    let out = std::process::Command::new("systemd-analyze")
        .arg("verify")
        .arg(format!("--root={}", r.display()))
        .arg(format!("/etc/systemd/system/{}", web.unit_name))
        .output()
        .expect("systemd-analyze runs");
    assert!(!out.stderr.is_empty(), "a broken unit must produce stderr");
}
