//! The project's PKI store (crates/portoser-certs) as planning and apply see it.
//!
//! Plan reads the store and hands the planner facts: each `tls: auto` service's certificate
//! fingerprint and why it must be renewed (missing, expiring within `renew_before`, SANs no
//! longer matching the registry, not from the current CA), and the same for each
//! `client_cert: auto` service's client certificate (its reasons say "client certificate").
//! The plan stays a pure function of its inputs: nothing is issued while planning. Apply
//! issues what the plan renews, then records the new fingerprints and hands the files to the
//! `certs` nodes (docs/certs.md).

use crate::project::ProjectPaths;
use portoser_certs::{CaKeyHome, CertError, Finding, Lifetime, NewCa, Pki, check};
use portoser_diag::{Diagnostic, Span};
use portoser_exec::{CertFiles, CertPair};
use portoser_plan::{CertFact, NodeKind, Plan, cert_sans};
use portoser_registry::{Registry, Service};
use std::collections::BTreeMap;

pub const NO_CA: &str = "E0450";
pub const CANNOT_ISSUE: &str = "E0560";

/// Where `certs init-ca --vault` keeps the CA key: this path in the registry's KV mount, this
/// key (the mount is recorded in `ca.key.vault`, so the registry may change it later).
pub const VAULT_CA_PATH: &str = "portoser/pki/ca";
pub const VAULT_CA_KEY: &str = "key";

/// Stores a new CA's key in Vault (operator token) and returns its location
/// (`secret/portoser/pki/ca#key`) for `ca.key.vault`. Nothing is written locally here.
pub fn store_ca_key_in_vault(
    registry: &Registry,
    paths: &ProjectPaths,
    ca: &NewCa,
) -> Result<String, String> {
    let (client, mount) = crate::vault::client(registry, paths)?;
    let token = crate::vault::operator_token(None)?
        .ok_or("no operator token: set VAULT_TOKEN (or PORTOSER_VAULT_TOKEN_FILE)")?;
    let data = BTreeMap::from([
        (
            VAULT_CA_KEY.to_string(),
            portoser_vault::SecretValue::new(ca.key_pem()),
        ),
        (
            "cert".to_string(),
            portoser_vault::SecretValue::new(ca.cert_pem()),
        ),
    ]);
    let rt = crate::fleet::runtime().map_err(|e| e.to_string())?;
    rt.block_on(
        client
            .with_token(token)
            .kv_write(&mount, VAULT_CA_PATH, &data),
    )
    .map_err(|e| format!("cannot store the CA key in Vault: {e}"))?;
    Ok(format!("{mount}/{VAULT_CA_PATH}#{VAULT_CA_KEY}"))
}

/// The store, able to issue: when the CA key is kept in Vault (`ca.key.vault`), it is read
/// with the operator token and held in memory only.
pub fn with_ca_key(pki: Pki, registry: &Registry, paths: &ProjectPaths) -> Result<Pki, String> {
    let CaKeyHome::Elsewhere(location) = pki.ca_key_home() else {
        return Ok(pki);
    };
    let fail = |why: String| format!("the CA key is kept in Vault ({location}): {why}");
    let (mount_path, key) = location
        .split_once('#')
        .ok_or_else(|| fail("`ca.key.vault` is not `mount/path#key`".into()))?;
    let (mount, path) = mount_path
        .split_once('/')
        .ok_or_else(|| fail("`ca.key.vault` is not `mount/path#key`".into()))?;
    let (client, _) = crate::vault::client(registry, paths).map_err(fail)?;
    let token = crate::vault::operator_token(None)
        .map_err(fail)?
        .ok_or_else(|| fail("set VAULT_TOKEN (or PORTOSER_VAULT_TOKEN_FILE) to issue".into()))?;
    let rt = crate::fleet::runtime().map_err(|e| fail(e.to_string()))?;
    let secret = rt
        .block_on(client.with_token(token).kv_read(mount, path, None))
        .map_err(|e| fail(e.to_string()))?;
    let pem = secret.get(path, key).map_err(|e| fail(e.to_string()))?;
    Ok(pki.with_ca_key(pem.expose().to_string()))
}

