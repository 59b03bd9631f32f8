//! A `tls: auto` service `api` (with hosts h1 and h3 to move it between), the PKI facts the CLI
//! passes to the planner, and the state after an apply that deployed a given certificate.

use super::{applied_service, hostname, port, registry, s, service};
use portoser_plan::{CertFact, Plan, Recorded, plan_at_with_facts, service_configs_with_certs};
use portoser_registry::{Engine, Host, Registry, TlsMode};
use std::collections::BTreeMap;

pub fn tls_registry(host: &str) -> Registry {
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

pub fn facts(fingerprint: &str, renew: &[&str]) -> BTreeMap<String, CertFact> {
    BTreeMap::from([(
        "api".to_string(),
        CertFact {
            fingerprint: Some(fingerprint.to_string()),
            renew: renew.iter().map(|r| r.to_string()).collect(),
            ..CertFact::default()
        },
    )])
}

/// The state after an apply that deployed the certificate `fingerprint`.
pub fn applied(reg: &Registry, fingerprint: &str) -> Recorded {
    let configs = service_configs_with_certs(
        reg,
        &Recorded::default(),
        &BTreeMap::new(),
        &facts(fingerprint, &[]),
    );
    let mut rec = Recorded {
        serial: 3,
        ..Recorded::default()
    };
    rec.services
        .insert("api".into(), applied_service(configs["api"].clone()));
    rec
}

pub fn plan(reg: &Registry, rec: &Recorded, certs: &BTreeMap<String, CertFact>) -> Plan {
    let none = BTreeMap::new();
    plan_at_with_facts(reg, &[], rec, "h", &none, certs, "2026-11-27T00:00:00Z")
}
