//! Every E02xx code: its fixture produces it (and only it), its doc's "Fixed" example parses
//! cleanly, and the rendered diagnostics are snapshotted.

use portoser_diag::{Diagnostics, Origin, RenderOptions, SourceMap, render_all};
use portoser_syntax::{CODES, parse};
use std::fmt::Write;
use std::path::Path;

fn diagnose(name: &str, text: &str) -> (Vec<&'static str>, String) {
    let mut map = SourceMap::new();
    let id = map.add(name, text, Origin::Project);
    let mut diags = Diagnostics::new();
    parse(&map, id, &mut diags);
    let sorted = diags.into_sorted();
    let codes = sorted.iter().map(|d| d.code).collect();
    (codes, render_all(&map, &sorted, RenderOptions::default()))
}

fn fenced_block(doc: &str, heading: &str) -> String {
    let after = doc.split(heading).nth(1).unwrap_or("");
    let body = after.split("```pbk\n").nth(1).unwrap_or("");
    body.split("```").next().unwrap_or("").to_string()
}

#[test]
fn every_code_has_a_doc_and_a_fixture_that_produces_it() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut all = String::new();
    for info in CODES {
        let code = info.code;
        let fixture = root.join(format!("tests/fixtures/errors/{code}/playbooks/broken.pbk"));
        let text = std::fs::read_to_string(&fixture).unwrap_or_else(|e| panic!("{code}: {e}"));
        let (codes, rendered) = diagnose("playbooks/broken.pbk", &text);
        assert!(
            !codes.is_empty() && codes.iter().all(|c| *c == code),
            "{code}: got {codes:?}\n{rendered}"
        );
        writeln!(all, "{rendered}").ok();
        let doc = std::fs::read_to_string(root.join(format!("docs/errors/{code}.md")))
            .unwrap_or_else(|e| panic!("{code} doc: {e}"));
        assert!(doc.starts_with(&format!("# {code}: ")), "{code}: bad title");
        let fixed = fenced_block(&doc, "## Fixed");
        let (codes, rendered) = diagnose("fixed.pbk", &fixed);
        assert!(
            !fixed.is_empty() && codes.is_empty(),
            "{code} fixed example: {rendered}"
        );
        assert_eq!(
            fenced_block(&doc, "## Wrong"),
            text,
            "{code}: doc and fixture differ"
        );
    }
    insta::assert_snapshot!(all);
}
