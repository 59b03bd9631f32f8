//! Run history, ready for `portoser apply`: one row per run, its events in order.

use crate::{StateDb, StateError};
use rusqlite::params;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Run {
    pub started_at: String,
    pub finished_at: Option<String>,
    /// `succeeded`, `failed`, `rolled-back`, ...
    pub outcome: String,
    pub events: Vec<RunEvent>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunEvent {
    pub node_id: String,
    /// `started`, `succeeded`, `failed`, ...
    pub event: String,
    pub at: String,
    pub message: String,
}

impl StateDb {
    /// Appends a run and its events in one transaction; returns the run id. Does not bump
    /// the serial: history is not applied state.
    pub fn append_run(&mut self, run: &Run) -> Result<i64, StateError> {
        let err = |e: rusqlite::Error| StateError::Db(e.to_string());
        let tx = self.conn.transaction().map_err(err)?;
        tx.execute(
            "INSERT INTO runs (started_at, finished_at, outcome) VALUES (?1, ?2, ?3)",
            params![run.started_at, run.finished_at, run.outcome],
        )
        .map_err(err)?;
        let id = tx.last_insert_rowid();
        for (seq, e) in run.events.iter().enumerate() {
            tx.execute(
                "INSERT INTO run_events (run_id, seq, node_id, event, at, message)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![id, seq as i64, e.node_id, e.event, e.at, e.message],
            )
            .map_err(err)?;
        }
        tx.commit().map_err(err)?;
        Ok(id)
    }

    /// Opens a run that is still going (`outcome` = `running`) so its events can be appended
    /// as they happen: a run killed mid-way still leaves its history up to the last flush.
    /// Does not bump the serial.
    pub fn begin_run(&mut self, started_at: &str) -> Result<i64, StateError> {
        self.conn
            .execute(
                "INSERT INTO runs (started_at, finished_at, outcome) VALUES (?1, NULL, 'running')",
                [started_at],
            )
            .map_err(|e| StateError::Db(e.to_string()))?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Closes a run opened with [`StateDb::begin_run`].
    pub fn finish_run(
        &mut self,
        run_id: i64,
        finished_at: &str,
        outcome: &str,
    ) -> Result<(), StateError> {
        self.conn
            .execute(
                "UPDATE runs SET finished_at = ?2, outcome = ?3 WHERE id = ?1",
                params![run_id, finished_at, outcome],
            )
            .map(|_| ())
            .map_err(|e| StateError::Db(e.to_string()))
    }

    /// A run by id, with its events in order.
    pub fn run(&self, id: i64) -> Result<Option<Run>, StateError> {
        let err = |e: rusqlite::Error| StateError::Db(e.to_string());
        let head = self.conn.query_row(
            "SELECT started_at, finished_at, outcome FROM runs WHERE id = ?1",
            [id],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, String>(2)?,
                ))
            },
        );
        let (started_at, finished_at, outcome) = match head {
            Ok(h) => h,
            Err(rusqlite::Error::QueryReturnedNoRows) => return Ok(None),
            Err(e) => return Err(err(e)),
        };
        let mut stmt = self
            .conn
            .prepare(
                "SELECT node_id, event, at, message FROM run_events WHERE run_id = ?1 ORDER BY seq",
            )
            .map_err(err)?;
        let events = stmt
            .query_map([id], |r| {
                Ok(RunEvent {
                    node_id: r.get(0)?,
                    event: r.get(1)?,
                    at: r.get(2)?,
                    message: r.get(3)?,
                })
            })
            .map_err(err)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(err)?;
        Ok(Some(Run {
            started_at,
            finished_at,
            outcome,
            events,
        }))
    }
}
