//! Retention: by age, then by size.
//!
//! Size is the space the rows use, `(page_count - freelist_count) ×
//! page_size`. Deleted rows free pages inside the file, which later
//! inserts reuse; the file itself does not shrink (no `VACUUM`, which would
//! rewrite the whole database and block writers). A database capped at
//! `max_bytes` so stays near that size on disk.
//!
//! By size, the oldest flows go first, then the oldest events, then the
//! oldest alerts that are in no open incident ("oldest" meaning first
//! stored: the id order, which needs no time index and is time order for a
//! live sensor) — alerts are the evidence of
//! incidents and are kept longest. Age pruning also spares the alerts of
//! open incidents: they are still being worked on. Each chunk is its own
//! transaction, so an ingest waiting for the write lock gets in between.

use std::sync::Mutex;

use rusqlite::{Connection, params};
use taishi_core::StoreError;
use taishi_core::store::{PruneReport, Retention};

use super::lock;
use super::rollup;
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

/// The id below which (inclusive) lie the `PRUNE_CHUNK` first rows of
/// `table`, or `None` when it is empty.
fn chunk_end(conn: &Connection, table: &str) -> Result<Option<i64>, StoreError> {
    conn.query_row(
        &format!(
            "SELECT coalesce(
                (SELECT id FROM {table} ORDER BY id LIMIT 1 OFFSET {}),
                (SELECT max(id) FROM {table}))",
            PRUNE_CHUNK - 1
        ),
        [],
        |r| r.get(0),
    )
    .map_err(backend("prune"))
}

/// Deletes by age, in one transaction.
fn prune_age(
    conn: &mut Connection,
    cutoff: i64,
    report: &mut PruneReport,
) -> Result<(), StoreError> {
    let tx = conn.transaction().map_err(backend("begin prune"))?;
    rollup::subtract(&tx, "start < ?", cutoff)?;
    report.flows += delete(&tx, "DELETE FROM flows WHERE start < ?", cutoff)?;
    let types: Vec<String> = tx
        .prepare("SELECT event_type FROM event_types")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .map_err(backend("list event types"))?;
    for t in types {
        // Per type, so that the (event_type, ts) index finds the rows.
        report.events += tx
            .execute(
                "DELETE FROM events WHERE event_type = ? AND ts < ?",
                params![t, cutoff],
            )
            .map(|n| n as u64)
            .map_err(backend("prune"))?;
    }
    report.alerts += delete(
        &tx,
        &format!("DELETE FROM alerts WHERE ts < ? AND {NOT_IN_OPEN_INCIDENT}"),
        cutoff,
    )?;
    tx.commit().map_err(backend("commit prune"))
}

/// Deletes one chunk of the oldest rows of `table`; how many went.
fn prune_chunk(conn: &mut Connection, table: &str) -> Result<u64, StoreError> {
    let tx = conn.transaction().map_err(backend("begin prune"))?;
    let n = if table == "alerts" {
        delete(
            &tx,
            &format!(
                "DELETE FROM alerts WHERE id IN (SELECT id FROM alerts
                 WHERE {NOT_IN_OPEN_INCIDENT} ORDER BY id LIMIT ?)"
            ),
            PRUNE_CHUNK,
        )?
    } else {
        let Some(end) = chunk_end(&tx, table)? else {
            return Ok(0);
        };
        if table == "flows" {
            rollup::subtract(&tx, "id <= ?", end)?;
        }
        delete(&tx, &format!("DELETE FROM {table} WHERE id <= ?"), end)?
    };
    tx.commit().map_err(backend("commit prune"))?;
    Ok(n)
}

/// Applies `policy`.
pub(crate) fn prune(
    writer: &Mutex<Connection>,
    policy: &Retention,
) -> Result<PruneReport, StoreError> {
    let mut report = PruneReport::default();
    if let Some(age) = policy.max_age_secs {
        let cutoff = int(policy.now.saturating_sub(age).saturating_mul(1_000_000_000));
        prune_age(&mut lock(writer), cutoff, &mut report)?;
    }
    let Some(cap) = policy.max_bytes else {
        return Ok(report);
    };
    for table in ["flows", "events", "alerts"] {
        loop {
            // The lock is taken per chunk so that ingest gets in between.
            let mut conn = lock(writer);
            if used_bytes(&conn)? <= cap {
                return Ok(report);
            }
            let n = prune_chunk(&mut conn, table)?;
            match table {
                "flows" => report.flows += n,
                "events" => report.events += n,
                _ => report.alerts += n,
            }
            if n == 0 {
                break;
            }
        }
    }
    Ok(report)
}
