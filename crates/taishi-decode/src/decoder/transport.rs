//! TCP (with options), UDP (and the UDP-borne tunnels), ICMP/ICMPv6, SCTP.

use std::net::IpAddr;

use super::Decoder;
use super::ip::IpCtx;
use crate::checksum;
use crate::events::Ev;
use crate::packet::{L4, Packet, TcpInfo, TcpOptions};

impl Decoder {
    /// Verifies a transport checksum when `checksum-checks: yes`; true when wrong.
    fn bad_checksum(&self, ctx: &IpCtx, segment: &[u8]) -> bool {
        if !self.check_l4 {
            return false;
        }
        let pseudo = match (ctx.src, ctx.dst) {
            (IpAddr::V4(s), IpAddr::V4(d)) => checksum::pseudo_v4(s, d, ctx.proto, segment.len()),
            (IpAddr::V6(s), IpAddr::V6(d)) => checksum::pseudo_v6(s, d, ctx.proto, segment.len()),
            _ => return false,
        };
        checksum::finish(checksum::sum(segment, pseudo)) != 0
    }

    pub(super) fn tcp<'a>(&mut self, pkt: &mut Packet<'a>, ctx: IpCtx, seg: &'a [u8]) {
        // A first fragment's header may continue in the next fragment: what
        // is missing is not an anomaly (the reassembled packet is checked).
        let Some(h) = seg.first_chunk::<20>() else {
            if !ctx.fragment {
                self.invalid(pkt, Ev::TcpPktTooSmall);
            }
            return;
        };
        let hlen = usize::from(h[12] >> 4) * 4;
        if hlen < 20 {
            self.invalid(pkt, Ev::TcpHlenTooSmall);
            return;
        }
        let header = match seg.get(..hlen) {
            Some(header) => header,
            None if ctx.fragment => seg,
            None => {
                self.invalid(pkt, Ev::TcpInvalidOptlen);
                return;
            }
        };
        self.c.tcp += 1;
        let options = if hlen > 20 && header.len() == hlen {
            self.tcp_options(pkt, header.get(20..).unwrap_or_default())
        } else {
            TcpOptions::default()
        };
        pkt.l4 = L4::Tcp(TcpInfo {
            src_port: u16::from_be_bytes([h[0], h[1]]),
            dst_port: u16::from_be_bytes([h[2], h[3]]),
            seq: u32::from_be_bytes([h[4], h[5], h[6], h[7]]),
            ack: u32::from_be_bytes([h[8], h[9], h[10], h[11]]),
            flags: h[13],
            window: u16::from_be_bytes([h[14], h[15]]),
            urgent: u16::from_be_bytes([h[18], h[19]]),
            header_len: hlen as u8,
            options,
        });
        pkt.payload = seg.get(hlen..).unwrap_or_default();
        if !ctx.fragment && !ctx.truncated && self.bad_checksum(&ctx, seg) {
            self.c.tcp_bad_checksum += 1;
            pkt.bad_l4_checksum = true;
        }
    }

    /// Parses TCP options as Suricata's `DecodeTCPOptions` does: an option
    /// whose length overruns the header stops the walk (invalid); a known
    /// option with the wrong length or seen twice is an event and ignored.
    fn tcp_options(&mut self, pkt: &mut Packet<'_>, mut opts: &[u8]) -> TcpOptions {
        let mut o = TcpOptions::default();
        let mut seen = 0u8;
        while let Some(&kind) = opts.first() {
            match kind {
                0 => break,
                1 => {
                    opts = opts.get(1..).unwrap_or_default();
                    continue;
                }
                _ => {}
            }
            let Some(&len) = opts.get(1) else {
                break;
            };
            let len = usize::from(len);
            if len < 2 || len > opts.len() {
                self.invalid(pkt, Ev::TcpOptInvalidLen);
                break;
            }
            let body = opts.get(2..len).unwrap_or_default();
            // MD5 signature (19, always 18 bytes) and TCP-AO (29, at least
            // 4): Suricata notes their presence and checks no duplicate.
            if kind == 19 || kind == 29 {
                if (kind == 19 && len == 18) || (kind == 29 && len >= 4) {
                    o.signed = true;
                } else {
                    self.event(pkt, Ev::TcpOptInvalidLen);
                }
                opts = opts.get(len..).unwrap_or_default();
                continue;
            }
            let (bit, want_ok) = match kind {
                2 => (1, len == 4),
                3 => (2, len == 3),
                4 => (4, len == 2),
                // An empty SACK (length 2) is useless but RFC-legal, so
                // Suricata accepts it silently; at most 4 blocks fit (34).
                5 if len == 2 => (0, true),
                5 => (8, (10..=34).contains(&len) && (len - 2) % 8 == 0),
                8 => (16, len == 10),
                _ => (0, true),
            };
            if bit != 0 {
                if !want_ok {
                    self.event(pkt, Ev::TcpOptInvalidLen);
                } else if seen & bit != 0 {
                    self.event(pkt, Ev::TcpOptDuplicate);
                } else {
                    seen |= bit;
                    match (kind, body) {
                        (2, [a, b]) => o.mss = Some(u16::from_be_bytes([*a, *b])),
                        (3, [s]) => o.wscale = Some(*s),
                        (4, []) => o.sack_permitted = true,
                        (5, _) => o.sack = true,
                        (8, [a, b, c, d, e, f, g, h]) => {
                            o.timestamp = Some((
                                u32::from_be_bytes([*a, *b, *c, *d]),
                                u32::from_be_bytes([*e, *f, *g, *h]),
                            ))
                        }
                        _ => {}
                    }
                }
            }
            opts = opts.get(len..).unwrap_or_default();
        }
        o
    }

    pub(super) fn udp<'a>(&mut self, pkt: &mut Packet<'a>, ctx: IpCtx, seg: &'a [u8]) {
        let Some(h) = seg.first_chunk::<8>() else {
            if !ctx.fragment {
                self.invalid(pkt, Ev::UdpHlenTooSmall);
            }
            return;
        };
        let src_port = u16::from_be_bytes([h[0], h[1]]);
        let dst_port = u16::from_be_bytes([h[2], h[3]]);
        let ulen = usize::from(u16::from_be_bytes([h[4], h[5]]));
        let datagram = if ctx.fragment || (ctx.truncated && seg.len() < ulen) {
            // Only part of the datagram is here; the length covers all.
            seg
        } else {
            if ulen < 8 {
                self.invalid(pkt, Ev::UdpHlenInvalid);
                return;
            }
            let Some(d) = seg.get(..ulen) else {
                self.invalid(pkt, Ev::UdpPktTooSmall);
                return;
            };
            d
        };
        self.c.udp += 1;
        pkt.l4 = L4::Udp { src_port, dst_port };
        let payload = datagram.get(8..).unwrap_or_default();
        pkt.payload = payload;
        if ctx.fragment {
            return;
        }
        if !ctx.truncated && h[6..8] != [0, 0] && self.bad_checksum(&ctx, datagram) {
            self.c.udp_bad_checksum += 1;
            pkt.bad_l4_checksum = true;
        }
        self.udp_tunnels(pkt, ctx, src_port, dst_port, payload);
    }

    pub(super) fn icmp<'a>(&mut self, pkt: &mut Packet<'a>, ctx: IpCtx, seg: &'a [u8], v6: bool) {
        let Some(h) = seg.first_chunk::<8>() else {
            self.invalid(
                pkt,
                if v6 {
                    Ev::Icmpv6PktTooSmall
                } else {
                    Ev::Icmpv4PktTooSmall
                },
            );
            return;
        };
        if v6 {
            self.c.icmpv6 += 1;
        } else {
            self.c.icmpv4 += 1;
        }
        let (icmp_type, code) = (h[0], h[1]);
        // Echo (and the v4 timestamp/information/mask messages) carry id and sequence.
        let has_id = if v6 {
            matches!(icmp_type, 128 | 129)
        } else {
            matches!(icmp_type, 0 | 8 | 13 | 14 | 15 | 16 | 17 | 18)
        };
        let (id, seq) = if has_id {
            (
                u16::from_be_bytes([h[4], h[5]]),
                u16::from_be_bytes([h[6], h[7]]),
            )
        } else {
            (0, 0)
        };
        pkt.l4 = L4::Icmp {
            v6,
            icmp_type,
            code,
            id,
            seq,
        };
        pkt.payload = seg.get(8..).unwrap_or_default();
        if ctx.fragment || ctx.truncated || !self.check_l4 {
            return;
        }
        let bad = if v6 {
            self.bad_checksum(&ctx, seg)
        } else {
            checksum::finish(checksum::sum(seg, 0)) != 0
        };
        if bad {
            if v6 {
                self.c.icmpv6_bad_checksum += 1;
            } else {
                self.c.icmpv4_bad_checksum += 1;
            }
            pkt.bad_l4_checksum = true;
        }
    }

    pub(super) fn sctp<'a>(&mut self, pkt: &mut Packet<'a>, _ctx: IpCtx, seg: &'a [u8]) {
        let Some(h) = seg.first_chunk::<12>() else {
            self.invalid(pkt, Ev::SctpPktTooSmall);
            return;
        };
        self.c.sctp += 1;
        pkt.l4 = L4::Sctp {
            src_port: u16::from_be_bytes([h[0], h[1]]),
            dst_port: u16::from_be_bytes([h[2], h[3]]),
            vtag: u32::from_be_bytes([h[4], h[5], h[6], h[7]]),
        };
        pkt.payload = seg.get(12..).unwrap_or_default();
    }
}
