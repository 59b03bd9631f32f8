//! Against a real OpenBao (the Vault API): a dev server per test on a free port, and a TLS
//! server whose certificate is signed by a CA made here (openssl). Without `bao` the tests
//! skip loudly, and fail under CI.

use portoser_vault::{Client, Config, SecretValue, VaultError, host_policy, role_name};
use std::collections::BTreeMap;

// The same module other crates get with the `testing` feature.
#[allow(dead_code)]
#[path = "../src/testing.rs"]
mod testing;

use testing::{Bao, free_port, skip, test_ca};

const ROOT: &str = "root-token-for-tests";

fn root(bao: &Bao) -> Client {
    Client::new(&Config {
        address: bao.address.clone(),
        ca_pem: None,
        allow_http: true,
    })
    .unwrap()
    .with_token(SecretValue::new(ROOT))
}

fn values(pairs: &[(&str, &str)]) -> BTreeMap<String, SecretValue> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), SecretValue::new(*v)))
        .collect()
}

#[tokio::test]
async fn kv_versions_and_list() {
    let Some(bao) = Bao::dev(ROOT) else { return };
    let c = root(&bao);
    c.health().await.unwrap();
    assert_eq!(
        c.kv_write("secret", "apps/api", &values(&[("pw", "one")]))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        c.kv_write("secret", "apps/api", &values(&[("pw", "two")]))
            .await
            .unwrap(),
        2
    );
    let now = c.kv_read("secret", "apps/api", None).await.unwrap();
    assert_eq!(
        (now.version, now.get("apps/api", "pw").unwrap().expose()),
        (2, "two")
    );
    let old = c.kv_read("secret", "apps/api", Some(1)).await.unwrap();
    assert_eq!(old.get("apps/api", "pw").unwrap().expose(), "one");
    assert_eq!(c.kv_version("secret", "apps/api").await.unwrap(), 2);
    assert_eq!(
        c.kv_list("secret", "apps").await.unwrap(),
        vec!["api".to_string()]
    );
    assert_eq!(
        c.kv_list("secret", "nothing").await.unwrap(),
        Vec::<String>::new()
    );
    assert_eq!(
        now.get("apps/api", "user").unwrap_err(),
        VaultError::MissingKey {
            path: "apps/api".into(),
            key: "user".into()
        }
    );
    assert!(matches!(
        c.kv_read("secret", "apps/none", None).await.unwrap_err(),
        VaultError::NotFound { .. }
    ));
}

#[tokio::test]
async fn a_host_approle_reads_its_paths_only_and_rotation_kills_the_old_secret_id() {
    let Some(bao) = Bao::dev(ROOT) else { return };
    let c = root(&bao);
    c.kv_write("secret", "apps/a", &values(&[("pw", "a")]))
        .await
        .unwrap();
    c.kv_write("secret", "apps/b", &values(&[("pw", "b")]))
        .await
        .unwrap();
    c.enable_approle().await.unwrap();
    c.enable_approle().await.unwrap(); // twice is fine
    let role = role_name("h1");
    c.write_policy(&role, &host_policy("secret", &["apps/a".into()]).unwrap())
        .await
        .unwrap();
    c.write_role(&role, &role, 300).await.unwrap();
    let role_id = c.role_id(&role).await.unwrap();
    let first = c.new_secret_id(&role).await.unwrap();

    let anon = Client::new(&Config {
        address: bao.address.clone(),
        ca_pem: None,
        allow_http: true,
    })
    .unwrap();
    let h1 = anon
        .approle_login(&role_id, &first.secret_id)
        .await
        .unwrap();
    assert_eq!(
        h1.kv_read("secret", "apps/a", None).await.unwrap().version,
        1
    );
    assert_eq!(h1.kv_version("secret", "apps/a").await.unwrap(), 1);
    let denied = h1.kv_read("secret", "apps/b", None).await.unwrap_err();
    assert!(
        matches!(denied, VaultError::Denied { ref path, .. } if path.contains("apps/b")),
        "{denied}"
    );

    let second = c.new_secret_id(&role).await.unwrap();
    c.destroy_secret_id(&role, &first.accessor).await.unwrap();
    assert!(matches!(
        anon.approle_login(&role_id, &first.secret_id)
            .await
            .unwrap_err(),
        VaultError::Denied { .. }
    ));
    anon.approle_login(&role_id, &second.secret_id)
        .await
        .unwrap();
}

#[tokio::test]
async fn an_unreachable_vault_is_named() {
    let port = free_port();
    let c = Client::new(&Config {
        address: format!("http://127.0.0.1:{port}"),
        ca_pem: None,
        allow_http: true,
    })
    .unwrap();
    let e = c.health().await.unwrap_err();
    assert!(matches!(e, VaultError::Unreachable { .. }), "{e}");
}

#[tokio::test]
async fn tls_with_the_ca_file_works_and_without_it_fails() {
    let dir = tempfile::tempdir().unwrap();
    let Some((ca, cert, key)) = test_ca(dir.path()) else {
        skip("no openssl CLI to make a test CA");
        return;
    };
    let Some(bao) = Bao::tls(ROOT, &cert, &key) else {
        return;
    };
    let with_ca = Client::new(&Config {
        address: bao.address.clone(),
        ca_pem: Some(std::fs::read(&ca).unwrap()),
        allow_http: false,
    })
    .unwrap();
    with_ca.health().await.unwrap();

    // Another CA (or the system roots) does not vouch for this server.
    let other = tempfile::tempdir().unwrap();
    let (other_ca, _, _) = test_ca(other.path()).unwrap();
    let wrong = Client::new(&Config {
        address: bao.address.clone(),
        ca_pem: Some(std::fs::read(&other_ca).unwrap()),
        allow_http: false,
    })
    .unwrap();
    let e = wrong.health().await.unwrap_err();
    assert!(
        matches!(e, VaultError::Unreachable { ref why, .. } if why.contains("certificate")),
        "{e}"
    );
}
