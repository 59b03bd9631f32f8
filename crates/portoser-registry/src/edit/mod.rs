//! Safe edits of `registry.yml` that keep the user's comments, blank lines and key order.
//!
//! Nothing is re-serialised: each edit changes the TEXT at spans the loader already has
//! (a new block after the last entry of `hosts:`/`services:`, the `current_host` value, the
//! lines of one entry). Every edit is pure (text in, text out) and checked twice:
//! the original must load and validate without errors, and so must the edited text, which
//! must also read back as exactly the intended change (names in order, the new values);
//! anything else is refused. Writing the file is the caller's job (atomically).
//!
//! Layout rules (docs/registry.md, "Editing the registry"):
//! * a new entry goes after the last entry of its section, with the indentation the file
//!   uses there (2 spaces when there is nothing to copy), in block style;
//! * `remove` deletes the entry's lines, the comment lines directly above it at the entry's
//!   indentation (no blank line between: a blank line makes a comment a section comment,
//!   which stays), and comment lines inside or right after its body indented deeper;
//! * flow-style (`{...}`) sections cannot receive new entries, and a flow-style entry inside a
//!   flow section cannot be removed; values inside flow entries can still be replaced.

mod add;
mod diff;
mod remove;
mod secrets;
mod text;

use crate::model::Registry;
use crate::yaml::{Node, Value};
use portoser_diag::{Diagnostic, Diagnostics, Origin, SourceMap, did_you_mean};
use std::fmt;

pub use add::{HostFields, ServiceFields, add_host, add_service};
pub use diff::diff;
pub use remove::{move_service, remove_service};
pub use secrets::add_secrets;
pub use text::scalar as yaml_scalar;

/// The name diagnostics of an edit are shown under (callers rename with [`Rejected::source_map`]).
const CHECK_NAME: &str = "registry.yml";

/// Why an edit was not made. The registry text is never half-edited: the caller keeps the
/// original.
#[derive(Debug)]
pub enum EditError {
    /// The registry has errors (before the edit) or would have them (after it).
    Rejected(Rejected),
    NoSuchService {
        name: String,
        suggestion: Option<String>,
    },
    /// Removing a service others depend on needs `force`.
    HasDependents {
        name: String,
        dependents: Vec<String>,
    },
    /// The file's layout is one portoser does not edit (flow style, an odd structure).
    Unsupported(String),
}

/// Which text the diagnostics of a [`Rejected`] are about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// The registry as it is: fix it before editing.
    Before,
    /// The registry as the edit would leave it.
    After,
}

#[derive(Debug)]
pub struct Rejected {
    pub stage: Stage,
    /// The text the diagnostics point into.
    pub text: String,
    /// Sorted; errors and warnings of that text.
    pub diagnostics: Vec<Diagnostic>,
}

impl Rejected {
    /// A source map holding the text under `name`, for rendering the diagnostics.
    pub fn source_map(&self, name: &str) -> SourceMap {
        let mut map = SourceMap::new();
        map.add(name, self.text.as_str(), Origin::Project);
        map
    }
}

impl fmt::Display for EditError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EditError::Rejected(r) if r.stage == Stage::Before => {
                f.write_str("the registry has errors; fix them before editing it")
            }
            EditError::Rejected(_) => f.write_str("the edit would make the registry invalid"),
            EditError::NoSuchService { name, suggestion } => {
                write!(f, "no service `{name}` in the registry")?;
                match suggestion {
                    Some(s) => write!(f, " (did you mean `{s}`?)"),
                    None => Ok(()),
                }
            }
            EditError::HasDependents { name, dependents } => write!(
                f,
                "`{name}` is a dependency of {}; remove those first, or pass --force to also \
                 remove `{name}` from their dependencies",
                dependents
                    .iter()
                    .map(|d| format!("`{d}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            EditError::Unsupported(why) => write!(f, "cannot edit this registry safely: {why}"),
        }
    }
}

impl std::error::Error for EditError {}

/// A registry text that loaded and validated without errors.
pub(super) struct Doc<'t> {
    pub text: &'t str,
    pub root: Node,
    pub registry: Registry,
    pub warnings: Vec<Diagnostic>,
}

