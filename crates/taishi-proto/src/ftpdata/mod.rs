//! FTP data channel (`ftp-data`): the connection a transfer command
//! (STOR, APPE, STOU, RETR, or a listing: NLST, LIST, MLSD) opens, found through the expectation its control channel announced
//! ([`crate::expect`]), never by content, as Suricata's `ALPROTO_FTPDATA`.
//!
//! The flow carries one file, named by the command's argument, in the
//! direction of the transfer (the control channel's client sends an
//! upload, its server a download); bytes the other way are ignored. Rules see the
//! transaction when the file's first bytes arrive (a content without a
//! sticky buffer inspects that chunk; `file.name`, `filename`, `fileext`
//! and `filestore` apply); as the flow ends it is logged as Suricata's
//! `ftp_data` record (`filename`, `command`) and the file as `fileinfo`
//! with its size, gaps, state, hashes and `stored`. Files are always hashed:
//! the data channel exists to carry the file, and a file kept by a
//! `filestore` rule is named by its SHA-256 in Suricata.

pub mod log;
pub mod state;
#[cfg(test)]
mod tests;

use taishi_flow::Direction;

use crate::config::ProtoConfig;
use crate::parser::{AppParser, DetectOnly};
use crate::registry::{Probe, ProtoDef, Transport};

/// The protocol's registry entry.
pub const DEF: ProtoDef = ProtoDef {
    name: "ftp-data",
    transport: Transport::Tcp,
    tcp_ports: &[],
    udp_ports: &[],
    default_enabled: true,
    port_only: false,
    probe,
    new_parser,
    settings: &[],
    stats: crate::stat_names!("ftp-data"),
};

/// Content never says a flow is a data channel: only its control channel
/// does (see [`crate::expect`]).
fn probe(_dir: Direction, _data: &[u8], _udp: bool) -> Probe {
    Probe::No
}

/// A data channel is always started with its transfer
/// ([`state::FtpDataState::new`]); this parser without one is never used.
fn new_parser(_config: &ProtoConfig, _udp: bool) -> Box<dyn AppParser> {
    Box::new(DetectOnly)
}
