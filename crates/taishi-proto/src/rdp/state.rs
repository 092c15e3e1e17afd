//! The per-flow RDP parser: one request, one response, then silence.

use taishi_flow::Direction;

use super::parser::{self, Negotiation, Tpkt};
use crate::parser::{AppParser, ParseCtx};

/// One RDP record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RdpTx {
    /// The client's connection request.
    Request {
        /// Transaction number.
        id: u64,
        /// `mstshash` user name.
        cookie: Option<Vec<u8>>,
        /// Negotiation flags.
        flags: u8,
        /// Requested protocols bitmask (`None`: no negotiation, plain RDP).
        protocols: Option<u32>,
    },
    /// The server's confirm.
    Response {
        /// Transaction number.
        id: u64,
        /// The negotiation answer (`None`: legacy server, plain RDP).
        negotiation: Option<Negotiation>,
    },
}

/// Parser state of one flow.
#[derive(Default)]
pub struct RdpState {
    buf: [Vec<u8>; 2],
    done: [bool; 2],
    next_id: u64,
}

impl AppParser for RdpState {
    fn parse(&mut self, ctx: &mut ParseCtx<'_, '_>, dir: Direction, data: &[u8]) {
        let d = dir.index();
        if self.done[d] {
            return;
        }
        let held;
        let input: &[u8] = if self.buf[d].is_empty() {
            data
        } else {
            self.buf[d].extend_from_slice(data);
            held = std::mem::take(&mut self.buf[d]);
            &held
        };
        match parser::tpkt(input) {
            Tpkt::Incomplete(n) if n <= super::MAX_TPKT => {
                self.buf[d] = input.to_vec();
            }
            Tpkt::Incomplete(_) | Tpkt::Invalid => {
                ctx.anomaly("MALFORMED_DATA");
                self.done[d] = true;
            }
            Tpkt::Ok(tpdu, _) => {
                self.done[d] = true;
                let Some(x) = parser::x224(tpdu) else {
                    ctx.anomaly("MALFORMED_DATA");
                    return;
                };
                let id = self.next_id;
                self.next_id += 1;
                let tx = if x.request {
                    let (flags, protocols) = match x.negotiation {
                        Some(Negotiation::Request { flags, protocols }) => (flags, Some(protocols)),
                        _ => (0, None),
                    };
                    RdpTx::Request {
                        id,
                        cookie: x.cookie.map(<[u8]>::to_vec),
                        flags,
                        protocols,
                    }
                } else {
                    RdpTx::Response {
                        id,
                        negotiation: x.negotiation,
                    }
                };
                ctx.complete(&tx);
            }
        }
    }

    fn gap(&mut self, _ctx: &mut ParseCtx<'_, '_>, dir: Direction, _len: u64) {
        self.done[dir.index()] = true;
    }
}
