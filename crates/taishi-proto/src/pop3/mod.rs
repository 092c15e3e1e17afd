//! POP3: recognised, not parsed yet. Detection by the server's `+OK`
//! greeting (RFC 1939 §4), which no other mail or file protocol uses, so
//! mailbox flows carry `app_proto: pop3` as in Suricata 8.

use taishi_flow::Direction;

use crate::config::ProtoConfig;
use crate::parser::{AppParser, DetectOnly};
use crate::registry::{Probe, ProtoDef, Transport};

/// The protocol's registry entry.
pub const DEF: ProtoDef = ProtoDef {
    name: "pop3",
    transport: Transport::Tcp,
    tcp_ports: &[110],
    udp_ports: &[],
    default_enabled: true,
    port_only: false,
    probe,
    new_parser,
    settings: &[],
    stats: crate::stat_names!("pop3"),
};

/// The server speaks first; its greeting is `+OK` and some text. The
/// client's first command (`USER`, `CAPA`, ...) is shared with FTP and
/// others, so only the greeting decides.
fn probe(dir: Direction, data: &[u8], _udp: bool) -> Probe {
    match dir {
        Direction::ToServer => Probe::No,
        Direction::ToClient if data.len() < 4 => {
            if b"+OK ".starts_with(data) {
                Probe::NeedMore
            } else {
                Probe::No
            }
        }
        Direction::ToClient => {
            if data.starts_with(b"+OK") && matches!(data[3], b' ' | b'\r' | b'\n') {
                Probe::Yes
            } else {
                Probe::No
            }
        }
    }
}

fn new_parser(_config: &ProtoConfig, _udp: bool) -> Box<dyn AppParser> {
    Box::new(DetectOnly)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probe_on_the_greeting() {
        let cases: &[(Direction, &[u8], Probe)] = &[
            (
                Direction::ToClient,
                b"+OK CMailServer 5.2 POP3 Service Ready\r\n",
                Probe::Yes,
            ),
            (Direction::ToClient, b"+OK\r\n", Probe::Yes),
            (Direction::ToClient, b"+O", Probe::NeedMore),
            (Direction::ToClient, b"+OKAY", Probe::No),
            (Direction::ToClient, b"* OK imap\r\n", Probe::No),
            (Direction::ToServer, b"USER test\r\n", Probe::No),
        ];
        for (dir, data, want) in cases {
            assert_eq!(probe(*dir, data, false), *want, "{dir:?} {data:?}");
        }
    }
}
