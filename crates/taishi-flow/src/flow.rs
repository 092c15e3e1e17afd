//! One flow: its key, counters and times, and (for TCP) its session.

use taishi_core::Timestamp;
use taishi_decode::TunnelLayer;

use crate::key::{FlowKey, Side};
use crate::tcp::{TcpSession, TcpState};

/// Flow state as EVE prints it in `flow.state`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum FlowState {
    /// Only one direction seen (TCP: handshake not complete).
    #[default]
    New,
    /// Both directions seen (TCP: handshake complete).
    Established,
    /// TCP session closed (FIN exchange or RST).
    Closed,
}

impl FlowState {
    /// Name as Suricata prints it.
    pub fn name(self) -> &'static str {
        match self {
            FlowState::New => "new",
            FlowState::Established => "established",
            FlowState::Closed => "closed",
        }
    }

    pub(crate) fn index(self) -> usize {
        match self {
            FlowState::New => 0,
            FlowState::Established => 1,
            FlowState::Closed => 2,
        }
    }
}

/// Everything about a flow except its TCP streams and app-layer state, so
/// that a [`crate::FlowView`] can borrow it while those are mutated.
#[derive(Clone, Debug)]
pub(crate) struct FlowMeta {
    pub key: FlowKey,
    /// Which side of the key is the client.
    pub client: Side,
    pub flow_id: u64,
    pub start: Timestamp,
    pub last: Timestamp,
    /// `[to server, to client]`.
    pub pkts: [u64; 2],
    /// `[to server, to client]`.
    pub bytes: [u64; 2],
    /// TCP flags seen, `[to server, to client]`.
    pub tcp_flags: [u8; 2],
    pub tcp_state: TcpState,
    /// Stream bytes each side's peer acknowledged, `[to server, to client]`
    /// (TCP only; see [`crate::FlowView::acked`]).
    pub acked: [u64; 2],
    /// TCP stream size per direction, `[to server, to client]` (see
    /// [`crate::FlowView::stream_size`]).
    pub stream_size: [u64; 2],
    pub state: FlowState,
    /// (source, destination) MAC of the last packet each way, `[to
    /// server, to client]`, for the `ether` object of protocol records.
    pub macs: [Option<([u8; 6], [u8; 6])>; 2],
    /// First ICMP (type, code) seen, `[to server, to client]`.
    pub icmp: [Option<(u8, u8)>; 2],
    /// Innermost tunnel layer that carried the flow.
    pub tunnel: Option<TunnelLayer>,
    pub tunnel_depth: u8,
    /// The flow is the outer UDP conversation of a tunnel: its payload is
    /// the tunnel, not application data.
    pub tunnel_outer: bool,
}

/// A flow with its session and app-layer state.
#[derive(Debug)]
pub(crate) struct Flow<S> {
    pub meta: FlowMeta,
    pub tcp: TcpSession,
    pub app: S,
}
