//! THE one table of everything built into the playbook language: types, records and their
//! fields, enums, events, facts (read-only observations), actions (what the executor can
//! do), ambient names and annotations.
//!
//! The checker reads it; so do (later) the LSP hover and completion, the editor grammars'
//! keyword lists, `portoser explain` and the MCP tool descriptions. `docs/builtins.md` is
//! generated from it ([`render_markdown`]) and a test keeps the committed file in sync.
//!
//! Types are written as text (`Option<Process>`) so the table is `const` and reads like the
//! docs; [`crate::types::Ty::parse`] turns them into types and a test parses every one.

mod actions;
mod facts;
mod markdown;
mod records;

pub use actions::{ACTIONS, is_terminal};
pub use facts::FACTS;
pub use markdown::render_markdown;
pub use records::{AMBIENT, ANNOTATIONS, ENUMS, EVENTS, RECORDS, TYPES};

use portoser_registry::Engine;

/// What running a builtin does to the fleet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Observes; changes nothing (every fact).
    ReadOnly,
    /// Changes a host or service in a way the next deploy repairs.
    Mutating,
    /// Kills, deletes or prunes: needs `@allow(destructive)` in a rule.
    Destructive,
}

impl Effect {
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::ReadOnly => "read-only",
            Effect::Mutating => "mutating",
            Effect::Destructive => "destructive",
        }
    }
}

/// Where a builtin or annotation may be used: a set of these bits.
pub const IN_RULE: u8 = 1;
pub const IN_HOOK: u8 = 2;
pub const IN_PLAYBOOK: u8 = 4;
pub const ANYWHERE: u8 = IN_RULE | IN_HOOK | IN_PLAYBOOK;

/// Names of the places in a bit set, for docs and messages.
pub fn places(bits: u8) -> Vec<&'static str> {
    [
        (IN_RULE, "rule"),
        (IN_HOOK, "hook"),
        (IN_PLAYBOOK, "playbook"),
    ]
    .into_iter()
    .filter(|(bit, _)| bits & bit != 0)
    .map(|(_, name)| name)
    .collect()
}

#[derive(Clone, Copy, Debug)]
pub struct Param {
    pub name: &'static str,
    pub ty: &'static str,
    /// The default as written in the language (`10s`, `false`); `None` when required.
    pub default: Option<&'static str>,
}

pub const fn req(name: &'static str, ty: &'static str) -> Param {
    Param {
        name,
        ty,
        default: None,
    }
}

pub const fn opt(name: &'static str, ty: &'static str, default: &'static str) -> Param {
    Param {
        name,
        ty,
        default: Some(default),
    }
}

/// A fact or an action.
#[derive(Clone, Copy, Debug)]
pub struct Builtin {
    pub name: &'static str,
    pub params: &'static [Param],
    /// `()` for actions that produce no value.
    pub result: &'static str,
    pub effect: Effect,
    /// [`IN_RULE`] | [`IN_HOOK`] | [`IN_PLAYBOOK`].
    pub places: u8,
    /// One line.
    pub doc: &'static str,
}

impl Builtin {
    pub fn is_fact(&self) -> bool {
        self.effect == Effect::ReadOnly
    }

    /// `stop_process(host: Host, pid: Int, grace: Duration = 10s)`
    pub fn signature(&self) -> String {
        let params: Vec<String> = self
            .params
            .iter()
            .map(|p| match p.default {
                Some(d) => format!("{}: {} = {d}", p.name, p.ty),
                None => format!("{}: {}", p.name, p.ty),
            })
            .collect();
        let head = format!("{}({})", self.name, params.join(", "));
        if self.result == "()" {
            head
        } else {
            format!("{head}: {}", self.result)
        }
    }
}

#[derive(Clone, Copy, Debug)]
pub struct Field {
    pub name: &'static str,
    pub ty: &'static str,
    pub doc: &'static str,
}

#[derive(Clone, Copy, Debug)]
pub struct Record {
    pub name: &'static str,
    pub doc: &'static str,
    pub fields: &'static [Field],
}

#[derive(Clone, Copy, Debug)]
pub struct EnumDef {
    pub name: &'static str,
    pub doc: &'static str,
    /// (variant, one-line doc)
    pub variants: &'static [(&'static str, &'static str)],
}

#[derive(Clone, Copy, Debug)]
pub struct EventDef {
    pub name: &'static str,
    /// Engines whose services have this lifecycle step (hooks may attach to it).
    pub engines: &'static [Engine],
    /// May a rule say `on NAME failed`?
    pub rule: bool,
    pub doc: &'static str,
}

