//! IPv4 (with options) and IPv6 (with extension headers), and the dispatch
//! from an IP protocol number to the transport or tunnel decoder.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use taishi_core::limits::MAX_IPV6_EXT_HEADERS;

use super::{Decoder, offset_in};
use crate::checksum;
use crate::events::Ev;
use crate::packet::{Ipv4Info, Ipv6Info, L3, L4, Packet, TunnelKind, TunnelLayer};

/// IP protocol 0 in IPv4: Suricata decodes PPP's Van Jacobson
/// uncompressed TCP under it, so it is not "unknown".
pub(crate) const PROTO_IP: u8 = 0;
pub(crate) const PROTO_ICMP: u8 = 1;
pub(crate) const PROTO_IPIP: u8 = 4;
pub(crate) const PROTO_TCP: u8 = 6;
pub(crate) const PROTO_UDP: u8 = 17;
pub(crate) const PROTO_IPV6: u8 = 41;
pub(crate) const PROTO_GRE: u8 = 47;
pub(crate) const PROTO_ESP: u8 = 50;
pub(crate) const PROTO_ICMPV6: u8 = 58;
pub(crate) const PROTO_SCTP: u8 = 132;

/// What the transport decoders need to know of the IP layer below them.
#[derive(Clone, Copy, Debug)]
pub(crate) struct IpCtx {
    pub src: IpAddr,
    pub dst: IpAddr,
    pub proto: u8,
    /// Length of the whole IP packet (for tunnel layers).
    pub ip_len: u32,
    /// The packet is a fragment: decode transport headers for information
    /// only, without length, checksum or tunnel checks (the segment is not
    /// all here).
    pub fragment: bool,
    /// The IP payload was cut short (by the capture or a lying length):
    /// transports decode what is there, without length or checksum checks.
    pub truncated: bool,
}

