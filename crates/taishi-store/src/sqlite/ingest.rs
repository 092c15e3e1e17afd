//! Writing EVE lines: the hot path.
//!
//! Each line is parsed once into a borrowed struct holding only the
//! columns the tables index (the rest of the record is skipped by serde
//! without being built), and the record is stored as the text of the
//! original line. A line the borrowed struct cannot take (a field of an
//! unexpected type, a duplicate key) goes through the slow path — a
//! `serde_json::Value` and the row constructors of `taishi-core` — so odd
//! but valid records are judged exactly as the domain types judge them.
//! Alerts always take the slow path: they are few, and their row needs
//! nested metadata.
//!
//! Flows are kept as columns only (no record text): they are the bulk of
//! the data, and every field a query or report uses is a column.

use std::borrow::Cow;

use rusqlite::{CachedStatement, Connection, TransactionBehavior, params};
use serde::Deserialize;
use serde_json::Value;
use taishi_core::StoreError;
use taishi_core::Timestamp;
use taishi_core::domain::{AlertRow, FlowRow};
use taishi_core::event::Event;
use taishi_core::store::{IngestReport, LineColumns};

use super::rollup;
use super::sql::{backend, flow_id_to_sql, int};

/// The columns of any record, borrowed from the line where possible.
#[derive(Deserialize)]
struct Head<'a> {
    #[serde(borrow)]
    event_type: Cow<'a, str>,
    #[serde(default, borrow)]
    timestamp: Option<Cow<'a, str>>,
    #[serde(default)]
    flow_id: Option<u64>,
    #[serde(default, borrow)]
    src_ip: Option<Cow<'a, str>>,
    #[serde(default)]
    src_port: Option<u64>,
    #[serde(default, borrow)]
    dest_ip: Option<Cow<'a, str>>,
    #[serde(default)]
    dest_port: Option<u64>,
    #[serde(default, borrow)]
    proto: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    app_proto: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    flow: Option<FlowPart<'a>>,
}

/// The `flow` object of a flow record.
#[derive(Deserialize)]
struct FlowPart<'a> {
    #[serde(default)]
    pkts_toserver: Option<u64>,
    #[serde(default)]
    pkts_toclient: Option<u64>,
    #[serde(default)]
    bytes_toserver: Option<u64>,
    #[serde(default)]
    bytes_toclient: Option<u64>,
    #[serde(default, borrow)]
    start: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    end: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    state: Option<Cow<'a, str>>,
    #[serde(default)]
    alerted: Option<bool>,
}

fn port(p: Option<u64>) -> Option<u16> {
    p.and_then(|p| u16::try_from(p).ok())
}

fn eve_time(s: Option<&str>) -> Option<u64> {
    s.and_then(Timestamp::parse_eve).map(|t| t.0)
}

/// The flow row of a parsed head, by the rules of [`FlowRow::from_eve`].
fn flow_row(h: &Head<'_>) -> Option<FlowRow> {
    let f = h.flow.as_ref()?;
    let start = eve_time(f.start.as_deref()).or_else(|| eve_time(h.timestamp.as_deref()))?;
    let n = |v: Option<u64>| v.unwrap_or(0);
    Some(FlowRow {
        id: 0,
        start,
        end: eve_time(f.end.as_deref()).unwrap_or(start),
        flow_id: h.flow_id,
        src_ip: h.src_ip.as_deref()?.to_owned(),
        src_port: port(h.src_port),
        dest_ip: h.dest_ip.as_deref()?.to_owned(),
        dest_port: port(h.dest_port),
        proto: h.proto.as_deref().unwrap_or("").to_owned(),
        app_proto: h.app_proto.as_deref().map(str::to_owned),
        pkts: n(f.pkts_toserver).saturating_add(n(f.pkts_toclient)),
        bytes_toserver: n(f.bytes_toserver),
        bytes_toclient: n(f.bytes_toclient),
        state: f.state.as_deref().unwrap_or("").to_owned(),
        alerted: f.alerted.unwrap_or(false),
    })
}

