//! The SSH transport against a real OpenSSH server (tests/support/sshd.rs): commands, hostile
//! arguments, uploads, TCP forwarding, timeouts, host key checks, auth failures, the pool.

mod support;

use portoser_transport::{
    Cmd, ExecOptions, OutputChunk, Pool, Script, SshTransport, Transport, TransportError,
    scan_host_key,
};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::hostile::HOSTILE;
use support::sshd::{self, Sshd};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn opts(secs: u64) -> ExecOptions {
    ExecOptions::with_timeout(Duration::from_secs(secs))
}

async fn connect(sshd: &Sshd) -> Transport {
    match SshTransport::connect(&sshd.host(None), &sshd.options()).await {
        Ok(t) => Transport::Ssh(t),
        Err(e) => panic!("connect failed: {e}\nsshd log:\n{}", sshd.log()),
    }
}

fn sh(body: &str) -> Script {
    Script::from(Cmd::new("sh").args(["-c", body]))
}

#[tokio::test]
async fn exec_status_stdout_stderr_and_stdin() {
    let Some(sshd) = Sshd::start("exec") else {
        return;
    };
    let t = connect(&sshd).await;
    let out = t
        .exec(
            &sh("cat; echo oops >&2; exit 7"),
            opts(10).stdin(b"in\nput".to_vec()),
        )
        .await
        .expect("exec");
    assert_eq!(out.status, Some(7));
    assert_eq!(out.stdout, b"in\nput");
    assert_eq!(out.stderr, b"oops\n");
    let who = t
        .exec(&Cmd::new("id").arg("-un").into(), opts(10))
        .await
        .expect("id");
    assert_eq!(who.stdout_text().trim(), sshd::USER);
}

#[tokio::test]
async fn hostile_values_arrive_as_single_literal_arguments_over_ssh() {
    let Some(sshd) = Sshd::start("hostile") else {
        return;
    };
    let t = connect(&sshd).await;
    let values: Vec<String> = HOSTILE.iter().map(|s| s.to_string()).collect();
    let script = Script::from(Cmd::new("printf").arg("%s\\0").args(values.iter().cloned()));
    let out = t.exec(&script, opts(10)).await.expect("exec");
    assert!(out.success(), "{}", out.stderr_text());
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let mut words: Vec<String> = text.split('\0').map(str::to_string).collect();
    assert_eq!(words.pop().as_deref(), Some(""));
    assert_eq!(words, values);
    // Environment values and a hostile working directory stay literal too.
    let weird = sshd.dir.join("shared").join("-a dir; $(x)");
    std::fs::create_dir_all(&weird).expect("mkdir");
    for value in HOSTILE {
        let cmd = Cmd::new("sh")
            .args(["-c", "printf '%s\\0%s\\0' \"$V\" \"$(pwd)\""])
            .env("V", *value)
            .cwd(weird.to_string_lossy());
        let out = t.exec(&cmd.into(), opts(10)).await.expect("exec");
        let expected = format!("{value}\0{}\0", weird.display());
        assert_eq!(String::from_utf8_lossy(&out.stdout), expected);
    }
    assert!(!std::path::Path::new("/tmp/portoser-pwned").exists());
}

#[tokio::test]
async fn upload_sets_mode_before_data_and_leaves_no_temp() {
    let Some(sshd) = Sshd::start("upload") else {
        return;
    };
    let t = connect(&sshd).await;
    let dir = sshd.dir.join("shared");
    let target = dir.join("app.env").to_string_lossy().into_owned();
    let big = vec![b'x'; 300_000];
    t.upload(&target, &big, 0o600, Duration::from_secs(10))
        .await
        .expect("upload");
    t.upload(&target, b"KEY=v\n", 0o600, Duration::from_secs(10))
        .await
        .expect("again");
    let stat = t
        .exec(
            &Cmd::new("stat")
                .args(["-c", "%a %U %s", target.as_str()])
                .into(),
            opts(10),
        )
        .await
        .expect("stat");
    assert_eq!(stat.stdout_text().trim(), format!("600 {} 6", sshd::USER));
    let ls = t
        .exec(
            &Cmd::new("ls").arg("-A").arg(dir.to_string_lossy()).into(),
            opts(10),
        )
        .await
        .expect("ls");
    assert_eq!(ls.stdout_text(), "app.env\n", "no temp file left");
    let err = t
        .upload("/root/not-allowed/x", b"x", 0o644, Duration::from_secs(10))
        .await
        .expect_err("no permission");
    assert!(matches!(err, TransportError::Io { .. }), "{err}");
    assert!(err.to_string().contains("/root/not-allowed/x"), "{err}");
}

