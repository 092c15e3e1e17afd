//! The `Store` trait: where everything Taishi learns is kept and read back.
//!
//! The assessment stage, the reports and the server read and write only
//! through this trait; the binary picks the adapter (SQLite embedded by
//! default, ClickHouse for a center). Methods are synchronous: SQLite is,
//! and callers on an async runtime use `spawn_blocking`.

use serde::{Deserialize, Serialize};

use crate::domain::{
    AlertRow, Asset, FlowRow, Incident, IncidentStatus, PosturePoint, ScopeKind, Vulnerability,
};
use crate::event::Event;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The back end refused or failed (message names the operation).
    #[error("{0}")]
    Backend(String),
    /// The database was written by a newer Taishi.
    #[error("database schema version {found} is newer than this taishi understands ({supported})")]
    TooNew {
        /// Version found in the database.
        found: i64,
        /// Newest version this build knows.
        supported: i64,
    },
    /// A record could not be read back (names the table and row).
    #[error("corrupt row: {0}")]
    Corrupt(String),
}

/// What one [`Store::ingest`] call kept.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct IngestReport {
    /// `flow` records stored.
    pub flows: u64,
    /// `alert` records stored.
    pub alerts: u64,
    /// Other records stored (protocol events, anomalies, assets ...).
    pub events: u64,
    /// Lines that were not JSON objects with an `event_type` (skipped).
    pub malformed: u64,
}

/// The columns a store indexes of one EVE line, taken from the event by
/// whoever serialised it so that the store need not parse them back out
/// of the JSON ([`Store::ingest_described`]). Only protocol records and
/// anomalies have them: a flow is handed over typed, and an alert's row
/// needs its nested metadata, which only the line has.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineColumns {
    /// `timestamp`, at EVE's microsecond precision.
    pub ts: crate::Timestamp,
    /// `event_type`.
    pub event_type: &'static str,
    /// `flow_id`.
    pub flow_id: Option<u64>,
    /// `src_ip`.
    pub src_ip: Option<crate::event::EveIp>,
    /// `dest_ip`.
    pub dest_ip: Option<crate::event::EveIp>,
    /// `app_proto`.
    pub app_proto: Option<std::borrow::Cow<'static, str>>,
}

impl LineColumns {
    /// The columns of `event`'s line, when it is a kind that has them.
    pub fn of(event: &Event) -> Option<LineColumns> {
        fn cols<T: Serialize>(e: &crate::event::Eve<T>) -> Option<LineColumns> {
            (e.event_type != "alert").then(|| LineColumns {
                ts: e.timestamp.to_eve_precision(),
                event_type: e.event_type,
                flow_id: e.flow_id,
                src_ip: e.src_ip,
                dest_ip: e.dest_ip,
                app_proto: e.app_proto.clone(),
            })
        }
        match event {
            Event::App(e) => cols(e),
            Event::Anomaly(e) => cols(e),
            Event::Flow(_) | Event::Stats(_) => None,
        }
    }
}

/// Which alerts to read; every filter is optional, results are in id order.
#[derive(Clone, Debug, Default)]
pub struct AlertQuery {
    /// Only alerts at or after this time (ns since the epoch).
    pub since: Option<u64>,
    /// Only alerts before this time.
    pub until: Option<u64>,
    /// Only alerts with an id greater than this (for incremental reading).
    pub after_id: Option<i64>,
    /// Only alerts not yet in an incident.
    pub unassigned: bool,
    /// Only the alerts of this incident.
    pub incident_id: Option<i64>,
    /// Only alerts whose src or dest address is this one.
    pub ip: Option<String>,
    /// Only this signature id.
    pub sid: Option<u32>,
    /// Only severities at or above (numerically at or below) this, 1..4.
    pub max_severity: Option<u8>,
    /// Only alerts whose signature, category or ATT&CK technique ids
    /// contain this text (case-insensitive for ASCII).
    pub text: Option<String>,
    /// Newest first instead of oldest first.
    pub newest_first: bool,
    /// At most this many (`None`: all).
    pub limit: Option<u64>,
    /// Skip this many first.
    pub offset: u64,
}