/// The CA each `https://` health check trusts, by service: the service's `ca_cert` (relative
/// to registry.yml), else the project CA when it says `tls: auto`. Unreadable files are left
/// out: the check then fails saying it has no CA.
pub fn health_cas(paths: &ProjectPaths, registry: &Registry) -> BTreeMap<String, Vec<u8>> {
    let project_ca = pki(paths).ca_cert_path();
    registry
        .services
        .iter()
        .filter(|s| https_health(s))
        .filter_map(|s| {
            let file = match &s.ca_cert {
                Some(f) => paths.registry_dir().join(&f.value),
                None if s.tls.is_some() => project_ca.clone(),
                None => return None,
            };
            Some((s.name.value.clone(), std::fs::read(file).ok()?))
        })
        .collect()
}

fn https_health(service: &Service) -> bool {
    let url = service
        .health
        .as_ref()
        .and_then(|h| h.endpoint.as_ref())
        .or(service.healthcheck_url.as_ref());
    url.is_some_and(|u| u.value.starts_with("https://"))
}

/// The project's store: `<project>/.portoser/pki/`.
pub fn pki(paths: &ProjectPaths) -> Pki {
    Pki::for_project(&paths.dir)
}

/// Lifetimes from the registry's `certs:` section, defaults otherwise.
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    pub lifetime: Lifetime,
    /// Seconds.
    pub renew_before: u64,
}

pub fn settings(registry: &Registry) -> Settings {
    let certs = registry.certs.as_ref();
    let lifetime = certs
        .and_then(|c| c.lifetime)
        .and_then(|l| Lifetime::new(std::time::Duration::from_millis(l.value.millis)).ok())
        .unwrap_or_default();
    let renew_before = certs
        .and_then(|c| c.renew_before)
        .map_or(portoser_certs::DEFAULT_RENEW_BEFORE_DAYS * 86_400, |d| {
            d.value.millis / 1000
        });
    Settings {
        lifetime,
        renew_before,
    }
}

/// Unix seconds now.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// What planning learned from the store.
#[derive(Debug, Default)]
pub struct Facts {
    pub certs: BTreeMap<String, CertFact>,
    /// `certificate of api` (`client certificate of caller`) → fingerprint and whether it is
    /// due: a saved plan goes stale when the store changes under it.
    pub inputs: BTreeMap<String, String>,
    /// E0450 per `tls: auto` or `client_cert: auto` service when the project has no CA.
    pub diagnostics: Vec<Diagnostic>,
}

/// The `tls: auto` services of the registry.
pub fn auto_services(registry: &Registry) -> impl Iterator<Item = &Service> {
    registry.services.iter().filter(|s| s.tls.is_some())
}

/// The `client_cert: auto` services of the registry.
pub fn client_services(registry: &Registry) -> impl Iterator<Item = &Service> {
    registry.services.iter().filter(|s| s.client_cert.is_some())
}

/// Services the project CA issues something to (`tls: auto`, `client_cert: auto`).
fn cert_services(registry: &Registry) -> impl Iterator<Item = &Service> {
    registry
        .services
        .iter()
        .filter(|s| s.tls.is_some() || s.client_cert.is_some())
}

