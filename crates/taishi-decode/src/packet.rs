//! `Packet<'a>`: what the decoder learnt of one frame, as offsets and small
//! copied fields, borrowing the frame's bytes.
//!
//! A worker keeps one `Packet` and reuses it for every frame (the decoder
//! resets it), so decoding allocates nothing in steady state. Everything a
//! later stage needs (flow key, TCP header fields, payload) is here; nothing
//! here knows about flows.

use std::net::IpAddr;

use taishi_core::{LinkType, Timestamp};

/// Maximum tunnel layers recorded per packet (see `limits::MAX_TUNNEL_DEPTH`).
pub const MAX_TUNNEL_LAYERS: usize = taishi_core::limits::MAX_TUNNEL_DEPTH;

/// Maximum decode events recorded per packet; more are counted but not kept.
pub const MAX_EVENTS: usize = 4;

/// The network layer of the innermost IP header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum L3 {
    /// No IP header (ARP, LLDP, undecodable).
    None,
    /// IPv4.
    Ipv4(Ipv4Info),
    /// IPv6.
    Ipv6(Ipv6Info),
}

/// IPv4 header fields rules and flows need.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ipv4Info {
    /// Source address.
    pub src: std::net::Ipv4Addr,
    /// Destination address.
    pub dst: std::net::Ipv4Addr,
    /// Protocol of the payload.
    pub proto: u8,
    /// Time to live.
    pub ttl: u8,
    /// Identification.
    pub id: u16,
    /// Type of service byte.
    pub tos: u8,
    /// Flags (bit 1: DF, bit 0: MF) and fragment offset in 8-byte units.
    pub flags: u8,
    /// Fragment offset in 8-byte units.
    pub frag_offset: u16,
    /// Header length in bytes (20..=60).
    pub header_len: u8,
    /// Total length from the header.
    pub total_len: u16,
    /// Whether the header checksum was wrong (counted, not enforced).
    pub bad_checksum: bool,
}

/// IPv6 header fields rules and flows need.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ipv6Info {
    /// Source address.
    pub src: std::net::Ipv6Addr,
    /// Destination address.
    pub dst: std::net::Ipv6Addr,
    /// Protocol of the payload after all extension headers.
    pub proto: u8,
    /// Hop limit.
    pub hop_limit: u8,
    /// Flow label.
    pub flow_label: u32,
    /// Traffic class.
    pub traffic_class: u8,
    /// Payload length from the header.
    pub payload_len: u16,
    /// A fragment header was present: (identification, offset in 8-byte units, more fragments).
    pub fragment: Option<(u32, u16, bool)>,
}

/// TCP options Taishi tracks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TcpOptions {
    /// Maximum segment size.
    pub mss: Option<u16>,
    /// Window scale shift.
    pub wscale: Option<u8>,
    /// SACK permitted.
    pub sack_permitted: bool,
    /// A SACK block was present.
    pub sack: bool,
    /// Timestamps (value, echo reply).
    pub timestamp: Option<(u32, u32)>,
    /// An MD5 signature (RFC 2385) or TCP-AO (RFC 5925) option was
    /// present. Its key is out of band, so nobody on the path can tell
    /// whether the receiver will accept the segment (a RST may be forged).
    pub signed: bool,
}

/// TCP header fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TcpInfo {
    /// Source port.
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
    /// Sequence number.
    pub seq: u32,
    /// Acknowledgement number.
    pub ack: u32,
    /// Flag bits (FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10, URG 0x20, ECE 0x40, CWR 0x80).
    pub flags: u8,
    /// Receive window (unscaled).
    pub window: u16,
    /// Urgent pointer.
    pub urgent: u16,
    /// Header length in bytes.
    pub header_len: u8,
    /// Parsed options.
    pub options: TcpOptions,
}

/// TCP flag bits.
pub mod tcp_flags {
    /// FIN.
    pub const FIN: u8 = 0x01;
    /// SYN.
    pub const SYN: u8 = 0x02;
    /// RST.
    pub const RST: u8 = 0x04;
    /// PSH.
    pub const PSH: u8 = 0x08;
    /// ACK.
    pub const ACK: u8 = 0x10;
    /// URG.
    pub const URG: u8 = 0x20;
    /// ECE.
    pub const ECE: u8 = 0x40;
    /// CWR.
    pub const CWR: u8 = 0x80;
}

