//! `certs:` lifetimes and `tls: auto` (docs/certs.md): certificates the project CA issues
//! must be short-lived (Apple clients reject TLS server certificates valid for more than 398
//! days) and a service gets its certificate one way only.

use super::Index;
use crate::model::{Duration, Registry, Service};
use portoser_diag::{Diagnostic, Diagnostics};

/// The longest lifetime Apple platforms accept for a TLS server certificate.
const MAX_LIFETIME: Duration = Duration {
    millis: 398 * 86_400_000,
};
/// The default lifetime (docs/certs.md), for the renew_before check when none is given.
const DEFAULT_LIFETIME: Duration = Duration {
    millis: 90 * 86_400_000,
};

pub(super) fn check(registry: &Registry, index: &Index<'_>, diags: &mut Diagnostics) {
    for service in &registry.services {
        refused_at_the_door(registry, index, service, diags);
    }
    if let Some(certs) = &registry.certs {
        if let Some(life) = &certs.lifetime
            && (life.value.millis == 0 || life.value > MAX_LIFETIME)
        {
            diags.push(
                Diagnostic::error("E0160", "certificate lifetime out of range")
                    .at(
                        life.span,
                        format!("{} is not between 1s and 398d", life.value),
                    )
                    .with_note(
                        "Apple clients reject TLS server certificates valid for more than 398 days",
                    )
                    .with_help("use `lifetime: 90d` (the default); renewal is automatic"),
            );
        }
        if let Some(before) = &certs.renew_before {
            let life = certs.lifetime.map_or(DEFAULT_LIFETIME, |l| l.value);
            if before.value >= life {
                let mut d = Diagnostic::error(
                    "E0161",
                    "`renew_before` is not shorter than the certificate lifetime",
                )
                .at(
                    before.span,
                    format!("{} would renew on every plan", before.value),
                )
                .with_help(format!(
                    "use a `renew_before` shorter than the lifetime ({life}), e.g. a third of it"
                ));
                if let Some(l) = &certs.lifetime {
                    d = d.with_label(l.span, "the lifetime");
                }
                diags.push(d);
            }
        }
    }
    for service in &registry.services {
        let Some(tls) = &service.tls else { continue };
        for (given, key) in [
            (&service.tls_cert, "tls_cert"),
            (&service.tls_key, "tls_key"),
        ] {
            if let Some(given) = given {
                diags.push(
                    Diagnostic::error(
                        "E0162",
                        format!(
                            "service `{}` has both `tls: auto` and `{key}`",
                            service.name.value
                        ),
                    )
                    .at(given.span, format!("`{key}` names its own certificate"))
                    .with_label(tls.span, "and this asks the project CA for one")
                    .with_help(format!(
                        "keep `tls: auto` and remove `{key}`, or remove `tls: auto` to keep your own files"
                    )),
                );
            }
        }
    }
}

/// W0160: a service that lists an `mtls: true` service in `dependencies` but has no client
/// certificate of its own: Caddy will refuse its calls in the TLS handshake.
fn refused_at_the_door(
    registry: &Registry,
    index: &Index<'_>,
    service: &Service,
    diags: &mut Diagnostics,
) {
    if service.client_cert.is_some() {
        return;
    }
    for dep in &service.dependencies {
        let Some(&i) = index.services.get(dep.value.as_str()) else {
            continue;
        };
        let target = &registry.services[i];
        if !target.mtls.is_some_and(|m| m.value) {
            continue;
        }
        diags.push(
            Diagnostic::warning(
                "W0160",
                format!(
                    "`{}` depends on `{}`, which requires a client certificate (mtls), \
                     and has none",
                    service.name.value, target.name.value
                ),
            )
            .at(
                dep.span,
                "Caddy refuses calls without a certificate from the project CA",
            )
            .with_help(format!("add `client_cert: auto` to {}", service.name.value)),
        );
    }
}
