//! `client_cert: auto` services: the same certs node as `tls: auto`, renewal planned from the
//! client certificate's facts (reasons that say "client certificate"), a good deployed client
//! certificate a no-op, a renewed one redeploying (a new configuration hash: a restart).

mod common;

use common::tls::tls_registry;
use common::{applied_service, registry, service};
use portoser_plan::{
    Action, CertFact, NodeKind, Plan, Recorded, TlsKinds, config_hash, plan_at_with_facts,
    retired_tls_files, service_configs_with_certs,
};
use portoser_registry::{Engine, Registry, TlsMode};
use std::collections::BTreeMap;

fn auto() -> Option<portoser_diag::Spanned<TlsMode>> {
    Some(portoser_diag::Spanned::new(
        TlsMode::Auto,
        portoser_diag::Span::default(),
    ))
}

/// `caller` on h1 with `client_cert: auto` and no server certificate.
fn client_only() -> Registry {
    let mut caller = service("caller", "h1", Engine::Local);
    caller.client_cert = auto();
    registry(vec![caller])
}

fn client_fact(name: &str, fingerprint: &str, renew: &[&str]) -> BTreeMap<String, CertFact> {
    BTreeMap::from([(
        name.to_string(),
        CertFact {
            client_fingerprint: Some(fingerprint.to_string()),
            client_renew: renew.iter().map(|r| r.to_string()).collect(),
            ..CertFact::default()
        },
    )])
}

fn plan(reg: &Registry, rec: &Recorded, certs: &BTreeMap<String, CertFact>) -> Plan {
    plan_at_with_facts(
        reg,
        &[],
        rec,
        "h",
        &BTreeMap::new(),
        certs,
        "2026-11-27T00:00:00Z",
    )
}

/// The state after an apply that deployed the client certificate `fingerprint` of `name`.
fn applied(reg: &Registry, certs: &BTreeMap<String, CertFact>) -> Recorded {
    let configs = service_configs_with_certs(reg, &Recorded::default(), &BTreeMap::new(), certs);
    let mut rec = Recorded {
        serial: 3,
        ..Recorded::default()
    };
    for (name, config) in configs {
        rec.services.insert(name, applied_service(config));
    }
    rec
}

#[test]
fn a_client_only_service_gets_a_certs_node_before_its_deploy() {
    let reg = client_only();
    let facts = client_fact("caller", "sha256:c", &["no client certificate issued yet"]);
    let p = plan(&reg, &Recorded::default(), &facts);
    let certs = p.node("caller/certs").expect("certs node");
    assert_eq!(certs.kind, NodeKind::Certs);
    assert_eq!(certs.action, Action::Create);
    assert_eq!(
        certs.reasons,
        ["new service", "no client certificate issued yet"]
    );
    let deploy = p.node("caller/deploy").expect("deploy");
    assert!(deploy.depends_on.iter().any(|d| d == "caller/certs"));
    let configs = service_configs_with_certs(&reg, &Recorded::default(), &BTreeMap::new(), &facts);
    assert!(configs["caller"].cert.is_none(), "no server certificate");
    assert_eq!(
        configs["caller"]
            .client_cert
            .as_ref()
            .map(|c| c.fingerprint.clone()),
        Some(None),
        "a certificate due for issue is not recorded before apply issues it"
    );
}

#[test]
fn a_service_without_client_cert_has_no_certs_node_and_ignores_client_facts() {
    let reg = registry(vec![service("plain", "h1", Engine::Local)]);
    let facts = client_fact(
        "plain",
        "sha256:c",
        &["client certificate expired 2 days ago"],
    );
    let p = plan(&reg, &Recorded::default(), &facts);
    assert!(p.node("plain/certs").is_none());
    assert_eq!(p.changes[0].reasons, ["new service"]);
}

#[test]
fn a_good_deployed_client_certificate_is_a_no_op() {
    let reg = client_only();
    let facts = client_fact("caller", "sha256:c", &[]);
    let rec = applied(&reg, &facts);
    let p = plan(&reg, &rec, &facts);
    assert!(!p.has_changes(), "{:?}", p.changes);
    assert_eq!(p.node("caller/certs").unwrap().action, Action::NoOp);
}

#[test]
fn a_client_certificate_near_expiry_is_renewed_and_restarts_the_service() {
    let reg = client_only();
    let rec = applied(&reg, &client_fact("caller", "sha256:c", &[]));
    let due = client_fact(
        "caller",
        "sha256:c",
        &["client certificate expires in 2 days"],
    );
    let p = plan(&reg, &rec, &due);
    assert_eq!(p.changes[0].action, Action::Update);
    assert_eq!(
        p.changes[0].reasons,
        ["client certificate expires in 2 days"]
    );
    assert_eq!(p.node("caller/certs").unwrap().action, Action::Update);
    assert_eq!(p.node("caller/deploy").unwrap().action, Action::Update);
    // After apply issued the new certificate, the recorded configuration differs: the
    // deploy node restarts the service with the new files.
    let renewed = applied(&reg, &client_fact("caller", "sha256:d", &[]));
    assert_ne!(
        config_hash(&rec.services["caller"].config),
        config_hash(&renewed.services["caller"].config)
    );
    let p = plan(&reg, &renewed, &client_fact("caller", "sha256:d", &[]));
    assert!(!p.has_changes(), "then a no-op: {:?}", p.changes);
}

