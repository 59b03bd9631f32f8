mod common;

use common::*;
use portoser_plan::{file, plan_at, render};
use portoser_registry::Engine;

fn mixed() -> portoser_plan::Plan {
    let (reg, rec, hooks) = mixed_fleet();
    plan_at(&reg, &hooks, &rec, "sha256:0000", "2026-11-26T08:00:00Z")
}

#[test]
fn human() {
    insta::assert_snapshot!(render::human(&mixed(), false));
}

#[test]
fn human_colour_only_when_asked() {
    let plan = mixed();
    assert!(render::human(&plan, true).contains("\x1b[32m+\x1b[0m"));
    assert!(!render::human(&plan, false).contains('\x1b'));
}

#[test]
fn markdown() {
    insta::assert_snapshot!(render::markdown(&mixed()));
}

#[test]
fn markdown_collapses_long_host_sections() {
    let services = (0..12)
        .map(|i| service(&format!("s{i:02}"), "pi1", Engine::Docker))
        .collect();
    let reg = registry(services);
    let plan = plan_at(&reg, &[], &Default::default(), "h", "t");
    let md = render::markdown(&plan);
    assert!(
        md.contains("<details><summary><b>pi1</b>: 12 changes</summary>"),
        "{md}"
    );
}

#[test]
fn dot() {
    insta::assert_snapshot!(render::dot(&mixed()));
}

#[test]
fn mermaid() {
    insta::assert_snapshot!(render::mermaid(&mixed()));
}

#[test]
fn json() {
    insta::assert_snapshot!(render::json(&mixed()));
}

#[test]
fn plan_file_round_trips() {
    let plan = mixed();
    let text = render::json(&plan);
    assert_eq!(file::load(&text), Ok(plan.clone()));
    assert!(file::verify_fresh(&plan, "sha256:0000", 7).is_ok());
    assert!(
        file::verify_fresh(&plan, "sha256:0000", 8)
            .unwrap_err()
            .contains("serial 7 → 8")
    );
    assert!(file::verify_fresh(&plan, "sha256:1111", 7).is_err());
}

#[test]
fn plan_file_rejects_other_schemas_and_edits() {
    let text = render::json(&mixed());
    let v2 = text.replace("portoser.plan/v1", "portoser.plan/v2");
    let err = file::load(&v2).unwrap_err();
    assert!(
        err.contains("schema `portoser.plan/v2`") && err.contains("portoser.plan/v1"),
        "{err}"
    );
    assert!(file::load("{}").unwrap_err().contains("no `schema` field"));
    assert!(
        file::load("not json")
            .unwrap_err()
            .contains("not valid JSON")
    );
    let edited = text.replacen("\"create\": 1", "\"create\": 2", 1);
    assert!(file::load(&edited).unwrap_err().contains("was edited"));
}

#[test]
fn the_documented_example_is_a_valid_plan_file() {
    let doc = include_str!("../../../docs/plan-schema.md");
    let json = doc
        .split("```json\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("the doc has a json example");
    let plan = file::load(json).expect("the example loads");
    assert_eq!(plan.nodes.len(), 9);
    assert_eq!(plan.summary().update, 1);
}

#[test]
fn every_code_has_a_doc() {
    for code in portoser_plan::CODES {
        let path = format!(
            "{}/../../docs/errors/{}.md",
            env!("CARGO_MANIFEST_DIR"),
            code.code
        );
        let text = std::fs::read_to_string(&path).unwrap_or_else(|_| panic!("missing {path}"));
        assert!(
            text.starts_with(&format!("# {}: {}\n", code.code, code.summary)),
            "{path}"
        );
        assert!(
            text.contains("\n## Wrong\n") && text.contains("\n## Fixed\n"),
            "{path}"
        );
    }
}
