//! `docs/builtins.md`, generated from the table so the docs cannot drift from the checker.

use super::{ACTIONS, AMBIENT, ANNOTATIONS, Builtin, ENUMS, EVENTS, FACTS, RECORDS, TYPES, places};
use std::fmt::Write;

/// The whole reference page, deterministic (table order).
pub fn render_markdown() -> String {
    let mut out = String::new();
    out.push_str("# Built-in types, facts and actions\n\n");
    out.push_str(
        "<!-- Generated from crates/portoser-check/src/builtins/ by `UPDATE_DOCS=1 cargo test -p \
         portoser-check`; do not edit by hand. -->\n\n",
    );
    types(&mut out);
    records(&mut out);
    enums(&mut out);
    events(&mut out);
    ambient(&mut out);
    builtins(
        &mut out,
        "Facts",
        "Read-only observations; usable as values anywhere.",
        FACTS,
    );
    builtins(
        &mut out,
        "Actions",
        "Statements that change something. A destructive action in a rule needs \
         `@allow(destructive)`. `run on HOST: \"cmd\" timeout 2m` runs a shell command and needs \
         an `allow shell for SERVICE` policy; rules never run shell commands.",
        ACTIONS,
    );
    annotations(&mut out);
    out
}

fn types(out: &mut String) {
    out.push_str("## Types\n\n| type | what |\n|---|---|\n");
    for t in TYPES {
        let _ = writeln!(out, "| `{}` | {} |", t.name, t.doc);
    }
    out.push('\n');
}

fn records(out: &mut String) {
    out.push_str("## Records\n\n");
    for r in RECORDS {
        let _ = writeln!(
            out,
            "### `{}`\n\n{}.\n\n| field | type | what |\n|---|---|---|",
            r.name,
            capital(r.doc)
        );
        for f in r.fields {
            let _ = writeln!(out, "| `{}` | `{}` | {} |", f.name, f.ty, f.doc);
        }
        out.push('\n');
    }
}

fn enums(out: &mut String) {
    out.push_str(
        "## Enums\n\nA variant is written as a bare name: `failure.kind == port_in_use`.\n\n",
    );
    for e in ENUMS {
        let _ = writeln!(
            out,
            "### `{}`\n\n{}.\n\n| variant | what |\n|---|---|",
            e.name,
            capital(e.doc)
        );
        for (v, doc) in e.variants {
            let _ = writeln!(out, "| `{v}` | {doc} |");
        }
        out.push('\n');
    }
}

fn events(out: &mut String) {
    out.push_str(
        "## Events\n\nHooks: `hook before|after EVENT of SERVICE { .. }` for an event the service's \
         engine has. Rules: `on EVENT failed`.\n\n| event | hook engines | in rules | what |\n|---|---|---|---|\n",
    );
    for e in EVENTS {
        let engines: Vec<&str> = e.engines.iter().map(|e| e.as_str()).collect();
        let engines = if engines.is_empty() {
            "-".to_string()
        } else {
            engines.join(", ")
        };
        let rule = if e.rule { "yes" } else { "no" };
        let _ = writeln!(out, "| `{}` | {engines} | {rule} | {} |", e.name, e.doc);
    }
    out.push('\n');
}

fn ambient(out: &mut String) {
    out.push_str(
        "## Ambient names\n\nBesides these, every service and host of the registry is a value by \
         its name (`api`, `pi3`).\n\n| name | type | where | what |\n|---|---|---|---|\n",
    );
    for a in AMBIENT {
        let _ = writeln!(
            out,
            "| `{}` | `{}` | {} | {} |",
            a.name,
            a.ty,
            places(a.places).join(", "),
            a.doc
        );
    }
    out.push('\n');
}

fn builtins(out: &mut String, title: &str, intro: &str, table: &[Builtin]) {
    let _ = writeln!(
        out,
        "## {title}\n\n{intro}\n\n| signature | effect | where | what |\n|---|---|---|---|"
    );
    for b in table {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} |",
            b.signature(),
            b.effect.as_str(),
            places(b.places).join(", "),
            b.doc
        );
    }
    out.push('\n');
}

fn annotations(out: &mut String) {
    out.push_str("## Annotations\n\n| annotation | on | what |\n|---|---|---|\n");
    for a in ANNOTATIONS {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} |",
            a.usage,
            places(a.places).join(", "),
            a.doc
        );
    }
}

fn capital(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::render_markdown;
    use std::path::PathBuf;

    /// docs/builtins.md must equal the generated text; `UPDATE_DOCS=1` rewrites it.
    #[test]
    fn docs_builtins_md_is_in_sync() {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/builtins.md");
        let generated = render_markdown();
        if std::env::var_os("UPDATE_DOCS").is_some() {
            std::fs::write(&path, &generated).expect("write docs/builtins.md");
            return;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == generated,
            "docs/builtins.md is out of date: run `UPDATE_DOCS=1 cargo test -p portoser-check` to regenerate"
        );
    }

    #[test]
    fn mentions_every_fact_and_action() {
        let text = render_markdown();
        for b in super::FACTS.iter().chain(super::ACTIONS) {
            assert!(
                text.contains(&format!("`{}(", b.name)),
                "{} missing",
                b.name
            );
        }
    }
}
