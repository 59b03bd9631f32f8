//! The `hosts check` probes for what the Caddy and Vault work added: Caddy on the ingress host
//! (its version and admin API, `portoser_caddy::probe`), and the AppRole credentials file on
//! hosts that run services with `secrets:` (exists, mode 0600, content never read).

use portoser_registry::Registry;
use portoser_transport::{Cmd, ExecOptions, Script, Transport};
use portoser_vault::APPROLE_FILE;
use std::time::Duration;

/// One probe's cell in the table, and what it found wrong (errors fail the check, warnings
/// do not).
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Finding {
    pub cell: String,
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
}

impl Finding {
    fn absent() -> Self {
        Finding {
            cell: "-".into(),
            ..Finding::default()
        }
    }
}

/// The admin API the reload uses: `caddy.admin_api`, else the renderer's default.
fn admin_api(registry: &Registry) -> String {
    registry
        .caddy
        .as_ref()
        .and_then(|c| c.admin_api.as_ref())
        .map_or_else(
            || portoser_caddy::build::DEFAULT_ADMIN.to_string(),
            |a| a.value.clone(),
        )
}

/// Caddy on `host` when it is `caddy.ingress_host`; `-` elsewhere.
pub(super) async fn caddy(t: &Transport, registry: &Registry, host: &str) -> Finding {
    let ingress = registry
        .caddy
        .as_ref()
        .and_then(|c| c.ingress_host.as_ref());
    if ingress.is_none_or(|h| h.value != host) {
        return Finding::absent();
    }
    let admin = admin_api(registry);
    let binary = portoser_caddy::build::binary(registry);
    let probe = portoser_caddy::probe::probe(t, &admin, &binary).await;
    let mut f = Finding::default();
    f.warnings.extend(probe.version_warning());
    f.warnings.extend(probe.reload_warning(host));
    if let Err(e) = &probe.version {
        f.errors.push(format!("caddy (ingress host): {e}"));
    }
    if let Err(e) = &probe.admin {
        f.errors.push(format!("caddy admin API: {e}"));
    }
    f.cell = match (&probe.version, &probe.admin) {
        (Ok(v), Ok(())) => v.clone(),
        (Ok(v), Err(_)) => format!("{v},API-DOWN"),
        (Err(_), _) => "MISSING".into(),
    };
    f
}

/// The hosts' base directory, as apply's secrets node and `vault setup-approles` compute it.
fn base_dir(registry: &Registry, host: &str) -> Option<String> {
    let h = registry.host(host)?;
    h.path
        .as_ref()
        .or(registry.defaults.path.as_ref())
        .map(|p| p.value.trim_end_matches('/').to_string())
}

/// The AppRole file on `host` when a service placed there has `secrets:`; `-` elsewhere.
pub(super) async fn approle(t: &Transport, registry: &Registry, host: &str) -> Finding {
    let needs = registry
        .services
        .iter()
        .any(|s| !s.secrets.is_empty() && s.current_host.as_ref().is_some_and(|h| h.value == host));
    if !needs {
        return Finding::absent();
    }
    let Some(base) = base_dir(registry, host) else {
        // The registry check (E01xx) already says a host needs a `path`.
        return Finding::absent();
    };
    let path = format!("{base}/{APPROLE_FILE}");
    let mut f = Finding::default();
    match mode(t, &path).await {
        Ok(Some(0o600)) => f.cell = "0600".into(),
        Ok(Some(m)) => {
            f.cell = format!("{m:04o}");
            f.errors.push(format!(
                "AppRole file {path} has mode {m:04o}, not 0600: anyone who reads it can read \
                 the host's secrets; run `portoser vault setup-approles` (rewrites it 0600)"
            ));
        }
        Ok(None) => {
            f.cell = "MISSING".into();
            f.errors.push(format!(
                "AppRole file {path} is missing: the services' secrets cannot be read at apply; \
                 run `portoser vault setup-approles`"
            ));
        }
        Err(e) => {
            f.cell = "FAILED".into();
            f.errors.push(format!("AppRole file {path}: {e}"));
        }
    }
    f
}

