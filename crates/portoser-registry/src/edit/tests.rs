//! Edits of registries with comments: snapshots of the diff, and the refusals.

use super::*;
use crate::model::{Connection, Engine};

const FLEET: &str = r#"# The fleet. Comments and blank lines must survive every edit.
domain: demo.lan

defaults:
  ssh_user: deploy   # everyone logs in as deploy

hosts:
    # the ingress box
    edge:
        ip: 10.0.0.1
        path: /srv/portoser
    app1:
        ip: 10.0.0.2   # rack 2
        ssh_port: 2201
        path: /srv/portoser

# Services, in dependency order.
services:
    db:
        current_host: app1
        deployment_type: docker
        docker_compose: db/compose.yml
        port: 5432

    # The API talks to the database.
    api:
        current_host: app1
        deployment_type: docker
        docker_compose: api/compose.yml
        port: 8080
        dependencies: [db]
        # keep this port in sync with the caddy config

    worker:
        current_host: app1
        deployment_type: local
        command: |
            uv run worker
            --queue default
        dependencies:
            - db
            - api
    web: {current_host: edge, deployment_type: local, command: "uv run web", port: 8090, dependencies: [api, db]}
"#;

fn rejected(err: EditError) -> Rejected {
    match err {
        EditError::Rejected(r) => r,
        other => panic!("expected a rejection, got {other:?}"),
    }
}

fn rendered(r: &Rejected) -> String {
    let map = r.source_map("registry.yml");
    portoser_diag::render_all(
        &map,
        &r.diagnostics,
        portoser_diag::RenderOptions { color: false },
    )
}

#[test]
fn add_host_goes_after_the_last_host_with_the_file_indentation() {
    let fields = HostFields {
        ip: Some("10.0.0.3".into()),
        ssh_user: Some("ops".into()),
        ssh_port: Some(2203),
        path: Some("/srv/portoser".into()),
        arch: Some("arm64-linux".into()),
        ..HostFields::default()
    };
    let after = add_host(FLEET, "app2", &fields).expect("edit");
    insta::assert_snapshot!(diff(FLEET, &after));
}

#[test]
fn add_local_host_needs_no_ip() {
    let fields = HostFields {
        connection: Some(Connection::Local),
        path: Some("/tmp/portoser-demo".into()),
        ..HostFields::default()
    };
    let after = add_host(FLEET, "laptop", &fields).expect("edit");
    insta::assert_snapshot!(diff(FLEET, &after));
    assert!(new_warnings(FLEET, &after).is_empty());
}

#[test]
fn ssh_settings_on_a_local_host_are_a_new_warning() {
    let fields = HostFields {
        connection: Some(Connection::Local),
        ssh_user: Some("deploy".into()),
        ..HostFields::default()
    };
    let after = add_host(FLEET, "laptop", &fields).expect("a warning does not refuse");
    let warnings = new_warnings(FLEET, &after);
    assert_eq!(warnings.len(), 1);
    assert_eq!(warnings[0].code, "W0106");
}

#[test]
fn add_service_with_quoted_values_reads_back() {
    let mut fields = ServiceFields::new("edge", Engine::Local);
    fields.command = Some("uv run app --name 'x' # not a comment".into());
    fields.port = Some(9000);
    fields.dependencies = vec!["api".into(), "db".into()];
    let after = add_service(FLEET, "admin", &fields).expect("edit");
    insta::assert_snapshot!(diff(FLEET, &after));
}

#[test]
fn move_replaces_only_the_host_value() {
    let after = move_service(FLEET, "api", "edge").expect("edit");
    insta::assert_snapshot!(diff(FLEET, &after));
    let after = move_service(FLEET, "web", "app1").expect("flow entries can move");
    insta::assert_snapshot!("move_flow_entry", diff(FLEET, &after));
    assert_eq!(move_service(FLEET, "api", "app1").expect("no-op"), FLEET);
}

#[test]
fn remove_takes_its_own_comments_and_keeps_section_comments() {
    let after = remove_service(FLEET, "web", false).expect("edit");
    insta::assert_snapshot!("remove_flow_line", diff(FLEET, &after));
    let without_web = after;
    let after = remove_service(&without_web, "worker", false).expect("edit");
    insta::assert_snapshot!("remove_block_scalar", diff(&without_web, &after));
    let after = remove_service(&after, "api", false).expect("edit");
    insta::assert_snapshot!("remove_api_with_comments", after);
}

#[test]
fn remove_refuses_dependents_unless_forced() {
    match remove_service(FLEET, "db", false) {
        Err(EditError::HasDependents { dependents, .. }) => {
            assert_eq!(dependents, ["api", "worker", "web"]);
        }
        other => panic!("expected HasDependents, got {other:?}"),
    }
    let after = remove_service(FLEET, "db", true).expect("forced");
    insta::assert_snapshot!("remove_forced", diff(FLEET, &after));
}

