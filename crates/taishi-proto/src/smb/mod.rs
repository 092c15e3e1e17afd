//! SMB2/3 over NetBIOS session service (TCP 445/139), with SMB1 recognised
//! far enough (negotiate, session setup) to see who logs in.
//!
//! Parsed: the NetBIOS framing, the SMB2 header (command, status, message
//! id, session id, tree id, compounded requests), NEGOTIATE (dialects
//! offered and chosen), SESSION_SETUP with NTLMSSP (the AUTHENTICATE
//! message's user, domain and host; success or failure from the response
//! status, which brute-force detection counts), TREE_CONNECT (share path,
//! share type), CREATE (file names), READ/WRITE sizes, CLOSE.
//!
//! Logged: one `smb` record per request/response pair in Suricata's shape
//! (`rust/src/smb/log.rs`): `id`, `dialect`, `command`, `status`,
//! `status_code`, `session_id`, `tree_id`, and per command `ntlmssp`,
//! `client_dialects`, `server_guid`, `share`/`named_pipe`, `share_type`,
//! `filename`, `disposition`, `fuid`, ... READ/WRITE carry
//! `read`/`write` {offset, length} beyond Suricata.

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
    name: "smb",
    transport: Transport::Tcp,
    tcp_ports: &[445, 139],
    udp_ports: &[],
    default_enabled: true,
    port_only: false,
    probe,
    new_parser,
    settings: &[],
    stats: crate::stat_names!("smb"),
};

/// Bytes of one NetBIOS record kept for parsing: every header and
/// security blob fits (a Kerberos ticket is the largest, a few KiB);
/// READ/WRITE payload beyond this is skipped, never buffered.
pub const MAX_RECORD_KEPT: usize = 16 * 1024;
/// Requests waiting for their response: SMB2 credits let a client have
/// many in flight, real ones keep a few dozen.
pub const MAX_PENDING: usize = 512;
/// File ids remembered for naming READ/WRITE/CLOSE.
pub const MAX_OPEN_FILES: usize = 1024;
/// Compound requests followed in one record.
pub const MAX_COMPOUND: usize = 32;

fn probe(_dir: Direction, data: &[u8], _udp: bool) -> Probe {
    if data.len() < 8 {
        if data.first().is_some_and(|&t| t != 0) {
            return Probe::No;
        }
        let magic = data.get(4..).unwrap_or(&[]);
        let ok = [&b"\xfeSMB"[..], b"\xffSMB", b"\xfdSMB"]
            .iter()
            .any(|m| m.starts_with(magic));
        return if ok { Probe::NeedMore } else { Probe::No };
    }
    if data[0] != 0 {
        return Probe::No;
    }
    match &data[4..8] {
        b"\xfeSMB" | b"\xffSMB" | b"\xfdSMB" => Probe::Yes,
        _ => Probe::No,
    }
}

fn new_parser(_config: &ProtoConfig, _udp: bool) -> Box<dyn AppParser> {
    Box::new(state::SmbState::default())
}
