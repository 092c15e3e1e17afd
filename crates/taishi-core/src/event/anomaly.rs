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

/// The EVE `ether` object: the MAC addresses of the packet an event
/// comes from, when it had an Ethernet header.
#[derive(Clone, Debug, Serialize)]
pub struct Ether {
    /// Source MAC, `aa:bb:cc:dd:ee:ff`.
    pub src_mac: String,
    /// Destination MAC.
    pub dest_mac: String,
}

impl Ether {
    /// The object for a frame's source and destination MAC.
    pub fn new(src: &[u8; 6], dst: &[u8; 6]) -> Ether {
        Ether {
            src_mac: mac(src),
            dest_mac: mac(dst),
        }
    }
}

/// A MAC address as EVE writes it.
fn mac(m: &[u8; 6]) -> String {
    format!(
        "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
        m[0], m[1], m[2], m[3], m[4], m[5]
    )
}

/// Body of an anomaly event.
#[derive(Clone, Debug, Serialize)]
pub struct AnomalyBody {
    /// The packet's MAC addresses, for anomalies of one packet (`decode`),
    /// as Suricata's header of packet events has them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ether: Option<Ether>,
    /// The anomaly.
    pub anomaly: Anomaly,
}
