//! Reading flows back, one by one or grouped.

use rusqlite::types::Value;
use rusqlite::{Connection, Row, params_from_iter};
use taishi_core::StoreError;
use taishi_core::domain::FlowRow;
use taishi_core::store::{FlowGroup, FlowGroupRow, FlowQuery};

use super::sql::{Filter, backend, flow_id_from_sql, int, port, uint};

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
        f.add(
            "(src_ip = ? OR dest_ip = ?)",
            [Value::Text(ip.clone()), Value::Text(ip.clone())],
        );
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
    let f = filter(q);
    let sql = format!("SELECT count(*) FROM flows{}", f.sql());
    conn.query_row(&sql, params_from_iter(f.params.iter()), |r| {
        r.get::<_, i64>(0)
    })
    .map(uint)
    .map_err(backend("count flows"))
}

/// Flows matching `q` grouped by `group`, most flows first.
pub(crate) fn summary(
    conn: &Connection,
    q: &FlowQuery,
    group: FlowGroup,
) -> Result<Vec<FlowGroupRow>, StoreError> {
    let key = match group {
        FlowGroup::AppProto => "coalesce(app_proto, '')",
        FlowGroup::SrcIp => "src_ip",
        FlowGroup::DestIp => "dest_ip",
        // `502/TCP`; a flow without ports (ICMP) is its transport alone.
        FlowGroup::Service => "coalesce(dest_port || '/', '') || proto",
    };
    let mut f = filter(q);
    let page = f.page(q.limit, q.offset);
    let sql = format!(
        "SELECT {key} AS k, count(*) AS n, sum(bytes_toserver + bytes_toclient)
         FROM flows{} GROUP BY k ORDER BY n DESC, k{page}",
        f.sql()
    );
    let mut stmt = conn
        .prepare_cached(&sql)
        .map_err(backend("summarise flows"))?;
    let rows = stmt
        .query_map(params_from_iter(f.params.iter()), |r| {
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
