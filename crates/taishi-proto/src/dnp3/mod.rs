//! DNP3 over TCP and UDP — not parsed yet: the probe refuses everything, so flows are
//! never labelled with this protocol until its parser lands.

use taishi_flow::Direction;

use crate::config::ProtoConfig;
use crate::parser::{AppParser, ParseCtx};
use crate::registry::{Probe, ProtoDef, Transport};

/// The protocol's registry entry.
pub const DEF: ProtoDef = ProtoDef {
    name: "dnp3",
    transport: Transport::Both,
    tcp_ports: &[20000],
    udp_ports: &[20000],
    default_enabled: true,
    probe,
    new_parser,
    settings: &[],
    stats: crate::stat_names!("dnp3"),
};

fn probe(_dir: Direction, _data: &[u8], _udp: bool) -> Probe {
    Probe::No
}

fn new_parser(_config: &ProtoConfig, _udp: bool) -> Box<dyn AppParser> {
    Box::new(Unparsed)
}

struct Unparsed;

impl AppParser for Unparsed {
    fn parse(&mut self, _ctx: &mut ParseCtx<'_, '_>, _dir: Direction, _data: &[u8]) {}
}