#[tokio::test]
async fn connect_tcp_reaches_a_port_on_the_host() {
    let Some(sshd) = Sshd::start("tcp") else {
        return;
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        if let Ok((mut s, _)) = listener.accept().await {
            let mut req = [0u8; 5];
            let _ = s.read_exact(&mut req).await;
            let _ = s.write_all(b"HTTP/1.0 200 OK\r\n\r\nhello").await;
        }
    });
    let t = connect(&sshd).await;
    let mut stream = t
        .connect_tcp(port, Duration::from_secs(5))
        .await
        .expect("channel");
    stream.write_all(b"GET /").await.expect("write");
    let mut body = String::new();
    stream.read_to_string(&mut body).await.expect("read");
    assert_eq!(body, "HTTP/1.0 200 OK\r\n\r\nhello");
    let closed = sshd::free_port();
    assert!(t.connect_tcp(closed, Duration::from_secs(5)).await.is_err());
}

#[tokio::test]
async fn timeout_kills_the_remote_command_and_its_children() {
    let Some(sshd) = Sshd::start("timeout") else {
        return;
    };
    let t = connect(&sshd).await;
    let marker = sshd.dir.join("shared").join("survived");
    let body = format!("(sleep 2; touch '{}') & sleep 30", marker.display());
    let started = Instant::now();
    let err = t
        .exec(
            &sh(&body),
            ExecOptions::with_timeout(Duration::from_millis(700)),
        )
        .await
        .expect_err("times out");
    assert!(matches!(err, TransportError::Timeout { .. }), "{err}");
    assert!(started.elapsed() < Duration::from_secs(2));
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert!(!marker.exists(), "the remote child survived the timeout");
    // A caller that gives up (drops the future) kills the command the same way.
    let marker2 = sshd.dir.join("shared").join("survived-cancel");
    let body2 = format!("(sleep 2; touch '{}') & sleep 30", marker2.display());
    let script2 = sh(&body2);
    let gave_up =
        tokio::time::timeout(Duration::from_millis(500), t.exec(&script2, opts(60))).await;
    assert!(gave_up.is_err(), "still running when dropped");
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert!(
        !marker2.exists(),
        "the remote child survived a dropped exec"
    );
    // The connection is still usable.
    let out = t
        .exec(&Cmd::new("true").into(), opts(10))
        .await
        .expect("still connected");
    assert!(out.success());
}

#[tokio::test]
async fn unknown_host_key_is_refused_with_its_fingerprint_and_scan_matches() {
    let Some(sshd) = Sshd::start("unknown") else {
        return;
    };
    let expected = sshd::fingerprint(&sshd.host_pub());
    let options = sshd.options_with("empty_known_hosts", "# nothing yet\n", false);
    let err = SshTransport::connect(&sshd.host(None), &options)
        .await
        .err()
        .expect("refused");
    match &err {
        TransportError::HostKeyUnknown { fingerprint, .. } => assert_eq!(fingerprint, &expected),
        other => panic!("expected HostKeyUnknown, got {other}"),
    }
    assert!(err.to_string().contains(&expected));
    let scanned = scan_host_key("127.0.0.1", sshd.port, Duration::from_secs(5))
        .await
        .expect("scan");
    assert_eq!(scanned.fingerprint, expected);
    assert_eq!(
        format!("{}\n", scanned.known_hosts_line),
        sshd.known_hosts_line()
    );
}

#[tokio::test]
async fn changed_host_key_is_refused_even_with_trust_on_first_use() {
    let Some(sshd) = Sshd::start("changed") else {
        return;
    };
    let other = sshd.dir.join("other_host_key");
    sshd::keygen(&other, "ed25519").expect("keygen");
    let other_pub = std::fs::read_to_string(other.with_extension("pub")).expect("read");
    let line = format!("[127.0.0.1]:{} {other_pub}", sshd.port);
    let options = sshd.options_with("changed_known_hosts", &line, true);
    let err = SshTransport::connect(&sshd.host(None), &options)
        .await
        .err()
        .expect("refused");
    assert!(
        matches!(err, TransportError::HostKeyChanged { line: 1, .. }),
        "{err}"
    );
    let after = std::fs::read_to_string(&options.known_hosts).expect("read");
    assert_eq!(after, line, "nothing was recorded");
}

