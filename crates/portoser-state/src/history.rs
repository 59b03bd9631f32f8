//! Run history, the writing side (schema version 4): who ran a run and which plan, the
//! plan's nodes, event timings in milliseconds, and per service the configuration before
//! and after. Read by `portoser history` (see `history_read`) and by rollback
//! (`StateDb::config_at`). Configurations hold secret references only, never values.

use crate::{RunEvent, StateDb, StateError};
use portoser_plan::AppliedService;
use rusqlite::{OptionalExtension, Transaction, params};

/// The first schema version with the history tables and columns.
pub(crate) const WITH_HISTORY: i64 = 4;

/// Who started a run and which plan it executes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunOrigin {
    /// `user@host`.
    pub who: String,
    /// The plan's `inputs_hash`.
    pub plan_hash: String,
}

/// One node of the plan a run executes, in plan order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedNode {
    pub node_id: String,
    pub service: Option<String>,
    pub host: String,
    /// `deploy`, `health`, ... (`NodeKind::as_str`).
    pub kind: String,
    /// `create`, `update`, ..., `no-op`.
    pub action: String,
    pub depends_on: Vec<String>,
}

/// What a run means to do to one service (its plan change; no-ops are not recorded).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedService {
    pub service: String,
    pub action: String,
    pub reasons: Vec<String>,
}

/// An event with its timing: since the run started, and how long the node ran (finished
/// events only).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimedEvent {
    pub event: RunEvent,
    pub elapsed_ms: Option<u64>,
    pub duration_ms: Option<u64>,
}

/// `user@host` of this process, for the history: the same names the apply lock records.
pub fn user_at_host() -> String {
    let holder = crate::LockHolder::current();
    format!("{}@{}", holder.user, holder.host)
}

fn ms(v: Option<u64>) -> Option<i64> {
    v.map(|v| i64::try_from(v).unwrap_or(i64::MAX))
}