/// The file's permission bits, `None` when it does not exist. Only its metadata: the content
/// (the secret-id) is never read. `ls -nd` because its mode column is the same on GNU and BSD
/// (macOS) systems, where `stat`'s flags differ.
async fn mode(t: &Transport, path: &str) -> Result<Option<u32>, String> {
    let script = Script::from(Cmd::new("test").arg("-e").arg(path))
        .and(Cmd::new("ls").args(["-Lnd", "--"]).arg(path));
    let out = t
        .exec(&script, ExecOptions::with_timeout(Duration::from_secs(15)))
        .await
        .map_err(|e| e.to_string())?;
    parse_mode(out.status, &out.stdout_text(), &out.stderr_text())
}

/// `test -e` fails silently (status 1, no stderr) for a missing file; `ls` prints the mode
/// column (`-rw-------`) first.
fn parse_mode(status: Option<i32>, stdout: &str, stderr: &str) -> Result<Option<u32>, String> {
    match status {
        Some(0) => permission_bits(stdout)
            .map(Some)
            .ok_or_else(|| format!("`ls` printed {:?}, not a mode", stdout.trim())),
        Some(1) if stderr.trim().is_empty() => Ok(None),
        _ => Err(format!("`ls` failed: {}", stderr.trim())),
    }
}

/// `-rw-r-----` (and `-rwsr-x--T`, `drwx------+`) → 0o640 ...: the nine permission letters
/// after the type; s/t count as x, S/T as not.
fn permission_bits(line: &str) -> Option<u32> {
    let column = line.split_whitespace().next()?;
    let letters: Vec<char> = column.chars().skip(1).take(9).collect();
    if letters.len() != 9 {
        return None;
    }
    let mut bits = 0;
    for (i, c) in letters.into_iter().enumerate() {
        let expected = ['r', 'w', 'x'][i % 3];
        let set = match c {
            '-' | 'S' | 'T' => false,
            's' | 't' => i % 3 == 2,
            c if c == expected => true,
            _ => return None,
        };
        if set {
            bits |= 1 << (8 - i);
        }
    }
    Some(bits)
}

#[cfg(test)]
mod tests {
    use super::*;
    use portoser_diag::{Diagnostics, Origin, SourceMap};
    use portoser_transport::{ExecOutput, FakeTransport};

    #[test]
    fn modes_are_parsed() {
        let ls = |mode: &str| format!("{mode} 1 1000 1000 52 Nov 27 10:00 /srv/app/x\n");
        assert_eq!(parse_mode(Some(0), &ls("-rw-------"), ""), Ok(Some(0o600)));
        assert_eq!(parse_mode(Some(0), &ls("-rw-r--r--"), ""), Ok(Some(0o644)));
        // macOS adds `@` (extended attributes) or `+` (ACL) after the letters.
        assert_eq!(parse_mode(Some(0), &ls("-rw-r-----@"), ""), Ok(Some(0o640)));
        assert_eq!(parse_mode(Some(0), &ls("-rwsr-x--T"), ""), Ok(Some(0o750)));
        assert_eq!(parse_mode(Some(1), "", ""), Ok(None));
        assert!(parse_mode(Some(1), "", "ls: Permission denied").is_err());
        assert!(parse_mode(Some(0), "600\n", "").is_err());
        assert!(parse_mode(Some(0), "-rw-", "").is_err());
    }

