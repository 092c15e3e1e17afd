//! HTTP/1.0 and HTTP/1.1 — not parsed yet: the probe refuses everything, so flows are
//! never labelled with this protocol until its parser lands.

use taishi_flow::Direction;

use crate::config::ProtoConfig;
use crate::parser::{AppParser, ParseCtx};
use crate::registry::{Probe, ProtoDef, Transport};

/// The protocol's registry entry.
pub const DEF: ProtoDef = ProtoDef {
    name: "http",
    transport: Transport::Tcp,
    tcp_ports: &[80, 8080, 8000, 8008, 3128],
    udp_ports: &[],
    default_enabled: true,
    probe,
    new_parser,
    settings: &[],
    stats: crate::stat_names!("http"),
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
