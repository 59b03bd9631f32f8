use super::*;
use portoser_diag::{Origin, SourceMap};

fn tree(text: &str) -> (SourceMap, Result<Parsed, Box<Diagnostic>>) {
    let mut map = SourceMap::new();
    let id = map.add("t.yml", text, Origin::Project);
    let parsed = parse(map.file(id), id);
    (map, parsed)
}

fn entries(node: &Node) -> &[(Node, Node)] {
    match &node.value {
        Value::Map(e) => e,
        _ => panic!("not a map"),
    }
}

#[test]
fn keys_and_values_have_byte_spans_after_non_ascii_text() {
    let text = "# ça marche — «x»\nname: héllo\nport: 8080\n";
    let (map, parsed) = tree(text);
    let Ok(Parsed::Tree(root)) = parsed else {
        panic!("no tree")
    };
    let e = entries(&root);
    assert_eq!(map.text(e[0].0.span), "name");
    assert_eq!(map.text(e[0].1.span), "héllo");
    assert_eq!(map.text(e[1].1.span), "8080");
    assert_eq!(e[1].1.value, Value::Int(8080));
    assert_eq!(
        map.file(e[1].1.span.file).line_col(e[1].1.span.start),
        (3, 7)
    );
}

#[test]
fn syntax_error_is_located_after_non_ascii_text() {
    let text = "a: «é»\nb: [1, 2\n";
    let (map, parsed) = tree(text);
    let Err(d) = parsed else {
        panic!("expected an error")
    };
    assert_eq!(d.code, "E0101");
    let span = d.primary.expect("located").span;
    let (line, _) = map.file(span.file).line_col(span.start);
    assert!(line >= 2, "{line}");
}

#[test]
fn duplicates_are_kept_for_the_loader() {
    let (_, parsed) = tree("a: 1\na: 2\n");
    let Ok(Parsed::Tree(root)) = parsed else {
        panic!("no tree")
    };
    assert_eq!(entries(&root).len(), 2);
}

#[test]
fn empty_and_comment_only_files_are_empty() {
    assert!(matches!(tree("").1, Ok(Parsed::Empty)));
    assert!(matches!(tree("# nothing\n").1, Ok(Parsed::Empty)));
}

#[test]
fn giant_numbers_do_not_panic() {
    let (_, parsed) = tree("port: 99999999999999999999\n");
    assert!(matches!(parsed, Ok(Parsed::Tree(_)) | Err(_)));
}

#[test]
fn containers_span_to_their_last_child() {
    let text = "hosts:\n  a:\n    ip: 1.2.3.4\n";
    let (map, parsed) = tree(text);
    let Ok(Parsed::Tree(root)) = parsed else {
        panic!("no tree")
    };
    let hosts = &entries(&root)[0].1;
    assert!(
        map.text(hosts.span).ends_with("1.2.3.4"),
        "{:?}",
        map.text(hosts.span)
    );
}
