//! Reading other records back (protocol events, anomalies, assets ...).

use rusqlite::types::Value;
use rusqlite::{Connection, params_from_iter};
use taishi_core::StoreError;

use super::sql::{Filter, backend, int};

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
///
/// One index range count per known type (`event_types`), rather than a
/// scan of every event in the window.
pub(crate) fn counts(
    conn: &Connection,
    since: Option<u64>,
    until: Option<u64>,
) -> Result<Vec<(String, u64)>, StoreError> {
    let mut types = conn
        .prepare_cached("SELECT event_type FROM event_types ORDER BY event_type")
        .map_err(backend("list event types"))?;
    let types: Vec<String> = types
        .query_map([], |r| r.get(0))
        .map_err(backend("list event types"))?
        .collect::<Result<_, _>>()
        .map_err(backend("list event types"))?;
    let mut out = Vec::new();
    for t in types {
        let n = filter(Some(&t), since, until).count(conn, "events")?;
        if n > 0 {
            out.push((t, n));
        }
    }
    Ok(out)
}