impl Decoder {
    /// IPv4 header at the start of `data`; `data` may carry trailing
    /// link-layer padding, which the total length cuts off.
    pub(crate) fn ipv4<'a>(&mut self, pkt: &mut Packet<'a>, data: &'a [u8]) {
        self.c.ipv4 += 1;
        let Some(h) = data.first_chunk::<20>() else {
            self.invalid(pkt, Ev::Ipv4PktTooSmall);
            return;
        };
        if h[0] >> 4 != 4 {
            self.invalid(pkt, Ev::Ipv4WrongIpVersion);
            return;
        }
        let hlen = usize::from(h[0] & 0x0f) * 4;
        if hlen < 20 {
            self.invalid(pkt, Ev::Ipv4HlenTooSmall);
            return;
        }
        let total = usize::from(u16::from_be_bytes([h[2], h[3]]));
        if total < hlen {
            self.invalid(pkt, Ev::Ipv4IplenSmallerThanHlen);
            return;
        }
        let Some(header) = data.get(..hlen) else {
            self.invalid(pkt, Ev::Ipv4TruncPkt);
            return;
        };
        let (packet, truncated) = match data.get(..total) {
            Some(p) => (p, false),
            None => {
                self.truncated_payload(pkt, Ev::Ipv4TruncPkt);
                (data, true)
            }
        };
        let frag = u16::from_be_bytes([h[6], h[7]]);
        let bad_checksum = checksum::ipv4_header(header) != 0;
        if bad_checksum {
            self.c.ipv4_bad_checksum += 1;
        }
        let info = Ipv4Info {
            src: Ipv4Addr::new(h[12], h[13], h[14], h[15]),
            dst: Ipv4Addr::new(h[16], h[17], h[18], h[19]),
            proto: h[9],
            ttl: h[8],
            id: u16::from_be_bytes([h[4], h[5]]),
            tos: h[1],
            flags: (frag >> 13) as u8,
            frag_offset: frag & 0x1fff,
            header_len: hlen as u8,
            total_len: total as u16,
            bad_checksum,
        };
        pkt.l3 = L3::Ipv4(info);
        pkt.l3_offset = offset_in(pkt.frame, data);
        let body = packet.get(hlen..).unwrap_or_default();
        pkt.l4_offset = offset_in(pkt.frame, body);
        pkt.l4 = L4::None;
        pkt.payload = &[];
        if hlen > 20 && !self.ipv4_options(pkt, header.get(20..).unwrap_or_default()) {
            // Suricata drops the IP layer of a packet whose options it cannot
            // walk: its alerts carry no addresses and no flow sees it.
            pkt.l3 = L3::None;
            pkt.l4_offset = pkt.l3_offset;
            return;
        }
        let more = info.flags & 1 != 0;
        let fragment = more || info.frag_offset != 0;
        pkt.is_fragment = fragment;
        if info.frag_offset != 0 {
            // Not the first fragment: no transport header here.
            return;
        }
        let ctx = IpCtx {
            src: IpAddr::V4(info.src),
            dst: IpAddr::V4(info.dst),
            proto: info.proto,
            ip_len: total as u32,
            fragment,
            truncated,
        };
        self.ip_payload(pkt, ctx, body);
    }

    /// The IP header is whole but its length runs past the bytes we have.
    /// When the capture was snapped (captured < wire length) that is the
    /// capture's doing, not an anomaly; otherwise it is `*.trunc_pkt`. Either
    /// way the transport header is still decoded from the bytes present, as
    /// tshark does, so the flow is not lost. (Suricata drops such packets.)
    fn truncated_payload(&mut self, pkt: &mut Packet<'_>, ev: Ev) {
        if pkt.frame.len() < pkt.wire_len as usize {
            self.c.snapped += 1;
        } else {
            self.invalid(pkt, ev);
        }
    }

    /// Validates IPv4 options as Suricata's `DecodeIPV4Options` does.
    /// Returns false when an option's length makes the list unwalkable
    /// (decoding stops there); a known option with a bad value is flagged
    /// and the walk goes on to the next one.
    fn ipv4_options(&mut self, pkt: &mut Packet<'_>, opts: &[u8]) -> bool {
        // Options must be padded so the header ends on an 8-byte boundary
        // (Suricata's check; a warning, decoding goes on).
        if !opts.len().is_multiple_of(8) {
            self.event(pkt, Ev::Ipv4OptPadRequired);
        }
        let mut seen: u32 = 0;
        let mut rest = opts;
        while let Some(&ty) = rest.first() {
            match ty {
                0 => break,
                1 => {
                    rest = rest.get(1..).unwrap_or_default();
                    continue;
                }
                _ => {}
            }
            let Some(&len) = rest.get(1) else {
                self.event(pkt, Ev::Ipv4OptEolRequired);
                break;
            };
            let len = usize::from(len);
            let Some(opt) = rest.get(..len).filter(|_| len >= 2) else {
                self.invalid(pkt, Ev::Ipv4OptInvalidLen);
                return false;
            };
            // Known options get one bit each for duplicate tracking.
            let bit = match ty {
                IPV4_OPT_TS => 0,
                IPV4_OPT_RR => 1,
                IPV4_OPT_QS => 2,
                IPV4_OPT_SEC => 3,
                IPV4_OPT_LSRR => 4,
                IPV4_OPT_ESEC => 5,
                IPV4_OPT_CIPSO => 6,
                IPV4_OPT_SID => 7,
                IPV4_OPT_SSRR => 8,
                IPV4_OPT_RTRALT => 9,
                _ => 31,
            };
            if bit == 31 {
                self.event(pkt, Ev::Ipv4OptInvalid);
            } else if seen & (1 << bit) != 0 {
                self.event(pkt, Ev::Ipv4OptDuplicate);
            } else if let Err(ev) = ipv4_option_check(ty, opt) {
                self.invalid(pkt, ev);
            } else {
                seen |= 1 << bit;
            }
            rest = rest.get(len..).unwrap_or_default();
        }
        true
    }

    /// IPv6 header and extension headers at the start of `data`.
    pub(crate) fn ipv6<'a>(&mut self, pkt: &mut Packet<'a>, data: &'a [u8]) {
        self.c.ipv6 += 1;
        let Some(h) = data.first_chunk::<40>() else {
            self.invalid(pkt, Ev::Ipv6PktTooSmall);
            return;
        };
        if h[0] >> 4 != 6 {
            self.invalid(pkt, Ev::Ipv6WrongIpVersion);
            return;
        }
        let plen = usize::from(u16::from_be_bytes([h[4], h[5]]));
        let mut src = [0u8; 16];
        let mut dst = [0u8; 16];
        src.copy_from_slice(&h[8..24]);
        dst.copy_from_slice(&h[24..40]);
        let mut info = Ipv6Info {
            src: Ipv6Addr::from(src),
            dst: Ipv6Addr::from(dst),
            proto: h[6],
            hop_limit: h[7],
            flow_label: u32::from_be_bytes([0, h[1] & 0x0f, h[2], h[3]]),
            traffic_class: (h[0] << 4) | (h[1] >> 4),
            payload_len: plen as u16,
            fragment: None,
        };
        let after = data.get(40..).unwrap_or_default();
        // A zero payload length with a hop-by-hop header is a jumbogram
        // (RFC 2675): the real length is in the Jumbo Payload option.
        let want = if plen == 0 && info.proto == 0 {
            jumbo_len(after).unwrap_or(0)
        } else {
            plen
        };
        let (body, truncated) = match after.get(..want) {
            Some(b) => (b, false),
            None => {
                self.truncated_payload(pkt, Ev::Ipv6TruncPkt);
                (after, true)
            }
        };
        pkt.l3_offset = offset_in(pkt.frame, data);
        pkt.l3 = L3::Ipv6(info);
        pkt.l4 = L4::None;
        pkt.payload = &[];
        pkt.l4_offset = offset_in(pkt.frame, body);
        let mut ends = Endpoints::default();
        let Some((nh, rest, frag)) = self.ipv6_ext(pkt, info.proto, body, &mut ends) else {
            return;
        };
        // The transport's real endpoints: RFC 8200 §8.1 puts the routing
        // header's final destination in the upper-layer pseudo-header, and
        // RFC 6275 §6.3 makes the home address option's address the source
        // seen by the transport. Keying flows on them (as Wireshark does)
        // keeps a conversation together across hops and care-of addresses.
        if let Some(dst) = ends.final_dst {
            info.dst = Ipv6Addr::from(dst);
        }
        if let Some(src) = ends.home_addr {
            info.src = Ipv6Addr::from(src);
        }
        info.proto = nh;
        info.fragment = frag;
        pkt.l3 = L3::Ipv6(info);
        pkt.l4_offset = offset_in(pkt.frame, rest);
        let fragment = frag.is_some_and(|(_, off, more)| off != 0 || more);
        pkt.is_fragment = fragment;
        if frag.is_some_and(|(_, off, _)| off != 0) {
            return;
        }
        let ctx = IpCtx {
            src: IpAddr::V6(info.src),
            dst: IpAddr::V6(info.dst),
            proto: nh,
            ip_len: (40 + body.len()) as u32,
            fragment,
            truncated,
        };
        self.ip_payload(pkt, ctx, rest);
    }

    /// Walks the extension header chain. Returns the upper-layer protocol,
    /// its bytes and the fragment header's (id, offset, more), or `None`
    /// when a header was truncated (the event is recorded).
    #[allow(clippy::type_complexity)] // a private triple, named at its one caller
    fn ipv6_ext<'a>(
        &mut self,
        pkt: &mut Packet<'a>,
        mut nh: u8,
        mut rest: &'a [u8],
        ends: &mut Endpoints,
    ) -> Option<(u8, &'a [u8], Option<(u32, u16, bool)>)> {
        let mut frag = None;
        let mut seen_hh = false;
        let mut seen_rh = false;
        let mut seen_dh = 0u8;
        let mut seen_ah = false;
        for walked in 0..MAX_IPV6_EXT_HEADERS {
            // Every header, the upper layer's too, needs its first two bytes
            // once an extension header has been walked (Suricata checks this
            // before dispatching, so a transport left with fewer bytes is a
            // truncated extension header rather than a short TCP/UDP header).
            if nh != 59 && rest.len() < 2 && (walked > 0 || is_ipv6_ext(nh)) {
                self.invalid(pkt, Ev::Ipv6TruncExthdr);
                return None;
            }
            match nh {
                // Hop-by-hop, destination options: (len + 1) * 8 bytes of TLV options.
                0 | 60 => {
                    let len = ext_len8(rest);
                    let Some(hdr) = len.and_then(|l| rest.get(..l)) else {
                        self.invalid(pkt, Ev::Ipv6TruncExthdr);
                        return None;
                    };
                    // A duplicate is flagged and skipped, its options unread.
                    let dup = if nh == 0 {
                        let dup = seen_hh;
                        if dup {
                            self.event(pkt, Ev::Ipv6ExthdrDuplHh);
                        }
                        seen_hh = true;
                        dup
                    } else {
                        // One destination options header may come before the
                        // routing header and one after it.
                        seen_dh += 1;
                        if seen_dh > 2 || (seen_dh == 2 && !seen_rh) {
                            self.event(pkt, Ev::Ipv6ExthdrDuplDh);
                        }
                        seen_dh > 2
                    };
                    if !dup {
                        let opts = hdr.get(2..).unwrap_or_default();
                        let home = self.ipv6_options(pkt, nh == 0, opts);
                        if nh == 60 && home.is_some() {
                            ends.home_addr = home;
                        }
                    }
                    nh = hdr.first().copied().unwrap_or(59);
                    rest = rest.get(hdr.len()..).unwrap_or_default();
                }
                43 => {
                    let len = ext_len8(rest);
                    let Some(hdr) = len.and_then(|l| rest.get(..l)) else {
                        self.invalid(pkt, Ev::Ipv6TruncExthdr);
                        return None;
                    };
                    if seen_rh {
                        self.event(pkt, Ev::Ipv6ExthdrDuplRh);
                    }
                    seen_rh = true;
                    if hdr.get(2) == Some(&0) {
                        self.event(pkt, Ev::Ipv6RhType0);
                    }
                    ends.final_dst = routing_final_destination(hdr).or(ends.final_dst);
                    nh = hdr.first().copied().unwrap_or(59);
                    rest = rest.get(hdr.len()..).unwrap_or_default();
                }
                44 => {
                    let Some(h) = rest.first_chunk::<8>() else {
                        self.invalid(pkt, Ev::Ipv6TruncExthdr);
                        return None;
                    };
                    if frag.is_some() {
                        self.event(pkt, Ev::Ipv6ExthdrDuplFh);
                    }
                    if h[1] != 0 || h[3] & 0x06 != 0 {
                        self.event(pkt, Ev::Ipv6FhNonZeroReservedField);
                    }
                    let off = u16::from_be_bytes([h[2], h[3]]) >> 3;
                    let more = h[3] & 1 != 0;
                    let id = u32::from_be_bytes([h[4], h[5], h[6], h[7]]);
                    if off == 0 && !more {
                        self.event(pkt, Ev::Ipv6ExthdrUselessFh);
                    } else if more && !rest.len().is_multiple_of(8) {
                        // RFC 8200 §4.5: every fragment but the last is a
                        // multiple of 8 octets long.
                        self.event(pkt, Ev::Ipv6FragInvalidLength);
                    }
                    if frag.is_none() {
                        frag = Some((id, off, more));
                    }
                    nh = h[0];
                    rest = rest.get(8..).unwrap_or_default();
                    if off != 0 {
                        // A later fragment: what follows is data, not headers.
                        return Some((nh, rest, frag));
                    }
                }
                51 => {
                    // AH: length in 4-byte units, minus 2.
                    let len = rest.get(1).map(|&l| (usize::from(l) + 2) * 4);
                    let Some(hdr) = len.and_then(|l| rest.get(..l)) else {
                        self.invalid(pkt, Ev::Ipv6TruncExthdr);
                        return None;
                    };
                    if seen_ah {
                        self.event(pkt, Ev::Ipv6ExthdrDuplAh);
                    }
                    seen_ah = true;
                    if hdr.get(2..4).is_some_and(|r| r != [0, 0]) {
                        self.event(pkt, Ev::Ipv6ExthdrAhResNotNull);
                    }
                    nh = hdr.first().copied().unwrap_or(59);
                    rest = rest.get(hdr.len()..).unwrap_or_default();
                }
                // Mobility, HIP, Shim6: same (len + 1) * 8 layout, no options to check.
                135 | 139 | 140 => {
                    let len = ext_len8(rest);
                    let Some(hdr) = len.and_then(|l| rest.get(..l)) else {
                        self.invalid(pkt, Ev::Ipv6TruncExthdr);
                        return None;
                    };
                    nh = hdr.first().copied().unwrap_or(59);
                    rest = rest.get(hdr.len()..).unwrap_or_default();
                }
                59 => {
                    if !rest.is_empty() {
                        self.event(pkt, Ev::Ipv6DataAfterNoneHeader);
                    }
                    return Some((nh, rest, frag));
                }
                _ => return Some((nh, rest, frag)),
            }
        }
        self.c.too_many_layers += 1;
        self.invalid(pkt, Ev::Ipv6ExthdrTooMany);
        None
    }

    /// Checks the TLV options of a hop-by-hop (`hop`) or destination options
    /// header; returns the address of a well-formed Home Address option
    /// (type 0xc9).
    ///
    /// As Suricata, an option other than padding, Router Alert, Jumbo
    /// Payload and Home Address is flagged as unknown (a covert channel can
    /// hide in options every host skips), and a header holding nothing but
    /// padding is flagged too; an option too short for its fixed value ends
    /// the walk as a bad length.
    fn ipv6_options(
        &mut self,
        pkt: &mut Packet<'_>,
        hop: bool,
        mut opts: &[u8],
    ) -> Option<[u8; 16]> {
        let mut home = None;
        let (mut padding, mut other) = (0u32, 0u32);
        while let Some(&ty) = opts.first() {
            if ty == 0 {
                padding += 1;
                opts = opts.get(1..).unwrap_or_default();
                continue;
            }
            let Some(&len) = opts.get(1) else {
                self.event(pkt, Ev::Ipv6ExthdrInvalidOptlen);
                break;
            };
            let end = 2 + usize::from(len);
            if end > opts.len() {
                self.event(pkt, Ev::Ipv6ExthdrInvalidOptlen);
                break;
            }
            // The smallest value each known option carries.
            let min = match ty {
                1 => {
                    padding += 1;
                    if len == 0 {
                        self.event(pkt, Ev::Ipv6ZeroLenPadn);
                    }
                    0
                }
                IPV6_OPT_ROUTER_ALERT => {
                    other += 1;
                    2
                }
                IPV6_OPT_JUMBO => 4,
                IPV6_OPT_HOME_ADDRESS => {
                    other += 1;
                    16
                }
                _ => {
                    self.event(
                        pkt,
                        if hop {
                            Ev::Ipv6HopoptsUnknownOpt
                        } else {
                            Ev::Ipv6DstoptsUnknownOpt
                        },
                    );
                    other += 1;
                    0
                }
            };
            if usize::from(len) < min {
                self.event(pkt, Ev::Ipv6ExthdrInvalidOptlen);
                break;
            }
            if ty == IPV6_OPT_HOME_ADDRESS && len == 16 {
                home = opts.get(2..18).and_then(|a| a.try_into().ok());
            }
            opts = opts.get(end..).unwrap_or_default();
        }
        if padding > 0 && other == 0 {
            self.event(
                pkt,
                if hop {
                    Ev::Ipv6HopoptsOnlyPadding
                } else {
                    Ev::Ipv6DstoptsOnlyPadding
                },
            );
        }
        home
    }

    /// Hands an IP payload to its transport or tunnel decoder.
    fn ip_payload<'a>(&mut self, pkt: &mut Packet<'a>, ctx: IpCtx, body: &'a [u8]) {
        match ctx.proto {
            PROTO_TCP => self.tcp(pkt, ctx, body),
            PROTO_UDP => self.udp(pkt, ctx, body),
            PROTO_ICMP => {
                if ctx.dst.is_ipv6() {
                    self.event(pkt, Ev::Ipv6Icmpv4);
                }
                self.icmp(pkt, ctx, body, false)
            }
            PROTO_ICMPV6 => {
                if ctx.dst.is_ipv4() {
                    self.event(pkt, Ev::Ipv4Icmpv6);
                }
                self.icmp(pkt, ctx, body, true)
            }
            PROTO_SCTP => self.sctp(pkt, ctx, body),
            PROTO_GRE => {
                pkt.l4 = L4::Other(PROTO_GRE);
                pkt.payload = body;
                if !ctx.fragment {
                    self.gre(pkt, ctx, body, TunnelKind::Gre, 0, 0);
                }
            }
            PROTO_IPIP | PROTO_IPV6 => {
                pkt.l4 = L4::Other(ctx.proto);
                pkt.payload = body;
                if !ctx.fragment {
                    self.ip_in_ip(pkt, ctx, body);
                }
            }
            other => {
                if other == PROTO_ESP {
                    self.c.esp += 1;
                } else if ctx.dst.is_ipv4() && !ctx.fragment && other != PROTO_IP {
                    // A protocol no decoder of ours (nor Suricata's) knows:
                    // Suricata 9's `ipv4.unknown_protocol`. The packet
                    // still makes a flow of its protocol.
                    self.event(pkt, Ev::Ipv4UnknownProtocol);
                }
                pkt.l4 = L4::Other(other);
                pkt.payload = body;
            }
        }
    }

    /// IPv4 or IPv6 directly inside IPv4 or IPv6.
    fn ip_in_ip<'a>(&mut self, pkt: &mut Packet<'a>, ctx: IpCtx, body: &'a [u8]) {
        let outer6 = ctx.dst.is_ipv6();
        let inner6 = ctx.proto == PROTO_IPV6;
        let (min, want_ver) = if inner6 { (40, 6) } else { (20, 4) };
        if outer6 {
            if body.len() < min {
                let ev = if inner6 {
                    Ev::Ipv6InIpv6TooSmall
                } else {
                    Ev::Ipv4InIpv6TooSmall
                };
                self.invalid(pkt, ev);
                return;
            }
            if body.first().map(|b| b >> 4) != Some(want_ver) {
                let ev = if inner6 {
                    Ev::Ipv6InIpv6WrongVersion
                } else {
                    Ev::Ipv4InIpv6WrongVersion
                };
                self.invalid(pkt, ev);
                return;
            }
        }
        match (outer6, inner6) {
            (false, false) => self.c.ipv4_in_ipv4 += 1,
            (false, true) => self.c.ipv6_in_ipv4 += 1,
            (true, false) => self.c.ipv4_in_ipv6 += 1,
            (true, true) => self.c.ipv6_in_ipv6 += 1,
        }
        let layer = TunnelLayer {
            kind: if outer6 {
                TunnelKind::IpInIp6
            } else {
                TunnelKind::IpInIp
            },
            src: ctx.src,
            dst: ctx.dst,
            proto: ctx.proto,
            src_port: 0,
            dst_port: 0,
            id: None,
            ip_len: ctx.ip_len,
        };
        self.try_tunnel(pkt, layer, |d, p| {
            if inner6 {
                d.ipv6(p, body)
            } else {
                d.ipv4(p, body)
            }
        });
    }
}

