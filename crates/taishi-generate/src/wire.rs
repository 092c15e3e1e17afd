//! Frames on the wire: Ethernet (optionally 802.1Q-tagged), IPv4/IPv6,
//! TCP/UDP/ICMP, with every checksum computed.
//!
//! Builders append one frame to a `Vec<u8>` and never clear it, so that the
//! demo can pack thousands of frames into one arena and the benchmark can
//! reuse one scratch buffer (cleared by the caller) without allocating.

/// EtherType of IPv4.
pub const ETH_IPV4: u16 = 0x0800;
/// EtherType of IPv6.
pub const ETH_IPV6: u16 = 0x86dd;
/// EtherType of an 802.1Q tag.
pub const ETH_VLAN: u16 = 0x8100;
/// IP protocol number of ICMP.
pub const PROTO_ICMP: u8 = 1;
/// IP protocol number of TCP.
pub const PROTO_TCP: u8 = 6;
/// IP protocol number of UDP.
pub const PROTO_UDP: u8 = 17;
/// IP protocol number of ICMPv6.
pub const PROTO_ICMPV6: u8 = 58;

/// TCP flag FIN.
pub const FIN: u8 = 0x01;
/// TCP flag SYN.
pub const SYN: u8 = 0x02;
/// TCP flag RST.
pub const RST: u8 = 0x04;
/// TCP flag PSH.
pub const PSH: u8 = 0x08;
/// TCP flag ACK.
pub const ACK: u8 = 0x10;

/// Source and destination of one packet, of one address family by
/// construction so a frame can never mix IPv4 and IPv6.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IpPair {
    /// IPv4 source and destination.
    V4([u8; 4], [u8; 4]),
    /// IPv6 source and destination.
    V6([u8; 16], [u8; 16]),
}

impl IpPair {
    /// The same pair seen from the other side.
    pub fn reversed(self) -> IpPair {
        match self {
            IpPair::V4(a, b) => IpPair::V4(b, a),
            IpPair::V6(a, b) => IpPair::V6(b, a),
        }
    }
}

/// Everything below the transport header of one frame, as seen at the sensor.
#[derive(Clone, Copy, Debug)]
pub struct L3 {
    /// Source MAC address.
    pub src_mac: [u8; 6],
    /// Destination MAC address.
    pub dst_mac: [u8; 6],
    /// 802.1Q VLAN id, when the frame is tagged.
    pub vlan: Option<u16>,
    /// Addresses.
    pub ips: IpPair,
    /// TTL / hop limit.
    pub ttl: u8,
    /// IPv4 identification (ignored for IPv6).
    pub ip_id: u16,
    /// IPv4 don't-fragment bit.
    pub df: bool,
}

/// Adds `data` to a ones'-complement accumulator.
///
/// Summing big-endian 32-bit words and folding at the end gives the same
/// result as summing 16-bit words (2^16 ≡ 1 mod 2^16-1), at half the loop
/// count. Every part but the last must have even length.
pub fn csum_add(data: &[u8], mut acc: u64) -> u64 {
    let mut chunks = data.chunks_exact(4);
    for c in &mut chunks {
        acc += u32::from_be_bytes([c[0], c[1], c[2], c[3]]) as u64;
    }
    let rem = chunks.remainder();
    let mut pad = [0u8; 4];
    pad[..rem.len()].copy_from_slice(rem);
    acc + u32::from_be_bytes(pad) as u64
}

