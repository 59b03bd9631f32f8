//! End-to-end certificates (issue 7): the project CA issues a `tls: auto` service's server
//! certificate, apply puts it on h1 over SSH (`tls/server.key` 0600), the service serves
//! HTTPS with it and its health gate is an `https://localhost` check verified against the
//! project CA (through the SSH tunnel); a client trusting only that CA reaches it by the
//! host's IP (curl and openssl from outside the host); a certificate issued near expiry is
//! renewed by the next plan/apply and the restarted service serves the new one.
//!
//! Needs the test bed (docs/testbed.md); skips loudly without it.

#[path = "e2e/support.rs"]
mod support;

use std::process::Command;
use std::time::{Duration, Instant};
use support::*;

const PORT: u16 = 24861;

/// A small HTTPS server reading the files the `certs` node puts in `tls/`.
const SERVE_PY: &str = r#"import http.server, ssl, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"tls-ok\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
srv = http.server.ThreadingHTTPServer(("0.0.0.0", int(sys.argv[1])), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain("tls/server.crt", "tls/server.key")
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
srv.serve_forever()
"#;

fn services(lifetime: &str) -> String {
    format!(
        "  ct-tls:\n    deployment_type: local\n    current_host: h1\n    working_dir: ct-tls\n    \
         command: python3 serve.py {PORT}\n    port: {PORT}\n    tls: auto\n    \
         health: {{type: http, endpoint: \"https://localhost:{PORT}/\", interval: 1s, retries: 15, expect_body: tls-ok}}\n{lifetime}"
    )
}

/// `curl --cacert CA https://IP:PORT/`: the body, or curl's complaint.
fn curl(ca: Option<&std::path::Path>, ip: &str) -> Result<String, String> {
    let mut c = Command::new("curl");
    c.args(["-sS", "--max-time", "5"]);
    if let Some(ca) = ca {
        c.arg("--cacert").arg(ca);
    }
    let o = c
        .arg(format!("https://{ip}:{PORT}/"))
        .output()
        .expect("run curl");
    if o.status.success() {
        Ok(String::from_utf8_lossy(&o.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&o.stderr).into_owned())
    }
}

/// The sha256 fingerprint of the certificate the server presents (openssl s_client).
fn served_fingerprint(ip: &str) -> String {
    let script = format!(
        "openssl s_client -connect {ip}:{PORT} </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256"
    );
    let o = Command::new("sh")
        .args(["-c", &script])
        .output()
        .expect("openssl");
    let text = String::from_utf8_lossy(&o.stdout);
    text.trim()
        .rsplit('=')
        .next()
        .unwrap_or_default()
        .replace(':', "")
        .to_ascii_lowercase()
}

/// The fingerprint `certs list --format json` reports for the service, without `sha256:`.
fn stored_fingerprint(p: &Project) -> (String, i64) {
    let out = p.run(&["certs", "list", "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.all());
    let list: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
    let cert = list["certificates"]
        .as_array()
        .expect("array")
        .iter()
        .find(|c| c["name"] == "ct-tls")
        .expect("ct-tls listed")
        .clone();
    let fp = cert["fingerprint"].as_str().unwrap_or_default();
    (
        fp.trim_start_matches("sha256:").to_string(),
        cert["days_left"].as_i64().unwrap_or(-1),
    )
}

fn wait_tls(ca: &std::path::Path, ip: &str) -> Result<String, String> {
    let until = Instant::now() + Duration::from_secs(15);
    loop {
        match curl(Some(ca), ip) {
            Ok(body) => return Ok(body),
            Err(e) if Instant::now() > until => return Err(e),
            Err(_) => std::thread::sleep(Duration::from_millis(300)),
        }
    }
}

#[test]
fn apply_distributes_a_certificate_that_verifies_and_renews_it_near_expiry() {
    let Some(bed) = bed("e2e_certs") else { return };
    let p = Project::new(&bed);
    p.write("ct-tls/serve.py", SERVE_PY);
    p.set_services(&services(""));
    let out = p.run(&["plan"]);
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(out.stderr.contains("[E0450]"), "{}", out.all());
    let out = p.run(&["certs", "init-ca"]);
    assert_eq!(out.code, 0, "{}", out.all());

    let run = p.apply(&[]);
    assert_eq!(run.out.code, 0, "{}", run.out.all());
    let tls = format!("{}/ct-tls/tls", base("h1"));
    let modes = ssh(
        &bed,
        "h1",
        &format!("stat -c '%n %a' {tls}/server.key {tls}/server.crt {tls}/ca.crt"),
    );
    assert!(modes.contains("server.key 600"), "{modes}");
    assert!(modes.contains("server.crt 644"), "{modes}");
    assert!(modes.contains("ca.crt 644"), "{modes}");

    // Reached by the host's IP with only the project CA trusted; refused without it.
    let ca = p.path().join(".portoser/pki/ca.crt");
    let ip = ip("h1");
    assert_eq!(wait_tls(&ca, &ip).as_deref(), Ok("tls-ok\n"));
    let untrusted = curl(None, &ip).expect_err("the system trust store does not know the CA");
    assert!(untrusted.contains("certificate"), "{untrusted}");
    let (first, days) = stored_fingerprint(&p);
    assert!((89..=90).contains(&days), "default lifetime: {days}");
    assert_eq!(served_fingerprint(&ip), first);
    assert!(p.run(&["plan"]).stdout.contains("No changes"));

    // Issued again for one day (renew_before defaults to 30d): the next plan renews it.
    let out = p.run(&["certs", "issue", "ct-tls", "--lifetime", "1d"]);
    assert_eq!(out.code, 0, "{}", out.all());
    let plan = p.run(&["plan"]);
    assert!(plan.stdout.contains("~ ct-tls  update"), "{}", plan.all());
    assert!(
        plan.stdout.contains("certificate expires in"),
        "{}",
        plan.all()
    );
    let run = p.apply(&[]);
    assert_eq!(run.out.code, 0, "{}", run.out.all());
    let (renewed, days) = stored_fingerprint(&p);
    assert_ne!(renewed, first);
    assert!(
        (89..=90).contains(&days),
        "renewed for the full lifetime: {days}"
    );
    assert_eq!(wait_tls(&ca, &ip).as_deref(), Ok("tls-ok\n"));
    assert_eq!(
        served_fingerprint(&ip),
        renewed,
        "the restarted service serves the new one"
    );
    assert!(p.run(&["plan"]).stdout.contains("No changes"));
    let check = p.run(&["certs", "check"]);
    assert_eq!(check.code, 0, "{}", check.all());
}
