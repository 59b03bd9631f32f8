//! The formatter: snapshots, comment preservation, idempotence, tree preservation.

use portoser_diag::{Diagnostics, FileId};
use portoser_syntax::{format, parse_text};

fn fmt(text: &str) -> String {
    match format(text, FileId(0)) {
        Ok(s) => s,
        Err(d) => panic!("syntax errors: {d:?}"),
    }
}

fn assert_preserves(text: &str) {
    let once = fmt(text);
    assert_eq!(fmt(&once), once, "not idempotent");
    let mut d = Diagnostics::new();
    let a = parse_text(text, FileId(0), &mut d);
    let b = parse_text(&once, FileId(0), &mut d);
    assert!(d.is_empty());
    assert!(a.same_shape(&b), "the tree changed:\n{once}");
}

#[test]
fn formats_a_messy_file() {
    let text = include_str!("corpus/messy.pbk");
    assert_preserves(text);
    insta::assert_snapshot!(fmt(text));
}

#[test]
fn the_sketch_is_stable() {
    assert_preserves(include_str!("corpus/sketch.pbk"));
}

#[test]
fn every_comment_survives() {
    for text in [
        include_str!("corpus/messy.pbk"),
        include_str!("corpus/sketch.pbk"),
    ] {
        let out = fmt(text);
        let comments: Vec<&str> = text
            .lines()
            .filter_map(|l| l.find('#').map(|i| l[i..].trim_end()))
            .collect();
        assert!(!comments.is_empty());
        for c in comments {
            assert!(out.contains(c), "lost comment {c:?} in:\n{out}");
        }
    }
}

#[test]
fn refuses_broken_code() {
    let err = format("rule r { on deploy failed do { retry }", FileId(0)).err();
    assert!(err.is_some_and(|d| d.iter().any(|d| d.code == "E0206")));
}

#[test]
fn same_shape_sees_real_differences() {
    let mut d = Diagnostics::new();
    let a = parse_text("hook after deploy of api { wait(10s) }", FileId(0), &mut d);
    let b = parse_text(
        "hook after deploy of api {\n  wait(10s)\n}\n",
        FileId(0),
        &mut d,
    );
    let c = parse_text("hook after deploy of api { wait(11s) }", FileId(0), &mut d);
    assert!(a.same_shape(&b));
    assert!(!a.same_shape(&c));
}
