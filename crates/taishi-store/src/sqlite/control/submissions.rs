//! Public submissions, kept whole as JSON beside the columns lists filter on.

use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, ToSql, params};
use taishi_core::StoreError;
use taishi_core::control::{Submission, SubmissionQuery};

use crate::sqlite::sql::{Filter, backend, int, uint};

fn encode(s: &Submission) -> Result<String, StoreError> {
    serde_json::to_string(s)
        .map_err(|e| StoreError::Backend(format!("encode submission {}: {e}", s.tracking_code)))
}

fn decode(id: i64, text: &str) -> Result<Submission, StoreError> {
    let mut s: Submission = serde_json::from_str(text)
        .map_err(|e| StoreError::Corrupt(format!("submissions row {id}: {e}")))?;
    s.id = id;
    Ok(s)
}

/// Inserts `s`; `None` when its code is taken.
pub(super) fn insert(
    conn: &mut Connection,
    s: &Submission,
) -> Result<Option<Submission>, StoreError> {
    let n = conn
        .execute(
            "INSERT OR IGNORE INTO submissions (code, status, created, body) VALUES (?, ?, ?, ?)",
            params![
                s.tracking_code,
                s.status.as_str(),
                int(s.created),
                encode(s)?
            ],
        )
        .map_err(backend("insert submission"))?;
    if n == 0 {
        return Ok(None);
    }
    Ok(Some(Submission {
        id: conn.last_insert_rowid(),
        ..s.clone()
    }))
}

/// One submission by a one-parameter condition.
pub(super) fn one(
    conn: &Connection,
    cond: &str,
    key: impl ToSql,
) -> Result<Option<Submission>, StoreError> {
    conn.query_row(
        &format!("SELECT id, body FROM submissions WHERE {cond}"),
        [key],
        |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)),
    )
    .optional()
    .map_err(backend("read submission"))?
    .map(|(id, t)| decode(id, &t))
    .transpose()
}

fn filter(q: &SubmissionQuery) -> Filter {
    let mut f = Filter::default();
    if !q.status.is_empty() {
        let marks = vec!["?"; q.status.len()].join(", ");
        f.add(
            &format!("status IN ({marks})"),
            q.status.iter().map(|s| Value::Text(s.as_str().to_owned())),
        );
    }
    f
}

/// Submissions matching `q`, newest first.
pub(super) fn list(conn: &Connection, q: &SubmissionQuery) -> Result<Vec<Submission>, StoreError> {
    let mut f = filter(q);
    let page = f.page(q.limit, q.offset);
    let sql = format!(
        "SELECT id, body FROM submissions{} ORDER BY created DESC, id DESC{page}",
        f.sql()
    );
    let mut stmt = conn.prepare(&sql).map_err(backend("query submissions"))?;
    let rows = stmt
        .query_map(rusqlite::params_from_iter(f.params.iter()), |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
        })
        .map_err(backend("query submissions"))?;
    let mut out = Vec::new();
    for r in rows {
        let (id, t) = r.map_err(backend("read submission"))?;
        out.push(decode(id, &t)?);
    }
    Ok(out)
}

/// How many match.
pub(super) fn count(conn: &Connection, q: &SubmissionQuery) -> Result<u64, StoreError> {
    let f = filter(q);
    let n: i64 = conn
        .query_row(
            &format!("SELECT COUNT(*) FROM submissions{}", f.sql()),
            rusqlite::params_from_iter(f.params.iter()),
            |r| r.get(0),
        )
        .map_err(backend("count submissions"))?;
    Ok(uint(n))
}

/// Replaces submission `s.id`.
pub(super) fn update(conn: &mut Connection, s: &Submission) -> Result<bool, StoreError> {
    let n = conn
        .execute(
            "UPDATE submissions SET status = ?, body = ? WHERE id = ?",
            params![s.status.as_str(), encode(s)?, s.id],
        )
        .map_err(backend("update submission"))?;
    Ok(n > 0)
}
