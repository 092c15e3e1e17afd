//! Body of EVE `flow` events.

use serde::Serialize;

use crate::time::Timestamp;

/// The `flow` object of a flow event (Suricata's field names).
#[derive(Clone, Debug, Serialize)]
pub struct FlowRecord {
    /// Packets from client to server.
    pub pkts_toserver: u64,
    /// Packets from server to client.
    pub pkts_toclient: u64,
    /// Bytes (whole frames) from client to server.
    pub bytes_toserver: u64,
    /// Bytes (whole frames) from server to client.
    pub bytes_toclient: u64,
    /// Time of the first packet.
    pub start: Timestamp,
    /// Time of the last packet.
    pub end: Timestamp,
    /// Whole seconds between start and end.
    pub age: u64,
    /// `new`, `established`, `closed` or `bypassed`.
    pub state: &'static str,
    /// `timeout`, `forced` or `shutdown` (end of capture).
    pub reason: &'static str,
    /// Whether any alert fired on the flow.
    pub alerted: bool,
}

/// The `tcp` object of a TCP flow event.
#[derive(Clone, Debug, Serialize)]
pub struct TcpRecord {
    /// All TCP flags seen, both directions, as two hex digits.
    pub tcp_flags: String,
    /// Flags seen client to server.
    pub tcp_flags_ts: String,
    /// Flags seen server to client.
    pub tcp_flags_tc: String,
    /// A SYN was seen.
    #[serde(skip_serializing_if = "is_false")]
    pub syn: bool,
    /// A FIN was seen.
    #[serde(skip_serializing_if = "is_false")]
    pub fin: bool,
    /// A RST was seen.
    #[serde(skip_serializing_if = "is_false")]
    pub rst: bool,
    /// A PSH was seen.
    #[serde(skip_serializing_if = "is_false")]
    pub psh: bool,
    /// An ACK was seen.
    #[serde(skip_serializing_if = "is_false")]
    pub ack: bool,
    /// An URG was seen.
    #[serde(skip_serializing_if = "is_false")]
    pub urg: bool,
    /// An ECE was seen.
    #[serde(skip_serializing_if = "is_false")]
    pub ecn: bool,
    /// A CWR was seen.
    #[serde(skip_serializing_if = "is_false")]
    pub cwr: bool,
    /// TCP session state at the end (`syn_sent`, `established`, `closed`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<&'static str>,
    /// Stream gaps were skipped in reassembly.
    #[serde(skip_serializing_if = "is_false")]
    pub gap_ts: bool,
    /// Stream gaps were skipped in reassembly (server to client).
    #[serde(skip_serializing_if = "is_false")]
    pub gap_tc: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// TCP flag bits as Suricata prints them: two lowercase hex digits.
pub fn tcp_flags_hex(flags: u8) -> String {
    format!("{flags:02x}")
}

/// Body of a flow event: the `flow` object and, for TCP, the `tcp` object.
#[derive(Clone, Debug, Serialize)]
pub struct FlowBody {
    /// Counters and times.
    pub flow: FlowRecord,
    /// TCP flags and state.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tcp: Option<TcpRecord>,
    /// Traffic tags rules set on the flow (`flowbits:set,traffic/id/NAME`
    /// or `traffic/label/NAME`): `{"id": [...], "label": [...]}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub traffic: Option<serde_json::Value>,
    /// Variables rules keep on the flow (`flowbits`, `flowints`, `entropy`),
    /// as Suricata's EVE `metadata` object.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<serde_json::Value>,
    /// Protocols named beside `app_proto`, when there are any (boxed: rare,
    /// and every event pays for the largest variant of `Event`).
    #[serde(flatten)]
    pub app_protos: Option<Box<AppProtos>>,
}

/// Protocols a flow record names beside `app_proto`, each only where it
/// differs from `app_proto` (Suricata's `EveAddAppProto`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct AppProtos {
    /// The protocol the client's bytes were detected as.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app_proto_ts: Option<&'static str>,
    /// The protocol the server's bytes were detected as.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app_proto_tc: Option<&'static str>,
    /// The protocol before the flow changed to `app_proto` (HTTP before
    /// the TLS inside a CONNECT tunnel).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app_proto_orig: Option<&'static str>,
}
