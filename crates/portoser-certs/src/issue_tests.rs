use super::*;
use crate::{Finding, check};
use std::os::unix::fs::PermissionsExt;

fn pki() -> (tempfile::TempDir, Pki) {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::for_project(dir.path());
    pki.init_ca("test CA", false).unwrap();
    (dir, pki)
}

fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

fn sans(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
fn the_ca_is_a_ca_with_a_private_key_in_a_private_dir() {
    let (_dir, pki) = pki();
    let info = crate::inspect_file(&pki.ca_cert_path()).unwrap();
    assert!(info.is_ca);
    assert_eq!(info.subject, "CN=test CA, O=portoser");
    assert_eq!(mode(&pki.ca_key_path()), 0o600);
    assert_eq!(mode(pki.root()), 0o700);
    assert!(info.days_left(now()) >= i64::try_from(CA_LIFETIME_DAYS).unwrap() - 1);
}

#[test]
fn an_existing_ca_is_not_replaced_unless_forced() {
    let (_dir, pki) = pki();
    let before = std::fs::read(pki.ca_key_path()).unwrap();
    assert!(matches!(
        pki.init_ca("again", false),
        Err(CertError::CaExists(_))
    ));
    assert_eq!(std::fs::read(pki.ca_key_path()).unwrap(), before);
    pki.init_ca("again", true).unwrap();
    assert_ne!(std::fs::read(pki.ca_key_path()).unwrap(), before);
}

#[test]
fn a_server_certificate_has_the_sans_eku_and_default_lifetime() {
    let (_dir, pki) = pki();
    let names = sans(&[
        "api.example.lan",
        "10.0.0.5",
        "localhost",
        "127.0.0.1",
        "::1",
        "LOCALHOST",
    ]);
    let issued = pki
        .issue_server("api", &names, Lifetime::default())
        .unwrap();
    let info = &issued.info;
    assert_eq!(info.subject, "CN=api");
    assert_eq!(
        info.sans,
        sans(&[
            "api.example.lan",
            "10.0.0.5",
            "localhost",
            "127.0.0.1",
            "::1"
        ])
    );
    assert!(info.server_auth && !info.client_auth && !info.is_ca);
    let days = info.days_left(now());
    assert!((89..=90).contains(&days), "{days}");
    assert_eq!(mode(&issued.paths.key), 0o600);
    assert_eq!(mode(&issued.paths.cert), 0o644);
    let (_, findings) = check(&pki, &issued.paths, Some(&names), 30 * 86_400, now());
    assert_eq!(findings, vec![]);
}

#[test]
fn a_client_certificate_is_for_client_auth_only() {
    let (_dir, pki) = pki();
    let issued = pki.issue_client("ops", Lifetime::days(7).unwrap()).unwrap();
    assert!(issued.info.client_auth && !issued.info.server_auth);
    assert_eq!(issued.info.subject, "CN=ops");
    assert_eq!(pki.clients().unwrap(), vec!["ops".to_string()]);
}

#[test]
fn a_service_client_certificate_has_its_own_directory() {
    let (_dir, pki) = pki();
    let person = pki
        .issue_client("caller", Lifetime::days(7).unwrap())
        .unwrap();
    let service = pki
        .issue_service_client("caller", Lifetime::days(2).unwrap())
        .unwrap();
    assert_ne!(person.paths.cert, service.paths.cert);
    assert!(service.info.client_auth && !service.info.server_auth);
    assert!(service.info.sans.is_empty());
    assert_eq!(service.info.subject, "CN=caller");
    assert_eq!(mode(&service.paths.key), 0o600);
    assert_eq!(mode(&service.paths.cert), 0o644);
    assert_eq!(mode(service.paths.cert.parent().unwrap()), 0o700);
    assert_eq!(pki.service_clients().unwrap(), vec!["caller".to_string()]);
    assert_eq!(pki.clients().unwrap(), vec!["caller".to_string()]);
    // The person's certificate was not overwritten.
    let again = crate::inspect_file(&person.paths.cert).unwrap();
    assert_eq!(again.fingerprint, person.info.fingerprint);
    let days = service.info.days_left(now());
    assert!((1..=2).contains(&days), "{days}");
    let (_, findings) = check(&pki, &service.paths, None, 86_400 * 3, now());
    assert!(
        matches!(findings.as_slice(), [Finding::ExpiresSoon { .. }]),
        "{findings:?}"
    );
}

#[test]
fn lifetimes_over_398_days_or_zero_are_refused() {
    assert!(Lifetime::days(398).is_ok());
    let err = Lifetime::days(399).unwrap_err().to_string();
    assert!(err.contains("Apple"), "{err}");
    assert!(Lifetime::days(0).is_err());
}

#[test]
fn issuing_without_a_ca_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::for_project(dir.path());
    let err = pki.issue_client("ops", Lifetime::default()).unwrap_err();
    assert!(matches!(err, CertError::NoCa(_)), "{err}");
}

