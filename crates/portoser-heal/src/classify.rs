//! Sharpen a node failure's kind for the rules: the engine's words first (`address already
//! in use`; for a local service's failed health gate, the newest lines of its log), then — for a failure the words do not explain (a health timeout, a command
//! that failed) — what the host shows now: a foreign process on the service's port, a
//! dependency that is not healthy, a pid file naming a dead process.

use crate::facts::FactCall;
use crate::observe::Observer;
use crate::value::Value;
use portoser_exec::{FailureKind, NodeFailure};

/// A filesystem this full is full: the next write of any size may fail.
const FULL: u8 = 98;

/// The `FailureKind` variant name of the language for `failure`.
pub async fn classify(f: &NodeFailure, service: &str, observer: &Observer) -> String {
    let mut words = format!("{}\n{}", f.message, f.notes.join("\n")).to_ascii_lowercase();
    if f.kind == FailureKind::Unhealthy {
        // A local service's own words are in its log: why it keeps exiting.
        words.push_str(&log_tail(service, observer).await.to_ascii_lowercase());
    }
    if words.contains("address already in use") || words.contains("port is already allocated") {
        // Held by a crashed instance of this very service, or by someone else?
        if observer.stale_instance(service).await != Value::Absent {
            return "stale_process".into();
        }
        return "port_in_use".into();
    }
    let base = f.kind.as_str();
    if !matches!(f.kind, FailureKind::Unhealthy | FailureKind::CommandFailed) {
        return base.into();
    }
    match FailureKind::from_output(&words) {
        FailureKind::CommandFailed => {}
        other => return other.as_str().into(),
    }
    let Some(info) = observer.world.service(service).cloned() else {
        return base.into();
    };
    // A full filesystem under the deploy directory: writes fail with words that do not
    // always say so (`echo: I/O error`).
    let df = FactCall::new(
        "disk_used",
        &[
            Value::Host(info.host.clone()),
            Value::Str(info.deploy_dir.clone()),
        ],
    );
    if let Value::Percent(used) = observer.observe(&df).await
        && used >= FULL
    {
        return "disk_full".into();
    }
    if let Some(port) = info.port
        && let Value::Process(p) = observer
            .observe(&FactCall::new(
                "port_owner",
                &[Value::Host(info.host.clone()), Value::Int(i64::from(port))],
            ))
            .await
        && p.service.as_deref() != Some(service)
    {
        let own_dir = info.deploy_dir.trim_end_matches('/');
        if !p.cwd.is_empty() && p.cwd.trim_end_matches('/') == own_dir {
            // This service's code, unsupervised: a crashed instance's leftover.
            return "stale_process".into();
        }
        return "port_in_use".into();
    }
    for dep in &info.dependencies {
        if !observer.healthy(dep).await {
            return "dependency_unhealthy".into();
        }
    }
    if let Value::Int(pid) = observer.pid_file(service).await {
        let alive = portoser_transport::Cmd::new("test")
            .arg("-d")
            .arg(format!("/proc/{pid}"));
        let alive = observer
            .stdout(&info.host, portoser_transport::Script::from(alive))
            .await
            .is_some();
        if !alive {
            return "stale_process".into();
        }
    }
    base.into()
}

/// The last lines of a local service's log (empty for other engines): a crash loop repeats
/// its reason there, so the newest lines are the current reason.
async fn log_tail(service: &str, observer: &Observer) -> String {
    let Some(spec) = observer.spec(service) else {
        return String::new();
    };
    if spec.engine != portoser_registry::Engine::Local {
        return String::new();
    }
    let tail = portoser_transport::Cmd::new("tail")
        .args(["-n", "6", "--"])
        .arg(spec.log_file());
    observer
        .stdout(&spec.host, portoser_transport::Script::from(tail))
        .await
        .unwrap_or_default()
}
