//! `portoser vault` against a real OpenBao on this machine (no test bed needed): `migrate`
//! imports a `.env` into Vault and `secrets:` (comments kept), `get` prints one value, `list`
//! none; the registry's `ca_cert` is the only CA trusted over TLS. Skips loudly without
//! `bao` or `openssl` (fails under CI).

#[path = "support/binary.rs"]
mod binary;

use binary::command;
use portoser_vault::testing::{Bao, skip, test_ca};
use std::path::Path;
use std::process::Output;

const ROOT: &str = "cli-root-token";

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
    command(dir, args)
        .env("VAULT_TOKEN", ROOT)
        .output()
        .expect("run portoser")
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
    let Some(bao) = Bao::dev(ROOT) else { return };
    let listen = bao.port;
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

#[test]
fn the_registry_ca_cert_is_the_only_trust_for_vault_tls() {
    let certs = tempfile::tempdir().unwrap();
    let Some((ca, cert, key)) = test_ca(certs.path()) else {
        skip("no openssl CLI");
        return;
    };
    let Some(bao) = Bao::tls(ROOT, &cert, &key) else {
        return;
    };
    let tls = bao.port;
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

/// Production's shape: the project's own CA (`portoser certs init-ca`) issues Vault's server
/// certificate (SANs localhost and 127.0.0.1) and `vault.ca_cert` names the project CA's file
/// in the PKI store: migrate and list work over TLS with nothing else trusted.
#[test]
fn vault_tls_with_the_projects_own_ca() {
    use portoser_certs::{Lifetime, Pki};
    let dir = project(
        "vault:\n  address: https://localhost:PORT\n  mount: secret\n  ca_cert: .portoser/pki/ca.crt\n",
    );
    let init = portoser(dir.path(), &["certs", "init-ca"]);
    assert!(init.status.success(), "{}", text(&init));
    let pki = Pki::for_project(dir.path());
    let sans = ["localhost".to_string(), "127.0.0.1".to_string()];
    let server = pki
        .issue_server("vault", &sans, Lifetime::days(30).unwrap())
        .expect("the project CA issues Vault's certificate");
    let Some(bao) = Bao::tls(ROOT, &server.paths.cert, &server.paths.key) else {
        return;
    };
    let registry = dir.path().join("registry.yml");
    let text_of = std::fs::read_to_string(&registry).unwrap();
    std::fs::write(&registry, text_of.replace("PORT", &bao.port.to_string())).unwrap();
    std::fs::create_dir_all(dir.path().join("api")).unwrap();
    std::fs::write(dir.path().join("api/.env"), "K=v\n").unwrap();
    let ok = portoser(dir.path(), &["vault", "migrate", "api"]);
    assert!(ok.status.success(), "{}", text(&ok));
    let listed = portoser(dir.path(), &["vault", "list", "api"]);
    assert!(
        listed.status.success() && text(&listed).contains('K'),
        "{}",
        text(&listed)
    );
}
