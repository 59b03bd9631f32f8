//! Learn: the fingerprint of a failure, and the text of a learned rule — the rule that fixed
//! it, specialised to the service (and host) it fixed, with its success record in
//! `@learned(..)`. The root crate formats the text, checks it with the compiler and writes
//! it atomically to `playbooks/learned/<name>.pbk`.

use crate::rules::{Record, Rule};
use sha2::{Digest, Sha256};

/// After this many failures, and more failures than fixes, a learned rule is disabled.
pub const DISABLE_AFTER: u64 = 3;

/// Same failure, same place, same diagnosis: the kind, the event, the service and host, the
/// rule that matched. Values that change each time (pids, percentages) are not in it.
pub fn fingerprint(kind: &str, event: &str, service: &str, host: &str, rule: &str) -> String {
    let mut h = Sha256::new();
    for part in [kind, event, service, host, rule] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    let d = h.finalize();
    d.iter().take(6).map(|b| format!("{b:02x}")).collect()
}

/// The learned rule's name: `<rule>__<service>` in the language's name alphabet.
pub fn learned_name(rule: &str, service: &str) -> String {
    let base = rule.split("__").next().unwrap_or(rule);
    let clean: String = format!("{base}__{service}")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    clean.to_ascii_lowercase()
}

/// A new learned rule from `from` (a generic rule) for `service` on `host`.
pub fn new_rule(
    from: &Rule,
    service: &str,
    host: &str,
    fp: &str,
    now: &str,
    fixed: bool,
) -> String {
    let record = Record {
        from: from.name.clone(),
        seen: 1,
        fixed: u64::from(fixed),
        failed: u64::from(!fixed),
        first: now.into(),
        last: now.into(),
    };
    let specialised = format!(
        "\n  when service.name == {service:?}\n  when host.name == {host:?}{}",
        from.tail
    );
    render(
        &learned_name(&from.name, service),
        &from.on,
        from.destructive,
        None,
        &record,
        &specialised,
        fp,
    )
}

/// The same learned rule with its record after one more use; disabled once it keeps failing.
pub fn updated(rule: &Rule, fp: &str, now: &str, fixed: bool) -> String {
    let mut r = rule.learned.clone().unwrap_or_default();
    r.seen += 1;
    if fixed {
        r.fixed += 1;
    } else {
        r.failed += 1;
    }
    r.last = now.into();
    let disabled = rule.disabled.clone().or_else(|| {
        (r.failed >= DISABLE_AFTER && r.failed > r.fixed).then(|| {
            format!(
                "failed {} of {} times: portoser stopped using it",
                r.failed, r.seen
            )
        })
    });
    render(
        &rule.name,
        &rule.on,
        rule.destructive,
        disabled.as_deref(),
        &r,
        &rule.tail,
        fp,
    )
}

fn render(
    name: &str,
    on: &str,
    destructive: bool,
    disabled: Option<&str>,
    r: &Record,
    tail: &str,
    fp: &str,
) -> String {
    let mut out = format!(
        "# Learned by portoser (fingerprint {fp}): `{}` fixed this failure here; tried before the\n\
         # generic rules, ranked by its record. portoser keeps the counters: edit the body if\n\
         # you like, delete the file to forget it.\n\n",
        r.from
    );
    out.push_str(&format!(
        "@learned(from: {}, seen: {}, fixed: {}, failed: {}, first: {:?}, last: {:?})\n",
        r.from, r.seen, r.fixed, r.failed, r.first, r.last
    ));
    if destructive {
        out.push_str("@allow(destructive)\n");
    }
    if let Some(why) = disabled {
        out.push_str(&format!("@disabled({why:?})\n"));
    }
    out.push_str(&format!("rule {name} {{\n  on {on} failed{tail}\n"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_ignore_nothing_they_name_and_names_are_clean() {
        let a = fingerprint("port_in_use", "health", "api", "h1", "port_conflict");
        assert_eq!(a.len(), 12);
        assert_ne!(
            a,
            fingerprint("port_in_use", "health", "api", "h2", "port_conflict")
        );
        assert_eq!(
            learned_name("port_conflict", "my-api"),
            "port_conflict__my_api"
        );
        assert_eq!(
            learned_name("port_conflict__api", "api"),
            "port_conflict__api"
        );
    }
}
