//! The walk of a project's service files: what each engine gets, excludes, symlinks, caps,
//! and digests that only change when the files do.

use super::*;
use portoser_diag::{Diagnostics, Origin, SourceMap};
use std::os::unix::fs::symlink;

fn registry(yaml: &str) -> Registry {
    let mut map = SourceMap::default();
    let file = map.add("registry.yml", yaml, Origin::Project);
    let mut diags = Diagnostics::default();
    let reg = portoser_registry::load(&map, file, &mut diags);
    assert!(!diags.has_errors(), "{:?}", diags.into_sorted());
    reg.expect("registry loads")
}

const FLEET: &str = "
hosts:
  h1: { ip: 127.0.0.1, path: /srv/p }
services:
  api:
    current_host: h1
    deployment_type: docker
    docker_compose: ./api/docker-compose.yml
  root:
    current_host: h1
    deployment_type: docker
    docker_compose: docker-compose.yml
  elsewhere:
    current_host: h1
    deployment_type: docker
    docker_compose: /opt/stack/docker-compose.yml
  absent:
    current_host: h1
    deployment_type: docker
    docker_compose: nothere/docker-compose.yml
  worker:
    current_host: h1
    deployment_type: local
    working_dir: apps/worker
    service_file: services/worker.yml
";

fn write(dir: &Path, rel: &str, text: &str) {
    let path = dir.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    write(p, "api/docker-compose.yml", "services: {}\n");
    write(p, "api/.env", "A=1\n");
    write(p, "api/app/main.py", "print()\n");
    for junk in [
        ".git/HEAD",
        "node_modules/x/i.js",
        "app/__pycache__/m.pyc",
        ".venv/bin/py",
    ] {
        write(p, &format!("api/{junk}"), "junk");
    }
    write(p, "api/.portoser/sources.sha256", "forged");
    write(p, "docker-compose.yml", "services: {}\n");
    write(p, ".env", "ROOT=1\n");
    write(p, "apps/worker/app.py", "print('w')\n");
    write(p, "apps/worker/run.sh", "#!/bin/sh\n");
    fs::set_permissions(
        p.join("apps/worker/run.sh"),
        fs::Permissions::from_mode(0o750),
    )
    .unwrap();
    write(p, "services/worker.yml", "start: python3 app.py\n");
    write(p, "registry.yml", "not sent");
    dir
}

fn paths(s: &ServiceSources) -> Vec<(&str, u32)> {
    s.tree
        .files()
        .iter()
        .map(|f| (f.path.as_str(), f.mode))
        .collect()
}

#[test]
fn each_engine_gets_its_directory_and_files_and_nothing_excluded() {
    let dir = project();
    let read = read_sources(dir.path(), &registry(FLEET), &Limits::default());
    assert!(read.diagnostics.is_empty(), "{:?}", read.diagnostics);
    let api = &read.services["api"];
    assert_eq!(api.root.as_deref(), Some("api"));
    assert_eq!(
        paths(api),
        [
            ("api/.env", 0o644),
            ("api/app/main.py", 0o644),
            ("api/docker-compose.yml", 0o644)
        ]
    );
    let root = &read.services["root"];
    assert_eq!(root.root, None);
    assert_eq!(
        paths(root),
        [(".env", 0o644), ("docker-compose.yml", 0o644)]
    );
    let worker = &read.services["worker"];
    assert_eq!(worker.root.as_deref(), Some("apps/worker"));
    assert_eq!(
        paths(worker),
        [
            ("apps/worker/app.py", 0o644),
            ("apps/worker/run.sh", 0o750),
            ("services/worker.yml", 0o644)
        ]
    );
    assert!(
        !read.services.contains_key("elsewhere"),
        "an absolute path is the host's"
    );
    assert!(
        !read.services.contains_key("absent"),
        "a missing file is checked on the host"
    );
}