/// Length of an extension header whose second byte counts 8-byte units
/// beyond the first.
#[inline]
fn ext_len8(b: &[u8]) -> Option<usize> {
    b.get(1).map(|&l| (usize::from(l) + 1) * 8)
}

/// The Jumbo Payload option's length, if `hbh` (a hop-by-hop header) has one.
fn jumbo_len(hbh: &[u8]) -> Option<usize> {
    let len = ext_len8(hbh)?;
    let mut opts = hbh.get(2..len)?;
    while let Some(&ty) = opts.first() {
        if ty == 0 {
            opts = opts.get(1..)?;
            continue;
        }
        let olen = usize::from(*opts.get(1)?);
        if ty == 0xc2 && olen == 4 {
            let v = opts.get(2..6)?;
            return Some(u32::from_be_bytes(v.try_into().ok()?) as usize);
        }
        opts = opts.get(2 + olen..)?;
    }
    None
}

/// IPv4 option types Suricata validates (RFC 791, 781, 1108, 1393, 2113,
/// 4782; FIPS 188 for CIPSO).
const IPV4_OPT_RR: u8 = 0x07;
const IPV4_OPT_QS: u8 = 0x19;
const IPV4_OPT_TS: u8 = 0x44;
const IPV4_OPT_SEC: u8 = 0x82;
const IPV4_OPT_LSRR: u8 = 0x83;
const IPV4_OPT_ESEC: u8 = 0x85;
const IPV4_OPT_CIPSO: u8 = 0x86;
const IPV4_OPT_SID: u8 = 0x88;
const IPV4_OPT_SSRR: u8 = 0x89;
const IPV4_OPT_RTRALT: u8 = 0x94;

