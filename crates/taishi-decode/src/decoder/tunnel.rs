//! Tunnels: GRE (v0 and PPTP's v1), ERSPAN II/III, VXLAN, Geneve, Teredo,
//! GTP-U and GRE-in-UDP. (IP-in-IP lives with IP in `ip.rs`.)
//!
//! Each decoder checks its header strictly before committing: a UDP port
//! alone is weak evidence, and a misread tunnel would hide a real UDP flow.

use super::ip::{IpCtx, PROTO_GRE};
use super::link::{ETHERTYPE_IPV4, ETHERTYPE_IPV6, ETHERTYPE_TEB};
use super::{Decoder, be16, be32};
use crate::events::Ev;
use crate::packet::{Packet, TunnelKind, TunnelLayer};

const GRE_PROTO_PPP: u16 = 0x880b;
const GRE_PROTO_ERSPAN2: u16 = 0x88be;
const GRE_PROTO_ERSPAN3: u16 = 0x22eb;

impl Decoder {
    fn layer(
        ctx: &IpCtx,
        kind: TunnelKind,
        sport: u16,
        dport: u16,
        id: Option<u32>,
    ) -> TunnelLayer {
        TunnelLayer {
            kind,
            src: ctx.src,
            dst: ctx.dst,
            proto: ctx.proto,
            src_port: sport,
            dst_port: dport,
            id,
            ip_len: ctx.ip_len,
        }
    }