/// The transport layer of the innermost IP packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum L4 {
    /// No transport header (not IP, a non-first fragment, or undecodable).
    None,
    /// TCP.
    Tcp(TcpInfo),
    /// UDP: source and destination port.
    Udp {
        /// Source port.
        src_port: u16,
        /// Destination port.
        dst_port: u16,
    },
    /// ICMP (v4) or ICMPv6.
    Icmp {
        /// Whether this is ICMPv6.
        v6: bool,
        /// Type.
        icmp_type: u8,
        /// Code.
        code: u8,
        /// Identifier (echo request/reply) or 0.
        id: u16,
        /// Sequence (echo request/reply) or 0.
        seq: u16,
    },
    /// SCTP common header.
    Sctp {
        /// Source port.
        src_port: u16,
        /// Destination port.
        dst_port: u16,
        /// Verification tag.
        vtag: u32,
    },
    /// Another IP protocol, not decoded further (ESP, AH, OSPF, ...).
    Other(u8),
}

/// Kind of encapsulation a tunnel layer used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TunnelKind {
    /// GRE (RFC 2784/2890), including PPTP's enhanced GRE.
    Gre,
    /// ERSPAN type II or III inside GRE.
    Erspan,
    /// VXLAN in UDP.
    Vxlan,
    /// Geneve in UDP.
    Geneve,
    /// IPv4 or IPv6 directly inside IPv4 (IP-in-IP, 6in4).
    IpInIp,
    /// IPv4 or IPv6 directly inside IPv6 (4in6, 6in6).
    IpInIp6,
    /// Teredo (IPv6 in UDP).
    Teredo,
    /// GTP-U (3GPP user plane).
    Gtpu,
    /// GRE in UDP (RFC 8086).
    GreUdp,
}

impl TunnelKind {
    /// Name used in EVE `tunnel.type`.
    pub fn name(self) -> &'static str {
        match self {
            TunnelKind::Gre => "gre",
            TunnelKind::Erspan => "erspan",
            TunnelKind::Vxlan => "vxlan",
            TunnelKind::Geneve => "geneve",
            TunnelKind::IpInIp => "ipip",
            TunnelKind::IpInIp6 => "ip6ip",
            TunnelKind::Teredo => "teredo",
            TunnelKind::Gtpu => "gtpu",
            TunnelKind::GreUdp => "gre-udp",
        }
    }
}

/// One outer layer that carried the innermost packet, recorded so that the
/// outer conversation can be tracked too (tshark and Zeek show the outer UDP
/// conversation of a VXLAN tunnel as well as the inner one) and so that
/// inner flows keep their tunnel context.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TunnelLayer {
    /// Encapsulation.
    pub kind: TunnelKind,
    /// Outer source address.
    pub src: IpAddr,
    /// Outer destination address.
    pub dst: IpAddr,
    /// Outer IP protocol (17 for UDP-based tunnels, 47 for GRE, 4/41 for IP-in-IP).
    pub proto: u8,
    /// Outer UDP ports, for UDP-based tunnels (0 otherwise).
    pub src_port: u16,
    /// Outer UDP destination port (0 when not UDP).
    pub dst_port: u16,
    /// VXLAN VNI, Geneve VNI, GRE key or GTP TEID, when present.
    pub id: Option<u32>,
    /// Length of the outer IP packet in bytes.
    pub ip_len: u32,
}

/// The network and transport headers of the packet that carried a tunnel
/// layer (the outer IPv4 header with its GRE, or its UDP header for VXLAN).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OuterHeaders<'a> {
    /// The frame the offsets are in (a reassembled datagram's tunnel
    /// layers are in the frame of its last fragment).
    pub frame: &'a [u8],
    /// Its IP header.
    pub l3: L3,
    /// Offset of that IP header in the frame.
    pub l3_offset: usize,
    /// Its transport header (`Udp` for UDP-borne tunnels, else `Other`).
    pub l4: L4,
    /// Offset of the transport header in the frame.
    pub l4_offset: usize,
    /// Its payload: the tunnel header and everything inside.
    pub payload: &'a [u8],
}

/// A decoder event worth an `anomaly` record (Suricata's decode event names
/// without the `decoder.` prefix, e.g. `ipv4.trunc_pkt`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DecodeEvent(pub &'static str);

impl DecodeEvent {
    /// The name as Suricata writes it in an EVE `anomaly` record and in
    /// rules' `decode-event`: `decoder.ipv4.trunc_pkt`. Returns the short name
    /// for an event the decoder does not know.
    pub fn eve_name(self) -> &'static str {
        crate::events::Ev::by_name(self.0).map_or(self.0, |e| e.eve_name())
    }

    /// The counter this event is counted under: `decoder.event.ipv4.trunc_pkt`.
    pub fn stats_name(self) -> Option<&'static str> {
        crate::events::Ev::by_name(self.0).map(|e| e.stats_name())
    }
}

