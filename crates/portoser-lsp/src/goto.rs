//! Go to definition: a service or host name → its registry entry, a rule/playbook/engine
//! name → its item, a `let`/`for`/parameter name → its binding, an import → the file.

use crate::analysis::{self, Analysis};
use crate::diagnostics::location;
use crate::lookup;
use lsp_types::{Location, Range};
use portoser_diag::{FileId, Origin};
use portoser_syntax::ast::{Item, ItemKind};

pub fn definition(a: &Analysis, id: FileId, offset: usize) -> Option<Location> {
    let text = a.map.get(id)?.text.clone();
    let item = a.tree(id).and_then(|t| lookup::item_at(t, offset));
    if let Some(ItemKind::Import(imp)) = item.map(|i| &i.kind) {
        let inside = imp.path_span.start as usize <= offset && offset <= imp.path_span.end as usize;
        if inside {
            let base = a.path(id)?.parent()?;
            let target = analysis::normalize(&base.join(&imp.path));
            let uri = crate::uri::from_path(&target)?;
            return Some(Location::new(uri, Range::default()));
        }
    }
    let word = lookup::word_at(&text, offset, false);
    if word.text.is_empty() || word.receiver.is_some() || word.after_at {
        return None;
    }
    let name = word.text.as_str();
    if let Some(b) = item.and_then(|i| lookup::binding(i, offset, name)) {
        return location(a, b.ident().span);
    }
    if let Some(reg) = a.registry.as_ref() {
        if let Some(s) = reg.service(name) {
            return location(a, s.name.span);
        }
        if let Some(h) = reg.host(name) {
            return location(a, h.name.span);
        }
    }
    let (found, _) = find_item(a, name)?;
    location(a, found.name()?.span)
}

/// The rule, playbook or engine named `name` (project files first, then the stdlib), with
/// the name of its file.
pub fn find_item<'a>(a: &'a Analysis, name: &str) -> Option<(&'a Item, String)> {
    let mut files: Vec<_> = a.files.iter().collect();
    files.sort_by_key(|f| a.map.get(f.file).map(|s| s.origin != Origin::Project));
    files.into_iter().find_map(|f| {
        let item = f
            .items
            .iter()
            .find(|i| i.name().is_some_and(|n| n.name == name))?;
        Some((item, a.map.get(f.file)?.name.clone()))
    })
}
