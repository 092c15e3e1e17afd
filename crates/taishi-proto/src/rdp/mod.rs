//! RDP (MS-RDPBCGR) connection start: the X.224 Connection Request with
//! the routing cookie (`Cookie: mstshash=USER`) and the RDP negotiation
//! request (requested security protocols), and the Connection Confirm with
//! the selected protocol or the failure code. After that the session turns
//! to TLS/CredSSP (or RDP's own encryption) and nothing more is parsed.
//!
//! Logged: `rdp` records as Suricata (`initial_request` with `cookie`,
//! `flags`; `initial_response` with `protocol`, `server_supports`, or
//! `error_code`/`reason` on failure), plus `requested_protocols`.

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

/// The protocol's registry entry.
pub const DEF: ProtoDef = ProtoDef {
    name: "rdp",
    transport: Transport::Tcp,
    tcp_ports: &[3389],
    udp_ports: &[],
    default_enabled: true,
    port_only: false,
    probe,
    new_parser,
    settings: &[],
    stats: crate::stat_names!("rdp"),
};

/// Largest TPKT accepted while waiting for the whole X.224 message: the
/// connection request is a few dozen bytes (the cookie is a user name);
/// anything beyond this is not an RDP start.
pub const MAX_TPKT: usize = 1024;

fn probe(dir: Direction, data: &[u8], _udp: bool) -> Probe {
    match parser::probe(data, dir == Direction::ToServer) {
        Some(true) => Probe::Yes,
        Some(false) => Probe::No,
        None => Probe::NeedMore,
    }
}

fn new_parser(_config: &ProtoConfig, _udp: bool) -> Box<dyn AppParser> {
    Box::new(state::RdpState::default())
}
