//! Body of EVE `anomaly` events.

use serde::Serialize;

/// The `anomaly` object: what was wrong, and at which layer.
#[derive(Clone, Debug, Serialize)]
pub struct Anomaly {
    /// `decode` (packet headers), `stream` (TCP) or `applayer`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Suricata's event name, e.g. `ipv4.trunc_pkt`, `stream.pkt_invalid_ack`.
    pub event: &'static str,
    /// Layer where it was seen (`proto_detect`, `parser`, ...), applayer only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer: Option<&'static str>,
    /// Application protocol, applayer only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app_proto: Option<&'static str>,
}

/// Body of an anomaly event.
#[derive(Clone, Debug, Serialize)]
pub struct AnomalyBody {
    /// The anomaly.
    pub anomaly: Anomaly,
    /// The Ethernet header of the packet at fault (decode anomalies).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ether: Option<Ether>,
}

/// An `ether` object in packet context: the frame's own Ethernet header.
/// Suricata 8 writes the type field beside the MACs, which is what tells an
/// operator which protocol an `unknown_ethertype` frame carried.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Ether {
    /// The Ethernet type field as on the wire (host order).
    pub ether_type: u16,
    /// Source MAC, `aa:bb:cc:dd:ee:ff`.
    pub src_mac: String,
    /// Destination MAC.
    pub dest_mac: String,
}

impl Ether {
    /// The object for a header with these MACs and type field.
    pub fn new(src: &[u8; 6], dest: &[u8; 6], ether_type: u16) -> Ether {
        Ether {
            ether_type,
            src_mac: mac(src),
            dest_mac: mac(dest),
        }
    }
}

/// A MAC address as EVE writes it: lower-case hex, colon-separated.
fn mac(m: &[u8; 6]) -> String {
    format!(
        "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
        m[0], m[1], m[2], m[3], m[4], m[5]
    )
}
