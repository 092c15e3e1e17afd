//! Per-flow IEC-104 state: APDUs of each direction, each logged as its own
//! record (the protocol is a pair of numbered streams, not request and
//! response), with the send sequence checked per direction.

use taishi_flow::Direction;

use super::MAX_HELD;
use super::parser::{self, Apci, ApduResult, Asdu};
use crate::modbus::stream::{self, Framing, Step};
use crate::parser::{AppParser, ParseCtx};

/// One APDU.
#[derive(Clone, Debug, PartialEq)]
pub struct Iec104Tx {
    /// Who sent it.
    pub dir: Direction,
    /// Control field.
    pub apci: Apci,
    /// ASDU of an I-frame.
    pub asdu: Option<Asdu>,
}

/// The parser of one flow.
#[derive(Default)]
pub struct Iec104State {
    framing: Framing,
    next_tx: [Option<u16>; 2],
}

impl Iec104State {
    fn on_apdu(&mut self, ctx: &mut ParseCtx<'_, '_>, dir: Direction, apci: Apci, body: &[u8]) {
        let d = dir.index();
        let mut asdu = None;
        match apci {
            Apci::I { tx, .. } => {
                if let Some(want) = self.next_tx[d]
                    && want != tx
                {
                    ctx.anomaly("SEQUENCE_ERROR");
                }
                self.next_tx[d] = Some((tx + 1) & 0x7fff);
                match parser::parse_asdu(body) {
                    Some(a) => {
                        if a.unknown_type {
                            ctx.anomaly("UNKNOWN_TYPE_ID");
                        }
                        if a.truncated {
                            ctx.anomaly("INVALID_LENGTH");
                        }
                        asdu = Some(a);
                    }
                    None => ctx.anomaly("INVALID_LENGTH"),
                }
            }
            Apci::U(c) => {
                if parser::u_name(c) == "UNKNOWN" {
                    ctx.anomaly("INVALID_U_FRAME");
                }
                // STARTDT restarts numbering on a new connection only; a
                // TESTFR changes nothing.
            }
            Apci::S { .. } => {}
        }
        if !body.is_empty() && !matches!(apci, Apci::I { .. }) {
            ctx.anomaly("INVALID_LENGTH");
        }
        ctx.complete(&Iec104Tx { dir, apci, asdu });
    }
}

impl AppParser for Iec104State {
    fn parse(&mut self, ctx: &mut ParseCtx<'_, '_>, dir: Direction, data: &[u8]) {
        let d = dir.index();
        if self.framing.is_stopped(d) {
            return;
        }
        let mut held = self.framing.take(d);
        let out = stream::drive(
            &mut held,
            data,
            MAX_HELD,
            &mut |b| match parser::parse_apdu(b) {
                ApduResult::Apdu(apci, body, n) => {
                    self.on_apdu(ctx, dir, apci, body);
                    Step::Consumed(n)
                }
                ApduResult::Incomplete(_) => Step::NeedMore,
                ApduResult::Invalid => Step::Stop,
            },
        );
        self.framing.settle(ctx, d, held, out, Some("INVALID_APCI"));
    }

    fn gap(&mut self, _ctx: &mut ParseCtx<'_, '_>, dir: Direction, _len: u64) {
        self.framing.stop(dir.index());
    }
}
