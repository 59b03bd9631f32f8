//! The parser on the corpus and on broken input: trees, recovery, located diagnostics.

use portoser_diag::{Diagnostics, Origin, RenderOptions, SourceMap, render_all};
use portoser_syntax::ast::{ExprKind, ItemKind, Literal, StmtKind};
use portoser_syntax::parse;

pub fn check(text: &str) -> (portoser_syntax::ast::File, String, Vec<&'static str>) {
    let mut map = SourceMap::new();
    let id = map.add("broken.pbk", text, Origin::Project);
    let mut diags = Diagnostics::new();
    let file = parse(&map, id, &mut diags);
    let sorted = diags.into_sorted();
    let codes = sorted.iter().map(|d| d.code).collect();
    (
        file,
        render_all(&map, &sorted, RenderOptions::default()),
        codes,
    )
}

#[test]
fn the_sketch_parses_without_errors() {
    let (file, rendered, _) = check(include_str!("corpus/sketch.pbk"));
    assert_eq!(rendered, "");
    let kinds: Vec<&str> = file
        .items
        .iter()
        .map(|i| match &i.kind {
            ItemKind::Rule(_) => "rule",
            ItemKind::Hook(_) => "hook",
            ItemKind::Playbook(_) => "playbook",
            ItemKind::Allow(_) => "allow",
            ItemKind::Import(_) => "import",
            ItemKind::Engine(_) => "engine",
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "import", "allow", "rule", "hook", "hook", "playbook", "rule", "rule"
        ]
    );
    let learned = &file.items[6];
    assert_eq!(learned.annotations.len(), 2);
    assert_eq!(learned.annotations[0].args.len(), 6);
    let ItemKind::Rule(r) = &file.items[2].kind else {
        panic!("not a rule")
    };
    assert_eq!(r.on.name, "deploy");
    assert_eq!(r.clauses.len(), 3);
    assert_eq!(r.body.stmts.len(), 3);
    assert!(
        matches!(&r.body.stmts[2].kind, StmtKind::Call(c) if !c.parens && c.callee.name == "retry")
    );
}

#[test]
fn spans_are_bytes_of_the_source() {
    let text = "rule é { on deploy failed do { retry } }";
    let (file, rendered, _) = check(text);
    // `é` is not a name: an invalid character (two bytes) is reported, the rule is recovered.
    assert!(rendered.contains("E0202"), "{rendered}");
    let text = "hook after deploy of api { wait(5s) }";
    let (file2, rendered2, _) = check(text);
    assert_eq!(rendered2, "");
    let ItemKind::Hook(h) = &file2.items[0].kind else {
        panic!("not a hook")
    };
    assert_eq!(&text[h.service.span.range()], "api");
    let StmtKind::Call(c) = &h.body.stmts[0].kind else {
        panic!("not a call")
    };
    assert_eq!(&text[c.args[0].value.span.range()], "5s");
    assert!(matches!(
        c.args[0].value.kind,
        ExprKind::Literal(Literal::Duration { millis: 5000, .. })
    ));
    drop(file);
}

#[test]
fn precedence_and_non_associative_comparisons() {
    let (file, rendered, _) =
        check("rule r { on deploy failed when a or b and not c == 1 + 2 do { retry } }");
    assert_eq!(rendered, "");
    let ItemKind::Rule(r) = &file.items[0].kind else {
        panic!("not a rule")
    };
    let portoser_syntax::ast::Clause::When(e) = &r.clauses[0] else {
        panic!("not when")
    };
    let ExprKind::Binary(op, _, rhs) = &e.kind else {
        panic!("not binary")
    };
    assert_eq!(op.as_str(), "or");
    let ExprKind::Binary(op, _, rhs) = &rhs.kind else {
        panic!("not binary")
    };
    assert_eq!(op.as_str(), "and");
    assert!(matches!(&rhs.kind, ExprKind::Unary(..)));
    let (_, rendered, codes) = check("rule r { on deploy failed when a == b == c do { retry } }");
    assert_eq!(codes, ["E0205"], "{rendered}");
}

#[test]
fn three_independent_errors_are_all_reported() {
    let text = "rule a { on deploy failed do { stop(= ) } }\n\
                hook after deploy of api { wait(1zz) }\n\
                rul c { }\n\
                playbook ok(h: Host) { restart(h) }\n";
    let (file, rendered, codes) = check(text);
    assert_eq!(codes, ["E0205", "E0204", "E0207"], "{rendered}");
    assert!(rendered.contains("did you mean `rule`?"), "{rendered}");
    assert!(
        file.items
            .iter()
            .any(|i| i.name().is_some_and(|n| n.name == "ok"))
    );
}

#[test]
fn an_error_in_a_block_points_at_its_opening_brace() {
    let (_, rendered, codes) = check("hook after deploy of api {\n  wait(1) =\n}\n");
    assert_eq!(codes, ["E0205"], "{rendered}");
    assert!(
        rendered.contains("expected `}` to close the block opened here"),
        "{rendered}"
    );
}

#[test]
fn an_engine_block_parses_into_named_sections() {
    let (file, rendered, _) = check(
        "engine podman {\n  deploy { run on host: \"podman run \" + service.name }\n  stop { log(\"x\") }\n}\n",
    );
    assert_eq!(rendered, "");
    let Some(ItemKind::Engine(e)) = file.items.first().map(|i| &i.kind) else {
        panic!("not an engine: {:?}", file.items);
    };
    assert_eq!(e.name.name, "podman");
    let names: Vec<&str> = e.sections.iter().map(|s| s.name.name.as_str()).collect();
    assert_eq!(names, ["deploy", "stop"]);
    assert_eq!(e.sections.first().map(|s| s.body.stmts.len()), Some(1));
}

#[test]
fn a_broken_engine_block_is_a_located_error() {
    let (_, rendered, _) = check("engine podman { deploy run on host: \"x\" }\n");
    assert!(rendered.contains("E02"), "{rendered}");
}
