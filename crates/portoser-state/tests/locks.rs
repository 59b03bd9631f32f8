//! The apply lock: one holder at a time, across connections; released on drop; stale when
//! its process died or its lease ran out; broken only by token.

use portoser_state::{
    LockError, LockHolder, LockRequest, Staleness, StateDb, host_name, pid_alive,
};
use std::time::Duration;

fn db(dir: &tempfile::TempDir) -> StateDb {
    StateDb::open(&dir.path().join("state.db")).expect("open")
}

fn req<'a>(holder: &'a LockHolder, lease: Duration) -> LockRequest<'a> {
    LockRequest {
        holder,
        reason: "apply",
        plan_hash: "sha256:abc",
        lease,
    }
}

fn held(e: Result<portoser_state::LockGuard, LockError>) -> Box<portoser_state::LockHeld> {
    match e {
        Err(LockError::Held(h)) => h,
        Err(LockError::State(e)) => panic!("state error: {e}"),
        Ok(_) => panic!("acquired a lock that is held"),
    }
}

/// A pid that existed and is gone: a child that already exited and was reaped.
fn dead_pid() -> u32 {
    let mut child = std::process::Command::new("true").spawn().expect("spawn");
    let pid = child.id();
    child.wait().expect("wait");
    assert!(!pid_alive(pid), "the reaped child {pid} reads as alive");
    pid
}

#[test]
fn a_second_acquire_on_another_connection_is_refused_with_the_holder() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (a, b) = (db(&dir), db(&dir));
    let me = LockHolder::current();
    let guard = a
        .acquire_lock(&req(&me, Duration::from_secs(60)))
        .expect("first");
    let other = held(b.acquire_lock(&req(&me, Duration::from_secs(60))));
    assert_eq!(other.lock.holder, me);
    assert_eq!(other.lock.reason, "apply");
    assert_eq!(other.lock.plan_hash, "sha256:abc");
    assert_eq!(other.stale, None, "a live holder within its lease");
    assert_eq!(b.lock_status().expect("status"), Some(other.lock.clone()));

    drop(guard);
    assert_eq!(b.lock_status().expect("status"), None, "released on drop");
    let again = b.acquire_lock(&req(&me, Duration::from_secs(60)));
    assert!(again.is_ok(), "free again after release");
}

#[test]
fn racing_connections_get_exactly_one_lock() {
    let dir = tempfile::tempdir().expect("tempdir");
    drop(db(&dir)); // migrated once, before the race
    let path = dir.path().join("state.db");
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(8));
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let (path, barrier) = (path.clone(), barrier.clone());
            std::thread::spawn(move || {
                let db = StateDb::open(&path).expect("open");
                let me = LockHolder::current();
                barrier.wait();
                // Keep a winner's guard alive until every thread tried.
                let got = db.acquire_lock(&req(&me, Duration::from_secs(60)));
                let won = got.is_ok();
                if let Err(LockError::State(e)) = &got {
                    panic!("state error: {e}");
                }
                std::thread::sleep(Duration::from_millis(300));
                won
            })
        })
        .collect();
    let wins = handles
        .into_iter()
        .map(|h| h.join().expect("thread"))
        .filter(|w| *w)
        .count();
    assert_eq!(wins, 1);
}

#[test]
fn an_expired_lease_is_stale_and_renewal_keeps_it_fresh() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = db(&dir);
    let me = LockHolder::current();
    let guard = a
        .acquire_lock(&req(&me, Duration::from_millis(300)))
        .expect("lock");
    let renewer = guard.renewer();
    assert_eq!(renewer.interval(), Duration::from_millis(100));
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(renewer.renew(), Ok(true));
    std::thread::sleep(Duration::from_millis(200));
    let lock = a.lock_status().expect("status").expect("held");
    assert_eq!(lock.staleness(), None, "renewed 200ms ago, lease 300ms");

    std::thread::sleep(Duration::from_millis(300));
    let lock = a.lock_status().expect("status").expect("held");
    assert!(
        matches!(lock.staleness(), Some(Staleness::LeaseExpired { .. })),
        "{:?}",
        lock.staleness()
    );
    // Stale still holds: only a break removes it.
    let other = held(a.acquire_lock(&req(&me, Duration::from_secs(60))));
    assert!(matches!(other.stale, Some(Staleness::LeaseExpired { .. })));
    drop(guard);
}

