//! The per-worker decoder: one frame in, a filled [`Packet`] out.
//!
//! Each layer is a method that reads its header from a borrowed slice, fills
//! its part of the packet and hands the rest to the next layer. Nothing is
//! allocated and nothing panics: every read is bounds-checked (`get`,
//! `first_chunk`), and a short or malformed header records a Suricata-named
//! [`DecodeEvent`](crate::DecodeEvent), bumps its counter and stops the
//! descent, keeping the layers already decoded.
//!
//! Tunnels are decoded in place: the outer layer is recorded as a
//! [`TunnelLayer`] and the packet's `l3`/`l4` are overwritten with the inner
//! packet's. When the inner packet does not decode to IP, the outer state is
//! restored so that the outer UDP/GRE conversation still reaches the flow
//! table (see [`Decoder::try_tunnel`]).
//!
//! Transport checksums are only verified with `checksum-checks: yes`. `auto`
//! would mean "decide from the first packets" as Suricata does; until the flow
//! stage owns that decision we treat it like `none`, because captures taken
//! on the sending host routinely carry checksums left to NIC offload, and
//! flagging every such packet would be noise, not information.

mod ip;
mod link;
mod transport;
mod tunnel;

use taishi_core::config::ChecksumMode;
use taishi_core::{Config, LinkType, StatsSource, Timestamp};

use crate::events::{ALL, EVENT_KINDS, Ev};
use crate::packet::{L3, L4, OuterHeaders, Packet, TunnelLayer};

/// Link, VLAN, MPLS and Ethernet-in-tunnel layers decoded for one frame
/// before we give up. Each layer consumes at least 4 bytes, so a 256 KiB
/// frame could otherwise drive tens of thousands of nested calls (stack
/// exhaustion); 64 is far above any real stack of encapsulations.
pub const MAX_DECODE_LAYERS: u32 = 64;

/// UDP ports of the tunnel decoders, copied from the configuration into
/// fixed arrays so that the per-packet check is a short scan of a few ports.
#[derive(Clone, Debug, Default)]
struct Ports {
    ports: [u16; 8],
    len: u8,
}

impl Ports {
    fn new(enabled: bool, list: &[u16]) -> Ports {
        let mut p = Ports::default();
        if enabled {
            for &port in list.iter().take(p.ports.len()) {
                if let Some(slot) = p.ports.get_mut(p.len as usize) {
                    *slot = port;
                    p.len += 1;
                }
            }
        }
        p
    }

    #[inline]
    fn has(&self, port: u16) -> bool {
        self.ports
            .get(..self.len as usize)
            .is_some_and(|s| s.contains(&port))
    }
}

/// Counters of the decoder, one plain field each (the worker owns them).
#[derive(Clone, Debug, Default)]
pub(crate) struct Counts {
    pkts: u64,
    bytes: u64,
    invalid: u64,
    ethernet: u64,
    sll: u64,
    sll2: u64,
    raw: u64,
    null: u64,
    nflog: u64,
    vlan: u64,
    vlan_qinq: u64,
    vlan_qinqinq: u64,
    ieee8021ah: u64,
    mpls: u64,
    pppoe: u64,
    ppp: u64,
    arp: u64,
    unknown_ethertype: u64,
    ipv4: u64,
    ipv6: u64,
    tcp: u64,
    udp: u64,
    sctp: u64,
    icmpv4: u64,
    icmpv6: u64,
    esp: u64,
    gre: u64,
    erspan: u64,
    vxlan: u64,
    geneve: u64,
    teredo: u64,
    gtpu: u64,
    gre_udp: u64,
    ipv4_in_ipv4: u64,
    ipv6_in_ipv4: u64,
    ipv4_in_ipv6: u64,
    ipv6_in_ipv6: u64,
    too_many_layers: u64,
    unsupported_linktype: u64,
    fragments: u64,
    snapped: u64,
    fddi: u64,
    chdlc: u64,
    ipv4_bad_checksum: u64,
    tcp_bad_checksum: u64,
    udp_bad_checksum: u64,
    icmpv4_bad_checksum: u64,
    icmpv6_bad_checksum: u64,
}

