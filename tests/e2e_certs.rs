//! End-to-end certificates (issue 7): the project CA issues a `tls: auto` service's server
//! certificate, apply puts it on h1 over SSH (`tls/server.key` 0600), the service serves
//! HTTPS with it and its health gate is an `https://localhost` check verified against the
//! project CA (through the SSH tunnel); a client trusting only that CA reaches it by the
//! host's IP (curl and openssl from outside the host); a certificate issued near expiry is
//! renewed by the next plan/apply and the restarted service serves the new one.
//!
//! A service with `client_cert: auto` on h2 reaches an `mtls: true` service through the real
//! Caddy 2.6.2 on h1 with the files apply put in its `tls/` (curl run on h2), and the same
//! curl without the certificate is refused in the handshake; its client certificate issued
//! near expiry is renewed by the next plan/apply (only the caller redeployed) and the door
//! accepts the new one.
//!
//! A docker service with `tls: auto` and `client_cert: auto` on h2 reads its files at
//! `/run/portoser/tls` in its container (the generated compose overlay's bind mount), and
//! cannot write there.
//!
//! Needs the test bed (docs/testbed.md); skips loudly without it.

#[path = "e2e/support.rs"]
mod support;

use std::process::Command;
use std::time::{Duration, Instant};
use support::*;

const PORT: u16 = 24861;

/// A small HTTPS server reading the files the `certs` node puts in `tls/`.
const SERVE_PY: &str = include_str!("fixtures/tls/serve_https.py");

