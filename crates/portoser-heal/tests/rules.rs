//! The pure core: the stdlib rules against hand-made facts (which rule matches, what it
//! needs observed, that the service's own instance is never a port conflict), and a learned
//! rule's text: it parses, formats, and carries its counters.

mod common;

use common::*;
use portoser_diag::{Diagnostics, FileId};
use portoser_heal::diagnose::{Standing, standing};
use portoser_heal::facts::{FactCall, Facts};
use portoser_heal::world::Failure;
use portoser_heal::{Process, Rule, Value, learn, rules};

fn failure(kind: &str) -> Failure {
    Failure {
        kind: kind.into(),
        message: "boom".into(),
        exit_status: None,
        step: "api/health".into(),
        event: "health".into(),
    }
}

fn rule<'r>(rules: &'r [Rule], name: &str) -> &'r Rule {
    rules.iter().find(|r| r.name == name).expect("rule")
}

fn owner(service: Option<&str>) -> Value {
    Value::Process(Process {
        pid: 812,
        name: "python3".into(),
        command: "python3 -m http.server 8000".into(),
        user: "deploy".into(),
        service: service.map(str::to_string),
        cwd: String::new(),
    })
}

#[test]
fn port_conflict_needs_the_owner_and_spares_the_services_own_instance() {
    let rules = stdlib();
    let w = world();
    let f = failure("port_in_use");
    let pc = rule(&rules, "port_conflict");
    let mut facts = Facts::default();
    let call = FactCall::new("port_owner", &[Value::Host("h1".into()), Value::Int(8000)]);
    assert!(matches!(standing(pc, &w, &f, "api", &facts), Standing::Needs(c) if c == call));

    facts.insert(call.clone(), owner(None));
    let Standing::Matched(bindings) = standing(pc, &w, &f, "api", &facts) else {
        panic!("a foreign owner is a conflict");
    };
    assert_eq!(bindings[0].0, "owner");

    facts.insert(call.clone(), owner(Some("api")));
    assert!(
        matches!(standing(pc, &w, &f, "api", &facts), Standing::NoMatch),
        "the service's own instance is never a conflict"
    );
    facts.insert(call, Value::Absent);
    assert!(matches!(
        standing(pc, &w, &f, "api", &facts),
        Standing::NoMatch
    ));
}

/// Every failure kind the classifier can give, and the stdlib rule(s) made for it.
const KINDS: &[(&str, &[&str])] = &[
    ("port_in_use", &["port_conflict"]),
    ("stale_process", &["stale_process", "stale_instance"]),
    ("docker_down", &["docker_down"]),
    ("disk_full", &["disk_pressure"]),
    ("dependency_unhealthy", &["dependency_unhealthy"]),
    ("permission_denied", &["ssh_permission"]),
    ("ssh_auth", &["ssh_auth"]),
    ("ssh_host_key", &["ssh_host_key"]),
    ("ssh_unreachable", &[]),
    ("compose_missing", &[]),
    ("health_timeout", &[]),
    ("command_failed", &[]),
    ("unknown", &[]),
];

#[test]
fn the_failure_kind_gates_every_stdlib_rule_before_any_fact_is_needed() {
    // Whatever the hosts look like (a CI disk at 94%, a docker daemon down on a host
    // without docker services), a rule made for another kind of failure is out at once:
    // it neither matches nor asks for a fact.
    let rules = stdlib();
    let facts = Facts::default();
    for (kind, made_for) in KINDS {
        let mut w = world();
        if *kind == "docker_down" {
            // docker_down is for docker services only.
            w.services.get_mut("api").expect("api").engine = "docker".into();
        }
        for r in &rules {
            let s = standing(r, &w, &failure(kind), "api", &facts);
            if made_for.contains(&r.name.as_str()) {
                assert!(
                    !matches!(s, Standing::NoMatch | Standing::Broken(_)),
                    "{} is made for {kind}",
                    r.name
                );
            } else {
                assert!(
                    matches!(s, Standing::NoMatch),
                    "{} must not consider a {kind} failure",
                    r.name
                );
            }
        }
    }
}

