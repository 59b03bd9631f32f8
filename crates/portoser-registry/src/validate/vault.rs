//! `vault:` and the services' `secrets:`: plain HTTP only for a dev server (E0170), a Vault to
//! read secrets from (E0171), secret paths Vault can be asked for as they are (E0172), and a
//! service that can receive them (E0173: not a launchd unit yet).

use crate::model::{Engine, Registry, Service, Vault};
use portoser_diag::{Diagnostic, Diagnostics, Span};

pub(super) fn check(registry: &Registry, diags: &mut Diagnostics) {
    if let Some(vault) = &registry.vault {
        plain_http(vault, diags);
    }
    let address = registry.vault.as_ref().and_then(|v| v.address.as_ref());
    for service in &registry.services {
        if let Some((first, _)) = service.secrets.first()
            && address.is_none()
        {
            diags.push(
                Diagnostic::error(
                    "E0171",
                    format!(
                        "service `{}` has secrets but the registry configures no Vault",
                        service.name.value
                    ),
                )
                .at(first.span, "read from Vault at apply time")
                .with_help(
                    "add `vault: {address: https://vault.lan:8200, mount: secret, ca_cert: ...}` \
                     at the top of the registry",
                ),
            );
        }
        if let Some((first, _)) = service.secrets.first()
            && is_launchd(registry, service)
        {
            diags.push(
                Diagnostic::error(
                    "E0173",
                    format!(
                        "service `{}` has secrets, but it is a launchd unit: portoser cannot \
                         give secrets to launchd services yet",
                        service.name.value
                    ),
                )
                .at(first.span, "would be written to a file launchd never reads")
                .with_help(
                    "run it as `deployment_type: local` (its supervisor reads the secrets \
                     file) or `docker` (an env_file); systemd units on Linux hosts get them \
                     as an EnvironmentFile",
                ),
            );
        }
        for (name, reference) in &service.secrets {
            if !usable_path(&reference.value.path) {
                diags.push(
                    Diagnostic::error(
                        "E0172",
                        format!(
                            "secret `{}`: `{}` is not a usable Vault path",
                            name.value, reference.value.path
                        ),
                    )
                    .at(reference.span, "not sent to Vault as is")
                    .with_help(
                        "use letters, digits, `.`, `_` and `-` in segments separated by one `/`",
                    ),
                );
            }
        }
    }
}

/// A `native` service on a macOS host runs as a launchd unit, which has no EnvironmentFile.
fn is_launchd(registry: &Registry, service: &Service) -> bool {
    let native = service
        .deployment_type
        .as_ref()
        .is_some_and(|e| e.value == Engine::Native);
    let apple = service
        .current_host
        .as_ref()
        .and_then(|h| registry.host(&h.value))
        .and_then(|h| h.arch.as_ref())
        .is_some_and(|a| a.value.is_apple());
    native && apple
}

fn plain_http(vault: &Vault, diags: &mut Diagnostics) {
    let Some(address) = &vault.address else {
        return;
    };
    let dev = vault.dev.as_ref().is_some_and(|d| d.value);
    if address.value.starts_with("http://") && !dev {
        let mut d = Diagnostic::error(
            "E0170",
            format!(
                "Vault address `{}` is plain HTTP: tokens and secret values would cross the \
                 network unencrypted",
                address.value
            ),
        )
        .at(address.span, "not https://")
        .with_help(
            "use `https://` with `ca_cert:` (the CA that signed Vault's certificate); for a \
             local dev server only, set `dev: true`",
        );
        if let Some(dev) = &vault.dev
            && dev.span != Span::default()
        {
            d = d.with_label(dev.span, "`dev: false` here");
        }
        diags.push(d);
    }
}

/// The same rule as the Vault client's: segments of `[A-Za-z0-9._-]`, no `.` or `..`.
fn usable_path(path: &str) -> bool {
    path.split('/').all(|seg| {
        !seg.is_empty()
            && seg != "."
            && seg != ".."
            && seg
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    })
}
