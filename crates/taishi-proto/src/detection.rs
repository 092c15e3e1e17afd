//! Protocol detection by content, in both directions.
//!
//! As in Suricata's app-layer detection, ports only decide the order in
//! which protocols are probed: a protocol on an unusual port is still
//! recognised, and bytes that do not look like the protocol of a
//! well-known port are not labelled with it. The exception, as in
//! Suricata, is a protocol whose header is too weak to recognise alone
//! (Modbus): it is probed only on its configured ports. TCP bytes are kept (up to
//! [`DETECT_BUFFER`] per direction) until a probe decides, then replayed to
//! the parser, oldest direction first.

use taishi_flow::Direction;

use crate::config::{Mode, ProtoConfig};
use crate::registry::{PROTOCOLS, Probe, Transport};

/// Bytes of each direction kept while no probe has decided. Every probe
/// decides within its first message's header; 4 KiB covers a long HTTP
/// request line with headers and a TLS ClientHello's record header many
/// times over, and bounds what a silent peer can make us hold.
pub const DETECT_BUFFER: usize = 4096;

/// Outcome of probing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Protocol `idx` of the registry; `true` when the bytes came from its
    /// server, so the flow's direction must be reversed.
    Found(usize, bool),
    /// Keep the bytes and wait for more.
    Wait,
    /// No enabled protocol matches this direction.
    None,
}

/// Probes `data` (the first bytes of `dir`, sent to port `to_port`) with
/// every enabled protocol for the transport, port-hinted ones first,
/// skipping those in `excluded` (a bit per registry index, already refused
/// for this direction); adds the ones that refuse to `excluded`. A
/// [`port_only`](crate::registry::ProtoDef::port_only) protocol is probed
/// only when `to_port` is one of its ports.
pub fn probe(
    config: &ProtoConfig,
    udp: bool,
    server_port: u16,
    to_port: u16,
    dir: Direction,
    data: &[u8],
    excluded: &mut u32,
) -> Verdict {
    let mut waiting = false;
    let ports_of = |i: usize| {
        if udp {
            &config.udp_ports[i]
        } else {
            &config.tcp_ports[i]
        }
    };
    let hinted = |i: usize| ports_of(i).contains(&server_port);
    let order = (0..PROTOCOLS.len())
        .filter(|&i| hinted(i))
        .chain((0..PROTOCOLS.len()).filter(|&i| !hinted(i)));
    for i in order {
        let def = &PROTOCOLS[i];
        let runs_here = match def.transport {
            Transport::Tcp => !udp,
            Transport::Udp => udp,
            Transport::Both => true,
        };
        let mode = if udp {
            config.udp_mode[i]
        } else {
            config.tcp_mode[i]
        };
        if !runs_here || mode == Mode::Off || *excluded & (1 << i) != 0 {
            continue;
        }
        if def.port_only && !ports_of(i).contains(&to_port) {
            continue;
        }
        match (def.probe)(dir, data, udp) {
            Probe::Yes => return Verdict::Found(i, false),
            Probe::YesReversed => return Verdict::Found(i, true),
            Probe::No => *excluded |= 1 << i,
            Probe::NeedMore => waiting = true,
        }
    }
    if waiting {
        Verdict::Wait
    } else {
        Verdict::None
    }
}