/// What the decoder learnt of one frame.
#[derive(Clone, Debug)]
pub struct Packet<'a> {
    /// Capture time.
    pub ts: Timestamp,
    /// Link type of the frame.
    pub linktype: LinkType,
    /// The whole frame as captured.
    pub frame: &'a [u8],
    /// Length on the wire (may exceed `frame.len()` when the capture was snapped).
    pub wire_len: u32,
    /// VLAN ids, outermost first; `vlan_count` are valid.
    pub vlan: [u16; 3],
    /// How many entries of `vlan` are valid.
    pub vlan_count: u8,
    /// Innermost IP header.
    pub l3: L3,
    /// Offset of the innermost IP header in `frame` (or in the reassembled datagram).
    pub l3_offset: usize,
    /// Offset in `frame` of the innermost transport header; for a fragment,
    /// of the fragment's data (after the IPv4 header or the IPv6 fragment
    /// header). Meaningful only when `l3` is not `None`.
    pub l4_offset: usize,
    /// Innermost transport header.
    pub l4: L4,
    /// Transport payload (TCP/UDP data, ICMP body), empty when none.
    pub payload: &'a [u8],
    /// The innermost IP packet is a fragment that must go through defragmentation first.
    pub is_fragment: bool,
    /// The packet was rebuilt from IP fragments (Suricata's
    /// `PKT_REBUILT_FRAGMENT`, what `flow:only_frag` asks for).
    pub rebuilt: bool,
    /// Outer layers, outermost first; `tunnel_count` are valid.
    pub tunnels: [Option<TunnelLayer>; MAX_TUNNEL_LAYERS],
    /// How many entries of `tunnels` are valid.
    pub tunnel_count: u8,
    /// The headers of the packet that carried each tunnel layer, as they
    /// were decoded before the decoder went inside: Suricata inspects
    /// every layer of a tunnelled frame as a packet of its own (see
    /// [`Packet::outer_packet`]). Same indexes as `tunnels`.
    pub outer: [Option<OuterHeaders<'a>>; MAX_TUNNEL_LAYERS],
    /// Decode events of this packet; `event_count` are valid.
    pub events: [DecodeEvent; MAX_EVENTS],
    /// How many entries of `events` are valid.
    pub event_count: u8,
    /// The transport checksum was checked and found wrong.
    pub bad_l4_checksum: bool,
    /// Checksums are not to be trusted (`checksum-checks: none`, Suricata's
    /// `PKT_IGNORE_CHECKSUM`): checksum keywords then take every packet's
    /// checksums as valid.
    pub ignore_checksum: bool,
    /// Source and destination MAC, when the frame had an Ethernet header.
    pub macs: Option<([u8; 6], [u8; 6])>,
    /// The type field of the Ethernet header `macs` come from, as on the
    /// wire (a VLAN tag's 0x8100 included); meaningful only with `macs`.
    pub ether_type: u16,
    /// A header was malformed or truncated (Suricata's "invalid" packets,
    /// counted in `decoder.invalid`); what was decoded above it is kept.
    pub invalid: bool,
}

