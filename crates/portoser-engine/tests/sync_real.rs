//! `sync` on the Local transport, for real (sh, GNU tar, mv on this machine): a temp
//! "host" base directory receives a service's files with their modes; a second sync sends
//! nothing; a change replaces the tree and keeps what the service wrote; a broken transfer
//! leaves the running tree as it was; an interrupted swap is finished by the next sync.

mod common;

use common::{require, spec, works};
use portoser_engine::ServiceSpec;
use portoser_engine::sync::{
    MARKER, ServiceSources, SourceFile, SourceTree, SyncOutcome, host_digest, swap_script, sync,
};
use portoser_transport::{ExecOptions, LocalTransport, Transport};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::time::Duration;

fn worker(base: &str) -> ServiceSpec {
    let yaml = format!(
        "
hosts:
  here: {{ ip: 127.0.0.1, path: {base} }}
services:
  worker:
    current_host: here
    deployment_type: local
    working_dir: apps/worker
    command: python3 app.py
"
    );
    spec(&yaml, "worker")
}

fn file(path: &str, mode: u32, text: &str) -> SourceFile {
    SourceFile {
        path: path.into(),
        mode,
        contents: text.as_bytes().to_vec(),
    }
}

fn sources(files: Vec<SourceFile>) -> ServiceSources {
    let tree = SourceTree::new(files).expect("valid tree");
    ServiceSources::new(Some("apps/worker".into()), tree).expect("valid root")
}