/// Per-worker decoder: owns its counters, no locks, no allocation per packet.
#[derive(Clone, Debug)]
pub struct Decoder {
    vxlan: Ports,
    geneve: Ports,
    teredo: Ports,
    gtpu: Ports,
    gre_udp: Ports,
    erspan: bool,
    check_l4: bool,
    /// `checksum-checks: none`: packets say their checksums are not to
    /// be trusted (see [`Packet::ignore_checksum`]).
    ignore_checksum: bool,
    c: Counts,
    events: [u64; EVENT_KINDS],
    /// Layers decoded so far in the current frame (see [`MAX_DECODE_LAYERS`]).
    layers: u32,
}

impl Decoder {
    /// A decoder for the tunnel switches and ports of `config.decoder` and the
    /// checksum policy of `config.checksum_checks`.
    pub fn new(config: &Config) -> Decoder {
        let d = &config.decoder;
        Decoder {
            vxlan: Ports::new(d.vxlan, &d.vxlan_ports),
            geneve: Ports::new(d.geneve, &d.geneve_ports),
            teredo: Ports::new(d.teredo, &d.teredo_ports),
            gtpu: Ports::new(d.gtpu, &d.gtpu_ports),
            gre_udp: Ports::new(d.gre_udp, &d.gre_udp_ports),
            erspan: d.erspan,
            check_l4: config.checksum_checks == ChecksumMode::Yes,
            ignore_checksum: config.checksum_checks == ChecksumMode::None,
            c: Counts::default(),
            events: [0; EVENT_KINDS],
            layers: 0,
        }
    }

