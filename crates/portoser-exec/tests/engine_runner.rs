//! The engine runner: node kinds mapped to engine/transport calls. A scripted host
//! (`Transport::Fake`) shows what is sent; a real run on this machine (Local transport, the
//! local engine's supervisor, python3's http.server, a TCP health gate) shows it works.

mod common;

use common::*;
use portoser_exec::{ApplyOptions, EngineRunner, HookStep, NodeRunner, Outcome, RunOutcome};
use portoser_plan::{Action, Node, NodeKind, Recorded};
use portoser_transport::{ExecOutput, FakeTransport, Pool, Transport};
use std::sync::Arc;

const DOCKER: &str = "
hosts:
  h1: { ip: 10.0.0.1, path: /srv/p }
services:
  api:
    current_host: h1
    deployment_type: docker
    docker_compose: api/docker-compose.yml
    port: 8080
    hostname: api.example.lan
    secrets:
      DB_PASSWORD: kv/db#password
  db:
    current_host: h1
    deployment_type: docker
    docker_compose: db/docker-compose.yml
caddy:
  ingress_host: h1
";

fn fake_pool() -> (FakeTransport, Pool) {
    let fake = FakeTransport::new("h1");
    let pool = Pool::from_transports(vec![("h1".into(), Transport::Fake(fake.clone()))]);
    (fake, pool)
}

fn node_of(service: &str, kind: NodeKind) -> Node {
    Node {
        id: format!("{service}/{}", kind.as_str()),
        service: Some(service.to_string()),
        host: "h1".into(),
        kind,
        action: Action::Create,
        reasons: Vec::new(),
        depends_on: Vec::new(),
        steps: vec!["run on h1 \"echo hi\"".into()],
        diff: None,
    }
}

async fn run_node(runner: &EngineRunner, service: &str, kind: NodeKind) -> Result<String, String> {
    let cancel = portoser_exec::CancelToken::new();
    runner
        .run(&node_of(service, kind), &cancel)
        .await
        .map(|o| o.message.unwrap_or_default())
        .map_err(|f| {
            format!(
                "{}{}",
                f.message,
                f.notes
                    .iter()
                    .map(|n| format!(" | {n}"))
                    .collect::<String>()
            )
        })
}

