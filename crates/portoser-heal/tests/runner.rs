//! The loop's bounds with a scripted node runner (the test bed tests, tests/e2e_heal.rs, run
//! the real thing): attempts per node, the circuit breaker per (service, host), the failure
//! that stands (with a note) when healing gives up, `--no-auto-heal` (no attempts), and both
//! bounds set by the registry's `defaults`.

use portoser_diag::{Diagnostics, FileId};
use portoser_exec::fake::FakeRunner;
use portoser_exec::{CancelToken, NodeFailure, NodeRunner};
use portoser_heal::{HealOptions, HealOutcome, Healer, Healing, Observer, Policy, World, rules};
use portoser_plan::{Action, Node, NodeKind};
use portoser_transport::{FakeTransport, Pool, Transport};
use std::sync::Arc;
use std::time::Duration;

/// A project rule that retries every failed command: it never fixes anything here.
const RETRY_ALWAYS: &str =
    "rule retry_it {\n  on any failed\n  when failure.kind == command_failed\n  do { retry }\n}\n";

fn healer(max_attempts: u32) -> Arc<Healer> {
    healer_with(HealOptions {
        max_attempts,
        breaker: 3,
    })
}

fn healer_with(options: HealOptions) -> Arc<Healer> {
    let mut d = Diagnostics::new();
    let file = portoser_syntax::parse_text(RETRY_ALWAYS, FileId(0), &mut d);
    assert!(!d.has_errors());
    let rules = rules::collect([("playbooks/retry.pbk", RETRY_ALWAYS, &file)]);
    let pool = Pool::from_transports(vec![(
        "h1".to_string(),
        Transport::Fake(FakeTransport::new("h1")),
    )]);
    let observer = Observer::new(pool, Arc::new(World::default()));
    Arc::new(Healer::new(observer, rules, Policy::default(), options))
}

fn node(id: &str) -> Node {
    Node {
        id: id.to_string(),
        service: Some("api".into()),
        host: "h1".into(),
        kind: NodeKind::Deploy,
        action: Action::Create,
        reasons: Vec::new(),
        depends_on: Vec::new(),
        steps: Vec::new(),
        diff: None,
    }
}

fn runs(fake: &FakeRunner, id: &str) -> usize {
    fake.calls().iter().filter(|c| c.node == id).count()
}

/// How often a node ran through the loop, how it failed in the end, and how many heals the
/// healer had recorded by then.
struct Ran {
    runs: usize,
    err: NodeFailure,
    records: usize,
}

/// Runs `api/deploy`, then `api/deploy-2` (both on h1, both failing whatever is done)
/// through the loop: the second meets what the first's failed heals left to the breaker.
async fn two_failing_nodes(h: &Arc<Healer>) -> (Ran, Ran) {
    let fake = Arc::new(
        FakeRunner::new(Duration::ZERO)
            .fail("api/deploy", Duration::ZERO, "exit 3")
            .fail("api/deploy-2", Duration::ZERO, "exit 3"),
    );
    let runner = Healing::new(Arc::clone(&fake), Arc::clone(h));
    let cancel = CancelToken::new();
    let mut ran = Vec::new();
    for id in ["api/deploy", "api/deploy-2"] {
        let err = runner.run(&node(id), &cancel).await.expect_err("failing");
        ran.push(Ran {
            runs: runs(&fake, id),
            err,
            records: h.records().len(),
        });
    }
    let second = ran.pop().expect("two");
    (ran.pop().expect("two"), second)
}

fn breaker_open(err: &NodeFailure) -> bool {
    err.notes.iter().any(|n| n.contains("circuit breaker open"))
}

#[tokio::test]
async fn attempts_are_bounded_per_node_and_the_breaker_opens_per_service_and_host() {
    let h = healer(2);
    let (first, second) = two_failing_nodes(&h).await;
    assert_eq!(first.runs, 3, "the first run and two retries");
    assert!(
        first
            .err
            .notes
            .iter()
            .any(|n| n.contains("gave up after 2 attempt(s)")),
        "{:?}",
        first.err
    );
    assert_eq!(first.records, 2);
    let records = &h.records()[..2];
    assert!(records.iter().all(|r| r.outcome == HealOutcome::Failed));
    assert_eq!(
        records.iter().map(|r| r.attempt).collect::<Vec<_>>(),
        [1, 2]
    );

    // A third failed heal of api on h1 opens the breaker; the next failure is not healed.
    assert_eq!(second.runs, 2, "one retry, then the breaker is open");
    assert!(breaker_open(&second.err), "{:?}", second.err);
    let outcomes: Vec<HealOutcome> = h.records().iter().map(|r| r.outcome).collect();
    assert_eq!(outcomes.last(), Some(&HealOutcome::BreakerOpen));
}

#[tokio::test]
async fn no_auto_heal_runs_the_node_once_and_records_nothing() {
    let fake = Arc::new(FakeRunner::new(Duration::ZERO).fail("api/deploy", Duration::ZERO, "x"));
    let h = healer(0);
    let runner = Healing::new(Arc::clone(&fake), Arc::clone(&h));
    let err = runner.run(&node("api/deploy"), &CancelToken::new()).await;
    assert!(err.is_err());
    assert_eq!(runs(&fake, "api/deploy"), 1);
    assert!(h.records().is_empty());
}

/// The registry's `defaults` (loaded from YAML, as a project's) as the loop's bounds.
fn options_of(defaults: &str) -> HealOptions {
    let text = format!("hosts:\n  h1: {{ip: 10.0.0.1}}\nservices: {{}}\n{defaults}");
    let mut map = portoser_diag::SourceMap::new();
    let id = map.add("registry.yml", text, portoser_diag::Origin::Project);
    let mut d = Diagnostics::new();
    let registry = portoser_registry::load(&map, id, &mut d).expect("registry");
    assert!(
        !d.has_errors(),
        "{:?}",
        d.iter().map(|x| &x.message).collect::<Vec<_>>()
    );
    HealOptions::from_registry(&registry.defaults)
}

#[tokio::test]
async fn the_registry_defaults_set_the_attempts_and_the_breaker() {
    let builtin = options_of("");
    assert_eq!((builtin.max_attempts, builtin.breaker), (2, 3));

    let options = options_of("defaults:\n  heal_attempts: 1\n  heal_breaker: 1\n");
    assert_eq!((options.max_attempts, options.breaker), (1, 1));
    let (first, second) = two_failing_nodes(&healer_with(options)).await;
    assert_eq!(first.runs, 2, "the first run and one retry");
    // One failed heal of api on h1 opens the breaker: the next failure is not healed.
    assert_eq!(second.runs, 1, "no retry: the breaker is open");
    assert!(breaker_open(&second.err), "{:?}", second.err);
}
