//! Typed hook steps (names resolved against the registry at check time) and project
//! `engine` blocks: sections, policy, evaluation per service, and their errors.

use crate::support::{check_files, host, registry_of, service};
use portoser_check::{Step, Value};
use portoser_registry::{Engine, EngineName, Registry};

fn custom(name: &str) -> Engine {
    EngineName::new(name)
        .map(Engine::Custom)
        .unwrap_or(Engine::Docker)
}

/// pi1 (path /srv), pi2; api (local on pi1, port 8000), web (binary on pi2, port 8000),
/// nop (binary on pi2, no port).
fn reg() -> Registry {
    let mut pi1 = host("pi1");
    pi1.path = Some(portoser_diag::Spanned::new(
        "/srv".into(),
        Default::default(),
    ));
    let mut nop = service("nop", "pi2", custom("binary"));
    nop.port = None;
    registry_of(
        vec![pi1, host("pi2")],
        vec![
            service("api", "pi1", Engine::Local),
            service("web", "pi2", custom("binary")),
            nop,
        ],
    )
}

const ENGINE: &str = r#"
engine binary {
  deploy {
    run on host: "./serve --name " + service.name + " --port " + service.port timeout 30s
    log("deployed " + service.name)
  }
  stop { run on host: "pkill -f 'serve --name " + service.name + "'" }
  status { run on host: "pgrep -f " + service.name }
}
"#;

#[test]
fn hook_steps_are_typed_and_resolved() {
    let hook = r#"
allow shell for api
hook after deploy of api {
  run on api.host: "echo '$(rm -rf /)'; true" timeout 2m
  wait_healthy(service, timeout: 60s)
  for s in services where s.host == pi1 { restart(s) }
  if host.path == "/srv" { log("on " + host.name) } else { fail("nope") }
  notify("done")
}
"#;
    let mut r = reg();
    r.services.retain(|s| s.name.value == "api");
    let run = check_files(&r, &[("playbooks/a.pbk", hook)], false);
    assert!(run.diags.is_empty(), "{}", run.render());
    let typed = &run.checked.hooks[0].typed;
    let action = |name: &str, service: Option<&str>, args: Vec<(&str, Value)>| Step::Action {
        name: name.into(),
        service: service.map(Into::into),
        args: args.into_iter().map(|(n, v)| (n.to_string(), v)).collect(),
    };
    assert_eq!(
        typed,
        &vec![
            Step::Run {
                host: "pi1".into(),
                command: "echo '$(rm -rf /)'; true".into(),
                timeout_ms: Some(120_000),
            },
            action(
                "wait_healthy",
                Some("api"),
                vec![("timeout", Value::Duration(60_000))]
            ),
            action("restart", Some("api"), vec![]),
            action("log", None, vec![("msg", Value::Str("on pi1".into()))]),
            action("notify", None, vec![("msg", Value::Str("done".into()))]),
        ]
    );
}

#[test]
fn a_fact_in_a_hook_is_left_for_run_time() {
    let hook = "hook after deploy of api { if api.healthy { log(\"x\") } }";
    let mut r = reg();
    r.services.retain(|s| s.name.value != "nop");
    let run = check_files(
        &r,
        &[("playbooks/a.pbk", hook), ("playbooks/e.pbk", ENGINE)],
        false,
    );
    assert!(
        run.diags.iter().all(|d| d.code != "E0333"),
        "{}",
        run.render()
    );
    assert!(matches!(
        run.checked.hooks[0].typed.as_slice(),
        [Step::Unsupported { why, .. }] if why.contains("healthy")
    ));
}