#[tokio::test]
async fn each_node_kind_sends_what_it_should() {
    let reg = registry(DOCKER);
    let (fake, pool) = fake_pool();
    fake.on(
        "'test' '-f' '/srv/p/db/docker-compose.yml'",
        Ok(ExecOutput::failed(1, "")),
    );
    let runner = EngineRunner::new(&reg, &Recorded::default(), pool).with_hook(
        "db/hook",
        vec![
            HookStep::Run {
                host: "h1".into(),
                command: "echo 'it''s'; $(whoami)".into(),
            },
            HookStep::Unsupported("notify slack".into()),
        ],
    );

    assert_eq!(
        run_node(&runner, "api", NodeKind::Prepare).await,
        Ok(String::new())
    );
    assert_eq!(
        run_node(&runner, "api", NodeKind::Sync).await,
        Ok(String::new())
    );
    assert_eq!(
        run_node(&runner, "db", NodeKind::Sync).await,
        Err("`/srv/p/db/docker-compose.yml` does not exist on `h1` | it is not in the project, so portoser cannot copy it: put it on the host, or use a path relative to the project directory".into())
    );
    assert_eq!(
        run_node(&runner, "api", NodeKind::Secrets).await,
        Err("`api` has secrets but no Vault is configured (`vault:` in the registry)".into())
    );
    assert_eq!(
        run_node(&runner, "db", NodeKind::Secrets).await,
        Ok(String::new())
    );
    assert!(run_node(&runner, "api", NodeKind::Deploy).await.is_ok());
    let caddy = run_node(&runner, "api", NodeKind::Caddy).await;
    assert!(
        matches!(&caddy, Err(m) if m == "no Caddyfile was prepared for this run"),
        "{caddy:?}"
    );
    assert_eq!(
        run_node(&runner, "db", NodeKind::Health).await,
        Ok("no health check declared".into())
    );
    let hook = run_node(&runner, "db", NodeKind::Hook).await;
    assert_eq!(
        hook,
        Err("hook step `notify slack` is not supported in hooks yet".into())
    );
    let unwired = run_node(&runner, "api", NodeKind::Hook).await;
    assert_eq!(
        unwired,
        Err("running hooks is not supported yet (run on h1 \"echo hi\")".into())
    );

    let scripts = fake.scripts();
    let sent = |needle: &str| scripts.iter().any(|s| s.contains(needle));
    assert!(sent("'mkdir' '-p' '/srv/p/api'"), "{scripts:#?}");
    assert!(sent("'docker' 'compose'") && sent("'up'"), "{scripts:#?}");
    assert!(
        sent(r#"'sh' '-c' 'echo '\''it'\'''\''s'\''; $(whoami)'"#),
        "the hook command is one quoted argument: {scripts:#?}"
    );
}

#[tokio::test]
async fn an_unreachable_host_fails_its_nodes_with_the_transport_error() {
    let reg = registry(DOCKER);
    let pool = Pool::from_transports(Vec::new());
    let runner = EngineRunner::new(&reg, &Recorded::default(), pool);
    let got = run_node(&runner, "db", NodeKind::Deploy).await;
    assert!(matches!(&got, Err(m) if m.contains("h1")), "{got:?}");
}

/// Stops what the test started even when an assertion fails half-way.
struct Cleanup(std::path::PathBuf);

impl Drop for Cleanup {
    fn drop(&mut self) {
        let supervise = self.0.join(".portoser/bin/supervise");
        let run_dir = self.0.join(".portoser/run/web");
        if supervise.exists() {
            let _ = std::process::Command::new("sh")
                .arg(&supervise)
                .args(["stop"])
                .arg(&run_dir)
                .arg("1")
                .status();
        }
    }
}

fn local_fleet(base: &std::path::Path, with_web: bool) -> String {
    let web = "
  web:
    current_host: here
    deployment_type: local
    command: exec /usr/bin/python3 -m http.server 23817 --bind 127.0.0.1
    port: 23817
    health:
      type: tcp
      endpoint: \"23817\"
      interval: 200ms
      retries: 40
";
    format!(
        "hosts:\n  here:\n    connection: local\n    path: {}\nservices:\n  marker:\n    current_host: here\n    deployment_type: local\n    command: exec sleep 300\n{}",
        base.display(),
        if with_web { web } else { "" }
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_local_service_is_deployed_health_checked_recorded_and_removed_for_real() {
    if !std::path::Path::new("/usr/bin/python3").exists()
        || !std::path::Path::new("/usr/bin/setsid").exists()
    {
        let why = "SKIPPED: needs /usr/bin/python3 and setsid (apt-get install python3 util-linux)";
        assert!(std::env::var_os("CI").is_none(), "{why}");
        eprintln!("{why}");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let base = dir.path().join("host");
    std::fs::create_dir_all(&base).expect("base dir");
    let _cleanup = Cleanup(base.clone());
    let _marker_cleanup = MarkerCleanup(base.clone());
    let mut st = state();
    let pool = || {
        Pool::new(
            vec![portoser_transport::HostConfig {
                name: "here".into(),
                address: "127.0.0.1".into(),
                port: 22,
                user: "root".into(),
                key: None,
                local: true,
            }],
            portoser_transport::SshOptions::default(),
        )
    };

    let reg = registry(&local_fleet(&base, true));
    let recorded = st.db.recorded().expect("recorded");
    let planned = plan(&reg, &recorded);
    let runner = Arc::new(EngineRunner::new(&reg, &recorded, pool()));
    let (tx, _rx) = tokio::sync::mpsc::channel(1024);
    let report = portoser_exec::apply(
        &planned,
        &configs(&reg),
        runner,
        &mut st.db,
        &ApplyOptions::default(),
        &tx,
    )
    .await
    .expect("run opens");
    assert_eq!(
        report.outcome(),
        RunOutcome::Succeeded,
        "{}",
        portoser_exec::render::summary(&report)
    );
    assert!(
        matches!(&report.node("web/health").map(|n| &n.outcome), Some(Outcome::Succeeded { message: Some(m) }) if m.starts_with("healthy after"))
    );
    std::net::TcpStream::connect("127.0.0.1:23817").expect("the service answers");
    let names: Vec<String> = st
        .db
        .recorded()
        .expect("recorded")
        .services
        .keys()
        .cloned()
        .collect();
    assert_eq!(names, ["marker", "web"]);

    // web leaves the registry: its remove node stops it on the host and the state forgets it.
    let smaller = registry(&local_fleet(&base, false));
    let recorded = st.db.recorded().expect("recorded");
    let removal = plan(&smaller, &recorded);
    let runner = Arc::new(EngineRunner::new(&smaller, &recorded, pool()));
    let report = portoser_exec::apply(
        &removal,
        &configs(&smaller),
        runner,
        &mut st.db,
        &ApplyOptions::default(),
        &tx,
    )
    .await
    .expect("run opens");
    assert_eq!(
        report.outcome(),
        RunOutcome::Succeeded,
        "{}",
        portoser_exec::render::summary(&report)
    );
    assert!(
        std::net::TcpStream::connect("127.0.0.1:23817").is_err(),
        "the service is gone"
    );
    let names: Vec<String> = st
        .db
        .recorded()
        .expect("recorded")
        .services
        .keys()
        .cloned()
        .collect();
    assert_eq!(names, ["marker"]);
}

struct MarkerCleanup(std::path::PathBuf);

impl Drop for MarkerCleanup {
    fn drop(&mut self) {
        let supervise = self.0.join(".portoser/bin/supervise");
        if supervise.exists() {
            let run_dir = self.0.join(".portoser/run/marker");
            let _ = std::process::Command::new("sh")
                .arg(&supervise)
                .arg("stop")
                .arg(&run_dir)
                .arg("1")
                .status();
        }
    }
}