#[test]
fn disk_pressure_needs_a_full_disk_failure_and_a_disk_above_ninety_percent() {
    let rules = stdlib();
    let w = world();
    let dp = rule(&rules, "disk_pressure");
    let used = FactCall::new(
        "disk_used",
        &[Value::Host("h1".into()), Value::Str("/srv/api".into())],
    );
    let mut facts = Facts::default();
    assert!(
        matches!(standing(dp, &w, &failure("disk_full"), "api", &facts), Standing::Needs(c) if c == used)
    );
    facts.insert(used.clone(), Value::Percent(95));
    assert!(matches!(
        standing(dp, &w, &failure("disk_full"), "api", &facts),
        Standing::Matched(_)
    ));
    // A nearly full disk is no diagnosis for another failure (the CI machine's disk was at
    // 94% when this rule, then `disk_full or > 90%`, took a port conflict for itself).
    for kind in ["port_in_use", "command_failed", "health_timeout"] {
        assert!(
            matches!(
                standing(dp, &w, &failure(kind), "api", &facts),
                Standing::NoMatch
            ),
            "{kind} on a 95% disk"
        );
    }
    // `No space left on device` on a disk with room (a quota): pruning would not help.
    facts.insert(used, Value::Percent(60));
    assert!(matches!(
        standing(dp, &w, &failure("disk_full"), "api", &facts),
        Standing::NoMatch
    ));
}

#[test]
fn a_learned_rule_is_specialised_formatted_counted_and_disabled_when_it_keeps_failing() {
    let rules = stdlib();
    let from = rule(&rules, "port_conflict");
    let text = learn::new_rule(from, "api", "h1", "abc123", "2026-11-27T08:00:00Z", true);
    let formatted = portoser_syntax::format(&text, FileId(0)).expect("formats");
    let mut d = Diagnostics::new();
    let file = portoser_syntax::parse_text(&formatted, FileId(0), &mut d);
    assert!(!d.has_errors());
    let learned = rules::collect([(
        "playbooks/learned/port_conflict__api.pbk",
        formatted.as_str(),
        &file,
    )]);
    let l = &learned[0];
    assert_eq!(l.name, "port_conflict__api");
    assert_eq!(l.origin, portoser_heal::Origin::Learned);
    assert!(l.destructive);
    let rec = l.learned.clone().expect("record");
    assert_eq!((rec.seen, rec.fixed, rec.failed), (1, 1, 0));

    // Matches api on h1 only.
    let w = world();
    let mut facts = Facts::default();
    let call = FactCall::new("port_owner", &[Value::Host("h1".into()), Value::Int(8000)]);
    facts.insert(call, owner(None));
    assert!(matches!(
        standing(l, &w, &failure("port_in_use"), "api", &facts),
        Standing::Matched(_)
    ));

    // Three failures in a row disable it, in its file.
    let mut current = l.clone();
    for _ in 0..3 {
        let t = learn::updated(&current, "abc123", "2026-11-27T09:00:00Z", false);
        let t = portoser_syntax::format(&t, FileId(0)).expect("formats");
        let f = portoser_syntax::parse_text(&t, FileId(0), &mut d);
        current = rules::collect([("playbooks/learned/x.pbk", t.as_str(), &f)]).remove(0);
    }
    let rec = current.learned.clone().expect("record");
    assert_eq!((rec.seen, rec.fixed, rec.failed), (4, 1, 3));
    assert!(
        current
            .disabled
            .as_deref()
            .unwrap_or("")
            .contains("failed 3 of 4")
    );
}

#[test]
fn a_learned_rule_knows_its_failure_kind_for_preflight() {
    let rules = stdlib();
    for (name, kind) in [
        ("port_conflict", "port_in_use"),
        ("disk_pressure", "disk_full"),
        ("docker_down", "docker_down"),
    ] {
        let from = rule(&rules, name);
        let text = learn::new_rule(from, "api", "h1", "f", "2026-11-27T08:00:00Z", true);
        let mut d = Diagnostics::new();
        let file = portoser_syntax::parse_text(&text, FileId(0), &mut d);
        let l = rules::collect([("playbooks/learned/x.pbk", text.as_str(), &file)]).remove(0);
        assert_eq!(
            portoser_heal::preflight::learned_kind(&l).as_deref(),
            Some(kind)
        );
    }
}
