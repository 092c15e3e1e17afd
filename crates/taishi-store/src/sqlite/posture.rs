//! Posture series: one row per (scope, bucket, forecast).
//!
//! Scope kind and level are stored as their rank so that `ORDER BY` gives
//! the order of the Rust enums (service, host, zone, organisation).

use rusqlite::types::Value;
use rusqlite::{Connection, params, params_from_iter};
use taishi_core::StoreError;
use taishi_core::domain::{Level, PosturePoint, Scope, ScopeKind};
use taishi_core::store::PostureQuery;

use super::sql::{Filter, address_text, backend, int, uint};

const KINDS: [ScopeKind; 4] = [
    ScopeKind::Service,
    ScopeKind::Host,
    ScopeKind::Zone,
    ScopeKind::Organisation,
];
const LEVELS: [Level; 5] = [
    Level::Green,
    Level::Blue,
    Level::Yellow,
    Level::Orange,
    Level::Red,
];

fn kind_rank(k: ScopeKind) -> i64 {
    KINDS.iter().position(|x| *x == k).map_or(0, |p| p as i64)
}

fn level_rank(l: Level) -> i64 {
    LEVELS.iter().position(|x| *x == l).map_or(0, |p| p as i64)
}

fn nth<T: Copy>(table: &[T], rank: i64, what: &str) -> Result<T, StoreError> {
    usize::try_from(rank)
        .ok()
        .and_then(|i| table.get(i).copied())
        .ok_or_else(|| StoreError::Corrupt(format!("posture row: {what} {rank}")))
}

/// Inserts or replaces points, in one transaction.
pub(crate) fn put(conn: &mut Connection, points: &[PosturePoint]) -> Result<(), StoreError> {
    let tx = conn.transaction().map_err(backend("begin posture write"))?;
    {
        let mut stmt = tx
            .prepare_cached(
                "INSERT OR REPLACE INTO posture (kind, key, bucket, forecast, width, idx, level)
                 VALUES (?, ?, ?, ?, ?, ?, ?)",
            )
            .map_err(backend("write posture"))?;
        for p in points {
            stmt.execute(params![
                kind_rank(p.scope.kind),
                p.scope.key,
                int(p.bucket),
                p.forecast,
                int(p.width),
                p.index,
                level_rank(p.level),
            ])
            .map_err(backend("write posture"))?;
        }
    }
    tx.commit().map_err(backend("commit posture"))
}

/// Removes every forecast point.
pub(crate) fn clear_forecast(conn: &mut Connection) -> Result<(), StoreError> {
    conn.execute("DELETE FROM posture WHERE forecast = 1", [])
        .map(|_| ())
        .map_err(backend("clear forecast"))
}

/// Points matching `q`, by scope then bucket (a measurement before the
/// forecast of the same bucket).
pub(crate) fn posture(
    conn: &Connection,
    q: &PostureQuery,
) -> Result<Vec<PosturePoint>, StoreError> {
    let mut f = Filter::default();
    if let Some(k) = q.kind {
        f.add("kind = ?", [Value::Integer(kind_rank(k))]);
        if let Some(key) = &q.key {
            // A host's series is keyed by its address as the alerts
            // spell it (EVE's text).
            let key = if k == ScopeKind::Host {
                address_text(key)
            } else {
                key.clone()
            };
            f.add("key = ?", [Value::Text(key)]);
        }
    }
    if let Some(t) = q.since {
        f.add("bucket >= ?", [Value::Integer(int(t))]);
    }
    if let Some(t) = q.until {
        f.add("bucket < ?", [Value::Integer(int(t))]);
    }
    if !q.forecast {
        f.add("forecast = 0", []);
    }
    let sql = format!(
        "SELECT kind, key, bucket, forecast, width, idx, level FROM posture{}
         ORDER BY kind, key, bucket, forecast",
        f.sql()
    );
    let mut stmt = conn
        .prepare_cached(&sql)
        .map_err(backend("query posture"))?;
    let rows = stmt
        .query_map(params_from_iter(f.params.iter()), |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, bool>(3)?,
                r.get::<_, i64>(4)?,
                r.get::<_, f64>(5)?,
                r.get::<_, i64>(6)?,
            ))
        })
        .map_err(backend("query posture"))?;
    let mut out = Vec::new();
    for r in rows {
        let (kind, key, bucket, forecast, width, index, level) =
            r.map_err(backend("read posture"))?;
        out.push(PosturePoint {
            scope: Scope {
                kind: nth(&KINDS, kind, "scope kind")?,
                key,
            },
            bucket: uint(bucket),
            width: uint(width),
            index,
            level: nth(&LEVELS, level, "level")?,
            forecast,
        });
    }
    Ok(out)
}