/// Folds an accumulator into the final (complemented) 16-bit checksum.
pub fn csum_fold(mut acc: u64) -> u16 {
    while acc > 0xffff {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    !(acc as u16)
}

fn pseudo_sum(ips: IpPair, proto: u8, len: usize) -> u64 {
    let acc = match ips {
        IpPair::V4(s, d) => csum_add(&d, csum_add(&s, 0)),
        IpPair::V6(s, d) => csum_add(&d, csum_add(&s, 0)),
    };
    acc + proto as u64 + len as u64
}

/// Writes Ethernet (+ tag) and the IP header for a transport payload of
/// `l4_len` bytes; returns the offset where the transport header starts.
fn eth_ip(buf: &mut Vec<u8>, l3: &L3, proto: u8, l4_len: usize, frag: u16) -> usize {
    buf.extend_from_slice(&l3.dst_mac);
    buf.extend_from_slice(&l3.src_mac);
    if let Some(vid) = l3.vlan {
        buf.extend_from_slice(&ETH_VLAN.to_be_bytes());
        buf.extend_from_slice(&(vid & 0x0fff).to_be_bytes());
    }
    match l3.ips {
        IpPair::V4(s, d) => {
            buf.extend_from_slice(&ETH_IPV4.to_be_bytes());
            let mut h = [0u8; 20];
            h[0] = 0x45;
            h[2..4].copy_from_slice(&((20 + l4_len) as u16).to_be_bytes());
            h[4..6].copy_from_slice(&l3.ip_id.to_be_bytes());
            let flags = if l3.df { 0x4000 } else { 0 } | frag;
            h[6..8].copy_from_slice(&flags.to_be_bytes());
            h[8] = l3.ttl;
            h[9] = proto;
            h[12..16].copy_from_slice(&s);
            h[16..20].copy_from_slice(&d);
            let c = csum_fold(csum_add(&h, 0));
            h[10..12].copy_from_slice(&c.to_be_bytes());
            buf.extend_from_slice(&h);
        }
        IpPair::V6(s, d) => {
            buf.extend_from_slice(&ETH_IPV6.to_be_bytes());
            let mut h = [0u8; 40];
            h[0] = 0x60;
            // A stable per-flow label, as Linux derives it from the flow hash.
            let fl = (l3.ip_id as u32) & 0xfffff;
            h[1] = (fl >> 16) as u8;
            h[2..4].copy_from_slice(&(fl as u16).to_be_bytes());
            h[4..6].copy_from_slice(&(l4_len as u16).to_be_bytes());
            h[6] = proto;
            h[7] = l3.ttl;
            h[8..24].copy_from_slice(&s);
            h[24..40].copy_from_slice(&d);
            buf.extend_from_slice(&h);
        }
    }
    buf.len()
}

/// A TCP header's variable fields.
#[derive(Clone, Copy, Debug)]
pub struct TcpHdr<'a> {
    /// Source port.
    pub sport: u16,
    /// Destination port.
    pub dport: u16,
    /// Sequence number.
    pub seq: u32,
    /// Acknowledgement number (sent as zero when ACK is not set).
    pub ack: u32,
    /// Flags byte.
    pub flags: u8,
    /// Window field (unscaled).
    pub win: u16,
    /// Options, already padded to a multiple of four bytes.
    pub opts: &'a [u8],
}

/// Appends a TCP segment.
pub fn tcp(buf: &mut Vec<u8>, l3: &L3, h: &TcpHdr<'_>, payload: &[u8]) {
    let hl = 20 + h.opts.len();
    let l4_len = hl + payload.len();
    let start = eth_ip(buf, l3, PROTO_TCP, l4_len, 0);
    let mut th = [0u8; 20];
    th[0..2].copy_from_slice(&h.sport.to_be_bytes());
    th[2..4].copy_from_slice(&h.dport.to_be_bytes());
    th[4..8].copy_from_slice(&h.seq.to_be_bytes());
    let ack = if h.flags & ACK != 0 { h.ack } else { 0 };
    th[8..12].copy_from_slice(&ack.to_be_bytes());
    th[12] = ((hl / 4) as u8) << 4;
    th[13] = h.flags;
    th[14..16].copy_from_slice(&h.win.to_be_bytes());
    buf.extend_from_slice(&th);
    buf.extend_from_slice(h.opts);
    let mut acc = pseudo_sum(l3.ips, PROTO_TCP, l4_len);
    acc = csum_add(&buf[start..], acc);
    acc = csum_add(payload, acc);
    buf.extend_from_slice(payload);
    let c = csum_fold(acc);
    buf[start + 16..start + 18].copy_from_slice(&c.to_be_bytes());
}

