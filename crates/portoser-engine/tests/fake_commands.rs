//! Command construction through the Fake transport: what each engine sends, exactly.

mod common;

use common::spec;
use portoser_engine::health::{check_once, judge};
use portoser_engine::{Engine, EngineError, Probe, State};
use portoser_transport::{ExecOutput, FakeTransport, Transport};

const REGISTRY: &str = r#"
hosts:
  h:
    ip: 10.0.0.1
    path: /srv/p
services:
  api:
    current_host: h
    deployment_type: docker
    docker_compose: api/compose.yml
    service_name: "-rm"
  web:
    current_host: h
    deployment_type: native
    command: "python3 -m http.server 8000; echo '$(x)'"
    healthcheck_command: "curl -fsS http://127.0.0.1:8000/ | grep -q 'ok; $(id)'"
"#;

#[tokio::test]
async fn docker_commands_are_quoted_and_never_remove_volumes() {
    let s = spec(REGISTRY, "api");
    let fake = FakeTransport::new("h");
    let t = Transport::Fake(fake.clone());
    let e = Engine::for_spec(&s);
    e.deploy(&t, &s).await.expect("deploy");
    e.stop(&t, &s).await.expect("stop");
    e.remove(&t, &s).await.expect("remove");
    let scripts = fake.scripts();
    assert_eq!(
        scripts[0],
        "( 'test' '-f' '/srv/p/api/compose.yml' ) || ( 'sh' '-c' 'exit 66' ) && ( cd -- '/srv/p/api' && 'docker' 'compose' '-p' 'portoser-api' '-f' '/srv/p/api/compose.yml' 'up' '-d' '--wait' '--' '-rm' )"
    );
    assert!(scripts[1].contains("'stop' '--' '-rm'"), "{}", scripts[1]);
    assert!(
        scripts[2].contains("'down' '--remove-orphans' )"),
        "{}",
        scripts[2]
    );
    assert!(
        scripts
            .iter()
            .all(|s| !s.contains("'-v'") && !s.contains("--volumes"))
    );
}

#[tokio::test]
async fn docker_daemon_down_is_typed() {
    let s = spec(REGISTRY, "api");
    let fake = FakeTransport::new("h");
    fake.on("'up'", Ok(ExecOutput::failed(1, "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?")));
    let err = Engine::for_spec(&s)
        .deploy(&Transport::Fake(fake), &s)
        .await
        .expect_err("down");
    assert!(matches!(err, EngineError::DockerDown { .. }), "{err:?}");
}

#[tokio::test]
async fn native_systemd_uploads_reloads_enables_and_removes() {
    let s = spec(REGISTRY, "web");
    let fake = FakeTransport::new("h");
    let t = Transport::Fake(fake.clone());
    let e = Engine::for_spec(&s);
    e.deploy(&t, &s).await.expect("deploy");
    let unit = fake
        .file("/etc/systemd/system/portoser-web.service")
        .expect("unit uploaded");
    assert_eq!(unit.mode, 0o644);
    assert!(
        String::from_utf8_lossy(&unit.contents)
            .contains("ExecStart=/bin/sh -c \"python3 -m http.server 8000; echo '$$(x)'\"")
    );
    fake.on("'show'", Ok(ExecOutput::ok("LoadState=loaded\nActiveState=active\nSubState=running\nActiveEnterTimestamp=Thu 2026-11-26 10:00:00 UTC\n")));
    let st = e.status(&t, &s).await.expect("status");
    assert_eq!(
        (st.state, st.since.as_deref()),
        (State::Running, Some("Thu 2026-11-26 10:00:00 UTC"))
    );
    e.remove(&t, &s).await.expect("remove");
    let scripts = fake.scripts();
    assert_eq!(
        scripts[0],
        "( 'systemctl' 'daemon-reload' ) && ( 'systemctl' 'enable' '--' 'portoser-web.service' ) && ( 'systemctl' 'restart' '--' 'portoser-web.service' )"
    );
    assert_eq!(
        scripts.last().map(String::as_str),
        Some(
            "( 'systemctl' 'disable' '--now' '--' 'portoser-web.service' ) && ( 'rm' '-f' '--' '/etc/systemd/system/portoser-web.service' ) && ( 'systemctl' 'daemon-reload' )"
        )
    );
}

#[tokio::test]
async fn command_checks_run_whole_under_sh_c() {
    let s = spec(REGISTRY, "web");
    let fake = FakeTransport::new("h");
    let t = Transport::Fake(fake.clone());
    let probe = s.health.as_ref().expect("health").probe.clone();
    check_once(&t, &s, &probe).await.expect("exit 0 passes");
    assert_eq!(
        fake.scripts()[0],
        "( cd -- '/srv/p/web' && 'sh' '-c' 'curl -fsS http://127.0.0.1:8000/ | grep -q '\\''ok; $(id)'\\''' )"
    );
    fake.on(
        "'sh' '-c'",
        Ok(ExecOutput::failed(1, "curl: (7) Failed to connect\n")),
    );
    let err = check_once(&t, &s, &probe).await.expect_err("fails");
    assert!(
        err.contains("exited with 1: curl: (7) Failed to connect"),
        "{err}"
    );
}

#[tokio::test]
async fn http_checks_over_connect_tcp() {
    let s = spec(REGISTRY, "web");
    let fake = FakeTransport::new("h");
    fake.serve_tcp(8000, "HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nall ok\n");
    fake.serve_tcp(8001, "HTTP/1.1 503 Service Unavailable\r\n\r\n");
    let t = Transport::Fake(fake);
    let http = |port, body: Option<&str>| Probe::Http {
        port,
        path: "/".into(),
        host_header: "x".into(),
        expect_status: None,
        expect_body: body.map(str::to_string),
    };
    check_once(&t, &s, &http(8000, Some("all ok")))
        .await
        .expect("passes");
    let e = check_once(&t, &s, &http(8000, Some("nope")))
        .await
        .expect_err("body");
    assert!(e.contains("does not contain `nope`"), "{e}");
    let e = check_once(&t, &s, &http(8001, None))
        .await
        .expect_err("503");
    assert_eq!(e, "HTTP status 503, expected 2xx");
    let e = check_once(&t, &s, &Probe::Tcp { port: 9 })
        .await
        .expect_err("refused");
    assert_eq!(e, "nothing listens on 127.0.0.1:9 on `h`");
}

#[test]
fn judge_reads_status_lines() {
    assert!(judge(b"HTTP/1.1 204 No Content\r\n\r\n", None, None).is_ok());
    assert!(judge(b"HTTP/1.1 301 Moved\r\n\r\n", Some(301), None).is_ok());
    assert_eq!(
        judge(b"", None, None).expect_err("empty"),
        "the server closed the connection without answering"
    );
    assert!(
        judge(b"SSH-2.0-OpenSSH\r\n", None, None)
            .expect_err("not http")
            .contains("not an HTTP response")
    );
}
