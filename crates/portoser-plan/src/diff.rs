//! Field-by-field diff of two service configurations, as human reasons, and the action
//! that follows from it (rules in docs/plan.md).

use crate::config::ServiceConfig;
use crate::model::Action;
use std::collections::BTreeMap;

/// The action for a recorded service whose configuration hash differs or not.
pub(crate) fn classify(old: &ServiceConfig, new: &ServiceConfig, same_hash: bool) -> Action {
    if same_hash {
        Action::NoOp
    } else if old.host != new.host {
        Action::Migrate
    } else if old.engine != new.engine {
        Action::Replace
    } else {
        Action::Update
    }
}

/// Human reasons, most significant first. Never shows a secret (there are only references)
/// nor an environment value (it may be sensitive even though it is in the registry).
pub(crate) fn reasons(old: &ServiceConfig, new: &ServiceConfig) -> Vec<String> {
    let mut out = Vec::new();
    if old.host != new.host {
        out.push(format!("moved {} → {}", old.host, new.host));
    }
    if old.engine != new.engine {
        out.push(format!("engine {} → {}", old.engine, new.engine));
    }
    let port = |p: Option<u16>| p.map(|p| p.to_string());
    shown("port", port(old.port), port(new.port), &mut out);
    shown(
        "hostname",
        old.hostname.clone(),
        new.hostname.clone(),
        &mut out,
    );
    shown(
        "compose file",
        old.compose_file.clone(),
        new.compose_file.clone(),
        &mut out,
    );
    shown(
        "service name",
        old.service_name.clone(),
        new.service_name.clone(),
        &mut out,
    );
    hidden("command", &old.command, &new.command, &mut out);
    shown(
        "working dir",
        old.working_dir.clone(),
        new.working_dir.clone(),
        &mut out,
    );
    shown(
        "python manager",
        old.python_manager.clone(),
        new.python_manager.clone(),
        &mut out,
    );
    hidden(
        "restart command",
        &old.restart_command,
        &new.restart_command,
        &mut out,
    );
    shown(
        "platform",
        old.platform.clone(),
        new.platform.clone(),
        &mut out,
    );
    map_diff("env", "", &old.env, &new.env, &mut out);
    map_diff("secret", " reference", &old.secrets, &new.secrets, &mut out);
    secret_versions(old, new, &mut out);
    if old.health != new.health {
        out.push("health check changed".to_string());
    }
    shown(
        "tls cert",
        old.tls_cert.clone(),
        new.tls_cert.clone(),
        &mut out,
    );
    shown(
        "tls key",
        old.tls_key.clone(),
        new.tls_key.clone(),
        &mut out,
    );
    shown(
        "ca cert",
        old.ca_cert.clone(),
        new.ca_cert.clone(),
        &mut out,
    );
    list_diff("dependency", &old.dependencies, &new.dependencies, &mut out);
    shown(
        "on_failure",
        old.on_failure.clone(),
        new.on_failure.clone(),
        &mut out,
    );
    shown(
        "service file",
        old.service_file.clone(),
        new.service_file.clone(),
        &mut out,
    );
    // A synced service.yml is named by the files reason below; say it once.
    let files_changed = old.sources_hash != new.sources_hash;
    if old.service_yml_hash != new.service_yml_hash
        && old.service_file == new.service_file
        && !files_changed
    {
        out.push("service.yml changed".to_string());
    }
    if files_changed {
        out.push(files_reason(old, new));
    }
    cert_reasons(old, new, &mut out);
    client_cert_reasons(old, new, &mut out);
    out
}

/// `client_cert: auto` turned on or off, a client certificate issued since the last apply.
fn client_cert_reasons(old: &ServiceConfig, new: &ServiceConfig, out: &mut Vec<String>) {
    match (&old.client_cert, &new.client_cert) {
        (None, Some(_)) => out.push("client_cert: auto added".to_string()),
        (Some(_), None) => out.push("client_cert: auto removed".to_string()),
        (Some(a), Some(b)) if a.fingerprint != b.fingerprint && b.fingerprint.is_some() => {
            out.push("client certificate re-issued since the last apply".to_string());
        }
        _ => {}
    }
}