/// Which flows to read; results are in start-time order.
#[derive(Clone, Debug, Default)]
pub struct FlowQuery {
    /// Only flows that started at or after this time (ns).
    pub since: Option<u64>,
    /// Only flows that started before this time.
    pub until: Option<u64>,
    /// Only flows whose src or dest address is this one.
    pub ip: Option<String>,
    /// Only this app protocol.
    pub app_proto: Option<String>,
    /// Only this server port.
    pub dest_port: Option<u16>,
    /// At most this many.
    pub limit: Option<u64>,
    /// Skip this many first.
    pub offset: u64,
}

/// How [`Store::flow_summary`] groups flows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlowGroup {
    /// By `app_proto` (`""` when unknown).
    AppProto,
    /// By client address.
    SrcIp,
    /// By server address.
    DestIp,
    /// By server port and transport (`502/TCP`).
    Service,
}

/// One group of [`Store::flow_summary`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct FlowGroupRow {
    /// Group key.
    pub key: String,
    /// Flows in it.
    pub flows: u64,
    /// Bytes both ways.
    pub bytes: u64,
}

/// Which incidents to read; results are newest (last_seen) first.
#[derive(Clone, Debug, Default)]
pub struct IncidentQuery {
    /// Only incidents active (last_seen) at or after this time (ns).
    pub since: Option<u64>,
    /// Only incidents in these states (empty: all).
    pub status: Vec<IncidentStatus>,
    /// Only incidents involving this address (attacker or victim).
    pub ip: Option<String>,
    /// Only this tenant (`None`: all tenants).
    pub tenant: Option<String>,
    /// Order by severity (highest first) instead of recency.
    pub by_severity: bool,
    /// At most this many.
    pub limit: Option<u64>,
    /// Skip this many first.
    pub offset: u64,
}

/// A change an analyst makes to an incident.
#[derive(Clone, Debug, Default)]
pub struct IncidentUpdate {
    /// New state.
    pub status: Option<IncidentStatus>,
    /// New assignee (`Some("")` clears it).
    pub assignee: Option<String>,
    /// A note to append: (author, text).
    pub note: Option<(String, String)>,
    /// Wall-clock time of the change (ns), stamped on the note.
    pub now: u64,
}

/// Which posture points to read; results are in (scope, bucket) order.
#[derive(Clone, Debug, Default)]
pub struct PostureQuery {
    /// Only this layer.
    pub kind: Option<ScopeKind>,
    /// Only this key (with `kind`).
    pub key: Option<String>,
    /// Only buckets starting at or after this (seconds since the epoch).
    pub since: Option<u64>,
    /// Only buckets starting before this.
    pub until: Option<u64>,
    /// Include forecast points.
    pub forecast: bool,
}

/// How much a store keeps.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize)]
pub struct Retention {
    /// Flows, alerts and events older than this many seconds (before `now`) go.
    pub max_age_secs: Option<u64>,
    /// When the database is larger than this, the oldest flows and events go
    /// until it is not (alerts and incidents are kept longest).
    pub max_bytes: Option<u64>,
    /// The present, seconds since the epoch (capture time for offline runs).
    pub now: u64,
}

/// What [`Store::prune`] removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PruneReport {
    /// Flows removed.
    pub flows: u64,
    /// Alerts removed.
    pub alerts: u64,
    /// Other events removed.
    pub events: u64,
}

/// Persistent state of a Taishi site or center.
pub trait Store: Send + Sync {
    /// Stores EVE records, one JSON object per line, atomically: after a
    /// crash either all of `lines` is stored or none of it.
    fn ingest(&self, lines: &[u8]) -> Result<IngestReport, StoreError>;

    /// Stores EVE `lines` and `events` not yet serialised, atomically, as
    /// [`Store::ingest`] would store the events' lines. The pipeline hands
    /// its own events over typed so that a back end can take their columns
    /// without writing and parsing JSON (SQLite does: a flow never becomes
    /// text); this default serialises them.
    fn ingest_events(&self, lines: &[u8], events: &[Event]) -> Result<IngestReport, StoreError> {
        let mut all = lines.to_vec();
        if !all.is_empty() && all.last() != Some(&b'\n') {
            all.push(b'\n');
        }
        for e in events {
            e.write_json_line(&mut all);
        }
        self.ingest(&all)
    }