#[test]
fn a_client_certificate_issued_outside_apply_redeploys() {
    let reg = client_only();
    let rec = applied(&reg, &client_fact("caller", "sha256:c", &[]));
    let p = plan(&reg, &rec, &client_fact("caller", "sha256:e", &[]));
    assert_eq!(p.changes[0].action, Action::Update);
    assert_eq!(
        p.changes[0].reasons,
        ["client certificate re-issued since the last apply"]
    );
}

#[test]
fn server_and_client_reasons_are_told_apart_in_one_node() {
    let mut reg = tls_registry("h1");
    reg.services[0].client_cert = auto();
    let good = BTreeMap::from([(
        "api".to_string(),
        CertFact {
            fingerprint: Some("sha256:s".into()),
            client_fingerprint: Some("sha256:c".into()),
            ..CertFact::default()
        },
    )]);
    let rec = applied(&reg, &good);
    let due = BTreeMap::from([(
        "api".to_string(),
        CertFact {
            fingerprint: Some("sha256:s".into()),
            renew: vec!["certificate expires in 3 days".into()],
            client_fingerprint: Some("sha256:c".into()),
            client_renew: vec!["client certificate was not issued by the current CA".into()],
        },
    )]);
    let p = plan(&reg, &rec, &due);
    assert_eq!(
        p.node("api/certs").unwrap().reasons,
        [
            "certificate expires in 3 days",
            "client certificate was not issued by the current CA"
        ]
    );
    // One certs node for both certificates.
    let certs: Vec<_> = p
        .nodes
        .iter()
        .filter(|n| n.kind == NodeKind::Certs)
        .collect();
    assert_eq!(certs.len(), 1);
}

#[test]
fn adding_client_cert_auto_is_an_update_that_says_so() {
    let plain = registry(vec![service("caller", "h1", Engine::Local)]);
    let rec = applied(&plain, &BTreeMap::new());
    let reg = client_only();
    let p = plan(
        &reg,
        &rec,
        &client_fact("caller", "sha256:c", &["no client certificate issued yet"]),
    );
    assert_eq!(p.changes[0].action, Action::Update);
    assert_eq!(
        p.changes[0].reasons,
        [
            "no client certificate issued yet",
            "client_cert: auto added"
        ]
    );
}

#[test]
fn a_recorded_state_without_client_certs_hashes_the_same() {
    // `client_cert` is skipped when absent: states written before it existed stay equal.
    let reg = registry(vec![service("plain", "h1", Engine::Local)]);
    let configs = service_configs_with_certs(
        &reg,
        &Recorded::default(),
        &BTreeMap::new(),
        &BTreeMap::new(),
    );
    let json = serde_json::to_string(&configs["plain"]).unwrap();
    assert!(!json.contains("client_cert"), "{json}");
}

#[test]
fn removing_client_cert_auto_retires_its_files_after_the_health_gate() {
    let facts = client_fact("caller", "sha256:c", &[]);
    let rec = applied(&client_only(), &facts);
    let plain = registry(vec![service("caller", "h1", Engine::Local)]);
    let p = plan(&plain, &rec, &BTreeMap::new());
    assert_eq!(p.changes[0].action, Action::Update);
    assert_eq!(p.changes[0].reasons, ["client_cert: auto removed"]);
    assert!(
        p.node("caller/certs").is_none(),
        "nothing to put on the host"
    );
    let retire = p
        .node("caller/retire-certs")
        .expect("a node that removes the files");
    assert_eq!(retire.kind, NodeKind::RetireCerts);
    assert!(
        retire.depends_on.iter().any(|d| d == "caller/health"),
        "removed once the new instance is healthy (a rollback still finds them): {retire:?}"
    );
    let new = service_configs_with_certs(&plain, &rec, &BTreeMap::new(), &BTreeMap::new());
    let old = &rec.services["caller"].config;
    assert_eq!(
        retired_tls_files(old, "h1", TlsKinds::of_config(&new["caller"])),
        ["client.key", "client.crt", "ca.crt"],
        "nothing of the kind is left, so the CA goes too"
    );
}

#[test]
fn only_the_removed_kind_retires_and_a_moved_service_retires_nothing_here() {
    let mut both = service("caller", "h1", Engine::Local);
    both.tls = auto();
    both.client_cert = auto();
    let reg = registry(vec![both.clone()]);
    let old = service_configs_with_certs(
        &reg,
        &Recorded::default(),
        &BTreeMap::new(),
        &BTreeMap::new(),
    );
    let mut server_only = both.clone();
    server_only.client_cert = None;
    let reg = registry(vec![server_only]);
    let new = service_configs_with_certs(
        &reg,
        &Recorded::default(),
        &BTreeMap::new(),
        &BTreeMap::new(),
    );
    let kinds = |c: &portoser_plan::ServiceConfig| TlsKinds::of_config(c);
    assert_eq!(
        retired_tls_files(&old["caller"], "h1", kinds(&new["caller"])),
        ["client.key", "client.crt"],
        "the CA stays for the server certificate"
    );
    assert!(retired_tls_files(&old["caller"], "h1", kinds(&old["caller"])).is_empty());
    assert!(
        retired_tls_files(&old["caller"], "h2", kinds(&new["caller"])).is_empty(),
        "a move leaves the old host's directory to the move"
    );
}