    /// Tries the UDP-borne tunnels whose port matches.
    pub(super) fn udp_tunnels<'a>(
        &mut self,
        pkt: &mut Packet<'a>,
        ctx: IpCtx,
        sport: u16,
        dport: u16,
        payload: &'a [u8],
    ) {
        if self.vxlan.has(dport) {
            self.vxlan(pkt, &ctx, sport, dport, payload);
        } else if self.geneve.has(dport) {
            self.geneve(pkt, &ctx, sport, dport, payload);
        } else if self.gtpu.has(dport) || self.gtpu.has(sport) {
            self.gtpu(pkt, &ctx, sport, dport, payload);
        } else if self.gre_udp.has(dport) {
            self.gre(pkt, ctx, payload, TunnelKind::GreUdp, sport, dport);
        } else if self.teredo.has(dport) || self.teredo.has(sport) {
            self.teredo(pkt, &ctx, sport, dport, payload);
        }
    }

    /// VXLAN (RFC 7348): flags with the I bit, 24-bit VNI, then Ethernet.
    fn vxlan<'a>(
        &mut self,
        pkt: &mut Packet<'a>,
        ctx: &IpCtx,
        sport: u16,
        dport: u16,
        data: &'a [u8],
    ) {
        let Some(h) = data.first_chunk::<8>() else {
            return;
        };
        if h[0] & 0x08 == 0 || h[7] != 0 {
            return;
        }
        let inner = data.get(8..).unwrap_or_default();
        let Some(et) = be16(inner, 12) else {
            return;
        };
        self.c.vxlan += 1;
        if !matches!(
            et,
            ETHERTYPE_IPV4 | ETHERTYPE_IPV6 | 0x0806 | 0x8100 | 0x88a8 | 0x9100
        ) {
            self.event(pkt, Ev::VxlanUnknownPayloadType);
        }
        let vni = u32::from_be_bytes([0, h[4], h[5], h[6]]);
        let layer = Self::layer(ctx, TunnelKind::Vxlan, sport, dport, Some(vni));
        self.try_tunnel(pkt, layer, |d, p| d.ethernet(p, inner));
    }

    /// Geneve (RFC 8926): version 0, options length in 4-byte units, a
    /// protocol type (Ethernet, IPv4 or IPv6) and a 24-bit VNI.
    fn geneve<'a>(
        &mut self,
        pkt: &mut Packet<'a>,
        ctx: &IpCtx,
        sport: u16,
        dport: u16,
        data: &'a [u8],
    ) {
        let Some(h) = data.first_chunk::<8>() else {
            return;
        };
        if h[0] >> 6 != 0 {
            return;
        }
        let hlen = 8 + usize::from(h[0] & 0x3f) * 4;
        let Some(inner) = data.get(hlen..) else {
            return;
        };
        // Options are TLVs of 4 + 4 * len bytes; they must tile the area exactly.
        let mut opts = data.get(8..hlen).unwrap_or_default();
        while let Some(o) = opts.first_chunk::<4>() {
            let olen = 4 + usize::from(o[3] & 0x1f) * 4;
            let Some(r) = opts.get(olen..) else {
                return;
            };
            opts = r;
        }
        if !opts.is_empty() {
            return;
        }
        let proto = u16::from_be_bytes([h[2], h[3]]);
        let vni = u32::from_be_bytes([0, h[4], h[5], h[6]]);
        self.c.geneve += 1;
        let layer = Self::layer(ctx, TunnelKind::Geneve, sport, dport, Some(vni));
        match proto {
            ETHERTYPE_TEB => self.try_tunnel(pkt, layer, |d, p| d.ethernet(p, inner)),
            ETHERTYPE_IPV4 => self.try_tunnel(pkt, layer, |d, p| d.ipv4(p, inner)),
            ETHERTYPE_IPV6 => self.try_tunnel(pkt, layer, |d, p| d.ipv6(p, inner)),
            _ => {
                self.event(pkt, Ev::GeneveUnknownPayloadType);
                false
            }
        };
    }

    /// Teredo (RFC 4380): optional origin indication, then an IPv6 packet.
    /// There is no Teredo header to check, so the payload must look exactly
    /// like IPv6 (Suricata's tests): version 6, a non-zero hop limit, a
    /// plausible hop-by-hop header, and a payload length that fills the
    /// datagram. Otherwise it stays plain UDP.
    fn teredo<'a>(
        &mut self,
        pkt: &mut Packet<'a>,
        ctx: &IpCtx,
        sport: u16,
        dport: u16,
        data: &'a [u8],
    ) {
        let mut start = data;
        if let [0, kind, ..] = data {
            match kind {
                // Origin indication: 8 bytes.
                0 => match data.get(8..) {
                    Some(r) if r.len() >= 40 => start = r,
                    _ => return,
                },
                // Authentication (qualification, not tunnelled data) or not Teredo.
                _ => return,
            }
        }
        let Some(h) = start.first_chunk::<40>() else {
            return;
        };
        if h[0] >> 4 != 6 || h[7] == 0 {
            return;
        }
        let plen = usize::from(u16::from_be_bytes([h[4], h[5]]));
        if h[6] == 0 && plen < 8 {
            return;
        }
        if start.len() != 40 + plen {
            return;
        }
        self.c.teredo += 1;
        let layer = Self::layer(ctx, TunnelKind::Teredo, sport, dport, None);
        self.try_tunnel(pkt, layer, |d, p| d.ipv6(p, start));
    }

    /// GTP-U version 1 (3GPP TS 29.281): only G-PDUs (type 255) carry user
    /// IP packets; echo and error messages stay UDP.
    fn gtpu<'a>(
        &mut self,
        pkt: &mut Packet<'a>,
        ctx: &IpCtx,
        sport: u16,
        dport: u16,
        data: &'a [u8],
    ) {
        let Some(h) = data.first_chunk::<8>() else {
            return;
        };
        // Version 1, protocol type GTP (not GTP').
        if h[0] >> 5 != 1 || h[0] & 0x10 == 0 || h[1] != 255 {
            return;
        }
        let teid = u32::from_be_bytes([h[4], h[5], h[6], h[7]]);
        let mut off = 8;
        if h[0] & 0x07 != 0 {
            // Sequence number, N-PDU number and next extension type.
            let Some(&next) = data.get(11) else {
                return;
            };
            off = 12;
            let mut next = next;
            let mut hops = 0;
            while next != 0 {
                hops += 1;
                let Some(&units) = data.get(off) else {
                    return;
                };
                if units == 0 || hops > 16 {
                    return;
                }
                off += usize::from(units) * 4;
                let Some(&n) = data.get(off - 1) else {
                    return;
                };
                next = n;
            }
        }
        let Some(inner) = data.get(off..) else {
            return;
        };
        let ver = inner.first().map(|b| b >> 4);
        if !matches!(ver, Some(4) | Some(6)) {
            return;
        }
        self.c.gtpu += 1;
        let layer = Self::layer(ctx, TunnelKind::Gtpu, sport, dport, Some(teid));
        self.try_tunnel(pkt, layer, |d, p| d.raw_ip(p, inner));
    }

    /// GRE (RFC 2784/2890 version 0, RFC 2637 enhanced GRE version 1),
    /// directly in IP or in UDP (RFC 8086).
    pub(super) fn gre<'a>(
        &mut self,
        pkt: &mut Packet<'a>,
        ctx: IpCtx,
        data: &'a [u8],
        kind: TunnelKind,
        sport: u16,
        dport: u16,
    ) {
        let Some(h) = data.first_chunk::<4>() else {
            self.invalid(pkt, Ev::GrePktTooSmall);
            return;
        };
        let flags = u16::from_be_bytes([h[0], h[1]]);
        let proto = u16::from_be_bytes([h[2], h[3]]);
        let (c, r, k, s, ssr) = (
            flags & 0x8000 != 0,
            flags & 0x4000 != 0,
            flags & 0x2000 != 0,
            flags & 0x1000 != 0,
            flags & 0x0800 != 0,
        );
        let recur = flags & 0x0700;
        let version = flags & 0x0007;
        let mut hlen = 4;
        let mut key = None;
        match version {
            0 => {
                if recur != 0 {
                    self.invalid(pkt, Ev::GreVersion0Recur);
                    return;
                }
                if flags & 0x00f8 != 0 {
                    self.invalid(pkt, Ev::GreVersion0Flags);
                    return;
                }
                if c || r {
                    hlen += 4;
                }
                if k {
                    key = be32(data, hlen);
                    hlen += 4;
                }
                if s {
                    hlen += 4;
                }
                if data.len() < hlen {
                    self.invalid(pkt, Ev::GreVersion0HdrTooBig);
                    return;
                }
                if r {
                    // Source route entries until the null SRE (RFC 1701).
                    loop {
                        let Some(sre) = data.get(hlen..hlen + 4) else {
                            self.invalid(pkt, Ev::GreVersion0MalformedSreHdr);
                            return;
                        };
                        let af = u16::from_be_bytes([sre[0], sre[1]]);
                        let len = usize::from(sre[3]);
                        hlen += 4 + len;
                        if af == 0 && len == 0 {
                            break;
                        }
                        if data.len() < hlen {
                            self.invalid(pkt, Ev::GreVersion0MalformedSreHdr);
                            return;
                        }
                    }
                }
            }
            1 => {
                let ev = if c {
                    Some(Ev::GreVersion1Chksum)
                } else if r {
                    Some(Ev::GreVersion1Route)
                } else if ssr {
                    Some(Ev::GreVersion1Ssr)
                } else if recur != 0 {
                    Some(Ev::GreVersion1Recur)
                } else if flags & 0x0078 != 0 {
                    Some(Ev::GreVersion1Flags)
                } else if proto != GRE_PROTO_PPP {
                    Some(Ev::GreVersion1WrongProtocol)
                } else if !k {
                    Some(Ev::GreVersion1NoKey)
                } else {
                    None
                };
                if let Some(ev) = ev {
                    self.invalid(pkt, ev);
                    return;
                }
                // Payload length (2) and call id (2) form the key.
                key = be16(data, 6).map(u32::from);
                hlen = 8;
                if s {
                    hlen += 4;
                }
                if flags & 0x0080 != 0 {
                    hlen += 4;
                }
                if data.len() < hlen {
                    self.invalid(pkt, Ev::GreVersion1HdrTooBig);
                    return;
                }
            }
            _ => {
                self.invalid(pkt, Ev::GreWrongVersion);
                return;
            }
        }
        if kind == TunnelKind::GreUdp {
            self.c.gre_udp += 1;
        } else {
            self.c.gre += 1;
        }
        let inner = data.get(hlen..).unwrap_or_default();
        let layer = Self::layer(&ctx, kind, sport, dport, key);
        match proto {
            ETHERTYPE_IPV4 => {
                self.try_tunnel(pkt, layer, |d, p| d.ipv4(p, inner));
            }
            ETHERTYPE_IPV6 => {
                self.try_tunnel(pkt, layer, |d, p| d.ipv6(p, inner));
            }
            ETHERTYPE_TEB => {
                self.try_tunnel(pkt, layer, |d, p| d.ethernet(p, inner));
            }
            GRE_PROTO_PPP if version == 1 => {
                self.try_tunnel(pkt, layer, |d, p| {
                    // PPTP data without a PPP payload (ack-only) is not an error.
                    if !inner.is_empty() {
                        d.ppp(p, inner)
                    }
                });
            }
            GRE_PROTO_ERSPAN2 | GRE_PROTO_ERSPAN3 if self.erspan => {
                self.erspan(pkt, &ctx, proto, s, inner);
            }
            _ => {
                // Anything else an ethertype can name (VLAN, MPLS, ...).
                self.try_tunnel(pkt, layer, |d, p| d.ethertype(p, proto, inner));
            }
        }
    }

    /// ERSPAN type I (no header, no sequence number), II (8-byte header,
    /// version 1) and III (12-byte header, version 2, optional 8-byte
    /// platform subheader), each followed by the mirrored Ethernet frame.
    fn erspan<'a>(
        &mut self,
        pkt: &mut Packet<'a>,
        ctx: &IpCtx,
        proto: u16,
        seq: bool,
        data: &'a [u8],
    ) {
        let mut ctx = *ctx;
        ctx.proto = PROTO_GRE;
        let (hlen, session, vlan) = if proto == GRE_PROTO_ERSPAN2 && !seq {
            (0, None, 0)
        } else {
            let Some(h) = data.first_chunk::<8>() else {
                self.invalid(pkt, Ev::ErspanHeaderTooSmall);
                return;
            };
            let ver = h[0] >> 4;
            let vlan = u16::from_be_bytes([h[0], h[1]]) & 0x0fff;
            let session = u32::from(u16::from_be_bytes([h[2], h[3]]) & 0x03ff);
            match (proto, ver) {
                (GRE_PROTO_ERSPAN2, 1) => (8, Some(session), vlan),
                (GRE_PROTO_ERSPAN3, 2) => {
                    let Some(h3) = data.first_chunk::<12>() else {
                        self.invalid(pkt, Ev::ErspanHeaderTooSmall);
                        return;
                    };
                    let hlen = if h3[11] & 0x01 != 0 { 20 } else { 12 };
                    (hlen, Some(session), vlan)
                }
                _ => {
                    self.invalid(pkt, Ev::ErspanUnsupportedVersion);
                    return;
                }
            }
        };
        let Some(inner) = data.get(hlen..) else {
            self.invalid(pkt, Ev::ErspanHeaderTooSmall);
            return;
        };
        self.c.erspan += 1;
        let layer = Self::layer(&ctx, TunnelKind::Erspan, 0, 0, session);
        self.try_tunnel(pkt, layer, |d, p| {
            if vlan != 0 && !d.push_vlan(p, vlan) {
                d.event(p, Ev::ErspanTooManyVlanLayers);
                return;
            }
            d.ethernet(p, inner)
        });
    }
}
