//! `certs init-ca --vault` against a real OpenBao dev server: the CA key goes to KV v2 at
//! `secret/portoser/pki/ca` and never to disk; issuing (`certs client`, and `apply` renewing a
//! `tls: auto` or `client_cert: auto` certificate) reads it from there with the operator
//! token and fails clearly without one. Needs `bao` (tests/testbed/install.sh); skips loudly
//! without it (fails in CI).

#[path = "support/binary.rs"]
mod binary;

use binary::command;
use portoser_vault::testing::Bao;
use std::path::Path;
use std::process::{Command, Output};

const ROOT: &str = "certs-root-token";

fn portoser(dir: &Path, token: Option<&str>, args: &[&str]) -> Output {
    let mut c = command(dir, args);
    c.env_remove("VAULT_TOKEN")
        .env_remove("PORTOSER_VAULT_TOKEN_FILE");
    if let Some(t) = token {
        c.env("VAULT_TOKEN", t);
    }
    c.output().expect("run portoser")
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let out = portoser(dir, Some(ROOT), args);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    assert_eq!(out.status.code(), Some(0), "{args:?}\n{stdout}\n{stderr}");
    stdout
}

/// The CA key as Vault holds it (bao's own CLI, not portoser).
fn vault_key(bao: &Bao) -> String {
    let out = bao
        .cli()
        .args(["kv", "get", "-field=key", "secret/portoser/pki/ca"])
        .output()
        .expect("bao kv get");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_ca_key_lives_in_vault_and_issuing_reads_it_from_there() {
    let Some(bao) = Bao::dev(ROOT) else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let registry = format!(
        "vault:\n  address: http://127.0.0.1:{}\n  dev: true\ncerts:\n  renew_before: 20d\n\
         hosts:\n  here:\n    connection: local\n    ip: 127.0.0.1\n    path: {}\nservices:\n  \
         api:\n    current_host: here\n    deployment_type: local\n    command: sleep 600\n    \
         port: 24871\n    tls: auto\n    client_cert: auto\n",
        bao.port,
        dir.join("host").display()
    );
    std::fs::write(dir.join("registry.yml"), registry).expect("registry");

    // Without a token nothing is created, locally or in Vault.
    let out = portoser(dir, None, &["certs", "init-ca", "--vault"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("E0560") && stderr.contains("VAULT_TOKEN"),
        "{stderr}"
    );
    assert!(!dir.join(".portoser/pki/ca.crt").exists());

    let created = ok(dir, &["certs", "init-ca", "--vault"]);
    assert!(
        created.contains("in Vault: secret/portoser/pki/ca#key"),
        "{created}"
    );
    let pki = dir.join(".portoser/pki");
    assert!(!pki.join("ca.key").exists(), "the key is not on disk");
    assert!(pki.join("ca.crt").exists());
    let key = vault_key(&bao);
    assert!(key.contains("BEGIN PRIVATE KEY"), "Vault holds the key");
    let out = portoser(dir, Some(ROOT), &["certs", "init-ca", "--vault"]);
    assert_eq!(out.status.code(), Some(1), "an existing CA is kept");
    assert_eq!(vault_key(&bao), key, "and Vault's key is untouched");

    // Issuing needs the key: refused without a token, done with one.
    let out = portoser(dir, None, &["certs", "client", "ops"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("kept in Vault"), "{stderr}");
    ok(dir, &["certs", "client", "ops"]);
    let check = ok(dir, &["certs", "check"]);
    assert!(
        check.contains("2 certificate(s) checked, 0 problem(s)"),
        "{check}"
    );
    let openssl = Command::new("openssl")
        .arg("verify")
        .arg("-CAfile")
        .arg(pki.join("ca.crt"))
        .arg(pki.join("clients/ops.crt"))
        .output();
    if let Ok(o) = openssl {
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }

    // apply issues the service's certificate with the key from Vault; a due one is renewed.
    // Its client certificate (`client_cert: auto`) too.
    ok(dir, &["apply", "--yes", "--format", "plain"]);
    assert!(dir.join("host/api/tls/server.key").exists());
    assert!(dir.join("host/api/tls/client.key").exists());
    ok(dir, &["certs", "issue", "api", "--lifetime", "2d"]);
    ok(
        dir,
        &["certs", "issue", "api", "--client", "--lifetime", "2d"],
    );
    let out = portoser(dir, None, &["apply", "--yes", "--format", "plain"]);
    assert_eq!(out.status.code(), Some(1), "renewing needs the key");
    assert!(String::from_utf8_lossy(&out.stderr).contains("E0560"));
    let run = portoser(dir, Some(ROOT), &["apply", "--yes", "--format", "plain"]);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("certificate api: issued"), "{stderr}");
    assert!(
        stderr.contains("certificate api (client): issued"),
        "{stderr}"
    );
    assert!(ok(dir, &["plan"]).contains("No changes"));
    let _ = portoser(dir, None, &["stop", "api"]);
}
