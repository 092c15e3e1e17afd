//! Link layers (Ethernet, 802.3 LLC/SNAP, SLL, SLL2, NULL/LOOP, raw IP,
//! NFLOG, PPP, Cisco HDLC) and what sits between them and IP (VLAN, 802.1ah,
//! MPLS, PPPoE, PPP, NSH).

use taishi_core::LinkType;
use taishi_core::limits::{MAX_MPLS_LABELS, MAX_VLAN_LAYERS};

use super::Decoder;
use crate::events::Ev;
use crate::packet::Packet;

pub(crate) const ETHERTYPE_IPV4: u16 = 0x0800;
pub(crate) const ETHERTYPE_ARP: u16 = 0x0806;
pub(crate) const ETHERTYPE_IPV6: u16 = 0x86dd;
pub(crate) const ETHERTYPE_VLAN: u16 = 0x8100;
pub(crate) const ETHERTYPE_QINQ: u16 = 0x88a8;
pub(crate) const ETHERTYPE_QINQ_OLD: u16 = 0x9100;
pub(crate) const ETHERTYPE_8021AH: u16 = 0x88e7;
pub(crate) const ETHERTYPE_MPLS: u16 = 0x8847;
pub(crate) const ETHERTYPE_MPLS_MC: u16 = 0x8848;
pub(crate) const ETHERTYPE_PPPOE_DISC: u16 = 0x8863;
pub(crate) const ETHERTYPE_PPPOE_SESS: u16 = 0x8864;
/// Network Service Header (RFC 8300).
pub(crate) const ETHERTYPE_NSH: u16 = 0x894f;
/// Transparent Ethernet bridging (Ethernet inside GRE/Geneve).
pub(crate) const ETHERTYPE_TEB: u16 = 0x6558;

/// FDDI (tcpdump's LINKTYPE_FDDI); not in `taishi_core::LinkType` yet.
const LINKTYPE_FDDI: LinkType = LinkType(10);

/// BSD address families seen in NULL/LOOP headers: AF_INET is 2 everywhere;
/// AF_INET6 is 24 (NetBSD/OpenBSD), 28 (FreeBSD) or 30 (macOS).
const AF_INET: u32 = 2;
const AF_INET6: [u32; 3] = [24, 28, 30];

