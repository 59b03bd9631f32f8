//! End-to-end: the Caddy ingresses of the test bed (tests/testbed/caddy.sh, both in h1's
//! namespace: Debian's 2.6.2 and the official 2.11.7, `caddy.binary`) loaded by `apply`:
//! requests through the real Caddy reach services on h2 and h3; HTTP is redirected to HTTPS;
//! with `mtls: true` a client without a certificate is refused and one with a certificate from
//! the CA gets through; moving a service re-routes traffic with no failed request (counted and
//! timed, per version); a config Caddy rejects fails the node with Caddy's message and leaves
//! the old config serving. Every test runs once per ingress: the two runs share the bed
//! (`bed_shared`) and each holds its ingress's own lock, with its own host directories and
//! ports, so they run in parallel and neither reloads the other's Caddy. Needs the test bed;
//! skips loudly without it.

#[path = "e2e/support.rs"]
mod support;

use std::fs::File;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use support::*;

/// The bed's two ingresses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Version {
    /// Debian's `caddy` 2.6.2 on PATH.
    Debian,
    /// The official 2.11.7, off PATH: the registry names it with `caddy.binary`.
    Next,
}

#[derive(Clone)]
struct Ingress {
    version: Version,
    admin: String,
    dir: String,
    https: String,
    http: String,
    /// `caddy.binary` (unset: `caddy` on PATH).
    binary: Option<String>,
    /// The CA bundle curl trusts; Caddy's internal CA when unset.
    cacert: Option<String>,
}

/// One ingress, locked for this test, with the bed shared.
struct Held {
    bed: Bed,
    ing: Ingress,
    _lock: File,
}

/// The bed (shared) and the ingress of `version` (locked), or a loud skip (a failure in CI)
/// when either is missing.
fn ingress(test: &str, version: Version) -> Option<Held> {
    let bed = bed_shared(test)?;
    let prefix = match version {
        Version::Debian => "PORTOSER_TESTBED_CADDY",
        Version::Next => "PORTOSER_TESTBED_CADDY_NEXT",
    };
    let Ok(dir) = std::env::var(format!("{prefix}_DIR")) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "{test}: the test bed has no {version:?} Caddy"
        );
        eprintln!(
            "SKIPPED: {test}: no {version:?} Caddy on the test bed (tests/testbed/caddy.sh start)"
        );
        return None;
    };
    let var = |n: &str| std::env::var(format!("{prefix}_{n}")).expect(n);
    let lock = File::create(format!("/tmp/portoser-e2e-caddy-{version:?}.lock")).expect("lock");
    lock.lock().expect("lock the ingress");
    let ing = Ingress {
        version,
        admin: var("ADMIN"),
        dir,
        https: var("HTTPS_PORT"),
        http: var("HTTP_PORT"),
        binary: (version == Version::Next).then(|| var("BIN")),
        cacert: None,
    };
    Some(Held {
        bed,
        ing,
        _lock: lock,
    })
}

impl Ingress {
    fn block(&self) -> String {
        let binary = self
            .binary
            .as_ref()
            .map(|b| format!("  binary: {b}\n"))
            .unwrap_or_default();
        format!(
            "caddy:\n  ingress_host: h1\n  admin_api: {}\n  caddyfile_path: {}/Caddyfile\n  \
             http_port: {}\n  https_port: {}\n{binary}",
            self.admin, self.dir, self.http, self.https
        )
    }

    /// The services' port: the two versions' runs use their own.
    fn port(&self, port: u16) -> u16 {
        match self.version {
            Version::Debian => port,
            Version::Next => port - 500,
        }
    }

    /// A project of this ingress: its own base directory on every host (so the two versions'
    /// runs deploy side by side).
    fn project(&self, bed: &Bed) -> Project {
        let mut p = Project::new(bed);
        if self.version == Version::Next {
            for h in ["H1", "H2", "H3"] {
                let base = std::env::var(format!("PORTOSER_TESTBED_{h}_PATH")).expect("path");
                let own = format!("{base}/caddy-next");
                ssh(bed, &h.to_lowercase(), &format!("mkdir -p {own}"));
                p.hosts_yaml = p
                    .hosts_yaml
                    .replace(&format!("path: {base}\n"), &format!("path: {own}\n"));
            }
        }
        p
    }

