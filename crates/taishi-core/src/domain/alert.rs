//! Alerts and flows as the store keeps them: the columns queries filter on,
//! and the whole EVE record beside them.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Timestamp;
use crate::event::{Eve, FlowBody};

/// One EVE `alert` record (from rules, intel or behaviour) as stored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AlertRow {
    /// Store-assigned id, increasing in insertion order (0 before storing).
    pub id: i64,
    /// Time of the alert (EVE `timestamp`), nanoseconds since the epoch.
    pub ts: u64,
    /// EVE `flow_id`, when the alert belongs to a flow.
    pub flow_id: Option<u64>,
    /// EVE `src_ip`.
    pub src_ip: String,
    /// EVE `src_port`.
    pub src_port: Option<u16>,
    /// EVE `dest_ip`.
    pub dest_ip: String,
    /// EVE `dest_port`.
    pub dest_port: Option<u16>,
    /// EVE `proto` (`TCP`, `UDP` ...).
    pub proto: String,
    /// EVE `app_proto`, when known.
    pub app_proto: Option<String>,
    /// `alert.gid` (1 rules, 2 intel, 3 behaviour).
    pub gid: u32,
    /// `alert.signature_id`.
    pub sid: u32,
    /// `alert.rev`.
    pub rev: u32,
    /// `alert.signature`.
    pub signature: String,
    /// `alert.category` (classtype description).
    pub category: String,
    /// `alert.severity`: 1 (high) to 4 (low), as Suricata.
    pub severity: u8,
    /// ATT&CK technique ids from `alert.metadata.mitre_technique_id`.
    pub techniques: Vec<String>,
    /// ATT&CK tactic ids from `alert.metadata.mitre_tactic_id`.
    pub tactics: Vec<String>,
    /// The attacking side: `alert.source.ip` when the rule says, else `src_ip`
    /// (for behaviour alerts `src_ip` is the attacker by contract).
    pub attacker: String,
    /// The attacked side: `alert.target.ip` when the rule says, else `dest_ip`.
    pub victim: String,
    /// The incident the assessment put this alert in (`None` until assessed).
    pub incident_id: Option<i64>,
    /// The whole EVE record.
    pub record: Value,
}

fn str_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    let mut cur = v;
    for k in path {
        cur = cur.get(k)?;
    }
    cur.as_str()
}

