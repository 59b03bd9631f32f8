//! `portoser certs …`: the project CA and its certificates (docs/certs.md). `init-ca` creates
//! the CA, `issue`/`client` issue into the local store, `list` shows what is there, `check`
//! reports (located at the registry's `tls: auto`) what is expired, due, misnamed or exposed.

use super::Exit;
use super::output::{Output, columns};
use crate::certs::{self, auto_services, settings};
use crate::compile::{Compiled, compile};
use crate::project::ProjectPaths;
use clap::{Subcommand, ValueEnum};
use portoser_certs::{CertInfo, Finding, Lifetime, Paths, Pki, check, inspect_file, utc_text};
use portoser_diag::{Diagnostic, Diagnostics};
use portoser_plan::cert_sans;
use portoser_registry::{Registry, Service};

#[derive(Debug, Subcommand)]
pub enum CertsCommand {
    /// Create the project CA in .portoser/pki/ (ca.key 0600, 5 years); refuses to replace an
    /// existing CA unless --force (every certificate it issued must then be issued again)
    InitCa {
        /// Replace an existing CA: services are re-issued by the next apply, client
        /// certificates must be issued again, every copy of ca.crt must be replaced
        #[arg(long)]
        force: bool,
        /// The CA's common name
        #[arg(long, default_value = "portoser project CA")]
        name: String,
        /// Keep the CA key in Vault (the registry's `vault:`, operator token from VAULT_TOKEN)
        /// at <mount>/portoser/pki/ca, not on disk; issuing then reads it from there
        #[arg(long)]
        vault: bool,
    },
    /// Issue (again) SERVICE's server certificate: SANs hostname, host address, localhost,
    /// 127.0.0.1, ::1; EKU serverAuth. The next apply puts it on the host
    Issue {
        service: String,
        /// Validity (`90d`, `12h`, `60s`) [default: registry `certs.lifetime`, else 90d]; at most 398d
        #[arg(long, value_name = "DURATION")]
        lifetime: Option<String>,
    },
    /// Issue a client certificate NAME (EKU clientAuth) for mTLS: .portoser/pki/clients/NAME.{crt,key}
    Client {
        name: String,
        /// Validity (`90d`, `12h`) [default: registry `certs.lifetime`, else 90d]; at most 398d
        #[arg(long, value_name = "DURATION")]
        lifetime: Option<String>,
    },
    /// The CA, service and client certificates: subject, SANs, not-after, days left
    List {
        #[arg(long, value_enum, default_value_t = ListFormat::Human)]
        format: ListFormat,
    },
    /// Exit 1 with located diagnostics when a certificate is expired, expires within
    /// `renew_before`, has SANs that differ from the registry, does not fit its key or the CA,
    /// or a key file is readable by others (mode wider than 0600)
    Check,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Human,
    Json,
}

pub fn run(paths: &ProjectPaths, cmd: &CertsCommand, out: &Output) -> Exit {
    let pki = certs::pki(paths);
    match cmd {
        CertsCommand::InitCa { force, name, vault } if *vault => {
            init_ca_vault(paths, &pki, *force, name, out)
        }
        CertsCommand::InitCa { force, name, .. } => init_ca(&pki, *force, name, out),
        CertsCommand::Issue { service, lifetime } => {
            issue(paths, &pki, service, lifetime.as_deref(), out)
        }
        CertsCommand::Client { name, lifetime } => {
            client(paths, &pki, name, lifetime.as_deref(), out)
        }
        CertsCommand::List { format } => list(&pki, *format, out),
        CertsCommand::Check => check_all(paths, &pki, out),
    }
}

fn init_ca(pki: &Pki, force: bool, name: &str, out: &Output) -> Exit {
    let existed = pki.has_ca();
    let key = format!("{} (0600)", ProjectPaths::display(&pki.ca_key_path()));
    created(pki.init_ca(name, force), pki, &key, existed, out)
}

