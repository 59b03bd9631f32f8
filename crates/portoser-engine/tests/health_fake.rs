//! The health gate's retry policy through the Fake transport: a closed port is "not healthy
//! yet" (retried, reported in plain words); a lost connection ends the gate at once.

mod common;

use common::spec;
use portoser_engine::health::{HealthError, HealthSpec, wait_healthy};
use portoser_engine::{Probe, ServiceSpec};
use portoser_transport::{ExecOutput, FakeTransport, Transport, TransportError};
use std::time::{Duration, Instant};

const REGISTRY: &str = r#"
hosts:
  h2:
    ip: 10.0.0.2
    path: /srv/p
services:
  web:
    current_host: h2
    deployment_type: native
    command: "python3 -m http.server 24511"
"#;

/// `web` with this probe, checked every 100 ms, `retries` times.
fn web(probe: Probe, retries: u32) -> ServiceSpec {
    let mut s = spec(REGISTRY, "web");
    s.health = Some(HealthSpec {
        probe,
        interval: Duration::from_millis(100),
        timeout: Duration::from_secs(1),
        retries,
    });
    s
}

#[tokio::test]
async fn a_closed_port_is_retried_and_named_plainly() {
    let s = web(Probe::Tcp { port: 24511 }, 4);
    let t = Transport::Fake(FakeTransport::new("h2"));
    match wait_healthy(&t, &s).await {
        Err(HealthError::Unhealthy { attempts, last, .. }) => {
            assert!(attempts >= 3, "retried: {attempts}");
            assert_eq!(last, "nothing listens on 127.0.0.1:24511 on `h2`");
        }
        other => panic!("expected Unhealthy, got {other:?}"),
    }
}

#[tokio::test]
async fn a_lost_connection_ends_the_gate_at_once() {
    let probes = [
        Probe::Tcp { port: 24511 },
        Probe::Http {
            port: 24511,
            path: "/".into(),
            host_header: "x".into(),
            expect_status: None,
            expect_body: None,
        },
        Probe::Command {
            command: "true".into(),
        },
        Probe::Process,
    ];
    for probe in probes {
        // 100 checks of 100 ms: 10 s of retries if the gate did not stop.
        let s = web(probe.clone(), 100);
        let fake = FakeTransport::new("h2");
        fake.lose_connection();
        let t = Transport::Fake(fake);
        let started = Instant::now();
        let result = wait_healthy(&t, &s).await;
        assert!(started.elapsed() < Duration::from_millis(100), "{probe:?}");
        match result {
            Err(
                ref e @ HealthError::Transport {
                    attempts: 1,
                    error: TransportError::ConnectionLost { ref host },
                },
            ) => {
                assert_eq!(host, "h2");
                assert_eq!(
                    e.to_string(),
                    "the check could not run (check 1): the SSH connection to `h2` was lost"
                );
            }
            other => panic!("{probe:?}: expected a lost connection, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_connection_lost_mid_gate_stops_the_retries() {
    let s = web(
        Probe::Command {
            command: "test -f /srv/p/web/ready".into(),
        },
        100,
    );
    let fake = FakeTransport::new("h2");
    fake.on("'sh' '-c'", Ok(ExecOutput::failed(1, "")));
    let t = Transport::Fake(fake.clone());
    let losing = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(350)).await;
        fake.lose_connection();
    });
    let started = Instant::now();
    let result = wait_healthy(&t, &s).await;
    losing.await.expect("joined");
    assert!(
        matches!(
            result,
            Err(HealthError::Transport {
                attempts: 2..,
                error: TransportError::ConnectionLost { .. }
            })
        ),
        "{result:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
}
