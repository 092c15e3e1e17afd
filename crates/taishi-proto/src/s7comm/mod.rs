//! S7comm (Siemens S7 over ISO-on-TCP, port 102): TPKT (RFC 1006), COTP
//! (connection request/confirm, data units reassembled to EOT), and S7comm
//! PDUs (protocol id 0x32): ROSCTR (job, ack, ack_data, userdata), setup
//! communication, read/write var with their items (syntax id, transport
//! size, length, DB number, area, address), block download/upload with the
//! block type and number, PLC control with its PI service (`_INSE`,
//! `_DELE`, `P_PROGRAM` ...), PLC stop, and userdata functions (CPU
//! functions with the SZL id and index, clock, security). S7comm-plus
//! (0x72) is recognised and logged with its version, opcode and function.
//!
//! Suricata has no S7 parser, so the EVE `s7comm` record is Taishi's,
//! designed like Suricata's `modbus` record (request/response pairs, names
//! beside raw codes) and documented in docs/protocols/s7comm.md.
//! Anomalies: `INVALID_TPKT`, `INVALID_PROTOCOL_ID`, `MALFORMED`, `FLOODED`.

pub mod detect;
pub mod log;
pub mod parser;
pub mod state;
#[cfg(test)]
mod tests;

use taishi_flow::Direction;

use crate::config::ProtoConfig;
use crate::parser::AppParser;
use crate::registry::{Probe, ProtoDef, Transport};

pub use state::{S7Msg, S7State, S7Tx};

/// Jobs waiting for their ack. S7 negotiates at most a few parallel jobs
/// (max AMQ, usually 1-8); 64 leaves room for sloppy peers.
pub const MAX_PENDING: usize = 64;

/// Bytes of a partial TPKT packet kept per direction (TPKT allows 65535;
/// S7 negotiates PDUs of at most 960 bytes, so 64 KiB is generous).
pub const MAX_HELD: usize = 64 * 1024;

/// A PDU reassembled from COTP data units: the negotiated PDU size (≤ 960
/// on S7-300/400, 1920 on some S7-1500) is far below this.
pub const MAX_COTP: usize = 64 * 1024;

/// The protocol's registry entry.
pub const DEF: ProtoDef = ProtoDef {
    name: "s7comm",
    transport: Transport::Tcp,
    tcp_ports: &[102],
    udp_ports: &[],
    default_enabled: true,
    port_only: false,
    probe,
    new_parser,
    settings: &[],
    stats: crate::stat_names!("s7comm"),
};

fn probe(_dir: Direction, data: &[u8], _udp: bool) -> Probe {
    match parser::looks_like_s7(data) {
        Some(true) => Probe::Yes,
        Some(false) => Probe::No,
        None => Probe::NeedMore,
    }
}

fn new_parser(_config: &ProtoConfig, _udp: bool) -> Box<dyn AppParser> {
    Box::new(S7State::default())
}
