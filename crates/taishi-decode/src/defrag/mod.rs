//! Per-worker IP defragmentation (IPv4 and IPv6) with timeouts, overlap
//! handling and memory limits.
//!
//! A datagram is tracked under (address family, source, destination,
//! identification, protocol for IPv4) plus the packet's context: its VLAN ids
//! and innermost tunnel, so that equal inner addresses in two tunnels or two
//! VLANs never mix. [`shard_hash`](crate::shard_hash) sends every fragment of
//! a datagram to the same worker, so trackers are never shared.
//!
//! # Overlap policy: BSD
//!
//! Overlapping fragments are how evasion works (the IDS and the host must see
//! the same bytes), so which copy wins must be a decision, not an accident.
//! We use Suricata's default policy, "bsd": where fragments overlap, the
//! fragment that **starts at the lower offset wins**; between fragments that
//! start at the same offset, the **one received first wins**. (This is the
//! BSD rule from Novak's "Target-Based Fragmentation Reassembly": keep the
//! original data unless the new fragment begins before it.) Every fragment
//! that overlaps one already held is counted in `defrag.overlaps` and
//! reported as `ipv4.frag_overlap` / `ipv6.frag_overlap`.
//!
//! # Rejected fragments
//!
//! - a datagram that would end past 65,535 bytes (`*.frag_pkt_too_large`);
//! - an empty fragment (`defrag.*.invalid`);
//! - anything beyond the limits of [`DefragConfig`]: trackers
//!   (`defrag.max_trackers_reached`), fragments per datagram
//!   (`defrag.max_frags_reached`, the datagram is dropped) and bytes held
//!   (`defrag.memcap_exceeded`, after expiring old datagrams once).
//!
//! As in Suricata, the datagram is complete once a final fragment (MF clear)
//! was seen and the fragments cover every byte from 0 to the largest end any
//! fragment reached; odd lengths and fragments past the final one are not
//! rejected (tshark and Suricata reassemble them too, and rejecting them
//! would let a crafted fragment hide a datagram from us but not from the
//! host).
//!
//! Fragments are copied (they outlive their frame); the reassembled datagram
//! is built in one buffer that is reused for every datagram.

use std::collections::HashMap;
use std::net::IpAddr;

use taishi_core::config::DefragConfig;
use taishi_core::{StatsSource, Timestamp};

use crate::events::Ev;
use crate::packet::{DecodeEvent, L3, Packet, TunnelKind};

/// Largest IP datagram (the 16-bit length fields).
const MAX_DATAGRAM: usize = 65_535;

/// Bookkeeping bytes charged per tracker and per fragment on top of the
/// data, so that many tiny fragments cannot hide from the memcap.
const TRACKER_OVERHEAD: u64 = 256;
const FRAG_OVERHEAD: u64 = 64;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Key {
    v6: bool,
    src: [u8; 16],
    dst: [u8; 16],
    id: u32,
    proto: u8,
    vlan: [u16; 3],
    tunnel: Option<(TunnelKind, IpAddr, IpAddr, Option<u32>)>,
}

#[derive(Debug)]
struct Frag {
    /// Offset of the data in the datagram's fragmentable part, bytes.
    off: usize,
    data: Vec<u8>,
    /// Arrival order within the tracker (for the BSD tie-break).
    order: u32,
}

impl Frag {
    fn end(&self) -> usize {
        self.off + self.data.len()
    }
}

#[derive(Debug, Default)]
struct Tracker {
    frags: Vec<Frag>,
    /// The unfragmentable part from the first fragment: the IPv4 header, or
    /// the IPv6 header and the extension headers before the fragment header.
    header: Vec<u8>,
    /// IPv6: offset in `header` of the next-header byte that named the
    /// fragment header, and the protocol to put there.
    v6_nh: Option<(usize, u8)>,
    /// A fragment without MF was seen.
    seen_last: bool,
    /// Largest end of any fragment: the datagram's length once `seen_last`.
    end: usize,
    last_seen: Timestamp,
    mem: u64,
    next_order: u32,
}

#[derive(Clone, Debug, Default)]
struct Stats {
    v4_fragments: u64,
    v4_reassembled: u64,
    v4_invalid: u64,
    v6_fragments: u64,
    v6_reassembled: u64,
    v6_invalid: u64,
    max_trackers: u64,
    max_frags: u64,
    memcap: u64,
    timeouts: u64,
    overlaps: u64,
    v4_too_large: u64,
    v6_too_large: u64,
    v4_overlap_events: u64,
    v6_overlap_events: u64,
}

