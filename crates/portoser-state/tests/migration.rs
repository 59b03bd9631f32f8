//! Schema version 2 (a `status` per service): a version-1 database written by the code
//! before it (tests/fixtures/state-v1.db, `api` applied on pi1, serial 1, one run) still
//! reads, read-only as it is, and migrates in place when opened for writing.

use portoser_plan::{AppliedStatus, config_hash};
use portoser_state::StateDb;
use std::path::PathBuf;

fn v1_copy(dir: &tempfile::TempDir) -> PathBuf {
    let fixture = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/state-v1.db");
    let path = dir.path().join("state.db");
    std::fs::copy(&fixture, &path).expect("copy the v1 fixture");
    path
}

fn user_version(path: &std::path::Path) -> i64 {
    let conn = rusqlite::Connection::open(path).expect("sqlite");
    conn.pragma_query_value(None, "user_version", |r| r.get(0))
        .expect("user_version")
}

#[test]
fn a_version_1_database_reads_read_only_without_being_changed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = v1_copy(&dir);
    let before = std::fs::read(&path).expect("read");
    let ro = StateDb::open_read_only(&path)
        .expect("a v1 database opens read-only")
        .expect("exists");
    let rec = ro.recorded().expect("recorded");
    assert_eq!(rec.serial, 1);
    let api = rec.services.get("api").expect("api recorded");
    assert_eq!(api.host, "pi1");
    assert_eq!(api.status, AppliedStatus::Applied);
    assert_eq!(api.previous_host, None);
    assert_eq!(api.config_hash, config_hash(&api.config));
    assert!(
        ro.run(1).expect("run").is_some(),
        "the v1 run history reads"
    );
    drop(ro);
    assert_eq!(std::fs::read(&path).expect("read"), before, "untouched");
    assert_eq!(user_version(&path), 1);
}

#[test]
fn a_version_1_database_migrates_and_records_a_deployed_service() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = v1_copy(&dir);
    let mut db = StateDb::open(&path).expect("open migrates");
    assert_eq!(user_version(&path), 5);
    let rec = db.recorded().expect("recorded");
    assert_eq!(rec.serial, 1, "the serial survives");
    let mut api = rec.services.get("api").expect("api kept").clone();
    assert_eq!(api.status, AppliedStatus::Applied, "v1 rows were applied");

    api.status = AppliedStatus::Deployed;
    api.host = "pi2".into();
    api.previous_host = Some("pi1".into());
    assert_eq!(db.record_applied("api", &api), Ok(2));
    drop(db);

    let ro = StateDb::open_read_only(&path)
        .expect("read-only")
        .expect("exists");
    let got = ro.recorded().expect("recorded");
    assert_eq!(got.services.get("api"), Some(&api));

    // Upgraded to applied: the pending old host is cleared with it.
    drop(ro);
    let mut db = StateDb::open(&path).expect("reopen: nothing to migrate");
    api.status = AppliedStatus::Applied;
    api.previous_host = None;
    assert_eq!(db.record_applied("api", &api), Ok(3));
    assert_eq!(
        db.recorded().expect("recorded").services.get("api"),
        Some(&api)
    );
}

#[test]
fn an_unknown_status_is_a_corrupt_database_not_a_guess() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = v1_copy(&dir);
    drop(StateDb::open(&path).expect("migrate"));
    let conn = rusqlite::Connection::open(&path).expect("sqlite");
    conn.execute("UPDATE services SET status = 'half' WHERE name = 'api'", [])
        .expect("update");
    drop(conn);
    let db = StateDb::open(&path).expect("open");
    let err = db.recorded().expect_err("unknown status");
    assert!(err.to_string().contains("unknown status `half`"), "{err}");
}
