//! `tls: auto` services: a certs node before deploy, renewal planned from the PKI facts the
//! CLI passes in, the recorded fingerprint keeping a good certificate a no-op.

mod common;

use common::tls::{applied, facts, plan, tls_registry};
use portoser_plan::{Action, NodeKind, Recorded, service_configs_with_certs};
use std::collections::BTreeMap;

#[test]
fn a_tls_auto_service_gets_a_certs_node_before_its_deploy_with_its_sans() {
    let reg = tls_registry("h1");
    let p = plan(
        &reg,
        &Recorded::default(),
        &facts("sha256:a", &["no certificate yet"]),
    );
    let certs = p.node("api/certs").expect("certs node");
    assert_eq!(certs.kind, NodeKind::Certs);
    assert_eq!(certs.action, Action::Create);
    assert_eq!(certs.reasons, ["new service", "no certificate yet"]);
    let deploy = p.node("api/deploy").expect("deploy");
    assert!(
        deploy.depends_on.iter().any(|d| d == "api/certs"),
        "{deploy:?}"
    );
    let configs = service_configs_with_certs(
        &reg,
        &Recorded::default(),
        &BTreeMap::new(),
        &facts("sha256:a", &[]),
    );
    let cert = configs["api"].cert.clone().expect("cert config");
    assert_eq!(
        cert.sans,
        [
            "api.example.lan",
            "10.0.0.11",
            "localhost",
            "127.0.0.1",
            "::1"
        ]
    );
}

#[test]
fn a_good_deployed_certificate_is_a_no_op() {
    let reg = tls_registry("h1");
    let rec = applied(&reg, "sha256:a");
    let p = plan(&reg, &rec, &facts("sha256:a", &[]));
    assert!(!p.has_changes(), "{:?}", p.nodes);
}

#[test]
fn a_certificate_near_expiry_is_renewed_and_says_why() {
    let reg = tls_registry("h1");
    let rec = applied(&reg, "sha256:a");
    let p = plan(
        &reg,
        &rec,
        &facts("sha256:a", &["certificate expires in 12 days"]),
    );
    let change = &p.changes[0];
    assert_eq!(change.action, Action::Update);
    assert_eq!(change.reasons, ["certificate expires in 12 days"]);
    assert_eq!(p.node("api/certs").unwrap().action, Action::Update);
}

#[test]
fn a_certificate_issued_outside_apply_redeploys() {
    let reg = tls_registry("h1");
    let rec = applied(&reg, "sha256:a");
    let p = plan(&reg, &rec, &facts("sha256:b", &[]));
    assert_eq!(p.changes[0].action, Action::Update);
    assert_eq!(
        p.changes[0].reasons,
        ["certificate re-issued since the last apply"]
    );
}

#[test]
fn a_moved_host_changes_the_sans() {
    let reg = tls_registry("h1");
    let rec = applied(&reg, "sha256:a");
    let moved = tls_registry("h3");
    let p = plan(
        &moved,
        &rec,
        &facts(
            "sha256:a",
            &["SANs changed: needs 10.0.0.13; no longer 10.0.0.11"],
        ),
    );
    assert_eq!(p.changes[0].action, Action::Migrate);
    assert_eq!(
        p.changes[0].reasons,
        [
            "SANs changed: needs 10.0.0.13; no longer 10.0.0.11",
            "moved h1 → h3",
            "certificate SANs changed: +10.0.0.13, -10.0.0.11",
        ]
    );
}

#[test]
fn without_facts_the_recorded_certificate_stays() {
    let reg = tls_registry("h1");
    let rec = applied(&reg, "sha256:a");
    let p = plan(&reg, &rec, &BTreeMap::new());
    assert!(!p.has_changes());
}
