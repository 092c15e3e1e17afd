//! Retention: by age, then by size.
//!
//! Size is the space the rows use, `(page_count - freelist_count) ×
//! page_size`. Deleted rows free pages inside the file, which later
//! inserts reuse; the file itself does not shrink (no `VACUUM`, which would
//! rewrite the whole database and block writers). A database capped at
//! `max_bytes` so stays near that size on disk.
//!
//! By size, the oldest flows go first, then the oldest events, then the
//! oldest alerts that are in no open incident — alerts are the evidence of
//! incidents and are kept longest. Age pruning also spares the alerts of
//! open incidents: they are still being worked on. Each chunk is its own
//! transaction, so an ingest waiting for the write lock gets in between.

use std::sync::Mutex;

use rusqlite::{Connection, params};
use taishi_core::StoreError;
use taishi_core::store::{PruneReport, Retention};

use super::lock;
use super::sql::{backend, int, uint};

/// Rows deleted per transaction when pruning by size: big enough that the
/// per-transaction cost is small, small enough that ingest is not held up
/// for long.
const PRUNE_CHUNK: i64 = 20_000;

/// Alerts of incidents still open are never pruned.
const NOT_IN_OPEN_INCIDENT: &str = "(incident_id IS NULL OR incident_id NOT IN
    (SELECT id FROM incidents WHERE status IN ('new', 'acknowledged', 'investigating')))";

/// Bytes the rows use (free pages excluded).
pub(crate) fn used_bytes(conn: &Connection) -> Result<u64, StoreError> {
    let q = |p: &str| -> Result<i64, StoreError> {
        conn.query_row(&format!("PRAGMA {p}"), [], |r| r.get(0))
            .map_err(backend("read database size"))
    };
    let pages = q("page_count")? - q("freelist_count")?;
    Ok(uint(pages).saturating_mul(uint(q("page_size")?)))
}

fn delete(conn: &Connection, sql: &str, arg: i64) -> Result<u64, StoreError> {
    conn.execute(sql, params![arg])
        .map(|n| n as u64)
        .map_err(backend("prune"))
}

/// Applies `policy`.
pub(crate) fn prune(
    writer: &Mutex<Connection>,
    policy: &Retention,
) -> Result<PruneReport, StoreError> {
    let mut report = PruneReport::default();
    if let Some(age) = policy.max_age_secs {
        let cutoff = int(policy.now.saturating_sub(age).saturating_mul(1_000_000_000));
        let mut conn = lock(writer);
        let tx = conn.transaction().map_err(backend("begin prune"))?;
        report.flows += delete(&tx, "DELETE FROM flows WHERE start < ?", cutoff)?;
        report.events += delete(&tx, "DELETE FROM events WHERE ts < ?", cutoff)?;
        report.alerts += delete(
            &tx,
            &format!("DELETE FROM alerts WHERE ts < ? AND {NOT_IN_OPEN_INCIDENT}"),
            cutoff,
        )?;
        tx.commit().map_err(backend("commit prune"))?;
    }
    if let Some(cap) = policy.max_bytes {
        let steps: [(&str, String); 3] = [
            (
                "flows",
                "DELETE FROM flows WHERE id IN (SELECT id FROM flows ORDER BY start LIMIT ?)"
                    .into(),
            ),
            (
                "events",
                "DELETE FROM events WHERE id IN (SELECT id FROM events ORDER BY ts LIMIT ?)".into(),
            ),
            (
                "alerts",
                format!(
                    "DELETE FROM alerts WHERE id IN (SELECT id FROM alerts
                     WHERE {NOT_IN_OPEN_INCIDENT} ORDER BY ts LIMIT ?)"
                ),
            ),
        ];
        for (table, sql) in &steps {
            loop {
                let conn = lock(writer);
                if used_bytes(&conn)? <= cap {
                    return Ok(report);
                }
                let n = delete(&conn, sql, PRUNE_CHUNK)?;
                match *table {
                    "flows" => report.flows += n,
                    "events" => report.events += n,
                    _ => report.alerts += n,
                }
                if n == 0 {
                    break;
                }
            }
        }
    }
    Ok(report)
}
