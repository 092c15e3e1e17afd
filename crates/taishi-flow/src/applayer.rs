//! The seam between flows and protocol parsers.
//!
//! The flow stage knows nothing of protocols: it hands each flow's in-order
//! bytes to an [`AppLayer`] chosen by the wiring. The trait is generic (not
//! a trait object) so that a worker built with [`NoApp`] compiles the calls
//! away, and each flow stores the parser's [`AppLayer::State`] inline.

use std::net::IpAddr;

use taishi_core::Timestamp;
use taishi_core::event::{AppProtos, EventSink, TunnelInfo};
use taishi_decode::{Packet, TunnelLayer};

use crate::flow::{FlowMeta, FlowState};
use crate::key::Side;
use crate::tcp::TcpState;

/// Direction of data relative to the flow's client and server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// From client to server.
    ToServer,
    /// From server to client.
    ToClient,
}

impl Direction {
    /// Index used for per-direction arrays: 0 to server, 1 to client.
    pub fn index(self) -> usize {
        match self {
            Direction::ToServer => 0,
            Direction::ToClient => 1,
        }
    }

    /// The other direction.
    pub fn reverse(self) -> Direction {
        match self {
            Direction::ToServer => Direction::ToClient,
            Direction::ToClient => Direction::ToServer,
        }
    }
}

/// Receives the reassembled streams of flows. Implemented by the protocol
/// stage; [`NoApp`] when nothing listens.
pub trait AppLayer {
    /// Per-flow state the app layer keeps (stored inside the flow).
    type State: Default;
    /// In-order bytes of one direction (TCP: reassembled stream; UDP and
    /// others: one datagram's payload).
    fn on_data(
        &mut self,
        state: &mut Self::State,
        flow: &FlowView<'_>,
        dir: Direction,
        data: &[u8],
        sink: &mut dyn EventSink,
    );
    /// `len` bytes were lost in this direction (a gap was skipped).
    fn on_gap(
        &mut self,
        state: &mut Self::State,
        flow: &FlowView<'_>,
        dir: Direction,
        len: u64,
        sink: &mut dyn EventSink,
    );
    /// The flow ends; last chance to log. Returns the `app_proto` name to
    /// put in the flow event, if any.
    fn on_end(
        &mut self,
        state: &mut Self::State,
        flow: &FlowView<'_>,
        sink: &mut dyn EventSink,
    ) -> Option<&'static str>;

    /// Whether the app layer found this flow's direction backwards: the
    /// first bytes it recognised came from the server (a capture that
    /// starts mid-session, a response seen before its request). The flow
    /// stage asks after each `on_data` and, on `true`, swaps client and
    /// server (addresses, counters, flags, streams), as Suricata does.
    fn take_reverse(&mut self, state: &mut Self::State) -> bool {
        let _ = state;
        false
    }

    /// The TCP stage raised event `name` (`stream.*`) on the current packet.
    fn on_stream_event(&mut self, state: &mut Self::State, name: &'static str) {
        let _ = (state, name);
    }

    /// The flow record's `traffic` object (tags rules set on the flow),
    /// asked once as the flow ends.
    fn traffic(&self, state: &Self::State) -> Option<serde_json::Value> {
        let _ = state;
        None
    }

    /// The flow record's `metadata` object (variables rules keep on the
    /// flow), asked once as the flow ends.
    fn metadata(&self, state: &Self::State) -> Option<serde_json::Value> {
        let _ = state;
        None
    }

    /// Protocols the flow record names beside `app_proto` (another one
    /// detected in one direction, the one before a protocol change).
    /// Asked once, after `on_end`.
    fn app_protos(&self, state: &Self::State) -> AppProtos {
        let _ = state;
        AppProtos::default()
    }

    /// Whether any alert was raised on the flow (the flow record's
    /// `alerted`). Asked once, as the flow ends.
    fn alerted(&self, state: &Self::State) -> bool {
        let _ = state;
        false
    }

    /// The packet itself, after its payload went through the stream and
    /// `on_data` (so app-layer state is current), in direction `dir` of
    /// the flow. The rule engine inspects packets here; the default does
    /// nothing.
    fn on_packet(
        &mut self,
        state: &mut Self::State,
        flow: &FlowView<'_>,
        dir: Direction,
        pkt: &Packet<'_>,
        sink: &mut dyn EventSink,
    ) {
        let _ = (state, flow, dir, pkt, sink);
    }
}

/// An app layer that ignores everything.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoApp;