/// Per-worker IP defragmentation (IPv4 and IPv6) with timeouts, overlap
/// handling and memory limits. See the [module docs](self) for the policy.
#[derive(Debug)]
pub struct Defrag {
    memcap: u64,
    max_trackers: usize,
    max_frags: usize,
    timeout_secs: u64,
    trackers: HashMap<Key, Tracker>,
    memuse: u64,
    out: Vec<u8>,
    stats: Stats,
    last_event: Option<DecodeEvent>,
}

/// What `insert` learnt from a fragment packet.
struct Piece<'p> {
    v6: bool,
    key: Key,
    off: usize,
    more: bool,
    data: &'p [u8],
    /// Unfragmentable part (first fragment only is used).
    header: &'p [u8],
    v6_nh: Option<(usize, u8)>,
}

impl Defrag {
    /// A defragmenter with the limits of `config`.
    pub fn new(config: &DefragConfig) -> Defrag {
        Defrag {
            memcap: config.memcap,
            max_trackers: config.trackers,
            max_frags: config.max_frags,
            timeout_secs: config.timeout,
            trackers: HashMap::new(),
            memuse: 0,
            out: Vec::new(),
            stats: Stats::default(),
            last_event: None,
        }
    }

    /// Datagrams currently under reassembly.
    pub fn trackers(&self) -> usize {
        self.trackers.len()
    }

    /// Bytes currently held (fragment data plus bookkeeping).
    pub fn memuse(&self) -> u64 {
        self.memuse
    }

    /// The decode event raised by the last [`insert`](Self::insert)
    /// (`ipv4.frag_overlap`, `ipv6.frag_pkt_too_large`, ...), if any. The
    /// caller may report it with the fragment's packet.
    pub fn last_event(&self) -> Option<DecodeEvent> {
        self.last_event
    }

    /// Takes a packet whose `is_fragment` is true. Returns the complete
    /// datagram (IP header with corrected total length / no fragment header,
    /// then the whole payload) when this fragment completed it. The returned
    /// slice lives in Defrag's own reusable buffer until the next call.
    pub fn insert(&mut self, pkt: &Packet<'_>) -> Option<&[u8]> {
        self.last_event = None;
        if !pkt.is_fragment {
            return None;
        }
        let piece = piece(pkt)?;
        let v6 = piece.v6;
        if v6 {
            self.stats.v6_fragments += 1;
        } else {
            self.stats.v4_fragments += 1;
        }
        let end = piece.off + piece.data.len();
        let too_large = if v6 {
            end > MAX_DATAGRAM
        } else {
            piece.header.len() + end > MAX_DATAGRAM
        };
        if too_large {
            if v6 {
                self.stats.v6_too_large += 1;
                self.last_event = Some(Ev::Ipv6FragPktTooLarge.event());
            } else {
                self.stats.v4_too_large += 1;
                self.last_event = Some(Ev::Ipv4FragPktTooLarge.event());
            }
            return None;
        }
        if piece.data.is_empty() {
            self.count_invalid(v6);
            return None;
        }
        let cost = piece.data.len() as u64 + FRAG_OVERHEAD;
        let exists = self.trackers.contains_key(&piece.key);
        if !exists && self.trackers.len() >= self.max_trackers {
            self.expire(pkt.ts);
            if self.trackers.len() >= self.max_trackers {
                self.stats.max_trackers += 1;
                return None;
            }
        }
        let new_cost = cost + if exists { 0 } else { TRACKER_OVERHEAD };
        if self.memuse + new_cost > self.memcap {
            self.expire(pkt.ts);
            if self.memuse + new_cost > self.memcap {
                self.stats.memcap += 1;
                self.stats.max_trackers += 1;
                return None;
            }
        }
        let tracker = self.trackers.entry(piece.key.clone()).or_default();
        if !exists {
            tracker.mem = TRACKER_OVERHEAD;
            self.memuse += TRACKER_OVERHEAD;
        }
        tracker.last_seen = pkt.ts;
        if tracker.frags.len() >= self.max_frags {
            self.stats.max_frags += 1;
            self.stats.max_trackers += 1;
            self.remove(&piece.key);
            return None;
        }
        let overlaps = tracker
            .frags
            .iter()
            .any(|f| f.off < end && piece.off < f.end());
        if overlaps {
            self.stats.overlaps += 1;
            if v6 {
                self.stats.v6_overlap_events += 1;
                self.last_event = Some(Ev::Ipv6FragOverlap.event());
            } else {
                self.stats.v4_overlap_events += 1;
                self.last_event = Some(Ev::Ipv4FragOverlap.event());
            }
        }
        if !piece.more {
            tracker.seen_last = true;
        }
        tracker.end = tracker.end.max(end);
        if piece.off == 0 && tracker.header.is_empty() {
            tracker.header.extend_from_slice(piece.header);
            tracker.v6_nh = piece.v6_nh;
            let h = piece.header.len() as u64;
            tracker.mem += h;
            self.memuse += h;
        }
        let order = tracker.next_order;
        tracker.next_order += 1;
        tracker.frags.push(Frag {
            off: piece.off,
            data: piece.data.to_vec(),
            order,
        });
        tracker.mem += cost;
        self.memuse += cost;

        if !complete(tracker) {
            return None;
        }
        let tracker = self.trackers.remove(&piece.key)?;
        self.memuse = self.memuse.saturating_sub(tracker.mem);
        build(&tracker, &mut self.out);
        if v6 {
            self.stats.v6_reassembled += 1;
        } else {
            self.stats.v4_reassembled += 1;
        }
        Some(&self.out)
    }

