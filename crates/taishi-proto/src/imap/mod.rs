//! IMAP: recognised, not parsed yet. Detection by the server's untagged
//! greeting (`* OK`, `* PREAUTH`, `* BYE`) or a client's tagged command, so
//! mail flows carry `app_proto: imap` as in Suricata 8.

use taishi_flow::Direction;

use crate::config::ProtoConfig;
use crate::parser::{AppParser, DetectOnly};
use crate::registry::{Probe, ProtoDef, Transport};

/// The protocol's registry entry.
pub const DEF: ProtoDef = ProtoDef {
    name: "imap",
    transport: Transport::Tcp,
    tcp_ports: &[143],
    udp_ports: &[],
    default_enabled: true,
    port_only: false,
    probe,
    new_parser,
    settings: &[],
    stats: crate::stat_names!("imap"),
};

/// Commands a client may open a session with (RFC 9051 §6.1, 6.2).
const OPENING: &[&[u8]] = &[
    b"CAPABILITY",
    b"LOGIN",
    b"STARTTLS",
    b"AUTHENTICATE",
    b"NOOP",
    b"ID",
];

fn probe(dir: Direction, data: &[u8], _udp: bool) -> Probe {
    let Some(eol) = data.iter().position(|&c| c == b'\n') else {
        return if data.len() < 64 {
            Probe::NeedMore
        } else {
            Probe::No
        };
    };
    let line = data[..eol].strip_suffix(b"\r").unwrap_or(&data[..eol]);
    let matched = match dir {
        Direction::ToClient => [&b"* OK"[..], b"* PREAUTH", b"* BYE"]
            .iter()
            .any(|g| starts_with_word(line, g)),
        Direction::ToServer => {
            let mut words = line.split(|&c| c == b' ');
            let tag = words.next().unwrap_or_default();
            let cmd = words.next().unwrap_or_default();
            !tag.is_empty()
                && tag.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'.')
                && OPENING.iter().any(|o| o.eq_ignore_ascii_case(cmd))
        }
    };
    if matched { Probe::Yes } else { Probe::No }
}

/// `line` starts with `word` followed by a space or its end.
fn starts_with_word(line: &[u8], word: &[u8]) -> bool {
    line.len() >= word.len()
        && line[..word.len()].eq_ignore_ascii_case(word)
        && line.get(word.len()).is_none_or(|&c| c == b' ')
}

fn new_parser(_config: &ProtoConfig, _udp: bool) -> Box<dyn AppParser> {
    Box::new(DetectOnly)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probe_on_greeting_or_tagged_command() {
        let cases: &[(Direction, &[u8], Probe)] = &[
            (
                Direction::ToClient,
                b"* OK Microsoft Exchange IMAP4rev1 server ready\r\n",
                Probe::Yes,
            ),
            (Direction::ToClient, b"* PREAUTH ready\r\n", Probe::Yes),
            (Direction::ToClient, b"* OK", Probe::NeedMore),
            (Direction::ToClient, b"+OK POP3 ready\r\n", Probe::No),
            (Direction::ToClient, b"220 smtp ready\r\n", Probe::No),
            (Direction::ToServer, b"a0000 CAPABILITY\r\n", Probe::Yes),
            (Direction::ToServer, b"A1 login user pass\r\n", Probe::Yes),
            (Direction::ToServer, b"USER bob\r\n", Probe::No),
            (Direction::ToServer, b"GET / HTTP/1.1\r\n", Probe::No),
        ];
        for (dir, data, want) in cases {
            assert_eq!(probe(*dir, data, false), *want, "{dir:?} {data:?}");
        }
    }
}