/// The indexed columns of an event that is neither a flow nor an alert.
struct EventCols<'a> {
    ts: u64,
    event_type: &'a str,
    flow_id: Option<u64>,
    src_ip: Option<&'a str>,
    dest_ip: Option<&'a str>,
    app_proto: Option<&'a str>,
}

/// What one line turned out to be.
enum Parsed<'a> {
    Flow(FlowRow),
    Alert(Box<AlertRow>),
    Event(EventCols<'a>),
    Skip,
    Malformed,
}

fn classify_value<'v>(v: &'v Value) -> Parsed<'v> {
    let Some(event_type) = v.get("event_type").and_then(Value::as_str) else {
        return Parsed::Malformed;
    };
    let s = |k: &str| v.get(k).and_then(Value::as_str);
    match event_type {
        "stats" => Parsed::Skip,
        "flow" => FlowRow::from_eve(v).map_or(Parsed::Malformed, Parsed::Flow),
        "alert" => {
            AlertRow::from_eve(v.clone()).map_or(Parsed::Malformed, |a| Parsed::Alert(Box::new(a)))
        }
        _ => Parsed::Event(EventCols {
            // An event with no readable time still is one; it sorts first.
            ts: eve_time(s("timestamp")).unwrap_or(0),
            event_type,
            flow_id: v.get("flow_id").and_then(Value::as_u64),
            src_ip: s("src_ip"),
            dest_ip: s("dest_ip"),
            app_proto: s("app_proto"),
        }),
    }
}

/// Counts of one batch, plus the statements it reuses.
struct Writer<'c> {
    flow: CachedStatement<'c>,
    alert: CachedStatement<'c>,
    event: CachedStatement<'c>,
    report: IngestReport,
    rollup: rollup::Batch,
    /// Event types seen in the batch (a handful: a list beats a set).
    event_types: Vec<String>,
}

