//! End-to-end secrets (issue 7): a real OpenBao dev server (one per test, on a free port),
//! per-host AppRoles delivered over SSH by `portoser vault setup-approles`, and apply writing
//! each service's secrets to its remote host as a 0600 env file the engine reads:
//! - a docker service on h2 serves the secret it got through compose's `env_file`;
//! - a local service on h1 gets it through the supervisor;
//! - a service on h2 that references h1's secret is denied (403): E0571 at the reference, no
//!   env file on the host;
//! - the canary value is in none of: the saved plan, state.db, apply output (json and human),
//!   error output, history.
//!
//! Needs the test bed and `bao` (tests/testbed/install.sh); skips loudly without them.

#[path = "e2e/support.rs"]
mod support;

use portoser_vault::testing::Bao;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};
use support::*;

const ROOT: &str = "e2e-root-token";
const CANARY: &str = "canary-7f3a9c1e-do-not-leak";

fn services(with_denied: bool) -> String {
    let mut s = String::from(
        r#"  vs-web:
    deployment_type: docker
    current_host: h2
    docker_compose: vs-web/docker-compose.yml
    port: 24301
    secrets: {DB_PASSWORD: "apps/web#db_password"}
    health: {type: http, interval: 1s, retries: 15}
  vs-py:
    deployment_type: local
    current_host: h1
    command: echo "$API_KEY" > got.txt && exec python3 -m http.server 24302 --bind 0.0.0.0
    port: 24302
    secrets: {API_KEY: "apps/py#api_key"}
    health: {type: tcp, interval: 1s, retries: 15}
  vs-sys:
    deployment_type: native
    current_host: sys
    command: printf '%s' "$SYS_KEY" > got.txt && exec python3 -m http.server 24304 --bind 0.0.0.0
    port: 24304
    secrets: {SYS_KEY: "apps/sys#key"}
    health: {type: tcp, interval: 1s, retries: 15}
"#,
    );
    if with_denied {
        s.push_str(
            r#"  vs-thief:
    deployment_type: local
    current_host: h2
    command: exec python3 -m http.server 24303 --bind 0.0.0.0
    port: 24303
    secrets: {STOLEN: "apps/py#api_key"}
"#,
        );
    }
    s
}

