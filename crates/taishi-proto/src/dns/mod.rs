//! DNS over UDP and TCP (RFC 1035, RFC 7766).
//!
//! Every message is its own transaction and its own `dns` record, as in
//! Suricata 8 (EVE DNS version 3): a request is logged client first, a
//! response server first (the sender heads the record). Over TCP, messages
//! carry a 2-byte length prefix; several may share a segment and one may
//! span several, so the parser keeps a partial message per direction,
//! never more than one message (64 KiB) long.
//!
//! Logged: header (`id`, `flags` as hex, `qr`/`aa`/`tc`/`rd`/`ra`/`z`,
//! `opcode`, `rcode`), `queries[]`, `answers[]`, `authorities[]`,
//! `additionals[]` (empty OPT records left out) with `rdata` or the
//! `soa`/`srv`/`sshfp`/`svcb` objects. Anomalies are Suricata's DNS events.
//! Buffers: `dns.query` (request question names), `dns.answer.name`.

pub mod detect;
pub mod log;
pub mod parser;
pub mod state;
#[cfg(test)]
mod tests;

use taishi_flow::Direction;

use crate::config::ProtoConfig;
use crate::detection::DETECT_BUFFER;
use crate::parser::AppParser;
use crate::registry::{Probe, ProtoDef, Transport};

/// Longest assembled name kept; longer ones are cut and flagged
/// `rrname_truncated`. 1025 is what dnsmasq accepts and what Suricata
/// chose: real names stop at 253 characters (RFC 1035 §2.3.4), but tools
/// that tunnel over DNS exceed it and we want to see their names, bounded.
pub const MAX_NAME_LEN: usize = 1025;

/// Labels, and separately compression pointers, followed for one name
/// before giving up. A legal name has at most 127 labels; 255 is
/// Suricata's bound, and it caps the work a pointer loop can cause.
pub const MAX_NAME_STEPS: usize = 255;

/// Questions and records read from one message. A 64 KiB message holds at
/// most ~5,400 records of 12 bytes; each may expand to a 1 KiB name
/// through pointers, so without a cap one message could cost megabytes.
/// 2,048 covers large zone-transfer chunks while bounding that cost.
pub const MAX_RECORDS: usize = 2048;

/// Largest TCP message (its length prefix is 16 bits), so the most a
/// direction's partial-message buffer ever holds.
pub const MAX_TCP_MESSAGE: usize = 2 + u16::MAX as usize;

/// The protocol's registry entry.
pub const DEF: ProtoDef = ProtoDef {
    name: "dns",
    transport: Transport::Both,
    tcp_ports: &[53],
    udp_ports: &[53],
    default_enabled: true,
    port_only: false,
    probe,
    new_parser,
    settings: &[],
    stats: crate::stat_names!("dns"),
};

/// Recognises DNS in either direction: UDP by the whole datagram, TCP by
/// the length prefix and the start of the first message.
pub fn probe(dir: Direction, data: &[u8], udp: bool) -> Probe {
    use parser::Look;
    let look = if udp {
        parser::looks_like_dns(data, data.len())
    } else {
        let Some(len) = data.get(..2) else {
            return Probe::NeedMore;
        };
        let declared = usize::from(u16::from_be_bytes([len[0], len[1]]));
        let body = &data[2..];
        parser::looks_like_dns(&body[..body.len().min(declared)], declared)
    };
    // A response (QR set) sent by the "client" means the flow was taken
    // backwards: the answer was captured before (or without) its question.
    let qr_at = if udp { 2 } else { 4 };
    let response = data.get(qr_at).is_some_and(|b| b & 0x80 != 0);
    // The detection buffer is full and still inside the first question
    // (names of thousands of bytes): the header passed, and Suricata decides
    // an incomplete message on its header alone, so waiting for a question
    // that can never fit would only lose the flow.
    let look = match look {
        Look::NeedMore if !udp && data.len() >= DETECT_BUFFER => Look::Dns(response),
        other => other,
    };
    match look {
        Look::Dns(_) if response == (dir == Direction::ToServer) => Probe::YesReversed,
        Look::Dns(_) => Probe::Yes,
        Look::NotDns => Probe::No,
        Look::NeedMore => Probe::NeedMore,
    }
}

fn new_parser(_config: &ProtoConfig, udp: bool) -> Box<dyn AppParser> {
    Box::new(state::DnsState::new(udp))
}
