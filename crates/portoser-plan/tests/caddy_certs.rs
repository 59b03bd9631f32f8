//! The Caddy node and `tls: auto` site certificates: a certificate apply issues again keeps
//! its path on the ingress host, so the plan reloads Caddy for it (docs/caddy.md).

mod common;

use common::tls::{applied, facts, plan, tls_registry};
use portoser_plan::Action;

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
