//! The local engine on the Local transport, for real: a python3 http.server as the service,
//! the uploaded supervisor, health through connect_tcp, stop with no orphans, restart on
//! crash, and the uv path with a tiny locked project.

mod common;

use common::{alive, free_port, pids_with, require, spec, works};
use portoser_engine::{Engine, State, wait_healthy};
use portoser_transport::{LocalTransport, Transport};
use std::time::Duration;

fn registry(base: &str, port: u16, command: &str, extra: &str) -> String {
    format!(
        r#"
hosts:
  here:
    ip: 127.0.0.1
    path: {base}
services:
  web:
    current_host: here
    deployment_type: local
    command: {command:?}
    port: {port}
    env:
      GREETING: "it's $(not run)"
    health:
      type: http
      endpoint: http://127.0.0.1:{port}/hello.txt
      expect_body: hello
      interval: 500ms
      retries: 20
{extra}"#
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_service_deploys_serves_restarts_and_stops_without_orphans() {
    if !require(
        "python3",
        works("python3", &["--version"]),
        "apt-get install -y python3",
    ) {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let base = dir.path().to_str().expect("utf-8").to_string();
    let port = free_port(101);
    // The service starts a child that would outlive a naive `kill $pid`.
    let marker = format!("sleep 9{port}");
    let command = format!(
        "echo \"$GREETING\" > env.txt; echo hello > hello.txt; {marker} & exec python3 -m http.server {port} --bind 127.0.0.1"
    );
    let spec = spec(&registry(&base, port, &command, ""), "web");
    std::fs::create_dir_all(&spec.service_dir).expect("service dir");
    let t = Transport::Local(LocalTransport::new("here"));
    let engine = Engine::for_spec(&spec);

    engine.deploy(&t, &spec).await.expect("deploy");
    let took = wait_healthy(&t, &spec).await.expect("healthy");
    assert!(took < Duration::from_secs(10));
    let env = std::fs::read_to_string(format!("{}/env.txt", spec.service_dir)).expect("env.txt");
    assert_eq!(env.trim(), "it's $(not run)", "env values arrive literally");
    let status = engine.status(&t, &spec).await.expect("status");
    assert_eq!(status.state, State::Running, "{status:?}");
    assert!(status.since.is_some());

    // Crash: kill the service process; the supervisor starts it again.
    let child: u32 = std::fs::read_to_string(format!("{}/child.pid", spec.run_dir()))
        .expect("child pid")
        .trim()
        .parse()
        .expect("a pid");
    unsafe_kill(child);
    tokio::time::sleep(Duration::from_millis(300)).await;
    wait_healthy(&t, &spec)
        .await
        .expect("healthy again after the crash");
    let status = engine.status(&t, &spec).await.expect("status");
    assert_eq!(status.state, State::Running);
    assert!(status.detail.contains("restarted once"), "{status:?}");

    let logs = engine.logs(&t, &spec, 50).await.expect("logs");
    assert!(
        logs.contains("restarting in"),
        "the supervisor notes the crash: {logs}"
    );
    assert!(
        logs.contains("GET /hello.txt"),
        "the service's output is in the log: {logs}"
    );

    let group: u32 = std::fs::read_to_string(format!("{}/pid", spec.run_dir()))
        .expect("pid")
        .trim()
        .parse()
        .expect("a pid");
    assert!(!pids_with(&marker).is_empty(), "the grandchild runs");
    engine.stop(&t, &spec).await.expect("stop");
    assert!(pids_with(&marker).is_empty(), "no orphan left after stop");
    assert!(!alive(group), "the supervisor is gone");
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "nothing listens"
    );
    assert_eq!(
        engine.status(&t, &spec).await.expect("status").state,
        State::Stopped
    );

    // start again, then remove: nothing left running, the service dir stays.
    engine.start(&t, &spec).await.expect("start");
    wait_healthy(&t, &spec).await.expect("healthy after start");
    engine.remove(&t, &spec).await.expect("remove");
    assert!(pids_with(&marker).is_empty());
    assert!(
        std::path::Path::new(&spec.service_dir)
            .join("hello.txt")
            .exists()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_that_never_gets_healthy_fails_with_the_last_problem() {
    let dir = tempfile::tempdir().expect("tempdir");
    let base = dir.path().to_str().expect("utf-8").to_string();
    let port = free_port(202);
    let yaml = registry(&base, port, "sleep 600", "").replace("retries: 20", "retries: 2");
    let spec = spec(&yaml, "web");
    std::fs::create_dir_all(&spec.service_dir).expect("service dir");
    let t = Transport::Local(LocalTransport::new("here"));
    let engine = Engine::for_spec(&spec);
    engine.deploy(&t, &spec).await.expect("deploy");
    let started = std::time::Instant::now();
    let err = wait_healthy(&t, &spec).await.expect_err("never healthy");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "budget is interval x retries"
    );
    let text = err.to_string();
    assert!(
        text.contains(&format!("nothing listens on 127.0.0.1:{port} on `here`")),
        "{text}"
    );
    engine.stop(&t, &spec).await.expect("stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uv_service_syncs_frozen_and_runs() {
    if !require("uv", works("uv", &["--version"]), "pip install uv") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let base = dir.path().to_str().expect("utf-8").to_string();
    let port = free_port(303);
    let command = format!("uv run --frozen python -m http.server {port} --bind 127.0.0.1");
    let yaml = registry(&base, port, &command, "    python_manager: uv\n")
        .replace("/hello.txt", "/")
        .replace("expect_body: hello", "expect_body: pyproject.toml");
    let spec = spec(&yaml, "web");
    std::fs::create_dir_all(&spec.service_dir).expect("service dir");
    std::fs::write(
        format!("{}/pyproject.toml", spec.service_dir),
        "[project]\nname = \"tiny\"\nversion = \"0.1.0\"\nrequires-python = \">=3.8\"\ndependencies = []\n",
    )
    .expect("pyproject");
    let lock = std::process::Command::new("uv")
        .arg("lock")
        .current_dir(&spec.service_dir)
        .env("UV_PYTHON_DOWNLOADS", "never")
        .output()
        .expect("uv lock runs");
    assert!(
        lock.status.success(),
        "uv lock: {}",
        String::from_utf8_lossy(&lock.stderr)
    );
    let t = Transport::Local(LocalTransport::new("here"));
    let engine = Engine::for_spec(&spec);
    engine
        .deploy(&t, &spec)
        .await
        .expect("deploy with uv sync --frozen");
    assert!(
        std::path::Path::new(&spec.service_dir)
            .join(".venv")
            .is_dir(),
        "uv sync made the venv"
    );
    wait_healthy(&t, &spec).await.expect("healthy");
    engine.stop(&t, &spec).await.expect("stop");

    // A missing lock file fails deploy with uv's own message, before starting anything.
    std::fs::remove_file(format!("{}/uv.lock", spec.service_dir)).expect("rm lock");
    let err = engine
        .deploy(&t, &spec)
        .await
        .expect_err("frozen without a lock fails");
    assert!(err.to_string().contains("uv sync --frozen"), "{err}");
}

fn unsafe_kill(pid: u32) {
    let status = std::process::Command::new("kill")
        .arg("-KILL")
        .arg(pid.to_string())
        .status()
        .expect("kill runs");
    assert!(status.success());
}
