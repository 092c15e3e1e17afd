//! Reading alerts back.

use rusqlite::types::Value;
use rusqlite::{Connection, Row, params_from_iter};
use taishi_core::StoreError;
use taishi_core::domain::AlertRow;
use taishi_core::store::AlertQuery;

use super::sql::{Filter, backend, flow_id_from_sql, int, port, uint};

const COLUMNS: &str = "id, ts, flow_id, src_ip, src_port, dest_ip, dest_port, proto, app_proto,
    gid, sid, rev, signature, category, severity, techniques, tactics, attacker, victim,
    incident_id, record";

fn filter(q: &AlertQuery) -> Filter {
    let mut f = Filter::default();
    if let Some(t) = q.since {
        f.add("ts >= ?", [Value::Integer(int(t))]);
    }
    if let Some(t) = q.until {
        f.add("ts < ?", [Value::Integer(int(t))]);
    }
    if let Some(id) = q.after_id {
        f.add("id > ?", [Value::Integer(id)]);
    }
    if q.unassigned {
        f.add("incident_id IS NULL", []);
    }
    if let Some(id) = q.incident_id {
        f.add("incident_id = ?", [Value::Integer(id)]);
    }
    if let Some(ip) = &q.ip {
        f.either_address(ip);
    }
    if let Some(sid) = q.sid {
        f.add("sid = ?", [Value::Integer(i64::from(sid))]);
    }
    if let Some(s) = q.max_severity {
        f.add("severity <= ?", [Value::Integer(i64::from(s))]);
    }
    if let Some(text) = q.text.as_deref().filter(|t| !t.is_empty()) {
        let pattern = Value::Text(format!("%{}%", like_escaped(text)));
        // Positional parameters: the other clauses number theirs by order.
        f.add(
            "(signature LIKE ? ESCAPE '\\' OR category LIKE ? ESCAPE '\\' \
             OR techniques LIKE ? ESCAPE '\\')",
            [pattern.clone(), pattern.clone(), pattern],
        );
    }
    f
}

/// `text` with LIKE's wildcards taken literally (escaped by `\`).
fn like_escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Alerts matching `q`, in id order (or reversed).
pub(crate) fn alerts(conn: &Connection, q: &AlertQuery) -> Result<Vec<AlertRow>, StoreError> {
    let mut f = filter(q);
    let order = if q.newest_first { "DESC" } else { "ASC" };
    let page = f.page(q.limit, q.offset);
    let sql = format!(
        "SELECT {COLUMNS} FROM alerts{} ORDER BY id {order}{page}",
        f.sql()
    );
    let mut stmt = conn.prepare_cached(&sql).map_err(backend("query alerts"))?;
    let rows = stmt
        .query_map(params_from_iter(f.params.iter()), raw_row)
        .map_err(backend("query alerts"))?;
    let mut out = Vec::new();
    for r in rows {
        out.push(r.map_err(backend("read alert"))?.into_row()?);
    }
    Ok(out)
}

/// How many alerts match `q`.
pub(crate) fn count(conn: &Connection, q: &AlertQuery) -> Result<u64, StoreError> {
    filter(q).count(conn, "alerts")
}

/// A row as read, before its JSON columns are decoded (decoding errors are
/// ours, not rusqlite's).
struct Raw {
    row: AlertRow,
    techniques: String,
    tactics: String,
    record: String,
}

fn raw_row(r: &Row<'_>) -> rusqlite::Result<Raw> {
    Ok(Raw {
        row: AlertRow {
            id: r.get(0)?,
            ts: uint(r.get(1)?),
            flow_id: r.get::<_, Option<i64>>(2)?.map(flow_id_from_sql),
            src_ip: r.get(3)?,
            src_port: port(r.get(4)?),
            dest_ip: r.get(5)?,
            dest_port: port(r.get(6)?),
            proto: r.get(7)?,
            app_proto: r.get(8)?,
            gid: r.get(9)?,
            sid: r.get(10)?,
            rev: r.get(11)?,
            signature: r.get(12)?,
            category: r.get(13)?,
            severity: r.get(14)?,
            techniques: Vec::new(),
            tactics: Vec::new(),
            attacker: r.get(17)?,
            victim: r.get(18)?,
            incident_id: r.get(19)?,
            record: serde_json::Value::Null,
        },
        techniques: r.get(15)?,
        tactics: r.get(16)?,
        record: r.get(20)?,
    })
}

impl Raw {
    fn into_row(self) -> Result<AlertRow, StoreError> {
        let id = self.row.id;
        let bad = |what: &str, e: serde_json::Error| {
            StoreError::Corrupt(format!("alerts row {id}: {what}: {e}"))
        };
        let mut row = self.row;
        row.techniques =
            serde_json::from_str(&self.techniques).map_err(|e| bad("techniques", e))?;
        row.tactics = serde_json::from_str(&self.tactics).map_err(|e| bad("tactics", e))?;
        row.record = serde_json::from_str(&self.record).map_err(|e| bad("record", e))?;
        Ok(row)
    }
}
