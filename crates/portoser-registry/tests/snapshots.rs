//! Rendered diagnostics (colour off) for representative fixtures, one snapshot per fixture.

mod common;

fn snapshot(name: &str) {
    let path = common::root().join("tests/fixtures/registry").join(name);
    let (map, diags) = common::check_file(&path);
    assert!(!diags.is_empty(), "{name} produces diagnostics");
    insta::assert_snapshot!(name, common::rendered(&map, &diags));
}

#[test]
fn cycle() {
    snapshot("cycle.yml");
}

#[test]
fn typos() {
    snapshot("typos.yml");
}

#[test]
fn conflicts() {
    snapshot("conflicts.yml");
}

#[test]
fn columns_count_characters_after_non_ascii_text() {
    let path = common::root().join("tests/fixtures/registry/typos.yml");
    let (map, diags) = common::check_file(&path);
    let unknown = diags
        .iter()
        .find(|d| d.code == "W0101")
        .expect("domian is unknown");
    let span = unknown.primary.as_ref().expect("located").span;
    assert_eq!(map.text(span), "domian");
    assert_eq!(map.file(span.file).line_col(span.start), (2, 1));
    let engine = diags.iter().find(|d| d.code == "E0112").expect("dokcer");
    let span = engine.primary.as_ref().expect("located").span;
    assert_eq!(map.text(span), "dokcer");
    assert_eq!(map.file(span.file).line_col(span.start), (11, 22));
}
