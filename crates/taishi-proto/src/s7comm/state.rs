//! Per-flow S7comm state: TPKT packets → COTP data (reassembled across DT
//! units until EOT, bounded) → S7comm PDUs, jobs paired with their acks by
//! PDU reference.

use taishi_flow::Direction;

use super::parser::{self, COTP_DT, Pdu, PlusPdu, TpktResult};
use super::{MAX_COTP, MAX_HELD, MAX_PENDING};
use crate::modbus::stream::{self, Framing, Step};
use crate::parser::{AppParser, ParseCtx};

/// One decoded message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum S7Msg {
    /// Classic S7comm (0x32).
    S7(Pdu),
    /// S7comm-plus (0x72): header only.
    Plus(PlusPdu),
}

/// A job and its acknowledgement (or a lone message).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct S7Tx {
    /// The request (job, userdata request).
    pub request: Option<S7Msg>,
    /// The response (ack, ack_data, userdata response).
    pub response: Option<S7Msg>,
}

/// The parser of one flow.
#[derive(Default)]
pub struct S7State {
    framing: Framing,
    cotp: [Vec<u8>; 2],
    pending: Vec<S7Tx>,
}

fn is_request(p: &Pdu) -> bool {
    match p.rosctr {
        1 => true,
        7 => p.userdata.is_some_and(|u| u.method == 0x11 || u.kind == 4),
        _ => false,
    }
}

impl S7State {
    fn on_pdu(&mut self, ctx: &mut ParseCtx<'_, '_>, payload: &[u8]) {
        match payload.first() {
            Some(0x32) => {}
            Some(0x72) => {
                if let Some(p) = parser::parse_plus(payload) {
                    let tx = S7Tx {
                        request: Some(S7Msg::Plus(p)),
                        response: None,
                    };
                    ctx.complete(&tx);
                }
                return;
            }
            Some(_) => {
                ctx.anomaly("INVALID_PROTOCOL_ID");
                return;
            }
            None => return,
        }
        let Some(pdu) = parser::parse_s7(payload) else {
            ctx.anomaly("MALFORMED");
            return;
        };
        if pdu.truncated {
            ctx.anomaly("MALFORMED");
        }
        if is_request(&pdu) {
            if self.pending.len() >= MAX_PENDING {
                ctx.anomaly("FLOODED");
                ctx.limit_hit();
                let old = self.pending.remove(0);
                ctx.complete(&old);
            }
            self.pending.push(S7Tx {
                request: Some(S7Msg::S7(pdu)),
                response: None,
            });
            return;
        }
        let reply_to = |t: &S7Tx| match &t.request {
            Some(S7Msg::S7(r)) => r.pdu_ref == pdu.pdu_ref && (r.rosctr == 7) == (pdu.rosctr == 7),
            _ => false,
        };
        let mut tx = match self.pending.iter().position(reply_to) {
            Some(i) => self.pending.remove(i),
            None => S7Tx::default(),
        };
        tx.response = Some(S7Msg::S7(pdu));
        ctx.complete(&tx);
    }
}

impl AppParser for S7State {
    fn parse(&mut self, ctx: &mut ParseCtx<'_, '_>, dir: Direction, data: &[u8]) {
        let d = dir.index();
        if self.framing.is_stopped(d) {
            return;
        }
        let mut held = self.framing.take(d);
        let mut cotp = std::mem::take(&mut self.cotp[d]);
        let out = stream::drive(
            &mut held,
            data,
            MAX_HELD,
            &mut |b| match parser::parse_tpkt(b) {
                TpktResult::Packet(p, n) => {
                    match parser::parse_cotp(p) {
                        Some(c) if c.kind == COTP_DT => {
                            if c.eot && cotp.is_empty() {
                                self.on_pdu(ctx, c.payload);
                            } else if cotp.len() + c.payload.len() > MAX_COTP {
                                ctx.limit_hit();
                                cotp.clear();
                            } else {
                                cotp.extend_from_slice(c.payload);
                                if c.eot {
                                    let whole = std::mem::take(&mut cotp);
                                    self.on_pdu(ctx, &whole);
                                }
                            }
                        }
                        Some(_) => {}
                        None => ctx.anomaly("MALFORMED"),
                    }
                    Step::Consumed(n)
                }
                TpktResult::Incomplete(_) => Step::NeedMore,
                TpktResult::Invalid => Step::Stop,
            },
        );
        self.cotp[d] = cotp;
        self.framing.settle(ctx, d, held, out, Some("INVALID_TPKT"));
    }

    fn gap(&mut self, _ctx: &mut ParseCtx<'_, '_>, dir: Direction, _len: u64) {
        self.framing.stop(dir.index());
    }

    fn finish(&mut self, ctx: &mut ParseCtx<'_, '_>) {
        for tx in std::mem::take(&mut self.pending) {
            ctx.complete(&tx);
        }
    }
}
