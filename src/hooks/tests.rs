//! A hook written in a playbook checks, converts and runs against the Fake transport with
//! the exact quoted command; hostile text in `run` arrives as ONE `sh -c` argument.

use super::*;
use portoser_diag::{Diagnostics, Origin, SourceMap};
use portoser_exec::{CancelToken, EngineRunner, NodeRunner};
use portoser_plan::{Action, Node, NodeKind, Recorded};
use portoser_transport::{FakeTransport, Pool, Transport};

const REGISTRY: &str = "
hosts:
  h1: { ip: 10.0.0.1, path: /srv/p }
services:
  api:
    current_host: h1
    deployment_type: local
    command: python3 -m http.server 8080
    port: 8080
";

const HOOK: &str = r#"
allow shell for api
hook after deploy of api {
  run on api.host: "echo 'it''s' \"$(whoami)\"; rm -rf / #" + "\n-x" timeout 2m
  log("done on " + host.name)
  notify("deployed")
}
"#;

fn checked() -> (portoser_registry::Registry, portoser_check::Checked) {
    let mut map = SourceMap::new();
    let mut diags = Diagnostics::new();
    let reg_id = map.add("registry.yml", REGISTRY, Origin::Project);
    let registry = portoser_registry::load(&map, reg_id, &mut diags).expect("registry loads");
    let id = map.add("playbooks/hooks.pbk", HOOK, Origin::Project);
    let file = portoser_syntax::parse(&map, id, &mut diags);
    let checked = portoser_check::check(&registry, &[file], &map, &mut diags);
    assert!(!diags.has_errors(), "{:?}", diags.into_sorted());
    (registry, checked)
}

#[test]
fn converts_typed_steps() {
    let (_, checked) = checked();
    let steps = hook_steps(&checked.hooks[0]);
    assert_eq!(
        steps,
        vec![
            HookStep::RunWithin {
                host: "h1".into(),
                command: "echo 'it''s' \"$(whoami)\"; rm -rf / #\n-x".into(),
                timeout: Duration::from_secs(120),
            },
            HookStep::Log("done on h1".into()),
            HookStep::Unsupported("notify(msg: \"deployed\")".into()),
        ]
    );
}

#[tokio::test]
async fn runs_on_the_fake_transport_with_one_quoted_argument() {
    let (registry, checked) = checked();
    let mut steps = hook_steps(&checked.hooks[0]);
    steps.pop(); // notify: checked below on its own
    let fake = FakeTransport::new("h1");
    let pool = Pool::from_transports(vec![("h1".into(), Transport::Fake(fake.clone()))]);
    let runner = EngineRunner::new(&registry, &Recorded::default(), pool)
        .with_hook("api/after-deploy", steps)
        .with_hook(
            "api/notify",
            vec![HookStep::Unsupported("notify(msg: \"x\")".into())],
        );
    let node = |id: &str| Node {
        id: id.into(),
        service: Some("api".into()),
        host: "h1".into(),
        kind: NodeKind::Hook,
        action: Action::Create,
        reasons: Vec::new(),
        depends_on: Vec::new(),
        steps: Vec::new(),
        diff: None,
    };
    let cancel = CancelToken::new();
    let out = runner.run(&node("api/after-deploy"), &cancel).await;
    let message = out
        .map(|o| o.message.unwrap_or_default())
        .map_err(|f| f.message);
    assert_eq!(message, Ok("2 step(s): done on h1".to_string()));
    // The whole command, hostile text included, is the single argument after `-c`.
    let sent = "'sh' '-c' 'echo '\\''it'\\'''\\''s'\\'' \"$(whoami)\"; rm -rf / #\n-x'";
    assert_eq!(fake.scripts(), vec![format!("( {sent} )")]);
    // A real shell sees exactly two arguments after `sh`: `-c` and the whole command.
    let probe = sent.replacen("'sh' '-c' ", "printf '%s\\0' ", 1);
    let out = std::process::Command::new("/bin/sh")
        .arg("-c")
        .arg(&probe)
        .output()
        .expect("/bin/sh runs");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "echo 'it''s' \"$(whoami)\"; rm -rf / #\n-x\0"
    );
    let failed = runner.run(&node("api/notify"), &cancel).await;
    assert!(
        matches!(&failed, Err(f) if f.message.contains("not supported in hooks yet")),
        "{:?}",
        failed.map(|o| o.message)
    );
}

