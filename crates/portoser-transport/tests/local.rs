//! The local transport against the real /bin/sh, and the fake transport's contract.

use portoser_transport::{
    Cmd, ExecOptions, ExecOutput, FakeTransport, LocalTransport, OutputChunk, Pool, Script,
    Transport, TransportError,
};
use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn local() -> Transport {
    Transport::Local(LocalTransport::new("here"))
}

fn opts(secs: u64) -> ExecOptions {
    ExecOptions::with_timeout(Duration::from_secs(secs))
}

fn temp_dir(tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("portoser-local-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("mkdir");
    dir
}

#[tokio::test]
async fn exec_reports_status_stdout_stderr_and_feeds_stdin() {
    let script = Script::from(Cmd::new("sh").args(["-c", "cat; echo err >&2; exit 3"]));
    let out = local()
        .exec(&script, opts(10).stdin(b"hello\n".to_vec()))
        .await
        .expect("runs");
    assert_eq!(out.status, Some(3));
    assert_eq!(out.stdout, b"hello\n");
    assert_eq!(out.stderr, b"err\n");
}

#[tokio::test]
async fn timeout_kills_the_whole_process_group() {
    let dir = temp_dir("timeout");
    let marker = dir.join("survived");
    // A grandchild that would write the marker after 2 s if it survived.
    let body = format!("(sleep 2; touch '{}') & sleep 30", marker.display());
    let script = Script::from(Cmd::new("sh").args(["-c", body.as_str()]));
    let started = Instant::now();
    let err = local()
        .exec(
            &script,
            ExecOptions::with_timeout(Duration::from_millis(300)),
        )
        .await
        .expect_err("times out");
    assert!(matches!(err, TransportError::Timeout { .. }), "{err}");
    assert!(started.elapsed() < Duration::from_secs(2));
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert!(!marker.exists(), "the background child was killed too");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn upload_is_atomic_with_mode_set() {
    let dir = temp_dir("upload");
    let target = dir.join("app.env");
    let path = target.to_string_lossy().into_owned();
    let t = local();
    t.upload(&path, b"SECRET=1\n", 0o600, Duration::from_secs(10))
        .await
        .expect("uploads");
    t.upload(&path, b"SECRET=2\n", 0o600, Duration::from_secs(10))
        .await
        .expect("replaces");
    assert_eq!(std::fs::read(&target).expect("read"), b"SECRET=2\n");
    let mode = std::fs::metadata(&target)
        .expect("stat")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let names: Vec<_> = std::fs::read_dir(&dir)
        .expect("ls")
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(names.len(), 1, "no temp file left: {names:?}");
    let missing = dir
        .join("no-such-dir")
        .join("f")
        .to_string_lossy()
        .into_owned();
    let err = t
        .upload(&missing, b"x", 0o644, Duration::from_secs(10))
        .await
        .expect_err("parent missing");
    assert!(matches!(err, TransportError::Io { .. }), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn connect_tcp_reaches_a_local_port() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        if let Ok((mut s, _)) = listener.accept().await {
            let mut buf = [0u8; 4];
            let _ = s.read_exact(&mut buf).await;
            let _ = s.write_all(&buf).await;
        }
    });
    let mut stream = local()
        .connect_tcp(port, Duration::from_secs(5))
        .await
        .expect("connects");
    stream.write_all(b"ping").await.expect("write");
    let mut back = [0u8; 4];
    stream.read_exact(&mut back).await.expect("read");
    assert_eq!(&back, b"ping");
    drop(stream);
    // A port nothing listens on (bound then released) is PortClosed, not a channel failure.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let err = local()
        .connect_tcp(closed, Duration::from_secs(5))
        .await
        .err()
        .expect("refused");
    assert_eq!(
        err.to_string(),
        format!("nothing listens on 127.0.0.1:{closed} on `here`")
    );
}

#[tokio::test]
async fn exec_stream_delivers_chunks_then_exit() {
    let script = Script::from(Cmd::new("sh").args(["-c", "echo a; echo b >&2; exit 4"]));
    let mut stream = local().exec_stream(&script).await.expect("starts");
    let (mut out, mut err, mut exit) = (Vec::new(), Vec::new(), None);
    while let Some(chunk) = stream.next().await {
        match chunk.expect("chunk") {
            OutputChunk::Stdout(d) => out.extend(d),
            OutputChunk::Stderr(d) => err.extend(d),
            OutputChunk::Exit(code) => exit = Some(code),
        }
    }
    assert_eq!(
        (out.as_slice(), err.as_slice(), exit),
        (&b"a\n"[..], &b"b\n"[..], Some(Some(4)))
    );
}

#[tokio::test]
async fn fake_records_scripts_answers_rules_and_serves_tcp() {
    let fake = FakeTransport::new("web1");
    fake.on("'docker'", Ok(ExecOutput::ok("generic")));
    fake.on("'docker' 'ps'", Ok(ExecOutput::failed(1, "daemon down")));
    fake.serve_tcp(8080, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    let pool = Pool::from_transports(vec![("web1".into(), Transport::Fake(fake.clone()))]);
    let t = pool.get("web1").await.expect("fake host");
    let ps = t
        .exec(&Cmd::new("docker").arg("ps").into(), opts(1))
        .await
        .expect("answers");
    assert_eq!(ps, ExecOutput::failed(1, "daemon down"));
    let up = t
        .exec(&Cmd::new("docker").arg("up").into(), opts(1))
        .await
        .expect("answers");
    assert_eq!(up.stdout, b"generic");
    let other = t
        .exec(&Cmd::new("true").into(), opts(1))
        .await
        .expect("default");
    assert!(other.success() && other.stdout.is_empty());
    assert_eq!(
        fake.scripts(),
        ["( 'docker' 'ps' )", "( 'docker' 'up' )", "( 'true' )"]
    );
    t.upload("/srv/.env", b"A=1", 0o600, Duration::from_secs(1))
        .await
        .expect("upload");
    assert_eq!(
        fake.file("/srv/.env").map(|u| (u.contents, u.mode)),
        Some((b"A=1".to_vec(), 0o600))
    );
    let mut s = t
        .connect_tcp(8080, Duration::from_secs(1))
        .await
        .expect("canned");
    s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .expect("write");
    let mut body = String::new();
    s.read_to_string(&mut body).await.expect("read");
    assert!(body.ends_with("\r\n\r\nok"), "{body}");
    assert!(matches!(
        t.connect_tcp(9, Duration::from_secs(1)).await,
        Err(TransportError::PortClosed { port: 9, .. })
    ));
    fake.set_delay(Duration::from_millis(200));
    let err = t
        .exec(
            &Cmd::new("x").into(),
            ExecOptions::with_timeout(Duration::from_millis(50)),
        )
        .await;
    assert!(matches!(err, Err(TransportError::Timeout { .. })));
    fake.lose_connection();
    let before = fake.scripts().len();
    let err = t.exec(&Cmd::new("x").into(), ExecOptions::default()).await;
    assert!(matches!(err, Err(TransportError::ConnectionLost { .. })));
    assert!(matches!(
        t.connect_tcp(8080, Duration::from_secs(1)).await,
        Err(TransportError::ConnectionLost { .. })
    ));
    assert_eq!(fake.scripts().len(), before, "nothing reaches a lost host");
}
