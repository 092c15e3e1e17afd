//! Every protocol Taishi parses, with how to recognise it.

use taishi_flow::Direction;

use crate::config::ProtoConfig;
use crate::parser::AppParser;

/// Which transports a protocol runs over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    /// TCP only.
    Tcp,
    /// UDP only.
    Udp,
    /// Both (DNS, DNP3).
    Both,
}

/// A probe's verdict on the first bytes of one direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Probe {
    /// These bytes are this protocol.
    Yes,
    /// These bytes are this protocol, sent by its server: the flow was
    /// seen backwards (it started mid-session, or a response came first).
    YesReversed,
    /// These bytes are not this protocol (in this direction).
    No,
    /// Not enough bytes to tell yet.
    NeedMore,
}

/// Counter names of one protocol (static, so counting needs no formatting).
#[derive(Clone, Copy, Debug)]
pub struct StatNames {
    /// `app_layer.flow.<proto>`.
    pub flows: &'static str,
    /// `app_layer.tx.<proto>`.
    pub tx: &'static str,
    /// `app_layer.error.<proto>.parser`.
    pub errors: &'static str,
    /// `app_layer.limit.<proto>`.
    pub limits: &'static str,
}

/// Builds a protocol's [`StatNames`] from its name.
#[macro_export]
macro_rules! stat_names {
    ($name:literal) => {
        $crate::registry::StatNames {
            flows: concat!("app_layer.flow.", $name),
            tx: concat!("app_layer.tx.", $name),
            errors: concat!("app_layer.error.", $name, ".parser"),
            limits: concat!("app_layer.limit.", $name),
        }
    };
}

/// One protocol: its name, where it usually runs, how to recognise it and
/// how to make its per-flow parser.
#[derive(Clone, Copy)]
pub struct ProtoDef {
    /// `app_proto` value (`dns`, `http`, `tls`, ... as Suricata names them).
    pub name: &'static str,
    /// Transports it runs over.
    pub transport: Transport,
    /// Usual TCP ports (probed first; required only with `port_only`).
    pub tcp_ports: &'static [u16],
    /// Usual UDP ports.
    pub udp_ports: &'static [u16],
    /// Whether to run it when the configuration says nothing. Suricata
    /// leaves the industrial protocols off; Taishi exists for critical
    /// infrastructure, so they are on.
    pub default_enabled: bool,
    /// Probed only for bytes sent to one of its configured ports
    /// (`detection-ports`), as Suricata's port-registered probing parsers
    /// are: for a protocol whose header is too weak to tell it from other
    /// traffic (Modbus: seven bytes, of which only a zero protocol id and
    /// a consistent length are checkable), content alone would label
    /// unrelated flows.
    pub port_only: bool,
    /// Recognises the first bytes of a direction. `udp` says whether the
    /// bytes are one datagram (else a TCP stream prefix).
    pub probe: fn(dir: Direction, data: &[u8], udp: bool) -> Probe,
    /// Makes the parser of one flow.
    pub new_parser: fn(config: &ProtoConfig, udp: bool) -> Box<dyn AppParser>,
    /// Settings under `app-layer.protocols.<name>.` this protocol honours
    /// beyond the common ones (`enabled`, `detection-ports.dp`, ...).
    pub settings: &'static [&'static str],
    /// Counter names.
    pub stats: StatNames,
}

/// Every protocol, in probing order when no port hint applies. The order
/// puts the protocols with the strictest probes first, so a loose probe
/// never claims another protocol's bytes.
pub static PROTOCOLS: [ProtoDef; 17] = [
    crate::tls::DEF,
    crate::ssh::DEF,
    crate::http::DEF,
    crate::smb::DEF,
    crate::rdp::DEF,
    crate::s7comm::DEF,
    crate::dnp3::DEF,
    crate::iec104::DEF,
    crate::modbus::DEF,
    crate::ftp::DEF,
    crate::smtp::DEF,
    crate::imap::DEF,
    crate::pop3::DEF,
    crate::dns::DEF,
    crate::ntp::DEF,
    crate::dhcp::DEF,
    // Never probed: control channels announce it (see `expect`).
    crate::ftpdata::DEF,
];

/// Index of a protocol by name.
pub fn index_of(name: &str) -> Option<usize> {
    PROTOCOLS.iter().position(|d| d.name == name)
}
