//! Reading other records back (protocol events, anomalies, assets ...).

use rusqlite::types::Value;
use rusqlite::{Connection, params_from_iter};
use taishi_core::StoreError;

use super::sql::{Filter, backend, int, uint};

fn filter(event_type: Option<&str>, since: Option<u64>, until: Option<u64>) -> Filter {
    let mut f = Filter::default();
    if let Some(et) = event_type {
        f.add("event_type = ?", [Value::Text(et.to_owned())]);
    }
    if let Some(t) = since {
        f.add("ts >= ?", [Value::Integer(int(t))]);
    }
    if let Some(t) = until {
        f.add("ts < ?", [Value::Integer(int(t))]);
    }
    f
}

/// Records of `event_type` in the window, oldest first.
pub(crate) fn events(
    conn: &Connection,
    event_type: &str,
    since: Option<u64>,
    until: Option<u64>,
    limit: u64,
) -> Result<Vec<serde_json::Value>, StoreError> {
    let mut f = filter(Some(event_type), since, until);
    let page = f.page(Some(limit), 0);
    let sql = format!(
        "SELECT id, record FROM events{} ORDER BY ts, id{page}",
        f.sql()
    );
    let mut stmt = conn.prepare_cached(&sql).map_err(backend("query events"))?;
    let mut rows = stmt
        .query(params_from_iter(f.params.iter()))
        .map_err(backend("query events"))?;
    let mut out = Vec::new();
    while let Some(r) = rows.next().map_err(backend("read event"))? {
        let id: i64 = r.get(0).map_err(backend("read event"))?;
        let text: String = r.get(1).map_err(backend("read event"))?;
        out.push(
            serde_json::from_str(&text)
                .map_err(|e| StoreError::Corrupt(format!("events row {id}: {e}")))?,
        );
    }
    Ok(out)
}

/// Records per event type in the window, by type.
pub(crate) fn counts(
    conn: &Connection,
    since: Option<u64>,
    until: Option<u64>,
) -> Result<Vec<(String, u64)>, StoreError> {
    let f = filter(None, since, until);
    let sql = format!(
        "SELECT event_type, count(*) FROM events{} GROUP BY event_type ORDER BY event_type",
        f.sql()
    );
    let mut stmt = conn.prepare_cached(&sql).map_err(backend("count events"))?;
    let rows = stmt
        .query_map(params_from_iter(f.params.iter()), |r| {
            Ok((r.get::<_, String>(0)?, uint(r.get(1)?)))
        })
        .map_err(backend("count events"))?;
    rows.collect::<Result<_, _>>()
        .map_err(backend("read event counts"))
}
