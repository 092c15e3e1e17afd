//! DNP3 (IEEE 1815) over TCP and UDP (port 20000): link frames with their
//! CRCs checked, transport segments reassembled (FIR/FIN/sequence, bounded),
//! application fragments decoded (function code, IIN, object headers and
//! the points of every object Suricata knows), each request and response
//! logged as an EVE `dnp3` record exactly as Suricata 8 does.
//!
//! Anomalies carry Suricata's DNP3 event names: `FLOODED`, `LEN_TOO_SMALL`,
//! `BAD_LINK_CRC`, `BAD_TRANSPORT_CRC`, `MALFORMED`, `UNKNOWN_OBJECT`,
//! `TOO_MANY_POINTS`, `TOO_MANY_OBJECTS`, `TOO_LONG_REASSEMBLY`.
//!
//! One deliberate difference: Suricata sizes packed bit objects (g1v1,
//! g3v1, g10v1, g12v3, g80v1) as `count / 8 + 1` octets, reading one octet
//! too many when the count is a multiple of 8 (and four times too few
//! octets' worth of 2-bit values); Taishi reads `ceil(count × bits / 8)` as
//! the standard says, so the objects after them are decoded correctly.

pub mod detect;
pub mod log;
pub mod objects;
pub mod parser;
pub mod state;
#[cfg(test)]
mod tests;

use taishi_flow::Direction;

use crate::config::ProtoConfig;
use crate::parser::AppParser;
use crate::registry::{Probe, ProtoDef, Transport};

pub use state::{Dnp3State, Dnp3Tx};

/// Requests without a response after which each new request raises
/// `FLOODED`: Suricata's `DNP3_DEFAULT_REQ_FLOOD_COUNT`.
pub const REQUEST_FLOOD: usize = 32;

/// Largest reassembled application fragment: Suricata's bound, the
/// transport sequence space (63 segments after the first) times the
/// largest link frame, 63 × 255 octets. The standard caps a fragment at
/// 2048 octets, so only a peer that never sends FIN gets near it; passing
/// it drops the fragment and raises `TOO_LONG_REASSEMBLY`, as Suricata's
/// `dnp3.too_long_reassembly` rule expects.
pub const MAX_REASSEMBLY: usize = 63 * 255;

/// Fragments being reassembled at once per direction: one per
/// master/outstation pair is normal; a few pairs can share a link.
pub const MAX_PARTIAL: usize = 16;

/// Objects decoded per fragment (`TOO_MANY_OBJECTS`): a 2048-octet fragment
/// holds at most ~680 three-octet headers, so 2048 is never reached by a
/// legitimate fragment even with large reassembly.
pub const MAX_OBJECTS: usize = 2048;

/// Points decoded per fragment (`TOO_MANY_POINTS`): bounds what one
/// fragment of packed bits (8 points an octet) can make us allocate.
pub const MAX_POINTS: usize = 16 * 1024;

/// Bytes of a partial link frame kept per direction: a frame is at most
/// 292 bytes (length 255 with 16 CRCs).
pub const MAX_HELD: usize = 1024;

/// The protocol's registry entry.
pub const DEF: ProtoDef = ProtoDef {
    name: "dnp3",
    transport: Transport::Both,
    tcp_ports: &[20000],
    udp_ports: &[20000],
    default_enabled: true,
    port_only: false,
    probe,
    new_parser,
    settings: &[],
    stats: crate::stat_names!("dnp3"),
};

/// Start octets, a length of at least 5 and a good header CRC; or a
/// "DNP3" banner, which some outstations send first (as Suricata accepts).
fn probe(dir: Direction, data: &[u8], _udp: bool) -> Probe {
    if data.windows(4).any(|w| w == b"DNP3") {
        return Probe::Yes;
    }
    // The link header's DIR bit says who sent the frame (1: the master).
    // An outstation's frame first from the "client" means the capture
    // began mid-session and the flow was taken backwards (as Suricata's
    // probe reports it).
    let found = if dir == Direction::ToServer && data.get(3).is_some_and(|c| c & 0x80 == 0) {
        Probe::YesReversed
    } else {
        Probe::Yes
    };
    match parser::parse_link(data) {
        parser::LinkResult::Frame(..) => found,
        parser::LinkResult::Incomplete(_) if data.len() >= parser::LINK_HEADER_LEN => found,
        parser::LinkResult::Incomplete(_) => Probe::NeedMore,
        _ => Probe::No,
    }
}

fn new_parser(_config: &ProtoConfig, udp: bool) -> Box<dyn AppParser> {
    Box::new(Dnp3State::new(udp))
}