#[test]
fn a_dead_holder_on_this_machine_is_stale_and_breaking_by_token_clears_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = db(&dir);
    let gone = LockHolder {
        pid: dead_pid(),
        ..LockHolder::current()
    };
    let guard = a
        .acquire_lock(&req(&gone, Duration::from_secs(600)))
        .expect("lock");
    // The crashed run never releases: forget the guard's Drop.
    std::mem::forget(guard);
    let lock = a.lock_status().expect("status").expect("held");
    assert_eq!(lock.staleness(), Some(Staleness::DeadProcess));
    assert_eq!(lock.holder.host, host_name());

    let me = LockHolder::current();
    let refused = a.acquire_lock_waiting(
        &req(&me, Duration::from_secs(60)),
        Duration::from_secs(30),
        Duration::from_millis(50),
    );
    let refused = held(refused);
    assert_eq!(refused.stale, Some(Staleness::DeadProcess), "no 30s wait");

    assert_eq!(a.break_lock("not-the-token"), Ok(false));
    assert_eq!(a.break_lock(&lock.token), Ok(true));
    assert_eq!(a.lock_status(), Ok(None));
    assert!(a.acquire_lock(&req(&me, Duration::from_secs(60))).is_ok());
}

#[test]
fn the_same_pid_on_another_machine_is_judged_by_its_lease_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = db(&dir);
    let remote = LockHolder {
        host: "some-other-machine".into(),
        pid: dead_pid(),
        user: "ci".into(),
    };
    let _guard = a
        .acquire_lock(&req(&remote, Duration::from_secs(60)))
        .expect("lock");
    let lock = a.lock_status().expect("status").expect("held");
    assert_eq!(lock.staleness(), None);
    let later = lock.lease_until_ms + 5_000;
    assert_eq!(
        lock.staleness_at(&host_name(), later, |_| false),
        Some(Staleness::LeaseExpired { ago_ms: 5_000 })
    );
}

#[test]
fn waiting_gets_the_lock_once_the_holder_releases() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (a, b) = (db(&dir), db(&dir));
    let me = LockHolder::current();
    let guard = a
        .acquire_lock(&req(&me, Duration::from_secs(60)))
        .expect("lock");
    let releaser = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        guard.release().expect("release");
    });
    let started = std::time::Instant::now();
    let got = b.acquire_lock_waiting(
        &req(&me, Duration::from_secs(60)),
        Duration::from_secs(5),
        Duration::from_millis(50),
    );
    assert!(got.is_ok(), "waited for the release");
    assert!(started.elapsed() >= Duration::from_millis(250));
    releaser.join().expect("thread");
    // Without waiting, a held lock is refused at once.
    let refused = a.acquire_lock_waiting(
        &req(&me, Duration::from_secs(60)),
        Duration::ZERO,
        Duration::from_millis(50),
    );
    held(refused);
}

#[test]
fn a_broken_lock_is_no_longer_renewed_by_its_old_holder() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = db(&dir);
    let me = LockHolder::current();
    let guard = a
        .acquire_lock(&req(&me, Duration::from_secs(60)))
        .expect("lock");
    assert_eq!(a.break_lock(guard.renewer().token()), Ok(true));
    assert_eq!(
        guard.renewer().renew(),
        Ok(false),
        "the holder learns it lost it"
    );
    let _new = a
        .acquire_lock(&req(&me, Duration::from_secs(60)))
        .expect("free");
    drop(guard); // releases nothing: the new lock has another token
    assert!(a.lock_status().expect("status").is_some());
}
