//! Schema versions, applied in order inside one transaction each; `PRAGMA user_version`
//! records the last one applied.

use crate::StateError;
use rusqlite::Connection;
use std::path::Path;

pub(crate) const CURRENT: i64 = 5;

/// The first version with the `lock` table (one apply at a time).
pub(crate) const WITH_LOCK: i64 = 3;

/// The first version whose `services` rows have `status` and `previous_host`.
pub(crate) const WITH_STATUS: i64 = 2;

const MIGRATIONS: &[&str] = &[
    // 1: applied services, the serial, run history.
    "CREATE TABLE meta (id INTEGER PRIMARY KEY CHECK (id = 1), serial INTEGER NOT NULL);
     INSERT INTO meta (id, serial) VALUES (1, 0);
     CREATE TABLE services (
         name TEXT PRIMARY KEY, host TEXT NOT NULL, engine TEXT NOT NULL,
         config_hash TEXT NOT NULL, config_json TEXT NOT NULL, applied_at TEXT NOT NULL);
     CREATE TABLE runs (
         id INTEGER PRIMARY KEY AUTOINCREMENT, started_at TEXT NOT NULL,
         finished_at TEXT, outcome TEXT NOT NULL);
     CREATE TABLE run_events (
         run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
         seq INTEGER NOT NULL, node_id TEXT NOT NULL, event TEXT NOT NULL,
         at TEXT NOT NULL, message TEXT NOT NULL, PRIMARY KEY (run_id, seq));",
    // 2: a service is recorded once its deploy ran (`deployed`) and upgraded to `applied`
    // when all its nodes succeeded; rows of version 1 were all fully applied.
    "ALTER TABLE services ADD COLUMN status TEXT NOT NULL DEFAULT 'applied';
     ALTER TABLE services ADD COLUMN previous_host TEXT;",
    // 3: the apply lock: at most one row (id = 1), deleted on release. Times in Unix
    // milliseconds so a lease can be compared with the clock; `token` names one acquisition.
    "CREATE TABLE lock (
         id INTEGER PRIMARY KEY CHECK (id = 1), token TEXT NOT NULL,
         user TEXT NOT NULL, host TEXT NOT NULL, pid INTEGER NOT NULL,
         reason TEXT NOT NULL, plan_hash TEXT NOT NULL, started_at TEXT NOT NULL,
         started_ms INTEGER NOT NULL, lease_until_ms INTEGER NOT NULL);",
    // 4: history (docs/apply.md, History): who ran a run and which plan, timings in
    // milliseconds, the plan's nodes, and per service the config before and after.
    "ALTER TABLE runs ADD COLUMN who TEXT;
     ALTER TABLE runs ADD COLUMN plan_hash TEXT;
     ALTER TABLE runs ADD COLUMN duration_ms INTEGER;
     ALTER TABLE run_events ADD COLUMN elapsed_ms INTEGER;
     ALTER TABLE run_events ADD COLUMN duration_ms INTEGER;
     CREATE TABLE run_nodes (
         run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
         seq INTEGER NOT NULL, node_id TEXT NOT NULL, service TEXT, host TEXT NOT NULL,
         kind TEXT NOT NULL, action TEXT NOT NULL, depends_on TEXT NOT NULL,
         PRIMARY KEY (run_id, seq));
     CREATE TABLE run_services (
         run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
         service TEXT NOT NULL, action TEXT NOT NULL, status TEXT NOT NULL,
         reasons TEXT NOT NULL, hash_before TEXT, hash_after TEXT,
         config_before TEXT, config_after TEXT, at TEXT NOT NULL,
         PRIMARY KEY (run_id, service));
     CREATE INDEX run_services_by_service ON run_services (service, run_id);",
    // 5: the self-healing loop (docs/heal.md): one row per heal, with the failure's
    // fingerprint, the rule that matched, the facts and actions as JSON, and how it ended.
    // `run_id` is NULL for `portoser heal SERVICE` outside an apply.
    "CREATE TABLE heals (
         id INTEGER PRIMARY KEY AUTOINCREMENT, run_id INTEGER, at TEXT NOT NULL,
         at_ms INTEGER NOT NULL, node TEXT NOT NULL, service TEXT NOT NULL, host TEXT NOT NULL,
         event TEXT NOT NULL, kind TEXT NOT NULL, fingerprint TEXT NOT NULL, rule TEXT,
         origin TEXT, facts_json TEXT NOT NULL, actions_json TEXT NOT NULL,
         outcome TEXT NOT NULL, attempt INTEGER NOT NULL, duration_ms INTEGER NOT NULL,
         diagnose_ms INTEGER NOT NULL);
     CREATE INDEX heals_by_place ON heals (service, host, at_ms);
     CREATE INDEX heals_by_rule ON heals (rule);",
];

/// Reads the schema version, which also makes SQLite read the header: a file that is not
/// a database fails here with a clean error, not later.
pub(crate) fn probe(conn: &Connection, path: &Path) -> Result<i64, StateError> {
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(|e| StateError::corrupt(path, e))?;
    let check: String = conn
        .pragma_query_value(None, "quick_check", |r| r.get(0))
        .map_err(|e| StateError::corrupt(path, e))?;
    if check != "ok" {
        return Err(StateError::corrupt(path, check));
    }
    if version > CURRENT {
        return Err(StateError::Newer {
            path: path.to_path_buf(),
            found: version,
            supported: CURRENT,
        });
    }
    Ok(version)
}

pub(crate) fn migrate(conn: &mut Connection, from: i64, path: &Path) -> Result<i64, StateError> {
    let start = usize::try_from(from).unwrap_or(0);
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(start) {
        let tx = conn
            .transaction()
            .map_err(|e| StateError::corrupt(path, e))?;
        tx.execute_batch(sql)
            .map_err(|e| StateError::corrupt(path, e))?;
        tx.pragma_update(None, "user_version", i as i64 + 1)
            .map_err(|e| StateError::corrupt(path, e))?;
        tx.commit().map_err(|e| StateError::corrupt(path, e))?;
    }
    Ok(CURRENT)
}
