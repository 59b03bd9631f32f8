//! Rendered diagnostics of a few files with several mistakes, reviewed as text.

use crate::support::check_one;

#[test]
fn a_rule_with_several_mistakes() {
    let run = check_one(
        r#"rule port_conflict {
  on deploy failed
  when failure.kind == port_in_use
  when failure.kind == docker_down
  let owner = port_owner(host, service.prt)
  do {
    stop_process(host, owner.pid, grace: "10s")
    prune_docker(host, volumes: true)
    log("token " + secret(service, "db"))
  }
}
"#,
    );
    insta::assert_snapshot!(run.render());
}

#[test]
fn a_hook_and_a_playbook_with_several_mistakes() {
    let run = check_one(
        r#"hook after pull of api {
  run on api.host: "uv run alembic upgrade head" timeout 2m
  wait_healthy(apii, timeout: 60)
}

playbook rotate(h: Hots, s: Service) {
  restart(s, s)
  for x in s { issue_cert(x) }
  retry
}
"#,
    );
    insta::assert_snapshot!(run.render());
}
