//! The self-healing loop's memory (schema version 5, docs/heal.md): every heal with its
//! fingerprint, rule, facts, actions and outcome. Heals do not bump the serial: they change
//! hosts, not what is applied, so a saved plan stays valid across them.

use crate::{StateDb, StateError};
use rusqlite::params;

/// One heal to record (the loop's `HealRecord`, flattened; facts and actions as JSON).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HealRow {
    pub id: i64,
    pub run_id: Option<i64>,
    pub at: String,
    pub at_ms: i64,
    pub node: String,
    pub service: String,
    pub host: String,
    pub event: String,
    pub kind: String,
    pub fingerprint: String,
    pub rule: Option<String>,
    pub origin: Option<String>,
    pub facts_json: String,
    pub actions_json: String,
    pub outcome: String,
    pub attempt: i64,
    pub duration_ms: i64,
    pub diagnose_ms: i64,
}

/// Failed heals of one (service, host).
pub type PlaceCount = ((String, String), u32);

/// Per rule: how often it ran and how it ended.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RuleStats {
    pub rule: String,
    pub origin: String,
    pub heals: i64,
    pub fixed: i64,
    pub avg_ms: i64,
    pub last: String,
}

const COLUMNS: &str = "id, run_id, at, at_ms, node, service, host, event, kind, fingerprint, \
                       rule, origin, facts_json, actions_json, outcome, attempt, duration_ms, \
                       diagnose_ms";

impl StateDb {
    pub fn record_heal(&mut self, h: &HealRow) -> Result<i64, StateError> {
        self.conn
            .execute(
                "INSERT INTO heals (run_id, at, at_ms, node, service, host, event, kind, \
                 fingerprint, rule, origin, facts_json, actions_json, outcome, attempt, \
                 duration_ms, diagnose_ms) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
                params![
                    h.run_id, h.at, h.at_ms, h.node, h.service, h.host, h.event, h.kind,
                    h.fingerprint, h.rule, h.origin, h.facts_json, h.actions_json, h.outcome,
                    h.attempt, h.duration_ms, h.diagnose_ms
                ],
            )
            .map_err(|e| self.err(e))?;
        Ok(self.conn.last_insert_rowid())
    }

    /// The heals of one run, in the order they happened.
    pub fn heals_of_run(&self, run_id: i64) -> Result<Vec<HealRow>, StateError> {
        let mut rows = self.heals(None, None, usize::MAX >> 1)?;
        rows.retain(|h| h.run_id == Some(run_id));
        rows.reverse();
        Ok(rows)
    }

    /// The newest heals first, optionally of one service or rule.
    pub fn heals(
        &self,
        service: Option<&str>,
        rule: Option<&str>,
        limit: usize,
    ) -> Result<Vec<HealRow>, StateError> {
        if self.version < 5 {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {COLUMNS} FROM heals WHERE (?1 IS NULL OR service = ?1) \
             AND (?2 IS NULL OR rule = ?2) ORDER BY id DESC LIMIT ?3"
        );
        let mut stmt = self.conn.prepare(&sql).map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![service, rule, limit as i64], |r| {
                Ok(HealRow {
                    id: r.get(0)?,
                    run_id: r.get(1)?,
                    at: r.get(2)?,
                    at_ms: r.get(3)?,
                    node: r.get(4)?,
                    service: r.get(5)?,
                    host: r.get(6)?,
                    event: r.get(7)?,
                    kind: r.get(8)?,
                    fingerprint: r.get(9)?,
                    rule: r.get(10)?,
                    origin: r.get(11)?,
                    facts_json: r.get(12)?,
                    actions_json: r.get(13)?,
                    outcome: r.get(14)?,
                    attempt: r.get(15)?,
                    duration_ms: r.get(16)?,
                    diagnose_ms: r.get(17)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// Heals per rule, most used first.
    pub fn heal_stats(&self) -> Result<Vec<RuleStats>, StateError> {
        if self.version < 5 {
            return Ok(Vec::new());
        }
        let mut stmt = self
            .conn
            .prepare(
                "SELECT rule, COALESCE(origin, ''), COUNT(*), SUM(outcome = 'fixed'), \
                 CAST(AVG(duration_ms) AS INTEGER), MAX(at) FROM heals WHERE rule IS NOT NULL \
                 GROUP BY rule ORDER BY COUNT(*) DESC, rule",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(RuleStats {
                    rule: r.get(0)?,
                    origin: r.get(1)?,
                    heals: r.get(2)?,
                    fixed: r.get(3)?,
                    avg_ms: r.get(4)?,
                    last: r.get(5)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// Failed heals per (service, host) since `since_ms`: the circuit breaker's memory.
    pub fn failed_heals_since(&self, since_ms: i64) -> Result<Vec<PlaceCount>, StateError> {
        if self.version < 5 {
            return Ok(Vec::new());
        }
        let mut stmt = self
            .conn
            .prepare(
                "SELECT service, host, COUNT(*) FROM heals WHERE at_ms >= ?1 AND rule IS NOT NULL \
                 AND outcome = 'failed' GROUP BY service, host",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([since_ms], |r| {
                Ok(((r.get(0)?, r.get(1)?), r.get::<_, i64>(2)? as u32))
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heals_are_recorded_listed_counted_and_leave_the_serial_alone() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut db = StateDb::open(&dir.path().join("state.db")).expect("open");
        let serial = db.serial().expect("serial");
        let mut row = HealRow {
            at: "2026-11-27T08:00:00Z".into(),
            at_ms: 1000,
            node: "api/health".into(),
            service: "api".into(),
            host: "h1".into(),
            event: "health".into(),
            kind: "port_in_use".into(),
            fingerprint: "abc".into(),
            rule: Some("port_conflict".into()),
            origin: Some("stdlib".into()),
            facts_json: "[]".into(),
            actions_json: "[]".into(),
            outcome: "fixed".into(),
            attempt: 1,
            duration_ms: 900,
            ..HealRow::default()
        };
        db.record_heal(&row).expect("record");
        row.outcome = "failed".into();
        row.at_ms = 2000;
        db.record_heal(&row).expect("record");
        assert_eq!(db.serial().expect("serial"), serial);
        let all = db.heals(Some("api"), None, 10).expect("heals");
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].outcome, "failed", "newest first");
        let stats = db.heal_stats().expect("stats");
        assert_eq!((stats[0].heals, stats[0].fixed), (2, 1));
        let recent = db.failed_heals_since(1500).expect("recent");
        assert_eq!(recent, vec![(("api".into(), "h1".into()), 1)]);
        assert!(db.failed_heals_since(3000).expect("none").is_empty());
    }
}