    /// Caddy's internal CA (it signs the site certificates of `tls internal`).
    fn root_ca(&self) -> String {
        format!("{}/xdg-data/caddy/pki/authorities/local/root.crt", self.dir)
    }

    /// `curl` through the ingress: (HTTP status or 0 when refused, body).
    fn get(&self, host: &str, path: &str, extra: &[&str]) -> (u16, String) {
        let resolve = format!("{host}:{}:{}", self.https, ip("h1"));
        let url = format!("https://{host}:{}{path}", self.https);
        let out = Command::new("curl")
            .args(["-sS", "--max-time", "5", "--resolve", &resolve, "--cacert"])
            .arg(self.cacert.clone().unwrap_or_else(|| self.root_ca()))
            .args(extra)
            .args(["-w", "\n%{http_code}", &url])
            .output()
            .expect("curl");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let (body, code) = text.rsplit_once('\n').unwrap_or(("", "0"));
        match code.trim().parse().unwrap_or(0) {
            // No HTTP answer: curl's own words say why (refused, reset, TLS).
            0 => (0, String::from_utf8_lossy(&out.stderr).trim().to_string()),
            code => (code, body.to_string()),
        }
    }
}

/// A local service that answers `GET /who` with `name@host`.
fn web(name: &str, host: &str, port: u16, extra: &str) -> String {
    format!(
        "  {name}:\n    deployment_type: local\n    current_host: {host}\n    \
         command: echo {name}@$(hostname) > who && exec python3 -m http.server {port} --bind 0.0.0.0\n    \
         port: {port}\n    hostname: {name}.caddy.test\n    \
         health: {{type: http, endpoint: \"http://127.0.0.1:{port}/who\", interval: 1s, retries: 10}}\n{extra}"
    )
}

/// The project CA and a client certificate it signed (`portoser certs`, crates/portoser-certs):
/// `.portoser/pki/ca.crt`, `.portoser/pki/clients/e2e.{crt,key}`.
fn client_pki(p: &Project) {
    for args in [&["certs", "init-ca"][..], &["certs", "client", "e2e"]] {
        let out = p.run(args);
        assert_eq!(out.code, 0, "{args:?}: {}", out.all());
    }
}

fn set(p: &Project, ing: &Ingress, services: &str) {
    p.set_services(services);
    let text = p.registry();
    p.write("registry.yml", &format!("{}{text}", ing.block()));
}

#[test]
fn caddy_2_6_routes_enforces_mtls_moves_without_failures_and_keeps_a_rejected_config_out() {
    routes_mtls_move_reject(
        "caddy_2_6_routes_enforces_mtls_moves_without_failures_and_keeps_a_rejected_config_out",
        Version::Debian,
    );
}

#[test]
fn caddy_2_11_routes_enforces_mtls_moves_without_failures_and_keeps_a_rejected_config_out() {
    routes_mtls_move_reject(
        "caddy_2_11_routes_enforces_mtls_moves_without_failures_and_keeps_a_rejected_config_out",
        Version::Next,
    );
}

