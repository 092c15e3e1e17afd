//! NTP: recognised, not parsed. Detection gives the flow its `app_proto`
//! (as Suricata does, which logs no NTP records by default either); the
//! time-sync traffic of an OT network is then visible in flows.

use taishi_flow::Direction;

use crate::config::ProtoConfig;
use crate::parser::{AppParser, DetectOnly};
use crate::registry::{Probe, ProtoDef, Transport};

/// The protocol's registry entry.
pub const DEF: ProtoDef = ProtoDef {
    name: "ntp",
    transport: Transport::Udp,
    tcp_ports: &[],
    udp_ports: &[123],
    default_enabled: true,
    port_only: false,
    probe,
    new_parser,
    settings: &[],
    stats: crate::stat_names!("ntp"),
};

/// The fixed NTP header (RFC 5905 §7.3), in bytes.
const HEADER: usize = 48;

/// An NTPv1-4 header: a mode a peer sends (1 symmetric active … 5
/// broadcast), a stratum of 0-16, a poll exponent of at most 17, and only
/// extension fields or a MAC (4-byte words) after the 48 bytes — enough that
/// random UDP payloads are not taken for NTP.
fn probe(_dir: Direction, data: &[u8], udp: bool) -> Probe {
    let (Some(&first), Some(&stratum), Some(&poll)) = (data.first(), data.get(1), data.get(2))
    else {
        return Probe::No;
    };
    let version = (first >> 3) & 7;
    let mode = first & 7;
    let plausible = udp
        && data.len() >= HEADER
        && (data.len() - HEADER).is_multiple_of(4)
        && (1..=4).contains(&version)
        && (1..=5).contains(&mode)
        && stratum <= 16
        && poll <= 17;
    if plausible { Probe::Yes } else { Probe::No }
}

fn new_parser(_config: &ProtoConfig, _udp: bool) -> Box<dyn AppParser> {
    Box::new(DetectOnly)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probe_takes_ntp_headers_only() {
        let mut client = [0u8; 48];
        client[0] = 0x23; // LI 0, version 4, mode 3 (client)
        assert_eq!(probe(Direction::ToServer, &client, true), Probe::Yes);
        let mut server = client;
        server[0] = 0x24; // mode 4 (server)
        server[1] = 2; // stratum 2
        server[2] = 6; // poll 2^6 s
        assert_eq!(probe(Direction::ToClient, &server, true), Probe::Yes);
        assert_eq!(probe(Direction::ToServer, &client[..47], true), Probe::No); // short
        assert_eq!(probe(Direction::ToServer, &client, false), Probe::No); // TCP
        let mut bad = client;
        bad[0] = 0x07; // version 0, mode 7
        assert_eq!(probe(Direction::ToServer, &bad, true), Probe::No);
        bad = client;
        bad[1] = 200; // stratum 200
        assert_eq!(probe(Direction::ToServer, &bad, true), Probe::No);
        let mut odd = client.to_vec();
        odd.push(0); // 49 bytes: not header + words
        assert_eq!(probe(Direction::ToServer, &odd, true), Probe::No);
    }
}
