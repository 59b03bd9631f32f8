//! 5,000 services on 500 hosts: load + validate stays fast (well under 0.3 s in release;
//! the bound here is for unoptimised test builds on a slow machine).

mod common;

use std::time::{Duration, Instant};

#[test]
fn five_thousand_services_load_and_validate_quickly() {
    let mut text = String::from("caddy:\n  ingress_host: host-0\nhosts:\n");
    for h in 0..500 {
        text.push_str(&format!(
            "  host-{h}:\n    ip: 10.1.{}.{}\n    path: /srv/p\n",
            h / 200,
            h % 200 + 1
        ));
    }
    text.push_str("services:\n");
    for s in 0..5000 {
        let deps = if s > 0 {
            format!("[svc-{}]", s - 1)
        } else {
            "[]".into()
        };
        text.push_str(&format!(
            "  svc-{s}:\n    current_host: host-{}\n    deployment_type: docker\n    docker_compose: c/{s}.yml\n    port: {}\n    hostname: svc-{s}.lan\n    dependencies: {deps}\n    health: {{type: http, endpoint: \"http://127.0.0.1:{}/\"}}\n",
            s % 500,
            10000 + s,
            10000 + s
        ));
    }
    let start = Instant::now();
    let (map, diags) = common::check_text("big.yml", &text);
    let took = start.elapsed();
    assert!(
        diags.is_empty(),
        "{}",
        common::rendered(&map, &diags[..diags.len().min(3)])
    );
    assert!(took < Duration::from_secs(30), "took {took:?}");
    eprintln!("5000 services: {took:?}");
}