fn routes_mtls_move_reject(test: &str, version: Version) {
    let Some(held) = ingress(test, version) else {
        return;
    };
    let ing = held.ing.clone();
    let p = ing.project(&held.bed);
    let (pa, pb) = (ing.port(24601), ing.port(24602));
    let mtls = "    mtls: true\n    ca_cert: .portoser/pki/ca.crt\n";
    // cwa's site certificate comes from the project CA (`tls: auto`, docs/certs.md), cwb's
    // from Caddy's internal CA.
    let auto = "    tls: auto\n";
    let services = web("cwa", "h2", pa, auto) + &web("cwb", "h3", pb, mtls);
    set(&p, &ing, &services);
    client_pki(&p);

    // The plan shows the Caddyfile diff in the Caddy node.
    let plan = p.run(&["plan"]);
    assert!(plan.stdout.contains("caddy/reload"), "{}", plan.all());
    assert!(plan.stdout.contains("+cwa.caddy.test {"), "{}", plan.all());

    let a = p.apply(&[]);
    a.ok();
    assert_eq!(a.outcomes()["caddy/reload"], "succeeded");
    let bundle = p.path().join("trusted.pem");
    let pems = [
        std::fs::read_to_string(ing.root_ca()).unwrap(),
        std::fs::read_to_string(p.path().join(".portoser/pki/ca.crt")).unwrap(),
    ];
    std::fs::write(&bundle, pems.concat()).unwrap();
    let ing = Ingress {
        cacert: Some(bundle.display().to_string()),
        ..ing
    };
    // Only the project CA: cwa's certificate is the one `portoser certs` issued.
    let project_ca = Ingress {
        cacert: Some(p.path().join(".portoser/pki/ca.crt").display().to_string()),
        ..ing.clone()
    };
    let cwa = project_ca.get("cwa.caddy.test", "/who", &[]);
    assert_eq!(cwa, (200, "cwa@h2\n".to_string()));
    let who = |host: &str, extra: &[&str]| ing.get(host, "/who", extra);
    assert_eq!(who("cwa.caddy.test", &[]), (200, "cwa@h2\n".to_string()));
    // HTTP is redirected to HTTPS.
    let redirect = Command::new("curl")
        .args([
            "-sS",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code} %{redirect_url}",
        ])
        .arg(format!("http://{}:{}/who", ip("h1"), ing.http))
        .args(["-H", "Host: cwa.caddy.test"])
        .output()
        .unwrap();
    let redirect = String::from_utf8_lossy(&redirect.stdout).into_owned();
    assert!(
        redirect.starts_with("308 https://cwa.caddy.test"),
        "{redirect}"
    );

    // mTLS: refused without a client certificate, served with one the CA signed.
    let (refused, _) = who("cwb.caddy.test", &[]);
    assert_eq!(
        refused, 0,
        "a client without a certificate got HTTP {refused}"
    );
    let pki = p.path().join(".portoser/pki/clients");
    let cert = pki.join("e2e.crt").display().to_string();
    let key = pki.join("e2e.key").display().to_string();
    let with = ["--cert", cert.as_str(), "--key", key.as_str()];
    assert_eq!(who("cwb.caddy.test", &with), (200, "cwb@h3\n".to_string()));

    // The applied Caddyfile is kept: nothing to diff, and plan is a no-op.
    let diff = p.run(&["caddy", "diff", "--exit-code"]);
    assert_eq!(diff.code, 0, "{}", diff.all());
    let host_diff = p.run(&["caddy", "diff", "--host", "--exit-code"]);
    assert_eq!(host_diff.code, 0, "{}", host_diff.all());
    let noop = p.run(&["plan", "--detailed-exitcode"]);
    assert_eq!(noop.code, 0, "{}", noop.all());
    // `caddy reload` outside apply loads the same config; traffic keeps flowing.
    let reload = p.run(&["caddy", "reload"]);
    assert_eq!(reload.code, 0, "{}", reload.all());
    assert!(
        reload.stdout.contains("loaded the rendered Caddyfile"),
        "{}",
        reload.all()
    );
    assert_eq!(who("cwa.caddy.test", &[]).0, 200);

    // Move cwa h2 → h3 with requests running the whole time.
    let out = p.run(&["registry", "move-service", "cwa", "--to", "h3"]);
    assert_eq!(out.code, 0, "{}", out.all());
    // Four clients in a loop, each with its own log (each one's requests are sequential, so
    // within a log no answer from h2 may follow one from h3): two speak HTTP/2 (curl's
    // default through ALPN), two HTTP/1.1, which the versions drop differently on a reload.
    let stop = Arc::new(AtomicBool::new(false));
    let t0 = Instant::now();
    let clients: Vec<_> = (0..4)
        .map(|i| {
            let (ing, stop) = (ing.clone(), stop.clone());
            let (proto, args): (&str, &[&str]) = match i {
                0 | 1 => ("HTTP/2", &[]),
                _ => ("HTTP/1.1", &["--http1.1"]),
            };
            std::thread::spawn(move || {
                let mut log = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    let (code, body) = ing.get("cwa.caddy.test", "/who", args);
                    let body = if code == 200 {
                        body
                    } else {
                        format!("{proto}: {body}")
                    };
                    log.push((t0.elapsed(), code, body));
                }
                log
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(500));
    let apply_at = t0.elapsed();
    let moved = p.apply(&[]);
    std::thread::sleep(Duration::from_millis(500));
    stop.store(true, Ordering::Relaxed);
    moved.ok();
    let logs: Vec<Vec<(Duration, u16, String)>> =
        clients.into_iter().map(|c| c.join().unwrap()).collect();
    let all: Vec<_> = logs.iter().flatten().collect();
    let failed: Vec<_> = all.iter().filter(|(_, c, _)| *c != 200).collect();
    let last_old = all
        .iter()
        .filter(|(_, _, b)| b == "cwa@h2\n")
        .map(|(t, _, _)| *t)
        .max();
    let first_new = all
        .iter()
        .filter(|(_, _, b)| b == "cwa@h3\n")
        .map(|(t, _, _)| *t)
        .min();
    let reload =
        moved.elapsed("caddy/reload", "succeeded") - moved.elapsed("caddy/reload", "started");
    let failed_http11 = failed
        .iter()
        .filter(|(_, _, why)| why.starts_with("HTTP/1.1"))
        .count();
    eprintln!(
        "caddy move ({version:?}): {} requests from 4 clients, {} failed ({failed_http11} over \
         HTTP/1.1); last answer from h2 at {last_old:?}, first from h3 at {first_new:?} (since \
         the clients started); caddy/reload took {reload} ms; failed: {:?}",
        all.len(),
        failed.len(),
        failed
            .iter()
            .map(|(t, code, why)| format!("{t:?} {code} {why}"))
            .collect::<Vec<_>>(),
    );
    // Every request that got an HTTP answer got 200: the route moved before the old instance
    // stopped (no 502/503). A request with no HTTP answer at all is Caddy's own reload
    // dropping a connection it was accepting or had just accepted when it swapped configs;
    // plain Caddy without portoser does it too (bench/caddy_reload_race.sh; docs/caddy.md,
    // "Reloads and dropped requests"). The bed sets `net.ipv4.tcp_migrate_req=1` on h1, so
    // no connection queued on the old socket is reset (curl 35 "reset by peer", curl 7);
    // what is left is Caddy's: an HTTP/2 connection sent GOAWAY under its first request
    // (curl 16) and, on 2.11.7, an HTTP/1.1 connection closed unanswered (curl 52).
    // Measured over 10 moves per version, two HTTP/2 and two HTTP/1.1 clients: 1 failed
    // request on 2.6.2 (curl 16), 12 on 2.11.7 (10 of them curl 52, at most 3 in one move).
    // So: no HTTP error at all, no reset, no client fails twice, and a failure only while
    // the `caddy/reload` node runs.
    let http_errors: Vec<_> = failed.iter().filter(|(_, c, _)| *c != 0).collect();
    assert!(
        http_errors.is_empty(),
        "HTTP errors during the move: {http_errors:?}"
    );
    if migrate_req_on_h1() {
        // What the setting fixes: a queued connection reset (curl 35 "reset by peer") or
        // refused (curl 7). Caddy's own drops (curl 16, 52, the odd TLS alert from the old
        // config's handshake) are allowed.
        let resets: Vec<_> = failed
            .iter()
            .filter(|(_, _, why)| why.contains("reset by peer") || why.contains("curl: (7)"))
            .collect();
        assert!(
            resets.is_empty(),
            "with tcp_migrate_req=1 no queued connection is reset ({version:?}): {resets:?}"
        );
    } else {
        eprintln!("caddy move: tcp_migrate_req is not 1 in h1 (kernel < 5.14?): resets allowed");
    }
    for log in &logs {
        let dropped = log.iter().filter(|(_, c, _)| *c == 0).count();
        assert!(
            dropped <= 1,
            "a client failed {dropped} times ({version:?}): {log:?}"
        );
    }
    let reload_from = apply_at + Duration::from_millis(moved.elapsed("caddy/reload", "started"));
    let reload_to = apply_at
        + Duration::from_millis(moved.elapsed("caddy/reload", "succeeded"))
        + Duration::from_secs(1);
    for (t, _, why) in &failed {
        assert!(
            (reload_from..=reload_to).contains(t),
            "a request failed at {t:?}, outside the reload ({reload_from:?} to {reload_to:?}, \
             {version:?}): {why}"
        );
    }
    assert!(
        first_new.is_some() && last_old.is_some(),
        "traffic did not switch: {logs:?}"
    );
    for log in &logs {
        let first_new = log.iter().position(|(_, _, b)| b == "cwa@h3\n");
        let last_old = log.iter().rposition(|(_, _, b)| b == "cwa@h2\n");
        if let (Some(new), Some(old)) = (first_new, last_old) {
            assert!(old < new, "answers from h2 after h3: {log:?}");
        }
    }
    assert_eq!(who("cwa.caddy.test", &[]), (200, "cwa@h3\n".to_string()));

    // A CA file Caddy cannot parse: the node fails with Caddy's words, the old config serves.
    let good_ca = std::fs::read_to_string(p.path().join(".portoser/pki/ca.crt")).unwrap();
    p.write("pki/bad-ca.crt", "not a certificate\n");
    let before = std::fs::read_to_string(format!("{}/Caddyfile", ing.dir)).unwrap();
    let bad = mtls.replace(".portoser/pki/ca.crt", "pki/bad-ca.crt");
    let services = web("cwa", "h3", pa, auto) + &web("cwb", "h3", pb, &bad);
    set(
        &p,
        &ing,
        &services.replace("/who\", interval: 1s", "/who\", interval: 2s"),
    );
    let rejected = p.apply(&[]);
    assert_eq!(
        rejected.outcomes()["caddy/reload"],
        "failed",
        "{}",
        rejected.out.all()
    );
    let all = rejected.out.all();
    assert!(all.contains("E0540"), "{all}");
    assert!(all.contains("Caddy rejected the new config"), "{all}");
    assert!(all.contains("no CERTIFICATE pem block"), "{all}");
    // The services were redeployed (their config changed): Caddy's active health check
    // (the old config's 1 s) may hold them down for a moment after their restart.
    let serves = |host: &str, extra: &[&str], want: &str| {
        let t0 = Instant::now();
        loop {
            let got = who(host, extra);
            if got == (200, want.to_string()) || t0.elapsed() > Duration::from_secs(5) {
                return got;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    };
    let cwa = serves("cwa.caddy.test", &[], "cwa@h3\n");
    assert_eq!(cwa, (200, "cwa@h3\n".to_string()));
    let cwb = serves("cwb.caddy.test", &with, "cwb@h3\n");
    assert_eq!(cwb, (200, "cwb@h3\n".to_string()));
    let after = std::fs::read_to_string(format!("{}/Caddyfile", ing.dir)).unwrap();
    assert_eq!(before, after, "the Caddyfile on the host changed");
    let ca_on_host =
        std::fs::read_to_string(format!("{}/portoser-tls/cwb.ca.crt", ing.dir)).unwrap();
    assert_eq!(
        ca_on_host, good_ca,
        "the client CA the running config uses was replaced"
    );
    assert!(!std::path::Path::new(&format!("{}/Caddyfile.portoser-new", ing.dir)).exists());
    assert!(all.contains("(caddy adapt)"), "{all}");

    // A certificate `caddy adapt` does not read but loading does: the admin API refuses it.
    p.write("pki/bad.crt", "not a certificate\n");
    p.write("pki/bad.key", "not a key\n");
    let files = "    tls_cert: pki/bad.crt\n    tls_key: pki/bad.key\n";
    let services = web("cwa", "h3", pa, files) + &web("cwb", "h3", pb, mtls);
    set(&p, &ing, &services);
    let refused = p.apply(&[]);
    let all = refused.out.all();
    assert_eq!(refused.outcomes()["caddy/reload"], "failed", "{all}");
    assert!(all.contains("E0540"), "{all}");
    assert!(
        all.contains("Caddy rejected the new config (admin API)"),
        "{all}"
    );
    let cwa = serves("cwa.caddy.test", &[], "cwa@h3\n");
    assert_eq!(
        cwa,
        (200, "cwa@h3\n".to_string()),
        "the old config stopped serving"
    );
    let after = std::fs::read_to_string(format!("{}/Caddyfile", ing.dir)).unwrap();
    assert_eq!(before, after, "the Caddyfile on the host changed");
}

/// Two replicas of one hostname on h2 and h3: Caddy balances over both, and when one stops
/// the requests keep succeeding on the other (`lb_try_duration`, active health checks).
#[test]
fn caddy_2_6_balances_replicas_and_survives_one_stopping() {
    balances_replicas(
        "caddy_2_6_balances_replicas_and_survives_one_stopping",
        Version::Debian,
    );
}

#[test]
fn caddy_2_11_balances_replicas_and_survives_one_stopping() {
    balances_replicas(
        "caddy_2_11_balances_replicas_and_survives_one_stopping",
        Version::Next,
    );
}

fn balances_replicas(test: &str, version: Version) {
    let Some(held) = ingress(test, version) else {
        return;
    };
    let ing = held.ing.clone();
    let p = ing.project(&held.bed);
    let port = ing.port(24611);
    let replica = |name: &str, host: &str| {
        web(name, host, port, "").replace(
            &format!("hostname: {name}.caddy.test"),
            "hostname: rep.caddy.test",
        )
    };
    set(&p, &ing, &(replica("repa", "h2") + &replica("repb", "h3")));
    let rendered = text_of(&p.run(&["caddy", "render"]));
    assert!(
        rendered.contains(&format!(
            "reverse_proxy {}:{port} {}:{port} {{",
            ip("h2"),
            ip("h3")
        )),
        "{rendered}"
    );
    p.apply(&[]).ok();
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..10 {
        let (code, body) = ing.get("rep.caddy.test", "/who", &[]);
        assert_eq!(code, 200, "{body}");
        seen.insert(body);
    }
    let both: std::collections::BTreeSet<String> =
        ["repa@h2\n".to_string(), "repb@h3\n".to_string()].into();
    assert_eq!(seen, both, "round robin over both replicas");

    let stop = p.run(&["stop", "repa"]);
    assert_eq!(stop.code, 0, "{}", stop.all());
    let mut failed = 0;
    for _ in 0..20 {
        let (code, body) = ing.get("rep.caddy.test", "/who", &[]);
        if code != 200 || body != "repb@h3\n" {
            failed += 1;
        }
    }
    assert_eq!(failed, 0, "requests failed or reached the stopped replica");
}

/// Is `net.ipv4.tcp_migrate_req` 1 in h1's network namespace (tests/testbed/up.sh)?
fn migrate_req_on_h1() -> bool {
    as_root_on("h1")
        .args(["cat", "/proc/sys/net/ipv4/tcp_migrate_req"])
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "1")
}

fn text_of(o: &Out) -> String {
    assert_eq!(o.code, 0, "{}", o.all());
    o.stdout.clone()
}

/// A service that serves HTTPS itself (`tls: auto`, its certificate from the project CA):
/// Caddy proxies to it over HTTPS, checking its certificate against the project CA and the
/// site's name, and its active health check speaks HTTPS too.
#[test]
fn caddy_2_6_proxies_to_an_https_upstream_checked_against_the_project_ca() {
    https_upstream(
        "caddy_2_6_proxies_to_an_https_upstream_checked_against_the_project_ca",
        Version::Debian,
    );
}

#[test]
fn caddy_2_11_proxies_to_an_https_upstream_checked_against_the_project_ca() {
    https_upstream(
        "caddy_2_11_proxies_to_an_https_upstream_checked_against_the_project_ca",
        Version::Next,
    );
}

fn https_upstream(test: &str, version: Version) {
    let Some(held) = ingress(test, version) else {
        return;
    };
    let ing = held.ing.clone();
    let p = ing.project(&held.bed);
    let port = ing.port(24621);
    let serve = format!(
        "import http.server as h, ssl; \
                 s = h.HTTPServer((''0.0.0.0'', {port}), h.SimpleHTTPRequestHandler); \
                 c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); \
                 c.load_cert_chain(''tls/server.crt'', ''tls/server.key''); \
                 s.socket = c.wrap_socket(s.socket, server_side=True); s.serve_forever()"
    );
    let service = format!(
        "  cws:\n    deployment_type: local\n    current_host: h2\n    \
         command: 'echo cws@$(hostname) > who && exec python3 -c \"{serve}\"'\n    \
         port: {port}\n    hostname: cws.caddy.test\n    tls: auto\n    \
         health: {{type: http, endpoint: \"https://127.0.0.1:{port}/who\", interval: 1s, retries: 10}}\n"
    );
    set(&p, &ing, &service);
    let init = p.run(&["certs", "init-ca"]);
    assert_eq!(init.code, 0, "{}", init.all());
    let rendered = text_of(&p.run(&["caddy", "render"]));
    assert!(
        rendered.contains(&format!("reverse_proxy https://{}:{port} {{", ip("h2"))),
        "{rendered}"
    );
    assert!(
        rendered.contains("tls_server_name cws.caddy.test"),
        "{rendered}"
    );
    p.apply(&[]).ok();
    let project_ca = Ingress {
        cacert: Some(p.path().join(".portoser/pki/ca.crt").display().to_string()),
        ..ing.clone()
    };
    let t0 = Instant::now();
    let mut got = project_ca.get("cws.caddy.test", "/who", &[]);
    while got.0 != 200 && t0.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(200));
        got = project_ca.get("cws.caddy.test", "/who", &[]);
    }
    assert_eq!(got, (200, "cws@h2\n".to_string()));
}

