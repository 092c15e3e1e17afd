//! The schema, as an ordered list of migrations.
//!
//! `PRAGMA user_version` holds how many steps a database has had. Opening
//! applies the missing ones in order, each in its own transaction (a crash
//! half-way leaves the database at the previous version, never between
//! two). A database with more steps than this build knows was written by a
//! newer Taishi and is refused with [`StoreError::TooNew`] rather than
//! misread. Steps are never edited once released: a change is a new step.

use rusqlite::Connection;
use taishi_core::StoreError;

use super::sql::backend;

/// Migration steps; step `i` takes a database from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    // 1: the tables and the indexes every query filter needs.
    "CREATE TABLE flows (
        id INTEGER PRIMARY KEY,
        start INTEGER NOT NULL,
        end_ts INTEGER NOT NULL,
        flow_id INTEGER,
        src_ip TEXT NOT NULL,
        src_port INTEGER,
        dest_ip TEXT NOT NULL,
        dest_port INTEGER,
        proto TEXT NOT NULL,
        app_proto TEXT,
        pkts INTEGER NOT NULL,
        bytes_toserver INTEGER NOT NULL,
        bytes_toclient INTEGER NOT NULL,
        state TEXT NOT NULL,
        alerted INTEGER NOT NULL
    );
    CREATE INDEX flows_start ON flows(start);
    CREATE INDEX flows_src_ip ON flows(src_ip, start);
    CREATE INDEX flows_dest_ip ON flows(dest_ip, start);
    CREATE INDEX flows_app_proto ON flows(app_proto, start);
    CREATE INDEX flows_dest_port ON flows(dest_port, start);

    CREATE TABLE incidents (
        id INTEGER PRIMARY KEY,
        tenant TEXT NOT NULL,
        status TEXT NOT NULL,
        severity REAL NOT NULL,
        first_seen INTEGER NOT NULL,
        last_seen INTEGER NOT NULL,
        body TEXT NOT NULL
    );
    CREATE INDEX incidents_last_seen ON incidents(last_seen);
    CREATE INDEX incidents_severity ON incidents(severity);
    CREATE INDEX incidents_tenant ON incidents(tenant, last_seen);
    CREATE INDEX incidents_status ON incidents(status);

    CREATE TABLE incident_hosts (
        incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
        ip TEXT NOT NULL,
        role TEXT NOT NULL,
        PRIMARY KEY (incident_id, ip, role)
    ) WITHOUT ROWID;
    CREATE INDEX incident_hosts_ip ON incident_hosts(ip);

    CREATE TABLE alerts (
        id INTEGER PRIMARY KEY,
        ts INTEGER NOT NULL,
        flow_id INTEGER,
        src_ip TEXT NOT NULL,
        src_port INTEGER,
        dest_ip TEXT NOT NULL,
        dest_port INTEGER,
        proto TEXT NOT NULL,
        app_proto TEXT,
        gid INTEGER NOT NULL,
        sid INTEGER NOT NULL,
        rev INTEGER NOT NULL,
        signature TEXT NOT NULL,
        category TEXT NOT NULL,
        severity INTEGER NOT NULL,
        techniques TEXT NOT NULL,
        tactics TEXT NOT NULL,
        attacker TEXT NOT NULL,
        victim TEXT NOT NULL,
        incident_id INTEGER REFERENCES incidents(id) ON DELETE SET NULL,
        record TEXT NOT NULL
    );
    CREATE INDEX alerts_ts ON alerts(ts);
    CREATE INDEX alerts_incident ON alerts(incident_id);
    CREATE INDEX alerts_src_ip ON alerts(src_ip);
    CREATE INDEX alerts_dest_ip ON alerts(dest_ip);
    CREATE INDEX alerts_attacker ON alerts(attacker);
    CREATE INDEX alerts_victim ON alerts(victim);
    CREATE INDEX alerts_sid ON alerts(sid);

    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        ts INTEGER NOT NULL,
        event_type TEXT NOT NULL,
        flow_id INTEGER,
        src_ip TEXT,
        dest_ip TEXT,
        app_proto TEXT,
        record TEXT NOT NULL
    );
    CREATE INDEX events_type_ts ON events(event_type, ts);
    CREATE INDEX events_ts ON events(ts);

    CREATE TABLE assets (address TEXT PRIMARY KEY, body TEXT NOT NULL) WITHOUT ROWID;
    CREATE TABLE vulns (
        id TEXT NOT NULL,
        product TEXT NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (id, product)
    ) WITHOUT ROWID;
    CREATE TABLE posture (
        kind INTEGER NOT NULL,
        key TEXT NOT NULL,
        bucket INTEGER NOT NULL,
        forecast INTEGER NOT NULL,
        width INTEGER NOT NULL,
        idx REAL NOT NULL,
        level INTEGER NOT NULL,
        PRIMARY KEY (kind, key, bucket, forecast)
    ) WITHOUT ROWID;
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;",
    // 2: the console's state (users, sessions, API tokens, public
    // submissions) and the hash-chained audit log, append-only by trigger.
    "CREATE TABLE users (
        id INTEGER PRIMARY KEY,
        username TEXT NOT NULL UNIQUE,
        password_hash TEXT NOT NULL,
        role TEXT NOT NULL,
        tenant TEXT NOT NULL,
        disabled INTEGER NOT NULL,
        created INTEGER NOT NULL
    );
    CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        csrf TEXT NOT NULL,
        created INTEGER NOT NULL,
        expires INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX sessions_user ON sessions(user_id);
    CREATE TABLE api_tokens (
        id INTEGER PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        token_hash TEXT NOT NULL UNIQUE,
        created INTEGER NOT NULL,
        last_used INTEGER
    );
    CREATE TABLE submissions (
        id INTEGER PRIMARY KEY,
        code TEXT NOT NULL UNIQUE,
        status TEXT NOT NULL,
        created INTEGER NOT NULL,
        body TEXT NOT NULL
    );
    CREATE INDEX submissions_status ON submissions(status, created);
    CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        ts INTEGER NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT NOT NULL,
        detail TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
    );
    CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;",
    // 3: flow rollups. Measured on a million flows, a week's summary took seconds;
    // rollups per hour and day make it milliseconds (see
    // rollup.rs). The indexes on app_proto and dest_port, and the events'
    // time index, cost ingest more than they saved: flow filters ride on
    // the start index, event reads on (event_type, ts) per type, listed in
    // event_types.
    "DROP INDEX flows_app_proto;
    DROP INDEX flows_dest_port;
    DROP INDEX events_ts;
    CREATE TABLE flow_rollup (
        grp INTEGER NOT NULL,
        width INTEGER NOT NULL,
        bucket INTEGER NOT NULL,
        key TEXT NOT NULL,
        flows INTEGER NOT NULL,
        bytes INTEGER NOT NULL,
        PRIMARY KEY (grp, width, bucket, key)
    ) WITHOUT ROWID;
    INSERT INTO flow_rollup (grp, width, bucket, key, flows, bytes)
    SELECT g.grp, w.width, f.start / (w.width * 1000000000) * w.width AS b,
        CASE g.grp
            WHEN 0 THEN coalesce(f.app_proto, '')
            WHEN 1 THEN f.src_ip
            WHEN 2 THEN f.dest_ip
            ELSE coalesce(f.dest_port || '/', '') || f.proto
        END AS k,
        count(*), sum(f.bytes_toserver + f.bytes_toclient)
    FROM flows AS f,
        (SELECT 0 AS grp UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3) AS g,
        (SELECT 3600 AS width UNION ALL SELECT 86400) AS w
    GROUP BY g.grp, w.width, b, k;
    CREATE TABLE event_types (event_type TEXT PRIMARY KEY) WITHOUT ROWID;
    INSERT INTO event_types SELECT DISTINCT event_type FROM events;",
    // 4: flows are no longer rolled up by client and server address (one
    // or two rollup rows per flow, a third of a flow's storing cost; see
    // rollup.rs): summaries by address read the flows.
    "DELETE FROM flow_rollup WHERE grp IN (1, 2);",
    // 5: address rollups built per hour or day when a summary first reads
    // that bucket (address_rollup.rs); this records what each was built from.
    "CREATE TABLE address_hours (
        grp INTEGER NOT NULL,
        width INTEGER NOT NULL,
        bucket INTEGER NOT NULL,
        flows INTEGER NOT NULL,
        bytes INTEGER NOT NULL,
        PRIMARY KEY (grp, width, bucket)
    ) WITHOUT ROWID;",
    // 6: a vulnerability is keyed by what it affects too: one CVE often
    // names several version ranges of one product (OpenSSL's branches),
    // and keyed by (id, product) alone the last range replaced the others.
    // `affected` is kv::affected's text: the CPE and the version range.
    "CREATE TABLE vulns_6 (
        id TEXT NOT NULL,
        product TEXT NOT NULL,
        affected TEXT NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (id, product, affected)
    ) WITHOUT ROWID;
    INSERT OR REPLACE INTO vulns_6 (id, product, affected, body)
    SELECT id, product,
        coalesce(json_extract(body, '$.cpe'), '') || ' '
            || coalesce(json_extract(body, '$.version_from'), '') || '-'
            || coalesce(json_extract(body, '$.version_to'), ''),
        body
    FROM vulns;
    DROP TABLE vulns;
    ALTER TABLE vulns_6 RENAME TO vulns;",
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Brings `conn`'s schema to [`SCHEMA_VERSION`].
pub(crate) fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    migrate_to(conn, SCHEMA_VERSION)
}

/// The version recorded in the database.
pub(crate) fn version(conn: &Connection) -> Result<i64, StoreError> {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(backend("read schema version"))
}

/// Brings `conn`'s schema to `target` (tests build old databases with it).
pub(crate) fn migrate_to(conn: &mut Connection, target: i64) -> Result<(), StoreError> {
    let found = version(conn)?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::TooNew {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    for (step, sql) in MIGRATIONS.iter().enumerate() {
        let to = step as i64 + 1;
        if to <= found || to > target {
            continue;
        }
        let tx = conn
            .transaction()
            .map_err(backend("begin schema migration"))?;
        tx.execute_batch(sql)
            .map_err(|e| StoreError::Backend(format!("schema migration to version {to}: {e}")))?;
        tx.pragma_update(None, "user_version", to)
            .map_err(backend("record schema version"))?;
        tx.commit().map_err(backend("commit schema migration"))?;
    }
    Ok(())
}