fn strings_at(v: &Value, path: &[&str]) -> Vec<String> {
    let mut cur = v;
    for k in path {
        match cur.get(k) {
            Some(next) => cur = next,
            None => return Vec::new(),
        }
    }
    match cur {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

fn port_at(v: &Value, key: &str) -> Option<u16> {
    v.get(key)?.as_u64().and_then(|p| u16::try_from(p).ok())
}

impl AlertRow {
    /// The row for an EVE record, or `None` when it is not a well-formed
    /// alert (no `alert` object, no timestamp or no addresses).
    pub fn from_eve(record: Value) -> Option<AlertRow> {
        if str_at(&record, &["event_type"]) != Some("alert") {
            return None;
        }
        let alert = record.get("alert")?;
        let ts = Timestamp::parse_eve(str_at(&record, &["timestamp"])?)?.0;
        let src_ip = str_at(&record, &["src_ip"])?.to_owned();
        let dest_ip = str_at(&record, &["dest_ip"])?.to_owned();
        let num = |k: &str| alert.get(k).and_then(Value::as_u64).unwrap_or(0);
        let attacker =
            str_at(alert, &["source", "ip"]).map_or_else(|| src_ip.clone(), str::to_owned);
        let victim =
            str_at(alert, &["target", "ip"]).map_or_else(|| dest_ip.clone(), str::to_owned);
        Some(AlertRow {
            id: 0,
            ts,
            flow_id: record.get("flow_id").and_then(Value::as_u64),
            src_port: port_at(&record, "src_port"),
            dest_port: port_at(&record, "dest_port"),
            proto: str_at(&record, &["proto"]).unwrap_or("").to_owned(),
            app_proto: str_at(&record, &["app_proto"]).map(str::to_owned),
            gid: u32::try_from(num("gid")).unwrap_or(0).max(1),
            sid: u32::try_from(num("signature_id")).unwrap_or(0),
            rev: u32::try_from(num("rev")).unwrap_or(0),
            signature: str_at(alert, &["signature"]).unwrap_or("").to_owned(),
            category: str_at(alert, &["category"]).unwrap_or("").to_owned(),
            severity: u8::try_from(num("severity")).unwrap_or(3).clamp(1, 4),
            techniques: strings_at(alert, &["metadata", "mitre_technique_id"]),
            tactics: strings_at(alert, &["metadata", "mitre_tactic_id"]),
            attacker,
            victim,
            src_ip,
            dest_ip,
            incident_id: None,
            record,
        })
    }
}

/// One EVE `flow` record as stored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FlowRow {
    /// Store-assigned id (0 before storing).
    pub id: i64,
    /// `flow.start`, nanoseconds since the epoch.
    pub start: u64,
    /// `flow.end`, nanoseconds since the epoch.
    pub end: u64,
    /// EVE `flow_id`.
    pub flow_id: Option<u64>,
    /// EVE `src_ip` (the client).
    pub src_ip: String,
    /// EVE `src_port`.
    pub src_port: Option<u16>,
    /// EVE `dest_ip` (the server).
    pub dest_ip: String,
    /// EVE `dest_port`.
    pub dest_port: Option<u16>,
    /// EVE `proto`.
    pub proto: String,
    /// EVE `app_proto`.
    pub app_proto: Option<String>,
    /// `flow.pkts_toserver + flow.pkts_toclient`.
    pub pkts: u64,
    /// `flow.bytes_toserver`.
    pub bytes_toserver: u64,
    /// `flow.bytes_toclient`.
    pub bytes_toclient: u64,
    /// `flow.state` (`new`, `established`, `closed` ...).
    pub state: String,
    /// `flow.alerted`.
    pub alerted: bool,
}

impl FlowRow {
    /// The row for an EVE `flow` record, or `None` when it is not one.
    pub fn from_eve(record: &Value) -> Option<FlowRow> {
        if str_at(record, &["event_type"]) != Some("flow") {
            return None;
        }
        let flow = record.get("flow")?;
        let time = |k: &str| {
            str_at(flow, &[k])
                .and_then(Timestamp::parse_eve)
                .map(|t| t.0)
        };
        let start = time("start").or_else(|| {
            str_at(record, &["timestamp"])
                .and_then(Timestamp::parse_eve)
                .map(|t| t.0)
        })?;
        let n = |k: &str| flow.get(k).and_then(Value::as_u64).unwrap_or(0);
        Some(FlowRow {
            id: 0,
            start,
            end: time("end").unwrap_or(start),
            flow_id: record.get("flow_id").and_then(Value::as_u64),
            src_ip: str_at(record, &["src_ip"])?.to_owned(),
            src_port: port_at(record, "src_port"),
            dest_ip: str_at(record, &["dest_ip"])?.to_owned(),
            dest_port: port_at(record, "dest_port"),
            proto: str_at(record, &["proto"]).unwrap_or("").to_owned(),
            app_proto: str_at(record, &["app_proto"]).map(str::to_owned),
            pkts: n("pkts_toserver").saturating_add(n("pkts_toclient")),
            bytes_toserver: n("bytes_toserver"),
            bytes_toclient: n("bytes_toclient"),
            state: str_at(flow, &["state"]).unwrap_or("").to_owned(),
            alerted: flow
                .get("alerted")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        })
    }

    /// The row for a flow event before it is serialised: the row
    /// [`FlowRow::from_eve`] builds from that event's EVE line, without
    /// writing the line and parsing it back (the store's hot path).
    pub fn from_event(event: &Eve<FlowBody>) -> Option<FlowRow> {
        let flow = &event.body.flow;
        let start = flow.start.to_eve_precision().0;
        Some(FlowRow {
            id: 0,
            start,
            end: flow.end.to_eve_precision().0,
            flow_id: event.flow_id,
            src_ip: event.src_ip?.to_string(),
            src_port: event.src_port,
            dest_ip: event.dest_ip?.to_string(),
            dest_port: event.dest_port,
            proto: event.proto.as_deref().unwrap_or("").to_owned(),
            app_proto: event.app_proto.as_deref().map(str::to_owned),
            pkts: flow.pkts_toserver.saturating_add(flow.pkts_toclient),
            bytes_toserver: flow.bytes_toserver,
            bytes_toclient: flow.bytes_toclient,
            state: flow.state.to_owned(),
            alerted: flow.alerted,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn alert_row_takes_attacker_from_rule_target() {
        let rec = json!({
            "timestamp": "2024-05-01T10:00:00.000000+0000", "event_type": "alert",
            "flow_id": 7, "src_ip": "10.0.0.5", "src_port": 80, "dest_ip": "192.0.2.9",
            "dest_port": 51000, "proto": "TCP", "app_proto": "http",
            "alert": {"gid": 1, "signature_id": 2000001, "rev": 3, "signature": "ET X",
                "category": "A Network Trojan was detected", "severity": 1,
                "source": {"ip": "192.0.2.9", "port": 51000}, "target": {"ip": "10.0.0.5", "port": 80},
                "metadata": {"mitre_technique_id": ["T1071"], "mitre_tactic_id": "TA0011"}}
        });
        let row = AlertRow::from_eve(rec).expect("an alert");
        assert_eq!(
            (row.attacker.as_str(), row.victim.as_str()),
            ("192.0.2.9", "10.0.0.5")
        );
        assert_eq!(row.techniques, ["T1071"]);
        assert_eq!(row.tactics, ["TA0011"]);
        assert_eq!(
            (row.sid, row.severity, row.src_port),
            (2000001, 1, Some(80))
        );
        assert_eq!(row.ts, Timestamp::new(1_714_557_600, 0).0);
    }

    #[test]
    fn non_alerts_and_broken_alerts_are_refused() {
        assert!(AlertRow::from_eve(json!({"event_type": "flow"})).is_none());
        assert!(AlertRow::from_eve(json!({"event_type": "alert", "alert": {}})).is_none());
    }

    #[test]
    fn flow_row_sums_packets() {
        let rec = json!({"timestamp": "2024-05-01T10:00:05.000000+0000", "event_type": "flow",
            "src_ip": "10.0.0.1", "dest_ip": "10.0.0.2", "src_port": 1, "dest_port": 502, "proto": "TCP",
            "app_proto": "modbus",
            "flow": {"pkts_toserver": 3, "pkts_toclient": 2, "bytes_toserver": 300, "bytes_toclient": 200,
                "start": "2024-05-01T10:00:00.000000+0000", "end": "2024-05-01T10:00:04.000000+0000",
                "state": "closed", "alerted": true}});
        let row = FlowRow::from_eve(&rec).expect("a flow");
        assert_eq!((row.pkts, row.bytes_toserver, row.alerted), (5, 300, true));
        assert_eq!(row.end - row.start, 4_000_000_000);
    }

    /// The store's typed path must build the row its text path builds
    /// from the same event's EVE line, nanosecond times and IPv6 included.
    #[test]
    fn flow_row_from_event_matches_the_row_from_its_line() {
        use crate::event::FlowRecord;
        let mut eve = Eve::new(
            Timestamp(1_717_228_800_123_456_789),
            "flow",
            FlowBody {
                flow: FlowRecord {
                    pkts_toserver: 3,
                    pkts_toclient: u64::MAX,
                    bytes_toserver: 300,
                    bytes_toclient: 200,
                    start: Timestamp(1_717_228_790_000_001_999),
                    end: Timestamp(1_717_228_800_123_456_789),
                    age: 10,
                    state: "closed",
                    reason: "timeout",
                    alerted: true,
                },
                // The row reads nothing of the `tcp` object.
                tcp: None,
                traffic: None,
                metadata: None,
                app_protos: None,
            },
        );
        eve.flow_id = Some(u64::MAX);
        eve.src_ip = Some("fe80::1".parse::<std::net::IpAddr>().unwrap().into());
        eve.src_port = Some(40000);
        eve.dest_ip = Some("2001:db8::2".parse::<std::net::IpAddr>().unwrap().into());
        eve.dest_port = Some(502);
        eve.proto = Some("TCP".into());
        eve.app_proto = Some("modbus".into());
        let line = serde_json::to_value(&eve).unwrap();
        let typed = FlowRow::from_event(&eve).expect("a flow");
        assert_eq!(Some(&typed), FlowRow::from_eve(&line).as_ref());
        assert_eq!(
            typed.start % 1000,
            0,
            "cut to microseconds as EVE prints it"
        );
        // No addresses: neither path makes a row.
        eve.src_ip = None;
        assert_eq!(FlowRow::from_event(&eve), None);
    }
}
