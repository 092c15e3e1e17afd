//! Rollups of flows by client and by server address, per hour and per day,
//! built when a summary first asks for a bucket, not while flows are
//! stored.
//!
//! Rolling flows up by address at ingest added one or two rows per flow
//! (a site has as many clients as hosts) and was a third of the cost of
//! storing a flow (docs/store.md), for summaries only the API asks for.
//! Reading the flows instead made a week's "top talkers" on ten million
//! flows take 15 s. So the address rows of an hour or a day are computed
//! from its flows the first time a summary covers that bucket, and kept;
//! a summary splits its window as the ingest-time rollups do
//! ([`rollup::plan`]): whole days, whole hours at their edges, and flows.
//!
//! Kept rows must not go stale when flows of that bucket arrive later (a
//! capture analysed after another, a sensor catching up) or are pruned.
//! `address_hours` records, per grouping and bucket, the flows and bytes
//! the rows were built from; the application-protocol rollup, which
//! ingest and pruning keep exact in the same transaction as the flows,
//! gives the bucket's totals now. A bucket whose two totals differ is
//! built again.

use rusqlite::{Connection, params};
use taishi_core::StoreError;
use taishi_core::store::FlowGroup;

use super::rollup::{self, NS};
use super::sql::{backend, int, uint};

/// The `grp` number of an address grouping in `flow_rollup`; `None` for
/// the groupings rolled up at ingest. Numbers 1 and 2
/// were the ingest-time address rollups of schema step 3 and are not
/// reused, so a database of that step never shows its rows as these.
pub(crate) fn group_number(g: FlowGroup) -> Option<i64> {
    match g {
        FlowGroup::SrcIp => Some(4),
        FlowGroup::DestIp => Some(5),
        FlowGroup::AppProto | FlowGroup::Service => None,
    }
}

/// Buckets `width` seconds wide (seconds, in `[lo, hi)`) whose rows for
/// grouping `grp` are missing or stale: built from other totals than the
/// bucket holds now, or kept for a bucket whose flows were all pruned.
pub(crate) fn stale(
    conn: &Connection,
    grp: i64,
    width: u64,
    (lo, hi): (u64, u64),
) -> Result<Vec<u64>, StoreError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT t.bucket FROM (
                 SELECT bucket, sum(flows) AS n, sum(bytes) AS b FROM flow_rollup
                 WHERE grp = 0 AND width = ?1 AND bucket >= ?2 AND bucket < ?3
                 GROUP BY bucket) AS t
             LEFT JOIN address_hours AS a
                 ON a.grp = ?4 AND a.width = ?1 AND a.bucket = t.bucket
             WHERE a.flows IS NULL OR a.flows != t.n OR a.bytes != t.b
             UNION
             SELECT a.bucket FROM address_hours AS a
             WHERE a.grp = ?4 AND a.width = ?1 AND a.bucket >= ?2 AND a.bucket < ?3
             AND NOT EXISTS (
                 SELECT 1 FROM flow_rollup AS r
                 WHERE r.grp = 0 AND r.width = ?1 AND r.bucket = a.bucket)
             ORDER BY 1",
        )
        .map_err(backend("check address rollups"))?;
    let rows = stmt
        .query_map(params![int(width), int(lo), int(hi), grp], |r| {
            r.get::<_, i64>(0)
        })
        .map_err(backend("check address rollups"))?;
    rows.map(|r| r.map(uint))
        .collect::<Result<_, _>>()
        .map_err(backend("check address rollups"))
}

/// Builds the rows of grouping `g` (number `grp`) for the bucket `width`
/// seconds wide starting at `bucket` (seconds) from its flows, in one
/// transaction.
pub(crate) fn build(
    conn: &mut Connection,
    grp: i64,
    g: FlowGroup,
    width: u64,
    bucket: u64,
) -> Result<(), StoreError> {
    let (lo, hi) = (int(bucket * NS), int((bucket + width) * NS));
    let tx = conn
        .transaction()
        .map_err(backend("begin address rollup"))?;
    tx.execute(
        "DELETE FROM flow_rollup WHERE grp = ? AND width = ? AND bucket = ?",
        params![grp, int(width), int(bucket)],
    )
    .map_err(backend("clear address rollup"))?;
    let sql = format!(
        "INSERT INTO flow_rollup (grp, width, bucket, key, flows, bytes)
         SELECT ?1, ?2, ?3, {key} AS k, count(*), sum(bytes_toserver + bytes_toclient)
         FROM flows WHERE start >= ?4 AND start < ?5 GROUP BY k",
        key = rollup::key_sql(g),
    );
    tx.execute(&sql, params![grp, int(width), int(bucket), lo, hi])
        .map_err(backend("build address rollup"))?;
    let (flows, bytes): (i64, i64) = tx
        .query_row(
            "SELECT coalesce(sum(flows), 0), coalesce(sum(bytes), 0) FROM flow_rollup
             WHERE grp = ? AND width = ? AND bucket = ?",
            params![grp, int(width), int(bucket)],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .map_err(backend("build address rollup"))?;
    if flows == 0 {
        tx.execute(
            "DELETE FROM address_hours WHERE grp = ? AND width = ? AND bucket = ?",
            params![grp, int(width), int(bucket)],
        )
    } else {
        tx.execute(
            "INSERT OR REPLACE INTO address_hours (grp, width, bucket, flows, bytes)
             VALUES (?, ?, ?, ?, ?)",
            params![grp, int(width), int(bucket), flows, bytes],
        )
    }
    .map_err(backend("record address rollup"))?;
    tx.commit().map_err(backend("commit address rollup"))
}

/// Forgets every address row, so that summaries build them again (after
/// the flows were changed from outside, see `rebuild_rollups`).
pub(crate) fn clear(tx: &rusqlite::Transaction<'_>) -> Result<(), StoreError> {
    tx.execute_batch(
        "DELETE FROM flow_rollup WHERE grp IN (4, 5);
         DELETE FROM address_hours;",
    )
    .map_err(backend("clear address rollups"))
}
