//! Checks that need several files or a longer program: imports, learned rules, shadowing,
//! names across files, what the planner receives, and programs that must check clean.

use crate::support::{check_files, check_one, registry};
use portoser_check::HookTiming;

#[test]
fn an_import_cycle_is_reported_once_as_the_whole_circle() {
    let run = check_files(
        &registry(),
        &[
            ("playbooks/a.pbk", "import \"b.pbk\""),
            ("playbooks/b.pbk", "import \"../common/c.pbk\""),
            ("common/c.pbk", "import \"../playbooks/a.pbk\""),
        ],
        false,
    );
    assert_eq!(run.codes(), ["E0320"], "{}", run.render());
    let d = &run.diags[0];
    assert!(
        d.message
            .contains("playbooks/a.pbk → playbooks/b.pbk → common/c.pbk → playbooks/a.pbk"),
        "{}",
        d.message
    );
    assert_eq!(d.labels.len(), 2, "every import of the circle is labelled");
}

#[test]
fn learned_rule_counters_must_be_consistent() {
    let learned = r#"
@learned(from: port_conflict, seen: 3, fixed: 2, failed: 0,
         first: "2026-11-26T08:00:00Z", last: "2026-11-20T10:01:00Z")
@allow(destructive)
rule port_conflict_api_pi3 {
  on deploy failed
  when service == api and failure.kind == port_in_use
  let owner = port_owner(host, service.port)
  do { stop_process(host, owner.pid) retry }
}
@learned(from: port_conflit, seen: 1, fixed: 1, failed: 0, first: "yesterday", last: "2026-11-20T10:01:00Z")
rule other { on deploy failed when failure.kind == disk_full do { rotate_logs(service) retry } }
"#;
    let run = check_files(
        &registry(),
        &[("playbooks/learned/port_conflict-api-pi3.pbk", learned)],
        true,
    );
    let messages: Vec<&str> = run.diags.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        run.codes(),
        ["E0322", "E0322", "E0322", "E0322"],
        "{}",
        run.render()
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("fixed (2) + failed (0) must equal seen (3)"))
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("`first:` is later than `last:`"))
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("did you mean `port_conflict`"))
    );
    assert!(messages.iter().any(|m| m.contains("RFC 3339")));
    assert!(run.checked.rules.iter().filter(|r| r.learned).count() == 2);
}

#[test]
fn learned_rules_and_the_stdlib_never_run_shell() {
    let learned = "@learned(from: docker_down, seen: 1, fixed: 1, failed: 0, first: \"2026-11-20T10:01:00Z\", last: \"2026-11-20T10:01:00Z\")\nrule x { on deploy failed do { run on host: \"systemctl start docker\" retry } }\nallow shell for api";
    let run = check_files(&registry(), &[("playbooks/learned/x.pbk", learned)], true);
    assert_eq!(run.codes(), ["E0317", "E0317"], "{}", run.render());
}

#[test]
fn shell_with_a_policy_is_allowed_in_hooks_and_playbooks() {
    let run = check_one(
        "allow shell for api\nhook after deploy of api { run on api.host: \"uv run alembic upgrade head\" timeout 2m }\nplaybook migrate() { run on api: \"make\" }",
    );
    assert!(run.diags.is_empty(), "{}", run.render());
    let hook = &run.checked.hooks[0];
    assert_eq!(
        (hook.service.as_str(), hook.timing, hook.event.as_str()),
        ("api", HookTiming::After, "deploy")
    );
    assert_eq!(
        hook.steps,
        ["run on api.host: uv run alembic upgrade head (timeout 2m)"]
    );
    assert!(hook.uses_shell);
}

#[test]
fn duplicate_names_across_files_label_both() {
    let run = check_files(
        &registry(),
        &[
            ("playbooks/a.pbk", "playbook rotate() { log(\"a\") }"),
            ("playbooks/b.pbk", "playbook rotate() { log(\"b\") }"),
        ],
        false,
    );
    assert_eq!(run.codes(), ["E0319"]);
    let d = &run.diags[0];
    let first = d.labels[0].span;
    assert_eq!(run.map.file(first.file).name, "playbooks/a.pbk");
}

#[test]
fn an_identical_later_rule_is_shadowed() {
    let rule = |name: &str| {
        format!(
            "rule {name} {{ on deploy failed when failure.kind == disk_full do {{ rotate_logs(service) retry }} }}\n"
        )
    };
    let run = check_one(&(rule("first") + &rule("second")));
    assert_eq!(run.codes(), ["W0301"]);
    assert_eq!(run.at("W0301"), "second");
}

#[test]
fn playbooks_and_rules_report_what_the_planner_needs() {
    let run = check_one(
        "playbook rotate_certs(h: Host, grace: Duration) {\n  for s in services where s.host == h and s.tls {\n    issue_cert(s)\n    restart(s)\n  }\n}\n@allow(destructive)\nrule r { on health failed when failure.kind == stale_process do { kill_process(host, 1) retry } }",
    );
    assert!(run.diags.is_empty(), "{}", run.render());
    let p = &run.checked.playbooks[0];
    assert_eq!(
        p.params,
        [
            ("h".to_string(), "Host".to_string()),
            ("grace".to_string(), "Duration".to_string())
        ]
    );
    let r = &run.checked.rules[0];
    assert_eq!(
        (r.on.as_str(), r.destructive, r.learned),
        ("health", true, false)
    );
}

#[test]
fn an_expected_enum_wins_over_a_service_of_the_same_name() {
    let mut reg = registry();
    reg.services.push(crate::support::service(
        "docker",
        "pi1",
        portoser_registry::Engine::Local,
    ));
    let run = check_files(
        &reg,
        &[(
            "playbooks/t.pbk",
            "rule r { on deploy failed when service.engine == docker and service != docker do { retry } }",
        )],
        false,
    );
    assert!(run.diags.is_empty(), "{}", run.render());
}

#[test]
fn absent_values_are_bound_by_let_clauses_only() {
    // In a rule header a `let` binds the present value; in a body it stays optional.
    let ok = check_one(
        "@allow(destructive)\nrule r { on deploy failed let o = port_owner(host, 80) do { stop_process(host, o.pid) retry } }",
    );
    assert!(ok.diags.is_empty(), "{}", ok.render());
    let bad = check_one("playbook p() { let o = port_owner(pi1, 80) kill_process(pi1, o.pid) }");
    assert_eq!(bad.codes(), ["E0307"], "{}", bad.render());
    assert!(
        bad.diags[0]
            .help
            .as_deref()
            .unwrap_or("")
            .contains("let` clause")
    );
}

#[test]
fn all_problems_are_reported_at_once() {
    let run = check_one(
        "playbook p() { restart(apii) wait_healthy(web) log(1) }\nhook before pull of nope { retry }",
    );
    assert_eq!(
        run.codes(),
        ["E0301", "E0308", "E0307", "E0305", "E0325"],
        "{}",
        run.render()
    );
}
