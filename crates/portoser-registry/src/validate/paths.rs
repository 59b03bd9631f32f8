//! Paths must stay inside the host's base directory (`path`, or `defaults.path`).

use super::Index;
use crate::model::{Registry, SString, Service};
use portoser_diag::{Diagnostic, Diagnostics};

pub(super) fn check(registry: &Registry, index: &Index<'_>, diags: &mut Diagnostics) {
    for service in &registry.services {
        let base = index
            .host_of(service)
            .and_then(|h| h.path.as_ref())
            .or(registry.defaults.path.as_ref());
        for p in deploy_paths(service) {
            check_path(p, base, true, diags);
        }
        for p in [&service.tls_cert, &service.tls_key, &service.ca_cert]
            .into_iter()
            .flatten()
        {
            check_path(p, base, false, diags);
        }
    }
}

/// Paths portoser writes to or runs from; absolute ones must be under the base too.
fn deploy_paths(service: &Service) -> impl Iterator<Item = &SString> {
    [
        &service.docker_compose,
        &service.working_dir,
        &service.service_file,
    ]
    .into_iter()
    .flatten()
}

fn check_path(
    path: &SString,
    base: Option<&SString>,
    absolute_inside: bool,
    diags: &mut Diagnostics,
) {
    let text = path.value.as_str();
    let problem = if text.starts_with('/') {
        match base.and_then(|b| normalize(&b.value)) {
            Some(root) if absolute_inside => match normalize(text) {
                Some(p)
                    if p == root || p.starts_with(&format!("{}/", root.trim_end_matches('/'))) =>
                {
                    None
                }
                _ => Some(format!("is outside the host's base directory `{root}`")),
            },
            _ => normalize(text)
                .is_none()
                .then(|| "climbs above `/`".to_string()),
        }
    } else {
        normalize(text)
            .is_none()
            .then(|| "climbs out of the host's base directory with `..`".to_string())
    };
    if let Some(problem) = problem {
        diags.push(
            Diagnostic::error("E0116", format!("path `{}` {problem}", text.escape_debug()))
                .at(path.span, "escapes the base directory")
                .with_help(
                    "keep service files inside the host's `path`; use a path relative to it",
                ),
        );
    }
}

/// Resolves `.` and `..` lexically; None when `..` climbs above the start.
fn normalize(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    let joined = parts.join("/");
    Some(if path.starts_with('/') {
        format!("/{joined}")
    } else {
        joined
    })
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn normalizes_lexically() {
        assert_eq!(normalize("a/./b/../c").as_deref(), Some("a/c"));
        assert_eq!(normalize("/srv/app/").as_deref(), Some("/srv/app"));
        assert_eq!(normalize("../x"), None);
        assert_eq!(normalize("a/../../x"), None);
    }
}
