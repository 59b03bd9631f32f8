//! What the heal tests share: the stdlib rules parsed as the binary embeds them, and a
//! one-host, one-service world (`api` on `h1`, port 8000).
#![allow(dead_code)]

use portoser_diag::{Diagnostics, FileId};
use portoser_heal::world::{HostInfo, ServiceInfo, World};
use portoser_heal::{Rule, rules};

/// Every stdlib rule, in the stdlib's order.
pub fn stdlib() -> Vec<Rule> {
    let parsed: Vec<(String, String, portoser_syntax::ast::File)> = portoser_check::stdlib::FILES
        .iter()
        .enumerate()
        .map(|(i, (name, text))| {
            let mut d = Diagnostics::new();
            let f = portoser_syntax::parse_text(text, FileId(i as u32), &mut d);
            assert!(!d.has_errors(), "{name} parses");
            (name.to_string(), text.to_string(), f)
        })
        .collect();
    rules::collect(parsed.iter().map(|(n, t, f)| (n.as_str(), t.as_str(), f)))
}

/// The stdlib rule `name`.
pub fn stdlib_rule(name: &str) -> Rule {
    stdlib().into_iter().find(|r| r.name == name).expect("rule")
}

/// `api` (local, port 8000) on `h1`, deployed in `deploy_dir`.
pub fn world_at(deploy_dir: &str) -> World {
    let mut w = World::default();
    w.hosts.insert(
        "h1".into(),
        HostInfo {
            name: "h1".into(),
            ip: "10.0.0.1".into(),
            user: "deploy".into(),
            path: "/srv".into(),
            arch: String::new(),
            docker_start: None,
        },
    );
    w.services.insert(
        "api".into(),
        ServiceInfo {
            name: "api".into(),
            host: "h1".into(),
            port: Some(8000),
            engine: "local".into(),
            deploy_dir: deploy_dir.into(),
            run_dir: "/srv/.portoser/run/api".into(),
            base_dir: "/srv".into(),
            ..ServiceInfo::default()
        },
    );
    w
}

/// [`world_at`] `/srv/api`.
pub fn world() -> World {
    world_at("/srv/api")
}
