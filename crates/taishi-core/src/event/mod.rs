//! EVE JSON records, with Suricata's field names.
//!
//! Every record Taishi writes is one [`Eve`]: the common header Suricata puts
//! on every event (timestamp, flow id, addresses, ports, protocol) with the
//! event-specific body flattened beside it. Bodies for each event type live in
//! their own module. Keeping Suricata's names and quirks (`proto: "TCP"`,
//! IPv6 printed in full, `tcp_flags` as hex) lets EveBox, Elastic, Splunk and
//! jq recipes written for Suricata read Taishi unchanged.

mod anomaly;
mod flow;
mod ip;
mod sink;

pub use anomaly::{Anomaly, AnomalyBody, Ether, hex_colons, mac};
pub use flow::{AppProtos, FlowBody, FlowRecord, TcpRecord, tcp_flags_hex};
pub use ip::EveIp;
pub use sink::{Event, EventSink};

use serde::Serialize;

use crate::time::Timestamp;

/// Name of an IP protocol as Suricata writes it in `proto`.
pub fn proto_name(ip_proto: u8) -> std::borrow::Cow<'static, str> {
    use std::borrow::Cow;
    Cow::Borrowed(match ip_proto {
        1 => "ICMP",
        2 => "IGMP",
        6 => "TCP",
        17 => "UDP",
        47 => "GRE",
        50 => "ESP",
        51 => "AH",
        58 => "IPv6-ICMP",
        132 => "SCTP",
        other => return Cow::Owned(other.to_string()),
    })
}

/// Outer layer of a tunnelled flow (`tunnel` object on events of inner flows).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TunnelInfo {
    /// Outer source address.
    pub src_ip: EveIp,
    /// Outer source port (UDP tunnels).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub src_port: Option<u16>,
    /// Outer destination address.
    pub dest_ip: EveIp,
    /// Outer destination port (UDP tunnels).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dest_port: Option<u16>,
    /// Outer transport protocol name (`UDP` for VXLAN, `GRE`, `IPv4` for IP-in-IP ...).
    pub proto: String,
    /// Tunnel kind (`vxlan`, `geneve`, `gre`, `erspan`, `ipip`, `6in4`, `teredo`, `gtpu`, ...).
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// VXLAN/Geneve network identifier or GRE key, when present.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<u32>,
    /// Nesting depth (1: directly inside the outermost packet).
    pub depth: u8,
}

/// One EVE record: the common header and an event body.
///
/// Serialized with `ip_v` (4 or 6) after the ports whenever `src_ip` is
/// set, as Suricata 8 writes it: derived from the address at write time,
/// so no producer can set it inconsistently.
#[derive(Clone, Debug)]
pub struct Eve<T: Serialize> {
    /// When the event happened (packet time).
    pub timestamp: Timestamp,
    /// Flow identifier shared by every event of a flow.
    pub flow_id: Option<u64>,
    /// Capture interface, when known.
    pub in_iface: Option<String>,
    /// `flow`, `anomaly`, `stats`, ...
    pub event_type: &'static str,
    /// VLAN ids, outermost first.
    pub vlan: Option<Vec<u16>>,
    /// Source address (the client for flow events).
    pub src_ip: Option<EveIp>,
    /// Source port.
    pub src_port: Option<u16>,
    /// Destination address.
    pub dest_ip: Option<EveIp>,
    /// Destination port.
    pub dest_port: Option<u16>,
    /// Transport protocol name (`TCP`, `UDP`, `ICMP`, ...).
    pub proto: Option<std::borrow::Cow<'static, str>>,
    /// ICMP type (ICMP flows).
    pub icmp_type: Option<u8>,
    /// ICMP code (ICMP flows).
    pub icmp_code: Option<u8>,
    /// ICMP type seen in the reply direction (ICMP flows).
    pub response_icmp_type: Option<u8>,
    /// ICMP code seen in the reply direction (ICMP flows).
    pub response_icmp_code: Option<u8>,
    /// Community ID flow hash (<https://github.com/corelight/community-id-spec>).
    pub community_id: Option<String>,
    /// Application protocol of the flow, when detected.
    pub app_proto: Option<std::borrow::Cow<'static, str>>,
    /// Outer tunnel of an inner flow.
    pub tunnel: Option<TunnelInfo>,
    /// The event-specific fields.
    pub body: T,
}

/// The serialized shape of an [`Eve`]: its fields by reference, plus
/// `ip_v`.
#[derive(Serialize)]
struct EveOut<'a, T: Serialize> {
    timestamp: &'a Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    flow_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    in_iface: Option<&'a str>,
    event_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    vlan: Option<&'a [u16]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    src_ip: Option<&'a EveIp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    src_port: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dest_ip: Option<&'a EveIp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dest_port: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ip_v: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    proto: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    icmp_type: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    icmp_code: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    response_icmp_type: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    response_icmp_code: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    community_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    app_proto: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tunnel: Option<&'a TunnelInfo>,
    #[serde(flatten)]
    body: &'a T,
}

impl<T: Serialize> Serialize for Eve<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        EveOut {
            timestamp: &self.timestamp,
            flow_id: self.flow_id,
            in_iface: self.in_iface.as_deref(),
            event_type: self.event_type,
            vlan: self.vlan.as_deref(),
            src_ip: self.src_ip.as_ref(),
            src_port: self.src_port,
            dest_ip: self.dest_ip.as_ref(),
            dest_port: self.dest_port,
            ip_v: self
                .src_ip
                .as_ref()
                .map(|ip| if ip.0.is_ipv4() { 4 } else { 6 }),
            proto: self.proto.as_deref(),
            icmp_type: self.icmp_type,
            icmp_code: self.icmp_code,
            response_icmp_type: self.response_icmp_type,
            response_icmp_code: self.response_icmp_code,
            community_id: self.community_id.as_deref(),
            app_proto: self.app_proto.as_deref(),
            tunnel: self.tunnel.as_ref(),
            body: &self.body,
        }
        .serialize(serializer)
    }
}

impl<T: Serialize> Eve<T> {
    /// A record with only the timestamp, type and body set.
    pub fn new(timestamp: Timestamp, event_type: &'static str, body: T) -> Self {
        Eve {
            timestamp,
            flow_id: None,
            in_iface: None,
            event_type,
            vlan: None,
            src_ip: None,
            src_port: None,
            dest_ip: None,
            dest_port: None,
            proto: None,
            icmp_type: None,
            icmp_code: None,
            response_icmp_type: None,
            response_icmp_code: None,
            community_id: None,
            app_proto: None,
            tunnel: None,
            body,
        }
    }

    /// Sets the source and destination addresses (`ip_v` follows from
    /// them when the record is written).
    pub fn set_addrs(&mut self, src: EveIp, dest: EveIp) {
        self.src_ip = Some(src);
        self.dest_ip = Some(dest);
    }
}

/// Body of a protocol event: the event's own fields (`{"dns": {...}}`,
/// `{"tx_id": 0, "http": {...}}`), flattened beside the common header.
/// Protocols build it as JSON because each has its own shape, and events are
/// per transaction, not per packet.
#[derive(Clone, Debug, Default, Serialize)]
pub struct AppBody(pub serde_json::Map<String, serde_json::Value>);

/// Body of a `stats` event: the nested counters.
#[derive(Clone, Debug, Serialize)]
pub struct StatsBody {
    /// Counters as nested objects (see [`crate::Counters::to_json`]).
    pub stats: serde_json::Value,
}