/// Busybox serving the value of `$DB_PASSWORD` it got from compose's env_file (`$$`: not
/// interpolated by compose, expanded by the container's shell).
fn compose() -> String {
    busybox_compose_with(24301, r#"echo \"$$DB_PASSWORD\" > /www/index.html"#)
}

fn put(p: &Project, service: &str, var: &str, value: &str) {
    let mut child = p
        .cmd(&["vault", "put", service, var])
        .env("VAULT_TOKEN", ROOT)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(value.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn mode(path: &str) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .permissions()
        .mode()
        & 0o777
}

#[test]
fn remote_secrets_per_host_approles_denial_and_no_leak() {
    let Some(bed) = bed("remote_secrets_per_host_approles_denial_and_no_leak") else {
        return;
    };
    let Some(vault) = Bao::dev(ROOT) else { return };
    // The operator token for every command of this test (the only test in this binary): the
    // plan reads the secrets' current versions with it.
    // SAFETY: set before this test starts any thread; no other test runs in this binary.
    unsafe { std::env::set_var("VAULT_TOKEN", ROOT) };
    // An earlier run's credentials (for a Vault that is gone) must not be found.
    let creds = |h: &str| format!("{}/.portoser/vault-approle", base(h));
    for h in ["h1", "h2"] {
        let _ = std::fs::remove_file(creds(h));
    }
    ssh(&bed, "sys", "rm -f /srv/portoser/.portoser/vault-approle");
    let mut p = Project::new(&bed);
    p.hosts_yaml.push_str(&format!(
        "vault:\n  address: http://127.0.0.1:{}\n  mount: secret\n  dev: true\n",
        vault.port
    ));
    p.write("vs-web/docker-compose.yml", &compose());
    p.set_services(&services(false));

    put(&p, "vs-web", "DB_PASSWORD", CANARY);
    put(&p, "vs-py", "API_KEY", &format!("{CANARY}-py"));
    // Quotes, a backslash and a `$` reach the systemd service literally.
    let sys_value = format!(r#"{CANARY}-sys "q" \b $x"#);
    put(&p, "vs-sys", "SYS_KEY", &sys_value);
    let listed = p
        .cmd(&["vault", "list", "vs-web"])
        .env("VAULT_TOKEN", ROOT)
        .output()
        .unwrap();
    let listed = String::from_utf8_lossy(&listed.stdout).to_string();
    assert!(
        listed.contains("apps/web#db_password") && listed.contains("present"),
        "{listed}"
    );
    assert!(!listed.contains(CANARY), "list printed a value");

    // Without the AppRoles delivered: located E0573 (no credentials on the host).
    let early = p.apply(&[]);
    assert_ne!(early.out.code, 0, "{}", early.out.all());
    assert!(early.out.all().contains("E0573"), "{}", early.out.all());

    let setup = p
        .cmd(&["vault", "setup-approles"])
        .env("VAULT_TOKEN", ROOT)
        .output()
        .unwrap();
    assert!(
        setup.status.success(),
        "{}",
        String::from_utf8_lossy(&setup.stderr)
    );
    for host in ["h1", "h2"] {
        assert_eq!(
            mode(&format!("{}/.portoser/vault-approle", base(host))),
            0o600
        );
    }

    // Apply: each host reads its own services' secrets with its own AppRole.
    let saved = p.path().join("plan.json");
    let plan = p.run(&["plan", "--out", saved.to_str().unwrap()]);
    assert_eq!(plan.code, 0, "{}", plan.all());
    let a = p.apply(&[]);
    a.ok();
    let web_env = format!("{}/vs-web/.portoser/secrets.env", base("h2"));
    assert_eq!(mode(&web_env), 0o600);
    assert_eq!(
        wait_http(&ip("h2"), 24301, 20).map(|b| b.trim().to_string()),
        Some(CANARY.to_string()),
        "the container did not get the secret through env_file"
    );
    let got = format!("{}/vs-py/got.txt", base("h1"));
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::fs::read_to_string(&got).map_or(true, |s| s.trim().is_empty()) {
        assert!(Instant::now() < deadline, "vs-py never wrote {got}");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(
        std::fs::read_to_string(&got).unwrap().trim(),
        format!("{CANARY}-py")
    );

    let sys_got = ssh(&bed, "sys", "cat /srv/portoser/vs-sys/got.txt");
    assert_eq!(
        sys_got, sys_value,
        "systemd's EnvironmentFile changed the value"
    );
    let sys_mode = ssh(
        &bed,
        "sys",
        "stat -c %a /srv/portoser/vs-sys/.portoser/secrets.env",
    );
    assert_eq!(sys_mode.trim(), "600");

    // Rotation: a new version in Vault is a change the plan names (numbers only) and apply
    // restarts the service with the new value.
    let quiet = p.run(&["plan", "--detailed-exitcode"]);
    assert_eq!(quiet.code, 0, "a change right after apply: {}", quiet.all());
    put(&p, "vs-web", "DB_PASSWORD", &format!("{CANARY}-v2"));
    let rotated = p.run(&["plan"]);
    assert!(
        rotated
            .stdout
            .contains("secret version changed: DB_PASSWORD (1 → 2)"),
        "{}",
        rotated.all()
    );
    let no_token = p
        .cmd(&["plan", "--detailed-exitcode"])
        .env_remove("VAULT_TOKEN")
        .output()
        .unwrap();
    let no_token_err = String::from_utf8_lossy(&no_token.stderr).to_string();
    assert_eq!(no_token.status.code(), Some(0), "{no_token_err}");
    assert!(
        no_token_err.contains("secret versions were not checked"),
        "{no_token_err}"
    );
    let r = p.apply(&[]);
    r.ok();
    assert_eq!(r.services_touched(), ["vs-web"]);
    assert_eq!(
        wait_http(&ip("h2"), 24301, 20).map(|b| b.trim().to_string()),
        Some(format!("{CANARY}-v2")),
        "the rotated value did not reach the container"
    );
    let after = p.run(&["plan", "--detailed-exitcode"]);
    assert_eq!(
        after.code,
        0,
        "the rotation was not recorded: {}",
        after.all()
    );

    // h2's AppRole may not read h1's secret: 403, located at the reference, no env file.
    p.set_services(&services(true));
    p.write("vs-web/docker-compose.yml", &compose());
    let denied = p.run(&["apply", "--yes"]);
    assert_ne!(denied.code, 0);
    let all = denied.all();
    assert!(all.contains("E0571"), "{all}");
    assert!(all.contains("apps/py#api_key"), "{all}");
    assert!(all.contains("registry.yml:"), "not located: {all}");
    assert!(!Path::new(&format!("{}/vs-thief/.portoser/secrets.env", base("h2"))).exists());
    let denied_json = p.apply(&[]);

    // The canary is nowhere portoser writes or prints.
    let history = p.run(&["history"]);
    let mut places = vec![
        ("plan file", std::fs::read(&saved).unwrap()),
        (
            "state.db",
            std::fs::read(p.path().join(".portoser/state.db")).unwrap(),
        ),
        ("apply json", a.out.all().into_bytes()),
        ("apply json (rotation)", r.out.all().into_bytes()),
        ("plan (rotation)", rotated.all().into_bytes()),
        ("apply human (denied)", all.clone().into_bytes()),
        ("apply json (denied)", denied_json.out.all().into_bytes()),
        ("plan output", plan.all().into_bytes()),
        ("history", history.all().into_bytes()),
        ("vault list", listed.into_bytes()),
    ];
    for entry in std::fs::read_dir(p.path().join(".portoser"))
        .unwrap()
        .flatten()
    {
        if entry.path().is_file() {
            places.push(("a file in .portoser/", std::fs::read(entry.path()).unwrap()));
        }
    }
    for (what, bytes) in places {
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains("canary-7f3a9c1e"),
            "the canary leaked into the {what}"
        );
    }
    p.set_services("");
    drop(p);
    for h in ["h1", "h2"] {
        let _ = std::fs::remove_file(creds(h));
    }
    ssh(&bed, "sys", "rm -f /srv/portoser/.portoser/vault-approle");
}