impl Decoder {
    /// Dispatches on the frame's link type.
    pub(super) fn link<'a>(&mut self, lt: LinkType, frame: &'a [u8], pkt: &mut Packet<'a>) {
        match lt {
            LinkType::ETHERNET => self.ethernet(pkt, frame),
            LinkType::RAW | LinkType::RAW_12 | LinkType::RAW_14 => {
                self.c.raw += 1;
                self.raw_ip(pkt, frame);
            }
            LinkType::IPV4 => {
                self.c.raw += 1;
                self.ipv4(pkt, frame);
            }
            LinkType::IPV6 => {
                self.c.raw += 1;
                self.ipv6(pkt, frame);
            }
            LinkType::LINUX_SLL => self.sll(pkt, frame),
            LinkType::LINUX_SLL2 => self.sll2(pkt, frame),
            LinkType::NULL => self.null(pkt, frame, false),
            LinkType::LOOP => self.null(pkt, frame, true),
            LinkType::NFLOG => self.nflog(pkt, frame),
            LINKTYPE_FDDI => self.fddi(pkt, frame),
            LinkType::PPP => self.ppp(pkt, frame),
            LinkType::C_HDLC => self.chdlc(pkt, frame),
            _ => self.c.unsupported_linktype += 1,
        }
    }

    /// IPv4 or IPv6 by the version nibble.
    pub(super) fn raw_ip<'a>(&mut self, pkt: &mut Packet<'a>, data: &'a [u8]) {
        match data.first().map(|b| b >> 4) {
            Some(4) => self.ipv4(pkt, data),
            Some(6) => self.ipv6(pkt, data),
            _ => self.invalid(pkt, Ev::IprawInvalidIpVersion),
        }
    }

    /// Ethernet II, or 802.3 with an LLC/SNAP header.
    pub(super) fn ethernet<'a>(&mut self, pkt: &mut Packet<'a>, data: &'a [u8]) {
        if !self.enter_layer() {
            return;
        }
        let Some(h) = data.first_chunk::<14>() else {
            self.invalid(pkt, Ev::EthPktTooSmall);
            return;
        };
        self.c.ethernet += 1;
        let mut dst = [0u8; 6];
        let mut src = [0u8; 6];
        dst.copy_from_slice(&h[0..6]);
        src.copy_from_slice(&h[6..12]);
        pkt.macs = Some((src, dst));
        let et = u16::from_be_bytes([h[12], h[13]]);
        pkt.ether_type = et;
        let rest = data.get(14..).unwrap_or_default();
        if et <= 1500 {
            // 802.3 length field: only LLC/SNAP with OUI 0 carries an ethertype.
            if let Some([0xaa, 0xaa, 0x03, 0, 0, 0, a, b]) = rest.first_chunk::<8>() {
                let et = u16::from_be_bytes([*a, *b]);
                self.ethertype(pkt, et, rest.get(8..).unwrap_or_default());
            }
            return;
        }
        self.ethertype(pkt, et, rest);
    }

    /// Cisco HDLC: address and control bytes, then an ethertype (Suricata's
    /// `DecodeCHDLC`).
    fn chdlc<'a>(&mut self, pkt: &mut Packet<'a>, data: &'a [u8]) {
        let Some(h) = data.first_chunk::<4>() else {
            self.invalid(pkt, Ev::ChdlcPktTooSmall);
            return;
        };
        self.c.chdlc += 1;
        let et = u16::from_be_bytes([h[2], h[3]]);
        self.ethertype(pkt, et, data.get(4..).unwrap_or_default());
    }

    /// Network Service Header (RFC 8300), checked as Suricata's
    /// `DecodeNSH`: version 0, a length that fits, MD type 1 (fixed 24
    /// bytes) or 2 (variable), then IPv4, IPv6, Ethernet, NSH or MPLS.
    fn nsh<'a>(&mut self, pkt: &mut Packet<'a>, data: &'a [u8]) {
        if !self.enter_layer() {
            return;
        }
        let Some(h) = data.first_chunk::<8>() else {
            self.invalid(pkt, Ev::NshHeaderTooSmall);
            return;
        };
        // Version (2 bits), O, U, TTL (6), length in 4-byte words (6),
        // unassigned (4), MD type (4), next protocol (8).
        if h[0] >> 6 != 0 {
            self.invalid(pkt, Ev::NshUnsupportedVersion);
            return;
        }
        let len = usize::from(h[1] & 0x3f) * 4;
        let Some(rest) = data.get(len..).filter(|_| len >= 8) else {
            self.invalid(pkt, Ev::NshBadHeaderLength);
            return;
        };
        match h[2] & 0x0f {
            1 if len != 24 => {
                self.invalid(pkt, Ev::NshBadHeaderLength);
                return;
            }
            1 | 2 => {}
            0 | 0x0f => {
                self.event(pkt, Ev::NshReservedType);
                return;
            }
            _ => {
                self.event(pkt, Ev::NshUnsupportedType);
                return;
            }
        }
        match h[3] {
            1 => self.ipv4(pkt, rest),
            2 => self.ipv6(pkt, rest),
            3 => self.ethernet(pkt, rest),
            4 => self.nsh(pkt, rest),
            5 => self.mpls(pkt, rest),
            _ => self.event(pkt, Ev::NshUnknownPayload),
        }
    }

    /// FDDI: frame control, two MACs, then 802.2 LLC/SNAP as in 802.3.
    fn fddi<'a>(&mut self, pkt: &mut Packet<'a>, data: &'a [u8]) {
        let Some(h) = data.first_chunk::<21>() else {
            self.invalid(pkt, Ev::EthPktTooSmall);
            return;
        };
        self.c.fddi += 1;
        if let [0xaa, 0xaa, 0x03, 0, 0, 0, a, b] = h[13..21] {
            self.ethertype(
                pkt,
                u16::from_be_bytes([a, b]),
                data.get(21..).unwrap_or_default(),
            );
        }
    }

    /// Decodes what an ethertype announces.
    pub(super) fn ethertype<'a>(&mut self, pkt: &mut Packet<'a>, et: u16, data: &'a [u8]) {
        match et {
            ETHERTYPE_IPV4 => self.ipv4(pkt, data),
            ETHERTYPE_IPV6 => self.ipv6(pkt, data),
            ETHERTYPE_VLAN | ETHERTYPE_QINQ | ETHERTYPE_QINQ_OLD => self.vlan(pkt, data),
            ETHERTYPE_MPLS | ETHERTYPE_MPLS_MC => self.mpls(pkt, data),
            ETHERTYPE_PPPOE_SESS => self.pppoe_session(pkt, data),
            ETHERTYPE_PPPOE_DISC => self.c.pppoe += 1,
            ETHERTYPE_ARP => self.c.arp += 1,
            ETHERTYPE_8021AH => self.ieee8021ah(pkt, data),
            ETHERTYPE_NSH => self.nsh(pkt, data),
            _ => {
                self.c.unknown_ethertype += 1;
                self.event(pkt, Ev::EthUnknownEthertype);
            }
        }
    }

    /// 802.1Q / 802.1ad / 0x9100 tag: 2 bytes TCI, 2 bytes inner ethertype.
    fn vlan<'a>(&mut self, pkt: &mut Packet<'a>, data: &'a [u8]) {
        if !self.enter_layer() {
            return;
        }
        let Some(h) = data.first_chunk::<4>() else {
            self.invalid(pkt, Ev::VlanHeaderTooSmall);
            return;
        };
        if !self.push_vlan(pkt, u16::from_be_bytes([h[0], h[1]]) & 0x0fff) {
            self.invalid(pkt, Ev::VlanTooManyLayers);
            return;
        }
        let et = u16::from_be_bytes([h[2], h[3]]);
        self.ethertype(pkt, et, data.get(4..).unwrap_or_default());
    }

    /// Keeps a VLAN id; false when [`MAX_VLAN_LAYERS`] are already kept.
    pub(super) fn push_vlan(&mut self, pkt: &mut Packet<'_>, id: u16) -> bool {
        let n = pkt.vlan_count as usize;
        if n >= MAX_VLAN_LAYERS {
            return false;
        }
        let Some(slot) = pkt.vlan.get_mut(n) else {
            return false;
        };
        *slot = id;
        pkt.vlan_count += 1;
        match pkt.vlan_count {
            1 => self.c.vlan += 1,
            2 => self.c.vlan_qinq += 1,
            _ => self.c.vlan_qinqinq += 1,
        }
        true
    }

    /// 802.1ah (PBB) I-TAG: 4 bytes, then a customer Ethernet header.
    fn ieee8021ah<'a>(&mut self, pkt: &mut Packet<'a>, data: &'a [u8]) {
        if data.len() < 4 + 14 {
            self.invalid(pkt, Ev::Ieee8021ahHeaderTooSmall);
            return;
        }
        self.c.ieee8021ah += 1;
        self.ethernet(pkt, data.get(4..).unwrap_or_default());
    }

    /// MPLS label stack. The payload type is not announced: as Suricata
    /// does, explicit-null labels say IPv4/IPv6, otherwise the first nibble
    /// after the bottom label guesses (4, 6, or 0 for a pseudowire control
    /// word followed by Ethernet).
    fn mpls<'a>(&mut self, pkt: &mut Packet<'a>, data: &'a [u8]) {
        if !self.enter_layer() {
            return;
        }
        self.c.mpls += 1;
        let mut rest = data;
        let mut label;
        let mut labels = 0;
        loop {
            let Some(h) = rest.first_chunk::<4>() else {
                self.invalid(pkt, Ev::MplsHeaderTooSmall);
                return;
            };
            let entry = u32::from_be_bytes(*h);
            label = entry >> 12;
            rest = rest.get(4..).unwrap_or_default();
            labels += 1;
            if entry & 0x100 != 0 {
                break;
            }
            if labels >= MAX_MPLS_LABELS {
                self.c.too_many_layers += 1;
                self.invalid(pkt, Ev::MplsHeaderTooSmall);
                return;
            }
        }
        match label {
            0 => return self.ipv4(pkt, rest),
            2 => return self.ipv6(pkt, rest),
            1 => self.event(pkt, Ev::MplsBadLabelRouterAlert),
            3 => self.event(pkt, Ev::MplsBadLabelImplicitNull),
            4..=15 => self.event(pkt, Ev::MplsBadLabelReserved),
            _ => {}
        }
        match rest.first().map(|b| b >> 4) {
            Some(4) => self.ipv4(pkt, rest),
            Some(6) => self.ipv6(pkt, rest),
            Some(0) => {
                // RFC 4448 control word, then the pseudowire's Ethernet frame.
                if rest.len() < 4 + 14 {
                    self.invalid(pkt, Ev::MplsPktTooSmall);
                    return;
                }
                self.ethernet(pkt, rest.get(4..).unwrap_or_default());
            }
            Some(_) => self.event(pkt, Ev::MplsUnknownPayloadType),
            None => self.invalid(pkt, Ev::MplsPktTooSmall),
        }
    }

    /// PPPoE session stage: 6-byte header whose length bounds the PPP frame.
    fn pppoe_session<'a>(&mut self, pkt: &mut Packet<'a>, data: &'a [u8]) {
        self.c.pppoe += 1;
        let Some(h) = data.first_chunk::<8>() else {
            self.invalid(pkt, Ev::PppoePktTooSmall);
            return;
        };
        if h[1] != 0 {
            self.invalid(pkt, Ev::PppoeWrongCode);
            return;
        }
        // The PPPoE length is not used to bound the PPP frame: IP's own
        // length trims link padding, and captures exist where the PPPoE
        // length undercounts while the IP packet is whole.
        self.ppp(pkt, data.get(6..).unwrap_or_default());
    }

    /// PPP: optional `ff 03` address/control, then a 1- or 2-byte protocol.
    pub(super) fn ppp<'a>(&mut self, pkt: &mut Packet<'a>, data: &'a [u8]) {
        self.c.ppp += 1;
        let data = match data {
            [0xff, 0x03, rest @ ..] => rest,
            _ => data,
        };
        // Protocol field compression (RFC 1661 6.5): an odd first byte is a
        // one-byte protocol.
        let (proto, rest) = match data {
            [p, rest @ ..] if p & 1 == 1 => (u16::from(*p), rest),
            [a, b, rest @ ..] => (u16::from_be_bytes([*a, *b]), rest),
            _ => {
                self.invalid(pkt, Ev::PppPktTooSmall);
                return;
            }
        };
        match proto {
            0x0021 => {
                if rest.len() < 20 {
                    self.invalid(pkt, Ev::PppIp4PktTooSmall);
                    return;
                }
                self.ipv4(pkt, rest);
            }
            0x0057 => {
                if rest.len() < 40 {
                    self.invalid(pkt, Ev::PppIp6PktTooSmall);
                    return;
                }
                self.ipv6(pkt, rest);
            }
            // Valid PPP protocols we do not decode: LCP, PAP, CHAP, LQR, the
            // network control protocols, compression, VJ, MPLS.
            0x002d | 0x002f | 0x0281 | 0x0283 | 0x8021 | 0x8057 | 0x80fd | 0x8281 | 0xc021
            | 0xc023 | 0xc025 | 0xc223 | 0x00fd => self.event(pkt, Ev::PppUnsupProto),
            _ => self.invalid(pkt, Ev::PppWrongType),
        }
    }

    /// Linux cooked capture v1: 16-byte header ending in the protocol.
    fn sll<'a>(&mut self, pkt: &mut Packet<'a>, data: &'a [u8]) {
        let Some(h) = data.first_chunk::<16>() else {
            self.invalid(pkt, Ev::SllPktTooSmall);
            return;
        };
        self.c.sll += 1;
        let et = u16::from_be_bytes([h[14], h[15]]);
        self.ethertype(pkt, et, data.get(16..).unwrap_or_default());
    }

    /// Linux cooked capture v2: 20-byte header starting with the protocol.
    fn sll2<'a>(&mut self, pkt: &mut Packet<'a>, data: &'a [u8]) {
        let Some(h) = data.first_chunk::<20>() else {
            self.invalid(pkt, Ev::SllPktTooSmall);
            return;
        };
        self.c.sll2 += 1;
        let et = u16::from_be_bytes([h[0], h[1]]);
        self.ethertype(pkt, et, data.get(20..).unwrap_or_default());
    }

    /// BSD NULL (host byte order family) and OpenBSD LOOP (network order).
    /// The NULL family is read both ways since the capturing host's byte
    /// order is unknown.
    fn null<'a>(&mut self, pkt: &mut Packet<'a>, data: &'a [u8], network_order: bool) {
        let Some(h) = data.first_chunk::<4>() else {
            self.invalid(pkt, Ev::LtnullPktTooSmall);
            return;
        };
        self.c.null += 1;
        let be = u32::from_be_bytes(*h);
        let le = u32::from_le_bytes(*h);
        let fams: &[u32] = if network_order { &[be] } else { &[be, le] };
        let rest = data.get(4..).unwrap_or_default();
        if fams.contains(&AF_INET) {
            self.ipv4(pkt, rest);
        } else if fams.iter().any(|f| AF_INET6.contains(f)) {
            self.ipv6(pkt, rest);
        } else {
            self.event(pkt, Ev::LtnullUnsupportedType);
        }
    }

    /// NFLOG: 4-byte header, then TLVs (length and type in the capturing
    /// host's byte order, length including the 4-byte TLV header, padded to
    /// 4 bytes). TLV type 9 (NFULA_PAYLOAD) holds the IP packet.
    fn nflog<'a>(&mut self, pkt: &mut Packet<'a>, data: &'a [u8]) {
        let Some(h) = data.first_chunk::<4>() else {
            self.invalid(pkt, Ev::NflogPktTooSmall);
            return;
        };
        self.c.nflog += 1;
        let family = h[0];
        let mut rest = data.get(4..).unwrap_or_default();
        while let Some(t) = rest.first_chunk::<4>() {
            let le_len = usize::from(u16::from_le_bytes([t[0], t[1]]));
            let be_len = usize::from(u16::from_be_bytes([t[0], t[1]]));
            // Take whichever byte order gives a plausible length.
            let (len, ty) = if (4..=rest.len()).contains(&le_len) {
                (le_len, u16::from_le_bytes([t[2], t[3]]))
            } else if (4..=rest.len()).contains(&be_len) {
                (be_len, u16::from_be_bytes([t[2], t[3]]))
            } else {
                self.invalid(pkt, Ev::NflogPktTooSmall);
                return;
            };
            if ty == 9 {
                let payload = rest.get(4..len).unwrap_or_default();
                match family {
                    2 => self.ipv4(pkt, payload),
                    10 => self.ipv6(pkt, payload),
                    _ => self.raw_ip(pkt, payload),
                }
                return;
            }
            let padded = len.div_ceil(4) * 4;
            rest = rest.get(padded..).unwrap_or_default();
        }
    }
}
