//! `certs list` (what the store holds) and `certs check` (what is wrong with it, as located
//! diagnostics).

use super::ListFormat;
use crate::certs::{self, auto_services, client_services, settings};
use crate::cli::Exit;
use crate::cli::output::{Output, columns};
use crate::project::ProjectPaths;
use portoser_certs::{Finding, Paths, Pki, check, inspect_file, utc_text};
use portoser_diag::{Diagnostic, Diagnostics, Span};
use portoser_plan::cert_sans;
use portoser_registry::Service;

/// Every certificate of the store: (kind, name, cert and key paths).
fn stored(pki: &Pki) -> Vec<(&'static str, String, Paths)> {
    let mut all = vec![(
        "ca",
        "ca".to_string(),
        Paths {
            cert: pki.ca_cert_path(),
            key: pki.ca_key_path(),
        },
    )];
    for (kind, names, paths_of) in [
        (
            "service",
            pki.services(),
            Pki::server_paths as fn(&Pki, &str) -> _,
        ),
        ("client", pki.clients(), Pki::client_paths),
        (
            "service-client",
            pki.service_clients(),
            Pki::service_client_paths,
        ),
    ] {
        for name in names.unwrap_or_default() {
            if let Ok(p) = paths_of(pki, &name) {
                all.push((kind, name, p));
            }
        }
    }
    all.retain(|(_, _, p)| p.cert.exists());
    all
}

pub(super) fn list(pki: &Pki, format: ListFormat, out: &Output) -> Exit {
    let now = certs::now();
    let mut rows = vec![
        ["kind", "name", "subject", "SANs", "not after", "days left"]
            .map(String::from)
            .to_vec(),
    ];
    let mut json = Vec::new();
    let mut problems = false;
    for (kind, name, paths) in stored(pki) {
        match inspect_file(&paths.cert) {
            Ok(info) => {
                rows.push(vec![
                    kind.to_string(),
                    name.clone(),
                    info.subject.clone(),
                    if info.sans.is_empty() {
                        "-".into()
                    } else {
                        info.sans.join(", ")
                    },
                    utc_text(info.not_after),
                    info.days_left(now).to_string(),
                ]);
                json.push(serde_json::json!({
                    "kind": kind, "name": name, "subject": info.subject, "sans": info.sans,
                    "not_before": utc_text(info.not_before), "not_after": utc_text(info.not_after),
                    "not_after_unix": info.not_after, "days_left": info.days_left(now),
                    "fingerprint": info.fingerprint, "cert": paths.cert, "key": paths.key,
                }));
            }
            Err(e) => {
                problems = true;
                out.stderr(&format!("error[E0565]: {e}"));
            }
        }
    }
    match format {
        ListFormat::Json => out.stdout(
            &serde_json::to_string_pretty(&serde_json::json!({ "certificates": json }))
                .unwrap_or_default(),
        ),
        ListFormat::Human if rows.len() == 1 => {
            out.stdout("no certificates (create the CA with `portoser certs init-ca`)")
        }
        ListFormat::Human => out.stdout(&columns(&rows)),
    }
    if problems { Exit::Problems } else { Exit::Ok }
}

fn code(finding: &Finding) -> &'static str {
    match finding {
        Finding::Expired { .. } => "E0561",
        Finding::ExpiresSoon { .. } => "E0562",
        Finding::SansChanged { .. } => "E0563",
        Finding::KeyModeTooWide { .. } => "E0564",
        Finding::KeyMismatch
        | Finding::NotFromCa
        | Finding::Unreadable(_)
        | Finding::Missing(_) => "E0565",
    }
}

/// The fix: `chmod` for a key's mode, else `remedy` (what issues the certificate again).
fn help(finding: &Finding, remedy: &str) -> String {
    match finding {
        Finding::KeyModeTooWide { path, .. } => {
            format!("chmod 600 {}", ProjectPaths::display(path))
        }
        _ => remedy.to_string(),
    }
}

/// One diagnostic per finding; located at the registry's `tls: auto` or `client_cert: auto`
/// (`at`) when a registry entry is behind it.
fn diagnostics(
    what: &str,
    findings: &[Finding],
    at: Option<Span>,
    cert: &std::path::Path,
    remedy: &str,
) -> Vec<Diagnostic> {
    findings
        .iter()
        .map(|f| {
            let d = Diagnostic::error(code(f), format!("{what}: {f}"));
            let d = match at {
                Some(span) => d.at(span, "issued from the project CA"),
                None => d,
            };
            d.with_note(format!("certificate {}", ProjectPaths::display(cert)))
                .with_help(help(f, remedy))
        })
        .collect()
}

