//! TCP stream reassembly: one [`Stream`] per direction of a session turns
//! segments, in whatever order they were captured, into the in-order byte
//! stream the receiving host saw, and says where bytes were lost.
//!
//! # How data flows
//!
//! Each stream keeps `base`: the sequence number (and the 64-bit stream
//! offset) of the next byte to hand on. A segment that starts at `base`
//! while nothing is buffered is handed to the app layer **straight from the
//! packet buffer**: no copy, no allocation (the common case). A segment
//! that starts past `base` is copied into a sorted list of out-of-order
//! segments; when the hole before it fills, the list is drained in order.
//! Sequence numbers are compared in serial arithmetic (RFC 1982: the signed
//! 32-bit difference), so a stream that wraps past 2³² goes on seamlessly;
//! offsets inside the stream are 64-bit and never wrap.
//!
//! # Overlap policy
//!
//! When a segment overlaps bytes already buffered, the target host decides
//! which copy it keeps, and an attacker who knows our choice differs from
//! the host's can hide data (Ptacek & Newsham, 1998). Without host
//! information we use Suricata's default policy, **"bsd"**: the original
//! (first received) bytes win, *except* where the new segment starts
//! before the buffered one, in which case the new segment's bytes replace
//! the overlapped part. Every overlap is counted (`tcp.overlap`); one whose
//! bytes differ is counted again (`tcp.overlap_diff_data`) and raises the
//! anomaly `stream.reassembly_overlap_different_data`.
//!
//! Bytes already handed on are not kept (we forward them zero-copy), so a
//! segment that lies wholly *before* `base` is counted as a retransmission
//! (`tcp.retransmission`) and dropped without comparing its bytes; where it
//! reaches past `base`, only the new part is used. Suricata keeps delivered
//! data until it is acknowledged and so can also compare those; we trade
//! that for not copying in-order data.
//!
//! # Gaps
//!
//! Bytes that never arrive (lost before the capture point) would stall a
//! stream forever. A hole is skipped when the receiver acknowledges past
//! it (the data existed, we just did not see it) and data after it has
//! come (as Suricata's `CheckGap`: an acknowledgement of bytes of which
//! nothing follows marks no gap), and, at the end of the flow, before
//! every buffered segment the receiver acknowledged. Each skip calls `on_gap` with the
//! number of missing bytes, sets the stream's gap flag (EVE `tcp.gap_ts` /
//! `gap_tc`), counts `tcp.reassembly_gap` and raises
//! `stream.reassembly_seq_gap`. An acknowledgement more than 2³⁰ bytes
//! ahead (the largest scaled TCP window) is not believed.
//!
//! # Limits (all from configuration, each counted when hit)
//!
//! - **Depth** (`stream.reassembly.depth`, default 1 MiB, 0 = unlimited):
//!   bytes per direction handed to the app layer. Past it the stream stops
//!   (nothing buffered or delivered), counts `tcp.stream_depth_reached`
//!   once and raises `stream.reassembly_depth_reached`; packets are still
//!   counted in the flow.
//! - **Out-of-order segments** (`stream.reassembly.max-ooo-segments`,
//!   default 1024, per direction): a peer that sends only holes cannot make
//!   us keep more pieces; a piece past the limit is dropped and counted
//!   (`tcp.ooo_limit`). The gap logic later skips over it.
//! - **Reassembly memory** (`stream.reassembly.memcap`, per worker): the
//!   bytes of every buffered piece plus its bookkeeping
//!   ([`SEGMENT_OVERHEAD`]); a piece that would pass it is dropped and
//!   counted (`tcp.segment_memcap_drop`).

use std::collections::VecDeque;

/// Bytes of bookkeeping charged per buffered piece on top of its data: the
/// list entry and the allocator's header for its boxed bytes.
pub const SEGMENT_OVERHEAD: u64 = std::mem::size_of::<Segment>() as u64 + 16;

/// Largest acknowledgement jump believed when skipping a gap: the largest
/// window TCP can advertise (65,535 << 14 ≈ 2³⁰).
const MAX_ACK_JUMP: i64 = 1 << 30;