fn services(lifetime: &str) -> String {
    format!(
        "  ct-tls:\n    deployment_type: local\n    current_host: h1\n    working_dir: ct-tls\n    \
         command: python3 serve.py {PORT} tls/server.crt tls/server.key 0.0.0.0\n    port: {PORT}\n    tls: auto\n    \
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

/// The entry of `certs list --format json` for the server certificate of `name`.
fn listed(p: &Project, name: &str) -> serde_json::Value {
    let out = p.run(&["certs", "list", "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.all());
    let list: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
    list["certificates"]
        .as_array()
        .expect("array")
        .iter()
        .find(|c| c["kind"] == "service" && c["name"] == name)
        .unwrap_or_else(|| panic!("{name} listed: {list}"))
        .clone()
}

/// The fingerprint `certs list --format json` reports for the service, without `sha256:`.
fn stored_fingerprint(p: &Project) -> (String, i64) {
    let cert = listed(p, "ct-tls");
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

/// Ports of the mTLS scenario: the protected service and its caller.
const DOOR_PORT: u16 = 24871;
const CALLER_PORT: u16 = 24872;

/// The bed's Caddy 2.6.2 ingress (tests/testbed/caddy.sh): the registry's `caddy:` block and
/// its HTTPS port; None (after a loud skip, a failure in CI) when it is not running.
fn debian_caddy(test: &str) -> Option<(String, String)> {
    let Ok(admin) = std::env::var("PORTOSER_TESTBED_CADDY_ADMIN") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "{test}: the test bed has no Caddy"
        );
        eprintln!("SKIPPED: {test}: no Caddy on the test bed (tests/testbed/caddy.sh start)");
        return None;
    };
    let var = |n: &str| std::env::var(n).expect(n);
    let https = var("PORTOSER_TESTBED_CADDY_HTTPS_PORT");
    let block = format!(
        "caddy:\n  ingress_host: h1\n  admin_api: {admin}\n  caddyfile_path: {}/Caddyfile\n  \
         http_port: {}\n  https_port: {https}\n",
        var("PORTOSER_TESTBED_CADDY_DIR"),
        var("PORTOSER_TESTBED_CADDY_HTTP_PORT"),
    );
    Some((block, https))
}

/// `cc-door` on h3 (`mtls: true`, its site certificate from the project CA) and `cc-caller`
/// on h2, which depends on it and asks for a client certificate.
fn mtls_services() -> String {
    format!(
        "  cc-door:\n    deployment_type: local\n    current_host: h3\n    \
         command: echo door@$(hostname) > who && exec python3 -m http.server {DOOR_PORT} --bind 0.0.0.0\n    \
         port: {DOOR_PORT}\n    hostname: cc-door.caddy.test\n    tls: auto\n    mtls: true\n    \
         ca_cert: .portoser/pki/ca.crt\n    \
         health: {{type: http, endpoint: \"http://127.0.0.1:{DOOR_PORT}/who\", interval: 1s, retries: 10}}\n  \
         cc-caller:\n    deployment_type: local\n    current_host: h2\n    \
         command: exec python3 -m http.server {CALLER_PORT} --bind 127.0.0.1\n    \
         port: {CALLER_PORT}\n    dependencies: [cc-door]\n    client_cert: auto\n    \
         health: {{type: http, endpoint: \"http://127.0.0.1:{CALLER_PORT}/\", interval: 1s, retries: 10}}\n"
    )
}

/// `curl` run ON h2 from the caller's directory through the real Caddy on h1, with the
/// files apply put in `tls/`: (HTTP status, 0 when refused; body or curl's complaint).
fn call_from_h2(bed: &Bed, https: &str, with_cert: bool) -> (u16, String) {
    let cert = if with_cert {
        "--cert tls/client.crt --key tls/client.key "
    } else {
        ""
    };
    let script = format!(
        "cd {}/cc-caller && curl -sS --max-time 5 --resolve cc-door.caddy.test:{https}:{} \
         --cacert tls/ca.crt {cert}-w '\\n%{{http_code}}' https://cc-door.caddy.test:{https}/who 2>&1",
        base("h2"),
        ip("h1")
    );
    let text = ssh(bed, "h2", &script);
    let (body, code) = text.rsplit_once('\n').unwrap_or((&text, "0"));
    match code.trim().parse().unwrap_or(0) {
        0 => (0, text.clone()),
        code => (code, body.to_string()),
    }
}

#[test]
fn a_service_with_client_cert_auto_gets_through_the_mtls_door_and_without_it_is_refused() {
    let test =
        "a_service_with_client_cert_auto_gets_through_the_mtls_door_and_without_it_is_refused";
    let Some(bed) = bed(test) else { return };
    let Some((block, https)) = debian_caddy(test) else {
        return;
    };
    let p = Project::new(&bed);
    p.set_services(&mtls_services());
    p.write("registry.yml", &format!("{block}{}", p.registry()));
    let out = p.run(&["certs", "init-ca"]);
    assert_eq!(out.code, 0, "{}", out.all());
    let check = p.run(&["check"]);
    assert!(!check.all().contains("W0160"), "{}", check.all());
    let plan = p.run(&["plan"]);
    assert!(
        plan.stdout.contains("no client certificate issued yet"),
        "{}",
        plan.all()
    );

    let run = p.apply(&[]);
    assert_eq!(run.out.code, 0, "{}", run.out.all());
    let tls = format!("{}/cc-caller/tls", base("h2"));
    let modes = ssh(
        &bed,
        "h2",
        &format!("stat -c '%n %a' {tls}/client.key {tls}/client.crt {tls}/ca.crt"),
    );
    assert!(modes.contains("client.key 600"), "{modes}");
    assert!(modes.contains("client.crt 644"), "{modes}");
    assert!(modes.contains("ca.crt 644"), "{modes}");

    // The files apply put on h2 are the ones the door accepts; without them it refuses.
    let started = Instant::now();
    let (code, body) = loop {
        let got = call_from_h2(&bed, &https, true);
        if got.0 == 200 || started.elapsed() > Duration::from_secs(15) {
            break got;
        }
        std::thread::sleep(Duration::from_millis(300));
    };
    assert_eq!(
        (code, body.as_str()),
        (200, "door@h3\n"),
        "with the client certificate"
    );
    let (refused, why) = call_from_h2(&bed, &https, false);
    assert_eq!(
        refused, 0,
        "without a certificate got HTTP {refused}: {why}"
    );
    assert!(!why.contains("door@"), "{why}");
    eprintln!("mtls door: without a client certificate curl says: {why}");

    // The caller's certificate is the store's, for clients only.
    let stored =
        std::fs::read_to_string(p.path().join(".portoser/pki/service-clients/cc-caller.crt"))
            .expect("stored client certificate");
    assert_eq!(
        ssh(&bed, "h2", &format!("cat {tls}/client.crt")),
        stored.trim()
    );
    let purpose = ssh(
        &bed,
        "h2",
        &format!(
            "cd {tls} && openssl verify -purpose sslclient -CAfile ca.crt client.crt; \
             openssl verify -purpose sslserver -CAfile ca.crt client.crt >/dev/null 2>&1 || echo refused-as-server"
        ),
    );
    assert!(
        purpose.contains("client.crt: OK") && purpose.contains("refused-as-server"),
        "{purpose}"
    );
    assert!(p.run(&["plan"]).stdout.contains("No changes"));

    // Issued again for one day (renew_before defaults to 30d): the next plan renews it, apply
    // redeploys only the caller with the new files, and the door accepts the new certificate.
    let out = p.run(&[
        "certs",
        "issue",
        "cc-caller",
        "--client",
        "--lifetime",
        "1d",
    ]);
    assert_eq!(out.code, 0, "{}", out.all());
    let plan = p.run(&["plan"]);
    assert!(
        plan.stdout.contains("~ cc-caller  update")
            && plan.stdout.contains("client certificate expires in"),
        "{}",
        plan.all()
    );
    let run = p.apply(&[]);
    assert_eq!(run.out.code, 0, "{}", run.out.all());
    assert_eq!(run.services_touched(), ["cc-caller"], "{}", run.out.all());
    let outcomes = run.outcomes();
    assert_eq!(outcomes["cc-caller/certs"], "succeeded");
    assert_eq!(outcomes["cc-caller/deploy"], "succeeded", "restarted");
    eprintln!(
        "client certificate renewal: cc-caller/certs {} ms, cc-caller/deploy {} ms",
        run.elapsed("cc-caller/certs", "succeeded"),
        run.elapsed("cc-caller/deploy", "succeeded")
    );
    let renewed =
        std::fs::read_to_string(p.path().join(".portoser/pki/service-clients/cc-caller.crt"))
            .expect("renewed client certificate");
    assert_ne!(renewed, stored);
    assert_eq!(
        ssh(&bed, "h2", &format!("cat {tls}/client.crt")),
        renewed.trim()
    );
    assert_eq!(
        call_from_h2(&bed, &https, true),
        (200, "door@h3\n".to_string()),
        "the renewed certificate gets through"
    );
    assert!(p.run(&["plan"]).stdout.contains("No changes"));
}

const DOCK_PORT: u16 = 24863;

/// Busybox copying what it sees in the mount to its web root, with a note of whether it
/// could write there.
fn dock_compose() -> String {
    busybox_compose_with(
        DOCK_PORT,
        "cp /run/portoser/tls/ca.crt /run/portoser/tls/server.crt /www/ && \
         (touch /run/portoser/tls/probe 2>/dev/null && echo writable || echo read-only) > /www/mode",
    )
}

/// The server certificate of `name` in the local store (the file `certs list` names).
fn stored_server_pem(p: &Project, name: &str) -> String {
    let entry = listed(p, name);
    let path = p.path().join(entry["cert"].as_str().expect("a path"));
    std::fs::read_to_string(path).expect("stored certificate")
}

/// `http://IP:PORT/FILE` from outside the host, waiting for the container to serve it.
fn fetch(ip: &str, file: &str) -> String {
    let until = Instant::now() + Duration::from_secs(15);
    loop {
        let o = Command::new("curl")
            .args(["-sSf", "--max-time", "5"])
            .arg(format!("http://{ip}:{DOCK_PORT}/{file}"))
            .output()
            .expect("run curl");
        if o.status.success() || Instant::now() > until {
            return String::from_utf8_lossy(&o.stdout).into_owned();
        }
        std::thread::sleep(Duration::from_millis(300));
    }
}

#[test]
fn a_docker_service_sees_its_tls_files_mounted_read_only() {
    let Some(bed) = bed("e2e_certs_docker") else {
        return;
    };
    let p = Project::new(&bed);
    p.write("ct-dock/docker-compose.yml", &dock_compose());
    p.set_services(&format!(
        "  ct-dock:\n    deployment_type: docker\n    current_host: h2\n    \
         docker_compose: ct-dock/docker-compose.yml\n    port: {DOCK_PORT}\n    tls: auto\n    \
         client_cert: auto\n    health: {{type: tcp, interval: 1s, retries: 15}}\n"
    ));
    let out = p.run(&["certs", "init-ca"]);
    assert_eq!(out.code, 0, "{}", out.all());
    let run = p.apply(&[]);
    assert_eq!(run.out.code, 0, "{}", run.out.all());

    let ip = ip("h2");
    let ca = std::fs::read_to_string(p.path().join(".portoser/pki/ca.crt")).expect("CA");
    assert_eq!(
        fetch(&ip, "ca.crt"),
        ca,
        "the container reads the project CA"
    );
    let served = fetch(&ip, "server.crt");
    assert!(
        served.starts_with("-----BEGIN CERTIFICATE-----"),
        "{served}"
    );
    assert_eq!(
        served,
        stored_server_pem(&p, "ct-dock"),
        "its own server certificate"
    );
    assert_eq!(fetch(&ip, "mode"), "read-only\n");
    let overlay = ssh(
        &bed,
        "h2",
        &format!("cat {}/ct-dock/.portoser/compose.portoser.yml", base("h2")),
    );
    assert!(
        overlay.contains("target: \"/run/portoser/tls\""),
        "{overlay}"
    );
    assert!(p.run(&["plan"]).stdout.contains("No changes"));
}

const RETIRE_PORT: u16 = 24864;

/// The names in `tls/` of `ct-retire` on h3, sorted.
fn tls_files_on_h3(bed: &Bed) -> Vec<String> {
    let dir = format!("{}/ct-retire/tls", base("h3"));
    let listing = ssh(bed, "h3", &format!("ls -1 {dir} 2>/dev/null || true"));
    let mut names: Vec<String> = listing.lines().map(str::to_string).collect();
    names.sort();
    names
}

#[test]
fn removing_tls_auto_and_client_cert_auto_removes_their_files_from_the_host() {
    let Some(bed) = bed("e2e_certs_retire") else {
        return;
    };
    let p = Project::new(&bed);
    let entry_checked = |extra: &str, port: u16, retries: u32| {
        format!(
            "  ct-retire:\n    deployment_type: local\n    current_host: h3\n    \
             command: exec python3 -m http.server {RETIRE_PORT} --bind 0.0.0.0\n    \
             port: {RETIRE_PORT}\n    health: {{type: tcp, endpoint: \"{port}\", interval: 1s, \
             retries: {retries}}}\n{extra}"
        )
    };
    let entry = |extra: &str| entry_checked(extra, RETIRE_PORT, 15);
    p.set_services(&entry("    tls: auto\n    client_cert: auto\n"));
    assert_eq!(p.run(&["certs", "init-ca"]).code, 0);
    p.apply(&[]).ok();
    ssh(
        &bed,
        "h3",
        &format!("echo mine > {}/ct-retire/tls/mine.txt", base("h3")),
    );
    assert_eq!(
        tls_files_on_h3(&bed),
        [
            "ca.crt",
            "client.crt",
            "client.key",
            "mine.txt",
            "server.crt",
            "server.key"
        ]
    );

    // Without client_cert, but the new instance never passes its gate (it checks a port
    // nothing listens on): rolled back, and the old configuration still has its files.
    p.set_services(&entry_checked("    tls: auto\n", RETIRE_PORT + 100, 2));
    let failed = p.apply(&[]);
    assert_eq!(failed.out.code, 5, "{}", failed.out.all());
    assert_eq!(failed.outcomes()["ct-retire/retire-certs"], "skipped");
    assert_eq!(
        tls_files_on_h3(&bed).len(),
        6,
        "nothing removed before the gate"
    );

    // Without client_cert: its pair goes, the server's and the CA stay.
    p.set_services(&entry("    tls: auto\n"));
    let run = p.apply(&[]);
    run.ok();
    assert_eq!(run.outcomes()["ct-retire/retire-certs"], "succeeded");
    assert_eq!(
        tls_files_on_h3(&bed),
        ["ca.crt", "mine.txt", "server.crt", "server.key"]
    );
    // Without tls either: the rest of what portoser put there goes; the service's own file
    // stays.
    p.set_services(&entry(""));
    p.apply(&[]).ok();
    assert_eq!(tls_files_on_h3(&bed), ["mine.txt"]);
    assert!(p.run(&["plan"]).stdout.contains("No changes"));
}
