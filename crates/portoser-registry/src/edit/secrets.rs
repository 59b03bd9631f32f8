//! `add_secrets`: new `secrets:` entries (NAME → `path#key`) for one service, for
//! `portoser vault migrate`. Entries go after the service's last secret, at its indentation,
//! or, without a `secrets:` key, in a new block before the service's first field.

use super::text::{self, Patch, scalar};
use super::{EditError, ensure, first_field_line, no_such_service, open, reopen, service_names};

/// Adds `entries` (variable, `path#key`) to service `name`'s `secrets:`. A variable it
/// already has with the same reference is skipped; with another reference it is an error.
/// The result must check like any edit (names, references, a configured Vault).
pub fn add_secrets(
    text: &str,
    name: &str,
    entries: &[(String, String)],
) -> Result<String, EditError> {
    let doc = open(text)?;
    let service = doc
        .registry
        .service(name)
        .ok_or_else(|| no_such_service(&doc.registry, name))?;
    let mut new = Vec::new();
    for (var, reference) in entries {
        match service.secrets.iter().find(|(v, _)| &v.value == var) {
            Some((_, r)) if &r.value.to_string() == reference => {}
            Some((_, r)) => {
                return Err(EditError::Unsupported(format!(
                    "`{name}` already reads `{var}` from `{}`, not `{reference}`",
                    r.value
                )));
            }
            None => new.push((var, reference)),
        }
    }
    if new.is_empty() {
        return Ok(text.to_string());
    }
    let nl = text::newline(text);
    let mut patch = Patch::default();
    match service.secrets.last() {
        Some((last, _)) => {
            let at = last.span.start as usize;
            if !text::starts_line(text, at) {
                return Err(EditError::Unsupported(format!(
                    "the `secrets:` of `{name}` are in flow style (`{{...}}`): add them by hand"
                )));
            }
            let indent = " ".repeat(text::indent_at(text, at));
            // A plain `VAR: path#key` ends on its line.
            let end = text::line_end(text, at);
            let lines: String = new
                .iter()
                .map(|(v, r)| format!("{indent}{v}: {}{nl}", scalar(r)))
                .collect();
            patch.insert(end, lines);
        }
        None => {
            let (at, indent) = first_field_line(&doc, name, "secrets")?;
            let mut block = format!("{indent}secrets:{nl}");
            for (v, r) in &new {
                block.push_str(&format!("{indent}  {v}: {}{nl}", scalar(r)));
            }
            patch.insert(at, block);
        }
    }
    let edited = patch
        .apply(text)
        .ok_or_else(|| EditError::Unsupported("overlapping edits".to_string()))?;
    let after = reopen(&edited)?;
    ensure(
        service_names(&after.registry) == service_names(&doc.registry),
        "names",
    )?;
    let has_all = after.registry.service(name).is_some_and(|s| {
        entries.iter().all(|(v, r)| {
            s.secrets
                .iter()
                .any(|(sv, sr)| &sv.value == v && &sr.value.to_string() == r)
        })
    });
    ensure(has_all, "the new secrets")?;
    Ok(edited)
}

#[cfg(test)]
mod tests {
    use super::*;

    const REG: &str = "vault:\n  address: https://vault.lan:8200\n  mount: secret\nhosts:\n  h1:\n    ip: 10.0.0.1\nservices:\n  api:  # the API\n    current_host: h1\n    deployment_type: local\n    command: run\n";

    fn e(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn a_new_block_then_entries_after_the_last_keep_comments() {
        let once = add_secrets(REG, "api", &e(&[("DB", "api#db")])).unwrap();
        assert!(
            once.contains(
                "  api:  # the API\n    secrets:\n      DB: \"api#db\"\n    current_host: h1\n"
            ),
            "{once}"
        );
        let twice = add_secrets(
            &once,
            "api",
            &e(&[("DB", "api#db"), ("TOKEN", "api#token")]),
        )
        .unwrap();
        assert!(
            twice.contains(
                "    secrets:\n      DB: \"api#db\"\n      TOKEN: \"api#token\"\n    current_host"
            ),
            "{twice}"
        );
        assert_eq!(
            add_secrets(&twice, "api", &e(&[("DB", "api#db")])).unwrap(),
            twice
        );
    }

    #[test]
    fn a_variable_with_another_reference_is_refused() {
        let once = add_secrets(REG, "api", &e(&[("DB", "api#db")])).unwrap();
        assert!(add_secrets(&once, "api", &e(&[("DB", "other#db")])).is_err());
        assert!(add_secrets(REG, "nope", &e(&[("DB", "api#db")])).is_err());
    }
}