/// Something reassembly hands on, in stream order.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Out<'a> {
    /// In-order bytes.
    Data(&'a [u8]),
    /// This many bytes are missing.
    Gap(u64),
    /// A stream anomaly (Suricata's event name).
    Event(&'static str),
}

/// Limits, shared counters and memory use of every stream of one worker.
#[derive(Debug, Default)]
pub(crate) struct Reassembler {
    /// Bytes per direction (0: unlimited).
    pub depth: u64,
    /// Buffered pieces per direction.
    pub max_ooo: usize,
    /// Bytes of buffered pieces per worker.
    pub memcap: u64,
    /// Bytes of buffered pieces now.
    pub memuse: u64,
    /// Highest `memuse` seen.
    pub memuse_peak: u64,
    /// Counters.
    pub stats: ReassemblyStats,
}

/// Reassembly counters (Suricata's `tcp.*` names where it has them).
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct ReassemblyStats {
    pub gaps: u64,
    pub overlap: u64,
    pub overlap_diff_data: u64,
    pub retransmission: u64,
    pub segment_memcap_drop: u64,
    pub ooo_limit: u64,
    pub depth_reached: u64,
}

/// One buffered out-of-order piece. Pieces never overlap one another.
#[derive(Debug)]
pub(crate) struct Segment {
    off: u64,
    data: Box<[u8]>,
}

impl Segment {
    fn end(&self) -> u64 {
        self.off + self.data.len() as u64
    }
}

/// `data[a..b]` relative to `base`, empty when out of range (never panics).
fn sub(data: &[u8], base: u64, a: u64, b: u64) -> &[u8] {
    let (Some(a), Some(b)) = (a.checked_sub(base), b.checked_sub(base)) else {
        return &[];
    };
    data.get(a as usize..b as usize).unwrap_or(&[])
}

/// One direction of a TCP session.
#[derive(Debug, Default)]
pub struct Stream {
    init: bool,
    /// Sequence number of the next byte to hand on.
    base_seq: u32,
    /// Stream offset of `base_seq` (0 = first byte after the ISN).
    base_off: u64,
    segs: VecDeque<Segment>,
    /// Stream offset of the FIN, once seen.
    fin_off: Option<u64>,
    /// Highest stream offset the peer acknowledged.
    acked_off: u64,
    /// The peer's acknowledgements were seen (false in a one-sided
    /// capture, where no hole can be known to be acknowledged).
    peer_acks: bool,
    gap: bool,
    depth_reached: bool,
}

impl Stream {
    /// Starts the stream: `next_seq` is the sequence number of its first
    /// data byte (ISN + 1 after a SYN; the first seen byte when picked up
    /// mid-stream).
    pub(crate) fn start(&mut self, next_seq: u32) {
        self.init = true;
        self.base_seq = next_seq;
        self.base_off = 0;
    }

    /// Whether the stream was started.
    pub fn is_started(&self) -> bool {
        self.init
    }

    /// Whether bytes were skipped as missing.
    pub fn had_gap(&self) -> bool {
        self.gap
    }

    /// Whether the depth limit stopped the stream.
    pub fn depth_reached(&self) -> bool {
        self.depth_reached
    }

    /// Bytes handed on or skipped so far.
    pub fn offset(&self) -> u64 {
        self.base_off
    }

    /// The stream's size as Suricata's `stream_size` keyword measures it,
    /// next expected sequence number minus the initial one: the bytes
    /// handed on or skipped, plus one for the SYN (a stream picked up
    /// mid-way counts one too, as Suricata sets its initial sequence
    /// number one before the first byte seen) and one for a FIN once the
    /// bytes before it are in; 0 before the stream starts.
    pub fn size(&self) -> u64 {
        if !self.init {
            return 0;
        }
        let fin = self.fin_off.is_some_and(|f| self.base_off >= f);
        self.base_off + 1 + u64::from(fin)
    }

    /// Stream bytes the peer acknowledged (never past the FIN).
    pub fn acked(&self) -> u64 {
        self.acked_off
    }

    /// Sequence number of the next expected byte.
    pub fn next_seq(&self) -> u32 {
        self.base_seq
    }

    /// Buffered out-of-order pieces.
    pub fn buffered_segments(&self) -> usize {
        self.segs.len()
    }

    fn seq_to_off(&self, seq: u32) -> i64 {
        self.base_off as i64 + seq.wrapping_sub(self.base_seq) as i32 as i64
    }

    /// Records the FIN at `seq` (the sequence number right after the
    /// segment's data).
    pub(crate) fn set_fin(&mut self, seq: u32) {
        if self.init && self.fin_off.is_none() {
            let off = self.seq_to_off(seq);
            if off >= 0 {
                self.fin_off = Some(off as u64);
            }
        }
    }

    /// Takes one segment's payload starting at `seq`.
    pub(crate) fn on_segment(
        &mut self,
        seq: u32,
        data: &[u8],
        rs: &mut Reassembler,
        out: &mut dyn FnMut(Out<'_>),
    ) {
        if !self.init || data.is_empty() || self.depth_reached {
            return;
        }
        let start = self.seq_to_off(seq);
        let end = start + data.len() as i64;
        let base = self.base_off as i64;
        if end <= base {
            rs.stats.retransmission += 1;
            return;
        }
        // Only the part at or after `base` is new.
        let (mut off, mut data) = if start < base {
            let skip = (base - start) as usize;
            (self.base_off, data.get(skip..).unwrap_or(&[]))
        } else {
            (start as u64, data)
        };
        if rs.depth > 0 {
            if off >= rs.depth {
                return;
            }
            let room = rs.depth - off;
            if data.len() as u64 > room {
                data = data.get(..room as usize).unwrap_or(&[]);
            }
        }
        // BSD policy decisions need where the segment began on the wire.
        let seg_start = start.max(0) as u64;
        if off == self.base_off {
            let direct = match self.segs.front() {
                Some(s) => (s.off.saturating_sub(off) as usize).min(data.len()),
                None => data.len(),
            };
            let (now, rest) = data.split_at(direct);
            self.deliver(now, rs, out);
            if self.depth_reached {
                return;
            }
            off += direct as u64;
            data = rest;
        }
        if !data.is_empty() {
            self.insert(seg_start, off, data, rs, out);
        }
        self.drain(rs, out);
        // The peer acknowledged the hole before the data after it came.
        if self.acked_off > self.base_off && !self.segs.is_empty() {
            self.skip_to(self.acked_off, rs, out);
        }
    }

    /// Hands `data` on from `base` and moves `base` past it.
    fn deliver(&mut self, data: &[u8], rs: &mut Reassembler, out: &mut dyn FnMut(Out<'_>)) {
        if data.is_empty() {
            return;
        }
        out(Out::Data(data));
        self.advance(data.len() as u64);
        if rs.depth > 0 && self.base_off >= rs.depth && !self.depth_reached {
            self.depth_reached = true;
            rs.stats.depth_reached += 1;
            out(Out::Event("stream.reassembly_depth_reached"));
            self.release(rs);
        }
    }

    fn advance(&mut self, n: u64) {
        self.base_off += n;
        self.base_seq = self.base_seq.wrapping_add(n as u32);
    }

    /// Buffers the new parts of `data` (at stream offset `off`, from a
    /// segment that began at `seg_start`), applying the overlap policy.
    fn insert(
        &mut self,
        seg_start: u64,
        off: u64,
        data: &[u8],
        rs: &mut Reassembler,
        out: &mut dyn FnMut(Out<'_>),
    ) {
        let end = off + data.len() as u64;
        let mut i = self.segs.partition_point(|s| s.end() <= off);
        let mut pos = off;
        let mut overlapped = false;
        let mut differs = false;
        while pos < end {
            let next = self.segs.get(i).map(|s| (s.off, s.end()));
            match next {
                Some((s_off, s_end)) if s_off < end => {
                    if s_off > pos {
                        let piece = sub(data, off, pos, s_off);
                        if !self.push_piece(i, pos, piece, rs) {
                            break;
                        }
                        i += 1;
                        pos = s_off;
                        continue;
                    }
                    let o_end = end.min(s_end);
                    let new = sub(data, off, pos, o_end);
                    overlapped = true;
                    if let Some(s) = self.segs.get_mut(i) {
                        let (a, b) = ((pos - s.off) as usize, (o_end - s.off) as usize);
                        if let Some(old) = s.data.get_mut(a..b)
                            && old != new
                        {
                            differs = true;
                            // "bsd": a segment that starts before the
                            // buffered one overwrites it.
                            if seg_start < s_off && old.len() == new.len() {
                                old.copy_from_slice(new);
                            }
                        }
                    }
                    pos = o_end;
                    i += 1;
                }
                _ => {
                    let piece = sub(data, off, pos, end);
                    self.push_piece(i, pos, piece, rs);
                    pos = end;
                }
            }
        }
        if overlapped {
            rs.stats.overlap += 1;
        }
        if differs {
            rs.stats.overlap_diff_data += 1;
            out(Out::Event("stream.reassembly_overlap_different_data"));
        }
    }

    fn push_piece(&mut self, i: usize, off: u64, piece: &[u8], rs: &mut Reassembler) -> bool {
        if piece.is_empty() {
            return true;
        }
        if self.segs.len() >= rs.max_ooo {
            rs.stats.ooo_limit += 1;
            return false;
        }
        let cost = piece.len() as u64 + SEGMENT_OVERHEAD;
        if rs.memuse + cost > rs.memcap {
            rs.stats.segment_memcap_drop += 1;
            return false;
        }
        rs.memuse += cost;
        rs.memuse_peak = rs.memuse_peak.max(rs.memuse);
        self.segs.insert(
            i,
            Segment {
                off,
                data: piece.into(),
            },
        );
        true
    }

    /// Hands on buffered pieces that now continue the stream.
    fn drain(&mut self, rs: &mut Reassembler, out: &mut dyn FnMut(Out<'_>)) {
        while !self.depth_reached {
            match self.segs.front() {
                Some(s) if s.off <= self.base_off => {}
                _ => return,
            }
            let Some(seg) = self.segs.pop_front() else {
                return;
            };
            rs.memuse = rs
                .memuse
                .saturating_sub(seg.data.len() as u64 + SEGMENT_OVERHEAD);
            let data = sub(&seg.data, seg.off, self.base_off, seg.end());
            let data = if rs.depth > 0 {
                let room = rs.depth.saturating_sub(self.base_off) as usize;
                data.get(..room.min(data.len())).unwrap_or(&[])
            } else {
                data
            };
            self.deliver(data, rs, out);
        }
    }

    /// Skips holes up to stream offset `target`, handing on buffered
    /// pieces on the way. Only holes with data after them are skipped: an
    /// acknowledgement past everything we hold says bytes were sent, not
    /// that the stream goes on where we could follow (Suricata's
    /// `CheckGap`), so the stream stops at the end of the data instead of
    /// inventing a trailing gap the app layer would count as content.
    fn skip_to(&mut self, target: u64, rs: &mut Reassembler, out: &mut dyn FnMut(Out<'_>)) {
        loop {
            self.drain(rs, out);
            if self.depth_reached || self.base_off >= target {
                return;
            }
            let hole_end = match self.segs.front() {
                Some(s) => s.off.min(target),
                None => return,
            };
            let len = hole_end - self.base_off;
            out(Out::Gap(len));
            out(Out::Event("stream.reassembly_seq_gap"));
            self.gap = true;
            rs.stats.gaps += 1;
            self.advance(len);
        }
    }

    /// The peer acknowledged up to `ack`: bytes before it that we never
    /// saw are gone, skip them.
    pub(crate) fn on_ack(&mut self, ack: u32, rs: &mut Reassembler, out: &mut dyn FnMut(Out<'_>)) {
        if !self.init {
            return;
        }
        self.peer_acks = true;
        let jump = ack.wrapping_sub(self.base_seq) as i32 as i64;
        // An ACK may fall inside bytes already handed on (they are
        // delivered on arrival), so the acknowledged offset is tracked
        // apart from `base`.
        if jump <= MAX_ACK_JUMP {
            let mut off = (self.base_off as i64 + jump).max(0) as u64;
            if let Some(f) = self.fin_off {
                off = off.min(f);
            }
            self.acked_off = self.acked_off.max(off);
        }
        if self.depth_reached || jump <= 0 || jump > MAX_ACK_JUMP {
            return;
        }
        // As Suricata's `CheckGap`: an ACK past everything we saw from
        // the sender marks a hole only once data beyond it is here. With
        // nothing buffered it may as well acknowledge bytes we were never
        // meant to see (a one-sided pick-up, a capture that starts late);
        // `on_segment` skips the hole when such data comes.
        if self.segs.is_empty() {
            return;
        }
        let mut target = self.base_off + jump as u64;
        if let Some(f) = self.fin_off {
            // The FIN takes a sequence number but carries no byte.
            target = target.min(f);
        }
        self.skip_to(target, rs, out);
    }

    /// The flow ends: hand on what is buffered, skipping holes the peer
    /// acknowledged. As Suricata (`CheckGap`: a gap is passed only below
    /// the last ACK), a hole past the peer's last acknowledgement stops
    /// the stream: the bytes after it were never confirmed as following
    /// on, so they are not handed on. Contiguous unacknowledged data is.
    /// Without any ACK from the peer (a one-sided capture) every hole is
    /// skipped, since none could ever be acknowledged.
    pub(crate) fn finish(&mut self, rs: &mut Reassembler, out: &mut dyn FnMut(Out<'_>)) {
        if let Some(last) = self.segs.back().map(Segment::end) {
            let target = if self.peer_acks {
                last.min(self.acked_off.max(self.base_off))
            } else {
                last
            };
            // `skip_to` also hands on data continuing the stream past it.
            self.skip_to(target, rs, out);
        }
        self.release(rs);
    }

    /// Frees every buffered piece.
    pub(crate) fn release(&mut self, rs: &mut Reassembler) {
        for s in self.segs.drain(..) {
            rs.memuse = rs
                .memuse
                .saturating_sub(s.data.len() as u64 + SEGMENT_OVERHEAD);
        }
        self.segs = VecDeque::new();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, PartialEq, Eq)]
    enum Got {
        D(Vec<u8>),
        G(u64),
        E(&'static str),
    }

    /// Appends what the stream hands on to `got` as text: the data, and
    /// `<gap N>` for a skipped hole (events are left out).
    fn record(got: &mut Vec<String>, o: Out<'_>) {
        match o {
            Out::Data(d) => got.push(String::from_utf8_lossy(d).into_owned()),
            Out::Gap(n) => got.push(format!("<gap {n}>")),
            Out::Event(_) => {}
        }
    }

    fn rs() -> Reassembler {
        Reassembler {
            depth: 0,
            max_ooo: 1024,
            memcap: 1 << 20,
            ..Default::default()
        }
    }

    /// Feeds `(seq, bytes)` segments to a stream starting at `isn + 1`,
    /// then finishes it, and returns the data joined with gaps as `?`.
    fn run(r: &mut Reassembler, isn: u32, segs: &[(u32, &[u8])]) -> (String, Vec<Got>) {
        let mut s = Stream::default();
        s.start(isn.wrapping_add(1));
        let mut got = Vec::new();
        let mut push = |o: Out<'_>| {
            got.push(match o {
                Out::Data(d) => Got::D(d.to_vec()),
                Out::Gap(n) => Got::G(n),
                Out::Event(e) => Got::E(e),
            })
        };
        for &(seq, d) in segs {
            s.on_segment(isn.wrapping_add(seq), d, r, &mut push);
        }
        s.finish(r, &mut push);
        let mut text = String::new();
        for g in &got {
            match g {
                Got::D(d) => text.push_str(&String::from_utf8_lossy(d)),
                Got::G(n) => text.push_str(&"?".repeat(*n as usize)),
                Got::E(_) => {}
            }
        }
        assert_eq!(r.memuse, 0, "all buffers released");
        (text, got)
    }

    #[test]
    fn table() {
        struct Case {
            name: &'static str,
            isn: u32,
            segs: &'static [(u32, &'static [u8])],
            want: &'static str,
            overlap: u64,
            diff: u64,
            retrans: u64,
        }
        let cases = [
            Case {
                name: "in order",
                isn: 1000,
                segs: &[(1, b"abc"), (4, b"def"), (7, b"gh")],
                want: "abcdefgh",
                overlap: 0,
                diff: 0,
                retrans: 0,
            },
            Case {
                name: "reverse",
                isn: 1000,
                segs: &[(7, b"gh"), (4, b"def"), (1, b"abc")],
                want: "abcdefgh",
                overlap: 0,
                diff: 0,
                retrans: 0,
            },
            Case {
                name: "retransmit delivered",
                isn: 1000,
                segs: &[(1, b"abc"), (1, b"abc"), (4, b"def")],
                want: "abcdef",
                overlap: 0,
                diff: 0,
                retrans: 1,
            },
            Case {
                name: "retransmit buffered same",
                isn: 1000,
                segs: &[(4, b"def"), (4, b"def"), (1, b"abc")],
                want: "abcdef",
                overlap: 1,
                diff: 0,
                retrans: 0,
            },
            Case {
                name: "partial old data trimmed",
                isn: 1000,
                segs: &[(1, b"abcd"), (3, b"cdef")],
                want: "abcdef",
                overlap: 0,
                diff: 0,
                retrans: 0,
            },
            // Original wins when the new segment starts at or after it.
            Case {
                name: "overlap diff, new starts after: old wins",
                isn: 1000,
                segs: &[(4, b"DEF"), (5, b"xyz"), (1, b"abc")],
                want: "abcDEFz",
                overlap: 1,
                diff: 1,
                retrans: 0,
            },
            Case {
                name: "overlap diff, same start: old wins",
                isn: 1000,
                segs: &[(4, b"DEF"), (4, b"xyz"), (1, b"abc")],
                want: "abcDEF",
                overlap: 1,
                diff: 1,
                retrans: 0,
            },
            // "bsd": a segment starting before the buffered one overwrites it.
            Case {
                name: "overlap diff, new starts before: new wins",
                isn: 1000,
                segs: &[(5, b"EFG"), (3, b"xyzw"), (1, b"ab")],
                want: "abxyzwG",
                overlap: 1,
                diff: 1,
                retrans: 0,
            },
            Case {
                name: "in-order segment overlapping buffered data",
                isn: 1000,
                segs: &[(4, b"DE"), (1, b"abcxy")],
                want: "abcxy",
                overlap: 1,
                diff: 1,
                retrans: 0,
            },
            Case {
                name: "gap then data, skipped at end",
                isn: 1000,
                segs: &[(1, b"ab"), (6, b"fg")],
                want: "ab???fg",
                overlap: 0,
                diff: 0,
                retrans: 0,
            },
            Case {
                name: "wraparound at 2^32",
                isn: u32::MAX - 3,
                segs: &[(1, b"abc"), (4, b"def"), (7, b"gh")],
                want: "abcdefgh",
                overlap: 0,
                diff: 0,
                retrans: 0,
            },
            Case {
                name: "wraparound out of order",
                isn: u32::MAX - 3,
                segs: &[(7, b"gh"), (1, b"abc"), (4, b"def")],
                want: "abcdefgh",
                overlap: 0,
                diff: 0,
                retrans: 0,
            },
        ];
        for c in cases {
            let mut r = rs();
            let (text, got) = run(&mut r, c.isn, c.segs);
            assert_eq!(text, c.want, "{}", c.name);
            assert_eq!(r.stats.overlap, c.overlap, "{} overlap", c.name);
            assert_eq!(r.stats.overlap_diff_data, c.diff, "{} diff", c.name);
            assert_eq!(r.stats.retransmission, c.retrans, "{} retrans", c.name);
            let events = got
                .iter()
                .filter(|g| **g == Got::E("stream.reassembly_overlap_different_data"))
                .count() as u64;
            assert_eq!(events, c.diff, "{} events", c.name);
        }
    }

    #[test]
    fn in_order_is_handed_on_in_one_piece() {
        let mut r = rs();
        let (_, got) = run(&mut r, 0, &[(1, b"hello"), (6, b" world")]);
        assert_eq!(
            got,
            vec![Got::D(b"hello".to_vec()), Got::D(b" world".to_vec())]
        );
        assert_eq!(r.memuse_peak, 0, "nothing was buffered");
    }

    #[test]
    fn gap_is_reported_once_with_its_length() {
        let mut r = rs();
        let (_, got) = run(&mut r, 0, &[(1, b"ab"), (10, b"j")]);
        assert_eq!(
            got,
            vec![
                Got::D(b"ab".to_vec()),
                Got::G(7),
                Got::E("stream.reassembly_seq_gap"),
                Got::D(b"j".to_vec())
            ]
        );
        assert_eq!(r.stats.gaps, 1);
    }

    #[test]
    fn ack_past_missing_data_skips_the_hole() {
        let mut r = rs();
        let mut s = Stream::default();
        s.start(101);
        let mut got = Vec::new();
        let mut push = |o: Out<'_>| record(&mut got, o);
        s.on_segment(101, b"abc", &mut r, &mut push);
        s.on_segment(110, b"xyz", &mut r, &mut push);
        // Receiver acknowledges everything up to 113: 104..110 was lost.
        s.on_ack(113, &mut r, &mut push);
        s.on_segment(113, b"!", &mut r, &mut push);
        // A bogus ack far ahead is ignored.
        s.on_ack(114u32.wrapping_add(1 << 31), &mut r, &mut push);
        assert_eq!(got, vec!["abc", "<gap 6>", "xyz", "!"]);
        assert!(s.had_gap());
        assert_eq!(s.offset(), 13);
    }

    /// Regression (suricata-verify stream-async-6063-srv-02, http-async-srv):
    /// an ACK of bytes of which we saw nothing marks no gap (Suricata's
    /// `CheckGap`), so a client stream seen only through the server's ACKs
    /// sends the app layer no gap. Data that comes later past the
    /// acknowledged hole skips it then.
    #[test]
    fn ack_past_all_seen_data_is_a_gap_only_once_data_follows() {
        let mut r = rs();
        let mut s = Stream::default();
        s.start(1);
        let mut got = Vec::new();
        let mut push = |o: Out<'_>| record(&mut got, o);
        s.on_ack(397, &mut r, &mut push);
        assert_eq!(s.acked(), 396);
        s.on_ack(398, &mut r, &mut push);
        s.finish(&mut r, &mut push);
        assert!(got.is_empty(), "{got:?}");
        assert!(!s.had_gap());

        // The acknowledged bytes went missing, then data after them came.
        let mut got = Vec::new();
        let mut push = |o: Out<'_>| record(&mut got, o);
        let mut s = Stream::default();
        s.start(101);
        s.on_segment(101, b"abc", &mut r, &mut push);
        s.on_ack(110, &mut r, &mut push);
        s.on_segment(110, b"xyz", &mut r, &mut push);
        assert_eq!(got, vec!["abc", "<gap 6>", "xyz"]);
    }

    /// Regression (suricata-verify bug-5392): the receiver acknowledged far
    /// past the last bytes we saw. The hole before that data is skipped,
    /// but nothing is invented after it: the stream ends where the data
    /// does, so a file cut short is not padded to the acknowledged size.
    #[test]
    fn ack_past_buffered_data_skips_no_trailing_hole() {
        let mut r = rs();
        let mut s = Stream::default();
        s.start(101);
        let mut got = Vec::new();
        let mut push = |o: Out<'_>| record(&mut got, o);
        s.on_segment(101, b"abc", &mut r, &mut push);
        // 104..110 lost, 110..113 buffered, then an ACK up to 200.
        s.on_segment(110, b"xyz", &mut r, &mut push);
        s.on_ack(200, &mut r, &mut push);
        s.finish(&mut r, &mut push);
        assert_eq!(got, vec!["abc", "<gap 6>", "xyz"]);
        assert_eq!(s.offset(), 12);
    }

    /// The capture of tcp-rst-unacked-stream-10 in small: the receiver
    /// acknowledged part of a hole, then reset. At the end the
    /// acknowledged part is skipped; the rest of the hole was never
    /// acknowledged, so the bytes after it are not handed on.
    #[test]
    fn end_of_flow_skips_holes_only_up_to_the_last_ack() {
        let mut r = rs();
        let mut s = Stream::default();
        s.start(101);
        let mut got = Vec::new();
        let mut push = |o: Out<'_>| record(&mut got, o);
        s.on_segment(101, b"abc", &mut r, &mut push);
        // 104..110 lost; the receiver acknowledges up to 106 only.
        s.on_segment(110, b"xyz", &mut r, &mut push);
        s.on_ack(106, &mut r, &mut push);
        s.finish(&mut r, &mut push);
        assert_eq!(got, vec!["abc", "<gap 2>"]);
        assert_eq!(s.offset(), 5);
    }

    /// Without the peer's ACKs (a one-sided capture) no hole can be known
    /// to be acknowledged: the end of the flow skips them all.
    #[test]
    fn end_of_flow_skips_every_hole_without_peer_acks() {
        let mut r = rs();
        let mut s = Stream::default();
        s.start(101);
        let mut got = Vec::new();
        let mut push = |o: Out<'_>| record(&mut got, o);
        s.on_segment(101, b"abc", &mut r, &mut push);
        s.on_segment(110, b"xyz", &mut r, &mut push);
        s.finish(&mut r, &mut push);
        assert_eq!(got, vec!["abc", "<gap 6>", "xyz"]);
    }

    #[test]
    fn acknowledged_offset_follows_acks_inside_delivered_data() {
        let mut r = rs();
        let mut s = Stream::default();
        s.start(1001);
        let mut push = |_: Out<'_>| {};
        s.on_segment(1001, b"Please ", &mut r, &mut push);
        s.on_segment(1008, b"Let Me In", &mut r, &mut push);
        assert_eq!(s.acked(), 0);
        // Both segments were handed on; the receiver took only the first.
        s.on_ack(1008, &mut r, &mut push);
        assert_eq!(s.acked(), 7);
        // An older ACK does not move it back.
        s.on_ack(1002, &mut r, &mut push);
        assert_eq!(s.acked(), 7);
        // The FIN's sequence number carries no byte.
        s.set_fin(1017);
        s.on_ack(1018, &mut r, &mut push);
        assert_eq!(s.acked(), 16);
        // A bogus ack far ahead is not believed.
        s.on_ack(1018u32.wrapping_add(1 << 31), &mut r, &mut push);
        assert_eq!(s.acked(), 16);
    }

    #[test]
    fn ack_of_fin_is_not_a_gap() {
        let mut r = rs();
        let mut s = Stream::default();
        s.start(1);
        let mut gaps = 0;
        let mut push = |o: Out<'_>| {
            if let Out::Gap(_) = o {
                gaps += 1
            }
        };
        s.on_segment(1, b"abc", &mut r, &mut push);
        s.set_fin(4);
        s.on_ack(5, &mut r, &mut push);
        assert_eq!(gaps, 0);
    }

    #[test]
    fn depth_limit_stops_the_stream() {
        let mut r = rs();
        r.depth = 5;
        let (text, got) = run(&mut r, 0, &[(1, b"abc"), (4, b"defgh"), (9, b"ijk")]);
        assert_eq!(text, "abcde");
        assert_eq!(r.stats.depth_reached, 1);
        assert!(got.contains(&Got::E("stream.reassembly_depth_reached")));
        // Out of order segments beyond depth are never buffered.
        let mut r = rs();
        r.depth = 4;
        let (text, _) = run(&mut r, 0, &[(6, b"zz"), (3, b"cdef"), (1, b"ab")]);
        assert_eq!(text, "abcd");
        assert_eq!(r.memuse_peak, SEGMENT_OVERHEAD + 2);
    }

    #[test]
    fn ooo_limit_drops_and_counts() {
        let mut r = rs();
        r.max_ooo = 2;
        let (text, _) = run(&mut r, 0, &[(3, b"c"), (5, b"e"), (7, b"g"), (1, b"ab")]);
        // "g" did not fit; "d" and "f" were never sent. The in-order
        // segment is handed on straight from the packet despite the limit.
        assert_eq!(text, "abc?e");
        assert_eq!(r.stats.ooo_limit, 1);
    }

    #[test]
    fn memcap_drops_and_counts() {
        let mut r = rs();
        r.memcap = SEGMENT_OVERHEAD + 3;
        let (text, _) = run(&mut r, 0, &[(4, b"def"), (7, b"g"), (1, b"abc")]);
        assert_eq!(text, "abcdef");
        assert_eq!(r.stats.segment_memcap_drop, 1);
    }

    #[test]
    fn not_started_stream_ignores_data() {
        let mut r = rs();
        let mut s = Stream::default();
        let mut n = 0;
        s.on_segment(1, b"abc", &mut r, &mut |_| n += 1);
        assert_eq!(n, 0);
    }
}
