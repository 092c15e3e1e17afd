//! When the raw TCP stream is inspected: Suricata's IDS timing.
//!
//! Rules without a sticky buffer look at the reassembled stream, but an
//! IDS inspects stream bytes only once the receiver has acknowledged them
//! (what the receiver did not take may still be replaced by a
//! retransmission), and then in chunks rather than segment by segment, so
//! a pattern split over several small segments is still found. Suricata
//! (`StreamTcpReassembleRawCheckLimit`) inspects a direction's
//! acknowledged, not yet inspected bytes on a packet of that direction
//! when there are at least a chunk of them, when the protocol parser
//! finished a transaction in that direction (it "triggers" raw
//! reassembly), or when the session is closed; at the end of the flow
//! everything left is inspected, acknowledged or not.
//!
//! [`RawStream`] holds one direction's bytes between their arrival and
//! their inspection. Bytes are copied here because the flow stage hands
//! them on straight from the packet; what is held is bounded by
//! [`RAW_MAX_PENDING`].

/// Acknowledged bytes that make a chunk worth inspecting: Suricata's
/// default `stream.reassembly.toserver-chunk-size` and
/// `toclient-chunk-size`.
pub(super) const RAW_CHUNK: u64 = 2560;

/// Bytes held per direction before they are inspected whether or not the
/// peer acknowledged them: a peer that never acknowledges (a one-sided
/// capture, a flood) cannot make a flow hold more, and 64 KiB is the
/// largest unscaled TCP window, so a normal sender has acknowledgements
/// well before it.
pub(super) const RAW_MAX_PENDING: usize = 64 * 1024;

/// Inspected bytes at the front of a buffer that make it worth moving the
/// rest down: below this, or while they are less than half the buffer,
/// they stay and only an offset moves.
const COMPACT_AT: usize = 32 * 1024;

/// What an empty buffer takes at its first bytes: two full-size segments
/// (the usual run before an acknowledgement), rounded up to a page.
const FIRST_CAPACITY: usize = 4096;

/// One direction's stream bytes awaiting raw inspection.
#[derive(Debug, Default)]
pub(super) struct RawStream {
    buf: Vec<u8>,
    /// Bytes at the front of `buf` already inspected. Inspection usually
    /// takes what one ACK covers, a part of what is held: moving the rest
    /// down each time would copy a large response's bytes over and over.
    off: usize,
    /// Stream offset of `buf[off]`.
    start: u64,
    /// The protocol parser finished a transaction in this direction.
    trigger: bool,
}

impl RawStream {
    /// Appends `data`, which starts at stream offset `at`. The caller
    /// inspects what is held before a gap, so held bytes stay contiguous.
    pub(super) fn push(&mut self, at: u64, data: &[u8]) {
        if self.len() == 0 {
            self.buf.clear();
            self.off = 0;
            self.start = at;
        }
        if self.buf.capacity() == 0 {
            // Room for what usually comes before an acknowledgement (two
            // full segments), so a typical exchange does not reallocate.
            self.buf.reserve(data.len().max(FIRST_CAPACITY));
        }
        self.buf.extend_from_slice(data);
    }

    /// Asks for inspection at the next packet of this direction.
    pub(super) fn trigger(&mut self) {
        self.trigger = true;
    }

    /// Bytes held.
    pub(super) fn len(&self) -> usize {
        self.buf.len() - self.off
    }

    /// How many held bytes are due for inspection now, given that the peer
    /// acknowledged the stream up to offset `acked` and whether the
    /// session is closed.
    pub(super) fn due(&self, acked: u64, closed: bool) -> usize {
        let ready = acked.saturating_sub(self.start).min(self.len() as u64);
        if ready > 0 && (self.trigger || closed || ready >= RAW_CHUNK) {
            ready as usize
        } else {
            0
        }
    }

    /// The first `n` held bytes and their stream offset.
    pub(super) fn head(&self, n: usize) -> (&[u8], u64) {
        let held = self.buf.get(self.off..).unwrap_or_default();
        (held.get(..n).unwrap_or(held), self.start)
    }

    /// Drops the first `n` held bytes: they were inspected.
    pub(super) fn consume(&mut self, n: usize) {
        let n = n.min(self.len());
        self.off += n;
        self.start += n as u64;
        self.trigger = false;
        if self.off == self.buf.len() {
            // An emptied buffer gives its memory back: most flows are idle
            // between exchanges, and with many flows open, capacity kept
            // per flow costs more than allocating again for the next
            // exchange.
            self.buf = Vec::new();
            self.off = 0;
        } else if self.off >= COMPACT_AT && self.off * 2 >= self.buf.len() {
            // Each byte is moved at most once per time the buffer's
            // inspected front outgrows the rest: linear in the bytes held.
            self.buf.drain(..self.off);
            self.off = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_acknowledged_data_waits_for_a_chunk_trigger_or_close() {
        let mut r = RawStream::default();
        r.push(0, b"Please ");
        r.push(7, b"Let Me In");
        // Nothing acknowledged: nothing due, even on close.
        assert_eq!(r.due(0, true), 0);
        // Acknowledged but less than a chunk: wait.
        assert_eq!(r.due(16, false), 0);
        // The session closed: the acknowledged part is due, not more.
        assert_eq!(r.due(7, true), 7);
        r.trigger();
        assert_eq!(r.due(100, false), 16);
        assert_eq!(r.head(16), (&b"Please Let Me In"[..], 0));
        r.consume(7);
        assert_eq!(r.head(9), (&b"Let Me In"[..], 7));
        // Inspection clears the trigger.
        assert_eq!(r.due(100, false), 0);
    }

    #[test]
    fn a_chunk_of_acknowledged_data_is_due_and_offsets_follow() {
        let mut r = RawStream::default();
        let seg = [b'a'; 1460];
        r.push(100, &seg);
        r.push(1560, &seg);
        assert_eq!(r.len(), 2920);
        assert_eq!(r.due(100 + 2000, false), 0);
        assert_eq!(r.due(100 + 2920, false), 2920);
        r.consume(2920);
        assert_eq!(r.len(), 0);
        // The next bytes start where the stream says, not where we were.
        r.push(5000, b"x");
        assert_eq!(r.head(1).1, 5000);
    }

    #[test]
    fn partial_inspections_keep_bytes_and_offsets_in_order() {
        // A long response acknowledged two segments at a time: each
        // inspection takes a part of what is held, the rest stays in
        // order, across the compaction of the inspected front.
        let mut r = RawStream::default();
        let stream: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let (mut pushed, mut seen) = (0usize, Vec::new());
        while seen.len() < stream.len() {
            let end = (pushed + 1460 * 3).min(stream.len());
            if pushed < end {
                r.push(1000 + pushed as u64, &stream[pushed..end]);
                pushed = end;
            }
            let acked = 1000 + (seen.len() + 2920).min(pushed) as u64;
            let n = r.due(acked, pushed == stream.len());
            let (bytes, at) = r.head(n);
            assert_eq!(at, 1000 + seen.len() as u64);
            seen.extend_from_slice(bytes);
            r.consume(n);
            assert_eq!(r.len(), pushed - seen.len());
        }
        assert_eq!(seen, stream);
        assert_eq!(r.len(), 0);
    }
}
