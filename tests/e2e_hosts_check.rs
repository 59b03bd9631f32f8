//! End-to-end: `portoser hosts check` on the test bed probes Caddy on the ingress host (h1:
//! `caddy version` and the admin API through the SSH connection) and the AppRole credentials
//! file on a host whose service has `secrets:` (missing, 0644, 0600), each problem with its
//! remedy. Needs the test bed and its Caddy (tests/testbed/caddy.sh); skips loudly without.

#[path = "e2e/support.rs"]
mod support;

use support::*;

/// The CADDY and APPROLE cells (the last two columns) of `host`'s row.
fn cells(out: &Out, host: &str) -> (String, String) {
    let row = out
        .stdout
        .lines()
        .find(|l| l.starts_with(&format!("{host} ")))
        .unwrap_or_else(|| panic!("no row for {host}:\n{}", out.all()));
    let mut fields = row.split_whitespace().rev();
    let approle = fields.next().unwrap_or_default().to_string();
    let caddy = fields.next().unwrap_or_default().to_string();
    (caddy, approle)
}

/// Sets `net.ipv4.tcp_migrate_req` in h1's network namespace; puts 1 back when dropped.
struct MigrateReq;

impl MigrateReq {
    fn set(value: &str) -> MigrateReq {
        sysctl(value);
        MigrateReq
    }
}

impl Drop for MigrateReq {
    fn drop(&mut self) {
        sysctl("1");
    }
}

fn sysctl(value: &str) {
    let ok = as_root_on("h1")
        .args(["sysctl", "-qw"])
        .arg(format!("net.ipv4.tcp_migrate_req={value}"))
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "sysctl on h1");
}

/// The registry: `admin` as `caddy.admin_api`, `binary` as `caddy.binary` when given.
fn registry(p: &Project, admin: &str, binary: Option<&str>) {
    let caddy_dir = std::env::var("PORTOSER_TESTBED_CADDY_DIR").expect("caddy dir");
    let binary = binary
        .map(|b| format!("  binary: {b}\n"))
        .unwrap_or_default();
    p.set_services(
        "  hc-web:\n    deployment_type: local\n    current_host: h2\n    \
         command: python3 -m http.server 24701\n    port: 24701\n    hostname: hc.caddy.test\n  \
         hc-sec:\n    deployment_type: local\n    current_host: h3\n    \
         command: python3 -m http.server 24702\n    port: 24702\n    \
         secrets:\n      TOKEN: hc/sec#token\n",
    );
    let text = p.registry();
    p.write(
        "registry.yml",
        &format!(
            "caddy:\n  ingress_host: h1\n  admin_api: {admin}\n  \
             caddyfile_path: {caddy_dir}/Caddyfile\n{binary}vault:\n  address: http://127.0.0.1:8200\n  \
             mount: secret\n  dev: true\n{text}"
        ),
    );
}

