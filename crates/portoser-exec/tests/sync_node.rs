//! The sync node on the Local transport: the runner copies a service's project files to its
//! host, a second run finds them there and sends nothing, and a service without project files
//! still gets the "is it on the host" check.

mod common;

use common::*;
use portoser_engine::sync::{ServiceSources, SourceFile, SourceTree};
use portoser_exec::{CancelToken, EngineRunner, NodeRunner};
use portoser_plan::{Action, Node, NodeKind, Recorded};
use portoser_transport::{LocalTransport, Pool, Transport};

fn sync_node(service: &str) -> Node {
    Node {
        id: format!("{service}/sync"),
        service: Some(service.into()),
        host: "here".into(),
        kind: NodeKind::Sync,
        action: Action::Create,
        reasons: Vec::new(),
        depends_on: Vec::new(),
        steps: Vec::new(),
        diff: None,
    }
}

async fn run(runner: &EngineRunner, service: &str) -> Result<String, String> {
    runner
        .run(&sync_node(service), &CancelToken::new())
        .await
        .map(|o| o.message.unwrap_or_default())
        .map_err(|f| format!("{} | {}", f.message, f.notes.join(" | ")))
}

#[tokio::test]
async fn sync_copies_once_then_finds_the_files_there() {
    let host = tempfile::tempdir().expect("tempdir");
    let base = host.path().to_str().expect("utf-8");
    let reg = registry(&format!(
        "
hosts:
  here: {{ ip: 127.0.0.1, path: {base} }}
services:
  web:
    current_host: here
    deployment_type: docker
    docker_compose: web/compose.yml
  other:
    current_host: here
    deployment_type: docker
    docker_compose: other/compose.yml
"
    ));
    let tree = SourceTree::new(vec![
        SourceFile {
            path: "web/compose.yml".into(),
            mode: 0o644,
            contents: b"services: {}\n".to_vec(),
        },
        SourceFile {
            path: "web/.env".into(),
            mode: 0o600,
            contents: b"A=1\n".to_vec(),
        },
    ])
    .expect("tree");
    let sources = ServiceSources::new(Some("web".into()), tree).expect("sources");
    let pool = Pool::from_transports(vec![(
        "here".into(),
        Transport::Local(LocalTransport::new("here")),
    )]);
    let runner = EngineRunner::new(&reg, &Recorded::default(), pool)
        .with_sources([("web".to_string(), sources)]);

    assert_eq!(
        run(&runner, "web").await,
        Ok("copied 2 file(s), 17 B".into())
    );
    let env = host.path().join("web/.env");
    assert_eq!(std::fs::read_to_string(&env).unwrap(), "A=1\n");
    assert_eq!(
        run(&runner, "web").await,
        Ok("files already on the host".into())
    );
    let missing = run(&runner, "other").await.unwrap_err();
    assert!(
        missing.starts_with(&format!(
            "`{base}/other/compose.yml` does not exist on `here`"
        )),
        "{missing}"
    );
}