fn v1() -> ServiceSources {
    sources(vec![
        file("apps/worker/app.py", 0o644, "print('v1')\n"),
        file("apps/worker/run.sh", 0o755, "#!/bin/sh\n"),
        file("apps/worker/conf/secret.env", 0o600, "A=1\n"),
        file("apps/worker/gone.py", 0o644, "old\n"),
        file("service.yml", 0o644, "start: python3 app.py\n"),
    ])
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .expect("exists")
        .permissions()
        .mode()
        & 0o777
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn ready() -> bool {
    require(
        "sh and tar",
        works("sh", &["-c", "exit 0"]) && works("tar", &["--version"]),
        "apt-get install -y tar",
    )
}

#[tokio::test]
async fn files_arrive_with_modes_and_a_second_sync_sends_nothing() {
    if !ready() {
        return;
    }
    let host = tempfile::tempdir().expect("tempdir");
    let base = host.path().to_str().expect("utf-8");
    let spec = worker(base);
    let t = Transport::Local(LocalTransport::new("here"));
    let src = v1();

    let first = sync(&t, &spec, &src).await.expect("first sync");
    assert_eq!(
        first,
        SyncOutcome::Copied {
            files: 5,
            bytes: 52
        }
    );
    let dir = host.path().join("apps/worker");
    assert_eq!(read(&dir.join("app.py")), "print('v1')\n");
    assert_eq!(mode(&dir.join("app.py")), 0o644);
    assert_eq!(mode(&dir.join("run.sh")), 0o755);
    assert_eq!(mode(&dir.join("conf/secret.env")), 0o600);
    assert_eq!(
        read(&host.path().join("service.yml")),
        "start: python3 app.py\n"
    );
    let marker = dir.join(MARKER);
    assert_eq!(read(&marker).trim(), src.digest());
    assert_eq!(src.marker_path(&spec), marker.to_str().unwrap());
    let leftovers: Vec<_> = std::fs::read_dir(host.path().join("apps"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(leftovers, ["worker"], "no temp trees stay beside it");

    let inode = std::fs::metadata(dir.join("app.py")).unwrap().ino();
    let second = sync(&t, &spec, &src).await.expect("second sync");
    assert_eq!(second, SyncOutcome::Unchanged);
    let after = std::fs::metadata(dir.join("app.py")).unwrap().ino();
    assert_eq!(inode, after, "an unchanged sync rewrites nothing");
}

#[tokio::test]
async fn a_change_replaces_the_tree_and_keeps_what_the_service_wrote() {
    if !ready() {
        return;
    }
    let host = tempfile::tempdir().expect("tempdir");
    let base = host.path().to_str().expect("utf-8");
    let spec = worker(base);
    let t = Transport::Local(LocalTransport::new("here"));
    sync(&t, &spec, &v1()).await.expect("first sync");
    let dir = host.path().join("apps/worker");
    // What the service and `uv sync` write there: not portoser's, so it stays.
    std::fs::create_dir_all(dir.join(".venv/bin")).unwrap();
    std::fs::write(dir.join(".venv/bin/python"), "venv").unwrap();
    std::fs::write(dir.join("data.db"), "rows").unwrap();

    let v2 = sources(vec![
        file("apps/worker/app.py", 0o755, "print('v2')\n"),
        file("apps/worker/run.sh", 0o755, "#!/bin/sh\n"),
        file("apps/worker/conf/secret.env", 0o600, "A=2\n"),
        file("service.yml", 0o644, "start: python3 app.py\n"),
    ]);
    let out = sync(&t, &spec, &v2).await.expect("changed sync");
    assert!(
        matches!(out, SyncOutcome::Copied { files: 4, .. }),
        "{out:?}"
    );
    assert_eq!(read(&dir.join("app.py")), "print('v2')\n");
    assert_eq!(mode(&dir.join("app.py")), 0o755);
    assert_eq!(read(&dir.join("conf/secret.env")), "A=2\n");
    assert!(
        !dir.join("gone.py").exists(),
        "a file removed from the project goes"
    );
    assert_eq!(read(&dir.join(".venv/bin/python")), "venv");
    assert_eq!(read(&dir.join("data.db")), "rows");
    assert_eq!(
        host_digest(&t, &v2.marker_path(&spec)).await.unwrap(),
        Some(v2.digest())
    );
}

#[tokio::test]
async fn a_broken_transfer_leaves_the_old_tree_and_the_next_sync_completes() {
    if !ready() {
        return;
    }
    let host = tempfile::tempdir().expect("tempdir");
    let base = host.path().to_str().expect("utf-8");
    let spec = worker(base);
    let t = Transport::Local(LocalTransport::new("here"));
    let src = v1();
    sync(&t, &spec, &src).await.expect("first sync");
    let dir = host.path().join("apps/worker");

    let v2 = sources(vec![file("apps/worker/app.py", 0o644, &"x".repeat(20_000))]);
    let archive = v2.archive().expect("archive");
    let cut = archive.get(..archive.len() / 3).unwrap().to_vec();
    let options = ExecOptions::with_timeout(Duration::from_secs(30)).stdin(cut);
    let out = t
        .exec(&swap_script(dir.to_str().unwrap()), options)
        .await
        .expect("exec");
    assert!(!out.success(), "a truncated archive must fail");
    assert_eq!(
        read(&dir.join("app.py")),
        "print('v1')\n",
        "the old tree runs on"
    );
    assert_eq!(read(&dir.join(MARKER)).trim(), src.digest());

    let out = sync(&t, &spec, &v2).await.expect("the next sync");
    assert!(matches!(out, SyncOutcome::Copied { .. }));
    assert_eq!(read(&dir.join("app.py")).len(), 20_000);
}

#[tokio::test]
async fn an_interrupted_swap_is_finished_by_the_next_sync() {
    if !ready() {
        return;
    }
    let host = tempfile::tempdir().expect("tempdir");
    let base = host.path().to_str().expect("utf-8");
    let spec = worker(base);
    let t = Transport::Local(LocalTransport::new("here"));
    sync(&t, &spec, &v1()).await.expect("first sync");
    let dir = host.path().join("apps/worker");
    std::fs::write(dir.join("data.db"), "rows").unwrap();
    // Stopped between `mv dir old` and `mv new dir`.
    let old = host.path().join("apps/.worker.portoser-old");
    std::fs::rename(&dir, &old).unwrap();

    let v2 = sources(vec![file("apps/worker/app.py", 0o644, "print('v2')\n")]);
    sync(&t, &spec, &v2)
        .await
        .expect("sync after the interruption");
    assert_eq!(read(&dir.join("app.py")), "print('v2')\n");
    assert_eq!(
        read(&dir.join("data.db")),
        "rows",
        "the service's data survived"
    );
    assert!(!old.exists());
}

#[tokio::test]
async fn without_a_root_single_files_are_uploaded_and_marked_in_the_service_dir() {
    if !ready() {
        return;
    }
    let host = tempfile::tempdir().expect("tempdir");
    let base = host.path().to_str().expect("utf-8");
    let spec = worker(base);
    let t = Transport::Local(LocalTransport::new("here"));
    let tree = SourceTree::new(vec![file("docker-compose.yml", 0o640, "services: {}\n")]).unwrap();
    let src = ServiceSources::new(None, tree).unwrap();
    assert_eq!(
        sync(&t, &spec, &src).await.unwrap(),
        SyncOutcome::Copied {
            files: 1,
            bytes: 13
        }
    );
    let compose = host.path().join("docker-compose.yml");
    assert_eq!(read(&compose), "services: {}\n");
    assert_eq!(mode(&compose), 0o640);
    let marker = Path::new(&spec.service_dir).join(MARKER);
    assert_eq!(read(&marker).trim(), src.digest());
    assert_eq!(sync(&t, &spec, &src).await.unwrap(), SyncOutcome::Unchanged);
}

#[tokio::test]
async fn hostile_names_arrive_as_literal_names() {
    if !ready() {
        return;
    }
    let host = tempfile::tempdir().expect("tempdir");
    let base = host.path().to_str().expect("utf-8");
    let spec = worker(base);
    let t = Transport::Local(LocalTransport::new("here"));
    let root = "-rf $(touch pwned) 'q'; x";
    let names = [
        "-n",
        "a b",
        "$(touch pwned2)",
        "semi;colon",
        "new\nline",
        "ünï",
    ];
    let files = names
        .iter()
        .map(|n| file(&format!("{root}/{n}"), 0o644, n))
        .collect();
    let tree = SourceTree::new(files).expect("tree");
    let src = ServiceSources::new(Some(root.into()), tree).expect("sources");
    sync(&t, &spec, &src).await.expect("sync");
    for n in names {
        assert_eq!(read(&host.path().join(root).join(n)), n);
    }
    let changed = ServiceSources::new(
        Some(root.into()),
        SourceTree::new(vec![file(&format!("{root}/-n"), 0o600, "v2")]).unwrap(),
    )
    .unwrap();
    sync(&t, &spec, &changed).await.expect("second sync");
    assert_eq!(read(&host.path().join(root).join("-n")), "v2");
    assert!(
        !host.path().join(root).join("new\nline").exists(),
        "dropped from the project"
    );
    assert!(!Path::new("pwned").exists() && !host.path().join("pwned").exists());
    assert!(!Path::new("pwned2").exists());
}
