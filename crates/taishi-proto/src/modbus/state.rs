//! Per-flow Modbus state: requests waiting for their response, matched by
//! MBAP transaction id (plus unit id and function), as Suricata's
//! `ModbusState` does.

use taishi_flow::Direction;

use super::parser::{self, FrameResult, Message, access, flags};
use super::stream::{self, Framing, Step};
use super::{MAX_HELD, REQUEST_FLOOD};
use crate::parser::{AppParser, ParseCtx};

/// A request and its response (either may be missing: a request the
/// server never answered, an unsolicited response).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ModbusTx {
    /// 1-based transaction number in the flow (`modbus.id`).
    pub id: u64,
    /// The request.
    pub request: Option<Message>,
    /// The response.
    pub response: Option<Message>,
}

/// The parser of one flow.
#[derive(Default)]
pub struct ModbusState {
    framing: Framing,
    pending: Vec<ModbusTx>,
    next_id: u64,
    givenup: bool,
}

impl ModbusState {
    fn new_tx(&mut self, ctx: &mut ParseCtx<'_, '_>) -> Option<ModbusTx> {
        if self.givenup {
            return None;
        }
        if self.pending.len() >= REQUEST_FLOOD {
            ctx.anomaly("FLOODED");
            ctx.limit_hit();
            self.givenup = true;
            return None;
        }
        self.next_id += 1;
        Some(ModbusTx {
            id: self.next_id,
            ..Default::default()
        })
    }

    fn events(ctx: &mut ParseCtx<'_, '_>, m: &Message) {
        let f = m.error_flags;
        if f & flags::FUNC_CODE != 0 {
            ctx.anomaly("INVALID_FUNCTION_CODE");
        }
        if f & flags::DATA_VALUE != 0 {
            ctx.anomaly("INVALID_VALUE");
        }
        if f & flags::DATA_LENGTH != 0 {
            ctx.anomaly("INVALID_LENGTH");
        }
        if f & flags::EXC_CODE != 0 {
            ctx.anomaly("INVALID_EXCEPTION_CODE");
        }
        if f & flags::PROTO_ID != 0 {
            ctx.anomaly("INVALID_PROTOCOL_ID");
        }
    }

    fn response_events(ctx: &mut ParseCtx<'_, '_>, m: &Message) {
        if m.access_type & (access::READ | access::WRITE) != 0
            && m.error_flags & (flags::DATA_LENGTH | flags::DATA_VALUE) != 0
        {
            ctx.anomaly("VALUE_MISMATCH");
        } else {
            Self::events(ctx, m);
        }
    }

    fn on_message(&mut self, ctx: &mut ParseCtx<'_, '_>, to_server: bool, f: &parser::Frame<'_>) {
        let mut msg = Message::decode(f, to_server);
        if to_server {
            let Some(mut tx) = self.new_tx(ctx) else {
                return;
            };
            Self::events(ctx, &msg);
            tx.request = Some(msg);
            self.pending.push(tx);
            return;
        }
        let found = self
            .pending
            .iter()
            .position(|tx| tx.request.as_ref().is_some_and(|r| msg.answers(r)));
        match found {
            Some(i) => {
                let mut tx = self.pending.remove(i);
                if let Some(req) = &tx.request {
                    msg.validate_against(req);
                }
                Self::response_events(ctx, &msg);
                tx.response = Some(msg);
                ctx.complete(&tx);
                if self.givenup && self.pending.len() < REQUEST_FLOOD {
                    self.givenup = false;
                }
            }
            None => {
                let Some(mut tx) = self.new_tx(ctx) else {
                    return;
                };
                Self::response_events(ctx, &msg);
                ctx.anomaly("UNSOLICITED_RESPONSE");
                tx.response = Some(msg);
                ctx.complete(&tx);
            }
        }
    }
}

impl AppParser for ModbusState {
    fn parse(&mut self, ctx: &mut ParseCtx<'_, '_>, dir: Direction, data: &[u8]) {
        let d = dir.index();
        if self.framing.is_stopped(d) {
            return;
        }
        let to_server = dir == Direction::ToServer;
        let mut held = self.framing.take(d);
        let out = stream::drive(
            &mut held,
            data,
            MAX_HELD,
            &mut |b| match parser::parse_frame(b) {
                FrameResult::Frame(f, n) => {
                    self.on_message(ctx, to_server, &f);
                    Step::Consumed(n)
                }
                FrameResult::Incomplete(_) => Step::NeedMore,
                FrameResult::Invalid => Step::Stop,
            },
        );
        self.framing
            .settle(ctx, d, held, out, Some("INVALID_LENGTH"));
    }

    fn gap(&mut self, _ctx: &mut ParseCtx<'_, '_>, dir: Direction, _len: u64) {
        // Lost bytes leave no way to find the next MBAP header reliably.
        self.framing.stop(dir.index());
    }

    fn finish(&mut self, ctx: &mut ParseCtx<'_, '_>) {
        for tx in std::mem::take(&mut self.pending) {
            ctx.complete(&tx);
        }
    }
}