    /// Stores as [`Store::ingest_events`] does, where the `i`-th line of
    /// `lines` has the columns `columns[i]` when that is `Some` (an empty
    /// `columns` describes no line). A back end that indexes those columns
    /// takes them instead of parsing the line; this default ignores them.
    fn ingest_described(
        &self,
        lines: &[u8],
        columns: &[Option<LineColumns>],
        events: &[Event],
    ) -> Result<IngestReport, StoreError> {
        let _ = columns;
        self.ingest_events(lines, events)
    }

    /// Alerts matching `q`.
    fn alerts(&self, q: &AlertQuery) -> Result<Vec<AlertRow>, StoreError>;
    /// How many alerts match `q` (ignoring its limit and offset).
    fn count_alerts(&self, q: &AlertQuery) -> Result<u64, StoreError>;

    /// Flows matching `q`.
    fn flows(&self, q: &FlowQuery) -> Result<Vec<FlowRow>, StoreError>;
    /// How many flows match `q` (ignoring its limit and offset).
    fn count_flows(&self, q: &FlowQuery) -> Result<u64, StoreError>;
    /// Flows matching `q` grouped by `group`, largest (by flows) first, at most `q.limit` groups.
    fn flow_summary(
        &self,
        q: &FlowQuery,
        group: FlowGroup,
    ) -> Result<Vec<FlowGroupRow>, StoreError>;
    /// Other stored records of `event_type` (`dns`, `modbus`, `asset` ...)
    /// between `since` and `until` (ns), oldest first, at most `limit`.
    fn events(
        &self,
        event_type: &str,
        since: Option<u64>,
        until: Option<u64>,
        limit: u64,
    ) -> Result<Vec<serde_json::Value>, StoreError>;
    /// Stored records by `event_type` between `since` and `until`, with counts.
    fn event_counts(
        &self,
        since: Option<u64>,
        until: Option<u64>,
    ) -> Result<Vec<(String, u64)>, StoreError>;

    /// Saves the outcome of one correlation pass atomically: each incident
    /// is inserted (id 0: its new id is written back) or replaced, and each
    /// `(alert id, index into incidents)` pair puts the alert in that incident.
    fn save_correlation(
        &self,
        incidents: &mut [Incident],
        assignments: &[(i64, usize)],
    ) -> Result<(), StoreError>;
    /// Incidents matching `q`.
    fn incidents(&self, q: &IncidentQuery) -> Result<Vec<Incident>, StoreError>;
    /// How many incidents match `q` (ignoring its limit and offset).
    fn count_incidents(&self, q: &IncidentQuery) -> Result<u64, StoreError>;
    /// One incident.
    fn incident(&self, id: i64) -> Result<Option<Incident>, StoreError>;
    /// Applies an analyst's change; `None` when there is no such incident.
    fn update_incident(
        &self,
        id: i64,
        update: &IncidentUpdate,
    ) -> Result<Option<Incident>, StoreError>;

    /// Inserts or replaces assets (keyed by address).
    fn put_assets(&self, assets: &[Asset]) -> Result<(), StoreError>;
    /// Every asset, by address.
    fn assets(&self) -> Result<Vec<Asset>, StoreError>;
    /// One asset by its address key.
    fn asset(&self, address: &str) -> Result<Option<Asset>, StoreError>;

    /// Inserts or replaces vulnerabilities (keyed by id + product).
    fn put_vulns(&self, vulns: &[Vulnerability]) -> Result<(), StoreError>;
    /// Every vulnerability.
    fn vulns(&self) -> Result<Vec<Vulnerability>, StoreError>;

    /// Inserts or replaces posture points (keyed by scope, bucket, forecast).
    fn put_posture(&self, points: &[PosturePoint]) -> Result<(), StoreError>;
    /// Removes forecast points (a new forecast replaces the old one).
    fn clear_forecast(&self) -> Result<(), StoreError>;
    /// Posture points matching `q`.
    fn posture(&self, q: &PostureQuery) -> Result<Vec<PosturePoint>, StoreError>;

    /// A value kept between runs (cursors, settings), by key.
    fn meta(&self, key: &str) -> Result<Option<String>, StoreError>;
    /// Sets a kept value.
    fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError>;

    /// Applies `policy`.
    fn prune(&self, policy: &Retention) -> Result<PruneReport, StoreError>;
}