#[test]
fn check_finds_expiry_sans_modes_mismatches_and_a_new_ca() {
    let (_dir, pki) = pki();
    let names = sans(&["a.lan", "10.0.0.5"]);
    let issued = pki
        .issue_server("a", &names, Lifetime::days(10).unwrap())
        .unwrap();
    let paths = &issued.paths;
    let renew = 30 * 86_400;
    let (_, f) = check(&pki, paths, Some(&names), renew, now());
    assert!(
        matches!(f.as_slice(), [Finding::ExpiresSoon { days: 9 | 10, .. }]),
        "{f:?}"
    );
    assert!(f[0].to_string().starts_with("certificate expires in"));
    let (_, f) = check(&pki, paths, None, renew, now() + 11 * 86_400);
    assert!(
        matches!(f.as_slice(), [Finding::Expired { days: 0 | 1 }]),
        "{f:?}"
    );
    let moved = sans(&["a.lan", "10.0.0.7"]);
    let (_, f) = check(&pki, paths, Some(&moved), 0, now());
    assert_eq!(
        f[0].to_string(),
        "SANs changed: needs 10.0.0.7; no longer 10.0.0.5"
    );
    std::fs::set_permissions(&paths.key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let (_, f) = check(&pki, paths, None, 0, now());
    assert!(
        matches!(f.as_slice(), [Finding::KeyModeTooWide { mode: 0o644, .. }]),
        "{f:?}"
    );
    assert!(!f[0].renews());
    let other = pki.issue_server("b", &names, Lifetime::default()).unwrap();
    std::fs::copy(&other.paths.key, &paths.key).unwrap();
    std::fs::set_permissions(&paths.key, std::fs::Permissions::from_mode(0o600)).unwrap();
    let (_, f) = check(&pki, paths, None, 0, now());
    assert_eq!(f, vec![Finding::KeyMismatch]);
    pki.init_ca("new", true).unwrap();
    let (_, f) = check(&pki, &other.paths, None, 0, now());
    assert_eq!(f, vec![Finding::NotFromCa]);
}

#[test]
fn a_short_lifetime_in_seconds_is_possible_for_tests_of_renewal() {
    let (_dir, pki) = pki();
    let life = Lifetime::new(Duration::from_secs(60)).unwrap();
    let issued = pki.issue_client("tmp", life).unwrap();
    let left = issued.info.seconds_left(now());
    assert!((50..=60).contains(&left), "{left}");
}

/// The real openssl accepts the chain and sees the lifetime (`-checkend`).
#[test]
fn openssl_verifies_the_chain_and_the_lifetime() {
    let Ok(out) = std::process::Command::new("openssl")
        .arg("version")
        .output()
    else {
        assert!(std::env::var_os("CI").is_none(), "openssl is missing in CI");
        eprintln!("SKIP: no openssl");
        return;
    };
    assert!(out.status.success());
    let (_dir, pki) = pki();
    let issued = pki
        .issue_server("api", &sans(&["api.lan", "127.0.0.1"]), Lifetime::default())
        .unwrap();
    let openssl = |args: &[&std::ffi::OsStr]| {
        std::process::Command::new("openssl")
            .args(args)
            .output()
            .unwrap()
    };
    let ca = pki.ca_cert_path();
    let crt = issued.paths.cert.clone();
    let verify = openssl(&[
        "verify".as_ref(),
        "-purpose".as_ref(),
        "sslserver".as_ref(),
        "-CAfile".as_ref(),
        ca.as_os_str(),
        crt.as_os_str(),
    ]);
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stderr)
    );
    let checkend = |secs: u64| {
        let s = secs.to_string();
        openssl(&[
            "x509".as_ref(),
            "-noout".as_ref(),
            "-in".as_ref(),
            crt.as_os_str(),
            "-checkend".as_ref(),
            s.as_ref(),
        ])
        .status
        .success()
    };
    assert!(checkend(89 * 86_400), "valid for 89 more days");
    assert!(!checkend(91 * 86_400), "not valid for 91 more days");
    // A client certificate is not a server certificate.
    let client = pki.issue_client("ops", Lifetime::default()).unwrap();
    let wrong = openssl(&[
        "verify".as_ref(),
        "-purpose".as_ref(),
        "sslserver".as_ref(),
        "-CAfile".as_ref(),
        ca.as_os_str(),
        client.paths.cert.as_os_str(),
    ]);
    assert!(!wrong.status.success());
    // A service's client certificate is for clients only.
    let service = pki
        .issue_service_client("caller", Lifetime::default())
        .unwrap();
    for (purpose, ok) in [("sslclient", true), ("sslserver", false)] {
        let out = openssl(&[
            "verify".as_ref(),
            "-purpose".as_ref(),
            purpose.as_ref(),
            "-CAfile".as_ref(),
            ca.as_os_str(),
            service.paths.cert.as_os_str(),
        ]);
        assert_eq!(out.status.success(), ok, "{purpose}: {out:?}");
    }
}

#[test]
fn a_ca_whose_key_is_kept_elsewhere_issues_only_with_the_key_given() {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::for_project(dir.path());
    let ca = NewCa::generate("vault CA").unwrap();
    assert!(!format!("{ca:?}").contains("PRIVATE"));
    pki.install_ca(&ca, Some("secret/portoser/pki/ca#key"), false)
        .unwrap();
    assert!(!pki.ca_key_path().exists(), "no key in the store");
    assert!(pki.has_ca());
    assert_eq!(
        pki.ca_key_home(),
        crate::CaKeyHome::Elsewhere("secret/portoser/pki/ca#key".into())
    );
    let err = pki.issue_client("ops", Lifetime::default()).unwrap_err();
    assert!(matches!(err, CertError::KeyElsewhere(_)), "{err}");
    let with_key = pki.clone().with_ca_key(ca.key_pem().to_string());
    assert!(!format!("{with_key:?}").contains("PRIVATE"));
    let issued = with_key.issue_client("ops", Lifetime::default()).unwrap();
    let (_, findings) = check(&pki, &issued.paths, None, 0, now());
    assert_eq!(findings, vec![], "signed by the stored CA certificate");
    assert!(matches!(
        pki.install_ca(&ca, None, false),
        Err(CertError::CaExists(_))
    ));
}
