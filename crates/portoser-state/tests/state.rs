use portoser_plan::{AppliedService, AppliedStatus, ServiceConfig, config_hash};
use portoser_state::{Run, RunEvent, StateDb, StateError};
use std::path::Path;

fn applied(host: &str, port: u16) -> AppliedService {
    let config = ServiceConfig {
        host: host.into(),
        engine: "docker".into(),
        port: Some(port),
        secrets: [("DB_PASSWORD".to_string(), "kv/db#password".to_string())].into(),
        ..ServiceConfig::default()
    };
    AppliedService {
        host: host.into(),
        engine: "docker".into(),
        config_hash: config_hash(&config),
        config,
        applied_at: "2026-11-26T08:00:00Z".into(),
        status: AppliedStatus::Applied,
        previous_host: None,
    }
}

fn db_path(dir: &Path) -> std::path::PathBuf {
    dir.join(".portoser").join("state.db")
}

#[test]
fn round_trip_serial_bumps_and_reopen() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db_path(dir.path());
    let mut db = StateDb::open(&path).expect("open creates the database and its directory");
    assert_eq!(db.recorded().expect("recorded").serial, 0);
    assert_eq!(db.record_applied("api", &applied("pi1", 8080)), Ok(1));
    assert_eq!(db.record_applied("db", &applied("pi1", 5432)), Ok(2));
    assert_eq!(
        db.record_applied("api", &applied("pi2", 8081)),
        Ok(3),
        "upsert bumps too"
    );
    drop(db);

    let mut db = StateDb::open(&path).expect("reopen");
    let rec = db.recorded().expect("recorded");
    assert_eq!(rec.serial, 3);
    assert_eq!(rec.services.keys().collect::<Vec<_>>(), ["api", "db"]);
    assert_eq!(rec.services.get("api"), Some(&applied("pi2", 8081)));
    assert_eq!(db.record_removed("db"), Ok(4));
    let rec = db.recorded().expect("recorded");
    assert_eq!((rec.serial, rec.services.len()), (4, 1));
}

#[test]
fn read_only_open_of_a_missing_file_creates_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db_path(dir.path());
    assert!(matches!(StateDb::open_read_only(&path), Ok(None)));
    assert!(
        !path.parent().expect("parent").exists(),
        "no .portoser directory created"
    );
    assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 0);
}

#[test]
fn read_only_open_reads_what_was_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db_path(dir.path());
    let mut db = StateDb::open(&path).expect("open");
    db.record_applied("api", &applied("pi1", 8080))
        .expect("record");
    drop(db);
    let ro = StateDb::open_read_only(&path)
        .expect("read-only")
        .expect("exists");
    let rec = ro.recorded().expect("recorded");
    assert_eq!(rec.serial, 1);
    assert_eq!(
        rec.services.get("api").map(|a| a.host.as_str()),
        Some("pi1")
    );
}

#[test]
fn a_corrupt_file_is_a_clean_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("state.db");
    std::fs::write(
        &path,
        "this is not a database, just some text that is long enough ".repeat(20),
    )
    .expect("write");
    for result in [
        StateDb::open(&path).err(),
        StateDb::open_read_only(&path).err(),
    ] {
        let err = result.expect("must fail");
        assert_eq!(err.code(), "E0402");
        assert!(matches!(err, StateError::Corrupt { .. }));
        assert!(
            err.to_string().contains("is corrupt or unreadable"),
            "{err}"
        );
    }
}

#[test]
fn a_newer_schema_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("state.db");
    let conn = rusqlite::Connection::open(&path).expect("sqlite");
    conn.pragma_update(None, "user_version", 99)
        .expect("pragma");
    drop(conn);
    let err = StateDb::open(&path).err().expect("must fail");
    assert_eq!(err.code(), "E0403");
    assert!(
        err.to_string()
            .contains("schema version 99, newer than this portoser supports (5)"),
        "{err}"
    );
}

#[test]
fn an_unreadable_recorded_config_names_the_service() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("state.db");
    let mut db = StateDb::open(&path).expect("open");
    db.record_applied("api", &applied("pi1", 8080))
        .expect("record");
    drop(db);
    let conn = rusqlite::Connection::open(&path).expect("sqlite");
    conn.execute("UPDATE services SET config_json = '{broken'", [])
        .expect("corrupt it");
    drop(conn);
    let err = StateDb::open(&path)
        .expect("open")
        .recorded()
        .expect_err("must fail");
    assert_eq!(err.code(), "E0402");
    assert!(
        err.to_string()
            .contains("configuration of `api` is unreadable"),
        "{err}"
    );
}

#[test]
fn runs_are_appended_with_their_events_in_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut db = StateDb::open(&dir.path().join("state.db")).expect("open");
    let event = |node: &str, event: &str| RunEvent {
        node_id: node.into(),
        event: event.into(),
        at: "2026-11-26T08:00:01Z".into(),
        message: String::new(),
    };
    let run = Run {
        started_at: "2026-11-26T08:00:00Z".into(),
        finished_at: Some("2026-11-26T08:00:09Z".into()),
        outcome: "succeeded".into(),
        events: vec![
            event("api/deploy", "started"),
            event("api/deploy", "succeeded"),
        ],
    };
    let id = db.append_run(&run).expect("append");
    let second = db.append_run(&run).expect("append again");
    assert_ne!(id, second);
    assert_eq!(db.run(id).expect("read"), Some(run));
    assert_eq!(db.run(9999).expect("read"), None);
    assert_eq!(
        db.recorded().expect("recorded").serial,
        0,
        "history does not bump the serial"
    );
}

#[test]
fn read_only_open_of_an_existing_database_adds_no_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("state.db");
    StateDb::open(&path)
        .expect("open")
        .record_applied("api", &applied("pi1", 1))
        .expect("record");
    let before: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .map(|e| e.expect("entry").file_name())
        .collect();
    let ro = StateDb::open_read_only(&path)
        .expect("read-only")
        .expect("exists");
    assert_eq!(ro.recorded().expect("recorded").serial, 1);
    drop(ro);
    let mut after: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .map(|e| e.expect("entry").file_name())
        .collect();
    let mut before = before;
    before.sort();
    after.sort();
    assert_eq!(before, after);
}

#[test]
fn the_database_never_uses_wal_so_readers_create_no_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("state.db");
    let db = StateDb::open(&path).expect("open");
    let mode = |p: &Path| -> String {
        let conn = rusqlite::Connection::open(p).expect("sqlite");
        conn.pragma_query_value(None, "journal_mode", |r| r.get(0))
            .expect("pragma")
    };
    assert_eq!(mode(&path), "delete", "while a writer has it open");
    // A reader while the writer is still open (a `plan` during an `apply`) leaves nothing.
    let reader = StateDb::open_read_only(&path)
        .expect("read")
        .expect("exists");
    reader.recorded().expect("recorded");
    drop(reader);
    drop(db);
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec!["state.db".to_string()]);
}