/// `tls: auto` turned on or off, names the certificate must carry, a certificate issued
/// since the last apply. A renewal the plan decides has its own reason (from the facts).
fn cert_reasons(old: &ServiceConfig, new: &ServiceConfig, out: &mut Vec<String>) {
    match (&old.cert, &new.cert) {
        (None, Some(_)) => out.push("tls: auto added".to_string()),
        (Some(_), None) => out.push("tls: auto removed".to_string()),
        (Some(a), Some(b)) => {
            let added: Vec<&str> = b
                .sans
                .iter()
                .filter(|s| !a.sans.contains(s))
                .map(String::as_str)
                .collect();
            let gone: Vec<&str> = a
                .sans
                .iter()
                .filter(|s| !b.sans.contains(s))
                .map(String::as_str)
                .collect();
            if !added.is_empty() || !gone.is_empty() {
                let mut parts = Vec::new();
                if !added.is_empty() {
                    parts.push(format!("+{}", added.join(", +")));
                }
                if !gone.is_empty() {
                    parts.push(format!("-{}", gone.join(", -")));
                }
                out.push(format!("certificate SANs changed: {}", parts.join(", ")));
            }
            if a.fingerprint != b.fingerprint && b.fingerprint.is_some() {
                out.push("certificate re-issued since the last apply".to_string());
            }
        }
        (None, None) => {}
    }
}

/// How many changed files a reason names before "and N more".
const NAMED_FILES: usize = 3;

/// `files changed: api/app.py, api/static/app.css and 2 more`, from the per-file digests;
/// `files to sync (N)` when nothing was synced before.
fn files_reason(old: &ServiceConfig, new: &ServiceConfig) -> String {
    if old.sources_hash.is_none() {
        return format!("files to sync ({})", new.source_files.len());
    }
    let changed: Vec<&str> = new
        .source_files
        .iter()
        .filter(|(path, digest)| old.source_files.get(*path) != Some(*digest))
        .map(|(path, _)| path.as_str())
        .chain(
            old.source_files
                .keys()
                .filter(|p| !new.source_files.contains_key(*p))
                .map(|p| p.as_str()),
        )
        .collect();
    let mut changed = changed;
    changed.sort_unstable();
    if changed.is_empty() {
        return "files changed".to_string();
    }
    let named = changed
        .iter()
        .take(NAMED_FILES)
        .copied()
        .collect::<Vec<_>>();
    match changed.len().saturating_sub(NAMED_FILES) {
        0 => format!("files changed: {}", named.join(", ")),
        more => format!("files changed: {} and {more} more", named.join(", ")),
    }
}

/// `port 8080 → 8081`, `port 8081 added`, `port 8080 removed`.
fn shown(label: &str, old: Option<String>, new: Option<String>, out: &mut Vec<String>) {
    match (old, new) {
        (Some(a), Some(b)) if a != b => out.push(format!("{label} {a} → {b}")),
        (None, Some(b)) => out.push(format!("{label} {b} added")),
        (Some(a), None) => out.push(format!("{label} {a} removed")),
        _ => {}
    }
}

/// Long values (commands) are named, not shown.
fn hidden(label: &str, old: &Option<String>, new: &Option<String>, out: &mut Vec<String>) {
    match (old, new) {
        (Some(a), Some(b)) if a != b => out.push(format!("{label} changed")),
        (None, Some(_)) => out.push(format!("{label} added")),
        (Some(_), None) => out.push(format!("{label} removed")),
        _ => {}
    }
}

fn map_diff(
    label: &str,
    what: &str,
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
    out: &mut Vec<String>,
) {
    for (key, value) in new {
        match old.get(key) {
            None => out.push(format!("{label} {key} added")),
            Some(v) if v != value => out.push(format!("{label} {key}{what} changed")),
            Some(_) => {}
        }
    }
    for key in old.keys().filter(|k| !new.contains_key(*k)) {
        out.push(format!("{label} {key} removed"));
    }
}

/// "secret version changed: DB_PASSWORD (3 → 4)" for a rotated secret whose reference stayed
/// (a changed reference is said above). Numbers only: the plan never sees a value.
fn secret_versions(old: &ServiceConfig, new: &ServiceConfig, out: &mut Vec<String>) {
    for (var, v) in &new.secret_versions {
        if old.secrets.get(var) != new.secrets.get(var) {
            continue;
        }
        match old.secret_versions.get(var) {
            Some(o) if o != v => out.push(format!("secret version changed: {var} ({o} → {v})")),
            None => out.push(format!("secret version first recorded: {var} (v{v})")),
            Some(_) => {}
        }
    }
}

