//! `certs:` lifetimes and `tls: auto` (docs/certs.md): certificates the project CA issues
//! must be short-lived (Apple clients reject TLS server certificates valid for more than 398
//! days) and a service gets its certificate one way only.

use crate::model::{Duration, Registry};
use portoser_diag::{Diagnostic, Diagnostics};

/// The longest lifetime Apple platforms accept for a TLS server certificate.
const MAX_LIFETIME: Duration = Duration {
    millis: 398 * 86_400_000,
};
/// The default lifetime (docs/certs.md), for the renew_before check when none is given.
const DEFAULT_LIFETIME: Duration = Duration {
    millis: 90 * 86_400_000,
};

pub(super) fn check(registry: &Registry, diags: &mut Diagnostics) {
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
