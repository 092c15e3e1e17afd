//! SSH: version banners of both sides, and HASSH from the unencrypted key
//! exchange; parsing stops at NEWKEYS (each direction's last unencrypted
//! message), so an established session costs one branch per segment.
//!
//! Logged once per flow as Suricata's `ssh` record: `client` and `server`
//! objects with `proto_version`, `software_version` and, when
//! `app-layer.protocols.ssh.hassh` is on (the default here), `hassh`
//! (`hash`, `string`). The record is written when both sides are
//! encrypted, or at the end of the flow. Anomalies: Suricata's SSH events
//! (`INVALID_BANNER`, `LONG_BANNER`, `INVALID_RECORD`, `LONG_KEX_RECORD`).
//! Buffers: `ssh.proto`, `ssh.software`, `ssh.hassh`, `ssh.hassh.server`.

pub mod detect;
pub mod log;
pub mod parser;
pub mod state;
#[cfg(test)]
mod tests;

use taishi_core::config::parse_bool;
use taishi_flow::Direction;

use crate::config::ProtoConfig;
use crate::parser::AppParser;
use crate::registry::{Probe, ProtoDef, Transport};

/// Longest version line kept: RFC 4253 §4.2 allows 255 bytes with CR LF;
/// Suricata keeps 256. Longer lines are cut and raise `LONG_BANNER`.
pub const MAX_BANNER_LEN: usize = 256;

/// Largest unencrypted packet accepted. RFC 4253 §6.1 requires 35,000
/// bytes; OpenSSH accepts 256 KiB. Anything larger is not SSH framing
/// (`INVALID_RECORD`), and is only skipped over, never buffered.
pub const MAX_PACKET: usize = 256 * 1024;

/// Largest KEXINIT buffered for HASSH: every algorithm OpenSSH knows takes
/// about 1.5 KiB; 64 KiB leaves room for any real client and bounds what a
/// peer can make us hold (`LONG_KEX_RECORD` beyond).
pub const MAX_KEXINIT: usize = 64 * 1024;

/// The protocol's registry entry.
pub const DEF: ProtoDef = ProtoDef {
    name: "ssh",
    transport: Transport::Tcp,
    tcp_ports: &[22],
    udp_ports: &[],
    default_enabled: true,
    port_only: false,
    probe,
    new_parser,
    settings: &["hassh"],
    stats: crate::stat_names!("ssh"),
};

/// `SSH-` at the start of either direction.
pub fn probe(_dir: Direction, data: &[u8], _udp: bool) -> Probe {
    const MAGIC: &[u8] = b"SSH-";
    if data.len() < MAGIC.len() {
        return if MAGIC.starts_with(data) {
            Probe::NeedMore
        } else {
            Probe::No
        };
    }
    if data.starts_with(MAGIC) {
        Probe::Yes
    } else {
        Probe::No
    }
}

fn new_parser(config: &ProtoConfig, _udp: bool) -> Box<dyn AppParser> {
    let hassh = crate::registry::index_of("ssh")
        .and_then(|i| config.setting(i, "hassh"))
        .and_then(parse_bool)
        .unwrap_or(true);
    Box::new(state::SshState::new(hassh))
}
