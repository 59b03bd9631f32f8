//! The Caddy node and `tls: auto` site certificates: a certificate apply issues again keeps
//! its path on the ingress host, so the plan reloads Caddy for it (docs/caddy.md).

mod common;

use common::*;
use portoser_plan::{
    Action, AppliedService, AppliedStatus, CertFact, Plan, Recorded, config_hash,
    plan_at_with_facts, service_configs_with_certs,
};
use portoser_registry::{Engine, Host, Registry, TlsMode};
use std::collections::BTreeMap;

fn tls_registry(host: &str) -> Registry {
    let mut api = hostname(
        port(service("api", host, Engine::Local), 8443),
        "api.example.lan",
    );
    api.tls = Some(portoser_diag::Spanned::new(
        TlsMode::Auto,
        portoser_diag::Span::default(),
    ));
    let mut reg = registry(vec![api]);
    for (name, ip) in [("h1", "10.0.0.11"), ("h3", "10.0.0.13")] {
        reg.hosts.push(Host {
            name: s(name),
            span: portoser_diag::Span::default(),
            ip: Some(s(ip)),
            ssh_user: None,
            ssh_port: None,
            ssh_hostname: None,
            path: None,
            arch: None,
            context: None,
            roles: Vec::new(),
            description: None,
            connection: None,
            ssh_key: None,
            docker_start: None,
        });
    }
    reg
}

fn facts(fingerprint: &str, renew: &[&str]) -> BTreeMap<String, CertFact> {
    BTreeMap::from([(
        "api".to_string(),
        CertFact {
            fingerprint: Some(fingerprint.to_string()),
            renew: renew.iter().map(|r| r.to_string()).collect(),
        },
    )])
}

/// The state after an apply that deployed the certificate `fingerprint`.
fn applied(reg: &Registry, fingerprint: &str) -> Recorded {
    let configs = service_configs_with_certs(
        reg,
        &Recorded::default(),
        &BTreeMap::new(),
        &facts(fingerprint, &[]),
    );
    let config = configs["api"].clone();
    let mut rec = Recorded {
        serial: 3,
        ..Recorded::default()
    };
    rec.services.insert(
        "api".into(),
        AppliedService {
            host: config.host.clone(),
            engine: config.engine.clone(),
            config_hash: config_hash(&config),
            config,
            applied_at: "2026-11-20T10:00:00Z".into(),
            status: AppliedStatus::Applied,
            previous_host: None,
        },
    );
    rec
}

fn plan(reg: &Registry, rec: &Recorded, certs: &BTreeMap<String, CertFact>) -> Plan {
    let none = BTreeMap::new();
    plan_at_with_facts(reg, &[], rec, "h", &none, certs, "2026-11-27T00:00:00Z")
}

#[test]
fn a_site_certificate_issued_again_reloads_caddy() {
    let reg = tls_registry("h1");
    let rec = applied(&reg, "sha256:aa");
    let renewed = plan(
        &reg,
        &rec,
        &facts("sha256:aa", &["certificate expires in 12 days"]),
    );
    let caddy = renewed.node("caddy/reload").expect("caddy node");
    assert_eq!(caddy.action, Action::Update);
    assert_eq!(
        caddy.reasons,
        ["route api.example.lan: its certificate is issued again"]
    );
    let same = plan(&reg, &rec, &facts("sha256:aa", &[]));
    let caddy = same.node("caddy/reload").expect("caddy node");
    assert_eq!((caddy.action, caddy.reasons.len()), (Action::NoOp, 0));
}
