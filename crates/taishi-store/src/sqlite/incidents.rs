//! Incidents: the whole record as JSON, with the columns queries filter
//! and sort on, and its addresses in `incident_hosts` for the ip filter.

use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Transaction, params, params_from_iter};
use taishi_core::StoreError;
use taishi_core::domain::{Incident, IncidentNote};
use taishi_core::store::{IncidentQuery, IncidentUpdate};

use super::sql::{Filter, address_text, backend, int};

fn body(i: &Incident) -> Result<String, StoreError> {
    serde_json::to_string(i)
        .map_err(|e| StoreError::Backend(format!("encode incident {}: {e}", i.id)))
}

fn decode(id: i64, text: &str) -> Result<Incident, StoreError> {
    let mut i: Incident = serde_json::from_str(text)
        .map_err(|e| StoreError::Corrupt(format!("incidents row {id}: {e}")))?;
    i.id = id;
    Ok(i)
}

/// Writes `i` (inserting it when its id is 0) and its address rows.
fn put(tx: &Transaction<'_>, i: &mut Incident) -> Result<(), StoreError> {
    if i.id == 0 {
        tx.execute(
            "INSERT INTO incidents (tenant, status, severity, first_seen, last_seen, body)
             VALUES (?, ?, ?, ?, ?, '{}')",
            params![
                i.tenant,
                i.status.as_str(),
                i.severity,
                int(i.first_seen),
                int(i.last_seen)
            ],
        )
        .map_err(backend("insert incident"))?;
        i.id = tx.last_insert_rowid();
    }
    // An upsert, never `INSERT OR REPLACE`: replacing deletes the row
    // first, which would detach its alerts (ON DELETE SET NULL).
    tx.execute(
        "INSERT INTO incidents (id, tenant, status, severity, first_seen, last_seen, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT(id) DO UPDATE SET tenant = ?2, status = ?3, severity = ?4,
             first_seen = ?5, last_seen = ?6, body = ?7",
        params![
            i.id,
            i.tenant,
            i.status.as_str(),
            i.severity,
            int(i.first_seen),
            int(i.last_seen),
            body(i)?
        ],
    )
    .map_err(backend("write incident"))?;
    tx.execute("DELETE FROM incident_hosts WHERE incident_id = ?", [i.id])
        .map_err(backend("write incident hosts"))?;
    let mut host = tx
        .prepare_cached(
            "INSERT OR IGNORE INTO incident_hosts (incident_id, ip, role) VALUES (?, ?, ?)",
        )
        .map_err(backend("write incident hosts"))?;
    for (role, ips) in [("attacker", &i.attackers), ("victim", &i.victims)] {
        for ip in ips {
            host.execute(params![i.id, ip, role])
                .map_err(backend("write incident hosts"))?;
        }
    }
    Ok(())
}

/// Saves one correlation pass in one transaction.
pub(crate) fn save_correlation(
    conn: &mut Connection,
    incidents: &mut [Incident],
    assignments: &[(i64, usize)],
) -> Result<(), StoreError> {
    let tx = conn.transaction().map_err(backend("begin correlation"))?;
    for i in incidents.iter_mut() {
        // The analysts own status, assignee and notes: a change made while
        // the correlator worked on its copy (read before the pass) wins
        // over that copy. (The correlator may still close nothing, so the
        // stored values are always the ones to keep.)
        if i.id != 0
            && let Some(stored) = incident(&tx, i.id)?
        {
            i.status = stored.status;
            i.assignee = stored.assignee;
            i.notes = stored.notes;
        }
        if i.id != 0 {
            fold_merged(&tx, i)?;
        }
        put(&tx, i)?;
    }
    {
        let mut assign = tx
            .prepare_cached("UPDATE alerts SET incident_id = ? WHERE id = ?")
            .map_err(backend("assign alerts"))?;
        for &(alert, index) in assignments {
            let incident = incidents.get(index).ok_or_else(|| {
                StoreError::Backend(format!(
                    "alert {alert} assigned to incident index {index} of {}",
                    incidents.len()
                ))
            })?;
            assign
                .execute(params![incident.id, alert])
                .map_err(backend("assign alerts"))?;
        }
    }
    tx.commit().map_err(backend("commit correlation"))
}

