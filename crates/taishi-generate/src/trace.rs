//! An in-memory arena of frames, written out in time order at the end.
//!
//! The demo's conversations are generated one after another, each with its
//! own clock, so their packets interleave in time. Packing every frame into
//! one byte arena plus a (time, offset, length) index and sorting the index
//! once is far cheaper than a priority queue of live conversations, and the
//! demo is small enough (tens of MB at scale 1) to hold in memory.

use std::io::Write;

use taishi_capture::PcapWriter;
use taishi_core::Timestamp;

/// Frames collected so far, with the counts labels are made of.
#[derive(Default)]
pub struct Trace {
    data: Vec<u8>,
    idx: Vec<(u64, usize, usize)>,
    /// Conversations (TCP connections, UDP exchanges, ICMP pairs) started.
    pub flows: u64,
}

impl Trace {
    /// Appends one frame seen `t` nanoseconds after the capture start; `build`
    /// appends the frame's bytes to the buffer it is given.
    pub fn push(&mut self, t: u64, build: impl FnOnce(&mut Vec<u8>)) {
        let off = self.data.len();
        build(&mut self.data);
        self.idx.push((t, off, self.data.len() - off));
    }

    /// Frames so far.
    pub fn packets(&self) -> u64 {
        self.idx.len() as u64
    }

    /// Earliest and latest frame time among frames `from..` (in push order).
    pub fn span_since(&self, from: usize) -> (u64, u64) {
        let tail = self.idx.get(from..).unwrap_or(&[]);
        let lo = tail.iter().map(|e| e.0).min().unwrap_or(0);
        let hi = tail.iter().map(|e| e.0).max().unwrap_or(0);
        (lo, hi)
    }

    /// Sorts by time (stable, so a conversation's frames sharing a timestamp
    /// keep their order) and writes everything.
    pub fn write<W: Write>(
        mut self,
        epoch: Timestamp,
        out: &mut PcapWriter<W>,
    ) -> std::io::Result<()> {
        self.idx.sort_by_key(|e| e.0);
        for &(t, off, len) in &self.idx {
            let frame = self.data.get(off..off + len).unwrap_or(&[]);
            out.write(Timestamp(epoch.0 + t), frame)?;
        }
        Ok(())
    }
}