/// Reads the store for every `tls: auto` and `client_cert: auto` service at time `now`.
pub fn read_facts(pki: &Pki, registry: &Registry, now: i64) -> Facts {
    let mut facts = Facts::default();
    let renew_before = settings(registry).renew_before;
    for service in cert_services(registry) {
        let name = service.name.value.clone();
        if !pki.has_ca() {
            facts.diagnostics.push(no_ca(pki, service));
            continue;
        }
        let fact = fact(pki, registry, service, renew_before, now);
        let mut input = |what: &str, fp: &Option<String>, renew: &[String]| {
            let due = if renew.is_empty() { "" } else { " (due)" };
            let fp = fp.as_deref().unwrap_or("none");
            facts
                .inputs
                .insert(format!("{what} of {name}"), format!("{fp}{due}"));
        };
        if service.tls.is_some() {
            input("certificate", &fact.fingerprint, &fact.renew);
        }
        if service.client_cert.is_some() {
            input(
                "client certificate",
                &fact.client_fingerprint,
                &fact.client_renew,
            );
        }
        facts.certs.insert(name, fact);
    }
    facts
}

/// What the store holds for `service`: its server certificate (with `tls: auto`) and its
/// client certificate (with `client_cert: auto`), each with why it must be issued again.
fn fact(
    pki: &Pki,
    registry: &Registry,
    service: &Service,
    renew_before: u64,
    now: i64,
) -> CertFact {
    let name = &service.name.value;
    let mut fact = CertFact::default();
    if service.tls.is_some() {
        let sans = cert_sans(registry, service);
        let (fingerprint, renew) =
            one_fact(pki, pki.server_paths(name), Some(&sans), renew_before, now);
        (fact.fingerprint, fact.renew) = (fingerprint, renew);
    }
    if service.client_cert.is_some() {
        let (fingerprint, renew) =
            one_fact(pki, pki.service_client_paths(name), None, renew_before, now);
        fact.client_fingerprint = fingerprint;
        fact.client_renew = renew.iter().map(|r| client_reason(r)).collect();
    }
    fact
}

/// One certificate's fingerprint and renewal reasons (a key's mode is `certs check`'s, not
/// a reason to issue again).
fn one_fact(
    pki: &Pki,
    paths: Result<portoser_certs::Paths, CertError>,
    sans: Option<&[String]>,
    renew_before: u64,
    now: i64,
) -> (Option<String>, Vec<String>) {
    let Ok(paths) = paths else {
        return (None, vec![NOT_ISSUED.into()]);
    };
    let (info, findings) = check(pki, &paths, sans, renew_before, now);
    let renew = findings
        .iter()
        .filter(|f| f.renews())
        .map(|f| match f {
            Finding::Missing(_) => NOT_ISSUED.to_string(),
            other => other.to_string(),
        })
        .collect();
    (info.map(|i| i.fingerprint), renew)
}

const NOT_ISSUED: &str = "no certificate issued yet";

/// A reason about the client certificate, told apart from the server certificate's:
/// "client certificate expires in 12 days", "no client certificate issued yet".
fn client_reason(reason: &str) -> String {
    if reason == NOT_ISSUED {
        "no client certificate issued yet".to_string()
    } else if let Some(rest) = reason.strip_prefix("certificate ") {
        format!("client certificate {rest}")
    } else {
        format!("client certificate: {reason}")
    }
}

/// Where a service asks the CA: `tls: auto`, else `client_cert: auto`.
fn tls_span(service: &Service) -> Span {
    service
        .tls
        .or(service.client_cert)
        .map_or(service.name.span, |t| t.span)
}

/// The label at [`tls_span`].
fn asks(service: &Service) -> &'static str {
    if service.tls.is_some() {
        "`tls: auto` issues from the project CA"
    } else {
        "`client_cert: auto` issues from the project CA"
    }
}

fn no_ca(pki: &Pki, service: &Service) -> Diagnostic {
    Diagnostic::error(
        NO_CA,
        format!(
            "`{}` asks for a certificate but the project has no CA",
            service.name.value
        ),
    )
    .at(tls_span(service), asks(service))
    .with_note(format!(
        "no CA at `{}`",
        ProjectPaths::display(&pki.ca_cert_path())
    ))
    .with_help("create it once with `portoser certs init-ca`")
}