    /// Drops datagrams whose last fragment is older than the timeout (call
    /// about once per second of packet time).
    pub fn expire(&mut self, now: Timestamp) {
        let timeout = self.timeout_secs;
        let mut freed = 0;
        let mut dropped = 0;
        self.trackers.retain(|_, t| {
            let keep = t.last_seen.plus_secs(timeout) > now;
            if !keep {
                freed += t.mem;
                dropped += 1;
            }
            keep
        });
        self.memuse = self.memuse.saturating_sub(freed);
        self.stats.timeouts += dropped;
    }

    fn remove(&mut self, key: &Key) {
        if let Some(t) = self.trackers.remove(key) {
            self.memuse = self.memuse.saturating_sub(t.mem);
        }
    }

    fn count_invalid(&mut self, v6: bool) {
        if v6 {
            self.stats.v6_invalid += 1;
        } else {
            self.stats.v4_invalid += 1;
        }
    }
}

/// Pulls the fragment's key, position and bytes out of a decoded packet.
fn piece<'p>(pkt: &Packet<'p>) -> Option<Piece<'p>> {
    let mut vlan = [0u16; 3];
    for (slot, v) in vlan.iter_mut().zip(pkt.vlans()) {
        *slot = *v;
    }
    let tunnel = pkt.innermost_tunnel().map(|t| (t.kind, t.src, t.dst, t.id));
    match pkt.l3 {
        L3::Ipv4(h) => {
            let start = pkt.l3_offset;
            let hl = usize::from(h.header_len);
            let header = pkt.frame.get(start..start.checked_add(hl)?)?;
            let data = pkt
                .frame
                .get(start.checked_add(hl)?..start.checked_add(usize::from(h.total_len))?)?;
            let mut src = [0u8; 16];
            let mut dst = [0u8; 16];
            src[..4].copy_from_slice(&h.src.octets());
            dst[..4].copy_from_slice(&h.dst.octets());
            Some(Piece {
                v6: false,
                key: Key {
                    v6: false,
                    src,
                    dst,
                    id: u32::from(h.id),
                    proto: h.proto,
                    vlan,
                    tunnel,
                },
                off: usize::from(h.frag_offset) * 8,
                more: h.flags & 1 != 0,
                data,
                header,
                v6_nh: None,
            })
        }
        L3::Ipv6(h) => {
            let (id, off, more) = h.fragment?;
            let start = pkt.l3_offset;
            let end = start.checked_add(40 + usize::from(h.payload_len))?;
            let data_start = pkt.l4_offset;
            let frag_hdr = data_start.checked_sub(8)?;
            if frag_hdr < start + 40 {
                return None;
            }
            let data = pkt.frame.get(data_start..end)?;
            let header = pkt.frame.get(start..frag_hdr)?;
            let nh_at = nh_byte_before(header)?;
            let frag_nh = *pkt.frame.get(frag_hdr)?;
            Some(Piece {
                v6: true,
                key: Key {
                    v6: true,
                    src: h.src.octets(),
                    dst: h.dst.octets(),
                    id,
                    proto: 0,
                    vlan,
                    tunnel,
                },
                off: usize::from(off) * 8,
                more,
                data,
                header,
                v6_nh: Some((nh_at, frag_nh)),
            })
        }
        L3::None => None,
    }
}

