//! `caddy.binary` (E0175): the program run on the ingress host for `caddy adapt` (reload) and
//! `caddy version` (`hosts check`). It is passed as one quoted word, so nothing it holds runs
//! as shell; the rule still refuses what cannot be meant as a program (a relative path runs
//! from whatever directory the SSH session starts in; blanks and shell characters are typos or
//! worse), so the operator hears it at check time instead of as "not found" during apply.

use crate::model::Registry;
use portoser_diag::{Diagnostic, Diagnostics};

pub(super) fn check(registry: &Registry, diags: &mut Diagnostics) {
    let Some(binary) = registry.caddy.as_ref().and_then(|c| c.binary.as_ref()) else {
        return;
    };
    if let Some(why) = binary_problem(&binary.value) {
        diags.push(
            Diagnostic::error(
                "E0175",
                format!(
                    "caddy binary `{}` is neither a command name nor an absolute path",
                    binary.value.escape_debug()
                ),
            )
            .at(binary.span, why)
            .with_help(
                "write a command found on the SSH user's PATH (`caddy`) or an absolute path \
                 (`/opt/homebrew/bin/caddy`), of letters, digits, `.`, `_`, `+` and `-`",
            ),
        );
    }
}

/// Characters of a command name or a path segment.
fn plain(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '+' | '-')
}

/// Why `text` is not a command name (`caddy`) or an absolute path (`/usr/local/bin/caddy`).
/// The schema's pattern for `caddy.binary` (schema.rs) says the same.
pub(crate) fn binary_problem(text: &str) -> Option<&'static str> {
    if text.is_empty() {
        return Some("empty");
    }
    if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Some("contains a blank or a control character");
    }
    if let Some(path) = text.strip_prefix('/') {
        let segments_ok = path
            .split('/')
            .all(|s| !s.is_empty() && s.chars().all(plain));
        return (!segments_ok)
            .then_some("an absolute path of letters, digits, `.`, `_`, `+`, `-` between `/`");
    }
    if text.contains('/') {
        return Some("a relative path: it would depend on the SSH session's directory");
    }
    if text.starts_with(['-', '.']) {
        return Some("starts with `-` or `.`");
    }
    (!text.chars().all(plain)).then_some("contains a shell character")
}

#[cfg(test)]
mod tests {
    use super::binary_problem;

    #[test]
    fn command_names_and_absolute_paths_only() {
        for ok in [
            "caddy",
            "caddy2",
            "caddy-2.11",
            "/usr/bin/caddy",
            "/opt/homebrew/bin/caddy",
            "/usr/local/lib/portoser-testbed/caddy-2.11.7/caddy",
        ] {
            assert_eq!(binary_problem(ok), None, "{ok}");
        }
        for (bad, why) in [
            ("", "empty"),
            ("caddy version", "blank"),
            ("bin/caddy", "relative path"),
            ("./caddy", "relative path"),
            ("-caddy", "starts with"),
            ("caddy;rm", "shell character"),
            ("$(caddy)", "shell character"),
            ("/usr/bin/", "absolute path"),
            ("//caddy", "absolute path"),
            ("/opt/my caddy", "blank"),
            ("/opt/`x`/caddy", "absolute path"),
            ("caddy\n", "control"),
        ] {
            let got = binary_problem(bad);
            assert!(got.is_some_and(|g| g.contains(why)), "{bad:?}: {got:?}");
        }
    }
}