#[derive(Clone, Copy, Debug)]
pub struct AnnotationDef {
    pub name: &'static str,
    /// As written: `@allow(destructive)`.
    pub usage: &'static str,
    /// Items it may stand on: [`IN_RULE`] | [`IN_HOOK`] | [`IN_PLAYBOOK`].
    pub places: u8,
    pub doc: &'static str,
}

#[derive(Clone, Copy, Debug)]
pub struct Ambient {
    pub name: &'static str,
    pub ty: &'static str,
    pub places: u8,
    pub doc: &'static str,
}

#[derive(Clone, Copy, Debug)]
pub struct TypeDoc {
    pub name: &'static str,
    pub doc: &'static str,
}

pub fn fact(name: &str) -> Option<&'static Builtin> {
    FACTS.iter().find(|b| b.name == name)
}

pub fn action(name: &str) -> Option<&'static Builtin> {
    ACTIONS.iter().find(|b| b.name == name)
}

pub fn record(name: &str) -> Option<&'static Record> {
    RECORDS.iter().find(|r| r.name == name)
}

pub fn enum_def(name: &str) -> Option<&'static EnumDef> {
    ENUMS.iter().find(|e| e.name == name)
}

pub fn event(name: &str) -> Option<&'static EventDef> {
    EVENTS.iter().find(|e| e.name == name)
}

pub fn annotation(name: &str) -> Option<&'static AnnotationDef> {
    ANNOTATIONS.iter().find(|a| a.name == name)
}

/// The enum a bare name is a variant of (the first, in table order).
pub fn variant_enum(name: &str) -> Option<&'static EnumDef> {
    ENUMS
        .iter()
        .find(|e| e.variants.iter().any(|(v, _)| *v == name))
}

/// Events a hook may attach to for a service of this engine.
pub fn hook_events(engine: Engine) -> Vec<&'static str> {
    EVENTS
        .iter()
        .filter(|e| e.engines.contains(&engine))
        .map(|e| e.name)
        .collect()
}

/// Events a rule may wake on (`on EVENT failed`).
pub fn rule_events() -> Vec<&'static str> {
    EVENTS.iter().filter(|e| e.rule).map(|e| e.name).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Ty;

    #[test]
    fn every_type_in_the_table_parses() {
        let mut spellings: Vec<&str> = Vec::new();
        for b in FACTS.iter().chain(ACTIONS) {
            spellings.push(b.result);
            spellings.extend(b.params.iter().map(|p| p.ty));
        }
        for r in RECORDS {
            spellings.extend(r.fields.iter().map(|f| f.ty));
        }
        spellings.extend(AMBIENT.iter().map(|a| a.ty));
        for s in spellings {
            assert!(Ty::parse(s).is_some(), "table type `{s}` does not parse");
        }
    }

    #[test]
    fn every_builtin_has_docs_and_a_place() {
        for b in FACTS.iter().chain(ACTIONS) {
            assert!(b.doc.len() > 10, "`{}` needs a doc line", b.name);
            assert!(
                !b.doc.ends_with('.'),
                "`{}`: doc lines end without a period",
                b.name
            );
            assert!(b.places != 0, "`{}` is allowed nowhere", b.name);
        }
        for f in FACTS {
            assert!(
                f.is_fact() && f.result != "()",
                "fact `{}` must read a value",
                f.name
            );
        }
        for a in ACTIONS {
            assert!(
                !a.is_fact() && a.result == "()",
                "action `{}` must act",
                a.name
            );
        }
        for r in RECORDS {
            for f in r.fields {
                assert!(!f.doc.is_empty(), "field {}.{} needs a doc", r.name, f.name);
            }
        }
    }

    #[test]
    fn names_are_unique_across_facts_and_actions() {
        let mut names: Vec<&str> = FACTS.iter().chain(ACTIONS).map(|b| b.name).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(before, names.len(), "a builtin name is used twice");
    }

    #[test]
    fn engines_have_the_documented_events() {
        assert_eq!(
            hook_events(Engine::Docker),
            ["deploy", "start", "stop", "restart", "migrate", "pull"]
        );
        assert!(hook_events(Engine::Local).contains(&"install"));
        assert!(!hook_events(Engine::Native).contains(&"install"));
        assert!(rule_events().contains(&"any") && rule_events().contains(&"health"));
    }
}
