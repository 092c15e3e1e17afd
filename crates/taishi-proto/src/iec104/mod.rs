//! IEC 60870-5-104 (port 2404): APCI frames (I with send/receive sequence
//! numbers, S, U: STARTDT/STOPDT/TESTFR act/con) and ASDUs (type id with
//! its standard name, variable structure qualifier, cause of transmission
//! with its negative and test bits, originator and common address,
//! information object addresses and the values of the common types,
//! commands flagged). Each APDU is an EVE `iec104` record (Suricata has
//! none; the format is documented in docs/protocols/iec104.md).
//! Anomalies: `INVALID_APCI`, `INVALID_LENGTH`, `INVALID_U_FRAME`,
//! `UNKNOWN_TYPE_ID`, `SEQUENCE_ERROR`.

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

pub use state::{Iec104State, Iec104Tx};

/// Bytes of a partial APDU kept per direction: an APDU is at most 255.
pub const MAX_HELD: usize = 1024;

/// The protocol's registry entry.
pub const DEF: ProtoDef = ProtoDef {
    name: "iec104",
    transport: Transport::Tcp,
    tcp_ports: &[2404],
    udp_ports: &[],
    default_enabled: true,
    port_only: false,
    probe,
    new_parser,
    settings: &[],
    stats: crate::stat_names!("iec104"),
};

fn probe(_dir: Direction, data: &[u8], _udp: bool) -> Probe {
    match parser::looks_like_iec104(data) {
        Some(true) => Probe::Yes,
        Some(false) => Probe::No,
        None => Probe::NeedMore,
    }
}

fn new_parser(_config: &ProtoConfig, _udp: bool) -> Box<dyn AppParser> {
    Box::new(Iec104State::default())
}