/// Builds the UDP header and checksum for `payload` (the datagram, not yet
/// framed), for callers that fragment it.
pub fn udp_datagram(ips: IpPair, sport: u16, dport: u16, payload: &[u8], out: &mut Vec<u8>) {
    let len = 8 + payload.len();
    let mut h = [0u8; 8];
    h[0..2].copy_from_slice(&sport.to_be_bytes());
    h[2..4].copy_from_slice(&dport.to_be_bytes());
    h[4..6].copy_from_slice(&(len as u16).to_be_bytes());
    let acc = csum_add(payload, csum_add(&h, pseudo_sum(ips, PROTO_UDP, len)));
    let mut c = csum_fold(acc);
    if c == 0 {
        c = 0xffff;
    }
    h[6..8].copy_from_slice(&c.to_be_bytes());
    out.extend_from_slice(&h);
    out.extend_from_slice(payload);
}

/// Appends a UDP datagram.
pub fn udp(buf: &mut Vec<u8>, l3: &L3, sport: u16, dport: u16, payload: &[u8]) {
    let l4_len = 8 + payload.len();
    eth_ip(buf, l3, PROTO_UDP, l4_len, 0);
    udp_datagram(l3.ips, sport, dport, payload, buf);
}

/// Builds an ICMP (IPv4) or ICMPv6 message with its checksum: `body` starts
/// with type and code and has two zero bytes where the checksum goes.
pub fn icmp_message(ips: IpPair, body: &[u8], out: &mut Vec<u8>) {
    let start = out.len();
    out.extend_from_slice(body);
    if out.len() < start + 4 {
        out.resize(start + 4, 0);
    }
    out[start + 2] = 0;
    out[start + 3] = 0;
    let acc = match ips {
        IpPair::V4(..) => csum_add(&out[start..], 0),
        IpPair::V6(..) => csum_add(
            &out[start..],
            pseudo_sum(ips, PROTO_ICMPV6, out.len() - start),
        ),
    };
    let c = csum_fold(acc);
    out[start + 2..start + 4].copy_from_slice(&c.to_be_bytes());
}

/// Appends an ICMP / ICMPv6 frame (see [`icmp_message`] for `body`).
pub fn icmp(buf: &mut Vec<u8>, l3: &L3, body: &[u8]) {
    let proto = match l3.ips {
        IpPair::V4(..) => PROTO_ICMP,
        IpPair::V6(..) => PROTO_ICMPV6,
    };
    eth_ip(buf, l3, proto, body.len().max(4), 0);
    icmp_message(l3.ips, body, buf);
}

/// Appends one IPv4 fragment carrying `data`, which starts `offset` bytes
/// (a multiple of 8 unless last) into the original transport payload.
pub fn ipv4_fragment(
    buf: &mut Vec<u8>,
    l3: &L3,
    proto: u8,
    offset: usize,
    more: bool,
    data: &[u8],
) {
    let frag = ((offset / 8) as u16 & 0x1fff) | if more { 0x2000 } else { 0 };
    let l3 = L3 { df: false, ..*l3 };
    eth_ip(buf, &l3, proto, data.len(), frag);
    buf.extend_from_slice(data);
}

/// An ARP message for IPv4 over Ethernet.
#[derive(Clone, Copy, Debug)]
pub struct Arp {
    /// Reply (opcode 2) rather than request (opcode 1).
    pub reply: bool,
    /// Sender hardware address (also the frame's source MAC).
    pub sha: [u8; 6],
    /// Sender protocol address.
    pub spa: [u8; 4],
    /// Target hardware address (zero in a request).
    pub tha: [u8; 6],
    /// Target protocol address.
    pub tpa: [u8; 4],
}

