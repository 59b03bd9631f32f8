//! E0350: `secret(SERVICE, "NAME")` against the service's declared `secrets:`. In the test
//! registry `api` declares `DB_PASSWORD` and `API_KEY`; `worker` declares none.

use crate::support::{Run, check_one};

fn only_e0350(run: &Run) -> &portoser_diag::Diagnostic {
    assert_eq!(run.codes(), ["E0350"], "{}", run.render());
    &run.diags[0]
}

#[test]
fn declared_names_pass() {
    for source in [
        r#"playbook p() { let _db = secret(api, "DB_PASSWORD") }"#,
        r#"playbook p() { let _k = secret(name: "API_KEY", service: (api)) }"#,
        r#"hook after deploy of api { let _db = secret(service, "DB_PASSWORD") }"#,
    ] {
        let run = check_one(source);
        assert!(run.diags.is_empty(), "{source}:\n{}", run.render());
    }
}

#[test]
fn a_misspelled_name_is_located_and_suggests_the_declared_one() {
    let run = check_one(r#"playbook p() { let _db = secret(api, "DB_PASWORD") }"#);
    let d = only_e0350(&run);
    assert_eq!(run.at("E0350"), r#""DB_PASWORD""#);
    assert_eq!(d.message, "`api` declares no secret `DB_PASWORD`");
    assert!(
        d.help.as_deref() == Some("did you mean `DB_PASSWORD`?"),
        "{}",
        run.render()
    );
    assert!(
        d.notes
            .iter()
            .any(|n| n == "`api` declares: `DB_PASSWORD`, `API_KEY`"),
        "{}",
        run.render()
    );
}

#[test]
fn a_name_far_from_every_declared_one_says_where_to_declare_it() {
    let run = check_one(r#"playbook p() { let _t = secret(api, "SMTP_TOKEN") }"#);
    let d = only_e0350(&run);
    assert!(
        d.help
            .as_deref()
            .is_some_and(|h| h.contains("add `SMTP_TOKEN: path#key` to the `secrets:` of `api`")),
        "{}",
        run.render()
    );
}

#[test]
fn a_service_without_secrets_gets_the_add_hint() {
    let run = check_one(r#"hook after deploy of worker { let _t = secret(service, "TOKEN") }"#);
    let d = only_e0350(&run);
    assert_eq!(run.at("E0350"), r#""TOKEN""#);
    let help = d.help.clone().unwrap_or_default();
    assert!(
        help.contains("add `secrets: {TOKEN: path#key}` to `worker` in registry.yml")
            && help.contains("portoser vault migrate worker"),
        "{}",
        run.render()
    );
}

#[test]
fn a_service_not_known_at_check_time_is_not_reported() {
    for source in [
        // A parameter, a loop variable, a rule's `service`: any service.
        r#"playbook p(s: Service) { let _x = secret(s, "NOPE") }"#,
        r#"playbook p() { for s in services { let _x = secret(s, "NOPE") } }"#,
        r#"rule r { on deploy failed do { let _x = secret(service, "NOPE") retry } }"#,
        // A parameter named like a registry service hides the service.
        r#"playbook p(api: Service) { let _x = secret(api, "NOPE") }"#,
        // The name is not a literal.
        r#"playbook p(n: Str) { let _x = secret(api, n) }"#,
    ] {
        let run = check_one(source);
        assert!(
            !run.codes().contains(&"E0350"),
            "{source}:\n{}",
            run.render()
        );
    }
}

#[test]
fn a_secret_that_would_also_be_revealed_reports_both() {
    // Two mistakes, two codes: the undeclared name and the reveal.
    let run = check_one(r#"playbook p() { log(secret(worker, "TOKEN")) }"#);
    assert_eq!(run.codes(), ["E0313", "E0350"], "{}", run.render());
}
