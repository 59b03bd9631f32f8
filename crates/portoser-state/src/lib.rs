//! The recorded state: what was applied, per service, in `<project>/.portoser/state.db`
//! (SQLite with a rollback journal, schema versioned with `PRAGMA user_version`).
//!
//! Every write is one transaction and bumps the serial, so a saved plan (which records the
//! serial it was computed against) can tell when the state moved under it. The database
//! holds secret references only: `ServiceConfig` has no place for a value.

mod error;
mod heals;
mod history;
mod history_read;
mod holder;
mod lock;
mod runs;
mod schema;

pub use error::StateError;
pub use heals::{HealRow, RuleStats};
pub use history::{PlannedNode, PlannedService, Recovered, RunOrigin, TimedEvent, user_at_host};
pub use history_read::{EventCounts, NodeRecord, RunDetail, RunSummary, ServiceChange};
pub use holder::{LockHolder, host_name, pid_alive};
pub use lock::{
    DEFAULT_LEASE, LockError, LockGuard, LockHeld, LockInfo, LockRenewer, LockRequest, Staleness,
};
pub use runs::{Run, RunEvent};

use portoser_plan::{AppliedService, AppliedStatus, Recorded};
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use std::path::{Path, PathBuf};

pub struct StateDb {
    conn: Connection,
    path: PathBuf,
    /// 0 for a database that exists but was never migrated (read-only opens only).
    version: i64,
}

impl StateDb {
    /// Opens (creating when missing, with its directory) the database and migrates it.
    pub fn open(path: &Path) -> Result<StateDb, StateError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| StateError::corrupt(path, e))?;
        }
        let conn = Connection::open(path).map_err(|e| StateError::corrupt(path, e))?;
        let version = schema::probe(&conn, path)?;
        // A rollback journal, never WAL: a WAL database makes every reader (a read-only
        // `portoser plan`) create `-wal`/`-shm` files, and a crash can leave it in WAL mode.
        // Writes are a few rows per plan node; WAL's concurrency buys nothing here.
        conn.pragma_update(None, "journal_mode", "DELETE")
            .map_err(|e| StateError::corrupt(path, e))?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(|e| StateError::corrupt(path, e))?;
        let mut db = StateDb {
            conn,
            path: path.to_path_buf(),
            version,
        };
        db.version = schema::migrate(&mut db.conn, version, path)?;
        Ok(db)
    }

    /// Opens an existing database for reading; `None` when there is no file (nothing was
    /// ever applied). Creates nothing: `portoser plan` must not write to the project.
    pub fn open_read_only(path: &Path) -> Result<Option<StateDb>, StateError> {
        if !path.exists() {
            return Ok(None);
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn =
            Connection::open_with_flags(path, flags).map_err(|e| StateError::corrupt(path, e))?;
        let version = schema::probe(&conn, path)?;
        // An older schema is read as it is (a read-only open cannot migrate): every version
        // so far only added columns, read with their defaults (see `recorded`).
        Ok(Some(StateDb {
            conn,
            path: path.to_path_buf(),
            version,
        }))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn serial(&self) -> Result<u64, StateError> {
        if self.version == 0 {
            return Ok(0);
        }
        let serial: i64 = self
            .conn
            .query_row("SELECT serial FROM meta WHERE id = 1", [], |r| r.get(0))
            .optional()
            .map_err(|e| self.err(e))?
            .unwrap_or(0);
        Ok(u64::try_from(serial).unwrap_or(0))
    }

    /// Everything recorded as applied, with the serial.
    pub fn recorded(&self) -> Result<Recorded, StateError> {
        let mut out = Recorded {
            serial: self.serial()?,
            ..Recorded::default()
        };
        if self.version == 0 {
            return Ok(out);
        }
        let sql = if self.version >= schema::WITH_STATUS {
            "SELECT name, host, engine, config_hash, config_json, applied_at, status, \
             previous_host FROM services ORDER BY name"
        } else {
            "SELECT name, host, engine, config_hash, config_json, applied_at, 'applied', \
             NULL FROM services ORDER BY name"
        };
        let mut stmt = self.conn.prepare(sql).map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get::<_, String>(4)?,
                    r.get(5)?,
                    r.get::<_, String>(6)?,
                    r.get(7)?,
                ))
            })
            .map_err(|e| self.err(e))?;
        for row in rows {
            let (name, host, engine, config_hash, json, applied_at, status, previous_host) =
                row.map_err(|e| self.err(e))?;
            let corrupt = |detail: String| StateError::Corrupt {
                path: self.path.clone(),
                detail,
            };
            let config = serde_json::from_str(&json).map_err(|e| {
                corrupt(format!(
                    "the recorded configuration of `{name}` is unreadable: {e}"
                ))
            })?;
            let status = AppliedStatus::parse(&status)
                .ok_or_else(|| corrupt(format!("`{name}` has an unknown status `{status}`")))?;
            let applied = AppliedService {
                host,
                engine,
                config_hash,
                config,
                applied_at,
                status,
                previous_host,
            };
            out.services.insert(name, applied);
        }
        Ok(out)
    }

    /// Records one service as `applied.status` says (applied, or deployed only) and bumps
    /// the serial, in one transaction.
    pub fn record_applied(
        &mut self,
        name: &str,
        applied: &AppliedService,
    ) -> Result<u64, StateError> {
        let json =
            serde_json::to_string(&applied.config).map_err(|e| StateError::Db(e.to_string()))?;
        self.write(|tx| upsert_service(tx, name, applied, &json))
    }

    /// Forgets a service (it was stopped and removed), bumping the serial.
    pub fn record_removed(&mut self, name: &str) -> Result<u64, StateError> {
        self.write(|tx| {
            tx.execute("DELETE FROM services WHERE name = ?1", [name])
                .map(|_| ())
        })
    }

    /// Runs `f` and the serial bump in one transaction; returns the new serial.
    fn write(
        &mut self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> rusqlite::Result<()>,
    ) -> Result<u64, StateError> {
        let path = self.path.clone();
        let err = |e: rusqlite::Error| StateError::Db(format!("{}: {e}", path.display()));
        let tx = self.conn.transaction().map_err(err)?;
        f(&tx).map_err(err)?;
        tx.execute("UPDATE meta SET serial = serial + 1 WHERE id = 1", [])
            .map_err(err)?;
        let serial: i64 = tx
            .query_row("SELECT serial FROM meta WHERE id = 1", [], |r| r.get(0))
            .map_err(err)?;
        tx.commit().map_err(err)?;
        Ok(u64::try_from(serial).unwrap_or(0))
    }

    fn err(&self, e: rusqlite::Error) -> StateError {
        StateError::Db(format!("{}: {e}", self.path.display()))
    }
}

/// Writes one service's record (shared by `record_applied` and the run-aware variant).
pub(crate) fn upsert_service(
    tx: &rusqlite::Transaction<'_>,
    name: &str,
    applied: &AppliedService,
    json: &str,
) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO services (name, host, engine, config_hash, config_json, applied_at,
           status, previous_host)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT(name) DO UPDATE SET host = ?2, engine = ?3, config_hash = ?4,
           config_json = ?5, applied_at = ?6, status = ?7, previous_host = ?8",
        params![
            name,
            applied.host,
            applied.engine,
            applied.config_hash,
            json,
            applied.applied_at,
            applied.status.as_str(),
            applied.previous_host
        ],
    )
    .map(|_| ())
}
