//! `with_config`: a registry entry rebuilt from a recorded configuration (what a rollback and
//! a stop of the old instance run) gives back the same configuration, health gate included.
//! A rollback that lost the gate waited for a process that had merely started (and the
//! first request after it was refused).

mod common;

use common::*;
use portoser_diag::{Span, Spanned};
use portoser_plan::{Recorded, service_config, service_configs, with_config};
use portoser_registry::{Duration, Engine, Health, HealthKind, Service};
use std::collections::BTreeMap;

fn at<T>(value: T) -> Spanned<T> {
    Spanned::new(value, Span::default())
}

/// `entry` with a recorded configuration put back on a bare entry of the same name.
fn rebuilt(reg: &portoser_registry::Registry, entry: &Service) -> portoser_plan::ServiceConfig {
    let recorded = service_config(reg, entry);
    let bare = Service::named(s(&entry.name.value));
    service_config(reg, &with_config(bare, &recorded))
}

#[test]
fn a_legacy_healthcheck_url_comes_back_with_its_interval_and_retries() {
    let mut api = port(service("api", "pi1", Engine::Local), 8080);
    api.healthcheck_url = Some(s("http://127.0.0.1:8080/ver.txt"));
    api.healthcheck_interval = Some(at(Duration::from_secs(1)));
    api.healthcheck_retries = Some(at(3));
    let reg = registry(vec![api.clone()]);
    let recorded = service_config(&reg, &api);
    assert_eq!(rebuilt(&reg, &api), recorded);
    let health = recorded.health.expect("a gate");
    assert_eq!(health.endpoint, "http://127.0.0.1:8080/ver.txt");
    assert_eq!(health.interval_ms, Some(1000));
}

#[test]
fn a_health_block_comes_back_whole() {
    let mut api = port(service("api", "pi1", Engine::Docker), 8080);
    api.health = Some(Health {
        span: Span::default(),
        kind: Some(at(HealthKind::Http)),
        endpoint: Some(s("http://127.0.0.1:8080/ready")),
        interval: Some(at(Duration { millis: 250 })),
        timeout: Some(at(Duration::from_secs(2))),
        retries: Some(at(40)),
        expect_status: Some(at(204)),
        expect_body: Some(s("ok")),
    });
    let reg = registry(vec![api.clone()]);
    assert_eq!(rebuilt(&reg, &api), service_config(&reg, &api));
}

#[test]
fn the_recorded_gate_replaces_the_entrys_own() {
    let mut old = port(service("api", "pi1", Engine::Local), 8080);
    old.healthcheck_command = Some(s("test -f /srv/api/ready"));
    let reg = registry(vec![old.clone()]);
    let recorded = service_config(&reg, &old);
    let mut new = old.clone();
    new.healthcheck_command = None;
    new.healthcheck_url = Some(s("http://127.0.0.1:8080/v2"));
    let back = service_config(&reg, &with_config(new, &recorded));
    assert_eq!(back.health, recorded.health);
}

#[test]
fn no_recorded_gate_means_none_even_when_the_entry_has_one() {
    let old = port(service("api", "pi1", Engine::Local), 8080);
    let reg = registry(vec![old.clone()]);
    let recorded = service_config(&reg, &old);
    let mut new = old.clone();
    new.healthcheck_url = Some(s("http://127.0.0.1:8080/"));
    assert_eq!(
        service_config(&reg, &with_config(new, &recorded)).health,
        None
    );
}

#[test]
fn the_tls_modes_come_back_so_the_old_instance_keeps_its_certificate_files() {
    use portoser_registry::TlsMode;
    let mut api = port(service("api", "pi1", Engine::Docker), 8443);
    api.tls = Some(at(TlsMode::Auto));
    api.client_cert = Some(at(TlsMode::Auto));
    // What apply records: the configuration with its certificate parts.
    let recorded = |entry: &Service| {
        let reg = registry(vec![entry.clone()]);
        let configs = service_configs(&reg, &Recorded::default(), &BTreeMap::new());
        configs["api"].clone()
    };
    let back = with_config(Service::named(s("api")), &recorded(&api));
    assert!(back.tls.is_some() && back.client_cert.is_some());
    let plain = port(service("api", "pi1", Engine::Docker), 8443);
    let back = with_config(api, &recorded(&plain));
    assert!(back.tls.is_none() && back.client_cert.is_none());
}
