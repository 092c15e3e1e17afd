//! Reading flows back, one by one or grouped.

use rusqlite::types::Value;
use rusqlite::{Connection, Row, params_from_iter};
use taishi_core::StoreError;
use taishi_core::domain::FlowRow;
use taishi_core::store::{FlowGroup, FlowGroupRow, FlowQuery};

use super::sql::{Filter, backend, flow_id_from_sql, int, port, uint};
use super::{address_rollup, rollup};

const COLUMNS: &str = "id, start, end_ts, flow_id, src_ip, src_port, dest_ip, dest_port, proto,
    app_proto, pkts, bytes_toserver, bytes_toclient, state, alerted";

fn filter(q: &FlowQuery) -> Filter {
    let mut f = Filter::default();
    if let Some(t) = q.since {
        f.add("start >= ?", [Value::Integer(int(t))]);
    }
    if let Some(t) = q.until {
        f.add("start < ?", [Value::Integer(int(t))]);
    }
    if let Some(ip) = &q.ip {
        f.either_address(ip);
    }
    if let Some(a) = &q.app_proto {
        f.add("app_proto = ?", [Value::Text(a.clone())]);
    }
    if let Some(p) = q.dest_port {
        f.add("dest_port = ?", [Value::Integer(i64::from(p))]);
    }
    f
}

fn row(r: &Row<'_>) -> rusqlite::Result<FlowRow> {
    Ok(FlowRow {
        id: r.get(0)?,
        start: uint(r.get(1)?),
        end: uint(r.get(2)?),
        flow_id: r.get::<_, Option<i64>>(3)?.map(flow_id_from_sql),
        src_ip: r.get(4)?,
        src_port: port(r.get(5)?),
        dest_ip: r.get(6)?,
        dest_port: port(r.get(7)?),
        proto: r.get(8)?,
        app_proto: r.get(9)?,
        pkts: uint(r.get(10)?),
        bytes_toserver: uint(r.get(11)?),
        bytes_toclient: uint(r.get(12)?),
        state: r.get(13)?,
        alerted: r.get(14)?,
    })
}

/// Flows matching `q`, by start time.
pub(crate) fn flows(conn: &Connection, q: &FlowQuery) -> Result<Vec<FlowRow>, StoreError> {
    let mut f = filter(q);
    let page = f.page(q.limit, q.offset);
    let sql = format!(
        "SELECT {COLUMNS} FROM flows{} ORDER BY start, id{page}",
        f.sql()
    );
    let mut stmt = conn.prepare_cached(&sql).map_err(backend("query flows"))?;
    let rows = stmt
        .query_map(params_from_iter(f.params.iter()), row)
        .map_err(backend("query flows"))?;
    rows.collect::<Result<_, _>>().map_err(backend("read flow"))
}

/// How many flows match `q`.
pub(crate) fn count(conn: &Connection, q: &FlowQuery) -> Result<u64, StoreError> {
    filter(q).count(conn, "flows")
}

/// Rollup buckets of one width: (width, [first, end) bucket), seconds.
pub(crate) type Buckets = (u64, (u64, u64));

/// The rollup buckets an address summary of `group` over `q` reads, when
/// it reads any (an address grouping with no filter but time): its `grp`
/// number and (width, [first, end) bucket) pieces, seconds; the caller
/// builds the missing ones first.
pub(crate) fn address_buckets(q: &FlowQuery, group: FlowGroup) -> Option<(i64, Vec<Buckets>)> {
    let grp = address_rollup::group_number(group).filter(|_| unfiltered(q))?;
    let (lo, hi) = window(q);
    let p = rollup::plan(lo, hi);
    let pieces = [
        (rollup::HOUR, p.hours[0]),
        (rollup::HOUR, p.hours[1]),
        (rollup::DAY, p.days),
    ];
    Some((
        grp,
        pieces.into_iter().filter(|(_, (a, b))| a < b).collect(),
    ))
}

/// No filter but the time window.
fn unfiltered(q: &FlowQuery) -> bool {
    q.ip.is_none() && q.app_proto.is_none() && q.dest_port.is_none()
}

/// The query's time window (ns), open ends made explicit.
fn window(q: &FlowQuery) -> (u64, u64) {
    (q.since.unwrap_or(0), q.until.unwrap_or(uint(i64::MAX)))
}

/// Flows matching `q` grouped by `group`, most flows first.
///
/// Without an address, protocol or port filter, whole hours and days come
/// from rollups and only the window's edges from the flows: for
/// application protocols and services the rollups kept at ingest, for
/// addresses the ones built on demand ([`address_rollup`]; the caller
/// builds the missing buckets first, see [`address_buckets`]).
/// Anything else reads the flows of the window.
pub(crate) fn summary(
    conn: &Connection,
    q: &FlowQuery,
    group: FlowGroup,
) -> Result<Vec<FlowGroupRow>, StoreError> {
    let key = rollup::key_sql(group);
    let (lo, hi) = window(q);
    // Windows read from the flows (ns), and from rollup rows:
    // (grp, width, first bucket, end bucket), seconds.
    let rolled_up = rollup::group_number(group).or(address_rollup::group_number(group));
    let pieces = if !unfiltered(q) {
        None
    } else if let Some(grp) = rolled_up {
        let p = rollup::plan(lo, hi);
        Some((
            p.raw.to_vec(),
            vec![
                (grp, rollup::HOUR, p.hours[0]),
                (grp, rollup::HOUR, p.hours[1]),
                (grp, rollup::DAY, p.days),
            ],
        ))
    } else {
        None
    };
    let (mut params, source) = if let Some((raw, rolled)) = pieces {
        let mut params = Vec::new();
        let mut parts = Vec::new();
        for (a, b) in raw {
            parts.push(format!(
                "SELECT {key} AS k, 1 AS n, bytes_toserver + bytes_toclient AS b
                    FROM flows WHERE start >= ? AND start < ?"
            ));
            params.extend([Value::Integer(int(a)), Value::Integer(int(b))]);
        }
        for (grp, width, (a, b)) in rolled {
            parts.push(
                "SELECT key AS k, flows AS n, bytes AS b FROM flow_rollup
                    WHERE grp = ? AND width = ? AND bucket >= ? AND bucket < ?"
                    .to_owned(),
            );
            params.extend([
                Value::Integer(grp),
                Value::Integer(int(width)),
                Value::Integer(int(a)),
                Value::Integer(int(b)),
            ]);
        }
        (params, parts.join(" UNION ALL "))
    } else {
        let f = filter(q);
        let source = format!(
            "SELECT {key} AS k, 1 AS n, bytes_toserver + bytes_toclient AS b FROM flows{}",
            f.sql()
        );
        (f.params, source)
    };
    let mut page = Filter::default();
    let page_sql = page.page(q.limit, q.offset);
    params.extend(page.params);
    let sql = format!(
        "SELECT k, sum(n) AS flows, sum(b) FROM ({source}) GROUP BY k ORDER BY flows DESC, k{page_sql}"
    );
    let mut stmt = conn
        .prepare_cached(&sql)
        .map_err(backend("summarise flows"))?;
    let rows = stmt
        .query_map(params_from_iter(params.iter()), |r| {
            Ok(FlowGroupRow {
                key: r.get(0)?,
                flows: uint(r.get(1)?),
                bytes: uint(r.get::<_, Option<i64>>(2)?.unwrap_or(0)),
            })
        })
        .map_err(backend("summarise flows"))?;
    rows.collect::<Result<_, _>>()
        .map_err(backend("read flow summary"))
}