#[test]
fn invalid_edits_are_refused_with_diagnostics_of_the_edited_text() {
    let r = rejected(move_service(FLEET, "api", "nowhere").unwrap_err());
    assert_eq!(r.stage, Stage::After);
    insta::assert_snapshot!("refused_unknown_host", rendered(&r));
    let fields = HostFields {
        ip: Some("10.0.0.9".into()),
        ..HostFields::default()
    };
    let r = rejected(add_host(FLEET, "edge", &fields).unwrap_err());
    insta::assert_snapshot!("refused_duplicate", rendered(&r));
    let mut fields = ServiceFields::new("app1", Engine::Docker);
    fields.docker_compose = Some("x/compose.yml".into());
    fields.port = Some(5432);
    let r = rejected(add_service(FLEET, "db2", &fields).unwrap_err());
    insta::assert_snapshot!("refused_port_clash", rendered(&r));
}

#[test]
fn unknown_services_get_a_suggestion() {
    match move_service(FLEET, "wrker", "edge") {
        Err(e @ EditError::NoSuchService { .. }) => {
            assert_eq!(
                e.to_string(),
                "no service `wrker` in the registry (did you mean `worker`?)"
            );
        }
        other => panic!("expected NoSuchService, got {other:?}"),
    }
}

#[test]
fn a_registry_with_errors_is_not_edited() {
    let broken = FLEET.replace("port: 5432", "port: 99999");
    let r = rejected(move_service(&broken, "api", "edge").unwrap_err());
    assert_eq!(r.stage, Stage::Before);
    assert!(r.diagnostics.iter().any(|d| d.code == "E0105"));
    let r = rejected(move_service("hosts: [", "api", "edge").unwrap_err());
    assert!(r.diagnostics.iter().any(|d| d.code == "E0101"));
}

#[test]
fn flow_style_sections_are_refused_clearly() {
    let text = "hosts: {a: {ip: 10.0.0.1}}\nservices:\n  s:\n    current_host: a\n    deployment_type: local\n    command: x\n";
    let fields = HostFields {
        ip: Some("10.0.0.2".into()),
        ..HostFields::default()
    };
    let err = add_host(text, "b", &fields).unwrap_err();
    assert!(matches!(err, EditError::Unsupported(_)), "{err:?}");
    assert!(err.to_string().contains("flow style"), "{err}");
    // The services section is block style: adding there works.
    let after = add_service(text, "t", &{
        let mut f = ServiceFields::new("a", Engine::Local);
        f.command = Some("work".into());
        f
    })
    .expect("edit");
    assert!(
        after.ends_with(
            "  t:\n    current_host: a\n    deployment_type: local\n    command: work\n"
        ),
        "{after}"
    );
}

#[test]
fn missing_and_empty_sections_are_created() {
    let text = "# only services so far\nservices:\n";
    let fields = HostFields {
        ip: Some("10.0.0.1".into()),
        ..HostFields::default()
    };
    let after = add_host(text, "a", &fields).expect("edit");
    assert_eq!(
        after,
        "# only services so far\nservices:\nhosts:\n  a:\n    ip: 10.0.0.1\n"
    );
    let mut f = ServiceFields::new("a", Engine::Local);
    f.command = Some("run".into());
    let after = add_service(&after, "s", &f).expect("edit");
    insta::assert_snapshot!("empty_section", after);
    let crlf = "hosts: ~\r\nservices:\r\n";
    let after = add_host(crlf, "a", &fields).expect("edit");
    assert_eq!(after, "hosts:\r\n  a:\r\n    ip: 10.0.0.1\r\nservices:\r\n");
}

#[test]
fn moving_an_unplaced_service_adds_current_host() {
    let text = "hosts:\n  a:\n    ip: 10.0.0.1\nservices:\n  s:\n    # no host yet\n    deployment_type: local\n    command: run\n";
    let after = move_service(text, "s", "a").expect("edit");
    assert_eq!(
        after,
        "hosts:\n  a:\n    ip: 10.0.0.1\nservices:\n  s:\n    # no host yet\n    current_host: a\n    deployment_type: local\n    command: run\n"
    );
}

#[test]
fn hostile_names_are_quoted_or_refused_never_injected() {
    let fields = HostFields {
        ip: Some("10.0.0.5\n  evil: x".into()),
        ..HostFields::default()
    };
    let r = rejected(add_host(FLEET, "x", &fields).unwrap_err());
    assert!(
        r.diagnostics.iter().any(|d| d.code == "E0115"),
        "{}",
        rendered(&r)
    );
    let fields = HostFields {
        ip: Some("10.0.0.5".into()),
        ..HostFields::default()
    };
    let r = rejected(add_host(FLEET, "a: {b", &fields).unwrap_err());
    assert!(
        r.diagnostics.iter().any(|d| d.code == "E0117"),
        "{}",
        rendered(&r)
    );
}