    #[tokio::test]
    async fn the_mode_of_a_real_file_is_read_with_this_machines_ls() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("vault-approle");
        std::fs::write(&file, "secret-id").expect("write");
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).expect("chmod");
        let t = Transport::Local(portoser_transport::LocalTransport::new("me"));
        let path = file.display().to_string();
        assert_eq!(mode(&t, &path).await, Ok(Some(0o640)));
        let missing = dir.path().join("missing").display().to_string();
        assert_eq!(mode(&t, &missing).await, Ok(None));
    }

    fn registry(yaml: &str) -> Registry {
        let mut map = SourceMap::new();
        let mut diags = Diagnostics::new();
        let id = map.add("registry.yml", yaml, Origin::Project);
        let r = portoser_registry::load(&map, id, &mut diags).expect("registry loads");
        assert!(!diags.has_errors(), "{yaml}");
        r
    }

    const SECRETS: &str = "hosts:\n  web:\n    ip: 10.0.0.1\n    path: /srv/app\n  \
        other:\n    ip: 10.0.0.2\n    path: /srv/app\nvault:\n  address: https://vault.lan:8200\n\
        services:\n  api:\n    current_host: web\n    deployment_type: local\n    \
        command: ./run\n    secrets:\n      TOKEN: app/api#token\n";

    #[tokio::test]
    async fn approle_file_is_stated_never_read() {
        let r = registry(SECRETS);
        let fake = FakeTransport::new("web");
        fake.on(
            "'ls'",
            Ok(ExecOutput::ok("-rw-r--r-- 1 1000 1000 52 Nov 27 10:00 f\n")),
        );
        let t = Transport::Fake(fake.clone());
        let f = approle(&t, &r, "web").await;
        assert_eq!(f.cell, "0644");
        assert!(f.errors[0].contains("/srv/app/.portoser/vault-approle"));
        assert!(f.errors[0].contains("portoser vault setup-approles"));
        let scripts = fake.scripts();
        assert_eq!(scripts.len(), 1);
        assert!(!scripts[0].contains("cat"), "{scripts:?}");

        fake.on("'ls'", Ok(ExecOutput::failed(1, "")));
        let f = approle(&t, &r, "web").await;
        assert_eq!(f.cell, "MISSING");
        assert!(f.errors[0].contains("is missing"), "{:?}", f.errors);

        fake.on(
            "'ls'",
            Ok(ExecOutput::ok("-rw------- 1 1000 1000 52 Nov 27 10:00 f\n")),
        );
        assert_eq!(approle(&t, &r, "web").await.errors, Vec::<String>::new());

        // A host without secrets services is not asked anything.
        let other = FakeTransport::new("other");
        let f = approle(&Transport::Fake(other.clone()), &r, "other").await;
        assert_eq!(f.cell, "-");
        assert!(other.scripts().is_empty());
    }

    #[tokio::test]
    async fn caddy_is_probed_on_the_ingress_host_only() {
        let r = registry(
            "hosts:\n  edge:\n    ip: 10.0.0.1\n    path: /srv\n  web:\n    ip: 10.0.0.2\n    \
             path: /srv\ncaddy:\n  ingress_host: edge\n  admin_api: 127.0.0.1:2999\n\
             services:\n  api:\n    current_host: web\n    deployment_type: local\n    \
             command: ./run\n    port: 8080\n    hostname: api.lan\n",
        );
        let fake = FakeTransport::new("edge");
        fake.on("'caddy' 'version'", Ok(ExecOutput::ok("v2.4.6 h1:x\n")));
        fake.serve_tcp(2999, "HTTP/1.1 200 OK\r\n\r\n{}");
        let f = caddy(&Transport::Fake(fake), &r, "edge").await;
        assert_eq!(f.cell, "v2.4.6");
        assert!(f.errors.is_empty(), "{:?}", f.errors);
        assert!(f.warnings[0].contains("older than 2.6"), "{:?}", f.warnings);

        // Nothing on the admin port: an error naming the address and the remedy.
        let down = FakeTransport::new("edge");
        down.on("'caddy' 'version'", Ok(ExecOutput::ok("v2.6.2 h1:x\n")));
        let f = caddy(&Transport::Fake(down), &r, "edge").await;
        assert_eq!(f.cell, "v2.6.2,API-DOWN");
        assert!(f.errors[0].contains("127.0.0.1:2999"), "{:?}", f.errors);

        let web = FakeTransport::new("web");
        assert_eq!(
            caddy(&Transport::Fake(web.clone()), &r, "web").await.cell,
            "-"
        );
        assert!(web.scripts().is_empty());
    }
}