#[test]
fn hosts_check_probes_caddy_and_the_approle_file() {
    let test = "hosts_check_probes_caddy_and_the_approle_file";
    let Some(bed) = bed(test) else { return };
    let Ok(admin) = std::env::var("PORTOSER_TESTBED_CADDY_ADMIN") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "{test}: no Caddy on the bed"
        );
        eprintln!("SKIPPED: {test}: no Caddy on the test bed (tests/testbed/caddy.sh start)");
        return;
    };
    let mut p = Project::new(&bed);
    // h3's base directory is this test's own, so the AppRole file of other tests is untouched.
    let h3 = std::env::var("PORTOSER_TESTBED_H3_PATH").expect("h3 path");
    let base = format!("{h3}/hosts-check-{}", std::process::id());
    ssh(&bed, "h3", &format!("mkdir -p {base}/.portoser"));
    p.hosts_yaml = p
        .hosts_yaml
        .replace(&format!("path: {h3}\n"), &format!("path: {base}\n"));
    registry(&p, &admin, None);
    let file = format!("{base}/.portoser/vault-approle");

    // No AppRole file on h3: an error with the remedy; Caddy on h1 is fine.
    let out = p.run(&["hosts", "check"]);
    eprintln!("hosts check, no AppRole file:\n{}", out.all());
    assert_eq!(out.code, 1, "{}", out.all());
    let (caddy, approle) = cells(&out, "h1");
    // The bed's Debian Caddy prints `2.6.2`, upstream builds `v2.6.2 h1:…`.
    assert!(
        caddy.trim_start_matches('v').starts_with("2."),
        "h1 CADDY {caddy}\n{}",
        out.all()
    );
    assert_eq!(approle, "-");
    assert_eq!(cells(&out, "h3"), ("-".to_string(), "MISSING".to_string()));
    assert_eq!(cells(&out, "h2"), ("-".to_string(), "-".to_string()));
    assert!(
        out.stderr.contains(&format!("{file} is missing")),
        "{}",
        out.all()
    );
    assert!(
        out.stderr.contains("portoser vault setup-approles"),
        "{}",
        out.all()
    );
    assert!(!out.stderr.contains("caddy"), "{}", out.all());

    // World-readable: the mode is named, the content is not read (it is not a credential).
    ssh(
        &bed,
        "h3",
        &format!("printf 'not read\\n' > {file} && chmod 0644 {file}"),
    );
    let out = p.run(&["hosts", "check"]);
    eprintln!("hosts check, AppRole file 0644:\n{}", out.all());
    assert_eq!(out.code, 1, "{}", out.all());
    assert_eq!(cells(&out, "h3").1, "0644");
    assert!(
        out.stderr.contains("has mode 0644, not 0600"),
        "{}",
        out.all()
    );
    assert!(!out.all().contains("not read"), "{}", out.all());

    // 0600: every host ok.
    ssh(&bed, "h3", &format!("chmod 0600 {file}"));
    let out = p.run(&["hosts", "check"]);
    assert_eq!(out.code, 0, "{}", out.all());
    assert_eq!(cells(&out, "h3").1, "0600");
    assert!(!out.stderr.contains("tcp_migrate_req"), "{}", out.all());

    // The kernel setting that hands a reload's queued connections on: 0 is a warning (the
    // check still passes) with the sysctl to run; the bed sets 1 (tests/testbed/up.sh).
    {
        let _restore = MigrateReq::set("0");
        let out = p.run(&["hosts", "check"]);
        assert_eq!(out.code, 0, "{}", out.all());
        assert!(
            out.stderr
                .contains("`net.ipv4.tcp_migrate_req` is 0 on `h1`")
                && out.stderr.contains("sysctl -w net.ipv4.tcp_migrate_req=1"),
            "{}",
            out.all()
        );
    }

    // `caddy.binary` names the official 2.11.7 (off PATH, the bed's second ingress): its
    // version is the one shown; a binary that is not there is MISSING, naming the setting.
    if let Ok(next) = std::env::var("PORTOSER_TESTBED_CADDY_NEXT_BIN") {
        let next_admin = std::env::var("PORTOSER_TESTBED_CADDY_NEXT_ADMIN").expect("next admin");
        registry(&p, &next_admin, Some(&next));
        let out = p.run(&["hosts", "check"]);
        eprintln!("hosts check, caddy.binary {next}:\n{}", out.all());
        assert_eq!(out.code, 0, "{}", out.all());
        assert_eq!(cells(&out, "h1").0, "v2.11.7", "{}", out.all());
        registry(&p, &next_admin, Some("/opt/portoser-none/caddy"));
        let out = p.run(&["hosts", "check"]);
        assert_eq!(out.code, 1, "{}", out.all());
        assert_eq!(cells(&out, "h1").0, "MISSING", "{}", out.all());
        assert!(
            out.stderr
                .contains("`/opt/portoser-none/caddy` is not installed on `h1`")
                && out.stderr.contains("caddy.binary"),
            "{}",
            out.all()
        );
    } else {
        assert!(
            std::env::var_os("CI").is_none(),
            "{test}: no second Caddy on the bed"
        );
        eprintln!("SKIPPED (part): {test}: no PORTOSER_TESTBED_CADDY_NEXT_BIN (caddy.sh start)");
    }

    // An admin API where nothing listens: h1's Caddy is reported down with the remedy.
    let port: u16 = admin
        .rsplit_once(':')
        .expect("port")
        .1
        .parse()
        .expect("port");
    let wrong = format!("127.0.0.1:{}", port - 1);
    registry(&p, &wrong, None);
    let out = p.run(&["hosts", "check"]);
    eprintln!("hosts check, wrong admin API:\n{}", out.all());
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(cells(&out, "h1").0.ends_with(",API-DOWN"), "{}", out.all());
    assert!(
        out.stderr
            .contains(&format!("the admin API {wrong} does not answer on `h1`"))
            && out.stderr.contains("caddy.admin_api"),
        "{}",
        out.all()
    );

    ssh(&bed, "h3", &format!("rm -rf {base}"));
}