/// Checks one known IPv4 option (`opt` is the whole option, type and length
/// included) as Suricata's `IPV4OptValidate*` functions do: a length below
/// the option's minimum is `opt_invalid_len`, a bad pointer or CIPSO tag
/// `opt_malformed`.
fn ipv4_option_check(ty: u8, opt: &[u8]) -> Result<(), Ev> {
    let len = opt.len();
    let data = opt.get(2..).unwrap_or_default();
    match ty {
        IPV4_OPT_QS if len < 8 => Err(Ev::Ipv4OptInvalidLen),
        IPV4_OPT_SEC | IPV4_OPT_ESEC if len < 3 => Err(Ev::Ipv4OptInvalidLen),
        IPV4_OPT_SID | IPV4_OPT_RTRALT if len != 4 => Err(Ev::Ipv4OptInvalidLen),
        IPV4_OPT_RR | IPV4_OPT_LSRR | IPV4_OPT_SSRR => {
            if len < 3 {
                return Err(Ev::Ipv4OptInvalidLen);
            }
            // The 1-based pointer lands on an address slot, at most one past
            // the end (a full route).
            let ptr = usize::from(data.first().copied().unwrap_or(0));
            if ptr < 4 || ptr % 4 != 0 || ptr > len + 1 {
                return Err(Ev::Ipv4OptMalformed);
            }
            Ok(())
        }
        IPV4_OPT_TS => {
            if len < 5 {
                return Err(Ev::Ipv4OptInvalidLen);
            }
            let ptr = usize::from(data.first().copied().unwrap_or(0));
            if ptr < 5 {
                return Err(Ev::Ipv4OptMalformed);
            }
            // Flags 1 and 3 carry address + timestamp records.
            let flag = data.get(1).map_or(0, |f| f & 0x0f);
            let rec = if matches!(flag, 1 | 3) { 8 } else { 4 };
            if (ptr - 5) % rec != 0 || ptr > len + 1 {
                return Err(Ev::Ipv4OptMalformed);
            }
            Ok(())
        }
        IPV4_OPT_CIPSO => {
            if len < 10 {
                return Err(Ev::Ipv4OptInvalidLen);
            }
            // After the 4-byte domain of interpretation: type/length tags.
            let mut tags = data.get(4..).unwrap_or_default();
            while !tags.is_empty() {
                let (Some(&tty), Some(&tlen)) = (tags.first(), tags.get(1)) else {
                    return Err(Ev::Ipv4OptMalformed);
                };
                let tlen = usize::from(tlen);
                let ok = matches!(tty, 1 | 2 | 5 | 6 | 7)
                    && (4..=tags.len()).contains(&tlen)
                    // The alignment octet is zero, except in tag 7.
                    && (tty == 7 || tags.get(2) == Some(&0));
                if !ok {
                    return Err(Ev::Ipv4OptMalformed);
                }
                tags = tags.get(tlen..).unwrap_or_default();
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// IPv6 option types with a fixed-size value (RFC 2711, RFC 2675, RFC 6275).
const IPV6_OPT_ROUTER_ALERT: u8 = 0x05;
const IPV6_OPT_JUMBO: u8 = 0xc2;
const IPV6_OPT_HOME_ADDRESS: u8 = 0xc9;

/// Whether the IPv6 header's next header `nh` starts Suricata's extension
/// walk (ESP included) rather than going straight to a transport decoder.
fn is_ipv6_ext(nh: u8) -> bool {
    matches!(nh, 0 | 43 | 44 | 50 | 51 | 60 | 135 | 139 | 140)
}

/// Addresses extension headers substitute for the IPv6 header's own, for
/// the transport (see [`Decoder::ipv6`]).
#[derive(Default)]
struct Endpoints {
    /// Last address of a type 0 or type 2 routing header with segments left.
    final_dst: Option<[u8; 16]>,
    /// Address of a Home Address destination option.
    home_addr: Option<[u8; 16]>,
}

/// The final destination of a type 0 (source route) or type 2 (Mobile IPv6)
/// routing header that still has segments left: its last address.
fn routing_final_destination(hdr: &[u8]) -> Option<[u8; 16]> {
    let (&kind, &left) = (hdr.get(2)?, hdr.get(3)?);
    if !matches!(kind, 0 | 2) || left == 0 {
        return None;
    }
    let addrs = hdr.get(8..)?;
    let last = addrs.len() / 16;
    addrs
        .get((last.checked_sub(1)?) * 16..last * 16)?
        .try_into()
        .ok()
}

#[cfg(test)]
mod endpoint_tests {
    use super::routing_final_destination;

    #[test]
    fn routing_header_final_destination() {
        let mut rh = vec![
            17, // next header: UDP
            4,  // length: 4 * 8 bytes after the first 8
            0,  // type 0 (source route)
            2,  // segments left
            0, 0, 0, 0, // reserved
        ];
        rh.extend_from_slice(&[1u8; 16]); // address[1]
        rh.extend_from_slice(&[2u8; 16]); // address[2]: the final destination
        assert_eq!(routing_final_destination(&rh), Some([2u8; 16]));
        rh[3] = 0; // no segments left: the header's destination is final
        assert_eq!(routing_final_destination(&rh), None);
        rh[3] = 1;
        rh[2] = 4; // segment routing: not followed here
        assert_eq!(routing_final_destination(&rh), None);
        assert_eq!(routing_final_destination(&rh[..20]), None); // truncated
        assert_eq!(routing_final_destination(&[0, 0, 0, 1, 0, 0, 0, 0]), None); // no address
    }
}
