//! A connection that drops under portoser (sshd stopped, its sessions killed) is reported at
//! once as `ConnectionLost`, and a port nothing listens on as `PortClosed`, against a real
//! OpenSSH server (tests/support/sshd.rs).

mod support;

use portoser_transport::{Cmd, ExecOptions, Pool, Script, Transport, TransportError};
use std::time::{Duration, Instant};
use support::sshd::{self, Sshd};

fn opts(secs: u64) -> ExecOptions {
    ExecOptions::with_timeout(Duration::from_secs(secs))
}

fn sh(body: &str) -> Script {
    Script::from(Cmd::new("sh").args(["-c", body]))
}

fn is_lost<T>(result: &Result<T, TransportError>) -> bool {
    matches!(result, Err(TransportError::ConnectionLost { host }) if host == "box")
}

async fn get(pool: &Pool, sshd: &Sshd) -> Transport {
    match pool.get("box").await {
        Ok(t) => t,
        Err(e) => panic!("connect failed: {e}\nsshd log:\n{}", sshd.log()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_port_is_port_closed_not_a_channel_failure() {
    let Some(sshd) = Sshd::start("closed") else {
        return;
    };
    let pool = Pool::new(vec![sshd.host(None)], sshd.options());
    let t = get(&pool, &sshd).await;
    let port = sshd::free_port();
    let err = t
        .connect_tcp(port, Duration::from_secs(5))
        .await
        .err()
        .expect("nothing listens there");
    assert_eq!(
        err,
        TransportError::PortClosed {
            host: "box".to_string(),
            port
        }
    );
    assert_eq!(
        err.to_string(),
        format!("nothing listens on 127.0.0.1:{port} on `box`")
    );
    assert!(err.is_retryable(), "a service may still be starting");
    // The connection itself is fine afterwards.
    let out = t.exec(&sh("echo still"), opts(5)).await.expect("exec");
    assert_eq!(out.stdout_text(), "still\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_connection_fails_fast_and_the_pool_reconnects_once() {
    let Some(sshd) = Sshd::start("lost") else {
        return;
    };
    let pool = Pool::new(vec![sshd.host(None)], sshd.options());
    let t = get(&pool, &sshd).await;
    t.exec(&sh("true"), opts(5)).await.expect("first exec");

    // A command in flight when the sessions die ends at once with ConnectionLost (not a
    // status, not the 60 s timeout).
    let running = tokio::spawn({
        let t = t.clone();
        async move { t.exec(&sh("sleep 30"), opts(60)).await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let killed = Instant::now();
    sshd.kill_sessions();
    let result = running.await.expect("joined");
    assert!(is_lost(&result), "{result:?}");
    assert!(
        killed.elapsed() < Duration::from_secs(1),
        "{:?}",
        killed.elapsed()
    );

    // Everything after that fails without waiting, with words that say what happened.
    let started = Instant::now();
    let exec = t.exec(&sh("true"), opts(5)).await;
    assert!(is_lost(&exec), "{exec:?}");
    let tcp = t.connect_tcp(22, Duration::from_secs(5)).await;
    assert!(matches!(tcp, Err(TransportError::ConnectionLost { .. })));
    let upload = t
        .upload("/tmp/x", b"x", 0o600, Duration::from_secs(5))
        .await;
    assert!(is_lost(&upload), "{upload:?}");
    assert!(started.elapsed() < Duration::from_millis(200));
    let err = exec.expect_err("lost");
    assert_eq!(err.to_string(), "the SSH connection to `box` was lost");
    assert!(!err.is_retryable());

    // sshd still listens: the pool opens the connection again, once.
    let again = get(&pool, &sshd).await;
    let out = again.exec(&sh("echo back"), opts(5)).await.expect("exec");
    assert_eq!(out.stdout_text(), "back\n");
    assert_eq!(pool.connections_opened(), 2);
    sshd.kill_sessions();
    let deadline = Instant::now() + Duration::from_secs(1);
    while !is_lost(&again.exec(&sh("true"), opts(5)).await) {
        assert!(Instant::now() < deadline, "the second drop went unnoticed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let second = pool.get("box").await;
    assert!(is_lost(&second), "no second reconnect in a run");
    assert_eq!(pool.connections_opened(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_sshd_is_lost_then_unreachable_on_reconnect() {
    let Some(mut sshd) = Sshd::start("stopped") else {
        return;
    };
    let pool = Pool::new(vec![sshd.host(None)], sshd.options());
    let t = get(&pool, &sshd).await;
    t.exec(&sh("true"), opts(5)).await.expect("first exec");
    sshd.kill_all();
    let started = Instant::now();
    let mut result = t.exec(&sh("true"), opts(5)).await;
    // The client notices the closed socket within milliseconds.
    while !is_lost(&result) && started.elapsed() < Duration::from_secs(1) {
        tokio::time::sleep(Duration::from_millis(20)).await;
        result = t.exec(&sh("true"), opts(5)).await;
    }
    assert!(is_lost(&result), "{result:?}");
    assert!(started.elapsed() < Duration::from_secs(1));
    // The one reconnect finds nothing listening; that answer is remembered for the run.
    for _ in 0..2 {
        match pool.get("box").await {
            Err(TransportError::Unreachable { host, .. }) => assert_eq!(host, "box"),
            Err(e) => panic!("expected Unreachable, got {e}"),
            Ok(_) => panic!("expected Unreachable, got a transport"),
        }
    }
    assert_eq!(pool.connections_opened(), 2);
}
