//! Records kept whole as JSON under a key: assets, vulnerabilities, meta.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use serde::de::DeserializeOwned;
use taishi_core::StoreError;
use taishi_core::domain::{Asset, Vulnerability};

use super::sql::backend;

fn encode<T: Serialize>(what: &str, key: &str, v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError::Backend(format!("encode {what} {key}: {e}")))
}

fn decode<T: DeserializeOwned>(table: &str, key: &str, text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("{table} row {key}: {e}")))
}

/// Inserts or replaces assets by address, in one transaction.
pub(crate) fn put_assets(conn: &mut Connection, assets: &[Asset]) -> Result<(), StoreError> {
    let tx = conn.transaction().map_err(backend("begin asset write"))?;
    {
        let mut stmt = tx
            .prepare_cached("INSERT OR REPLACE INTO assets (address, body) VALUES (?, ?)")
            .map_err(backend("write asset"))?;
        for a in assets {
            stmt.execute(params![a.address, encode("asset", &a.address, a)?])
                .map_err(backend("write asset"))?;
        }
    }
    tx.commit().map_err(backend("commit assets"))
}

/// Every asset, by address.
pub(crate) fn assets(conn: &Connection) -> Result<Vec<Asset>, StoreError> {
    let mut stmt = conn
        .prepare_cached("SELECT address, body FROM assets ORDER BY address")
        .map_err(backend("query assets"))?;
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .map_err(backend("query assets"))?;
    let mut out = Vec::new();
    for r in rows {
        let (k, t) = r.map_err(backend("read asset"))?;
        out.push(decode("assets", &k, &t)?);
    }
    Ok(out)
}

/// One asset by address.
pub(crate) fn asset(conn: &Connection, address: &str) -> Result<Option<Asset>, StoreError> {
    let text: Option<String> = conn
        .query_row(
            "SELECT body FROM assets WHERE address = ?",
            [address],
            |r| r.get(0),
        )
        .optional()
        .map_err(backend("read asset"))?;
    text.map(|t| decode("assets", address, &t)).transpose()
}

/// What a vulnerability entry affects, as the `vulns` table keys it: the
/// CPE and the version range (schema step 6 computes the same text).
fn affected(v: &Vulnerability) -> String {
    format!(
        "{} {}-{}",
        v.cpe.as_deref().unwrap_or(""),
        v.version_from.as_deref().unwrap_or(""),
        v.version_to.as_deref().unwrap_or("")
    )
}

/// Inserts or replaces vulnerabilities by (id, product, what they
/// affect), in one transaction: importing a list again replaces its
/// entries, and one CVE's several ranges of a product all stay.
pub(crate) fn put_vulns(conn: &mut Connection, vulns: &[Vulnerability]) -> Result<(), StoreError> {
    let tx = conn
        .transaction()
        .map_err(backend("begin vulnerability write"))?;
    {
        let mut stmt = tx
            .prepare_cached(
                "INSERT OR REPLACE INTO vulns (id, product, affected, body) VALUES (?, ?, ?, ?)",
            )
            .map_err(backend("write vulnerability"))?;
        for v in vulns {
            stmt.execute(params![
                v.id,
                v.product,
                affected(v),
                encode("vulnerability", &v.id, v)?
            ])
            .map_err(backend("write vulnerability"))?;
        }
    }
    tx.commit().map_err(backend("commit vulnerabilities"))
}

/// Every vulnerability, by id, product and range.
pub(crate) fn vulns(conn: &Connection) -> Result<Vec<Vulnerability>, StoreError> {
    let mut stmt = conn
        .prepare_cached("SELECT id, body FROM vulns ORDER BY id, product, affected")
        .map_err(backend("query vulnerabilities"))?;
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .map_err(backend("query vulnerabilities"))?;
    let mut out = Vec::new();
    for r in rows {
        let (k, t) = r.map_err(backend("read vulnerability"))?;
        out.push(decode("vulns", &k, &t)?);
    }
    Ok(out)
}

/// A kept value.
pub(crate) fn meta(conn: &Connection, key: &str) -> Result<Option<String>, StoreError> {
    conn.query_row("SELECT value FROM meta WHERE key = ?", [key], |r| r.get(0))
        .optional()
        .map_err(backend("read meta"))
}

/// Sets a kept value.
pub(crate) fn set_meta(conn: &mut Connection, key: &str, value: &str) -> Result<(), StoreError> {
    conn.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
        params![key, value],
    )
    .map(|_| ())
    .map_err(backend("write meta"))
}