impl<'a> Packet<'a> {
    /// An empty packet, ready to be filled by the decoder.
    pub fn empty() -> Packet<'static> {
        Packet {
            ts: Timestamp(0),
            linktype: LinkType::ETHERNET,
            frame: &[],
            wire_len: 0,
            vlan: [0; 3],
            vlan_count: 0,
            l3: L3::None,
            l3_offset: 0,
            l4_offset: 0,
            l4: L4::None,
            payload: &[],
            is_fragment: false,
            rebuilt: false,
            tunnels: [None; MAX_TUNNEL_LAYERS],
            tunnel_count: 0,
            outer: [None; MAX_TUNNEL_LAYERS],
            events: [DecodeEvent(""); MAX_EVENTS],
            event_count: 0,
            bad_l4_checksum: false,
            ignore_checksum: false,
            macs: None,
            ether_type: 0,
            invalid: false,
        }
    }

    /// VLAN ids in use, outermost first.
    pub fn vlans(&self) -> &[u16] {
        &self.vlan[..self.vlan_count as usize]
    }

    /// Tunnel layers, outermost first.
    pub fn tunnel_layers(&self) -> impl Iterator<Item = &TunnelLayer> {
        self.tunnels[..self.tunnel_count as usize].iter().flatten()
    }

    /// The innermost tunnel layer, if the packet was encapsulated.
    pub fn innermost_tunnel(&self) -> Option<&TunnelLayer> {
        self.tunnel_count
            .checked_sub(1)
            .and_then(|i| self.tunnels.get(i as usize))
            .and_then(|t| t.as_ref())
    }

    /// Decode events, in the order they were found.
    pub fn decode_events(&self) -> &[DecodeEvent] {
        &self.events[..self.event_count as usize]
    }

    /// Source and destination address of the innermost IP header.
    pub fn addrs(&self) -> Option<(IpAddr, IpAddr)> {
        match self.l3 {
            L3::Ipv4(h) => Some((IpAddr::V4(h.src), IpAddr::V4(h.dst))),
            L3::Ipv6(h) => Some((IpAddr::V6(h.src), IpAddr::V6(h.dst))),
            L3::None => None,
        }
    }

    /// IP protocol of the innermost packet.
    pub fn ip_proto(&self) -> Option<u8> {
        match self.l3 {
            L3::Ipv4(h) => Some(h.proto),
            L3::Ipv6(h) => Some(h.proto),
            L3::None => None,
        }
    }

    /// Source and destination port (0, 0 when the transport has none).
    pub fn ports(&self) -> (u16, u16) {
        match self.l4 {
            L4::Tcp(t) => (t.src_port, t.dst_port),
            L4::Udp { src_port, dst_port }
            | L4::Sctp {
                src_port, dst_port, ..
            } => (src_port, dst_port),
            _ => (0, 0),
        }
    }

    /// Whether the innermost IPv4 header's checksum is right; `None`
    /// without an IPv4 header.
    pub fn ipv4_checksum_ok(&self) -> Option<bool> {
        match self.l3 {
            L3::Ipv4(h) => Some(!h.bad_checksum),
            _ => None,
        }
    }

    /// Whether the innermost transport checksum (TCP, UDP, ICMP, ICMPv6)
    /// is right, computed here on demand: the decoder only checks it with
    /// `checksum-checks: yes`, but rules' checksum keywords ask whatever
    /// the policy. `None` when there is nothing to verify: no such header,
    /// a fragment, a segment the capture cut short, or a UDP-over-IPv4
    /// datagram sent without a checksum (zero), which Suricata's
    /// `udpv4-csum` matches neither way.
    pub fn l4_checksum_ok(&self) -> Option<bool> {
        let proto = match self.l4 {
            L4::Tcp(_) => 6,
            L4::Udp { .. } => 17,
            L4::Icmp { v6: false, .. } => 1,
            L4::Icmp { v6: true, .. } => 58,
            _ => return None,
        };
        if self.is_fragment {
            return None;
        }
        let end = match self.l3 {
            L3::Ipv4(h) => self.l3_offset.checked_add(usize::from(h.total_len))?,
            L3::Ipv6(h) => self
                .l3_offset
                .checked_add(40 + usize::from(h.payload_len))?,
            L3::None => return None,
        };
        let seg = self.frame.get(self.l4_offset..end)?;
        let pseudo = match self.l3 {
            // ICMPv4 sums its own message only.
            L3::Ipv4(_) if proto == 1 => 0,
            L3::Ipv4(h) => {
                if proto == 17 && seg.get(6..8) == Some(&[0, 0]) {
                    return None;
                }
                crate::checksum::pseudo_v4(h.src, h.dst, proto, seg.len())
            }
            L3::Ipv6(h) => crate::checksum::pseudo_v6(h.src, h.dst, proto, seg.len()),
            L3::None => return None,
        };
        Some(crate::checksum::finish(crate::checksum::sum(seg, pseudo)) == 0)
    }

    /// The packet that carried tunnel layer `i` (0: the outermost), with
    /// the headers it had before the decoder went inside and the layers
    /// outside it; no decode events (they belong to the whole frame).
    /// `None` past the recorded layers.
    pub fn outer_packet(&self, i: usize) -> Option<Packet<'a>> {
        let o = (*self.outer.get(i)?)?;
        if i >= self.tunnel_count as usize {
            return None;
        }
        let mut p = self.clone();
        p.frame = o.frame;
        p.l3 = o.l3;
        p.l3_offset = o.l3_offset;
        p.l4 = o.l4;
        p.l4_offset = o.l4_offset;
        p.payload = o.payload;
        p.tunnel_count = i as u8;
        p.event_count = 0;
        p.is_fragment = false;
        p.bad_l4_checksum = false;
        p.invalid = false;
        Some(p)
    }

    /// Records a decode event (dropped beyond [`MAX_EVENTS`]; the caller counts it anyway).
    pub fn push_event(&mut self, event: DecodeEvent) {
        if let Some(slot) = self.events.get_mut(self.event_count as usize) {
            *slot = event;
            self.event_count += 1;
        }
    }
}