/// Loads and validates `text`; errors make a [`Rejected`] at `stage`.
fn load_checked(text: &str, stage: Stage) -> Result<Doc<'_>, EditError> {
    let mut map = SourceMap::new();
    let file = map.add(CHECK_NAME, text, Origin::Project);
    let mut diags = Diagnostics::new();
    let root = crate::load::tree(&map, file, "registry.yml", &mut diags);
    let registry = crate::load::load(&map, file, &mut diags);
    if let Some(reg) = &registry {
        crate::validate::validate(reg, &map, &mut diags);
    }
    let reject = |diags: Diagnostics| {
        EditError::Rejected(Rejected {
            stage,
            text: text.to_string(),
            diagnostics: diags.into_sorted(),
        })
    };
    if diags.has_errors() {
        return Err(reject(diags));
    }
    match (root, registry) {
        (Some(root), Some(registry)) => Ok(Doc {
            text,
            root,
            registry,
            warnings: diags.into_sorted(),
        }),
        _ => Err(reject(diags)),
    }
}

/// The registry before an edit.
pub(super) fn open(text: &str) -> Result<Doc<'_>, EditError> {
    load_checked(text, Stage::Before)
}

/// The registry after an edit: a YAML syntax error here is portoser's mistake (a layout it
/// misjudged), not the user's, so it is reported as unsupported.
pub(super) fn reopen(text: &str) -> Result<Doc<'_>, EditError> {
    match load_checked(text, Stage::After) {
        Err(EditError::Rejected(r)) if r.diagnostics.iter().any(|d| d.code == "E0101") => Err(
            EditError::Unsupported("the edited text would not parse as YAML".to_string()),
        ),
        other => other,
    }
}

/// Warnings of the edited text `after` that `before` did not have (same code and message),
/// for the caller to show; they point into `after` (file id 0 of [`Rejected::source_map`]
/// style maps). Empty when either text does not check.
pub fn new_warnings(before: &str, after: &str) -> Vec<Diagnostic> {
    let (Ok(old), Ok(new)) = (
        load_checked(before, Stage::Before),
        load_checked(after, Stage::After),
    ) else {
        return Vec::new();
    };
    let seen = |d: &Diagnostic| {
        old.warnings
            .iter()
            .any(|o| o.code == d.code && o.message == d.message)
    };
    new.warnings.into_iter().filter(|d| !seen(d)).collect()
}

/// Refuses an edit that did not read back as intended.
pub(super) fn ensure(ok: bool, what: &str) -> Result<(), EditError> {
    if ok {
        Ok(())
    } else {
        Err(EditError::Unsupported(format!(
            "the edited file did not read back as expected ({what}); edit registry.yml by hand"
        )))
    }
}

pub(super) fn host_names(reg: &Registry) -> Vec<&str> {
    reg.hosts.iter().map(|h| h.name.value.as_str()).collect()
}

pub(super) fn service_names(reg: &Registry) -> Vec<&str> {
    reg.services.iter().map(|s| s.name.value.as_str()).collect()
}

pub(super) fn no_such_service(reg: &Registry, name: &str) -> EditError {
    EditError::NoSuchService {
        name: name.to_string(),
        suggestion: did_you_mean(name, service_names(reg)).map(str::to_string),
    }
}

/// The key and value of `name` in a map node (first occurrence).
pub(super) fn field<'n>(map: &'n Node, name: &str) -> Option<(&'n Node, &'n Node)> {
    match &map.value {
        Value::Map(entries) => entries
            .iter()
            .find(|(k, _)| matches!(&k.value, Value::Str(s) if s == name))
            .map(|(k, v)| (k, v)),
        _ => None,
    }
}

/// Where a new first field `key` of service `name` goes (the start of the line of its first
/// field) and that field's indentation; a flow-style entry (`api: {…}`) is refused.
pub(super) fn first_field_line(
    doc: &Doc<'_>,
    name: &str,
    key: &str,
) -> Result<(usize, String), EditError> {
    let t = doc.text;
    let first = field(&doc.root, "services")
        .and_then(|(_, services)| field(services, name))
        .and_then(|(_, entry)| match &entry.value {
            Value::Map(fields) => fields.first().map(|(k, _)| k.span.start as usize),
            _ => None,
        })
        .filter(|&at| text::starts_line(t, at));
    match first {
        Some(at) => Ok((text::line_start(t, at), " ".repeat(text::indent_at(t, at)))),
        None => Err(EditError::Unsupported(format!(
            "service `{name}` has no block-style fields to add `{key}` to"
        ))),
    }
}

#[cfg(test)]
mod tests;
