//! `client_cert: auto` (docs/certs.md): the only value, and W0160 for a service that calls an
//! `mtls` service without one, located at the dependency.

mod common;

use common::check_text;

const HEAD: &str = "hosts:\n  web:\n    ip: 10.0.0.1\ncaddy:\n  ingress_host: web\nservices:\n  \
     door:\n    current_host: web\n    deployment_type: local\n    command: ./run\n    \
     hostname: door.example.lan\n    port: 9000\n    mtls: true\n    ca_cert: ca.crt\n  \
     open:\n    current_host: web\n    deployment_type: local\n    command: ./run\n    \
     port: 9001\n";

/// A caller of `deps` with `extra` lines: each diagnostic's code, line and column.
fn caller(deps: &str, extra: &str) -> Vec<(&'static str, usize, usize)> {
    let text = format!(
        "{HEAD}  caller:\n    current_host: web\n    deployment_type: local\n    \
         command: ./run\n    port: 9002\n    dependencies: [{deps}]\n{extra}"
    );
    let (map, diags) = check_text("registry.yml", &text);
    diags
        .iter()
        .map(|d| {
            let (line, col) = d
                .primary
                .as_ref()
                .map_or((0, 0), |l| map.file(l.span.file).line_col(l.span.start));
            (d.code, line, col)
        })
        .collect()
}

#[test]
fn calling_an_mtls_service_without_a_client_certificate_warns_at_the_dependency() {
    assert_eq!(caller("door", ""), [("W0160", 25, 20)]);
    assert_eq!(caller("open, door", ""), [("W0160", 25, 26)]);
    assert_eq!(caller("open", ""), []);
    assert_eq!(caller("door", "    client_cert: auto\n"), []);
    assert_eq!(caller("door", "    client_cert:\n"), [("W0160", 25, 20)]);
}

#[test]
fn client_cert_takes_auto_only() {
    assert_eq!(
        caller("open", "    client_cert: yes\n"),
        [("E0164", 26, 18)]
    );
    assert_eq!(
        caller("open", "    client_cert: true\n"),
        [("E0164", 26, 18)]
    );
    assert_eq!(
        caller("open", "    client_cert: [auto]\n"),
        [("E0164", 26, 18)]
    );
}
