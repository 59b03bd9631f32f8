//! Is Caddy usable on the ingress host? (`portoser hosts check`): `caddy version` runs there,
//! and the admin API answers `GET /config/` through a direct-tcpip channel of the run's SSH
//! connection, the way [`crate::reload`] reaches it (the host needs no curl), and whether the
//! kernel hands a reload's queued connections on (`net.ipv4.tcp_migrate_req`).

use crate::admin::{self, AdminError};
use crate::reload::admin_port;
use portoser_transport::{Cmd, ExecOptions, Script, Transport};
use std::time::Duration;

const STEP: Duration = Duration::from_secs(15);
/// The oldest Caddy the reload is tested with (the test bed's 2.6.2).
pub const OLDEST_TESTED: (u32, u32) = (2, 6);

/// What the probe found; each part fails on its own, with a message saying what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    /// `v2.6.2` as `caddy version` prints it.
    pub version: Result<String, String>,
    pub admin: Result<(), String>,
    /// `net.ipv4.tcp_migrate_req` on a Linux ingress host (None: not Linux, a kernel older
    /// than 5.14, or unreadable). Caddy binds each new config with SO_REUSEPORT and closes
    /// the old config's socket: with 0, the connections waiting in that socket's accept
    /// queue are reset; with 1, the kernel moves them to the new socket (docs/caddy.md).
    pub migrate_req: Option<bool>,
}

impl Probe {
    /// A warning when the version is older than [`OLDEST_TESTED`] (or not understood).
    pub fn version_warning(&self) -> Option<String> {
        let v = self.version.as_ref().ok()?;
        match parse_version(v) {
            Some((major, minor, _)) if (major, minor) >= OLDEST_TESTED => None,
            Some(_) => Some(format!(
                "Caddy {v} is older than {}.{}, the oldest version portoser is tested with: \
                 upgrade it (https://caddyserver.com/docs/install)",
                OLDEST_TESTED.0, OLDEST_TESTED.1
            )),
            None => Some(format!(
                "`caddy version` printed {v:?}: not a version portoser understands"
            )),
        }
    }

    /// A warning when the kernel resets the connections a reload leaves queued.
    pub fn reload_warning(&self, host: &str) -> Option<String> {
        (self.migrate_req == Some(false)).then(|| {
            format!(
                "`net.ipv4.tcp_migrate_req` is 0 on `{host}`: every Caddy reload resets the \
                 connections still queued on the old config's socket; set it to 1 \
                 (`sysctl -w net.ipv4.tcp_migrate_req=1`, and a file in /etc/sysctl.d/ to keep \
                 it), docs/caddy.md \"Reloads and dropped requests\""
            )
        })
    }
}

/// The kernel setting [`Probe::migrate_req`] reads.
pub const MIGRATE_REQ: &str = "/proc/sys/net/ipv4/tcp_migrate_req";

/// `binary` is the registry's `caddy.binary` (default `caddy`).
pub async fn probe(t: &Transport, admin: &str, binary: &str) -> Probe {
    Probe {
        version: version(t, binary).await,
        admin: config(t, admin).await,
        migrate_req: migrate_req(t).await,
    }
}

/// `cat /proc/sys/net/ipv4/tcp_migrate_req`: `Some(false)` for 0, `Some(true)` for 1, None
/// when there is no such file (macOS, Linux before 5.14) or it says something else.
async fn migrate_req(t: &Transport) -> Option<bool> {
    let cmd = Script::from(Cmd::new("cat").arg(MIGRATE_REQ));
    let out = t.exec(&cmd, ExecOptions::with_timeout(STEP)).await.ok()?;
    if !out.success() {
        return None;
    }
    match out.stdout_text().trim() {
        "0" => Some(false),
        "1" => Some(true),
        _ => None,
    }
}

