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

/// A MAC address as EVE writes it: lower-case hex, colon-separated. Every
/// app-layer record and alert carries two, so this writes the 17 bytes
/// directly rather than through `format!`'s machinery (which cost 4% of
/// the protocol pipeline on the bench capture).
pub fn mac(m: &[u8; 6]) -> String {
    hex_colons(m)
}

/// Bytes as lower-case hex pairs joined by `:` (MACs, certificate
/// fingerprints).
pub fn hex_colons(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 3);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            out.push(':');
        }
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0xf)]));
    }
    out
}

#[cfg(test)]
mod mac_tests {
    #[test]
    fn writes_lower_case_colon_separated_hex() {
        assert_eq!(
            super::mac(&[0x00, 0x1b, 0xAC, 0xff, 0x0a, 0x90]),
            "00:1b:ac:ff:0a:90"
        );
        assert_eq!(super::hex_colons(&[0xde, 0xad]), "de:ad");
        assert_eq!(super::hex_colons(&[]), "");
    }
}