#[test]
fn an_engine_is_evaluated_for_each_service_that_uses_it() {
    let mut r = reg();
    r.services.retain(|s| s.name.value != "nop");
    let run = check_files(&r, &[("playbooks/e.pbk", ENGINE)], false);
    assert!(run.diags.is_empty(), "{}", run.render());
    let engine = &run.checked.engines[0];
    assert_eq!(engine.name, "binary");
    let web = engine.steps_for("web").expect("web uses binary");
    assert_eq!(
        web.deploy[0],
        Step::Run {
            host: "pi2".into(),
            command: "./serve --name web --port 8000".into(),
            timeout_ms: Some(30_000),
        }
    );
    assert_eq!(web.start, None);
    assert_eq!(
        web.stop,
        vec![Step::Run {
            host: "pi2".into(),
            command: "pkill -f 'serve --name web'".into(),
            timeout_ms: None,
        }]
    );
    assert!(engine.steps_for("api").is_none());
}

#[test]
fn engine_errors_are_located() {
    let cases: &[(&str, &str, &str)] = &[
        // nop has no port: the deploy step cannot be built for it.
        ("E0333", ENGINE, "service.port"),
        ("E0331", "", ""),
        (
            "E0332",
            "engine binary { deploy { log(\"x\") } stop { log(\"x\") } }",
            "binary",
        ),
        (
            "E0332",
            "engine binary { deploy {} stop {} status {} restrat {} }",
            "restrat",
        ),
        (
            "E0332",
            "engine binary { deploy { run on pi1: \"x\" } stop {} status {} }",
            "pi1",
        ),
        (
            "E0325",
            "engine binary { deploy { restart(service) } stop {} status {} }",
            "restart",
        ),
        (
            "E0332",
            "engine docker { deploy {} stop {} status {} }",
            "docker",
        ),
        (
            "E0319",
            "engine binary { deploy {} stop {} status {} }\nengine binary { deploy {} stop {} status {} }",
            "binary",
        ),
    ];
    for (code, text, at) in cases {
        let run = check_files(&reg(), &[("playbooks/e.pbk", text)], false);
        assert!(
            run.codes().contains(code),
            "{code} for {text}:\n{}",
            run.render()
        );
        if !at.is_empty() {
            assert_eq!(&run.at(code), at, "{code}:\n{}", run.render());
        }
    }
}

#[test]
fn engine_runs_need_no_allow_shell_but_never_in_the_stdlib() {
    let mut r = reg();
    r.services.retain(|s| s.name.value != "nop");
    let run = check_files(&r, &[("playbooks/e.pbk", ENGINE)], false);
    assert!(!run.codes().contains(&"E0316"), "{}", run.render());
    let learned = check_files(&r, &[("playbooks/learned/e.pbk", ENGINE)], false);
    assert!(learned.codes().contains(&"E0317"), "{}", learned.render());
}

#[test]
fn hooks_on_project_engine_services_have_the_common_events() {
    let mut r = reg();
    r.services.retain(|s| s.name.value != "nop");
    let ok = "hook after deploy of web { log(\"x\") }\nhook before stop of web { log(\"y\") }";
    let run = check_files(
        &r,
        &[("playbooks/e.pbk", ENGINE), ("playbooks/h.pbk", ok)],
        false,
    );
    assert!(run.diags.is_empty(), "{}", run.render());
    let bad = "hook before pull of web { log(\"x\") }";
    let run = check_files(
        &r,
        &[("playbooks/e.pbk", ENGINE), ("playbooks/h.pbk", bad)],
        false,
    );
    assert_eq!(run.codes(), ["E0306"], "{}", run.render());
}

#[test]
fn nested_loops_are_bounded() {
    let mut services = Vec::new();
    for i in 0..400 {
        services.push(service(&format!("s{i}"), "pi1", Engine::Local));
    }
    let r = registry_of(vec![host("pi1")], services);
    let hook = "hook after deploy of s0 { for a in services { for b in services { for c in services { log(\"x\") } } } }";
    let start = std::time::Instant::now();
    let run = check_files(&r, &[("playbooks/a.pbk", hook)], false);
    assert!(start.elapsed().as_secs() < 30, "{:?}", start.elapsed());
    assert!(run.diags.is_empty(), "{}", run.render());
    assert!(
        run.checked.hooks[0]
            .typed
            .iter()
            .any(|s| matches!(s, Step::Unsupported { why, .. } if why.contains("too long"))),
    );
}
