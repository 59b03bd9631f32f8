//! `portoser certs …`: the project CA and its certificates (docs/certs.md). `init-ca` creates
//! the CA, `issue`/`client` issue into the local store, `list` shows what is there, `check`
//! reports (located at the registry's `tls: auto` or `client_cert: auto`) what is expired,
//! due, misnamed or exposed.

use super::Exit;
use super::output::Output;
use crate::certs::{self, settings};
use crate::compile::{Compiled, compile};
use crate::project::ProjectPaths;
use clap::{Subcommand, ValueEnum};
use portoser_certs::{CertInfo, Lifetime, Paths, Pki, utc_text};
use portoser_plan::cert_sans;
use portoser_registry::{Registry, Service};

mod report;

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
    /// 127.0.0.1, ::1; EKU serverAuth. With --client its client certificate (`client_cert:
    /// auto`). The next apply puts it on the host
    Issue {
        service: String,
        /// The service's client certificate (EKU clientAuth, CN=SERVICE) into
        /// .portoser/pki/service-clients/, not its server certificate
        #[arg(long)]
        client: bool,
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
        CertsCommand::Issue {
            service,
            lifetime,
            client: false,
        } => issue(paths, &pki, service, lifetime.as_deref(), out),
        CertsCommand::Issue {
            service,
            lifetime,
            client: true,
        } => issue_client(paths, &pki, service, lifetime.as_deref(), out),
        CertsCommand::Client { name, lifetime } => {
            client(paths, &pki, name, lifetime.as_deref(), out)
        }
        CertsCommand::List { format } => report::list(&pki, *format, out),
        CertsCommand::Check => report::check_all(paths, &pki, out),
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
    let registry = match loaded(paths, out) {
        Ok(r) => r,
        Err(exit) => return exit,
    };
    let existed = pki.has_ca();
    if let Err(e) = pki.may_init_ca(force) {
        return created(Err(e), pki, "", existed, out);
    }
    let result = portoser_certs::NewCa::generate(name)
        .map_err(|e| e.to_string())
        .and_then(|ca| {
            let location = certs::store_ca_key_in_vault(&registry, paths, &ca)?;
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
pub(super) fn registry(paths: &ProjectPaths, out: &Output) -> Result<Compiled, Exit> {
    let compiled = compile(paths);
    out.diagnostics(&compiled);
    if compiled.registry.is_none() || compiled.diags.has_errors() {
        out.stderr("error: fix the registry first");
        return Err(Exit::Problems);
    }
    Ok(compiled)
}

/// [`registry`] when only the registry itself is needed.
fn loaded(paths: &ProjectPaths, out: &Output) -> Result<Registry, Exit> {
    registry(paths, out).and_then(|c| c.registry.ok_or(Exit::Problems))
}

/// What issuing needs after the registry: the lifetime asked for (or the registry's) and the
/// store with its CA key (which may come from Vault). Failures are printed.
fn issuer(
    paths: &ProjectPaths,
    pki: &Pki,
    life: Option<&str>,
    registry: &Registry,
    out: &Output,
) -> Result<(Lifetime, Pki), Exit> {
    let life = lifetime(life, registry, out)?;
    let pki = certs::with_ca_key(pki.clone(), registry, paths)
        .map_err(|message| issue_error(&message, out))?;
    Ok((life, pki))
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

/// For `certs issue SERVICE [--client]`: the registry, SERVICE as it declares it, the
/// lifetime and the store with its CA key ready.
fn service_issuer(
    paths: &ProjectPaths,
    pki: &Pki,
    name: &str,
    life: Option<&str>,
    out: &Output,
) -> Result<(Registry, Service, Lifetime, Pki), Exit> {
    let registry = loaded(paths, out)?;
    let Some(service) = registry.service(name).cloned() else {
        out.stderr(&format!(
            "error: no service `{name}` in {}",
            ProjectPaths::display(&paths.registry)
        ));
        return Err(Exit::Problems);
    };
    let (life, pki) = issuer(paths, pki, life, &registry, out)?;
    Ok((registry, service, life, pki))
}

fn issue(paths: &ProjectPaths, pki: &Pki, name: &str, life: Option<&str>, out: &Output) -> Exit {
    let (registry, service, life, pki) = match service_issuer(paths, pki, name, life, out) {
        Ok(ready) => ready,
        Err(exit) => return exit,
    };
    let sans = cert_sans(&registry, &service);
    match pki.issue_server(name, &sans, life) {
        Ok(issued) => {
            print_issued(&issued.paths, &issued.info, out);
            if service.tls.is_none() && service.client_cert.is_some() {
                out.stderr(&format!("note: `{name}` says `client_cert: auto`, not `tls: auto`: apply does not put this server certificate on its host; `portoser certs issue {name} --client` issues its client certificate"));
            } else if service.tls.is_none() {
                out.stderr(&format!("note: `{name}` does not say `tls: auto`: apply does not put this certificate on its host"));
            } else {
                out.stderr("note: the next `portoser apply` puts it on the host");
            }
            Exit::Ok
        }
        Err(e) => cert_error(&e, out),
    }
}

/// `certs issue SERVICE --client`: the service's client certificate, by hand (the plan
/// renews it by itself when due).
fn issue_client(
    paths: &ProjectPaths,
    pki: &Pki,
    name: &str,
    life: Option<&str>,
    out: &Output,
) -> Exit {
    let (_, service, life, pki) = match service_issuer(paths, pki, name, life, out) {
        Ok(ready) => ready,
        Err(exit) => return exit,
    };
    match pki.issue_service_client(name, life) {
        Ok(issued) => {
            print_issued(&issued.paths, &issued.info, out);
            if service.client_cert.is_none() {
                out.stderr(&format!("note: `{name}` does not say `client_cert: auto`: apply does not put this certificate on its host"));
            } else {
                out.stderr("note: the next `portoser apply` puts it on the host (tls/client.crt, tls/client.key) and restarts the service");
            }
            Exit::Ok
        }
        Err(e) => cert_error(&e, out),
    }
}

fn client(paths: &ProjectPaths, pki: &Pki, name: &str, life: Option<&str>, out: &Output) -> Exit {
    let registry = match loaded(paths, out) {
        Ok(r) => r,
        Err(exit) => return exit,
    };
    let (life, pki) = match issuer(paths, pki, life, &registry, out) {
        Ok(ready) => ready,
        Err(exit) => return exit,
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
