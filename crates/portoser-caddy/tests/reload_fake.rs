//! The reload's steps in order, on the fake transport (the real Caddy: tests/e2e_caddy.rs):
//! what is uploaded with which mode, and that a rejected config is never renamed into place
//! and the TLS files it replaced are put back.

use portoser_caddy::{ReloadError, ReloadJob, reload};
use portoser_transport::{ExecOutput, FakeTransport, Transport};

fn job() -> ReloadJob {
    ReloadJob {
        admin: "127.0.0.1:2999".to_string(),
        binary: "caddy".to_string(),
        caddyfile_path: "/srv/caddy/Caddyfile".to_string(),
        text: "{\n\tadmin 127.0.0.1:2999\n}\n".to_string(),
        files: vec![
            (
                "/srv/caddy/portoser-tls/a.crt".into(),
                b"CERT".to_vec(),
                false,
            ),
            (
                "/srv/caddy/portoser-tls/a.key".into(),
                b"KEY".to_vec(),
                true,
            ),
        ],
    }
}

fn renamed_into_place(fake: &FakeTransport) -> bool {
    fake.scripts()
        .iter()
        .any(|s| s.contains("'mv' '-f' '/srv/caddy/Caddyfile.portoser-new' '/srv/caddy/Caddyfile'"))
}

#[tokio::test]
async fn an_accepted_config_is_validated_loaded_then_renamed() {
    let fake = FakeTransport::new("edge");
    fake.serve_tcp(2999, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    let t = Transport::Fake(fake.clone());
    reload(&t, &job()).await.expect("reload");
    let key = fake
        .file("/srv/caddy/portoser-tls/a.key")
        .expect("key uploaded");
    assert_eq!(key.mode, 0o600);
    let cert = fake
        .file("/srv/caddy/portoser-tls/a.crt")
        .expect("cert uploaded");
    assert_eq!(cert.mode, 0o644);
    let candidate = fake
        .file("/srv/caddy/Caddyfile.portoser-new")
        .expect("candidate");
    assert_eq!(candidate.contents, job().text.as_bytes());
    let scripts = fake.scripts();
    let adapt = scripts
        .iter()
        .position(|s| s.contains("'caddy' 'adapt'"))
        .expect("adapt");
    let rename = scripts
        .iter()
        .position(|s| s.contains("'mv' '-f' '/srv/caddy/Caddyfile.portoser-new'"))
        .expect("rename");
    assert!(adapt < rename, "{scripts:#?}");
    assert!(
        scripts
            .last()
            .unwrap()
            .contains("'rm' '-f' '/srv/caddy/portoser-tls/a.crt.portoser-old'")
    );
}

#[tokio::test]
async fn a_config_the_admin_api_rejects_is_not_put_in_place() {
    let fake = FakeTransport::new("edge");
    let body = "{\"error\":\"loading new config: bad things\"}";
    fake.serve_tcp(
        2999,
        format!(
            "HTTP/1.1 400 Bad Request\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ),
    );
    let t = Transport::Fake(fake.clone());
    match reload(&t, &job()).await {
        Err(ReloadError::Rejected(m)) => assert_eq!(m, "loading new config: bad things"),
        other => panic!("{other:?}"),
    }
    assert!(!renamed_into_place(&fake), "{:#?}", fake.scripts());
    let last = fake.scripts().last().cloned().unwrap();
    assert!(
        last.contains(
            "'mv' '-f' '/srv/caddy/portoser-tls/a.key.portoser-old' '/srv/caddy/portoser-tls/a.key'"
        ),
        "{last}"
    );
}

#[tokio::test]
async fn a_config_caddy_adapt_refuses_never_reaches_the_admin_api() {
    let fake = FakeTransport::new("edge");
    fake.on(
        "'caddy' 'adapt'",
        Ok(ExecOutput::failed(1, "{\"level\":\"info\"}\nError: adapting config using caddyfile: unknown directive: nope\n")),
    );
    let t = Transport::Fake(fake.clone());
    match reload(&t, &job()).await {
        Err(ReloadError::Invalid(m)) => {
            assert_eq!(
                m,
                "adapting config using caddyfile: unknown directive: nope"
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(!renamed_into_place(&fake));
    assert!(
        fake.scripts()
            .iter()
            .any(|s| s.contains("'rm' '-f' '/srv/caddy/Caddyfile.portoser-new'"))
    );
}

#[tokio::test]
async fn a_public_admin_address_is_refused_before_anything_runs() {
    let fake = FakeTransport::new("edge");
    let t = Transport::Fake(fake.clone());
    let mut j = job();
    j.admin = "0.0.0.0:2019".to_string();
    assert!(matches!(reload(&t, &j).await, Err(ReloadError::Admin(_))));
    assert!(fake.scripts().is_empty());
}

/// `caddy.binary` is what runs `adapt` (one quoted word), and a binary that is not there says
/// how to name it.
#[tokio::test]
async fn the_named_binary_validates_and_a_missing_one_says_so() {
    let fake = FakeTransport::new("edge");
    fake.serve_tcp(2999, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    let t = Transport::Fake(fake.clone());
    let mut j = job();
    j.binary = "/opt/homebrew/bin/caddy".to_string();
    reload(&t, &j).await.expect("reload");
    let scripts = fake.scripts();
    assert!(
        scripts
            .iter()
            .any(|s| s.contains("'/opt/homebrew/bin/caddy' 'adapt' '--config'")),
        "{scripts:#?}"
    );
    assert!(!scripts.iter().any(|s| s.contains("'caddy' 'adapt'")));

    let bare = FakeTransport::new("edge");
    bare.on(
        "'/opt/homebrew/bin/caddy' 'adapt'",
        Ok(ExecOutput::failed(
            127,
            "sh: 1: /opt/homebrew/bin/caddy: not found",
        )),
    );
    let t = Transport::Fake(bare.clone());
    let e = reload(&t, &j).await.unwrap_err().to_string();
    assert!(
        e.contains("`/opt/homebrew/bin/caddy` is not installed on `edge`")
            && e.contains("caddy.binary"),
        "{e}"
    );
    assert!(!bare.scripts().iter().any(|s| {
        s.contains("'mv' '-f' '/srv/caddy/Caddyfile.portoser-new' '/srv/caddy/Caddyfile'")
    }));
}
