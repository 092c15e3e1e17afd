//! Modbus/TCP (port 502): MBAP-framed requests and responses of every
//! public function code, matched by transaction id into transactions
//! logged as EVE `modbus` records exactly as Suricata 8 logs them
//! (`modbus.id`, `request`/`response` with `transaction_id`, `protocol_id`,
//! `unit_id`, `function_raw`, `function_code`, `access_type`, `category`,
//! `error_flags` and the function's data).
//!
//! The parser is written by hand rather than taken from sawp-modbus (the
//! crate Suricata uses): it follows sawp's names and checks so EVE and
//! anomaly names match, but decodes from borrowed bytes without nom and
//! keeps the workspace free of a second parser-combinator version. Protocol
//! violations become anomalies with Suricata's `ModbusEvent` names
//! (`UNSOLICITED_RESPONSE`, `INVALID_FUNCTION_CODE`, `INVALID_LENGTH`,
//! `INVALID_VALUE`, `INVALID_EXCEPTION_CODE`, `VALUE_MISMATCH`, `FLOODED`,
//! `INVALID_PROTOCOL_ID`).

pub mod detect;
pub mod log;
pub mod parser;
pub mod state;
pub(crate) mod stream;
#[cfg(test)]
mod tests;

use taishi_flow::Direction;

use crate::config::ProtoConfig;
use crate::parser::AppParser;
use crate::registry::{Probe, ProtoDef, Transport};

pub use state::{ModbusState, ModbusTx};

/// Unanswered requests after which the flow counts as flooded (and new
/// requests are no longer tracked): Suricata's default `request-flood`.
pub const REQUEST_FLOOD: usize = 500;

/// Bytes of a partial ADU kept per direction. An ADU is at most 260 bytes;
/// the margin lets a chunk end anywhere within two of them.
pub const MAX_HELD: usize = 1024;

/// The protocol's registry entry.
pub const DEF: ProtoDef = ProtoDef {
    name: "modbus",
    transport: Transport::Tcp,
    tcp_ports: &[502],
    udp_ports: &[],
    default_enabled: true,
    port_only: true,
    probe,
    new_parser,
    settings: &[],
    stats: crate::stat_names!("modbus"),
};

fn probe(_dir: Direction, data: &[u8], _udp: bool) -> Probe {
    match parser::looks_like_modbus(data) {
        Some(true) => Probe::Yes,
        Some(false) => Probe::No,
        None => Probe::NeedMore,
    }
}

fn new_parser(_config: &ProtoConfig, _udp: bool) -> Box<dyn AppParser> {
    Box::new(ModbusState::default())
}
