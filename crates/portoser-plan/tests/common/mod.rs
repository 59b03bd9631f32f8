//! Registries built in code (independent of the YAML loader) and recorded states.
#![allow(dead_code)]

pub mod tls;

use portoser_diag::{FileId, Span, Spanned};
use portoser_plan::{
    AppliedService, AppliedStatus, HookSpec, Recorded, ServiceConfig, Timing, config_hash,
    service_config,
};
use portoser_registry::{Caddy, Defaults, Engine, Registry, SecretRef, Service};

pub fn s(text: &str) -> Spanned<String> {
    Spanned::new(text.to_string(), Span::default())
}

pub fn service(name: &str, host: &str, engine: Engine) -> Service {
    Service {
        current_host: Some(s(host)),
        deployment_type: Some(Spanned::new(engine, Span::default())),
        ..Service::named(s(name))
    }
}

pub fn port(mut svc: Service, port: u16) -> Service {
    svc.port = Some(Spanned::new(port, Span::default()));
    svc
}

pub fn hostname(mut svc: Service, name: &str) -> Service {
    svc.hostname = Some(s(name));
    svc
}

pub fn depends(mut svc: Service, deps: &[&str]) -> Service {
    svc.dependencies = deps.iter().map(|d| s(d)).collect();
    svc
}

pub fn secret(mut svc: Service, var: &str, path: &str, key: &str) -> Service {
    let r = SecretRef {
        path: path.into(),
        key: key.into(),
        version: None,
    };
    svc.secrets.push((s(var), Spanned::new(r, Span::default())));
    svc
}

pub fn registry(services: Vec<Service>) -> Registry {
    Registry {
        file: FileId(0),
        domain: None,
        hosts: Vec::new(),
        services,
        caddy: Some(Caddy {
            ingress_host: Some(s("edge")),
            ..Caddy::default()
        }),
        dns: None,
        vault: None,
        certs: None,
        defaults: Defaults::default(),
    }
}

/// Records every given service as applied exactly as declared.
pub fn recorded(reg: &Registry, services: &[&Service], serial: u64) -> Recorded {
    let mut out = Recorded {
        serial,
        ..Recorded::default()
    };
    for svc in services {
        let applied = applied_service(service_config(reg, svc));
        out.services.insert(svc.name.value.clone(), applied);
    }
    out
}

/// `config` as the state records it after a successful apply.
pub fn applied_service(config: ServiceConfig) -> AppliedService {
    AppliedService {
        host: config.host.clone(),
        engine: config.engine.clone(),
        config_hash: config_hash(&config),
        config,
        applied_at: "2026-11-20T10:00:00Z".into(),
        status: AppliedStatus::Applied,
        previous_host: None,
    }
}

pub fn hook(service: &str, timing: Timing, event: &str, steps: &[&str]) -> HookSpec {
    HookSpec {
        service: service.into(),
        timing,
        event: event.into(),
        span: Span::default(),
        steps: steps.iter().map(|s| s.to_string()).collect(),
    }
}

/// A fleet where every action appears: api update, db no-op, web create, worker migrate
/// pi2 → pi3, cache replace docker → local, old delete; a hook after deploy of api.
pub fn mixed_fleet() -> (Registry, Recorded, Vec<HookSpec>) {
    let db = port(service("db", "pi1", Engine::Docker), 5432);
    let api = secret(
        depends(
            hostname(
                port(service("api", "pi1", Engine::Docker), 8081),
                "api.example.lan",
            ),
            &["db"],
        ),
        "DB_PASSWORD",
        "kv/db",
        "password",
    );
    let mut web = depends(
        hostname(
            port(service("web", "pi2", Engine::Local), 3000),
            "web.example.lan",
        ),
        &["api"],
    );
    web.python_manager = Some(s("uv"));
    let worker = depends(service("worker", "pi3", Engine::Native), &["db"]);
    let cache = port(service("cache", "pi1", Engine::Local), 6379);
    let reg = registry(vec![
        db.clone(),
        api.clone(),
        web,
        worker.clone(),
        cache.clone(),
    ]);

    // What was applied before: api on 8080, worker on pi2, cache in docker, old on pi2.
    let old_api = port(api, 8080);
    let old_worker = service("worker", "pi2", Engine::Native);
    let old_worker = depends(old_worker, &["db"]);
    let old_cache = port(service("cache", "pi1", Engine::Docker), 6379);
    let old = hostname(
        port(service("old", "pi2", Engine::Docker), 9000),
        "old.example.lan",
    );
    let rec = recorded(&reg, &[&db, &old_api, &old_worker, &old_cache, &old], 7);
    let hooks = vec![hook(
        "api",
        Timing::After,
        "deploy",
        &["run on api.host: \"uv run alembic upgrade head\""],
    )];
    (reg, rec, hooks)
}