/// A "plain binary" engine written in .pbk, checked, converted and run with the Local
/// transport: deploy starts python3's http.server in its own session, status sees it,
/// stop ends it and status sees that too.
#[tokio::test]
async fn a_pbk_engine_deploys_and_stops_a_python_http_server() {
    if which("python3").is_none() || which("setsid").is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI needs python3 and setsid"
        );
        eprintln!("SKIPPED: python3 or setsid is missing");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let base = dir.path().display().to_string();
    let registry_text = format!(
        "hosts:\n  me: {{ ip: 127.0.0.1, path: {base}, connection: local }}\nservices:\n  web:\n    current_host: me\n    deployment_type: binary\n    port: 23871\n"
    );
    let engine = r#"
engine binary {
  deploy {
    run on host: "mkdir -p \"$PORTOSER_SERVICE_DIR\"; cd \"$PORTOSER_SERVICE_DIR\" || exit 1; setsid python3 -m http.server " + service.port + " --bind 127.0.0.1 >server.log 2>&1 </dev/null & echo $! >\"$PORTOSER_SERVICE_DIR/pid\"" timeout 20s
    run on host: "for i in $(seq 50); do python3 -c 'import socket,sys; socket.create_connection((\"127.0.0.1\", int(sys.argv[1])), 1)' $PORTOSER_PORT 2>/dev/null && exit 0; sleep 0.1; done; exit 1"
    log("started " + service.name)
  }
  stop { run on host: "kill $(cat \"$PORTOSER_SERVICE_DIR/pid\"); for i in $(seq 50); do python3 -c 'import socket,sys; socket.create_connection((\"127.0.0.1\", int(sys.argv[1])), 1)' $PORTOSER_PORT 2>/dev/null || exit 0; sleep 0.1; done; exit 1" }
  status { run on host: "python3 -c 'import socket,sys; socket.create_connection((\"127.0.0.1\", int(sys.argv[1])), 1)' $PORTOSER_PORT" }
}
"#;
    let mut map = SourceMap::new();
    let mut diags = Diagnostics::new();
    let reg_id = map.add("registry.yml", registry_text, Origin::Project);
    let registry = portoser_registry::load(&map, reg_id, &mut diags).expect("registry loads");
    let id = map.add("playbooks/binary.pbk", engine, Origin::Project);
    let file = portoser_syntax::parse(&map, id, &mut diags);
    let checked = portoser_check::check(&registry, &[file], &map, &mut diags);
    assert!(!diags.has_errors(), "{:?}", diags.into_sorted());
    let def = custom_engine(&checked.engines[0], "web").expect("web uses binary");
    let service = registry.service("web").expect("web");
    let spec = portoser_engine::ServiceSpec::from_registry(&registry, service).expect("spec");
    let engine = portoser_engine::Engine::Custom(def);
    let t = Transport::Local(portoser_transport::LocalTransport::new("me"));
    engine.deploy(&t, &spec).await.expect("deploy");
    let up = engine.status(&t, &spec).await.expect("status");
    assert_eq!(up.state, portoser_engine::State::Running, "{up:?}");
    let body = std::net::TcpStream::connect(("127.0.0.1", 23871)).is_ok();
    engine.stop(&t, &spec).await.expect("stop");
    let down = engine.status(&t, &spec).await.expect("status");
    assert!(body, "the server answered");
    assert_eq!(down.state, portoser_engine::State::Stopped, "{down:?}");
    assert!(std::net::TcpStream::connect(("127.0.0.1", 23871)).is_err());
}

fn which(program: &str) -> Option<std::path::PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|d| std::path::Path::new(d).join(program))
        .find(|p| p.is_file())
}