/// Folds the stored incidents `i.merged` names into `i` (already stored):
/// their notes and assignee join it, their alerts move to it, and they are
/// deleted. Ids already folded by an earlier pass are gone and skipped.
fn fold_merged(tx: &Transaction<'_>, i: &mut Incident) -> Result<(), StoreError> {
    for &gone in &i.merged {
        if gone == i.id {
            continue;
        }
        let Some(old) = incident(tx, gone)? else {
            continue;
        };
        i.notes.extend(old.notes);
        i.notes.sort_by_key(|n| n.ts);
        i.notes.dedup();
        if i.assignee.is_none() {
            i.assignee = old.assignee;
        }
        tx.execute(
            "UPDATE alerts SET incident_id = ? WHERE incident_id = ?",
            params![i.id, gone],
        )
        .map_err(backend("move merged incident's alerts"))?;
        tx.execute("DELETE FROM incidents WHERE id = ?", [gone])
            .map_err(backend("delete merged incident"))?;
    }
    Ok(())
}

fn filter(q: &IncidentQuery) -> Filter {
    let mut f = Filter::default();
    if let Some(t) = q.since {
        f.add("last_seen >= ?", [Value::Integer(int(t))]);
    }
    if !q.status.is_empty() {
        let marks = vec!["?"; q.status.len()].join(", ");
        f.add(
            &format!("status IN ({marks})"),
            q.status.iter().map(|s| Value::Text(s.as_str().to_owned())),
        );
    }
    if let Some(ip) = &q.ip {
        f.add(
            "id IN (SELECT incident_id FROM incident_hosts WHERE ip = ?)",
            [Value::Text(address_text(ip))],
        );
    }
    if let Some(t) = &q.tenant {
        f.add("tenant = ?", [Value::Text(t.clone())]);
    }
    f
}

/// Incidents matching `q`.
pub(crate) fn incidents(conn: &Connection, q: &IncidentQuery) -> Result<Vec<Incident>, StoreError> {
    let mut f = filter(q);
    let order = if q.by_severity {
        "severity DESC, last_seen DESC, id DESC"
    } else {
        "last_seen DESC, id DESC"
    };
    let page = f.page(q.limit, q.offset);
    let sql = format!(
        "SELECT id, body FROM incidents{} ORDER BY {order}{page}",
        f.sql()
    );
    let mut stmt = conn
        .prepare_cached(&sql)
        .map_err(backend("query incidents"))?;
    let rows = stmt
        .query_map(params_from_iter(f.params.iter()), |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
        })
        .map_err(backend("query incidents"))?;
    let mut out = Vec::new();
    for r in rows {
        let (id, text) = r.map_err(backend("read incident"))?;
        out.push(decode(id, &text)?);
    }
    Ok(out)
}

/// How many incidents match `q`.
pub(crate) fn count(conn: &Connection, q: &IncidentQuery) -> Result<u64, StoreError> {
    filter(q).count(conn, "incidents")
}

/// One incident by id.
pub(crate) fn incident(conn: &Connection, id: i64) -> Result<Option<Incident>, StoreError> {
    let text: Option<String> = conn
        .query_row("SELECT body FROM incidents WHERE id = ?", [id], |r| {
            r.get(0)
        })
        .optional()
        .map_err(backend("read incident"))?;
    text.map(|t| decode(id, &t)).transpose()
}

/// Applies an analyst's change.
pub(crate) fn update(
    conn: &mut Connection,
    id: i64,
    u: &IncidentUpdate,
) -> Result<Option<Incident>, StoreError> {
    let tx = conn
        .transaction()
        .map_err(backend("begin incident update"))?;
    let Some(mut i) = incident(&tx, id)? else {
        return Ok(None);
    };
    if let Some(s) = u.status {
        i.status = s;
    }
    if let Some(a) = &u.assignee {
        i.assignee = (!a.is_empty()).then(|| a.clone());
    }
    if let Some((author, text)) = &u.note {
        i.notes.push(IncidentNote {
            ts: u.now,
            author: author.clone(),
            text: text.clone(),
        });
    }
    put(&tx, &mut i)?;
    tx.commit().map_err(backend("commit incident update"))?;
    Ok(Some(i))
}
