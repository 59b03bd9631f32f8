#![allow(dead_code)]

use portoser_diag::{Diagnostic, Diagnostics, Origin, RenderOptions, SourceMap, render_all};
use std::path::{Path, PathBuf};

/// The workspace root (the crate sits in crates/portoser-registry).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Loads and validates a registry text, returning the map and the sorted diagnostics.
pub fn check_text(name: &str, text: &str) -> (SourceMap, Vec<Diagnostic>) {
    let mut map = SourceMap::new();
    let id = map.add(name, text, Origin::Project);
    let mut diags = Diagnostics::new();
    if let Some(registry) = portoser_registry::load(&map, id, &mut diags) {
        portoser_registry::validate(&registry, &map, &mut diags);
    }
    (map, diags.into_sorted())
}

pub fn check_file(path: &Path) -> (SourceMap, Vec<Diagnostic>) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    check_text(&name, &text)
}

pub fn rendered(map: &SourceMap, diags: &[Diagnostic]) -> String {
    render_all(map, diags, RenderOptions { color: false })
}