    /// Decodes one frame into `pkt` (which it resets first). Never panics;
    /// malformed or truncated headers are counted (`decoder.*` counters) and
    /// recorded as [`DecodeEvent`](crate::DecodeEvent)s on the packet with
    /// Suricata's names; decoding stops at the damaged layer and keeps what was
    /// decoded above it.
    pub fn decode<'a>(
        &mut self,
        ts: Timestamp,
        linktype: LinkType,
        frame: &'a [u8],
        wire_len: u32,
        pkt: &mut Packet<'a>,
    ) {
        reset(pkt);
        pkt.ignore_checksum = self.ignore_checksum;
        pkt.ts = ts;
        pkt.linktype = linktype;
        pkt.frame = frame;
        pkt.wire_len = wire_len;
        self.c.pkts += 1;
        self.c.bytes += frame.len() as u64;
        self.layers = 0;
        self.link(linktype, frame, pkt);
        if pkt.invalid {
            self.c.invalid += 1;
        }
        if pkt.is_fragment {
            self.c.fragments += 1;
        }
    }

    /// Decodes a reassembled IP datagram (from [`Defrag`](crate::Defrag)) into
    /// `pkt`, keeping the VLAN, MAC and tunnel context and the events already
    /// in `pkt` (the caller copies the packet of the fragment that completed
    /// the datagram). The datagram starts at its IP header; afterwards
    /// `pkt.frame` is the datagram and `pkt.l3_offset` is 0 (or the offset of
    /// an inner IP header when the datagram carried a tunnel).
    pub fn decode_reassembled<'a>(&mut self, datagram: &'a [u8], pkt: &mut Packet<'a>) {
        pkt.frame = datagram;
        pkt.l3 = L3::None;
        pkt.l4 = L4::None;
        pkt.l3_offset = 0;
        pkt.l4_offset = 0;
        pkt.payload = &[];
        pkt.is_fragment = false;
        pkt.rebuilt = true;
        pkt.bad_l4_checksum = false;
        pkt.invalid = false;
        self.layers = 0;
        match datagram.first().map(|b| b >> 4) {
            Some(4) => self.ipv4(pkt, datagram),
            Some(6) => self.ipv6(pkt, datagram),
            _ => self.invalid(pkt, Ev::IprawInvalidIpVersion),
        }
        if pkt.invalid {
            self.c.invalid += 1;
        }
    }

    /// Records `ev` on the packet and counts it.
    #[inline]
    fn event(&mut self, pkt: &mut Packet<'_>, ev: Ev) {
        if let Some(n) = self.events.get_mut(ev as usize) {
            *n += 1;
        }
        pkt.push_event(ev.event());
    }

    /// Records `ev` and marks the packet invalid (Suricata's
    /// `ENGINE_SET_INVALID_EVENT`).
    #[inline]
    fn invalid(&mut self, pkt: &mut Packet<'_>, ev: Ev) {
        self.event(pkt, ev);
        pkt.invalid = true;
    }

    /// Counts one more layer; false (and `decoder.too_many_layers`) past
    /// [`MAX_DECODE_LAYERS`].
    #[inline]
    fn enter_layer(&mut self) -> bool {
        self.layers += 1;
        if self.layers > MAX_DECODE_LAYERS {
            self.c.too_many_layers += 1;
            return false;
        }
        true
    }

    /// Decodes a tunnel's inner packet with `inner`, after recording `layer`.
    /// When the inner packet yields no IP header, the outer state (l3, l4,
    /// payload, VLANs, MACs, tunnel stack) is restored, so the packet stays
    /// the plain outer UDP/GRE packet it was; events found inside are kept.
    /// Returns whether the tunnel was followed.
    fn try_tunnel<'a>(
        &mut self,
        pkt: &mut Packet<'a>,
        layer: TunnelLayer,
        inner: impl FnOnce(&mut Self, &mut Packet<'a>),
    ) -> bool {
        let depth = pkt.tunnel_count as usize;
        let Some(slot) = pkt.tunnels.get_mut(depth) else {
            self.c.too_many_layers += 1;
            return false;
        };
        *slot = Some(layer);
        if let Some(o) = pkt.outer.get_mut(depth) {
            *o = Some(OuterHeaders {
                frame: pkt.frame,
                l3: pkt.l3,
                l3_offset: pkt.l3_offset,
                l4: pkt.l4,
                l4_offset: pkt.l4_offset,
                payload: pkt.payload,
            });
        }
        let saved = (
            pkt.l3,
            pkt.l3_offset,
            pkt.l4,
            pkt.l4_offset,
            pkt.payload,
            pkt.vlan,
            pkt.vlan_count,
            pkt.macs,
            pkt.ether_type,
            pkt.bad_l4_checksum,
            pkt.is_fragment,
        );
        pkt.tunnel_count += 1;
        pkt.l3 = L3::None;
        pkt.l4 = L4::None;
        pkt.payload = &[];
        pkt.bad_l4_checksum = false;
        pkt.is_fragment = false;
        inner(self, pkt);
        if pkt.l3 != L3::None {
            return true;
        }
        (
            pkt.l3,
            pkt.l3_offset,
            pkt.l4,
            pkt.l4_offset,
            pkt.payload,
            pkt.vlan,
            pkt.vlan_count,
            pkt.macs,
            pkt.ether_type,
            pkt.bad_l4_checksum,
            pkt.is_fragment,
        ) = saved;
        if let Some(slot) = pkt.tunnels.get_mut(depth) {
            *slot = None;
        }
        pkt.tunnel_count = depth as u8;
        false
    }
}

/// Clears what a previous frame left in `pkt`. Only the counts of the arrays
/// are reset, not the arrays, to keep this a few stores.
#[inline]
fn reset(pkt: &mut Packet<'_>) {
    pkt.vlan_count = 0;
    pkt.l3 = L3::None;
    pkt.l3_offset = 0;
    pkt.l4_offset = 0;
    pkt.l4 = L4::None;
    pkt.payload = &[];
    pkt.is_fragment = false;
    pkt.tunnel_count = 0;
    pkt.event_count = 0;
    pkt.bad_l4_checksum = false;
    pkt.macs = None;
    pkt.invalid = false;
}

