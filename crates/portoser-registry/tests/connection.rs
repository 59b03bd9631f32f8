//! `connection`, `ssh_key` and `known_hosts`: loading, validation, and path resolution.

mod common;

use portoser_diag::{Diagnostics, Origin, SourceMap};
use portoser_registry::{Connection, DEFAULT_KNOWN_HOSTS, local_path};
use std::path::Path;

fn codes(text: &str) -> Vec<&'static str> {
    common::check_text("r.yml", text)
        .1
        .iter()
        .map(|d| d.code)
        .collect()
}

const SERVICE: &str =
    "services:\n  web:\n    current_host: h\n    deployment_type: local\n    command: run\n";

#[test]
fn a_local_host_needs_no_address_and_is_read_as_local() {
    let text = format!("hosts:\n  h:\n    connection: local\n{SERVICE}");
    assert_eq!(codes(&text), Vec::<&str>::new());
    let mut map = SourceMap::new();
    let id = map.add("r.yml", text.as_str(), Origin::Project);
    let registry = portoser_registry::load(&map, id, &mut Diagnostics::new()).expect("loads");
    let host = registry.host("h").expect("host");
    assert!(host.is_local());
    assert_eq!(map.text(host.connection.expect("spanned").span), "local");
}

#[test]
fn an_ssh_host_still_needs_its_address() {
    let text = format!("hosts:\n  h:\n    connection: ssh\n    ssh_user: deploy\n{SERVICE}");
    assert_eq!(codes(&text), ["E0104"]);
    let text = format!("hosts:\n  h:\n    ip: 10.0.0.1\n{SERVICE}");
    let (map, diags) = common::check_text("r.yml", &text);
    assert!(diags.is_empty(), "{}", common::rendered(&map, &diags));
}

#[test]
fn an_unknown_connection_is_located_with_the_choices() {
    let text = format!("hosts:\n  h:\n    ip: 10.0.0.1\n    connection: sssh\n{SERVICE}");
    let (map, diags) = common::check_text("r.yml", &text);
    insta::assert_snapshot!(common::rendered(&map, &diags));
}

#[test]
fn every_ssh_setting_on_a_local_host_is_warned_about() {
    let text = format!(
        "hosts:\n  h:\n    connection: local\n    ssh_user: deploy\n    ssh_port: 2222\n    ssh_hostname: h.lan\n    ssh_key: keys/id\n{SERVICE}"
    );
    let (map, diags) = common::check_text("r.yml", &text);
    assert_eq!(diags.iter().filter(|d| d.code == "W0106").count(), 4);
    assert!(!diags.iter().any(|d| d.is_error()));
    insta::assert_snapshot!(common::rendered(&map, &diags[..1]));
}

#[test]
fn key_and_known_hosts_paths_refuse_options_and_control_characters() {
    let text = format!(
        "defaults:\n  ssh_key: \"-oProxyCommand=sh\"\n  known_hosts: \"kh\\u0007\"\nhosts:\n  h:\n    ip: 10.0.0.1\n    ssh_key: \"a\\nb\"\n{SERVICE}"
    );
    assert_eq!(codes(&text), ["E0118", "E0118", "E0118"]);
    let text = format!(
        "defaults:\n  ssh_key: ~/.ssh/id_ed25519\n  known_hosts: .portoser/known_hosts\nhosts:\n  h:\n    ip: 10.0.0.1\n    ssh_key: keys/h\n{SERVICE}"
    );
    assert_eq!(codes(&text), Vec::<&str>::new());
}

#[test]
fn host_key_falls_back_to_defaults_and_paths_resolve() {
    let text = format!(
        "defaults:\n  ssh_key: ~/.ssh/id_ed25519\nhosts:\n  h:\n    ip: 10.0.0.1\n  g:\n    ip: 10.0.0.2\n    ssh_key: keys/g\n{SERVICE}"
    );
    let mut map = SourceMap::new();
    let id = map.add("r.yml", text.as_str(), Origin::Project);
    let reg = portoser_registry::load(&map, id, &mut Diagnostics::new()).expect("loads");
    let key = |h: &str| {
        reg.host(h)
            .and_then(|h| h.ssh_key(&reg.defaults))
            .map(|k| k.value.clone())
    };
    assert_eq!(key("h").as_deref(), Some("~/.ssh/id_ed25519"));
    assert_eq!(key("g").as_deref(), Some("keys/g"));
    assert_eq!(reg.host("h").map(|h| h.connection()), Some(Connection::Ssh));
    let (dir, home) = (Path::new("/p"), Some(Path::new("/home/u")));
    assert_eq!(local_path("keys/g", dir, home), Path::new("/p/keys/g"));
    assert_eq!(local_path("/abs/k", dir, home), Path::new("/abs/k"));
    assert_eq!(
        local_path(DEFAULT_KNOWN_HOSTS, dir, home),
        Path::new("/home/u/.ssh/known_hosts")
    );
}