#[test]
fn symlinks_are_followed_only_to_files_inside_the_directory_sent() {
    let dir = project();
    let w = dir.path().join("apps/worker");
    symlink("app.py", w.join("alias.py")).unwrap();
    symlink("/etc/hostname", w.join("host.txt")).unwrap();
    symlink("../../registry.yml", w.join("up.yml")).unwrap();
    symlink("missing", w.join("dangling")).unwrap();
    fs::create_dir(w.join("sub")).unwrap();
    symlink("sub", w.join("subdir")).unwrap();
    let read = read_sources(dir.path(), &registry(FLEET), &Limits::default());
    let worker = &read.services["worker"];
    let alias = worker
        .tree
        .files()
        .iter()
        .find(|f| f.path == "apps/worker/alias.py");
    assert_eq!(
        alias.map(|f| f.contents.as_slice()),
        Some(&b"print('w')\n"[..])
    );
    assert!(
        !worker
            .tree
            .files()
            .iter()
            .any(|f| f.path.ends_with("host.txt"))
    );
    let skipped = read.skipped.join("\n");
    for expected in [
        "worker: apps/worker/dangling: a dangling symlink",
        "worker: apps/worker/host.txt: a symlink to `/etc/hostname`, outside the directory sent",
        "worker: apps/worker/subdir: a symlink to a directory (not followed)",
        "outside the directory sent",
    ] {
        assert!(skipped.contains(expected), "{expected} not in:\n{skipped}");
    }
    assert!(skipped.contains("apps/worker/up.yml"), "{skipped}");
}

#[test]
fn caps_are_located_errors_not_silent_truncation() {
    let dir = project();
    write(dir.path(), "apps/worker/big.bin", &"x".repeat(5000));
    let limits = Limits {
        max_bytes: 4096,
        ..Limits::default()
    };
    let read = read_sources(dir.path(), &registry(FLEET), &limits);
    assert!(!read.services.contains_key("worker"));
    let [d] = read.diagnostics.as_slice() else {
        panic!("one diagnostic: {:?}", read.diagnostics)
    };
    assert_eq!(d.code, "E0003");
    assert!(
        d.message.starts_with("the files of `worker` are more than"),
        "{}",
        d.message
    );
    assert!(d.primary.is_some(), "located at the registry entry");
    let few = Limits {
        max_files: 2,
        ..Limits::default()
    };
    let read = read_sources(dir.path(), &registry(FLEET), &few);
    let messages: Vec<&str> = read
        .diagnostics
        .iter()
        .map(|d| d.message.as_str())
        .collect();
    assert!(
        messages.contains(&"the files of `api` are more than 2 files"),
        "{messages:?}"
    );
    let shallow = Limits {
        max_depth: 0,
        ..Limits::default()
    };
    let read = read_sources(dir.path(), &registry(FLEET), &shallow);
    let messages: Vec<&str> = read
        .diagnostics
        .iter()
        .map(|d| d.message.as_str())
        .collect();
    assert!(
        messages.contains(&"`api/app` is nested too deep to sync"),
        "{messages:?}"
    );
}

#[test]
fn digests_change_with_contents_and_modes_only() {
    let dir = project();
    let reg = registry(FLEET);
    let digests = || read_sources(dir.path(), &reg, &Limits::default()).digests();
    let first = digests();
    assert_eq!(first, digests(), "reading twice gives the same digests");
    let app = dir.path().join("apps/worker/app.py");
    let text = fs::read(&app).unwrap();
    fs::write(&app, &text).unwrap(); // a new mtime, the same bytes
    assert_eq!(first, digests());
    fs::write(&app, "print('changed')\n").unwrap();
    let changed = digests();
    assert_ne!(first["worker"].hash, changed["worker"].hash);
    assert_eq!(first["api"], changed["api"]);
    let differs: Vec<&String> = changed["worker"]
        .files
        .iter()
        .filter(|(p, d)| first["worker"].files.get(*p) != Some(*d))
        .map(|(p, _)| p)
        .collect();
    assert_eq!(differs, ["apps/worker/app.py"]);
    fs::set_permissions(&app, fs::Permissions::from_mode(0o755)).unwrap();
    assert_ne!(changed["worker"].hash, digests()["worker"].hash);
}

#[test]
fn paths_that_leave_the_project_or_name_it_whole_give_nothing() {
    for bad in ["/abs", "../up", "a/../../b", ".", "./", "x/.portoser"] {
        assert_eq!(relative(bad), None, "{bad}");
    }
    assert_eq!(relative("./a//b/").as_deref(), Some("a/b"));
}