impl Writer<'_> {
    fn flow(&mut self, f: &FlowRow) -> Result<(), StoreError> {
        self.flow
            .execute(params![
                int(f.start),
                int(f.end),
                f.flow_id.map(flow_id_to_sql),
                f.src_ip,
                f.src_port,
                f.dest_ip,
                f.dest_port,
                f.proto,
                f.app_proto,
                int(f.pkts),
                int(f.bytes_toserver),
                int(f.bytes_toclient),
                f.state,
                f.alerted,
            ])
            .map_err(backend("insert flow"))?;
        self.rollup.add(f);
        self.report.flows += 1;
        Ok(())
    }

    fn alert(&mut self, a: &AlertRow, line: &str) -> Result<(), StoreError> {
        let json = |v: &Vec<String>| serde_json::to_string(v).unwrap_or_else(|_| "[]".into());
        self.alert
            .execute(params![
                int(a.ts),
                a.flow_id.map(flow_id_to_sql),
                a.src_ip,
                a.src_port,
                a.dest_ip,
                a.dest_port,
                a.proto,
                a.app_proto,
                a.gid,
                a.sid,
                a.rev,
                a.signature,
                a.category,
                a.severity,
                json(&a.techniques),
                json(&a.tactics),
                a.attacker,
                a.victim,
                line,
            ])
            .map_err(backend("insert alert"))?;
        self.report.alerts += 1;
        Ok(())
    }

    fn event(&mut self, e: &EventCols<'_>, line: &str) -> Result<(), StoreError> {
        self.event
            .execute(params![
                int(e.ts),
                e.event_type,
                e.flow_id.map(flow_id_to_sql),
                e.src_ip,
                e.dest_ip,
                e.app_proto,
                line,
            ])
            .map_err(backend("insert event"))?;
        if !self.event_types.iter().any(|t| t == e.event_type) {
            self.event_types.push(e.event_type.to_owned());
        }
        self.report.events += 1;
        Ok(())
    }

    /// Stores an event the pipeline handed over typed: a flow goes
    /// straight to its row; any other event is written to its EVE line
    /// (the record text) in `scratch`, its columns read from the event as
    /// for a described line (an alert's row needs its line's metadata, so
    /// it takes the line's path).
    fn typed(&mut self, event: &Event, scratch: &mut Vec<u8>) -> Result<(), StoreError> {
        match event {
            Event::Stats(_) => return Ok(()),
            Event::Flow(f) => {
                return match FlowRow::from_event(f) {
                    Some(row) => self.flow(&row),
                    None => {
                        self.report.malformed += 1;
                        Ok(())
                    }
                };
            }
            // Anything else has a line; `LineColumns::of` says whether
            // its columns can be read from the event.
            _ => {}
        }
        scratch.clear();
        event.write_json_line(scratch);
        match LineColumns::of(event) {
            Some(c) => self.described(scratch, &c),
            None => self.line_bytes(scratch),
        }
    }

    /// Stores a line whose columns the pipeline handed over with it.
    fn described(&mut self, raw: &[u8], c: &LineColumns) -> Result<(), StoreError> {
        let Ok(line) = std::str::from_utf8(raw.trim_ascii()) else {
            self.report.malformed += 1;
            return Ok(());
        };
        if line.is_empty() {
            return Ok(());
        }
        let (src, dest) = (
            c.src_ip.map(|a| a.to_string()),
            c.dest_ip.map(|a| a.to_string()),
        );
        let cols = EventCols {
            ts: c.ts.0,
            event_type: c.event_type,
            flow_id: c.flow_id,
            src_ip: src.as_deref(),
            dest_ip: dest.as_deref(),
            app_proto: c.app_proto.as_deref(),
        };
        self.event(&cols, line)
    }

    fn line_bytes(&mut self, raw: &[u8]) -> Result<(), StoreError> {
        match std::str::from_utf8(raw.trim_ascii()) {
            Ok("") => Ok(()),
            Ok(line) => self.line(line),
            Err(_) => {
                self.report.malformed += 1;
                Ok(())
            }
        }
    }

    fn line(&mut self, line: &str) -> Result<(), StoreError> {
        if let Ok(h) = serde_json::from_str::<Head<'_>>(line) {
            match &*h.event_type {
                "stats" => return Ok(()),
                "flow" => {
                    return match flow_row(&h) {
                        Some(f) => self.flow(&f),
                        None => {
                            self.report.malformed += 1;
                            Ok(())
                        }
                    };
                }
                "alert" => {} // the slow path below
                et => {
                    let cols = EventCols {
                        ts: eve_time(h.timestamp.as_deref()).unwrap_or(0),
                        event_type: et,
                        flow_id: h.flow_id,
                        src_ip: h.src_ip.as_deref(),
                        dest_ip: h.dest_ip.as_deref(),
                        app_proto: h.app_proto.as_deref(),
                    };
                    return self.event(&cols, line);
                }
            }
        }
        let Ok(v) = serde_json::from_str::<Value>(line) else {
            self.report.malformed += 1;
            return Ok(());
        };
        match classify_value(&v) {
            Parsed::Flow(f) => self.flow(&f),
            Parsed::Alert(a) => self.alert(&a, line),
            Parsed::Event(e) => self.event(&e, line),
            Parsed::Skip => Ok(()),
            Parsed::Malformed => {
                self.report.malformed += 1;
                Ok(())
            }
        }
    }
}

const INSERT_FLOW: &str = "INSERT INTO flows (start, end_ts, flow_id, src_ip, src_port, dest_ip,
    dest_port, proto, app_proto, pkts, bytes_toserver, bytes_toclient, state, alerted)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
const INSERT_ALERT: &str = "INSERT INTO alerts (ts, flow_id, src_ip, src_port, dest_ip, dest_port,
    proto, app_proto, gid, sid, rev, signature, category, severity, techniques, tactics,
    attacker, victim, record)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