impl AppLayer for NoApp {
    type State = ();
    #[inline(always)]
    fn on_data(
        &mut self,
        _: &mut (),
        _: &FlowView<'_>,
        _: Direction,
        _: &[u8],
        _: &mut dyn EventSink,
    ) {
    }
    #[inline(always)]
    fn on_gap(
        &mut self,
        _: &mut (),
        _: &FlowView<'_>,
        _: Direction,
        _: u64,
        _: &mut dyn EventSink,
    ) {
    }
    #[inline(always)]
    fn on_end(
        &mut self,
        _: &mut (),
        _: &FlowView<'_>,
        _: &mut dyn EventSink,
    ) -> Option<&'static str> {
        None
    }
}

/// A read-only view of a flow, handed to the app layer.
#[derive(Clone, Copy, Debug)]
pub struct FlowView<'a> {
    pub(crate) meta: &'a FlowMeta,
}

impl<'a> FlowView<'a> {
    /// The flow id that every event of this flow carries.
    pub fn flow_id(&self) -> u64 {
        self.meta.flow_id
    }

    /// Client address and port (port 0 for protocols without ports).
    pub fn client(&self) -> (IpAddr, u16) {
        let k = &self.meta.key;
        (k.addr(self.meta.client), self.port(self.meta.client))
    }

    /// A side's port; ICMP's pseudo-ports (message types) are the key's
    /// business only.
    fn port(&self, side: Side) -> u16 {
        let k = &self.meta.key;
        if crate::key::has_ports(k.proto) {
            k.port(side)
        } else {
            0
        }
    }

    /// Server address and port.
    pub fn server(&self) -> (IpAddr, u16) {
        let k = &self.meta.key;
        let s = match self.meta.client {
            Side::Lo => Side::Hi,
            Side::Hi => Side::Lo,
        };
        (k.addr(s), self.port(s))
    }

    /// Source and destination MAC of the last packet that went in `dir`,
    /// when it had an Ethernet header.
    pub fn macs(&self, dir: Direction) -> Option<([u8; 6], [u8; 6])> {
        self.meta.macs[dir.index()]
    }

    /// IP protocol number.
    pub fn proto(&self) -> u8 {
        self.meta.key.proto
    }

    /// VLAN ids, outermost first.
    pub fn vlans(&self) -> &'a [u16] {
        self.meta.key.vlans()
    }

    /// The innermost tunnel layer that carried the flow, if any.
    pub fn tunnel(&self) -> Option<&'a TunnelLayer> {
        self.meta.tunnel.as_ref()
    }

    /// The `tunnel` object of the flow's EVE records, if it was carried in one.
    pub fn eve_tunnel(&self) -> Option<TunnelInfo> {
        // Records of what a tunnel carried sit one level inside it.
        crate::worker::tunnel_info(self.meta).map(|t| TunnelInfo { depth: 1, ..t })
    }

    /// Time of the first packet.
    pub fn start(&self) -> Timestamp {
        self.meta.start
    }

    /// Time of the latest packet.
    pub fn last(&self) -> Timestamp {
        self.meta.last
    }

    /// TCP flags seen in a direction (OR of every packet's flags).
    pub fn tcp_flags(&self, dir: Direction) -> u8 {
        self.meta.tcp_flags[dir.index()]
    }

    /// Packets seen in a direction.
    pub fn pkts(&self, dir: Direction) -> u64 {
        self.meta.pkts[dir.index()]
    }

    /// Bytes seen in a direction (see the worker docs for what is counted).
    pub fn bytes(&self, dir: Direction) -> u64 {
        self.meta.bytes[dir.index()]
    }

    /// TCP session state (`TcpState::None` for other protocols, and for TCP
    /// flows without a session).
    pub fn tcp_state(&self) -> TcpState {
        self.meta.tcp_state
    }

    /// Bytes of the stream sent in `dir` that the other side has
    /// acknowledged so far, counted like the offsets of `on_data` (0 for
    /// other protocols). An IDS inspects TCP data once it is acknowledged:
    /// what the receiver took is what the sender's bytes did.
    pub fn acked(&self, dir: Direction) -> u64 {
        self.meta.acked[dir.index()]
    }

    /// Size of the TCP stream sent in `dir` as Suricata's `stream_size`
    /// keyword reads it (next expected sequence number minus the initial
    /// one, so a SYN counts one), this packet's bytes included; 0 for
    /// other protocols and before the stream starts.
    pub fn stream_size(&self, dir: Direction) -> u64 {
        self.meta.stream_size[dir.index()]
    }

    /// Whether this is the outer UDP conversation of a tunnel (its payload
    /// is the tunnel, so it is never handed to the app layer).
    pub fn is_tunnel_outer(&self) -> bool {
        self.meta.tunnel_outer
    }

    /// Flow state: new, established or closed.
    pub fn state(&self) -> FlowState {
        self.meta.state
    }
}
