//! The checker: one pass over every file after the project-wide facts (imports, policies,
//! names) are known. Names from the registry are indexed once, so a 5,000-service registry
//! costs one hash map, not a scan per name.

mod annot;
mod body;
mod call;
mod engine;
mod eval;
mod expr;
pub mod imports;
mod items;
mod policy;
pub(crate) mod print;
mod reach;
mod secrets;
mod stmt;

use crate::Checked;
use portoser_diag::{Diagnostic, Diagnostics, FileId, Origin, SourceMap, Span};
use portoser_registry::{Host, Registry, Service};
use portoser_syntax::ast;
use std::collections::{HashMap, HashSet};

/// Where a file comes from decides what it may do (stdlib and learned rules never run shell).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FileKind {
    Project,
    Stdlib,
    Learned,
}

impl FileKind {
    fn of(map: &SourceMap, id: FileId) -> FileKind {
        let Some(file) = map.get(id) else {
            return FileKind::Project;
        };
        let name = file.name.replace('\\', "/");
        if file.origin == Origin::Stdlib || name.starts_with("stdlib/") {
            FileKind::Stdlib
        } else if name.starts_with("playbooks/learned/") || name.contains("/playbooks/learned/") {
            FileKind::Learned
        } else {
            FileKind::Project
        }
    }
}

/// Project-wide facts every item is checked against.
pub(crate) struct Cx<'r> {
    pub services: HashMap<&'r str, &'r Service>,
    pub hosts: HashMap<&'r str, &'r Host>,
    /// Services with an `allow shell for` policy in the project's playbooks.
    pub shell: HashSet<String>,
    /// Every rule by name (for `@learned(from: ..)`).
    pub rules: HashMap<String, Span>,
    /// Service and host names in registry order (`services`/`hosts` evaluate to these).
    pub registry_services: Vec<String>,
    pub registry_hosts: Vec<String>,
}

impl<'r> Cx<'r> {
    fn new(registry: &'r Registry) -> Self {
        Cx {
            services: registry
                .services
                .iter()
                .map(|s| (s.name.value.as_str(), s))
                .collect(),
            hosts: registry
                .hosts
                .iter()
                .map(|h| (h.name.value.as_str(), h))
                .collect(),
            shell: HashSet::new(),
            rules: HashMap::new(),
            registry_services: registry
                .services
                .iter()
                .map(|s| s.name.value.clone())
                .collect(),
            registry_hosts: registry
                .hosts
                .iter()
                .map(|h| h.name.value.clone())
                .collect(),
        }
    }

    /// Services whose `deployment_type` names the project engine `name`, in registry order.
    pub fn engine_users(&self, name: &str) -> Vec<&str> {
        self.registry_services
            .iter()
            .filter(|s| {
                self.services
                    .get(s.as_str())
                    .and_then(|s| s.deployment_type.as_ref())
                    .is_some_and(|d| d.value.is_custom() && d.value.as_str() == name)
            })
            .map(String::as_str)
            .collect()
    }
}

pub(crate) fn check_all(
    registry: &Registry,
    files: &[ast::File],
    map: &SourceMap,
    diags: &mut Diagnostics,
) -> Checked {
    let mut cx = Cx::new(registry);
    imports::check(files, map, diags);
    policy::collect(&mut cx, files, map, diags);
    cx.rules = duplicates(files, diags);
    let mut checked = Checked::default();
    for file in files {
        let kind = FileKind::of(map, file.file);
        for item in &file.items {
            items::check_item(&cx, kind, item, diags, &mut checked);
        }
    }
    let defined: Vec<String> = checked.engines.iter().map(|e| e.name.clone()).collect();
    engine::undefined(&cx, &defined, diags);
    reach::shadowed(files, diags);
    checked
}

/// Rules and playbooks share one namespace (`portoser run NAME`, `@learned(from: NAME)`).
/// Reports every later definition of a name; returns the rules by name.
fn duplicates(files: &[ast::File], diags: &mut Diagnostics) -> HashMap<String, Span> {
    let mut seen: HashMap<&str, (&'static str, Span)> = HashMap::new();
    let mut engines = EngineNames::default();
    let mut rules = HashMap::new();
    for item in files.iter().flat_map(|f| &f.items) {
        let (what, name) = match &item.kind {
            ast::ItemKind::Rule(r) => ("rule", &r.name),
            ast::ItemKind::Playbook(p) => ("playbook", &p.name),
            ast::ItemKind::Engine(e) => {
                engines.check(&e.name, diags);
                continue;
            }
            _ => continue,
        };
        if let Some((first_what, first)) = seen.get(name.name.as_str()) {
            diags.push(
                Diagnostic::error("E0319", format!("`{}` is defined twice", name.name))
                    .at(name.span, format!("this {what} reuses the name"))
                    .with_label(*first, format!("first defined here as a {first_what}"))
                    .with_help("rename one of them: rules and playbooks share one namespace"),
            );
            continue;
        }
        seen.insert(&name.name, (what, name.span));
        if what == "rule" {
            rules.insert(name.name.clone(), name.span);
        }
    }
    rules
}

/// Engines have their own namespace (`deployment_type` names them).
#[derive(Default)]
struct EngineNames(HashMap<String, Span>);

impl EngineNames {
    fn check(&mut self, name: &ast::Ident, diags: &mut Diagnostics) {
        if let Some(first) = self.0.get(&name.name) {
            diags.push(
                Diagnostic::error("E0319", format!("engine `{}` is defined twice", name.name))
                    .at(name.span, "this engine reuses the name")
                    .with_label(*first, "first defined here")
                    .with_help("rename or remove one of them"),
            );
            return;
        }
        self.0.insert(name.name.clone(), name.span);
    }
}