/// Appends an ARP frame, padded to Ethernet's 60-byte minimum as a switch
/// port delivers it; requests go to broadcast.
pub fn arp(buf: &mut Vec<u8>, a: &Arp, vlan: Option<u16>) {
    let start = buf.len();
    let dst = if a.reply { a.tha } else { [0xff; 6] };
    buf.extend_from_slice(&dst);
    buf.extend_from_slice(&a.sha);
    if let Some(vid) = vlan {
        buf.extend_from_slice(&ETH_VLAN.to_be_bytes());
        buf.extend_from_slice(&(vid & 0x0fff).to_be_bytes());
    }
    buf.extend_from_slice(&0x0806u16.to_be_bytes());
    buf.extend_from_slice(&[0, 1, 0x08, 0x00, 6, 4, 0, if a.reply { 2 } else { 1 }]);
    buf.extend_from_slice(&a.sha);
    buf.extend_from_slice(&a.spa);
    buf.extend_from_slice(&a.tha);
    buf.extend_from_slice(&a.tpa);
    let min = start + if vlan.is_some() { 64 } else { 60 };
    if buf.len() < min {
        buf.resize(min, 0);
    }
}

/// SYN options as Linux sends them: MSS, SACK permitted, timestamps, NOP,
/// window scale. Returns the options and their length.
pub fn syn_opts_linux(mss: u16, tsval: u32, tsecr: u32, wscale: u8) -> [u8; 20] {
    let mut o = [0u8; 20];
    o[0] = 2;
    o[1] = 4;
    o[2..4].copy_from_slice(&mss.to_be_bytes());
    o[4] = 4;
    o[5] = 2;
    o[6] = 8;
    o[7] = 10;
    o[8..12].copy_from_slice(&tsval.to_be_bytes());
    o[12..16].copy_from_slice(&tsecr.to_be_bytes());
    o[16] = 1;
    o[17] = 3;
    o[18] = 3;
    o[19] = wscale;
    o
}

/// SYN options as Windows sends them: MSS, NOP, window scale, NOP, NOP,
/// SACK permitted (no timestamps).
pub fn syn_opts_windows(mss: u16, wscale: u8) -> [u8; 12] {
    let mut o = [0u8; 12];
    o[0] = 2;
    o[1] = 4;
    o[2..4].copy_from_slice(&mss.to_be_bytes());
    o[4] = 1;
    o[5] = 3;
    o[6] = 3;
    o[7] = wscale;
    o[8] = 1;
    o[9] = 1;
    o[10] = 4;
    o[11] = 2;
    o
}

/// NOP, NOP, timestamps: the options on every segment after the handshake
/// when both sides agreed to timestamps.
pub fn ts_opts(tsval: u32, tsecr: u32) -> [u8; 12] {
    let mut o = [0u8; 12];
    o[0] = 1;
    o[1] = 1;
    o[2] = 8;
    o[3] = 10;
    o[4..8].copy_from_slice(&tsval.to_be_bytes());
    o[8..12].copy_from_slice(&tsecr.to_be_bytes());
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_matches_rfc1071_example() {
        // RFC 1071 §3 example words: 0001 f203 f4f5 f6f7 -> sum ddf2, checksum 220d.
        let data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        assert_eq!(csum_fold(csum_add(&data, 0)), 0x220d);
        // Odd length pads with a zero byte.
        assert_eq!(
            csum_fold(csum_add(&[0x01], 0)),
            csum_fold(csum_add(&[0x01, 0x00], 0))
        );
    }

    #[test]
    fn ipv4_header_checksum_verifies_to_zero() {
        let l3 = L3 {
            src_mac: [0; 6],
            dst_mac: [1; 6],
            vlan: Some(20),
            ips: IpPair::V4([10, 0, 0, 1], [10, 0, 0, 2]),
            ttl: 64,
            ip_id: 0x1234,
            df: true,
        };
        let mut buf = Vec::new();
        tcp(
            &mut buf,
            &l3,
            &TcpHdr {
                sport: 1,
                dport: 2,
                seq: 3,
                ack: 4,
                flags: ACK | PSH,
                win: 5,
                opts: &[],
            },
            b"hello",
        );
        // 14 Ethernet + 4 tag, then 20 IP.
        assert_eq!(&buf[12..14], &[0x81, 0x00]);
        assert_eq!(csum_fold(csum_add(&buf[18..38], 0)), 0);
        // TCP checksum over pseudo header + segment verifies to zero.
        let seg = &buf[38..];
        let acc = csum_add(seg, pseudo_sum(l3.ips, PROTO_TCP, seg.len()));
        assert_eq!(csum_fold(acc), 0);
    }
}
