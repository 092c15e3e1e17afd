//! FTP control channel (RFC 959, RFC 2428).
//!
//! One transaction per command, completed by its final reply (1xx replies
//! are preliminary, multi-line replies are kept together) and logged as
//! Suricata's `ftp` record: `command`, `command_data`, `completion_code[]`,
//! `reply[]`, `dynamic_port`, `mode`, `reply_received`, and
//! `command_truncated`/`reply_truncated` for lines over [`MAX_LINE`]. The
//! server's greeting is a transaction without a command. USER/PASS
//! transactions answered 230 or 530 also carry `taishi.ftp_login`
//! (`success`/`failure`) and `taishi.ftp_user`, which EVE lacks.
//!
//! The data channel's port is parsed (PORT, EPRT, 227 to PASV, 229 to
//! EPSV) and logged; labelling the data connection itself as `ftp-data`
//! needs an expectation table shared by the flows of a worker, which the
//! protocol stage does not offer yet (see docs/protocols/ftp.md).
//! Anomalies: `request_command_too_long`, `response_command_too_long`.
//! Buffers: `ftp.command`, `ftp.command_data`.

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

/// Longest command or reply line kept; the rest is dropped and the record
/// flagged truncated. Suricata's `ftp.max-line-length` default: real lines
/// are under 512 bytes (RFC 959 has no limit), and a peer cannot make us
/// hold more than this per direction.
pub const MAX_LINE: usize = 4096;

/// Commands waiting for a reply. Clients do not pipeline FTP beyond a few
/// commands; past 256 the oldest is logged without its reply, bounding
/// what a client that never hears back can make us hold.
pub const MAX_PENDING: usize = 256;

/// Reply lines kept per transaction (multi-line FEAT/HELP/STAT replies run
/// to a few dozen lines): at most this many times [`MAX_LINE`] per reply.
pub const MAX_REPLY_LINES: usize = 256;

/// The protocol's registry entry.
pub const DEF: ProtoDef = ProtoDef {
    name: "ftp",
    transport: Transport::Tcp,
    tcp_ports: &[21],
    udp_ports: &[],
    default_enabled: true,
    port_only: false,
    probe,
    new_parser,
    settings: &[],
    stats: crate::stat_names!("ftp"),
};

/// Client: an FTP-only command as the first word. Server: a `220` greeting
/// is FTP or SMTP, so it waits for the client's first command.
pub fn probe(dir: Direction, data: &[u8], _udp: bool) -> Probe {
    match dir {
        Direction::ToServer => {
            let end = data.iter().position(|&c| matches!(c, b' ' | b'\r' | b'\n'));
            match end {
                // A password never opens an FTP session (USER comes first),
                // but IRC clients open theirs with `PASS`: not FTP.
                Some(i) if data[..i].eq_ignore_ascii_case(b"PASS") => Probe::No,
                Some(i) if parser::is_ftp_command(&data[..i]) => Probe::Yes,
                Some(_) => Probe::No,
                None if data.len() < 4
                    && parser::FTP_COMMANDS.iter().any(|c| {
                        c.len() >= data.len() && c[..data.len()].eq_ignore_ascii_case(data)
                    }) =>
                {
                    Probe::NeedMore
                }
                None if data.len() == 4 && parser::is_ftp_command(data) => Probe::NeedMore,
                None => Probe::No,
            }
        }
        Direction::ToClient => {
            if data.len() < 4 {
                if b"220".starts_with(&data[..data.len().min(3)]) {
                    Probe::NeedMore
                } else {
                    Probe::No
                }
            } else if data.starts_with(b"220") && matches!(data[3], b' ' | b'-') {
                Probe::NeedMore
            } else {
                Probe::No
            }
        }
    }
}

fn new_parser(_config: &ProtoConfig, _udp: bool) -> Box<dyn AppParser> {
    Box::new(state::FtpState::new())
}
