//! Per-flow DNS state: message framing over TCP, one transaction per
//! message, Suricata's DNS events.

use taishi_flow::Direction;

use super::parser::{self, Message};
use super::{MAX_TCP_MESSAGE, probe};
use crate::parser::{AppParser, ParseCtx};
use crate::registry::Probe;

/// One DNS message: a request or a response, logged on its own.
#[derive(Clone, Debug)]
pub struct DnsTx {
    /// The parsed message.
    pub msg: Message,
    /// Direction it travelled in (its sender heads the record).
    pub dir: Direction,
}

/// The DNS parser of one flow.
pub struct DnsState {
    udp: bool,
    /// Per direction: the start of a TCP message not yet complete
    /// (length prefix included), at most [`MAX_TCP_MESSAGE`] bytes.
    partial: [Vec<u8>; 2],
    /// Per direction: bytes were lost; skip until data looks like DNS.
    gap: [bool; 2],
}

impl DnsState {
    /// A parser for a UDP (`udp`) or TCP flow.
    pub fn new(udp: bool) -> DnsState {
        DnsState {
            udp,
            partial: Default::default(),
            gap: [false; 2],
        }
    }

    fn parse_tcp(&mut self, ctx: &mut ParseCtx<'_, '_>, dir: Direction, data: &[u8]) {
        let d = dir.index();
        let mut input = data;
        if self.gap[d] {
            if self.partial[d].is_empty() && probe(dir, input, false) == Probe::No {
                return;
            }
            self.gap[d] = false;
        }
        let buf = &mut self.partial[d];
        if !buf.is_empty() {
            if buf.len() < 2 {
                let take = (2 - buf.len()).min(input.len());
                buf.extend_from_slice(&input[..take]);
                input = &input[take..];
                if buf.len() < 2 {
                    return;
                }
            }
            let want = 2 + usize::from(u16::from_be_bytes([buf[0], buf[1]]));
            let take = (want - buf.len()).min(input.len());
            buf.extend_from_slice(&input[..take]);
            input = &input[take..];
            if buf.len() < want {
                return;
            }
            handle_message(ctx, dir, &buf[2..want]);
            buf.clear();
        }
        loop {
            let Some(len) = input.get(..2) else {
                buf.extend_from_slice(input);
                return;
            };
            let want = 2 + usize::from(u16::from_be_bytes([len[0], len[1]]));
            match input.get(2..want) {
                // An empty message frames nothing; step over it.
                Some([]) => {}
                Some(msg) => handle_message(ctx, dir, msg),
                None => {
                    debug_assert!(input.len() < MAX_TCP_MESSAGE);
                    buf.extend_from_slice(input);
                    return;
                }
            }
            input = &input[want..];
        }
    }
}

/// Parses one message and completes it as a transaction, raising
/// Suricata's events on the way.
fn handle_message(ctx: &mut ParseCtx<'_, '_>, dir: Direction, bytes: &[u8]) {
    let msg = match parser::parse_message(bytes) {
        Ok(m) => m,
        Err(_) => {
            ctx.anomaly("MALFORMED_DATA");
            return;
        }
    };
    let h = msg.header;
    match (dir, h.is_response()) {
        (Direction::ToServer, true) => ctx.anomaly("NOT_A_REQUEST"),
        (Direction::ToClient, false) => ctx.anomaly("NOT_A_RESPONSE"),
        _ => {}
    }
    if h.z() {
        ctx.anomaly("Z_FLAG_SET");
    }
    if h.opcode() >= 7 {
        ctx.anomaly("INVALID_OPCODE");
    }
    let f = msg.name_flags;
    if f.truncated {
        ctx.anomaly("NAME_TOO_LONG");
    }
    if f.infinite_loop {
        ctx.anomaly("INFINITE_LOOP");
    }
    if f.too_many_labels {
        ctx.anomaly("TOO_MANY_LABELS");
    }
    if msg.invalid_authorities {
        ctx.anomaly("INVALID_AUTHORITIES");
    }
    if msg.invalid_additionals {
        ctx.anomaly("INVALID_ADDITIONALS");
    }
    if msg.records_limited {
        ctx.limit_hit();
    }
    ctx.complete(&DnsTx { msg, dir });
}

impl AppParser for DnsState {
    fn parse(&mut self, ctx: &mut ParseCtx<'_, '_>, dir: Direction, data: &[u8]) {
        if self.udp {
            handle_message(ctx, dir, data);
        } else {
            self.parse_tcp(ctx, dir, data);
        }
    }

    fn gap(&mut self, _ctx: &mut ParseCtx<'_, '_>, dir: Direction, _len: u64) {
        // The message in progress lost bytes: drop it and resynchronise on
        // the next data that starts like a DNS message.
        self.partial[dir.index()].clear();
        self.gap[dir.index()] = true;
    }
}
