//! The compose file portoser adds over the user's (`-f USER -f OVERLAY`): the secrets file as
//! `env_file`, the service's `tls/` mounted read-only. Snapshots of the YAML, refusal of a
//! service name that is not a plain compose name, and paths that stay one YAML string.
//! tests/e2e_certs.rs and tests/e2e_vault.rs run it through a real compose on the test bed.

use portoser_engine::docker::{Additions, overlay_yaml};

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|n| n.to_string()).collect()
}

#[test]
fn secrets_and_tls_for_every_service_portoser_runs() {
    let add = Additions {
        env_file: Some("/srv/web/.portoser/secrets.env"),
        tls_dir: Some("/srv/web/tls"),
    };
    let yaml = overlay_yaml(&names(&["web", "worker.1"]), &add).expect("plain names");
    insta::assert_snapshot!(yaml, @r#"
    # written by portoser at apply time (docs/engines.md)
    services:
      web:
        env_file:
          - "/srv/web/.portoser/secrets.env"
        volumes:
          - type: bind
            source: "/srv/web/tls"
            target: "/run/portoser/tls"
            read_only: true
      worker.1:
        env_file:
          - "/srv/web/.portoser/secrets.env"
        volumes:
          - type: bind
            source: "/srv/web/tls"
            target: "/run/portoser/tls"
            read_only: true
    "#);
}

#[test]
fn tls_alone_mounts_without_an_env_file() {
    let add = Additions {
        env_file: None,
        tls_dir: Some("/srv/web/tls"),
    };
    let yaml = overlay_yaml(&names(&["web", ""]), &add).expect("plain names");
    assert!(!yaml.contains("env_file"), "{yaml}");
    assert_eq!(
        yaml.matches("source: \"/srv/web/tls\"").count(),
        1,
        "{yaml}"
    );
}

#[test]
fn a_path_with_colons_quotes_and_newlines_stays_one_string() {
    let add = Additions {
        env_file: None,
        tls_dir: Some("/srv/a:b \"c\"\n- evil/tls"),
    };
    let yaml = overlay_yaml(&names(&["web"]), &add).expect("plain names");
    assert!(
        yaml.contains(r#"source: "/srv/a:b \"c\"\u000a- evil/tls""#),
        "{yaml}"
    );
    assert_eq!(
        yaml.lines().count(),
        8,
        "no line break leaks into the YAML:\n{yaml}"
    );
}

#[test]
fn a_name_that_is_not_a_plain_compose_name_is_refused() {
    let add = Additions {
        env_file: Some("/srv/web/.portoser/secrets.env"),
        tls_dir: None,
    };
    for hostile in ["web:\n  privileged: true", "a b", "x#y", "{web}"] {
        assert_eq!(
            overlay_yaml(&names(&["ok", hostile]), &add),
            None,
            "{hostile:?}"
        );
    }
}
