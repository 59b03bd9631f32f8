//! Run history, the reading side: the list of runs (optionally those that touched one
//! service), one run in detail, and the configuration of a service as of a run.
//! Databases older than version 3 read with what they have (no who, plan hash, timings or
//! per-service changes).

use crate::history::WITH_HISTORY;
use crate::{StateDb, StateError};
use portoser_plan::{ServiceConfig, Timed, critical_path};
use rusqlite::{OptionalExtension, params};
use std::collections::HashMap;

/// Nodes per outcome in a run (from its events).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EventCounts {
    pub succeeded: usize,
    pub failed: usize,
    pub skipped: usize,
    pub cancelled: usize,
}

/// What a run did to one service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceChange {
    pub service: String,
    /// The planned action: `create`, `update`, `replace`, `migrate`, `delete`.
    pub action: String,
    /// Where it ended: `applied`, `deployed`, `removed`, or `planned` (never recorded: the
    /// run failed or stopped before).
    pub status: String,
    pub reasons: Vec<String>,
    pub hash_before: Option<String>,
    pub hash_after: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunSummary {
    pub id: i64,
    pub started_at: String,
    pub finished_at: Option<String>,
    /// `succeeded`, `failed`, `cancelled`, or `running` (still going, or killed).
    pub outcome: String,
    /// `user@host`.
    pub who: Option<String>,
    pub plan_hash: Option<String>,
    pub duration_ms: Option<u64>,
    pub counts: EventCounts,
    /// In service name order.
    pub services: Vec<ServiceChange>,
}

/// One node of a run, in plan order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeRecord {
    pub node_id: String,
    pub service: Option<String>,
    pub host: String,
    pub kind: String,
    pub action: String,
    pub depends_on: Vec<String>,
    /// `succeeded`, `failed`, `skipped`, `cancelled`, `unchanged` (a no-op), or `not run`
    /// (the run was killed before it).
    pub outcome: String,
    pub started_ms: Option<u64>,
    pub duration_ms: Option<u64>,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunDetail {
    pub summary: RunSummary,
    pub nodes: Vec<NodeRecord>,
}

impl RunDetail {
    /// The chain of dependent nodes with the largest sum of durations (as apply's summary
    /// prints it): node ids first to last, and the total in milliseconds.
    pub fn critical_path(&self) -> (Vec<String>, u64) {
        let timed: Vec<Timed<'_>> = self
            .nodes
            .iter()
            .map(|n| Timed {
                id: &n.node_id,
                depends_on: &n.depends_on,
                duration_ms: n.duration_ms.unwrap_or(0),
            })
            .collect();
        critical_path(&timed)
    }
}

fn err(e: rusqlite::Error) -> StateError {
    StateError::Db(e.to_string())
}

