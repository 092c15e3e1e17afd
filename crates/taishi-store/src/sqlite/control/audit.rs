//! The hash-chained, append-only audit log.

use rusqlite::{Connection, OptionalExtension, Row, params};
use taishi_core::StoreError;
use taishi_core::control::{AuditEntry, AuditQuery, GENESIS_HASH, NewAudit};

use crate::sqlite::sql::{backend, int, uint};

fn entry_row(r: &Row<'_>) -> rusqlite::Result<AuditEntry> {
    Ok(AuditEntry {
        id: r.get(0)?,
        ts: uint(r.get(1)?),
        actor: r.get(2)?,
        action: r.get(3)?,
        target: r.get(4)?,
        detail: r.get(5)?,
        prev_hash: r.get(6)?,
        hash: r.get(7)?,
    })
}

/// Appends `e` after the last entry, in one transaction so that two
/// writers (the server and the command line) never fork the chain.
pub(super) fn append(
    conn: &mut Connection,
    e: &NewAudit,
    seal: &dyn Fn(&AuditEntry) -> String,
) -> Result<AuditEntry, StoreError> {
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(backend("begin audit append"))?;
    let last: Option<(i64, String)> = tx
        .query_row(
            "SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .map_err(backend("read audit tail"))?;
    let (id, prev_hash) = match last {
        Some((id, h)) => (id.saturating_add(1), h),
        None => (1, GENESIS_HASH.to_owned()),
    };
    let mut entry = AuditEntry {
        id,
        ts: e.ts,
        actor: e.actor.clone(),
        action: e.action.clone(),
        target: e.target.clone(),
        detail: e.detail.clone(),
        prev_hash,
        hash: String::new(),
    };
    entry.hash = seal(&entry);
    tx.execute(
        "INSERT INTO audit (id, ts, actor, action, target, detail, prev_hash, hash)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        params![
            entry.id,
            int(entry.ts),
            entry.actor,
            entry.action,
            entry.target,
            entry.detail,
            entry.prev_hash,
            entry.hash
        ],
    )
    .map_err(backend("append audit entry"))?;
    tx.commit().map_err(backend("commit audit entry"))?;
    Ok(entry)
}

/// Entries matching `q`.
pub(super) fn list(conn: &Connection, q: &AuditQuery) -> Result<Vec<AuditEntry>, StoreError> {
    let order = if q.newest_first { "DESC" } else { "ASC" };
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT id, ts, actor, action, target, detail, prev_hash, hash FROM audit
             WHERE id > ? ORDER BY id {order} LIMIT ? OFFSET ?"
        ))
        .map_err(backend("query audit"))?;
    let rows = stmt
        .query_map(
            params![
                q.after_id.unwrap_or(i64::MIN),
                q.limit.map_or(-1, int),
                int(q.offset)
            ],
            entry_row,
        )
        .map_err(backend("query audit"))?;
    rows.map(|r| r.map_err(backend("read audit entry")))
        .collect()
}

/// Entries in the log.
pub(super) fn count(conn: &Connection) -> Result<u64, StoreError> {
    let n: i64 = conn
        .query_row("SELECT COUNT(*) FROM audit", [], |r| r.get(0))
        .map_err(backend("count audit"))?;
    Ok(uint(n))
}