/// Offset of `part` inside `whole` (both borrowed from the same frame).
#[inline]
fn offset_in(whole: &[u8], part: &[u8]) -> usize {
    (part.as_ptr() as usize).wrapping_sub(whole.as_ptr() as usize)
}

#[inline]
fn be16(b: &[u8], at: usize) -> Option<u16> {
    let s = b.get(at..at.checked_add(2)?)?;
    Some(u16::from_be_bytes(s.try_into().ok()?))
}

#[inline]
fn be32(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes(s.try_into().ok()?))
}

impl StatsSource for Decoder {
    fn report(&self, add: &mut dyn FnMut(&'static str, u64)) {
        let c = &self.c;
        let fields: [(&'static str, u64); 48] = [
            ("decoder.pkts", c.pkts),
            ("decoder.bytes", c.bytes),
            ("decoder.invalid", c.invalid),
            ("decoder.ethernet", c.ethernet),
            ("decoder.sll", c.sll),
            ("decoder.sll2", c.sll2),
            ("decoder.raw", c.raw),
            ("decoder.null", c.null),
            ("decoder.nflog", c.nflog),
            ("decoder.vlan", c.vlan),
            ("decoder.vlan_qinq", c.vlan_qinq),
            ("decoder.vlan_qinqinq", c.vlan_qinqinq),
            ("decoder.ieee8021ah", c.ieee8021ah),
            ("decoder.mpls", c.mpls),
            ("decoder.pppoe", c.pppoe),
            ("decoder.ppp", c.ppp),
            ("decoder.arp", c.arp),
            ("decoder.unknown_ethertype", c.unknown_ethertype),
            ("decoder.ipv4", c.ipv4),
            ("decoder.ipv6", c.ipv6),
            ("decoder.tcp", c.tcp),
            ("decoder.udp", c.udp),
            ("decoder.sctp", c.sctp),
            ("decoder.icmpv4", c.icmpv4),
            ("decoder.icmpv6", c.icmpv6),
            ("decoder.esp", c.esp),
            ("decoder.gre", c.gre),
            ("decoder.erspan", c.erspan),
            ("decoder.vxlan", c.vxlan),
            ("decoder.geneve", c.geneve),
            ("decoder.teredo", c.teredo),
            ("decoder.gtpu", c.gtpu),
            ("decoder.gre_udp", c.gre_udp),
            ("decoder.ipv4_in_ipv4", c.ipv4_in_ipv4),
            ("decoder.ipv6_in_ipv4", c.ipv6_in_ipv4),
            ("decoder.ipv4_in_ipv6", c.ipv4_in_ipv6),
            ("decoder.ipv6_in_ipv6", c.ipv6_in_ipv6),
            ("decoder.too_many_layers", c.too_many_layers),
            ("decoder.unsupported_linktype", c.unsupported_linktype),
            ("decoder.fragments", c.fragments),
            ("decoder.snapped", c.snapped),
            ("decoder.fddi", c.fddi),
            ("decoder.chdlc", c.chdlc),
            ("decoder.ipv4.bad_checksum", c.ipv4_bad_checksum),
            ("decoder.tcp.bad_checksum", c.tcp_bad_checksum),
            ("decoder.udp.bad_checksum", c.udp_bad_checksum),
            ("decoder.icmpv4.bad_checksum", c.icmpv4_bad_checksum),
            ("decoder.icmpv6.bad_checksum", c.icmpv6_bad_checksum),
        ];
        for (name, value) in fields {
            add(name, value);
        }
        for (ev, n) in ALL.iter().zip(self.events.iter()) {
            add(ev.stats_name(), *n);
        }
    }
}

#[cfg(test)]
mod tests;