impl StateDb {
    /// Opens a run (`outcome` = `running`) with its origin, its plan's nodes and the services
    /// it means to change; each service's configuration before the run is copied from the
    /// recorded state in the same transaction. Does not bump the serial.
    pub fn begin_run_for(
        &mut self,
        started_at: &str,
        origin: &RunOrigin,
        nodes: &[PlannedNode],
        services: &[PlannedService],
    ) -> Result<i64, StateError> {
        let err = |e: rusqlite::Error| StateError::Db(e.to_string());
        let tx = self.conn.transaction().map_err(err)?;
        tx.execute(
            "INSERT INTO runs (started_at, finished_at, outcome, who, plan_hash)
             VALUES (?1, NULL, 'running', ?2, ?3)",
            params![started_at, origin.who, origin.plan_hash],
        )
        .map_err(err)?;
        let id = tx.last_insert_rowid();
        for (seq, n) in nodes.iter().enumerate() {
            tx.execute(
                "INSERT INTO run_nodes (run_id, seq, node_id, service, host, kind, action,
                   depends_on) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    id,
                    seq as i64,
                    n.node_id,
                    n.service,
                    n.host,
                    n.kind,
                    n.action,
                    n.depends_on.join("\n")
                ],
            )
            .map_err(err)?;
        }
        for s in services {
            let before: Option<(String, String)> = tx
                .query_row(
                    "SELECT config_hash, config_json FROM services WHERE name = ?1",
                    [&s.service],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
                .map_err(err)?;
            let (hash, json) = before.unzip();
            tx.execute(
                "INSERT INTO run_services (run_id, service, action, status, reasons,
                   hash_before, config_before, at) VALUES (?1, ?2, ?3, 'planned', ?4, ?5, ?6, ?7)",
                params![
                    id,
                    s.service,
                    s.action,
                    s.reasons.join("\n"),
                    hash,
                    json,
                    started_at
                ],
            )
            .map_err(err)?;
        }
        tx.commit().map_err(err)?;
        Ok(id)
    }

    /// Appends timed events to a run, after the ones it has, in one transaction.
    pub fn append_timed_events(
        &mut self,
        run_id: i64,
        events: &[TimedEvent],
    ) -> Result<(), StateError> {
        let err = |e: rusqlite::Error| StateError::Db(e.to_string());
        let tx = self.conn.transaction().map_err(err)?;
        let next: i64 = tx
            .query_row(
                "SELECT COALESCE(MAX(seq) + 1, 0) FROM run_events WHERE run_id = ?1",
                [run_id],
                |r| r.get(0),
            )
            .map_err(err)?;
        for (i, t) in events.iter().enumerate() {
            let e = &t.event;
            tx.execute(
                "INSERT INTO run_events (run_id, seq, node_id, event, at, message, elapsed_ms,
                   duration_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    run_id,
                    next + i as i64,
                    e.node_id,
                    e.event,
                    e.at,
                    e.message,
                    ms(t.elapsed_ms),
                    ms(t.duration_ms)
                ],
            )
            .map_err(err)?;
        }
        tx.commit().map_err(err)
    }

    /// [`StateDb::record_applied`] and the run's history of that service (its status and
    /// configuration after), in one transaction; returns the new serial.
    pub fn record_applied_in_run(
        &mut self,
        run_id: i64,
        name: &str,
        applied: &AppliedService,
    ) -> Result<u64, StateError> {
        let json =
            serde_json::to_string(&applied.config).map_err(|e| StateError::Db(e.to_string()))?;
        self.write(|tx| {
            crate::upsert_service(tx, name, applied, &json)?;
            service_after(
                tx,
                run_id,
                name,
                applied.status.as_str(),
                Some((&applied.config_hash, &json)),
                &applied.applied_at,
            )
        })
    }

    /// [`StateDb::record_removed`] and the run's history of that service, in one transaction.
    pub fn record_removed_in_run(
        &mut self,
        run_id: i64,
        name: &str,
        at: &str,
    ) -> Result<u64, StateError> {
        self.write(|tx| {
            tx.execute("DELETE FROM services WHERE name = ?1", [name])?;
            service_after(tx, run_id, name, "removed", None, at)
        })
    }

    /// A service whose failed health gate was recovered (`on_failure`): `rolled-back`
    /// records `applied` (the previous version runs again), `stopped` forgets it (nothing
    /// runs); the run's history keeps that word as the service's status.
    pub fn record_recovered_in_run(
        &mut self,
        run_id: i64,
        name: &str,
        recovered: Recovered<'_>,
    ) -> Result<u64, StateError> {
        match recovered {
            Recovered::RolledBack(applied) => {
                let json = serde_json::to_string(&applied.config)
                    .map_err(|e| StateError::Db(e.to_string()))?;
                self.write(|tx| {
                    crate::upsert_service(tx, name, applied, &json)?;
                    let after = Some((applied.config_hash.as_str(), json.as_str()));
                    service_after(tx, run_id, name, "rolled-back", after, &applied.applied_at)
                })
            }
            Recovered::Stopped { at } => self.write(|tx| {
                tx.execute("DELETE FROM services WHERE name = ?1", [name])?;
                service_after(tx, run_id, name, "stopped", None, at)
            }),
        }
    }

    /// Closes a run opened with [`StateDb::begin_run_for`], with its wall time.
    pub fn finish_run_timed(
        &mut self,
        run_id: i64,
        finished_at: &str,
        outcome: &str,
        duration_ms: u64,
    ) -> Result<(), StateError> {
        self.conn
            .execute(
                "UPDATE runs SET finished_at = ?2, outcome = ?3, duration_ms = ?4 WHERE id = ?1",
                params![run_id, finished_at, outcome, ms(Some(duration_ms))],
            )
            .map(|_| ())
            .map_err(|e| StateError::Db(e.to_string()))
    }
}

/// Sets where a service ended in a run (a row the run did not plan is added: its action is
/// then the status).
fn service_after(
    tx: &Transaction<'_>,
    run_id: i64,
    name: &str,
    status: &str,
    after: Option<(&str, &str)>,
    at: &str,
) -> rusqlite::Result<()> {
    let (hash, json) = after.unzip();
    tx.execute(
        "INSERT INTO run_services (run_id, service, action, status, reasons, hash_after,
           config_after, at) VALUES (?1, ?2, ?3, ?3, '', ?4, ?5, ?6)
         ON CONFLICT(run_id, service) DO UPDATE SET status = ?3, hash_after = ?4,
           config_after = ?5, at = ?6",
        params![run_id, name, status, hash, json, at],
    )
    .map(|_| ())
}

/// How a failed gate was recovered, for [`StateDb::record_recovered_in_run`].
pub enum Recovered<'a> {
    /// The previous configuration, running again.
    RolledBack(&'a AppliedService),
    Stopped {
        at: &'a str,
    },
}