/// `init-ca --vault`: the key goes to Vault first; only then are local files written, so a
/// Vault failure leaves the store as it was.
fn init_ca_vault(paths: &ProjectPaths, pki: &Pki, force: bool, name: &str, out: &Output) -> Exit {
    let compiled = match registry(paths, out) {
        Ok(c) => c,
        Err(exit) => return exit,
    };
    let Some(registry) = &compiled.registry else {
        return Exit::Problems;
    };
    let existed = pki.has_ca();
    if let Err(e) = pki.may_init_ca(force) {
        return created(Err(e), pki, "", existed, out);
    }
    let result = portoser_certs::NewCa::generate(name)
        .map_err(|e| e.to_string())
        .and_then(|ca| {
            let location = certs::store_ca_key_in_vault(registry, paths, &ca)?;
            let info = pki.install_ca(&ca, Some(&location), force);
            Ok((location, info))
        });
    match result {
        Ok((location, info)) => created(info, pki, &format!("in Vault: {location}"), existed, out),
        Err(message) => {
            out.stderr(&format!(
                "error[E0560]: {message}\n  note: nothing was written to .portoser/pki/"
            ));
            Exit::Problems
        }
    }
}

fn created(
    result: Result<CertInfo, portoser_certs::CertError>,
    pki: &Pki,
    key: &str,
    existed: bool,
    out: &Output,
) -> Exit {
    match result {
        Ok(info) => {
            out.stdout(&format!(
                "CA created: {}\n  key  {key}\n  subject {}\n  valid until {}\n  {}",
                ProjectPaths::display(&pki.ca_cert_path()),
                info.subject,
                utc_text(info.not_after),
                info.fingerprint
            ));
            if existed {
                out.stderr("warning: the old CA was replaced: certificates it issued no longer verify; `portoser apply` re-issues the services', client certificates must be issued again, and every copy of ca.crt (Caddy, clients) must be replaced");
            }
            Exit::Ok
        }
        Err(portoser_certs::CertError::CaExists(path)) => {
            out.stderr(&format!(
                "error[E0566]: the project already has a CA: {}\n  note: replacing it invalidates every certificate it issued (services, clients, whoever trusts ca.crt)\n  help: keep it; or pass --force to replace it, then `portoser apply` and issue client certificates again",
                ProjectPaths::display(&path)
            ));
            Exit::Problems
        }
        Err(e) => {
            out.stderr(&format!("error[E0560]: {e}"));
            Exit::Problems
        }
    }
}

/// The registry, or the diagnostics that prevent reading it (printed).
fn registry(paths: &ProjectPaths, out: &Output) -> Result<Compiled, Exit> {
    let compiled = compile(paths);
    out.diagnostics(&compiled);
    if compiled.registry.is_none() || compiled.diags.has_errors() {
        out.stderr("error: fix the registry first");
        return Err(Exit::Problems);
    }
    Ok(compiled)
}

fn lifetime(text: Option<&str>, registry: &Registry, out: &Output) -> Result<Lifetime, Exit> {
    let Some(text) = text else {
        return Ok(settings(registry).lifetime);
    };
    let parsed = portoser_registry::Duration::parse(text)
        .ok_or_else(|| format!("`{text}` is not a duration (`90d`, `12h`, `60s`)"))
        .and_then(|d| {
            Lifetime::new(std::time::Duration::from_millis(d.millis)).map_err(|e| e.to_string())
        });
    parsed.map_err(|message| {
        out.stderr(&format!("error: --lifetime: {message}"));
        Exit::UsageOrChanges
    })
}

