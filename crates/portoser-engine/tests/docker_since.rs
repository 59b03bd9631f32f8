//! `status` of a docker service says since when: compose's `ps` has no start time, so the
//! engine asks `docker inspect` (Fake transport here; docker_real.rs checks a real daemon).

mod common;

use common::spec;
use portoser_engine::docker::{container_ids, epoch_seconds, parse_since};
use portoser_engine::{Engine, State};
use portoser_transport::{ExecOutput, FakeTransport, Transport};

const REGISTRY: &str = r#"
hosts:
  h:
    ip: 10.0.0.1
    path: /srv/p
services:
  api:
    current_host: h
    deployment_type: docker
    docker_compose: api/compose.yml
"#;

const PS: &str = r#"{"ID":"0123abcd","Name":"portoser-api-api-1","State":"running","Health":"","Status":"Up 3 minutes","CreatedAt":"2026-11-03 05:00:00 +0000 UTC"}
{"ID":"4567ef01","Name":"portoser-api-db-1","State":"running","Health":"healthy","Status":"Up 4 minutes (healthy)"}
"#;

#[test]
fn rfc3339_times_become_epoch_seconds() {
    assert_eq!(
        epoch_seconds("2026-11-03T05:12:01.123456789Z"),
        Some(1_793_682_721)
    );
    assert_eq!(
        epoch_seconds("2026-11-03T07:12:01+02:00"),
        Some(1_793_682_721)
    );
    assert_eq!(epoch_seconds("2024-02-29T23:59:59Z"), Some(1_709_251_199));
    assert_eq!(
        epoch_seconds("0001-01-01T00:00:00Z"),
        None,
        "docker's zero time"
    );
    for bad in [
        "",
        "yesterday",
        "2026-13-01T00:00:00Z",
        "2026-11-03 05:12:01Z",
    ] {
        assert_eq!(epoch_seconds(bad), None, "{bad}");
    }
}

#[test]
fn since_is_the_latest_start_or_for_a_stopped_service_the_latest_finish() {
    let inspect = "2026-11-03T05:12:01.5Z 0001-01-01T00:00:00Z\n\
                   2026-11-03T05:10:00Z 2026-11-03T06:00:00Z\n";
    assert_eq!(parse_since(inspect, false).as_deref(), Some("1793682721"));
    assert_eq!(parse_since(inspect, true).as_deref(), Some("1793685600"));
    assert_eq!(parse_since("", false), None);
    assert_eq!(
        parse_since("0001-01-01T00:00:00Z 0001-01-01T00:00:00Z", false),
        None
    );
}

#[test]
fn container_ids_from_lines_and_arrays() {
    assert_eq!(container_ids(PS), ["0123abcd", "4567ef01"]);
    assert_eq!(
        container_ids(r#"[{"Name":"only-a-name"},{"ID":""}]"#),
        ["only-a-name"]
    );
    assert!(container_ids("").is_empty());
}

#[tokio::test]
async fn status_asks_docker_inspect_for_the_start_time() {
    let s = spec(REGISTRY, "api");
    let fake = FakeTransport::new("h");
    fake.on("'ps' '--all'", Ok(ExecOutput::ok(PS)));
    fake.on(
        "'inspect'",
        Ok(ExecOutput::ok(
            "2026-11-03T05:12:01.1Z 0001-01-01T00:00:00Z\n2026-11-03T05:11:00Z 0001-01-01T00:00:00Z\n",
        )),
    );
    let t = Transport::Fake(fake.clone());
    let status = Engine::for_spec(&s).status(&t, &s).await.expect("status");
    assert_eq!(status.state, State::Running);
    assert_eq!(status.since.as_deref(), Some("1793682721"));
    assert_eq!(
        fake.scripts().last().map(String::as_str),
        Some(
            "( 'docker' 'inspect' '--format' '{{.State.StartedAt}} {{.State.FinishedAt}}' '--' '0123abcd' '4567ef01' )"
        )
    );

    // inspect failing (a container removed in between) leaves since unknown, not an error.
    fake.on(
        "'inspect'",
        Ok(ExecOutput::failed(1, "Error: No such object")),
    );
    let status = Engine::for_spec(&s).status(&t, &s).await.expect("status");
    assert_eq!((status.state, status.since), (State::Running, None));

    // No containers: nothing to inspect.
    fake.on("'ps' '--all'", Ok(ExecOutput::ok("")));
    let before = fake.scripts().len();
    let status = Engine::for_spec(&s).status(&t, &s).await.expect("status");
    assert_eq!((status.state, status.since), (State::Stopped, None));
    assert_eq!(fake.scripts().len(), before + 1, "only ps ran");
}