fn lines(s: String) -> Vec<String> {
    s.lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

fn ms(v: Option<i64>) -> Option<u64> {
    v.and_then(|v| u64::try_from(v).ok())
}

const FINISHED: [&str; 4] = ["succeeded", "failed", "skipped", "cancelled"];

impl StateDb {
    fn has_history(&self) -> bool {
        self.version >= WITH_HISTORY
    }

    /// Runs newest first, at most `limit`; with `service`, only the runs that touched it
    /// (its change in `services`, alone).
    pub fn history(
        &self,
        service: Option<&str>,
        limit: usize,
    ) -> Result<Vec<RunSummary>, StateError> {
        if self.version == 0 || (service.is_some() && !self.has_history()) {
            return Ok(Vec::new());
        }
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let ids: Vec<i64> = match service {
            Some(s) => self.ids(
                "SELECT run_id FROM run_services WHERE service = ?1 ORDER BY run_id DESC LIMIT ?2",
                params![s, limit],
            )?,
            None => self.ids(
                "SELECT id FROM runs ORDER BY id DESC LIMIT ?1",
                params![limit],
            )?,
        };
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(mut run) = self.summary(id)? {
                if let Some(s) = service {
                    run.services.retain(|c| c.service == s);
                }
                out.push(run);
            }
        }
        Ok(out)
    }

    /// One run with its nodes in plan order (in event order for runs recorded before the
    /// plan's nodes were).
    pub fn run_detail(&self, id: i64) -> Result<Option<RunDetail>, StateError> {
        let Some(summary) = self.summary(id)? else {
            return Ok(None);
        };
        let mut nodes = self.planned_nodes(id)?;
        let events = self.timed_events(id)?;
        for (node_id, event, elapsed, duration, message) in events {
            let pos = match nodes.iter().position(|n| n.node_id == node_id) {
                Some(p) => p,
                // Record events name a service, not a node; nodes of old runs are learnt here.
                None if event == "started" || FINISHED.contains(&event.as_str()) => {
                    nodes.push(NodeRecord {
                        node_id: node_id.clone(),
                        service: None,
                        host: String::new(),
                        kind: String::new(),
                        action: String::new(),
                        depends_on: Vec::new(),
                        outcome: "not run".into(),
                        started_ms: None,
                        duration_ms: None,
                        message: String::new(),
                    });
                    nodes.len() - 1
                }
                None => continue,
            };
            let Some(node) = nodes.get_mut(pos) else {
                continue;
            };
            if event == "started" {
                node.started_ms = elapsed;
            } else if FINISHED.contains(&event.as_str()) {
                node.outcome = event;
                node.duration_ms = duration;
                node.message = message;
            }
        }
        Ok(Some(RunDetail { summary, nodes }))
    }

    /// The configuration `service` ran with after run `run_id`: what the latest run up to
    /// and including it recorded for it; `None` when it was removed then, or no run recorded
    /// it. Rollback reads this.
    pub fn config_at(
        &self,
        service: &str,
        run_id: i64,
    ) -> Result<Option<ServiceConfig>, StateError> {
        if !self.has_history() {
            return Ok(None);
        }
        let row: Option<(String, Option<String>)> = self
            .conn
            .query_row(
                "SELECT status, config_after FROM run_services
                 WHERE service = ?1 AND run_id <= ?2 AND status <> 'planned'
                 ORDER BY run_id DESC LIMIT 1",
                params![service, run_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(err)?;
        let Some((_, Some(json))) = row else {
            return Ok(None);
        };
        serde_json::from_str(&json).map(Some).map_err(|e| {
            StateError::Db(format!(
                "the configuration of `{service}` recorded by run {run_id} is unreadable: {e}"
            ))
        })
    }

    fn ids(&self, sql: &str, p: impl rusqlite::Params) -> Result<Vec<i64>, StateError> {
        let mut stmt = self.conn.prepare(sql).map_err(err)?;
        let rows = stmt.query_map(p, |r| r.get(0)).map_err(err)?;
        rows.collect::<Result<Vec<i64>, _>>().map_err(err)
    }

    fn summary(&self, id: i64) -> Result<Option<RunSummary>, StateError> {
        let sql = if self.has_history() {
            "SELECT started_at, finished_at, outcome, who, plan_hash, duration_ms FROM runs
             WHERE id = ?1"
        } else {
            "SELECT started_at, finished_at, outcome, NULL, NULL, NULL FROM runs WHERE id = ?1"
        };
        let head = self
            .conn
            .query_row(sql, [id], |r| {
                Ok(RunSummary {
                    id,
                    started_at: r.get(0)?,
                    finished_at: r.get(1)?,
                    outcome: r.get(2)?,
                    who: r.get(3)?,
                    plan_hash: r.get(4)?,
                    duration_ms: ms(r.get(5)?),
                    counts: EventCounts::default(),
                    services: Vec::new(),
                })
            })
            .optional()
            .map_err(err)?;
        let Some(mut run) = head else {
            return Ok(None);
        };
        run.counts = self.counts(id)?;
        run.services = self.service_changes(id)?;
        Ok(Some(run))
    }

    /// Per outcome, the nodes whose last finishing event is that outcome.
    fn counts(&self, id: i64) -> Result<EventCounts, StateError> {
        let mut last: HashMap<String, String> = HashMap::new();
        for (node, event, ..) in self.timed_events(id)? {
            if FINISHED.contains(&event.as_str()) {
                last.insert(node, event);
            }
        }
        let mut c = EventCounts::default();
        for event in last.values() {
            match event.as_str() {
                "succeeded" => c.succeeded += 1,
                "failed" => c.failed += 1,
                "skipped" => c.skipped += 1,
                _ => c.cancelled += 1,
            }
        }
        Ok(c)
    }

    fn service_changes(&self, id: i64) -> Result<Vec<ServiceChange>, StateError> {
        if !self.has_history() {
            return Ok(Vec::new());
        }
        let mut stmt = self
            .conn
            .prepare(
                "SELECT service, action, status, reasons, hash_before, hash_after
                 FROM run_services WHERE run_id = ?1 ORDER BY service",
            )
            .map_err(err)?;
        let rows = stmt
            .query_map([id], |r| {
                Ok(ServiceChange {
                    service: r.get(0)?,
                    action: r.get(1)?,
                    status: r.get(2)?,
                    reasons: lines(r.get(3)?),
                    hash_before: r.get(4)?,
                    hash_after: r.get(5)?,
                })
            })
            .map_err(err)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(err)
    }

    fn planned_nodes(&self, id: i64) -> Result<Vec<NodeRecord>, StateError> {
        if !self.has_history() {
            return Ok(Vec::new());
        }
        let mut stmt = self
            .conn
            .prepare(
                "SELECT node_id, service, host, kind, action, depends_on FROM run_nodes
                 WHERE run_id = ?1 ORDER BY seq",
            )
            .map_err(err)?;
        let rows = stmt
            .query_map([id], |r| {
                let action: String = r.get(4)?;
                let outcome = if action == "no-op" {
                    "unchanged"
                } else {
                    "not run"
                };
                Ok(NodeRecord {
                    node_id: r.get(0)?,
                    service: r.get(1)?,
                    host: r.get(2)?,
                    kind: r.get(3)?,
                    action,
                    depends_on: lines(r.get(5)?),
                    outcome: outcome.to_string(),
                    started_ms: None,
                    duration_ms: None,
                    message: String::new(),
                })
            })
            .map_err(err)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(err)
    }

    /// (node, event, elapsed ms, duration ms, message) in order.
    #[allow(clippy::type_complexity)]
    fn timed_events(
        &self,
        id: i64,
    ) -> Result<Vec<(String, String, Option<u64>, Option<u64>, String)>, StateError> {
        let sql = if self.has_history() {
            "SELECT node_id, event, elapsed_ms, duration_ms, message FROM run_events
             WHERE run_id = ?1 ORDER BY seq"
        } else {
            "SELECT node_id, event, NULL, NULL, message FROM run_events WHERE run_id = ?1
             ORDER BY seq"
        };
        let mut stmt = self.conn.prepare(sql).map_err(err)?;
        let rows = stmt
            .query_map([id], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    ms(r.get(2)?),
                    ms(r.get(3)?),
                    r.get(4)?,
                ))
            })
            .map_err(err)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(err)
    }
}