/// What apply needs: the facts after issuing (what gets recorded) and the files the `certs`
/// nodes upload.
pub struct Prepared {
    pub facts: BTreeMap<String, CertFact>,
    pub files: BTreeMap<String, CertFiles>,
    /// `api: renewed (certificate expires in 12 days)`, for the operator.
    pub issued: Vec<String>,
}

/// Issues (into the local store) every certificate the plan's `certs` nodes renew, then
/// reads back what the nodes distribute. Runs before any node: a failure here changes
/// nothing on the hosts.
pub fn prepare(
    paths: &ProjectPaths,
    registry: &Registry,
    plan: &Plan,
    now: i64,
) -> Result<Prepared, Box<Diagnostic>> {
    let mut pki = pki(paths);
    let mut key_ready = false;
    let settings = settings(registry);
    let mut issued = Vec::new();
    let mut files = BTreeMap::new();
    let active = plan
        .nodes
        .iter()
        .filter(|n| n.kind == NodeKind::Certs && n.action != portoser_plan::Action::NoOp)
        .filter_map(|n| registry.service(n.service.as_deref()?));
    for service in active {
        let name = &service.name.value;
        let fact = fact(&pki, registry, service, settings.renew_before, now);
        if !fact.renew.is_empty() || !fact.client_renew.is_empty() {
            // The CA key leaves Vault only when something is issued, once per run.
            if !key_ready {
                pki = with_ca_key(pki, registry, paths).map_err(|e| cannot_issue(service, &e))?;
                key_ready = true;
            }
        }
        if !fact.renew.is_empty() {
            let sans = cert_sans(registry, service);
            pki.issue_server(name, &sans, settings.lifetime)
                .map_err(|e| cannot_issue(service, &e))?;
            issued.push(format!("{name}: issued ({})", fact.renew.join("; ")));
        }
        if !fact.client_renew.is_empty() {
            pki.issue_service_client(name, settings.lifetime)
                .map_err(|e| cannot_issue(service, &e))?;
            issued.push(format!(
                "{name} (client): issued ({})",
                fact.client_renew.join("; ")
            ));
        }
        files.insert(
            name.clone(),
            read_files(&pki, service).map_err(|e| cannot_issue(service, &e))?,
        );
    }
    let facts = read_facts(&pki, registry, now).certs;
    Ok(Prepared {
        facts,
        files,
        issued,
    })
}

fn read(p: &std::path::Path) -> Result<Vec<u8>, CertError> {
    std::fs::read(p).map_err(|e| CertError::Io {
        path: p.to_path_buf(),
        error: e,
    })
}

fn read_pair(paths: Result<portoser_certs::Paths, CertError>) -> Result<CertPair, CertError> {
    let paths = paths?;
    let info = portoser_certs::inspect_file(&paths.cert)?;
    Ok(CertPair {
        cert: read(&paths.cert)?,
        key: read(&paths.key)?,
        fingerprint: info.fingerprint,
    })
}

/// What the service's `certs` node uploads: the certificates it asks for, and the CA.
fn read_files(pki: &Pki, service: &Service) -> Result<CertFiles, CertError> {
    let name = &service.name.value;
    let server = match service.tls {
        Some(_) => Some(read_pair(pki.server_paths(name))?),
        None => None,
    };
    let client = match service.client_cert {
        Some(_) => Some(read_pair(pki.service_client_paths(name))?),
        None => None,
    };
    Ok(CertFiles {
        server,
        client,
        ca: read(&pki.ca_cert_path())?,
    })
}

fn cannot_issue(service: &Service, e: &dyn std::fmt::Display) -> Box<Diagnostic> {
    Box::new(
        Diagnostic::error(
            CANNOT_ISSUE,
            format!("cannot issue the certificate of `{}`", service.name.value),
        )
        .at(tls_span(service), asks(service))
        .with_note(e.to_string())
        .with_help(
            "`portoser certs check` shows the state of the store; nothing was changed on the hosts",
        ),
    )
}
