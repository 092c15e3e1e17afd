//! Small helpers shared by the query modules: error mapping, integer
//! conversions between Rust's unsigned values and SQLite's signed ones, and
//! a builder for optional `WHERE` filters.

use rusqlite::types::Value;
use rusqlite::{Connection, params_from_iter};
use taishi_core::StoreError;

/// Maps a rusqlite error to [`StoreError::Backend`] naming the operation.
pub(crate) fn backend(op: &'static str) -> impl Fn(rusqlite::Error) -> StoreError {
    move |e| StoreError::Backend(format!("{op}: {e}"))
}

/// A time or counter for an INTEGER column. SQLite integers are signed;
/// nanosecond times fit until 2262 and counters never get near, so
/// saturating keeps sums and comparisons right.
pub(crate) fn int(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// The inverse of [`int`] (a negative value, which we never write, reads as 0).
pub(crate) fn uint(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

/// A flow id for an INTEGER column, bit for bit: flow ids are hashes that
/// use all 64 bits and are only ever compared for equality.
pub(crate) fn flow_id_to_sql(v: u64) -> i64 {
    i64::from_ne_bytes(v.to_ne_bytes())
}

/// The inverse of [`flow_id_to_sql`].
pub(crate) fn flow_id_from_sql(v: i64) -> u64 {
    u64::from_ne_bytes(v.to_ne_bytes())
}

/// An address filter as the tables hold addresses: EVE's text, IPv6 in
/// eight full groups. An operator (or the asset registry, which keeps an
/// address as it was declared or as the standard library prints it) may
/// name `2001:db8::1` for what the flows store as
/// `2001:0db8:0000:0000:0000:0000:0000:0001`; anything that is not an
/// address is compared as given.
pub(crate) fn address_text(ip: &str) -> String {
    match ip.trim().parse::<std::net::IpAddr>() {
        Ok(a) => taishi_core::event::EveIp(a).to_string(),
        Err(_) => ip.to_owned(),
    }
}

/// A port read back from an INTEGER column.
pub(crate) fn port(v: Option<i64>) -> Option<u16> {
    v.and_then(|p| u16::try_from(p).ok())
}

/// `WHERE` clauses joined by `AND`, with their positional parameters.
#[derive(Default)]
pub(crate) struct Filter {
    clauses: Vec<String>,
    pub(crate) params: Vec<Value>,
}

impl Filter {
    /// Adds `clause`, whose `?` placeholders take `params` in order.
    pub(crate) fn add(&mut self, clause: &str, params: impl IntoIterator<Item = Value>) {
        self.clauses.push(clause.to_owned());
        self.params.extend(params);
    }

    /// Rows with `ip` at either end (`src_ip` or `dest_ip`), the address
    /// spelled as the tables hold it ([`address_text`]).
    pub(crate) fn either_address(&mut self, ip: &str) {
        let ip = address_text(ip);
        self.add(
            "(src_ip = ? OR dest_ip = ?)",
            [Value::Text(ip.clone()), Value::Text(ip)],
        );
    }

    /// ` WHERE a AND b`, or nothing.
    pub(crate) fn sql(&self) -> String {
        if self.clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.clauses.join(" AND "))
        }
    }

    /// How many rows of `table` pass the filter.
    pub(crate) fn count(&self, conn: &Connection, table: &str) -> Result<u64, StoreError> {
        let sql = format!("SELECT count(*) FROM {table}{}", self.sql());
        conn.prepare_cached(&sql)
            .and_then(|mut s| s.query_row(params_from_iter(self.params.iter()), |r| r.get(0)))
            .map(uint)
            .map_err(|e| StoreError::Backend(format!("count {table}: {e}")))
    }

    /// Appends ` LIMIT ? OFFSET ?` and its parameters (no limit: -1, SQLite's "all").
    pub(crate) fn page(&mut self, limit: Option<u64>, offset: u64) -> &'static str {
        self.params.push(Value::Integer(limit.map_or(-1, int)));
        self.params.push(Value::Integer(int(offset)));
        " LIMIT ? OFFSET ?"
    }
}
