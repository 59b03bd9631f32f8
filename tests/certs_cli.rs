//! `portoser certs …` and `tls: auto` through the real binary on this machine (a
//! `connection: local` host): the CA's refusal to be replaced, every `certs check` code, and
//! apply distributing, then renewing, a certificate (checked with the real openssl).

#[path = "support/binary.rs"]
mod binary;

use binary::{ok, run};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};

fn write_registry(dir: &Path, ip: &str, certs: &str) {
    let base = dir.join("host");
    let registry = format!(
        "{certs}hosts:\n  here:\n    connection: local\n    ip: {ip}\n    path: {}\nservices:\n  \
         api:\n    current_host: here\n    deployment_type: local\n    command: sleep 600\n    \
         port: 24851\n    tls: auto\n",
        base.display()
    );
    std::fs::write(dir.join("registry.yml"), registry).expect("registry");
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).expect("meta").permissions().mode() & 0o777
}

fn pki(dir: &Path) -> std::path::PathBuf {
    dir.join(".portoser/pki")
}

/// `certs check` fails with exactly `code` somewhere in its diagnostics.
fn check_fails_with(dir: &Path, code: &str) -> String {
    let (exit, stdout, stderr) = run(dir, &["certs", "check"]);
    assert_eq!(exit, 1, "{stdout}\n{stderr}");
    assert!(stderr.contains(&format!("[{code}]")), "{code}:\n{stderr}");
    stderr
}

