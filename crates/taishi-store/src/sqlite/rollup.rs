//! Flow rollups: flows and bytes per (grouping, hour or day, key), kept in
//! step with the flows table so that report summaries over days read
//! thousands of rollup rows instead of millions of flows.
//!
//! Ingest adds each batch's flows to the rollups in the same transaction
//! (aggregated in memory first: a batch touches each key once per bucket);
//! pruning subtracts what it deletes, also in the same transaction. A
//! summary splits its time window into whole days, whole hours at the
//! edges of the days, and the minutes at the very edges, which come from
//! the flows themselves — so the answer is exact for any window.

use std::collections::HashMap;

use rusqlite::Transaction;
use taishi_core::StoreError;
use taishi_core::domain::FlowRow;
use taishi_core::store::FlowGroup;

use super::sql::{backend, int};

/// Rollup widths, seconds.
pub(crate) const HOUR: u64 = 3600;
/// A day, seconds.
pub(crate) const DAY: u64 = 86_400;
/// Nanoseconds in a second (flow times are in ns, buckets in seconds).
pub(crate) const NS: u64 = 1_000_000_000;

/// The groupings kept rolled up, with their `grp` number.
///
/// Only groupings with few keys: a site has a few dozen application
/// protocols and services, but as many clients and servers as hosts, so
/// rolling up by address added one or two rows per flow — a third of the
/// cost of storing a flow, measured (docs/store.md) — for summaries the
/// console and the reports do not ask for. Grouping by address reads the
/// flows of the window. Numbers 1 and 2 were the address groupings of
/// schema step 3 and are not reused.
const GROUPS: [(i64, FlowGroup); 2] = [(0, FlowGroup::AppProto), (3, FlowGroup::Service)];

/// The `grp` number of a grouping kept rolled up; `None` for the others.
pub(crate) fn group_number(g: FlowGroup) -> Option<i64> {
    GROUPS.iter().find(|(_, x)| *x == g).map(|(n, _)| *n)
}

/// The SQL expression of a grouping's key over the flows table; the Rust
/// side ([`key_of`]) must give the same text.
pub(crate) fn key_sql(g: FlowGroup) -> &'static str {
    match g {
        FlowGroup::AppProto => "coalesce(app_proto, '')",
        FlowGroup::SrcIp => "src_ip",
        FlowGroup::DestIp => "dest_ip",
        // `502/TCP`; a flow without ports (ICMP) is its transport alone.
        FlowGroup::Service => "coalesce(dest_port || '/', '') || proto",
    }
}

fn key_of(g: FlowGroup, f: &FlowRow, out: &mut String) {
    use std::fmt::Write;
    match g {
        FlowGroup::AppProto => out.push_str(f.app_proto.as_deref().unwrap_or("")),
        FlowGroup::SrcIp => out.push_str(&f.src_ip),
        FlowGroup::DestIp => out.push_str(&f.dest_ip),
        FlowGroup::Service => {
            if let Some(p) = f.dest_port {
                let _ = write!(out, "{p}/");
            }
            out.push_str(&f.proto);
        }
    }
}

struct Agg {
    grp: i64,
    hour: i64,
    /// Where the key starts in the map key (after the group and hour).
    key_at: usize,
    flows: i64,
    bytes: i64,
}

/// One batch's flows, summed per (grouping, hour, key).
#[derive(Default)]
pub(crate) struct Batch {
    /// Keyed by `"{grp} {hour} {key}"`, built in a reused buffer so that a
    /// key already present costs no allocation.
    sums: HashMap<String, Agg>,
    buf: String,
}

impl Batch {
    /// Counts one flow.
    pub(crate) fn add(&mut self, f: &FlowRow) {
        use std::fmt::Write;
        let hour = int(f.start / (HOUR * NS) * HOUR);
        let bytes = int(f.bytes_toserver).saturating_add(int(f.bytes_toclient));
        for &(grp, g) in &GROUPS {
            self.buf.clear();
            let _ = write!(self.buf, "{grp} {hour} ");
            let key_at = self.buf.len();
            key_of(g, f, &mut self.buf);
            match self.sums.get_mut(self.buf.as_str()) {
                Some(a) => {
                    a.flows += 1;
                    a.bytes = a.bytes.saturating_add(bytes);
                }
                None => {
                    self.sums.insert(
                        self.buf.clone(),
                        Agg {
                            grp,
                            hour,
                            key_at,
                            flows: 1,
                            bytes,
                        },
                    );
                }
            }
        }
    }

