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
}