#[tokio::test]
async fn trust_on_first_use_records_the_key() {
    let Some(sshd) = Sshd::start("tofu") else {
        return;
    };
    let options = sshd.options_with("tofu_known_hosts", "", true);
    SshTransport::connect(&sshd.host(None), &options)
        .await
        .expect("trusted");
    let recorded = std::fs::read_to_string(&options.known_hosts).expect("read");
    assert_eq!(recorded, sshd.known_hosts_line());
    let strict = portoser_transport::SshOptions {
        trust_new_host_keys: false,
        ..options
    };
    SshTransport::connect(&sshd.host(None), &strict)
        .await
        .expect("known now");
}

#[tokio::test]
async fn wrong_key_is_an_auth_error_and_rsa_keys_work() {
    let Some(sshd) = Sshd::start("auth") else {
        return;
    };
    let stranger = sshd.dir.join("stranger");
    sshd::keygen(&stranger, "ed25519").expect("keygen");
    let err = SshTransport::connect(&sshd.host(Some(stranger)), &sshd.options())
        .await
        .err()
        .expect("refused");
    assert!(matches!(err, TransportError::Auth { .. }), "{err}");
    let rsa = sshd.dir.join("client_rsa");
    sshd::keygen(&rsa, "rsa").expect("keygen rsa");
    sshd.authorize(&rsa.with_extension("pub"));
    let t = SshTransport::connect(&sshd.host(Some(rsa)), &sshd.options())
        .await
        .expect("rsa auth");
    let out = Transport::Ssh(t)
        .exec(&Cmd::new("true").into(), opts(10))
        .await
        .expect("exec");
    assert!(out.success());
}

#[tokio::test]
async fn nothing_listening_is_unreachable_fast() {
    let Some(sshd) = Sshd::start("unreachable") else {
        return;
    };
    let mut host = sshd.host(None);
    host.port = sshd::free_port();
    let started = Instant::now();
    let err = SshTransport::connect(&host, &sshd.options())
        .await
        .err()
        .expect("refused");
    assert!(matches!(err, TransportError::Unreachable { .. }), "{err}");
    assert!(started.elapsed() < Duration::from_secs(1));
}

#[tokio::test]
async fn pool_opens_one_connection_for_twenty_concurrent_execs() {
    let Some(sshd) = Sshd::start("pool") else {
        return;
    };
    // Default options (8 sessions at once) and more sessions than sshd's MaxSessions (10):
    // refused channel opens are retried, never surfaced.
    for max_sessions in [8, 20] {
        let options = portoser_transport::SshOptions {
            max_sessions,
            ..sshd.options()
        };
        twenty_execs_on_one_connection(&sshd, options).await;
    }
}

async fn twenty_execs_on_one_connection(sshd: &Sshd, options: portoser_transport::SshOptions) {
    let pool = Arc::new(Pool::new(vec![sshd.host(None)], options));
    let mut tasks = Vec::new();
    for i in 0..20 {
        let pool = pool.clone();
        tasks.push(tokio::spawn(async move {
            let t = pool.get("box").await?;
            t.exec(&Cmd::new("echo").arg(i.to_string()).into(), opts(20))
                .await
        }));
    }
    for (i, task) in tasks.into_iter().enumerate() {
        let out = task.await.expect("joined").expect("exec");
        assert_eq!(out.stdout_text(), format!("{i}\n"));
    }
    assert_eq!(pool.connections_opened(), 1);
    assert!(pool.get("nope").await.is_err());
}

#[tokio::test]
async fn exec_stream_follows_output() {
    let Some(sshd) = Sshd::start("stream") else {
        return;
    };
    let t = connect(&sshd).await;
    let mut stream = t
        .exec_stream(&sh("echo one; sleep 0.2; echo two >&2; exit 5"))
        .await
        .expect("stream");
    let (mut out, mut err, mut exit) = (Vec::new(), Vec::new(), None);
    while let Some(chunk) = stream.next().await {
        match chunk.expect("chunk") {
            OutputChunk::Stdout(d) => out.extend(d),
            OutputChunk::Stderr(d) => err.extend(d),
            OutputChunk::Exit(code) => exit = Some(code),
        }
    }
    assert_eq!(
        (out, err, exit),
        (b"one\n".to_vec(), b"two\n".to_vec(), Some(Some(5)))
    );
}
