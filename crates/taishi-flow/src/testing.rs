//! Hand-built packets for tests and benchmarks of this crate and the stages
//! after it, so they need no capture and no decoder.
//!
//! The frame of a built packet is a slice of zeros as long as the headers
//! plus payload would be on Ethernet, so byte counts match a real capture
//! of the same packet.

use std::net::{IpAddr, SocketAddr};

use taishi_core::Timestamp;
use taishi_decode::packet::{Ipv4Info, Ipv6Info, TcpInfo, TcpOptions};
use taishi_decode::{L3, L4, Packet, TunnelLayer};

/// Zeros standing in for frame bytes (flows only count frame lengths).
static ZEROS: [u8; 65_600] = [0; 65_600];

fn frame(len: usize) -> &'static [u8] {
    &ZEROS[..len.min(ZEROS.len())]
}

fn l3(src: IpAddr, dst: IpAddr, proto: u8, l4_len: usize) -> (L3, usize) {
    match (src, dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => (
            L3::Ipv4(Ipv4Info {
                src: s,
                dst: d,
                proto,
                ttl: 64,
                id: 0,
                tos: 0,
                flags: 0,
                frag_offset: 0,
                header_len: 20,
                total_len: (20 + l4_len).min(u16::MAX as usize) as u16,
                bad_checksum: false,
            }),
            20,
        ),
        (s, d) => {
            let v6 = |a: IpAddr| match a {
                IpAddr::V6(a) => a,
                IpAddr::V4(a) => a.to_ipv6_mapped(),
            };
            (
                L3::Ipv6(Ipv6Info {
                    src: v6(s),
                    dst: v6(d),
                    proto,
                    hop_limit: 64,
                    flow_label: 0,
                    traffic_class: 0,
                    payload_len: l4_len.min(u16::MAX as usize) as u16,
                    fragment: None,
                }),
                40,
            )
        }
    }
}

fn build<'a>(
    ts: Timestamp,
    src: IpAddr,
    dst: IpAddr,
    proto: u8,
    l4: L4,
    l4_hdr: usize,
    payload: &'a [u8],
) -> Packet<'a> {
    let (l3, ip_hdr) = l3(src, dst, proto, l4_hdr + payload.len());
    let mut p = Packet::empty();
    p.ts = ts;
    p.frame = frame(14 + ip_hdr + l4_hdr + payload.len());
    p.wire_len = p.frame.len() as u32;
    p.l3 = l3;
    p.l3_offset = 14;
    p.l4 = l4;
    p.payload = payload;
    p
}

/// A TCP segment (20-byte header, no options).
pub fn tcp<'a>(
    ts: Timestamp,
    src: SocketAddr,
    dst: SocketAddr,
    flags: u8,
    seq: u32,
    ack: u32,
    payload: &'a [u8],
) -> Packet<'a> {
    let info = TcpInfo {
        src_port: src.port(),
        dst_port: dst.port(),
        seq,
        ack,
        flags,
        window: 65_535,
        urgent: 0,
        header_len: 20,
        options: TcpOptions::default(),
    };
    build(ts, src.ip(), dst.ip(), 6, L4::Tcp(info), 20, payload)
}

/// A UDP datagram.
pub fn udp<'a>(ts: Timestamp, src: SocketAddr, dst: SocketAddr, payload: &'a [u8]) -> Packet<'a> {
    let l4 = L4::Udp {
        src_port: src.port(),
        dst_port: dst.port(),
    };
    build(ts, src.ip(), dst.ip(), 17, l4, 8, payload)
}

/// An ICMP (IPv4) or ICMPv6 (IPv6) message with an 8-byte header and no body.
pub fn icmp(
    ts: Timestamp,
    src: IpAddr,
    dst: IpAddr,
    icmp_type: u8,
    code: u8,
    id: u16,
) -> Packet<'static> {
    let v6 = src.is_ipv6();
    let l4 = L4::Icmp {
        v6,
        icmp_type,
        code,
        id,
        seq: 0,
    };
    build(ts, src, dst, if v6 { 58 } else { 1 }, l4, 8, &[])
}

/// Adds VLAN tags (outermost first; at most three are kept).
pub fn with_vlans<'a>(mut p: Packet<'a>, vlans: &[u16]) -> Packet<'a> {
    let n = vlans.len().min(3);
    p.vlan[..n].copy_from_slice(&vlans[..n]);
    p.vlan_count = n as u8;
    p
}

/// Wraps the packet in one more tunnel layer (outermost first), as the
/// decoder records them. The frame grows by the outer headers: Ethernet,
/// the outer IP header, and `extra` more bytes (UDP + VXLAN: 16).
pub fn with_tunnel<'a>(mut p: Packet<'a>, layer: TunnelLayer, extra: usize) -> Packet<'a> {
    let i = p.tunnel_count as usize;
    if let Some(slot) = p.tunnels.get_mut(i) {
        *slot = Some(layer);
        p.tunnel_count += 1;
        let outer_ip = if layer.src.is_ipv6() { 40 } else { 20 };
        p.frame = frame(p.frame.len() + outer_ip + extra);
        p.l3_offset += outer_ip + extra;
    }
    p
}