/// `v2.6.2 h1:oSItWVQ…` → `(2, 6, 2)`; a missing patch is 0.
pub fn parse_version(text: &str) -> Option<(u32, u32, u32)> {
    let word = text.split_whitespace().next()?;
    let mut parts = word.strip_prefix('v').unwrap_or(word).splitn(3, '.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    // `2.7.0-beta.1`: the digits before any suffix.
    let patch = parts
        .next()
        .map(|p| {
            p.chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
        })
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    Some((major, minor, patch))
}

async fn version(t: &Transport, binary: &str) -> Result<String, String> {
    let cmd = Script::from(Cmd::new(binary).arg("version"));
    let out = t
        .exec(&cmd, ExecOptions::with_timeout(STEP))
        .await
        .map_err(|e| e.to_string())?;
    match out.status {
        Some(0) => Ok(out
            .stdout_text()
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_string()),
        Some(127) => Err(format!(
            "`{binary}` is not installed on `{}` (or not on the SSH user's PATH): install Caddy \
             there (https://caddyserver.com/docs/install), or set `caddy.binary` to its \
             absolute path",
            t.host()
        )),
        _ => Err(format!(
            "`{binary} version` failed: {}",
            out.stderr_text().trim()
        )),
    }
}

/// `GET /config/` on the admin API: 200 means Caddy runs and will take a `POST /load`.
async fn config(t: &Transport, admin: &str) -> Result<(), String> {
    let port = admin_port(admin).map_err(|e| e.to_string())?;
    let not_running = |e: String| {
        format!(
            "the admin API {admin} does not answer on `{}` ({e}): start Caddy there with its \
             admin API on {admin} (`caddy run`, or its systemd unit), or set `caddy.admin_api`",
            t.host()
        )
    };
    let stream = t
        .connect_tcp(port, Duration::from_secs(10))
        .await
        .map_err(|e| not_running(e.to_string()))?;
    let head = format!("GET /config/ HTTP/1.1\r\nHost: {admin}\r\nConnection: close\r\n\r\n");
    admin::exchange(stream, &head, b"", STEP)
        .await
        .map_err(|(AdminError::Silent(e) | AdminError::Refused(e))| not_running(e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use portoser_transport::{ExecOutput, FakeTransport};

    #[test]
    fn versions_are_parsed() {
        assert_eq!(
            parse_version("v2.6.2 h1:oSItWVQNMRXBk7z7ZRIUUn9Ebi2mc2PuEjhbcHQ1Ij4="),
            Some((2, 6, 2))
        );
        assert_eq!(parse_version("v2.7.0-beta.1 h1:x"), Some((2, 7, 0)));
        assert_eq!(parse_version("2.10"), Some((2, 10, 0)));
        assert_eq!(parse_version("caddy"), None);
        assert_eq!(parse_version(""), None);
    }

    fn with_version(v: &str) -> Probe {
        Probe {
            version: Ok(v.to_string()),
            admin: Ok(()),
            migrate_req: Some(true),
        }
    }

    #[test]
    fn older_than_tested_is_a_warning() {
        assert_eq!(with_version("v2.6.2").version_warning(), None);
        assert_eq!(with_version("v2.10.0").version_warning(), None);
        let old = with_version("v2.4.6").version_warning().unwrap();
        assert!(old.contains("older than 2.6"), "{old}");
        let odd = with_version("devel").version_warning().unwrap();
        assert!(odd.contains("not a version"), "{odd}");
    }

    #[tokio::test]
    async fn the_kernel_setting_is_read_and_only_0_warns() {
        for (answer, want) in [
            (Ok(ExecOutput::ok("0\n")), Some(false)),
            (Ok(ExecOutput::ok("1\n")), Some(true)),
            // macOS, or Linux before 5.14: no such file, nothing to say.
            (
                Ok(ExecOutput::failed(1, "cat: /proc/sys/...: No such file")),
                None,
            ),
        ] {
            let fake = FakeTransport::new("edge");
            fake.on("'cat' '/proc/sys/net/ipv4/tcp_migrate_req'", answer);
            let p = probe(&Transport::Fake(fake), "127.0.0.1:2019", "caddy").await;
            assert_eq!(p.migrate_req, want);
            let warning = p.reload_warning("edge");
            assert_eq!(warning.is_some(), want == Some(false));
            if let Some(w) = warning {
                assert!(w.contains("sysctl -w net.ipv4.tcp_migrate_req=1"), "{w}");
                assert!(w.contains("`edge`"), "{w}");
            }
        }
    }

    #[tokio::test]
    async fn probe_through_a_fake_host() {
        let fake = FakeTransport::new("edge");
        fake.on("'caddy' 'version'", Ok(ExecOutput::ok("v2.6.2 h1:abc\n")));
        fake.serve_tcp(2019, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nnull\n");
        let t = Transport::Fake(fake.clone());
        let p = probe(&t, "127.0.0.1:2019", "caddy").await;
        assert_eq!(p.version, Ok("v2.6.2".to_string()));
        assert_eq!(p.admin, Ok(()));

        // No caddy, nothing on the port: both fail with what to do.
        let bare_fake = FakeTransport::new("edge");
        bare_fake.on("'caddy'", Ok(ExecOutput::failed(127, "caddy: not found")));
        let bare = Transport::Fake(bare_fake);
        let p = probe(&bare, "127.0.0.1:2019", "caddy").await;
        assert!(p.version.unwrap_err().contains("not installed on `edge`"));
        let admin = p.admin.unwrap_err();
        assert!(
            admin.contains("does not answer") && admin.contains("caddy.admin_api"),
            "{admin}"
        );

        // A non-loopback admin address is refused before any connection.
        let p = probe(&t, "10.0.0.1:2019", "caddy").await;
        assert!(p.admin.unwrap_err().contains("not a loopback address"));
    }

    /// `caddy.binary` is the program asked for its version; missing, the error names it
    /// and the setting.
    #[tokio::test]
    async fn the_named_binary_is_probed() {
        let fake = FakeTransport::new("mac");
        let bin = "/opt/homebrew/bin/caddy";
        fake.on(
            "'/opt/homebrew/bin/caddy' 'version'",
            Ok(ExecOutput::ok("v2.11.7 h1:yj0Y\n")),
        );
        fake.serve_tcp(2019, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nnull\n");
        let p = probe(&Transport::Fake(fake.clone()), "127.0.0.1:2019", bin).await;
        assert_eq!(p.version, Ok("v2.11.7".to_string()));
        assert!(
            !fake
                .scripts()
                .iter()
                .any(|s| s.contains("'caddy' 'version'"))
        );

        let bare = FakeTransport::new("mac");
        bare.on(bin, Ok(ExecOutput::failed(127, "not found")));
        let p = probe(&Transport::Fake(bare), "127.0.0.1:2019", bin).await;
        let e = p.version.unwrap_err();
        assert!(
            e.contains("`/opt/homebrew/bin/caddy` is not installed on `mac`")
                && e.contains("caddy.binary"),
            "{e}"
        );
    }
}