const INSERT_EVENT: &str =
    "INSERT INTO events (ts, event_type, flow_id, src_ip, dest_ip, app_proto, record)
    VALUES (?, ?, ?, ?, ?, ?, ?)";

/// Stores every line of `lines` in one transaction.
pub(crate) fn ingest(conn: &mut Connection, lines: &[u8]) -> Result<IngestReport, StoreError> {
    ingest_events(conn, lines, &[])
}

/// Stores every line of `lines` and every event of `events` in one
/// transaction.
pub(crate) fn ingest_events(
    conn: &mut Connection,
    lines: &[u8],
    events: &[Event],
) -> Result<IngestReport, StoreError> {
    ingest_described(conn, lines, &[], events)
}

/// [`ingest_events`], taking the `i`-th line's columns from `columns[i]`
/// where given instead of parsing them from its JSON.
pub(crate) fn ingest_described(
    conn: &mut Connection,
    lines: &[u8],
    columns: &[Option<LineColumns>],
    events: &[Event],
) -> Result<IngestReport, StoreError> {
    // IMMEDIATE takes the write lock up front, so a batch never fails
    // half-way on a lock upgrade.
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(backend("begin ingest"))?;
    let report = {
        let mut w = Writer {
            flow: tx
                .prepare_cached(INSERT_FLOW)
                .map_err(backend("prepare flow insert"))?,
            alert: tx
                .prepare_cached(INSERT_ALERT)
                .map_err(backend("prepare alert insert"))?,
            event: tx
                .prepare_cached(INSERT_EVENT)
                .map_err(backend("prepare event insert"))?,
            report: IngestReport::default(),
            rollup: rollup::Batch::default(),
            event_types: Vec::new(),
        };
        for (i, raw) in lines.split(|&b| b == b'\n').enumerate() {
            match columns.get(i) {
                Some(Some(c)) => w.described(raw, c)?,
                _ => w.line_bytes(raw)?,
            }
        }
        let mut scratch = Vec::with_capacity(4096);
        for e in events {
            w.typed(e, &mut scratch)?;
        }
        w.rollup.flush(&tx)?;
        let mut known = tx
            .prepare_cached("INSERT OR IGNORE INTO event_types (event_type) VALUES (?)")
            .map_err(backend("record event types"))?;
        for t in &w.event_types {
            known.execute([t]).map_err(backend("record event types"))?;
        }
        w.report
    };
    tx.commit().map_err(backend("commit ingest"))?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast path must build the same flow rows as `FlowRow::from_eve`.
    #[test]
    fn fast_flow_rows_match_the_domain_constructor() {
        let lines = [
            r#"{"timestamp":"2024-05-01T10:00:05.000000+0000","flow_id":18446744073709551615,"event_type":"flow","src_ip":"10.0.0.1","src_port":1,"dest_ip":"10.0.0.2","dest_port":502,"proto":"TCP","app_proto":"modbus","flow":{"pkts_toserver":3,"pkts_toclient":2,"bytes_toserver":300,"bytes_toclient":200,"start":"2024-05-01T10:00:00.000000+0000","end":"2024-05-01T10:00:04.000000+0000","state":"closed","alerted":true}}"#,
            // No flow.start: the record time stands in; no end: start.
            r#"{"timestamp":"2024-05-01T10:00:05.5+0000","event_type":"flow","src_ip":"fe80::1","dest_ip":"ff02::1","proto":"IPv6-ICMP","flow":{}}"#,
            // A port out of range reads as none.
            r#"{"timestamp":"2024-05-01T10:00:05Z","event_type":"flow","src_ip":"a\u00e9","src_port":70000,"dest_ip":"b","flow":{"pkts_toserver":18446744073709551615,"pkts_toclient":5}}"#,
        ];
        for line in lines {
            let h: Head<'_> = serde_json::from_str(line).expect("fast path takes it");
            let v: Value = serde_json::from_str(line).expect("json");
            assert_eq!(flow_row(&h), FlowRow::from_eve(&v), "{line}");
            assert!(flow_row(&h).is_some());
        }
    }
}