fn issue(paths: &ProjectPaths, pki: &Pki, name: &str, life: Option<&str>, out: &Output) -> Exit {
    let compiled = match registry(paths, out) {
        Ok(c) => c,
        Err(exit) => return exit,
    };
    let Some(registry) = &compiled.registry else {
        return Exit::Problems;
    };
    let Some(service) = registry.service(name) else {
        out.stderr(&format!(
            "error: no service `{name}` in {}",
            ProjectPaths::display(&paths.registry)
        ));
        return Exit::Problems;
    };
    let life = match lifetime(life, registry, out) {
        Ok(l) => l,
        Err(exit) => return exit,
    };
    let pki = match certs::with_ca_key(pki.clone(), registry, paths) {
        Ok(pki) => pki,
        Err(message) => return issue_error(&message, out),
    };
    let sans = cert_sans(registry, service);
    match pki.issue_server(name, &sans, life) {
        Ok(issued) => {
            print_issued(&issued.paths, &issued.info, out);
            if service.tls.is_none() {
                out.stderr(&format!("note: `{name}` does not say `tls: auto`: apply does not put this certificate on its host"));
            } else {
                out.stderr("note: the next `portoser apply` puts it on the host");
            }
            Exit::Ok
        }
        Err(e) => cert_error(&e, out),
    }
}

fn client(paths: &ProjectPaths, pki: &Pki, name: &str, life: Option<&str>, out: &Output) -> Exit {
    let compiled = match registry(paths, out) {
        Ok(c) => c,
        Err(exit) => return exit,
    };
    let Some(registry) = &compiled.registry else {
        return Exit::Problems;
    };
    let life = match lifetime(life, registry, out) {
        Ok(l) => l,
        Err(exit) => return exit,
    };
    let pki = match certs::with_ca_key(pki.clone(), registry, paths) {
        Ok(pki) => pki,
        Err(message) => return issue_error(&message, out),
    };
    match pki.issue_client(name, life) {
        Ok(issued) => {
            print_issued(&issued.paths, &issued.info, out);
            Exit::Ok
        }
        Err(e) => cert_error(&e, out),
    }
}

fn issue_error(message: &str, out: &Output) -> Exit {
    out.stderr(&format!("error[E0560]: {message}"));
    Exit::Problems
}

fn cert_error(e: &portoser_certs::CertError, out: &Output) -> Exit {
    match e {
        portoser_certs::CertError::NoCa(_) => out.stderr(&format!(
            "error[E0450]: {e}\n  help: create it once with `portoser certs init-ca`"
        )),
        portoser_certs::CertError::BadName(_) => out.stderr(&format!("error: {e}")),
        _ => out.stderr(&format!("error[E0560]: {e}")),
    }
    Exit::Problems
}

fn print_issued(paths: &Paths, info: &CertInfo, out: &Output) {
    out.stdout(&format!(
        "issued {}\n  key  {} (0600)\n  subject {}\n  SANs {}\n  valid until {} ({} days)\n  {}",
        ProjectPaths::display(&paths.cert),
        ProjectPaths::display(&paths.key),
        info.subject,
        if info.sans.is_empty() {
            "-".to_string()
        } else {
            info.sans.join(", ")
        },
        utc_text(info.not_after),
        info.days_left(certs::now()),
        info.fingerprint
    ));
}

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

fn list(pki: &Pki, format: ListFormat, out: &Output) -> Exit {
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

/// One diagnostic per finding; located at `tls: auto` when a registry entry is behind it.
fn diagnostics(
    what: &str,
    findings: &[Finding],
    service: Option<&Service>,
    cert: &std::path::Path,
    remedy: &str,
) -> Vec<Diagnostic> {
    findings
        .iter()
        .map(|f| {
            let d = Diagnostic::error(code(f), format!("{what}: {f}"));
            let d = match service.and_then(|s| s.tls) {
                Some(tls) => d.at(tls.span, "issued from the project CA"),
                None => d,
            };
            d.with_note(format!("certificate {}", ProjectPaths::display(cert)))
                .with_help(help(f, remedy))
        })
        .collect()
}

fn check_all(paths: &ProjectPaths, pki: &Pki, out: &Output) -> Exit {
    let compiled = match registry(paths, out) {
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
                Some(service),
                &p.cert,
                &remedy,
            ));
            checked += 1;
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
