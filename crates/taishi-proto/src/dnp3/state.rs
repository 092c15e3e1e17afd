//! Per-flow DNP3 state: link frames → transport reassembly → application
//! fragments. As in Suricata 7+, transactions are one-way: each request
//! and each response is its own transaction, logged once its final
//! transport segment arrives.

use taishi_flow::Direction;

use super::parser::{self, LinkHeader, LinkResult, Object, ObjectsError};
use super::{MAX_HELD, MAX_OBJECTS, MAX_PARTIAL, MAX_POINTS, MAX_REASSEMBLY, REQUEST_FLOOD};
use crate::modbus::stream::{self, Framing, Step};
use crate::parser::{AppParser, ParseCtx};

/// One application fragment (request or response) and how it arrived.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Dnp3Tx {
    /// Sent towards the server (a request) rather than back.
    pub is_request: bool,
    /// Link header of the first segment.
    pub link: LinkHeader,
    /// Transport header of the last segment seen.
    pub th: u8,
    /// Application control octet (FIR, FIN, CON, UNS, sequence).
    pub app_control: u8,
    /// Application function code.
    pub function: u8,
    /// Internal indications (responses): IIN1 << 8 | IIN2.
    pub iin: u16,
    /// Object headers and their points.
    pub objects: Vec<Object>,
    /// Every object was decoded.
    pub complete: bool,
    /// The reassembled application fragment (the `dnp3.data` buffer).
    pub data: Vec<u8>,
}

/// The parser of one flow.
#[derive(Default)]
pub struct Dnp3State {
    udp: bool,
    framing: Framing,
    partial: [Vec<Dnp3Tx>; 2],
    unreplied: usize,
}

impl Dnp3State {
    /// A parser for a TCP stream or (with `udp`) datagrams.
    pub fn new(udp: bool) -> Self {
        Dnp3State {
            udp,
            ..Default::default()
        }
    }

    /// One link frame: returns false when the direction must stop.
    fn on_frame(
        &mut self,
        ctx: &mut ParseCtx<'_, '_>,
        dir: Direction,
        lh: LinkHeader,
        data: &[u8],
    ) {
        if !lh.is_user_data() {
            return;
        }
        // The link DIR bit says who sent the frame (1: the master). Suricata
        // reverses a flow whose first frame contradicts the TCP direction,
        // so its requests are always DIR=1 frames; taking the bit directly
        // gives the same answer without reversing the flow.
        let _ = dir;
        let is_request = lh.dir();
        // Transport header + application control and function, plus IIN
        // in responses.
        let need = if is_request { 5 + 1 + 2 } else { 5 + 1 + 2 + 2 };
        if (lh.len as usize) < need {
            ctx.anomaly("LEN_TOO_SMALL");
            return;
        }
        if !parser::check_data_crcs(data) {
            ctx.anomaly("BAD_TRANSPORT_CRC");
            return;
        }
        let Some(th) = parser::transport_header(data) else {
            return;
        };
        let d = dir.index();
        let mut tx = if parser::th_fir(th) {
            // data[1..3]: application control and function (first block).
            let (Some(&ac), Some(&fc)) = (data.get(1), data.get(2)) else {
                return;
            };
            if is_request && fc == 0 {
                // Confirms carry nothing to log (Suricata ignores them too).
                return;
            }
            if is_request {
                self.unreplied += 1;
            } else {
                self.unreplied = self.unreplied.saturating_sub(1);
            }
            Dnp3Tx {
                is_request,
                link: lh,
                th,
                app_control: ac,
                function: fc,
                ..Default::default()
            }
        } else {
            let want = |t: &Dnp3Tx| {
                t.link.src == lh.src
                    && t.link.dst == lh.dst
                    && (parser::th_seq(t.th) + 1) % 64 == parser::th_seq(th)
            };
            let Some(i) = self.partial[d].iter().position(want) else {
                return;
            };
            let mut t = self.partial[d].remove(i);
            t.th = th;
            t
        };
        if !parser::strip_crcs(data, &mut tx.data) {
            ctx.anomaly("MALFORMED");
            self.done(ctx, tx, false);
            return;
        }
        if tx.data.len() > MAX_REASSEMBLY {
            ctx.anomaly("TOO_LONG_REASSEMBLY");
            ctx.limit_hit();
            return;
        }
        if !parser::th_fin(th) {
            if self.partial[d].len() >= MAX_PARTIAL {
                self.partial[d].remove(0);
                ctx.limit_hit();
            }
            self.partial[d].push(tx);
            return;
        }
        self.done(ctx, tx, true);
    }

    fn done(&mut self, ctx: &mut ParseCtx<'_, '_>, mut tx: Dnp3Tx, decode: bool) {
        if tx.is_request && self.unreplied > REQUEST_FLOOD {
            ctx.anomaly("FLOODED");
            ctx.limit_hit();
        }
        if decode {
            let start = if tx.is_request {
                2
            } else {
                if let (Some(&a), Some(&b)) = (tx.data.get(2), tx.data.get(3)) {
                    tx.iin = u16::from_be_bytes([a, b]);
                }
                4
            };
            let body = tx.data.get(start..).unwrap_or_default();
            let mut objects = Vec::new();
            match parser::decode_objects(body, &mut objects, MAX_OBJECTS, MAX_POINTS) {
                Ok(()) => tx.complete = true,
                Err(ObjectsError::Unknown) => ctx.anomaly("UNKNOWN_OBJECT"),
                Err(ObjectsError::TooManyPoints) => {
                    ctx.anomaly("TOO_MANY_POINTS");
                    ctx.limit_hit();
                }
                Err(ObjectsError::TooManyObjects) => {
                    ctx.anomaly("TOO_MANY_OBJECTS");
                    ctx.limit_hit();
                }
                Err(ObjectsError::Truncated | ObjectsError::Reserved) => {}
            }
            tx.objects = objects;
        }
        ctx.complete(&tx);
    }

    fn link_step(&mut self, ctx: &mut ParseCtx<'_, '_>, dir: Direction, b: &[u8]) -> Step {
        match parser::parse_link(b) {
            LinkResult::Frame(lh, data, n) => {
                self.on_frame(ctx, dir, lh, data);
                Step::Consumed(n)
            }
            LinkResult::Incomplete(_) => Step::NeedMore,
            LinkResult::BadStart => Step::Stop,
            LinkResult::BadHeaderCrc => {
                ctx.anomaly("BAD_LINK_CRC");
                Step::Stop
            }
            LinkResult::LenTooSmall => {
                ctx.anomaly("LEN_TOO_SMALL");
                Step::Stop
            }
        }
    }
}

impl AppParser for Dnp3State {
    fn parse(&mut self, ctx: &mut ParseCtx<'_, '_>, dir: Direction, data: &[u8]) {
        let d = dir.index();
        if self.udp {
            // Each datagram stands alone; what it cannot hold is dropped.
            let mut off = 0;
            while off < data.len() {
                match self.link_step(ctx, dir, &data[off..]) {
                    Step::Consumed(n) => off += n,
                    _ => break,
                }
            }
            return;
        }
        if self.framing.is_stopped(d) {
            return;
        }
        let mut held = self.framing.take(d);
        let out = stream::drive(&mut held, data, MAX_HELD, &mut |b| {
            self.link_step(ctx, dir, b)
        });
        self.framing.settle(ctx, d, held, out, None);
    }

    fn gap(&mut self, _ctx: &mut ParseCtx<'_, '_>, dir: Direction, _len: u64) {
        // Resynchronise on the next frame: drop what was half-read.
        self.framing.clear(dir.index());
        self.partial[dir.index()].clear();
    }
}
