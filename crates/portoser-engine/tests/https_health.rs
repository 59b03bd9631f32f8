//! `https://` health checks against a real TLS server on this machine (python3's ssl module
//! serving a certificate from a project CA made with portoser-certs): the gate passes only
//! with that CA and a name the certificate carries, and says why otherwise.

mod common;

use common::{require, spec, works};
use portoser_certs::{Lifetime, Pki};
use portoser_engine::Probe;
use portoser_engine::health::check_once;
use portoser_transport::{LocalTransport, Transport};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const REGISTRY: &str = r#"
hosts:
  here:
    connection: local
    path: /tmp
services:
  web:
    current_host: here
    deployment_type: local
    command: "python3 serve.py"
"#;

const SERVE_PY: &str = include_str!("../../../tests/fixtures/tls/serve_https.py");

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn https(port: u16, host: &str) -> Probe {
    Probe::Https {
        port,
        path: "/".into(),
        host_header: host.into(),
        expect_status: Some(200),
        expect_body: Some("tls-ok".into()),
    }
}

#[tokio::test]
async fn an_https_gate_trusts_only_the_given_ca_for_names_the_certificate_carries() {
    if !require(
        "python3",
        works("python3", &["--version"]),
        "apt install python3",
    ) {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let pki = Pki::for_project(dir.path());
    pki.init_ca("health CA", false).expect("ca");
    let sans = ["localhost".to_string(), "127.0.0.1".to_string()];
    let issued = pki
        .issue_server("web", &sans, Lifetime::default())
        .expect("issue");
    std::fs::write(dir.path().join("serve.py"), SERVE_PY).expect("script");
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let _server = Server(
        Command::new("python3")
            .arg(dir.path().join("serve.py"))
            .arg(port.to_string())
            .arg(&issued.paths.cert)
            .arg(&issued.paths.key)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the server"),
    );
    let until = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < until, "the TLS server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }

    let t = Transport::Local(LocalTransport::new("here"));
    let mut s = spec(REGISTRY, "web");
    let ca = std::fs::read(pki.ca_cert_path()).expect("ca");
    s.tls_ca = Some(ca);
    for host in ["localhost", "127.0.0.1"] {
        let result = check_once(&t, &s, &https(port, host)).await;
        assert_eq!(result, Ok(()), "{host}");
    }
    let wrong_name = check_once(&t, &s, &https(port, "api.example.lan")).await;
    assert!(
        wrong_name
            .as_ref()
            .is_err_and(|e| e.contains("TLS handshake")),
        "{wrong_name:?}"
    );

    let other = Pki::for_project(&dir.path().join("other"));
    other.init_ca("another CA", false).expect("other ca");
    s.tls_ca = Some(std::fs::read(other.ca_cert_path()).expect("other"));
    let untrusted = check_once(&t, &s, &https(port, "localhost")).await;
    assert!(
        untrusted.as_ref().is_err_and(|e| e.contains("certificate")),
        "{untrusted:?}"
    );

    s.tls_ca = None;
    let no_ca = check_once(&t, &s, &https(port, "localhost")).await;
    assert!(
        no_ca.as_ref().is_err_and(|e| e.contains("needs the CA")),
        "{no_ca:?}"
    );
}
