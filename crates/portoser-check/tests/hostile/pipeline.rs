//! The check pipeline (parse, format, type check) over hostile playbooks, shared by the
//! test-thread tests (`hostile.rs`) and the main-thread test (`hostile_main.rs`).
#![allow(dead_code)]

#[path = "../../../portoser-syntax/tests/hostile/gen.rs"]
pub mod generated;

use portoser_diag::{Diagnostic, Diagnostics, Origin, SourceMap};

pub const REGISTRY: &str = "\
domain: example.lan
hosts:
  h1: {ip: 127.0.0.1, ssh_user: deploy, path: /srv/portoser}
services:
  api: {current_host: h1, deployment_type: local, command: \"python3 -m http.server 8080\", port: 8080}
";

/// Parses, formats and checks one playbook the way `portoser check` does; the diagnostics.
pub fn pipeline(text: &str) -> Vec<Diagnostic> {
    let mut map = SourceMap::new();
    let mut diags = Diagnostics::new();
    let reg_id = map.add("registry.yml", REGISTRY, Origin::Project);
    let registry = portoser_registry::load(&map, reg_id, &mut diags).expect("registry loads");
    let id = map.add("playbooks/hostile.pbk", text, Origin::Project);
    let tree = portoser_syntax::parse(&map, id, &mut diags);
    let _ = portoser_syntax::format(text, id);
    portoser_check::check(&registry, &[tree], &map, &mut diags);
    diags.into_sorted()
}

fn syntax_clean(text: &str) -> bool {
    let mut diags = Diagnostics::new();
    portoser_syntax::parse_text(text, portoser_diag::FileId(0), &mut diags);
    diags.is_empty()
}

/// For every nesting shape: the deepest accepted input goes through the checker without a
/// syntax error, and one level more is E0210; then every huge generated input is an error.
pub fn run_all() {
    for shape in generated::SHAPES {
        let n = (0..4096)
            .find(|n| !syntax_clean(&(shape.make)(*n)))
            .expect("a limit")
            - 1;
        let diags = pipeline(&(shape.make)(n));
        assert!(
            diags.iter().all(|d| !d.code.starts_with("E02")),
            "{}: {:?}",
            shape.name,
            diags.iter().map(|d| d.code).collect::<Vec<_>>()
        );
        let diags = pipeline(&(shape.make)(n + 1));
        assert!(diags.iter().any(|d| d.code == "E0210"), "{}", shape.name);
    }
    for (name, text) in generated::huge_errors() {
        let diags = pipeline(&text);
        assert!(diags.iter().any(|d| d.is_error()), "{name}");
    }
}
