//! Every registry code has a doc whose "Wrong" example (also the fixture) produces it and
//! whose "Fixed" example is clean.

mod common;

use portoser_registry::CODES;
use std::collections::HashSet;

fn yaml_blocks(doc: &str) -> Vec<String> {
    doc.split("```yaml\n")
        .skip(1)
        .filter_map(|rest| rest.split("```").next().map(str::to_string))
        .collect()
}

#[test]
fn every_code_has_a_doc_a_fixture_and_a_clean_fix() {
    let mut seen = HashSet::new();
    for info in CODES {
        assert!(seen.insert(info.code), "{} listed twice", info.code);
        assert!(
            info.code.starts_with("E01") || info.code.starts_with("W01"),
            "{}",
            info.code
        );
        let doc_path = common::root().join(format!("docs/errors/{}.md", info.code));
        let doc =
            std::fs::read_to_string(&doc_path).unwrap_or_else(|e| panic!("{}: {e}", info.code));
        assert!(
            doc.starts_with(&format!("# {}: {}\n", info.code, info.summary)),
            "{} title",
            info.code
        );
        let blocks = yaml_blocks(&doc);
        assert_eq!(
            blocks.len(),
            2,
            "{}: a Wrong and a Fixed example",
            info.code
        );

        let fixture =
            common::root().join(format!("tests/fixtures/errors/{}/registry.yml", info.code));
        let (map, diags) = common::check_file(&fixture);
        assert!(
            diags.iter().any(|d| d.code == info.code),
            "{} fixture:\n{}",
            info.code,
            common::rendered(&map, &diags)
        );
        let (map, diags) = common::check_text("wrong.yml", &blocks[0]);
        assert!(
            diags.iter().any(|d| d.code == info.code),
            "{} doc:\n{}",
            info.code,
            common::rendered(&map, &diags)
        );
        let (map, diags) = common::check_text("fixed.yml", &blocks[1]);
        assert!(
            diags.is_empty(),
            "{} fixed example:\n{}",
            info.code,
            common::rendered(&map, &diags)
        );
    }
}