/// The client certificate of a `client_cert: auto` service (no SANs to compare); 1 when it
/// was checked, 0 when not issued yet (the next apply issues it).
fn check_service_client(
    pki: &Pki,
    service: &Service,
    renew_before: u64,
    now: i64,
    diags: &mut Diagnostics,
    out: &Output,
) -> usize {
    let name = &service.name.value;
    let Ok(p) = pki.service_client_paths(name) else {
        return 0;
    };
    if !p.cert.exists() {
        out.stdout(&format!(
            "{name}: client certificate not issued yet (the next apply issues it)"
        ));
        return 0;
    }
    let (_, findings) = check(pki, &p, None, renew_before, now);
    let remedy =
        format!("`portoser apply` renews it (or now: `portoser certs issue {name} --client`)");
    diags.extend(diagnostics(
        &format!("client certificate of `{name}`"),
        &findings,
        service.client_cert.map(|c| c.span),
        &p.cert,
        &remedy,
    ));
    1
}

pub(super) fn check_all(paths: &ProjectPaths, pki: &Pki, out: &Output) -> Exit {
    let compiled = match super::registry(paths, out) {
        Ok(c) => c,
        Err(exit) => return exit,
    };
    let Some(registry) = &compiled.registry else {
        return Exit::Problems;
    };
    let now = certs::now();
    let renew_before = settings(registry).renew_before;
    let mut diags = Diagnostics::new();
    let facts = certs::read_facts(pki, registry, now);
    diags.extend(facts.diagnostics);
    let mut checked = 0usize;
    if pki.has_ca() {
        let ca = Paths {
            cert: pki.ca_cert_path(),
            key: pki.ca_key_path(),
        };
        // A CA whose key is in Vault: only its validity can be checked here.
        let findings = match pki.ca_key_home() {
            portoser_certs::CaKeyHome::Elsewhere(_) => inspect_file(&ca.cert)
                .map(|info| portoser_certs::expiry(&info, renew_before, now))
                .map_err(|e| Finding::Unreadable(e.to_string()))
                .map_or_else(|f| vec![f], |f| f.into_iter().collect()),
            _ => check(pki, &ca, None, renew_before, now).1,
        };
        let remedy = "create a new CA with `portoser certs init-ca --force`, then apply";
        diags.extend(diagnostics("the CA", &findings, None, &ca.cert, remedy));
        checked += 1;
        for service in auto_services(registry) {
            let name = &service.name.value;
            let Ok(p) = pki.server_paths(name) else {
                continue;
            };
            if !p.cert.exists() {
                out.stdout(&format!(
                    "{name}: not issued yet (the next apply issues it)"
                ));
                continue;
            }
            let sans = cert_sans(registry, service);
            let (_, findings) = check(pki, &p, Some(&sans), renew_before, now);
            let remedy =
                format!("`portoser apply` renews it (or now: `portoser certs issue {name}`)");
            diags.extend(diagnostics(
                &format!("`{name}`"),
                &findings,
                service.tls.map(|t| t.span),
                &p.cert,
                &remedy,
            ));
            checked += 1;
        }
        for service in client_services(registry) {
            checked += check_service_client(pki, service, renew_before, now, &mut diags, out);
        }
        for name in pki.clients().unwrap_or_default() {
            let Ok(p) = pki.client_paths(&name) else {
                continue;
            };
            let (_, findings) = check(pki, &p, None, renew_before, now);
            let remedy = format!("issue it again: `portoser certs client {name}`");
            diags.extend(diagnostics(
                &format!("client `{name}`"),
                &findings,
                None,
                &p.cert,
                &remedy,
            ));
            checked += 1;
        }
    }
    let errors = diags.error_count();
    out.diagnostics_of(&compiled.map, diags);
    out.stdout(&format!(
        "{checked} certificate(s) checked, {errors} problem(s) (renew_before {}d)",
        renew_before / 86_400
    ));
    if errors > 0 { Exit::Problems } else { Exit::Ok }
}
