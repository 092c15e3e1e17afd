//! Splitting a TCP byte stream into length-prefixed messages, shared by the
//! industrial protocols (Modbus, DNP3, S7comm, IEC-104): all four frame
//! their messages with a length in a fixed header, so one loop serves them.
//!
//! The flow stage hands us chunks of any size. A message split across
//! chunks is kept in a per-direction buffer, bounded by the caller's
//! `max`; whole messages in a chunk are parsed in place, without copying,
//! so steady state allocates nothing.

use crate::parser::ParseCtx;

/// The per-direction framing state every stream parser keeps: the bytes of
/// a message not yet complete, and whether the direction was given up.
#[derive(Debug, Default)]
pub struct Framing {
    held: [Vec<u8>; 2],
    stopped: [bool; 2],
}

impl Framing {
    /// Whether direction `d` was given up.
    pub fn is_stopped(&self, d: usize) -> bool {
        self.stopped[d]
    }

    /// Takes direction `d`'s held bytes out for a [`drive`] call (the
    /// message closure needs the parser itself, so they cannot stay in it).
    pub fn take(&mut self, d: usize) -> Vec<u8> {
        std::mem::take(&mut self.held[d])
    }

    /// Puts the held bytes back and acts on the outcome of [`drive`]: a
    /// framing error gives the direction up — nothing after a length that
    /// cannot be trusted can be framed again — raising `event` when the
    /// protocol has one; an overflow is a limit hit.
    pub fn settle(
        &mut self,
        ctx: &mut ParseCtx<'_, '_>,
        d: usize,
        held: Vec<u8>,
        out: Driven,
        event: Option<&'static str>,
    ) {
        self.held[d] = held;
        match out {
            Driven::Ok => {}
            Driven::Stopped => {
                if let Some(event) = event {
                    ctx.anomaly(event);
                }
                self.stop(d);
            }
            Driven::Overflow => ctx.limit_hit(),
        }
    }

    /// Gives direction `d` up (after a framing error, or lost bytes that
    /// leave no way to find the next header).
    pub fn stop(&mut self, d: usize) {
        self.stopped[d] = true;
        self.held[d] = Vec::new();
    }

    /// Drops direction `d`'s half-read message, to resynchronise on the next one.
    pub fn clear(&mut self, d: usize) {
        self.held[d].clear();
    }
}

/// What a message parser made of the bytes at the front of the stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// A message (or junk to skip) of this many bytes was handled.
    Consumed(usize),
    /// The front message is incomplete.
    NeedMore,
    /// The stream cannot be parsed any further (not this protocol).
    Stop,
}

/// The outcome of one [`drive`] call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Driven {
    /// All bytes were handled or kept for later.
    Ok,
    /// The parser said [`Step::Stop`].
    Stopped,
    /// More than `max` bytes would have been held: they were dropped.
    Overflow,
}

/// Feeds `data` to `each` message by message, using `held` for bytes of a
/// message that is not complete yet. `each` must return `Consumed(n)` with
/// `n > 0`, else the loop treats it as `NeedMore` (so it always ends).
pub fn drive(
    held: &mut Vec<u8>,
    data: &[u8],
    max: usize,
    each: &mut dyn FnMut(&[u8]) -> Step,
) -> Driven {
    if held.is_empty() {
        let mut off = 0;
        while off < data.len() {
            match each(&data[off..]) {
                Step::Consumed(n) if n > 0 => off = off.saturating_add(n).min(data.len()),
                Step::Stop => return Driven::Stopped,
                _ => break,
            }
        }
        let rest = &data[off..];
        if rest.len() > max {
            return Driven::Overflow;
        }
        held.extend_from_slice(rest);
        return Driven::Ok;
    }
    if held.len().saturating_add(data.len()) > max.saturating_mul(2) {
        held.clear();
        return Driven::Overflow;
    }
    held.extend_from_slice(data);
    let mut off = 0;
    let mut out = Driven::Ok;
    while off < held.len() {
        match each(&held[off..]) {
            Step::Consumed(n) if n > 0 => off = off.saturating_add(n).min(held.len()),
            Step::Stop => {
                out = Driven::Stopped;
                off = held.len();
                break;
            }
            _ => break,
        }
    }
    held.drain(..off);
    if held.len() > max {
        held.clear();
        return Driven::Overflow;
    }
    out
}