/// In an IPv6 header followed by extension headers (ending where the
/// fragment header starts), the offset of the next-header byte that names
/// the fragment header.
fn nh_byte_before(header: &[u8]) -> Option<usize> {
    let mut at = 6; // next header field of the fixed header
    let mut pos = 40;
    let mut nh = *header.get(6)?;
    while pos < header.len() {
        let len = match nh {
            51 => (usize::from(*header.get(pos + 1)?) + 2) * 4,
            _ => (usize::from(*header.get(pos + 1)?) + 1) * 8,
        };
        at = pos;
        nh = *header.get(pos)?;
        pos += len;
    }
    (pos == header.len() && nh == 44).then_some(at)
}

/// Whether the tracker holds every byte from 0 to the known end.
fn complete(t: &Tracker) -> bool {
    let total = t.end;
    if !t.seen_last || t.header.is_empty() {
        return false;
    }
    let mut spans: Vec<(usize, usize)> = t.frags.iter().map(|f| (f.off, f.end())).collect();
    spans.sort_unstable();
    let mut covered = 0;
    for (s, e) in spans {
        if s > covered {
            return false;
        }
        covered = covered.max(e);
    }
    covered >= total
}

/// Writes the reassembled datagram into `out`, applying the BSD policy.
fn build(t: &Tracker, out: &mut Vec<u8>) {
    let total = t.end;
    let hl = t.header.len();
    out.clear();
    out.extend_from_slice(&t.header);
    out.resize(hl + total, 0);
    // Paint the highest offset (and, at equal offsets, the latest arrival)
    // first, so the lowest offset and then the earliest arrival end on top.
    let mut order: Vec<&Frag> = t.frags.iter().collect();
    order.sort_unstable_by(|a, b| b.off.cmp(&a.off).then(b.order.cmp(&a.order)));
    for f in order {
        if let Some(dst) = out.get_mut(hl + f.off..hl + f.end()) {
            dst.copy_from_slice(&f.data);
        }
    }
    match t.v6_nh {
        None => {
            // IPv4: total length, no MF/offset (DF kept), new checksum.
            let len = (hl + total) as u16;
            if let Some(h) = out.get_mut(..hl) {
                if let Some(f) = h.get_mut(2..4) {
                    f.copy_from_slice(&len.to_be_bytes());
                }
                if let Some(f) = h.get_mut(6..8) {
                    let df = f.first().copied().unwrap_or(0) & 0x40;
                    f.copy_from_slice(&[df, 0]);
                }
                if let Some(f) = h.get_mut(10..12) {
                    f.copy_from_slice(&[0, 0]);
                }
                let sum = crate::checksum::ipv4_header(h);
                if let Some(f) = h.get_mut(10..12) {
                    f.copy_from_slice(&sum.to_be_bytes());
                }
            }
        }
        Some((nh_at, nh)) => {
            let plen = (hl - 40 + total) as u16;
            if let Some(f) = out.get_mut(4..6) {
                f.copy_from_slice(&plen.to_be_bytes());
            }
            if let Some(b) = out.get_mut(nh_at) {
                *b = nh;
            }
        }
    }
}

impl StatsSource for Defrag {
    fn report(&self, add: &mut dyn FnMut(&'static str, u64)) {
        let s = &self.stats;
        add("defrag.ipv4.fragments", s.v4_fragments);
        add("defrag.ipv4.reassembled", s.v4_reassembled);
        add("defrag.ipv4.invalid", s.v4_invalid);
        add("defrag.ipv6.fragments", s.v6_fragments);
        add("defrag.ipv6.reassembled", s.v6_reassembled);
        add("defrag.ipv6.invalid", s.v6_invalid);
        add("defrag.max_trackers_reached", s.max_trackers);
        add("defrag.max_frags_reached", s.max_frags);
        add("defrag.memcap_exceeded", s.memcap);
        add("defrag.timeouts", s.timeouts);
        add("defrag.overlaps", s.overlaps);
        add(Ev::Ipv4FragPktTooLarge.stats_name(), s.v4_too_large);
        add(Ev::Ipv6FragPktTooLarge.stats_name(), s.v6_too_large);
        add(Ev::Ipv4FragOverlap.stats_name(), s.v4_overlap_events);
        add(Ev::Ipv6FragOverlap.stats_name(), s.v6_overlap_events);
    }
}

#[cfg(test)]
mod tests;