    /// Adds the sums to the hourly and daily rollups, and empties the batch.
    ///
    /// Rows go in key order, hourly ones first, then daily ones: each
    /// upsert lands next to the previous one in the rollup b-tree, so the
    /// pages it walks are the ones just walked (a batch of flows with
    /// distinct client addresses adds thousands of rows).
    pub(crate) fn flush(&mut self, tx: &Transaction<'_>) -> Result<(), StoreError> {
        if self.sums.is_empty() {
            return Ok(());
        }
        let mut stmt = tx
            .prepare_cached(UPSERT)
            .map_err(backend("update flow rollups"))?;
        let mut rows: Vec<Row<'_>> = self
            .sums
            .iter()
            .map(|(k, a)| Row {
                grp: a.grp,
                bucket: a.hour,
                key: k.get(a.key_at..).unwrap_or(""),
                flows: a.flows,
                bytes: a.bytes,
            })
            .collect();
        rows.sort_unstable_by(Row::order);
        upsert(&mut stmt, int(HOUR), &rows)?;
        // The same sums by day: a batch spanning midnight or several hours
        // of a day gives rows that merge once sorted by day.
        let day = int(DAY);
        for r in &mut rows {
            r.bucket = r.bucket / day * day;
        }
        rows.sort_by(Row::order);
        rows.dedup_by(|next, kept| {
            let same = Row::order(next, kept).is_eq();
            if same {
                kept.flows = kept.flows.saturating_add(next.flows);
                kept.bytes = kept.bytes.saturating_add(next.bytes);
            }
            same
        });
        upsert(&mut stmt, day, &rows)?;
        drop(rows);
        self.sums.clear();
        Ok(())
    }
}

/// A rollup row about to be added.
struct Row<'a> {
    grp: i64,
    bucket: i64,
    key: &'a str,
    flows: i64,
    bytes: i64,
}

impl Row<'_> {
    /// The order of the rollup table's key (the width is the same for all).
    fn order(a: &Row<'_>, b: &Row<'_>) -> std::cmp::Ordering {
        (a.grp, a.bucket, a.key).cmp(&(b.grp, b.bucket, b.key))
    }
}

fn upsert(
    stmt: &mut rusqlite::CachedStatement<'_>,
    width: i64,
    rows: &[Row<'_>],
) -> Result<(), StoreError> {
    for r in rows {
        stmt.execute(rusqlite::params![
            r.grp, width, r.bucket, r.key, r.flows, r.bytes
        ])
        .map_err(backend("update flow rollups"))?;
    }
    Ok(())
}

const UPSERT: &str = "INSERT INTO flow_rollup (grp, width, bucket, key, flows, bytes)
    VALUES (?, ?, ?, ?, ?, ?)
    ON CONFLICT DO UPDATE SET flows = flows + excluded.flows, bytes = bytes + excluded.bytes";

/// Subtracts from the rollups the flows that `cond` (an SQL condition on
/// the flows table, with one `?` bound to `arg`) selects; call it just
/// before deleting them, in the same transaction.
pub(crate) fn subtract(tx: &Transaction<'_>, cond: &str, arg: i64) -> Result<(), StoreError> {
    apply(tx, "-", cond, arg)?;
    tx.execute("DELETE FROM flow_rollup WHERE flows <= 0", [])
        .map_err(backend("update flow rollups"))?;
    Ok(())
}

/// Recomputes every rollup from the flows.
pub(crate) fn rebuild(tx: &Transaction<'_>) -> Result<(), StoreError> {
    tx.execute("DELETE FROM flow_rollup", [])
        .map_err(backend("clear flow rollups"))?;
    apply(tx, "", "?", 1)
}

/// Adds (`sign` empty) or subtracts (`-`) the selected flows.
fn apply(tx: &Transaction<'_>, sign: &str, cond: &str, arg: i64) -> Result<(), StoreError> {
    for (grp, g) in GROUPS {
        for width in [HOUR, DAY] {
            let sql = format!(
                "INSERT INTO flow_rollup (grp, width, bucket, key, flows, bytes)
                 SELECT {grp}, {width}, start / {span} * {width} AS b, {key} AS k,
                     {sign}count(*), {sign}sum(bytes_toserver + bytes_toclient)
                 FROM flows WHERE {cond} GROUP BY b, k
                 ON CONFLICT DO UPDATE SET flows = flows + excluded.flows,
                     bytes = bytes + excluded.bytes",
                span = width * NS,
                key = key_sql(g),
            );
            tx.execute(&sql, [arg])
                .map_err(backend("update flow rollups"))?;
        }
    }
    Ok(())
}

/// Where a summary reads each part of its window from.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Plan {
    /// Windows (ns) read from the flows table.
    pub(crate) raw: [(u64, u64); 2],
    /// Windows (seconds, hour-aligned) read from the hourly rollup.
    pub(crate) hours: [(u64, u64); 2],
    /// Window (seconds, day-aligned) read from the daily rollup.
    pub(crate) days: (u64, u64),
}

