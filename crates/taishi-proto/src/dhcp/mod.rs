//! DHCP (over BOOTP): recognised, not parsed. Detection gives the flow its
//! `app_proto: dhcp`, as Suricata's does, so address assignment on a
//! network shows in its flows; the messages themselves are not logged.

use taishi_flow::Direction;

use crate::config::ProtoConfig;
use crate::parser::{AppParser, DetectOnly};
use crate::registry::{Probe, ProtoDef, Transport};

/// The protocol's registry entry.
pub const DEF: ProtoDef = ProtoDef {
    name: "dhcp",
    transport: Transport::Udp,
    tcp_ports: &[],
    udp_ports: &[67, 68],
    default_enabled: true,
    port_only: false,
    probe,
    new_parser,
    settings: &[],
    stats: crate::stat_names!("dhcp"),
};

/// The fixed BOOTP header (RFC 2131 §2), in bytes, before the options.
const HEADER: usize = 236;

/// The options' magic cookie (RFC 2131 §3): 99.130.83.99.
const MAGIC: [u8; 4] = [0x63, 0x82, 0x53, 0x63];

/// A BOOTP header with DHCP's magic cookie: a request or a reply (`op` 1
/// or 2), a hardware address of at most 16 bytes, and the cookie right
/// after the fixed header. Suricata takes any datagram long enough on the
/// DHCP ports; the cookie keeps other traffic on other ports from being
/// taken for DHCP, since our probes do not require the port.
fn probe(_dir: Direction, data: &[u8], udp: bool) -> Probe {
    let (Some(&op), Some(&hlen)) = (data.first(), data.get(2)) else {
        return Probe::No;
    };
    let dhcp = udp
        && matches!(op, 1 | 2)
        && hlen <= 16
        && data.get(HEADER..HEADER + 4) == Some(&MAGIC[..]);
    if dhcp { Probe::Yes } else { Probe::No }
}

fn new_parser(_config: &ProtoConfig, _udp: bool) -> Box<dyn AppParser> {
    Box::new(DetectOnly)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probe_takes_bootp_with_the_dhcp_cookie_only() {
        let mut discover = vec![0u8; 240];
        discover[0] = 1; // op: BOOTREQUEST
        discover[1] = 1; // htype: Ethernet
        discover[2] = 6; // hlen: 6-byte MAC
        discover[236..240].copy_from_slice(&MAGIC); // magic cookie
        assert_eq!(probe(Direction::ToServer, &discover, true), Probe::Yes);
        let mut offer = discover.clone();
        offer[0] = 2; // op: BOOTREPLY
        assert_eq!(probe(Direction::ToClient, &offer, true), Probe::Yes);
        assert_eq!(probe(Direction::ToServer, &discover, false), Probe::No); // TCP
        assert_eq!(
            probe(Direction::ToServer, &discover[..239], true),
            Probe::No
        ); // short
        let mut bad = discover.clone();
        bad[0] = 3; // op 3: neither
        assert_eq!(probe(Direction::ToServer, &bad, true), Probe::No);
        bad = discover.clone();
        bad[2] = 17; // hardware address longer than chaddr
        assert_eq!(probe(Direction::ToServer, &bad, true), Probe::No);
        bad = discover;
        bad[239] = 0; // plain BOOTP, no cookie
        assert_eq!(probe(Direction::ToServer, &bad, true), Probe::No);
    }
}
