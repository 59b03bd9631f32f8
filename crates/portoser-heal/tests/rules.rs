//! The pure core: the stdlib rules against hand-made facts (which rule matches, what it
//! needs observed, that the service's own instance is never a port conflict), and a learned
//! rule's text: it parses, formats, and carries its counters.

use portoser_diag::{Diagnostics, FileId};
use portoser_heal::diagnose::{Standing, standing};
use portoser_heal::facts::{FactCall, Facts};
use portoser_heal::world::{Failure, HostInfo, ServiceInfo, World};
use portoser_heal::{Process, Rule, Value, learn, rules};

fn stdlib() -> Vec<Rule> {
    let parsed: Vec<(String, String, portoser_syntax::ast::File)> = portoser_check::stdlib::FILES
        .iter()
        .enumerate()
        .map(|(i, (name, text))| {
            let mut d = Diagnostics::new();
            let f = portoser_syntax::parse_text(text, FileId(i as u32), &mut d);
            assert!(!d.has_errors(), "{name} parses");
            (name.to_string(), text.to_string(), f)
        })
        .collect();
    rules::collect(parsed.iter().map(|(n, t, f)| (n.as_str(), t.as_str(), f)))
}

fn world() -> World {
    let mut w = World::default();
    w.hosts.insert(
        "h1".into(),
        HostInfo {
            name: "h1".into(),
            ip: "10.0.0.1".into(),
            user: "deploy".into(),
            path: "/srv".into(),
            arch: String::new(),
            docker_start: None,
        },
    );
    w.services.insert(
        "api".into(),
        ServiceInfo {
            name: "api".into(),
            host: "h1".into(),
            port: Some(8000),
            engine: "local".into(),
            deploy_dir: "/srv/api".into(),
            run_dir: "/srv/.portoser/run/api".into(),
            base_dir: "/srv".into(),
            ..ServiceInfo::default()
        },
    );
    w
}

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

#[test]
fn the_failure_kind_gates_rules_before_any_fact_is_needed() {
    let rules = stdlib();
    let w = world();
    let facts = Facts::default();
    for r in &rules {
        let s = standing(r, &w, &failure("ssh_auth"), "api", &facts);
        if r.name == "ssh_auth" {
            assert!(
                matches!(s, Standing::Matched(_)),
                "ssh_auth matches at once"
            );
        } else if r.name != "disk_pressure" {
            assert!(
                matches!(s, Standing::NoMatch),
                "{} must not match ssh_auth",
                r.name
            );
        }
    }
    // disk_pressure: `disk_full or disk_used(..) > 90%`: the fact only when the kind differs.
    let dp = rule(&rules, "disk_pressure");
    assert!(matches!(
        standing(dp, &w, &failure("disk_full"), "api", &facts),
        Standing::Matched(_)
    ));
    let mut facts = Facts::default();
    let used = FactCall::new(
        "disk_used",
        &[Value::Host("h1".into()), Value::Str("/srv/api".into())],
    );
    assert!(
        matches!(standing(dp, &w, &failure("command_failed"), "api", &facts), Standing::Needs(c) if c == used)
    );
    facts.insert(used, Value::Percent(95));
    assert!(matches!(
        standing(dp, &w, &failure("command_failed"), "api", &facts),
        Standing::Matched(_)
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