fn list_diff(label: &str, old: &[String], new: &[String], out: &mut Vec<String>) {
    for item in new.iter().filter(|d| !old.contains(d)) {
        out.push(format!("{label} {item} added"));
    }
    for item in old.iter().filter(|d| !new.contains(d)) {
        out.push(format!("{label} {item} removed"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> ServiceConfig {
        ServiceConfig {
            host: "pi2".into(),
            engine: "docker".into(),
            port: Some(8080),
            ..ServiceConfig::default()
        }
    }

    #[test]
    fn a_rotated_secret_is_an_update_named_by_its_versions() {
        let with = |refs: &str, v: u64| ServiceConfig {
            secrets: [
                ("DB_PASSWORD".into(), refs.into()),
                ("K".into(), "k#k".into()),
            ]
            .into(),
            secret_versions: [("DB_PASSWORD".into(), v), ("K".into(), 1)].into(),
            ..base()
        };
        let old = with("db#pw", 3);
        assert_eq!(
            reasons(&old, &with("db#pw", 4)),
            ["secret version changed: DB_PASSWORD (3 → 4)"]
        );
        assert_eq!(classify(&old, &with("db#pw", 4), false), Action::Update);
        assert!(reasons(&old, &with("db#pw", 3)).is_empty());
        // A new reference is said once, not also as a version change.
        assert_eq!(
            reasons(&old, &with("db2#pw", 1)),
            ["secret DB_PASSWORD reference changed"]
        );
    }

    #[test]
    fn port_env_and_secret_changes_are_named_without_values() {
        let old = ServiceConfig {
            env: [("FOO".into(), "1".into()), ("OLD".into(), "x".into())].into(),
            secrets: [("DB_PASSWORD".into(), "db#pw".into())].into(),
            ..base()
        };
        let new = ServiceConfig {
            port: Some(8081),
            env: [("FOO".into(), "2".into())].into(),
            secrets: [("DB_PASSWORD".into(), "db2#pw".into())].into(),
            ..base()
        };
        assert_eq!(
            reasons(&old, &new),
            [
                "port 8080 → 8081",
                "env FOO changed",
                "env OLD removed",
                "secret DB_PASSWORD reference changed"
            ]
        );
        assert_eq!(classify(&old, &new, false), Action::Update);
    }

    #[test]
    fn changed_files_are_named_and_counted() {
        let files = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs
                .iter()
                .map(|(p, d)| (p.to_string(), d.to_string()))
                .collect()
        };
        let old = ServiceConfig {
            sources_hash: Some("sha256:1".into()),
            source_files: files(&[("w/a.py", "1"), ("w/b.py", "1"), ("w/gone.py", "1")]),
            ..base()
        };
        let new = ServiceConfig {
            sources_hash: Some("sha256:2".into()),
            source_files: files(&[("w/a.py", "2"), ("w/b.py", "1"), ("w/new.py", "1")]),
            ..base()
        };
        assert_eq!(
            reasons(&old, &new),
            ["files changed: w/a.py, w/gone.py, w/new.py"]
        );
        assert_eq!(classify(&old, &new, false), Action::Update);
        let many = ServiceConfig {
            sources_hash: Some("sha256:3".into()),
            source_files: files(&[("a", "9"), ("b", "9"), ("c", "9"), ("d", "9"), ("e", "9")]),
            ..base()
        };
        assert_eq!(reasons(&old, &many), ["files changed: a, b, c and 5 more"]);
        let first = ServiceConfig {
            sources_hash: None,
            ..base()
        };
        assert_eq!(reasons(&first, &new), ["files to sync (3)"]);
    }

    #[test]
    fn host_change_is_a_migration_engine_change_a_replacement() {
        let moved = ServiceConfig {
            host: "pi3".into(),
            ..base()
        };
        assert_eq!(classify(&base(), &moved, false), Action::Migrate);
        assert_eq!(reasons(&base(), &moved), ["moved pi2 → pi3"]);
        let local = ServiceConfig {
            engine: "local".into(),
            ..base()
        };
        assert_eq!(classify(&base(), &local, false), Action::Replace);
        assert_eq!(classify(&base(), &local, true), Action::NoOp);
    }
}