fn ceil_to(x: u64, w: u64) -> u64 {
    x.div_ceil(w).saturating_mul(w)
}

/// Splits `[lo, hi)` (ns) into edges, whole hours and whole days.
pub(crate) fn plan(lo: u64, hi: u64) -> Plan {
    let (h, d) = (HOUR * NS, DAY * NS);
    let hi = hi.max(lo);
    let (h_lo, h_hi) = (ceil_to(lo, h), hi / h * h);
    if h_lo >= h_hi {
        return Plan {
            raw: [(lo, hi), (hi, hi)],
            hours: [(0, 0), (0, 0)],
            days: (0, 0),
        };
    }
    let raw = [(lo, h_lo), (h_hi, hi)];
    let (d_lo, d_hi) = (ceil_to(h_lo, d), h_hi / d * d);
    if d_lo >= d_hi {
        return Plan {
            raw,
            hours: [(h_lo / NS, h_hi / NS), (0, 0)],
            days: (0, 0),
        };
    }
    Plan {
        raw,
        hours: [(h_lo / NS, d_lo / NS), (d_hi / NS, h_hi / NS)],
        days: (d_lo / NS, d_hi / NS),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_partition_the_window() {
        let t0 = 1_714_521_600 * NS; // a midnight
        let (h, d) = (HOUR * NS, DAY * NS);
        let cases = [
            (t0 + 5 * NS, t0 + 7 * NS),                // inside one hour
            (t0 + 5 * NS, t0 + 3 * h + 1),             // hours, no whole day
            (t0 - 1, t0 + 3 * d + 7),                  // days and edges
            (t0, t0 + d),                              // exactly one day
            (t0 + h, t0 + d + h),                      // a day's worth, unaligned
            (0, u64::try_from(i64::MAX).unwrap_or(0)), // unbounded
            (t0 + 9, t0 + 9),                          // empty
        ];
        for (lo, hi) in cases {
            let p = plan(lo, hi);
            let secs = |(a, b): (u64, u64)| (a * NS, b * NS);
            let pieces = [
                p.raw[0],
                p.raw[1],
                secs(p.hours[0]),
                secs(p.hours[1]),
                secs(p.days),
            ];
            assert_eq!(p.days.0 % DAY, 0, "{p:?}");
            assert_eq!(p.days.1 % DAY, 0, "{p:?}");
            for (a, b) in p.hours {
                assert_eq!((a % HOUR, b % HOUR), (0, 0), "{p:?}");
            }
            let mut points = vec![lo.saturating_sub(1), lo, lo + 1, hi.saturating_sub(1), hi];
            for (a, b) in pieces {
                points.extend([a.saturating_sub(1), a, b.saturating_sub(1), b]);
            }
            for t in points {
                let inside = pieces.iter().filter(|(a, b)| *a <= t && t < *b).count();
                let want = usize::from(lo <= t && t < hi);
                assert_eq!(inside, want, "{t} in {lo}..{hi}: {p:?}");
            }
        }
        assert_eq!(plan(t0, t0 + d).days, (t0 / NS, t0 / NS + DAY));
        assert_eq!(plan(t0 + h, t0 + d + h).days, (0, 0));
    }
}