#[test]
fn init_ca_refuses_to_replace_and_check_reports_every_problem() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    write_registry(dir, "127.0.0.1", "");
    let (code, _, stderr) = run(dir, &["plan"]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("[E0450]") && stderr.contains("certs init-ca"),
        "{stderr}"
    );

    ok(dir, &["certs", "init-ca"]);
    assert_eq!(mode(&pki(dir).join("ca.key")), 0o600);
    assert_eq!(mode(&pki(dir)), 0o700);
    let key = std::fs::read(pki(dir).join("ca.key")).expect("key");
    let (code, _, stderr) = run(dir, &["certs", "init-ca"]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("error[E0566]") && stderr.contains("--force"),
        "{stderr}"
    );
    assert_eq!(std::fs::read(pki(dir).join("ca.key")).expect("key"), key);
    // --vault without a `vault:` section: refused before anything is written.
    let (code, _, stderr) = run(dir, &["certs", "init-ca", "--vault", "--force"]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("error[E0560]") && stderr.contains("vault"),
        "{stderr}"
    );
    assert_eq!(std::fs::read(pki(dir).join("ca.key")).expect("key"), key);

    // A client certificate with the default lifetime: listed, and the check is clean.
    ok(dir, &["certs", "issue", "api"]);
    ok(dir, &["certs", "client", "ops"]);
    let list: serde_json::Value =
        serde_json::from_str(&ok(dir, &["certs", "list", "--format", "json"])).expect("json");
    let certs = list["certificates"].as_array().expect("array");
    let kinds: Vec<&str> = certs.iter().filter_map(|c| c["kind"].as_str()).collect();
    assert_eq!(kinds, ["ca", "service", "client"]);
    let days = certs[2]["days_left"].as_i64().expect("days");
    assert!((89..=90).contains(&days), "{days}");
    assert_eq!(
        certs[1]["sans"],
        serde_json::json!(["127.0.0.1", "localhost", "::1"])
    );
    let human = ok(dir, &["certs", "list"]);
    assert!(
        human.starts_with("kind") && human.contains("CN=ops"),
        "{human}"
    );
    ok(dir, &["certs", "check"]);

    // Apple's limit is refused; a key readable by others; a certificate near expiry.
    let (code, _, stderr) = run(dir, &["certs", "client", "ops", "--lifetime", "399d"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("Apple"), "{stderr}");
    let ops_key = pki(dir).join("clients/ops.key");
    std::fs::set_permissions(&ops_key, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let stderr = check_fails_with(dir, "E0564");
    assert!(stderr.contains("chmod 600"), "{stderr}");
    ok(dir, &["certs", "client", "ops", "--lifetime", "5d"]);
    assert_eq!(mode(&ops_key), 0o600);
    check_fails_with(dir, "E0562");
    ok(dir, &["certs", "client", "ops", "--lifetime", "1s"]);
    std::thread::sleep(std::time::Duration::from_millis(2100));
    check_fails_with(dir, "E0561");
    ok(dir, &["certs", "client", "ops"]);
    ok(dir, &["certs", "check"]);

    // The host got another address: the certificate's SANs no longer match (located).
    write_registry(dir, "127.0.0.2", "");
    let stderr = check_fails_with(dir, "E0563");
    assert!(
        stderr.contains("needs 127.0.0.2") && stderr.contains("registry.yml:"),
        "{stderr}"
    );
    write_registry(dir, "127.0.0.1", "");

    // A new CA: what the old one issued does not verify any more.
    ok(dir, &["certs", "init-ca", "--force"]);
    check_fails_with(dir, "E0565");

    // The store cannot be written: issuing fails with E0560, nothing half-written.
    std::fs::remove_dir_all(pki(dir).join("services")).expect("rm");
    std::fs::write(pki(dir).join("services"), "in the way").expect("file");
    let (code, _, stderr) = run(dir, &["certs", "issue", "api"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("error[E0560]"), "{stderr}");
}

fn openssl(args: &[&str]) -> Option<Output> {
    Command::new("openssl").args(args).output().ok()
}

#[test]
fn apply_distributes_and_the_next_plan_renews_a_certificate_near_expiry() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    write_registry(
        dir,
        "127.0.0.1",
        "certs:\n  lifetime: 60d\n  renew_before: 20d\n",
    );
    ok(dir, &["certs", "init-ca"]);
    let plan = ok(dir, &["plan"]);
    assert!(plan.contains("no certificate issued yet"), "{plan}");
    assert!(plan.contains("certs → deploy"), "{plan}");
    ok(dir, &["apply", "--yes", "--format", "plain"]);
    let tls = dir.join("host/api/tls");
    assert_eq!(mode(&tls.join("server.key")), 0o600);
    assert_eq!(mode(&tls.join("server.crt")), 0o644);
    let served = std::fs::read(tls.join("server.crt")).expect("cert");
    assert_eq!(
        served,
        std::fs::read(pki(dir).join("services/api.crt")).expect("stored")
    );
    assert!(ok(dir, &["plan"]).contains("No changes"));

    let cert = tls.join("server.crt");
    let (ca, crt) = (tls.join("ca.crt"), cert.to_string_lossy().into_owned());
    match openssl(&["verify", "-CAfile", &ca.to_string_lossy(), &crt]) {
        Some(out) => {
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let end = |secs: &str| {
                openssl(&["x509", "-noout", "-in", &crt, "-checkend", secs])
                    .is_some_and(|o| o.status.success())
            };
            assert!(end(&(59 * 86_400).to_string()) && !end(&(61 * 86_400).to_string()));
        }
        None => assert!(std::env::var_os("CI").is_none(), "openssl is missing in CI"),
    }

    // Issued again with 3 days left (renew_before is 20d): the plan renews, says why.
    ok(dir, &["certs", "issue", "api", "--lifetime", "3d"]);
    let plan = ok(dir, &["plan"]);
    assert!(plan.contains("~ api  update"), "{plan}");
    assert!(
        plan.contains("certificate expires in 2 days")
            || plan.contains("certificate expires in 3 days"),
        "{plan}"
    );
    let (code, stdout, stderr) = run(dir, &["apply", "--yes", "--format", "plain"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(
        stderr.contains("certificate api: issued (certificate expires in "),
        "{stderr}"
    );
    let renewed = std::fs::read(&cert).expect("cert");
    assert_ne!(renewed, served);
    let list: serde_json::Value =
        serde_json::from_str(&ok(dir, &["certs", "list", "--format", "json"])).expect("json");
    let days = list["certificates"][1]["days_left"].as_i64().expect("days");
    assert!(
        (59..=60).contains(&days),
        "renewed with the registry's 60d: {days}"
    );
    assert!(ok(dir, &["plan"]).contains("No changes"));
    let _ = Command::new(env!("CARGO_BIN_EXE_portoser"))
        .args(["stop", "api", "-C"])
        .arg(dir)
        .output();
}

/// A registry with the service `caller` asking for a client certificate only.
fn write_client_registry(dir: &Path) {
    let registry = format!(
        "certs:\n  lifetime: 60d\n  renew_before: 20d\nhosts:\n  here:\n    connection: local\n    \
         ip: 127.0.0.1\n    path: {}\nservices:\n  caller:\n    current_host: here\n    \
         deployment_type: local\n    command: sleep 600\n    port: 24852\n    \
         client_cert: auto\n",
        dir.join("host").display()
    );
    std::fs::write(dir.join("registry.yml"), registry).expect("registry");
}

/// `openssl verify -purpose PURPOSE -CAfile ca cert` succeeded; None without openssl.
fn verifies(purpose: &str, ca: &Path, cert: &Path) -> Option<bool> {
    let out = openssl(&[
        "verify",
        "-purpose",
        purpose,
        "-CAfile",
        &ca.to_string_lossy(),
        &cert.to_string_lossy(),
    ])?;
    Some(out.status.success())
}

/// The base64 body of a PEM key: what must never appear outside the key files.
fn key_body(pem: &[u8]) -> String {
    String::from_utf8_lossy(pem)
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect()
}

/// Every file under `dir` except the PKI store (plans, state, logs) as text.
fn everything_but_the_store(dir: &Path, out: &mut Vec<(std::path::PathBuf, String)>) {
    for entry in std::fs::read_dir(dir).expect("read_dir").flatten() {
        let path = entry.path();
        if path.ends_with("pki") || path.ends_with("tls") {
            continue;
        }
        if path.is_dir() {
            everything_but_the_store(&path, out);
        } else if let Ok(bytes) = std::fs::read(&path) {
            out.push((path, String::from_utf8_lossy(&bytes).into_owned()));
        }
    }
}

#[test]
fn client_cert_auto_is_distributed_renewed_checked_and_pins_a_saved_plan() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    write_client_registry(dir);
    // No CA: located at `client_cert: auto`.
    let (code, _, stderr) = run(dir, &["plan"]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("[E0450]") && stderr.contains("`client_cert: auto` issues"),
        "{stderr}"
    );
    ok(dir, &["certs", "init-ca"]);
    let plan = ok(dir, &["plan"]);
    assert!(plan.contains("no client certificate issued yet"), "{plan}");
    assert!(plan.contains("certs → deploy"), "{plan}");

    // A saved plan records the client certificate; issuing one by hand makes it stale.
    let saved = dir.join("plan.json");
    ok(dir, &["plan", "--out", &saved.to_string_lossy()]);
    ok(dir, &["certs", "issue", "caller", "--client"]);
    let (code, _, stderr) = run(dir, &["apply", &saved.to_string_lossy(), "--yes"]);
    assert_ne!(code, 0, "{stderr}");
    assert!(
        stderr.contains("E0405") && stderr.contains("client certificate of caller"),
        "{stderr}"
    );

    // Apply distributes the store's certificate: key 0600 first, certificate, CA.
    let (code, stdout, stderr) = run(dir, &["apply", "--yes", "--format", "plain"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let tls = dir.join("host/caller/tls");
    assert_eq!(mode(&tls.join("client.key")), 0o600);
    assert_eq!(mode(&tls.join("client.crt")), 0o644);
    assert!(!tls.join("server.crt").exists(), "no server certificate");
    let stored = pki(dir).join("service-clients/caller.crt");
    let first = std::fs::read(tls.join("client.crt")).expect("cert");
    assert_eq!(first, std::fs::read(&stored).expect("stored"));
    assert_eq!(
        std::fs::read(tls.join("client.key")).expect("key"),
        std::fs::read(pki(dir).join("service-clients/caller.key")).expect("stored key")
    );
    let ca = tls.join("ca.crt");
    match verifies("sslclient", &ca, &tls.join("client.crt")) {
        Some(client_ok) => {
            assert!(client_ok, "openssl refuses the client certificate");
            assert_eq!(
                verifies("sslserver", &ca, &tls.join("client.crt")),
                Some(false),
                "a client certificate must not serve"
            );
        }
        None => assert!(std::env::var_os("CI").is_none(), "openssl is missing in CI"),
    }
    assert!(ok(dir, &["plan"]).contains("No changes"));
    ok(dir, &["certs", "check"]);

    // Issued again for 2 days (renew_before 20d): the next plan renews it, apply restarts
    // the service with the new files, then nothing is left to do.
    ok(
        dir,
        &["certs", "issue", "caller", "--client", "--lifetime", "2d"],
    );
    let stderr = check_fails_with(dir, "E0562");
    assert!(
        stderr.contains("client certificate of `caller`") && stderr.contains("registry.yml:"),
        "{stderr}"
    );
    let plan = ok(dir, &["plan"]);
    assert!(plan.contains("~ caller  update"), "{plan}");
    assert!(
        plan.contains("client certificate expires in 1 days")
            || plan.contains("client certificate expires in 2 days"),
        "{plan}"
    );
    let (code, stdout, stderr) = run(dir, &["apply", "--yes", "--format", "plain"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(
        stderr.contains("certificate caller (client): issued (client certificate expires in"),
        "{stderr}"
    );
    let renewed = std::fs::read(tls.join("client.crt")).expect("cert");
    assert_ne!(renewed, first);
    let list: serde_json::Value =
        serde_json::from_str(&ok(dir, &["certs", "list", "--format", "json"])).expect("json");
    let entry = &list["certificates"][1];
    assert_eq!(entry["kind"], "service-client");
    let days = entry["days_left"].as_i64().expect("days");
    assert!((59..=60).contains(&days), "renewed with 60d: {days}");
    assert!(ok(dir, &["plan"]).contains("No changes"));

    // The key is in the store and the service's tls/ only: not in plans, state or logs.
    let body = key_body(&std::fs::read(tls.join("client.key")).expect("key"));
    let mut files = Vec::new();
    everything_but_the_store(dir, &mut files);
    assert!(files.len() > 2, "{files:?}");
    for (path, text) in &files {
        assert!(!text.contains(&body), "the key is in {}", path.display());
    }

    // certs check: a key readable by others, then an expired certificate.
    let key = pki(dir).join("service-clients/caller.key");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let stderr = check_fails_with(dir, "E0564");
    assert!(stderr.contains("chmod 600"), "{stderr}");
    ok(
        dir,
        &["certs", "issue", "caller", "--client", "--lifetime", "1s"],
    );
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let stderr = check_fails_with(dir, "E0561");
    assert!(stderr.contains("--client"), "the remedy: {stderr}");
    let plan = ok(dir, &["plan"]);
    assert!(
        plan.contains("client certificate expired 0 days ago"),
        "{plan}"
    );

    // A new CA, then a key that is not the certificate's: both re-issue, both are E0565.
    ok(dir, &["certs", "init-ca", "--force"]);
    check_fails_with(dir, "E0565");
    let plan = ok(dir, &["plan"]);
    assert!(
        plan.contains("client certificate was not issued by the current CA"),
        "{plan}"
    );
    ok(dir, &["certs", "issue", "caller", "--client"]);
    ok(dir, &["certs", "client", "someone"]);
    std::fs::copy(pki(dir).join("clients/someone.key"), &key).expect("swap the key");
    check_fails_with(dir, "E0565");
    let plan = ok(dir, &["plan"]);
    assert!(
        plan.contains("client certificate: the key file does not match the certificate"),
        "{plan}"
    );
    let _ = Command::new(env!("CARGO_BIN_EXE_portoser"))
        .args(["stop", "caller", "-C"])
        .arg(dir)
        .output();
}