/// `caddy.binary` naming a program the ingress host does not have: `caddy reload` fails with
/// E0540 naming the binary and the setting, before anything reaches Caddy: the Caddyfile on
/// the host stays, no candidate is left behind.
#[test]
fn caddy_reload_with_a_missing_binary_names_it_and_changes_nothing() {
    let test = "caddy_reload_with_a_missing_binary_names_it_and_changes_nothing";
    let Some(held) = ingress(test, Version::Next) else {
        return;
    };
    let ing = Ingress {
        binary: Some("/opt/portoser-none/caddy".to_string()),
        ..held.ing.clone()
    };
    let p = ing.project(&held.bed);
    set(&p, &ing, &web("cwm", "h2", ing.port(24631), ""));
    let caddyfile = format!("{}/Caddyfile", ing.dir);
    let before = std::fs::read_to_string(&caddyfile).unwrap();
    let out = p.run(&["caddy", "reload"]);
    assert_ne!(out.code, 0, "{}", out.all());
    assert!(out.stderr.contains("error[E0540]"), "{}", out.all());
    assert!(
        out.stderr
            .contains("`/opt/portoser-none/caddy` is not installed on `h1`")
            && out.stderr.contains("caddy.binary"),
        "{}",
        out.all()
    );
    assert_eq!(std::fs::read_to_string(&caddyfile).unwrap(), before);
    assert!(!std::path::Path::new(&format!("{caddyfile}.portoser-new")).exists());
}
