//! A private OpenSSH server for tests: its own config, host key, pid file and log in a temp
//! directory, listening on 127.0.0.1 on a free high port, logging in a dedicated user with
//! /bin/sh. Stopped (and its directory removed) on drop.
//!
//! Needs: `openssh-server` (apt), root (to create the user once). Missing → the test is
//! skipped with a message on stderr, unless `CI` is set, then it fails.

use portoser_transport::{HostConfig, SshOptions};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::{Duration, Instant};

pub const USER: &str = "portoser-tr";
const SSHD: &str = "/usr/sbin/sshd";

/// Skips (returns `None`) or, under CI, fails the test when a component is missing.
pub fn missing(why: &str) -> Option<Sshd> {
    if std::env::var_os("CI").is_some() {
        panic!("required test component missing under CI: {why}");
    }
    eprintln!("SKIPPED: {why} (install openssh-server and run as root; CI fails here)");
    None
}

pub struct Sshd {
    pub dir: PathBuf,
    pub port: u16,
    child: Child,
}

fn run(cmd: &mut Command) -> Result<String, String> {
    let out = cmd.output().map_err(|e| format!("{cmd:?}: {e}"))?;
    if !out.status.success() {
        return Err(format!("{cmd:?}: {}", String::from_utf8_lossy(&out.stderr)));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A new key pair (`ed25519` or `rsa`) at `path` / `path.pub`.
pub fn keygen(path: &Path, kind: &str) -> Result<(), String> {
    let _ = std::fs::remove_file(path);
    run(Command::new("ssh-keygen")
        .args(["-q", "-t", kind, "-N", "", "-C", "test", "-f"])
        .arg(path))
    .map(|_| ())
}

/// `SHA256:...` of a public key file, from `ssh-keygen -lf`.
pub fn fingerprint(pub_file: &Path) -> String {
    let out = run(Command::new("ssh-keygen").arg("-lf").arg(pub_file)).expect("ssh-keygen -lf");
    out.split_whitespace()
        .nth(1)
        .unwrap_or_default()
        .to_string()
}

fn ensure_user() -> Result<(), String> {
    if run(Command::new("id").arg(USER)).is_ok() {
        return Ok(());
    }
    // Two test binaries may race here: a second useradd failing is fine if the user exists.
    let made = run(Command::new("useradd").args(["-m", "-s", "/bin/sh", USER]));
    if made.is_err() && run(Command::new("id").arg(USER)).is_err() {
        return made.map(|_| ());
    }
    // A locked account is refused by sshd with UsePAM no; '*' allows key login only.
    run(Command::new("usermod").args(["-p", "*", USER])).map(|_| ())
}

static NEXT: AtomicU16 = AtomicU16::new(0);

/// A port in 22100..22999 that nothing listens on right now.
pub fn free_port() -> u16 {
    let base = 22100 + (std::process::id() % 600) as u16;
    for _ in 0..300 {
        let port = base + NEXT.fetch_add(1, Ordering::Relaxed) % 300;
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free port in 22100..22999");
}

impl Sshd {
    /// Starts a server, or `None` (after saying why) when the machine cannot run one.
    pub fn start(tag: &str) -> Option<Sshd> {
        if !Path::new(SSHD).exists() {
            return missing("sshd is not installed (apt-get install -y openssh-server)");
        }
        if let Err(e) = ensure_user() {
            return missing(&format!("cannot create the test user {USER}: {e}"));
        }
        match Sshd::launch(tag) {
            Ok(s) => Some(s),
            Err(e) => missing(&format!("cannot start sshd: {e}")),
        }
    }

    fn launch(tag: &str) -> Result<Sshd, String> {
        let _ = std::fs::create_dir_all("/run/sshd");
        let dir = std::env::temp_dir().join(format!("portoser-sshd-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("shared")).map_err(|e| e.to_string())?;
        set_mode(&dir, 0o755);
        // A directory the test user can write to (timeout markers, uploads).
        set_mode(&dir.join("shared"), 0o777);
        keygen(&dir.join("host_ed25519"), "ed25519")?;
        keygen(&dir.join("client_ed25519"), "ed25519")?;
        let authorized =
            std::fs::read_to_string(dir.join("client_ed25519.pub")).map_err(|e| e.to_string())?;
        let auth_file = dir.join(format!("authorized_keys.{USER}"));
        std::fs::write(&auth_file, authorized).map_err(|e| e.to_string())?;
        set_mode(&auth_file, 0o644);
        let port = free_port();
        let d = dir.display();
        let config = format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {d}/host_ed25519\nPidFile {d}/sshd.pid\n\
             UsePAM no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n\
             AuthorizedKeysFile {d}/authorized_keys.%u\nStrictModes no\nAllowTcpForwarding yes\n\
             AllowUsers {USER}\nLogLevel VERBOSE\n"
        );
        std::fs::write(dir.join("sshd_config"), config).map_err(|e| e.to_string())?;
        let child = Command::new(SSHD)
            .arg("-D")
            .arg("-f")
            .arg(dir.join("sshd_config"))
            .arg("-E")
            .arg(dir.join("sshd.log"))
            .stdin(Stdio::null())
            .spawn()
            .map_err(|e| e.to_string())?;
        let sshd = Sshd { dir, port, child };
        // Ready when it says so in its log (probing with a connection would leave a session
        // process that outlives a fast test's directory).
        let deadline = Instant::now() + Duration::from_secs(5);
        while !sshd.log().contains("Server listening") {
            if Instant::now() > deadline {
                return Err(format!("not listening after 5 s; log: {}", sshd.log()));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        Ok(sshd)
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("sshd.log")).unwrap_or_default()
    }

    pub fn host_pub(&self) -> PathBuf {
        self.dir.join("host_ed25519.pub")
    }

    /// `[127.0.0.1]:port type base64`, the line known_hosts needs for this server.
    pub fn known_hosts_line(&self) -> String {
        let key = std::fs::read_to_string(self.host_pub()).unwrap_or_default();
        let mut fields = key.split_whitespace();
        let (kind, b64) = (fields.next().unwrap_or(""), fields.next().unwrap_or(""));
        format!("[127.0.0.1]:{} {kind} {b64}\n", self.port)
    }

    /// A known_hosts file holding `content`, and options pointing at it.
    pub fn options_with(&self, name: &str, content: &str, trust: bool) -> SshOptions {
        let path = self.dir.join(name);
        std::fs::write(&path, content).expect("write known_hosts");
        SshOptions {
            known_hosts: path,
            trust_new_host_keys: trust,
            connect_timeout: Duration::from_secs(5),
            ..SshOptions::default()
        }
    }

    /// Options whose known_hosts file knows this server.
    pub fn options(&self) -> SshOptions {
        self.options_with("known_hosts", &self.known_hosts_line(), false)
    }

    pub fn host(&self, key: Option<PathBuf>) -> HostConfig {
        HostConfig {
            name: "box".to_string(),
            address: "127.0.0.1".to_string(),
            port: self.port,
            user: USER.to_string(),
            key: key.or_else(|| Some(self.dir.join("client_ed25519"))),
            local: false,
        }
    }

    /// Authorizes one more public key (e.g. an RSA one).
    pub fn authorize(&self, pub_file: &Path) {
        let key = std::fs::read_to_string(pub_file).expect("read pub key");
        let file = self.dir.join(format!("authorized_keys.{USER}"));
        let mut all = std::fs::read_to_string(&file).unwrap_or_default();
        all.push_str(&key);
        std::fs::write(&file, all).expect("write authorized_keys");
    }
}

impl Sshd {
    /// Kills (SIGKILL) every process this server forked: the per-connection sshd processes
    /// and the commands they run. Open connections drop; the server keeps listening.
    pub fn kill_sessions(&self) {
        kill(&descendants(self.child.id()));
    }

    /// Stops the server and drops every connection it served.
    pub fn kill_all(&mut self) {
        // Sessions first, while the server still reaps them (init may not, here); the
        // pause lets it.
        self.kill_sessions();
        std::thread::sleep(Duration::from_millis(50));
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn kill(pids: &[u32]) {
    for pid in pids {
        let _ = Command::new("kill")
            .arg("-KILL")
            .arg(pid.to_string())
            .status();
    }
}

/// The pids of every descendant of `root`, from /proc (children before their parents are
/// known is fine: the walk repeats until nothing new appears).
fn descendants(root: u32) -> Vec<u32> {
    let parents: Vec<(u32, u32)> = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let pid: u32 = e.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(e.path().join("stat")).ok()?;
            // `pid (comm) state ppid ...`; comm may hold spaces and parentheses.
            let rest = &stat[stat.rfind(')')? + 1..];
            let ppid: u32 = rest.split_whitespace().nth(1)?.parse().ok()?;
            Some((pid, ppid))
        })
        .collect();
    let mut found = vec![root];
    let mut i = 0;
    while let Some(&parent) = found.get(i) {
        for (pid, _) in parents.iter().filter(|(_, pp)| *pp == parent) {
            if !found.contains(pid) {
                found.push(*pid);
            }
        }
        i += 1;
    }
    found.remove(0);
    found
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode));
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
