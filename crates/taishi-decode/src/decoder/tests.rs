//! Table tests: annotated bytes per header, valid, every truncation, malformed.

// Table rows are tuples so that each case reads as one line of the table.
#![allow(clippy::type_complexity)]

use std::net::IpAddr;

use taishi_core::config::ChecksumMode;
use taishi_core::{Config, LinkType, Timestamp};

use crate::packet::{L3, L4, Packet, TunnelKind};
use crate::{Decoder, StatsSourceExt};

/// Ethernet / IPv4 / TCP SYN with options and 4 bytes of payload, then 2
/// bytes of Ethernet padding that the IP total length must cut off.
#[rustfmt::skip]
const ETH_IPV4_TCP: &[u8] = &[
    // Ethernet: dst, src, type IPv4
    0x00, 0x11, 0x22, 0x33, 0x44, 0x55,  0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,  0x08, 0x00,
    // IPv4: version 4 / IHL 5, TOS, total length 64
    0x45, 0x00, 0x00, 0x40,
    // id 0x1234, flags DF, offset 0
    0x12, 0x34, 0x40, 0x00,
    // TTL 64, proto TCP, header checksum
    0x40, 0x06, 0x00, 0x00,
    // src 10.0.0.1, dst 10.0.0.2
    10, 0, 0, 1,  10, 0, 0, 2,
    // TCP: sport 40000, dport 80
    0x9c, 0x40, 0x00, 0x50,
    // seq 1, ack 0
    0x00, 0x00, 0x00, 0x01,  0x00, 0x00, 0x00, 0x00,
    // data offset 10 (40 bytes), flags SYN, window 65535
    0xa0, 0x02, 0xff, 0xff,
    // checksum, urgent
    0x00, 0x00, 0x00, 0x00,
    // MSS 1460
    0x02, 0x04, 0x05, 0xb4,
    // SACK permitted, timestamps 1 / 0
    0x04, 0x02, 0x08, 0x0a, 0, 0, 0, 1, 0, 0, 0, 0,
    // NOP, window scale 7
    0x01, 0x03, 0x03, 0x07,
    // payload
    b'G', b'E', b'T', b' ',
    // Ethernet padding
    0x00, 0x00,
];

/// Fills in the IPv4 header checksum of a frame whose IP header starts at `at`.
fn fix_ipv4_checksum(frame: &mut [u8], at: usize) {
    let hl = usize::from(frame[at] & 0x0f) * 4;
    frame[at + 10] = 0;
    frame[at + 11] = 0;
    let sum = crate::checksum::ipv4_header(&frame[at..at + hl]);
    frame[at + 10..at + 12].copy_from_slice(&sum.to_be_bytes());
}

fn eth_ipv4_tcp() -> Vec<u8> {
    let mut f = ETH_IPV4_TCP.to_vec();
    fix_ipv4_checksum(&mut f, 14);
    f
}

/// What one decode produced, owned so the table can compare it.
#[derive(Debug, Default)]
struct Got {
    addrs: Option<(IpAddr, IpAddr)>,
    l4: Option<L4>,
    ports: (u16, u16),
    events: Vec<&'static str>,
    tunnels: Vec<(TunnelKind, Option<u32>)>,
    vlans: Vec<u16>,
    payload: Vec<u8>,
    fragment: bool,
    invalid: bool,
}

fn run(config: &Config, lt: LinkType, frame: &[u8]) -> Got {
    let mut d = Decoder::new(config);
    let mut pkt = Packet::empty();
    d.decode(Timestamp(1), lt, frame, frame.len() as u32, &mut pkt);
    Got {
        addrs: pkt.addrs(),
        l4: (pkt.l4 != L4::None).then_some(pkt.l4),
        ports: pkt.ports(),
        events: pkt.decode_events().iter().map(|e| e.0).collect(),
        tunnels: pkt.tunnel_layers().map(|t| (t.kind, t.id)).collect(),
        vlans: pkt.vlans().to_vec(),
        payload: pkt.payload.to_vec(),
        fragment: pkt.is_fragment,
        invalid: pkt.invalid,
    }
}

fn decode(lt: LinkType, frame: &[u8]) -> Got {
    run(&Config::default(), lt, frame)
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

// ---- builders for the encapsulation tables (each field annotated) ----

fn ether(ethertype: u16, body: &[u8]) -> Vec<u8> {
    let mut f = vec![
        0x02, 0, 0, 0, 0, 1, // dst MAC
        0x02, 0, 0, 0, 0, 2, // src MAC
    ];
    f.extend_from_slice(&ethertype.to_be_bytes()); // ethertype
    f.extend_from_slice(body);
    f
}

fn ipv4(proto: u8, src: [u8; 4], dst: [u8; 4], body: &[u8]) -> Vec<u8> {
    let total = (20 + body.len()) as u16;
    let mut h = vec![0x45, 0x00]; // version/IHL, TOS
    h.extend_from_slice(&total.to_be_bytes()); // total length
    h.extend_from_slice(&[0x00, 0x01, 0x00, 0x00]); // id 1, no fragmentation
    h.extend_from_slice(&[64, proto, 0, 0]); // TTL, protocol, checksum
    h.extend_from_slice(&src);
    h.extend_from_slice(&dst);
    fix_ipv4_checksum(&mut h, 0);
    h.extend_from_slice(body);
    h
}

fn ipv6(next: u8, body: &[u8]) -> Vec<u8> {
    let mut h = vec![0x60, 0, 0, 0]; // version 6, class, flow label
    h.extend_from_slice(&(body.len() as u16).to_be_bytes()); // payload length
    h.extend_from_slice(&[next, 64]); // next header, hop limit
    h.extend_from_slice(&[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]); // src 2001:db8::1
    h.extend_from_slice(&[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]); // dst 2001:db8::2
    h.extend_from_slice(body);
    h
}

fn udp(sport: u16, dport: u16, body: &[u8]) -> Vec<u8> {
    let mut h = Vec::new();
    h.extend_from_slice(&sport.to_be_bytes()); // source port
    h.extend_from_slice(&dport.to_be_bytes()); // destination port
    h.extend_from_slice(&((8 + body.len()) as u16).to_be_bytes()); // length
    h.extend_from_slice(&[0, 0]); // checksum (none)
    h.extend_from_slice(body);
    h
}

fn inner_udp() -> Vec<u8> {
    ipv4(17, [192, 168, 1, 1], [192, 168, 1, 2], &udp(1111, 53, b"q"))
}

const A: [u8; 4] = [10, 0, 0, 1];
const B: [u8; 4] = [10, 0, 0, 2];

#[test]
fn ethernet_ipv4_tcp_valid() {
    let f = eth_ipv4_tcp();
    let g = decode(LinkType::ETHERNET, &f);
    assert_eq!(g.addrs, Some((ip("10.0.0.1"), ip("10.0.0.2"))));
    let Some(L4::Tcp(t)) = g.l4 else {
        panic!("no tcp: {g:?}")
    };
    assert_eq!(
        (t.src_port, t.dst_port, t.seq, t.flags),
        (40000, 80, 1, 0x02)
    );
    assert_eq!(t.header_len, 40);
    assert_eq!(t.options.mss, Some(1460));
    assert_eq!(t.options.wscale, Some(7));
    assert!(t.options.sack_permitted);
    assert_eq!(t.options.timestamp, Some((1, 0)));
    // The padding is not payload.
    assert_eq!(g.payload, b"GET ");
    assert!(g.events.is_empty(), "{:?}", g.events);
    assert!(!g.invalid);
}

#[test]
fn ethernet_ipv4_tcp_every_truncation() {
    let f = eth_ipv4_tcp();
    // (captured bytes up to, expected first event, transport decoded)
    let regions: &[(usize, &str, bool)] = &[
        (14, "ethernet.pkt_too_small", false), // inside the Ethernet header
        (34, "ipv4.pkt_too_small", false),     // inside the IPv4 header
        (54, "ipv4.trunc_pkt", false),         // inside the TCP fixed header
        (74, "ipv4.trunc_pkt", false),         // inside the TCP options
        (78, "ipv4.trunc_pkt", true),          // inside the payload
    ];
    for len in 0..f.len() {
        let g = decode(LinkType::ETHERNET, &f[..len]);
        if len >= 78 {
            // Only padding is missing: a whole packet.
            assert!(g.events.is_empty(), "len {len}: {:?}", g.events);
            continue;
        }
        let &(_, ev, l4) = regions.iter().find(|r| len < r.0).unwrap();
        assert_eq!(g.events.first().copied(), Some(ev), "len {len}");
        assert!(g.invalid, "len {len}");
        assert_eq!(g.l4.is_some(), l4, "len {len}: {g:?}");
        if (54..74).contains(&len) {
            assert!(g.events.contains(&"tcp.invalid_optlen"), "len {len}");
        }
        if (34..54).contains(&len) {
            assert!(g.events.contains(&"tcp.pkt_too_small"), "len {len}");
        }
    }
}

#[test]
fn snapped_capture_is_not_an_anomaly() {
    let f = eth_ipv4_tcp();
    let mut d = Decoder::new(&Config::default());
    let mut pkt = Packet::empty();
    d.decode(Timestamp(1), LinkType::ETHERNET, &f[..74], 200, &mut pkt);
    assert!(matches!(pkt.l4, L4::Tcp(_)));
    assert!(pkt.decode_events().is_empty());
    assert_eq!(d.counter("decoder.snapped"), 1);
}

#[test]
fn malformed_headers() {
    // (name, byte index in ETH_IPV4_TCP, new value, expected event, l3 kept)
    let cases: &[(&str, usize, u8, &str, bool)] = &[
        ("ip version 5", 14, 0x55, "ipv4.wrong_ip_version", false),
        (
            "ip header length 16",
            14,
            0x44,
            "ipv4.hlen_too_small",
            false,
        ),
        (
            "total length 16 < header",
            17,
            16,
            "ipv4.iplen_smaller_than_hlen",
            false,
        ),
        ("tcp data offset 4", 46, 0x40, "tcp.hlen_too_small", true),
        (
            "tcp data offset 60 > segment",
            46,
            0xf0,
            "tcp.invalid_optlen",
            true,
        ),
        ("tcp option length 0", 55, 0x00, "tcp.opt_invalid_len", true),
        (
            "tcp option length past header",
            55,
            0x20,
            "tcp.opt_invalid_len",
            true,
        ),
        ("tcp mss length 3", 55, 0x03, "tcp.opt_invalid_len", true),
    ];
    for &(name, at, value, ev, l3) in cases {
        let mut f = eth_ipv4_tcp();
        f[at] = value;
        if at < 34 {
            fix_ipv4_checksum(&mut f, 14);
        }
        let g = decode(LinkType::ETHERNET, &f);
        assert!(g.events.contains(&ev), "{name}: {:?}", g.events);
        assert_eq!(g.addrs.is_some(), l3, "{name}");
    }
}

/// Regression (suricata-verify tcp-empty-sack): a SACK option with no
/// blocks is legal and raises no event, while a real SACK option with a
/// length that is not 2 + 8n is an invalid length.
#[test]
fn tcp_empty_sack_is_not_an_invalid_option() {
    let mut f = eth_ipv4_tcp();
    // SACK permitted (04 02) becomes an empty SACK (05 02).
    f[58] = 0x05;
    let g = decode(LinkType::ETHERNET, &f);
    assert!(g.events.is_empty(), "{:?}", g.events);
    let Some(L4::Tcp(t)) = g.l4 else {
        panic!("no tcp: {g:?}")
    };
    assert!(!t.options.sack);

    // Kind SACK, length 12: inside the header but not 2 + 8n.
    let mut f = eth_ipv4_tcp();
    f[58] = 0x05;
    f[59] = 0x0c;
    let g = decode(LinkType::ETHERNET, &f);
    assert!(g.events.contains(&"tcp.opt_invalid_len"), "{:?}", g.events);
}

/// Regression (suricata-verify security-4710): MD5 signature and TCP-AO
/// options are noted, so the stream stage can doubt a RST carrying one;
/// a wrong length is an invalid option, as in Suricata.
#[test]
fn tcp_md5_and_ao_options_mark_the_segment_signed() {
    let tcp = |f: &[u8]| {
        let g = decode(LinkType::ETHERNET, f);
        let Some(L4::Tcp(t)) = g.l4 else {
            panic!("no tcp: {g:?}")
        };
        (t.options, g.events)
    };
    let (o, ev) = tcp(&eth_ipv4_tcp());
    assert!(!o.signed && ev.is_empty());

    // MD5 (19, length 18: 16 digest bytes) over MSS, SACK-permitted and
    // timestamps, then two NOPs before the window scale's place.
    let mut f = eth_ipv4_tcp();
    f[54] = 19;
    f[55] = 18;
    f[56..72].fill(0xab);
    f[72] = 1;
    f[73] = 1;
    let (o, ev) = tcp(&f);
    assert!(o.signed && o.mss.is_none(), "{o:?}");
    assert!(ev.is_empty(), "{ev:?}");

    // TCP-AO (29, length 12: key ids and an 8-byte MAC) where SACK
    // permitted and the timestamps were.
    let mut f = eth_ipv4_tcp();
    f[58] = 29;
    f[59] = 12;
    let (o, ev) = tcp(&f);
    assert!(
        o.signed && o.mss == Some(1460) && o.wscale == Some(7),
        "{o:?}"
    );
    assert!(ev.is_empty(), "{ev:?}");

    // MD5 with length 12 is no MD5 option.
    let mut f = eth_ipv4_tcp();
    f[58] = 19;
    f[59] = 12;
    let (o, ev) = tcp(&f);
    assert!(!o.signed);
    assert!(ev.contains(&"tcp.opt_invalid_len"), "{ev:?}");
}

#[test]
fn ipv4_bad_header_checksum_is_flagged_not_enforced() {
    let mut f = eth_ipv4_tcp();
    f[24] ^= 0xff;
    let mut d = Decoder::new(&Config::default());
    let mut pkt = Packet::empty();
    d.decode(
        Timestamp(1),
        LinkType::ETHERNET,
        &f,
        f.len() as u32,
        &mut pkt,
    );
    let L3::Ipv4(h) = pkt.l3 else { panic!() };
    assert!(h.bad_checksum);
    assert!(matches!(pkt.l4, L4::Tcp(_)));
    assert_eq!(d.counter("decoder.ipv4.bad_checksum"), 1);
}

#[test]
fn l4_checksums_only_with_checksum_checks_yes() {
    let f = eth_ipv4_tcp(); // TCP checksum field is 0: wrong
    let yes = Config {
        checksum_checks: ChecksumMode::Yes,
        ..Config::default()
    };
    let mut d = Decoder::new(&yes);
    let mut pkt = Packet::empty();
    d.decode(Timestamp(1), LinkType::ETHERNET, &f, 80, &mut pkt);
    assert!(pkt.bad_l4_checksum);
    let mut d = Decoder::new(&Config::default());
    d.decode(Timestamp(1), LinkType::ETHERNET, &f, 80, &mut pkt);
    assert!(!pkt.bad_l4_checksum);
    // A correct checksum passes.
    let mut good = f.clone();
    let seg = &good[34..78];
    let pseudo = crate::checksum::pseudo_v4([10, 0, 0, 1].into(), [10, 0, 0, 2].into(), 6, 44);
    let sum = crate::checksum::finish(crate::checksum::sum(seg, pseudo));
    good[50..52].copy_from_slice(&sum.to_be_bytes());
    let mut d = Decoder::new(&yes);
    d.decode(Timestamp(1), LinkType::ETHERNET, &good, 80, &mut pkt);
    assert!(!pkt.bad_l4_checksum);
}

#[test]
fn transport_checksums_are_computed_on_demand_whatever_the_policy() {
    let f = eth_ipv4_tcp(); // TCP checksum field is 0: wrong
    let mut pkt = Packet::empty();
    let mut d = Decoder::new(&Config::default());
    d.decode(Timestamp(1), LinkType::ETHERNET, &f, 80, &mut pkt);
    assert_eq!(pkt.l4_checksum_ok(), Some(false));
    assert_eq!(pkt.ipv4_checksum_ok(), Some(true));
    assert!(!pkt.ignore_checksum);
    let mut good = f.clone();
    let pseudo = crate::checksum::pseudo_v4([10, 0, 0, 1].into(), [10, 0, 0, 2].into(), 6, 44);
    let sum = crate::checksum::finish(crate::checksum::sum(&good[34..78], pseudo));
    good[50..52].copy_from_slice(&sum.to_be_bytes());
    d.decode(Timestamp(1), LinkType::ETHERNET, &good, 80, &mut pkt);
    assert_eq!(pkt.l4_checksum_ok(), Some(true));
    // Cut short by the capture: nothing to verify.
    d.decode(Timestamp(1), LinkType::ETHERNET, &good[..70], 80, &mut pkt);
    assert_eq!(pkt.l4_checksum_ok(), None);
    // A UDP datagram over IPv4 sent without checksum.
    let f = ether(
        0x0800,
        &ipv4(17, [10, 0, 0, 1], [10, 0, 0, 2], &udp(5, 6, b"x")),
    );
    d.decode(Timestamp(1), LinkType::ETHERNET, &f, 80, &mut pkt);
    assert_eq!(pkt.l4_checksum_ok(), None);
    // `checksum-checks: none` marks every packet's checksums untrusted.
    let none = Config {
        checksum_checks: ChecksumMode::None,
        ..Config::default()
    };
    let mut d = Decoder::new(&none);
    d.decode(Timestamp(1), LinkType::ETHERNET, &f, 80, &mut pkt);
    assert!(pkt.ignore_checksum);
}

#[test]
fn an_ip_protocol_no_decoder_knows_is_an_ipv4_event_only() {
    let f = ether(0x0800, &ipv4(253, [10, 0, 0, 1], [10, 0, 0, 2], b"data"));
    let got = decode(LinkType::ETHERNET, &f);
    assert_eq!(got.events, ["ipv4.unknown_protocol"]);
    assert!(!got.invalid, "the packet still makes a flow");
    assert_eq!(got.l4, Some(L4::Other(253)));
    // ESP and protocol 0 are known; so is everything in IPv6.
    for proto in [50, 0] {
        let f = ether(0x0800, &ipv4(proto, [10, 0, 0, 1], [10, 0, 0, 2], b"data"));
        assert!(decode(LinkType::ETHERNET, &f).events.is_empty(), "{proto}");
    }
    let f = ether(0x86dd, &ipv6(253, b"data"));
    assert!(decode(LinkType::ETHERNET, &f).events.is_empty());
}

#[test]
fn link_layers() {
    let inner = inner_udp();
    let v6 = ipv6(17, &udp(5, 6, b"x"));
    let mut sll = vec![
        0x00, 0x00, // packet type: to us
        0x00, 0x01, // ARPHRD_ETHER
        0x00, 0x06, // address length
        2, 0, 0, 0, 0, 9, 0, 0, // address, padded to 8
        0x08, 0x00, // protocol IPv4
    ];
    sll.extend_from_slice(&inner);
    let mut sll2 = vec![
        0x08, 0x00, // protocol IPv4
        0x00, 0x00, // reserved
        0, 0, 0, 2, // interface index
        0x00, 0x01, // ARPHRD_ETHER
        0x00, // packet type
        0x06, // address length
        2, 0, 0, 0, 0, 9, 0, 0, // address
    ];
    sll2.extend_from_slice(&inner);
    let mut null_le = vec![2, 0, 0, 0]; // AF_INET, little-endian host
    null_le.extend_from_slice(&inner);
    let mut null_v6 = vec![0, 0, 0, 30]; // AF_INET6 (macOS), big-endian host
    null_v6.extend_from_slice(&v6);
    let mut lo = vec![0, 0, 0, 2]; // LOOP: AF_INET in network order
    lo.extend_from_slice(&inner);
    let mut nflog = vec![
        2, 0, 0, 1, // family AF_INET, version 0, resource id 1
        8, 0, 1, 0, // TLV: length 8 (LE), type 1 (packet header)
        0, 0, 0, 0, //   value
    ];
    nflog.extend_from_slice(&((4 + inner.len()) as u16).to_le_bytes()); // TLV length
    nflog.extend_from_slice(&9u16.to_le_bytes()); // TLV type 9: payload
    nflog.extend_from_slice(&inner);
    let mut snap = vec![2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2]; // MACs
    snap.extend_from_slice(&((8 + inner.len()) as u16).to_be_bytes()); // 802.3 length
    snap.extend_from_slice(&[0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00]); // LLC/SNAP, OUI 0, IPv4
    snap.extend_from_slice(&inner);
    let mut chdlc = vec![
        0x0f, 0x00, // address (unicast), control
        0x08, 0x00, // protocol: IPv4 ethertype
    ];
    chdlc.extend_from_slice(&inner);
    let mut ppp = vec![0x21]; // LINKTYPE_PPP, compressed protocol: IPv4
    ppp.extend_from_slice(&inner);
    let mut ppp_hdlc = vec![0xff, 0x03, 0x00, 0x57]; // address, control, IPv6
    ppp_hdlc.extend_from_slice(&v6);
    let cases: Vec<(&str, LinkType, Vec<u8>, Option<(u16, u16)>)> = vec![
        ("chdlc", LinkType::C_HDLC, chdlc, Some((1111, 53))),
        ("ppp", LinkType::PPP, ppp, Some((1111, 53))),
        ("ppp hdlc-framed v6", LinkType::PPP, ppp_hdlc, Some((5, 6))),
        ("sll", LinkType::LINUX_SLL, sll, Some((1111, 53))),
        ("sll2", LinkType::LINUX_SLL2, sll2, Some((1111, 53))),
        ("null le", LinkType::NULL, null_le, Some((1111, 53))),
        ("null v6", LinkType::NULL, null_v6, Some((5, 6))),
        ("loop", LinkType::LOOP, lo, Some((1111, 53))),
        ("raw v4", LinkType::RAW, inner.clone(), Some((1111, 53))),
        ("raw 12 v6", LinkType::RAW_12, v6.clone(), Some((5, 6))),
        ("ipv4", LinkType::IPV4, inner.clone(), Some((1111, 53))),
        ("ipv6", LinkType::IPV6, v6.clone(), Some((5, 6))),
        ("nflog", LinkType::NFLOG, nflog, Some((1111, 53))),
        ("802.3 snap", LinkType::ETHERNET, snap, Some((1111, 53))),
        ("unknown linktype", LinkType(147), inner.clone(), None),
    ];
    for (name, lt, frame, ports) in cases {
        let g = decode(lt, &frame);
        assert_eq!(g.l4.map(|_| g.ports), ports, "{name}: {g:?}");
        assert!(g.events.is_empty(), "{name}: {:?}", g.events);
        for len in 0..frame.len() {
            let _ = decode(lt, &frame[..len]);
        }
    }
}

#[test]
fn vlan_mpls_pppoe() {
    let inner = inner_udp();
    let mut qinq = vec![
        0x00, 0x64, 0x81, 0x00, // 802.1ad tag: VID 100, next 802.1Q
        0x20, 0xc8, 0x81, 0x00, // 802.1Q tag: PCP 1, VID 200, next 802.1Q
        0x01, 0x2c, 0x08, 0x00, // 802.1Q tag: VID 300, next IPv4
    ];
    qinq.extend_from_slice(&inner);
    let mut four = vec![0x00, 0x01, 0x81, 0x00]; // one tag too many
    four.extend_from_slice(&qinq);
    let mut mpls = vec![
        0x00, 0x01, 0x00, 0x40, // label 16, not bottom
        0x00, 0x02, 0x11, 0x40, // label 33, bottom of stack
    ];
    mpls.extend_from_slice(&inner);
    let mut mpls_pw = vec![
        0x00, 0x01, 0x01, 0x40, // label 16, bottom
        0x00, 0x00, 0x00, 0x00, // pseudowire control word
    ];
    mpls_pw.extend_from_slice(&ether(0x0800, &inner));
    let mut pppoe = vec![
        0x11, 0x00, // version/type, code: session data
        0x00, 0x07, // session id
    ];
    pppoe.extend_from_slice(&((2 + inner.len()) as u16).to_be_bytes()); // length
    pppoe.extend_from_slice(&[0x00, 0x21]); // PPP: IPv4
    pppoe.extend_from_slice(&inner);
    let mut lcp = vec![0x11, 0x00, 0x00, 0x07, 0x00, 0x06]; // PPPoE session header
    lcp.extend_from_slice(&[0xc0, 0x21, 1, 1, 0, 4]); // PPP LCP configure-request
    let cases: Vec<(&str, u16, Vec<u8>, Vec<u16>, bool, Vec<&str>)> = vec![
        ("qinqinq", 0x88a8, qinq, vec![100, 200, 300], true, vec![]),
        (
            "4 tags",
            0x8100,
            four,
            vec![1, 100, 200],
            false,
            vec!["vlan.too_many_layers"],
        ),
        ("mpls", 0x8847, mpls, vec![], true, vec![]),
        ("mpls pw", 0x8847, mpls_pw, vec![], true, vec![]),
        ("pppoe", 0x8864, pppoe, vec![], true, vec![]),
        (
            "pppoe lcp",
            0x8864,
            lcp,
            vec![],
            false,
            vec!["ppp.unsup_proto"],
        ),
        ("arp", 0x0806, vec![0; 28], vec![], false, vec![]),
        (
            "pppoe discovery",
            0x8863,
            vec![0x11, 0x09, 0, 0, 0, 0],
            vec![],
            false,
            vec![],
        ),
        (
            "unknown",
            0x88b5,
            vec![0; 10],
            vec![],
            false,
            vec!["ethernet.unknown_ethertype"],
        ),
        (
            "vlan 2 bytes",
            0x8100,
            vec![0, 1],
            vec![],
            false,
            vec!["vlan.header_too_small"],
        ),
        (
            "mpls 3 bytes",
            0x8847,
            vec![0, 1, 1],
            vec![],
            false,
            vec!["mpls.header_too_small"],
        ),
    ];
    for (name, et, body, vlans, udp_expected, events) in cases {
        let f = ether(et, &body);
        let g = decode(LinkType::ETHERNET, &f);
        assert_eq!(g.vlans, vlans, "{name}");
        assert_eq!(
            matches!(g.l4, Some(L4::Udp { .. })),
            udp_expected,
            "{name}: {g:?}"
        );
        assert_eq!(g.events, events, "{name}");
        for len in 0..f.len() {
            let _ = decode(LinkType::ETHERNET, &f[..len]);
        }
    }
}

#[test]
fn ipv4_options() {
    // (options bytes, expected events, transport decoded)
    let cases: &[(&[u8], &[&str], bool)] = &[
        (&[0x01, 0x01, 0x01, 0x00], &["ipv4.opt_pad_required"], true), // NOPs, EOL
        (&[0x94, 0x04, 0x00, 0x00, 0, 0, 0, 0], &[], true),            // router alert
        (
            &[0x94, 0x04, 0, 0, 0x94, 0x04, 0, 0],
            &["ipv4.opt_duplicate"],
            true,
        ),
        (&[0x44, 0x06, 0x05, 0x00, 0, 0, 0, 0], &[], true), // ts len 6, one 4-byte slot
        (
            &[0x44, 0x06, 0x04, 0x00, 0, 0, 0, 0],
            &["ipv4.opt_malformed"],
            true,
        ), // ts pointer 4: flagged, decoding goes on
        (
            &[0x82, 0x02, 0xf1, 0x35, 0, 0, 0, 0, 0, 0, 0, 0],
            &[
                "ipv4.opt_pad_required",
                "ipv4.opt_invalid_len",
                "ipv4.opt_invalid_len",
            ],
            false,
        ), // security option too short, then one running past the header
        (
            &[0x07, 0x0f, 0x04, 0, 0, 0, 0, 0],
            &["ipv4.opt_invalid_len"],
            false,
        ), // rr past end
        (
            &[0x07, 0x01, 0x04, 0, 0, 0, 0, 0],
            &["ipv4.opt_invalid_len"],
            false,
        ), // len 1
        (
            &[0x01, 0x01, 0x01, 0x07],
            &["ipv4.opt_pad_required", "ipv4.opt_eol_required"],
            true,
        ),
        (
            &[0xfe, 0x04, 0x00, 0x00, 0, 0, 0, 0],
            &["ipv4.opt_invalid"],
            true,
        ), // an option Suricata does not know
        (&[0x07, 0x07, 0x08, 1, 2, 3, 4, 0], &[], true), // record route, full: the pointer is one past the end
        (
            &[0x86, 0x0a, 0, 0, 0, 1, 0x01, 0x04, 0x00, 0x00, 0, 0],
            &["ipv4.opt_pad_required"],
            true,
        ), // CIPSO with one 4-byte tag
        (
            &[0x86, 0x0a, 0, 0, 0, 1, 0x01, 0x04, 0x09, 0x00, 0, 0],
            &["ipv4.opt_pad_required", "ipv4.opt_malformed"],
            true,
        ), // CIPSO tag with a non-zero alignment octet
    ];
    for &(opts, events, l4) in cases {
        let body = udp(1, 2, b"");
        let hl = 20 + opts.len();
        let mut h = vec![0x40 | (hl / 4) as u8, 0]; // version, IHL
        h.extend_from_slice(&((hl + body.len()) as u16).to_be_bytes()); // total length
        h.extend_from_slice(&[0, 1, 0, 0, 64, 17, 0, 0]); // id, frag, TTL, UDP, checksum
        h.extend_from_slice(&A);
        h.extend_from_slice(&B);
        h.extend_from_slice(opts);
        fix_ipv4_checksum(&mut h, 0);
        h.extend_from_slice(&body);
        let g = decode(LinkType::RAW, &h);
        assert_eq!(g.events, events, "{opts:02x?}");
        assert_eq!(g.l4.is_some(), l4, "{opts:02x?}");
    }
}

#[test]
fn ipv6_extension_headers() {
    let u = udp(7, 8, b"hi");
    let hbh = |next: u8, opts: &[u8]| {
        let mut h = vec![next, 0]; // next header, length 0 (8 bytes)
        h.extend_from_slice(opts); // 6 bytes of options
        h
    };
    let with = |hdrs: Vec<u8>, next: u8| {
        let mut b = hdrs;
        b.extend_from_slice(&u);
        ipv6(next, &b)
    };
    // (name, packet, expected events, udp decoded, fragment)
    let cases: Vec<(&str, Vec<u8>, Vec<&str>, bool, bool)> = vec![
        (
            "hbh padn",
            with(hbh(17, &[1, 4, 0, 0, 0, 0]), 0),
            vec!["ipv6.hopopts_only_padding"],
            true,
            false,
        ),
        (
            "zero len padn",
            with(hbh(17, &[1, 0, 1, 2, 0, 0]), 0),
            vec!["ipv6.zero_len_padn", "ipv6.hopopts_only_padding"],
            true,
            false,
        ),
        (
            "option overruns",
            with(hbh(17, &[1, 9, 0, 0, 0, 0]), 0),
            vec!["ipv6.exthdr_invalid_optlen"],
            true,
            false,
        ),
        (
            "dst opts",
            with(hbh(17, &[1, 4, 0, 0, 0, 0]), 60),
            vec!["ipv6.dstopts_only_padding"],
            true,
            false,
        ),
        (
            "unknown dst option (a covert channel)",
            with(hbh(17, &[0x1e, 4, b'l', b'e', b'a', b'k']), 60),
            vec!["ipv6.dstopts_unknown_opt"],
            true,
            false,
        ),
        (
            "router alert and unknown hbh option",
            with(hbh(17, &[5, 2, 0, 0, 0x3e, 0]), 0),
            vec!["ipv6.hopopts_unknown_opt"],
            true,
            false,
        ),
        (
            "router alert too short for its value",
            with(hbh(17, &[5, 1, 0, 1, 0, 0]), 0),
            vec!["ipv6.exthdr_invalid_optlen"],
            true,
            false,
        ),
        (
            "routing type 0",
            with(vec![17, 0, 0, 0, 0, 0, 0, 0], 43),
            vec!["ipv6.rh_type_0"],
            true,
            false,
        ),
        (
            "routing type 2",
            with(vec![17, 0, 2, 0, 0, 0, 0, 0], 43),
            vec![],
            true,
            false,
        ),
        (
            "two hbh",
            with(
                [hbh(0, &[1, 4, 0, 0, 0, 0]), hbh(17, &[1, 4, 0, 0, 0, 0])].concat(),
                0,
            ),
            vec!["ipv6.hopopts_only_padding", "ipv6.exthdr_dupl_hh"],
            true,
            false,
        ),
        // Fragment header: next UDP, reserved, offset 0 + M, id 0x11223344.
        // More fragments follow but the fragment (header, UDP's 8 bytes and
        // "hi") is not a multiple of 8 octets.
        (
            "first fragment of odd length",
            with(vec![17, 0, 0x00, 0x01, 0x11, 0x22, 0x33, 0x44], 44),
            vec!["ipv6.frag_invalid_length"],
            true,
            true,
        ),
        (
            "first fragment",
            // Six zero bytes (read as the start of UDP) make 24 octets.
            with(
                vec![17, 0, 0x00, 0x01, 0x11, 0x22, 0x33, 0x44, 0, 0, 0, 0, 0, 0],
                44,
            ),
            vec![],
            true,
            true,
        ),
        (
            "atomic fragment",
            with(vec![17, 0, 0x00, 0x00, 0x11, 0x22, 0x33, 0x44], 44),
            vec!["ipv6.exthdr_useless_fh"],
            true,
            false,
        ),
        (
            "later fragment",
            with(vec![17, 0, 0x00, 0x08, 0x11, 0x22, 0x33, 0x44], 44),
            vec![],
            false,
            true,
        ),
        (
            "ah",
            with(vec![17, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1], 51),
            vec![],
            true,
            false,
        ),
        (
            "esp stops",
            with(vec![0, 0, 0, 1], 50),
            vec![],
            false,
            false,
        ),
        (
            "no next header with data",
            with(vec![], 59),
            vec!["ipv6.data_after_none_header"],
            false,
            false,
        ),
        // An atomic fragment header followed by one byte where TCP's header
        // should be: Suricata reports the extension chain as truncated.
        (
            "one byte after the last extension header",
            ipv6(44, &[6, 0, 0x00, 0x00, 0x11, 0x22, 0x33, 0x44, 0x00]),
            vec!["ipv6.exthdr_useless_fh", "ipv6.trunc_exthdr"],
            false,
            false,
        ),
        (
            "truncated ext",
            ipv6(0, &[17, 1, 0, 0]),
            vec!["ipv6.trunc_exthdr"],
            false,
            false,
        ),
    ];
    for (name, p, events, udp_expected, fragment) in cases {
        let g = decode(LinkType::RAW, &p);
        assert_eq!(g.events, events, "{name}");
        assert_eq!(
            matches!(g.l4, Some(L4::Udp { .. })),
            udp_expected,
            "{name}: {g:?}"
        );
        assert_eq!(g.fragment, fragment, "{name}");
        for len in 0..p.len() {
            let _ = decode(LinkType::RAW, &p[..len]);
        }
    }
    // Truncations of the fixed header.
    let p = ipv6(17, &u);
    assert_eq!(
        decode(LinkType::RAW, &p[..39]).events,
        ["ipv6.pkt_too_small"]
    );
    assert_eq!(
        decode(LinkType::RAW, &p[..45]).events,
        ["ipv6.trunc_pkt", "udp.hlen_too_small"]
    );
}

#[test]
fn udp_icmp_sctp() {
    let icmp_echo = [
        8, 0, // type echo request, code 0
        0, 0, // checksum
        0x12, 0x34, // identifier
        0x00, 0x07, // sequence
        b'p', b'i', b'n', b'g',
    ];
    let icmp6_echo = [
        128, 0, 0, 0, // echo request, code, checksum
        0xab, 0xcd, 0x00, 0x01, // id, seq
    ];
    let sctp = [
        0x0b, 0x59, 0x0b, 0x59, // ports 2905 / 2905
        0xde, 0xad, 0xbe, 0xef, // verification tag
        0, 0, 0, 0, // checksum
    ];
    let mut bad_len = udp(1, 2, b"abcd");
    bad_len[5] = 4; // UDP length 4 < 8
    let mut long_len = udp(1, 2, b"abcd");
    long_len[5] = 40; // UDP length past the IP payload
    let cases: Vec<(&str, Vec<u8>, Option<L4>, Vec<&str>)> = vec![
        (
            "icmp echo",
            ipv4(1, A, B, &icmp_echo),
            Some(L4::Icmp {
                v6: false,
                icmp_type: 8,
                code: 0,
                id: 0x1234,
                seq: 7,
            }),
            vec![],
        ),
        (
            "icmp 4 bytes",
            ipv4(1, A, B, &icmp_echo[..4]),
            None,
            vec!["icmpv4.pkt_too_small"],
        ),
        (
            "icmpv6 echo",
            ipv6(58, &icmp6_echo),
            Some(L4::Icmp {
                v6: true,
                icmp_type: 128,
                code: 0,
                id: 0xabcd,
                seq: 1,
            }),
            vec![],
        ),
        (
            "icmpv6 in ipv4",
            ipv4(58, A, B, &icmp6_echo),
            Some(L4::Icmp {
                v6: true,
                icmp_type: 128,
                code: 0,
                id: 0xabcd,
                seq: 1,
            }),
            vec!["ipv4.icmpv6"],
        ),
        (
            "sctp",
            ipv4(132, A, B, &sctp),
            Some(L4::Sctp {
                src_port: 2905,
                dst_port: 2905,
                vtag: 0xdeadbeef,
            }),
            vec![],
        ),
        (
            "sctp short",
            ipv4(132, A, B, &sctp[..8]),
            None,
            vec!["sctp.pkt_too_small"],
        ),
        (
            "udp short",
            ipv4(17, A, B, &[0, 1, 0, 2]),
            None,
            vec!["udp.hlen_too_small"],
        ),
        (
            "udp len < 8",
            ipv4(17, A, B, &bad_len),
            None,
            vec!["udp.hlen_invalid"],
        ),
        (
            "udp len > data",
            ipv4(17, A, B, &long_len),
            None,
            vec!["udp.pkt_too_small"],
        ),
        ("esp", ipv4(50, A, B, &[0; 16]), Some(L4::Other(50)), vec![]),
    ];
    for (name, p, l4, events) in cases {
        let g = decode(LinkType::RAW, &p);
        assert_eq!(g.l4, l4, "{name}");
        assert_eq!(g.events, events, "{name}");
    }
}

#[test]
fn ipv4_fragments_are_flagged() {
    let mut first = ipv4(17, A, B, &udp(1, 2, &[0; 16]));
    first[6] = 0x20; // MF, offset 0
    fix_ipv4_checksum(&mut first, 0);
    let g = decode(LinkType::RAW, &first);
    assert!(g.fragment);
    assert_eq!(g.ports, (1, 2), "first fragment still shows its ports");
    let mut later = ipv4(17, A, B, &[0; 16]);
    later[7] = 0x03; // offset 3 * 8, last fragment
    fix_ipv4_checksum(&mut later, 0);
    let g = decode(LinkType::RAW, &later);
    assert!(g.fragment);
    assert_eq!(g.l4, None);
}

#[test]
fn each_tunnel_layer_keeps_the_headers_of_the_packet_that_carried_it() {
    // VXLAN (VNI 0x1234) over UDP, carrying Ethernet, IPv4 and GRE,
    // carrying the inner IPv4/UDP packet.
    let mut gre = vec![0x00, 0x00, 0x08, 0x00]; // no flags, protocol IPv4
    gre.extend_from_slice(&inner_udp());
    let mut vxlan = vec![0x08, 0, 0, 0, 0x00, 0x12, 0x34, 0x00];
    vxlan.extend_from_slice(&ether(
        0x0800,
        &ipv4(47, [172, 16, 0, 1], [172, 16, 0, 2], &gre),
    ));
    let f = ether(0x0800, &ipv4(17, A, B, &udp(50000, 4789, &vxlan)));
    let mut d = Decoder::new(&Config::default());
    let mut pkt = Packet::empty();
    d.decode(
        Timestamp(1),
        LinkType::ETHERNET,
        &f,
        f.len() as u32,
        &mut pkt,
    );
    assert_eq!(pkt.tunnel_count, 2);
    assert_eq!(pkt.addrs(), Some((ip("192.168.1.1"), ip("192.168.1.2"))));
    let udp = pkt.outer_packet(0).unwrap();
    assert_eq!(udp.addrs(), Some((ip("10.0.0.1"), ip("10.0.0.2"))));
    assert_eq!(udp.ports(), (50000, 4789));
    assert_eq!(udp.payload, &vxlan[..]);
    assert_eq!(udp.tunnel_count, 0);
    let gre_pkt = pkt.outer_packet(1).unwrap();
    assert_eq!(gre_pkt.addrs(), Some((ip("172.16.0.1"), ip("172.16.0.2"))));
    assert_eq!(gre_pkt.ip_proto(), Some(47));
    assert_eq!(gre_pkt.l4, L4::Other(47));
    assert_eq!(gre_pkt.tunnel_count, 1);
    assert!(pkt.outer_packet(2).is_none());
}

#[test]
fn tunnels() {
    let inner = inner_udp();
    let inner_eth = ether(0x0800, &inner);
    // GRE v0 with key: flags K, protocol IPv4, key 0x0102
    let mut gre_key = vec![0x20, 0x00, 0x08, 0x00, 0x00, 0x00, 0x01, 0x02];
    gre_key.extend_from_slice(&inner);
    // GRE v0 with checksum and sequence: flags C|S, protocol TEB (Ethernet)
    let mut gre_teb = vec![0x90, 0x00, 0x65, 0x58, 0, 0, 0, 0, 0, 0, 0, 9];
    gre_teb.extend_from_slice(&inner_eth);
    // PPTP enhanced GRE v1: flags K|S, version 1, protocol PPP, payload length, call id 7, seq
    let mut pptp = vec![0x30, 0x01, 0x88, 0x0b, 0x00, 0x20, 0x00, 0x07, 0, 0, 0, 1];
    pptp.extend_from_slice(&[0xff, 0x03, 0x00, 0x21]); // PPP address/control, IPv4
    pptp.extend_from_slice(&inner);
    // ERSPAN II in GRE: flags S, protocol 0x88be, seq; ERSPAN ver 1 VLAN 10, session 5
    let mut erspan2 = vec![0x10, 0x00, 0x88, 0xbe, 0, 0, 0, 1];
    erspan2.extend_from_slice(&[0x10, 0x0a, 0x00, 0x05, 0, 0, 0, 0]);
    erspan2.extend_from_slice(&inner_eth);
    // ERSPAN III: protocol 0x22eb; ver 2, session 6, timestamp, no platform subheader
    let mut erspan3 = vec![0x10, 0x00, 0x22, 0xeb, 0, 0, 0, 1];
    erspan3.extend_from_slice(&[0x20, 0x00, 0x00, 0x06, 0, 0, 0, 0, 0, 0, 0, 0]);
    erspan3.extend_from_slice(&inner_eth);
    // VXLAN: flags I, reserved, VNI 0x1234
    let mut vxlan = vec![0x08, 0, 0, 0, 0x00, 0x12, 0x34, 0x00];
    vxlan.extend_from_slice(&inner_eth);
    // Geneve: version 0, one 8-byte option, protocol IPv4, VNI 0x77
    let mut geneve = vec![0x02, 0x00, 0x08, 0x00, 0x00, 0x00, 0x77, 0x00];
    geneve.extend_from_slice(&[0x01, 0x02, 0x03, 0x01, 0, 0, 0, 0]); // class, type, len 1
    geneve.extend_from_slice(&inner);
    // GTP-U v1 G-PDU, TEID 0x42, no optional fields
    let mut gtpu = vec![0x30, 0xff];
    gtpu.extend_from_slice(&(inner.len() as u16).to_be_bytes());
    gtpu.extend_from_slice(&[0, 0, 0, 0x42]);
    gtpu.extend_from_slice(&inner);
    // GTP-U echo request: stays UDP
    let gtpu_echo = vec![0x32, 0x01, 0x00, 0x04, 0, 0, 0, 0, 0, 1, 0, 0];
    // Teredo: origin indication, then IPv6/UDP
    let v6 = ipv6(17, &udp(5, 6, b"x"));
    let mut teredo = vec![0x00, 0x00, 0x0d, 0x96, 1, 2, 3, 4]; // origin indication
    teredo.extend_from_slice(&v6);
    let mut not_teredo = v6.clone();
    not_teredo[7] = 0; // hop limit 0: not accepted as Teredo
    let cases: Vec<(
        &str,
        Vec<u8>,
        Vec<(TunnelKind, Option<u32>)>,
        (u16, u16),
        Vec<&str>,
    )> = vec![
        (
            "gre key",
            ipv4(47, A, B, &gre_key),
            vec![(TunnelKind::Gre, Some(0x0102))],
            (1111, 53),
            vec![],
        ),
        (
            "gre teb",
            ipv4(47, A, B, &gre_teb),
            vec![(TunnelKind::Gre, None)],
            (1111, 53),
            vec![],
        ),
        (
            "pptp",
            ipv4(47, A, B, &pptp),
            vec![(TunnelKind::Gre, Some(7))],
            (1111, 53),
            vec![],
        ),
        (
            "erspan ii",
            ipv4(47, A, B, &erspan2),
            vec![(TunnelKind::Erspan, Some(5))],
            (1111, 53),
            vec![],
        ),
        (
            "erspan iii",
            ipv4(47, A, B, &erspan3),
            vec![(TunnelKind::Erspan, Some(6))],
            (1111, 53),
            vec![],
        ),
        (
            "gre v2",
            ipv4(47, A, B, &[0x00, 0x02, 0x08, 0x00]),
            vec![],
            (0, 0),
            vec!["gre.wrong_version"],
        ),
        (
            "gre recursion",
            ipv4(47, A, B, &[0x01, 0x00, 0x08, 0x00]),
            vec![],
            (0, 0),
            vec!["gre.version0_recur"],
        ),
        (
            "gre key missing",
            ipv4(47, A, B, &[0x20, 0x00, 0x08, 0x00, 0]),
            vec![],
            (0, 0),
            vec!["gre.version0_hdr_too_big"],
        ),
        (
            "vxlan",
            ipv4(17, A, B, &udp(50000, 4789, &vxlan)),
            vec![(TunnelKind::Vxlan, Some(0x1234))],
            (1111, 53),
            vec![],
        ),
        (
            "geneve",
            ipv4(17, A, B, &udp(50000, 6081, &geneve)),
            vec![(TunnelKind::Geneve, Some(0x77))],
            (1111, 53),
            vec![],
        ),
        (
            "gtpu",
            ipv4(17, A, B, &udp(2152, 2152, &gtpu)),
            vec![(TunnelKind::Gtpu, Some(0x42))],
            (1111, 53),
            vec![],
        ),
        (
            "gtpu echo",
            ipv4(17, A, B, &udp(2152, 2152, &gtpu_echo)),
            vec![],
            (2152, 2152),
            vec![],
        ),
        (
            "gre in udp",
            ipv4(17, A, B, &udp(50000, 4754, &gre_key)),
            vec![(TunnelKind::GreUdp, Some(0x0102))],
            (1111, 53),
            vec![],
        ),
        (
            "teredo",
            ipv4(17, A, B, &udp(3544, 50000, &teredo)),
            vec![(TunnelKind::Teredo, None)],
            (5, 6),
            vec![],
        ),
        (
            "not teredo",
            ipv4(17, A, B, &udp(3544, 50000, &not_teredo)),
            vec![],
            (3544, 50000),
            vec![],
        ),
        (
            "ipip",
            ipv4(4, A, B, &inner),
            vec![(TunnelKind::IpInIp, None)],
            (1111, 53),
            vec![],
        ),
        (
            "6in4",
            ipv4(41, A, B, &v6),
            vec![(TunnelKind::IpInIp, None)],
            (5, 6),
            vec![],
        ),
        (
            "4in6",
            ipv6(4, &inner),
            vec![(TunnelKind::IpInIp6, None)],
            (1111, 53),
            vec![],
        ),
        (
            "6in6",
            ipv6(41, &v6),
            vec![(TunnelKind::IpInIp6, None)],
            (5, 6),
            vec![],
        ),
        // An undecodable VXLAN payload leaves the outer UDP packet.
        (
            "vxlan arp",
            ipv4(
                17,
                A,
                B,
                &udp(1, 4789, &[&vxlan[..8], &ether(0x0806, &[0; 28])].concat()),
            ),
            vec![],
            (1, 4789),
            vec![],
        ),
    ];
    for (name, p, tunnels, ports, events) in cases {
        let g = decode(LinkType::RAW, &p);
        assert_eq!(g.tunnels, tunnels, "{name}");
        assert_eq!(g.ports, ports, "{name}: {g:?}");
        assert_eq!(g.events, events, "{name}");
        for len in 0..p.len() {
            let _ = decode(LinkType::RAW, &p[..len]);
        }
    }
}

#[test]
fn tunnel_depth_is_bounded() {
    let mut p = inner_udp();
    for _ in 0..20 {
        p = ipv4(4, A, B, &p);
    }
    let mut d = Decoder::new(&Config::default());
    let mut pkt = Packet::empty();
    d.decode(Timestamp(1), LinkType::RAW, &p, p.len() as u32, &mut pkt);
    assert_eq!(pkt.tunnel_count as usize, crate::packet::MAX_TUNNEL_LAYERS);
    assert!(d.counter("decoder.too_many_layers") > 0);
}

#[test]
fn tunnels_follow_config() {
    let inner_eth = ether(0x0800, &inner_udp());
    let mut vxlan = vec![0x08, 0, 0, 0, 0, 0, 1, 0];
    vxlan.extend_from_slice(&inner_eth);
    let p = ipv4(17, A, B, &udp(1, 8472, &vxlan));
    assert!(decode(LinkType::RAW, &p).tunnels.is_empty());
    let mut c = Config::default();
    c.decoder.vxlan_ports = vec![4789, 8472];
    assert_eq!(run(&c, LinkType::RAW, &p).tunnels.len(), 1);
    c.decoder.vxlan = false;
    assert!(run(&c, LinkType::RAW, &p).tunnels.is_empty());
}

#[test]
fn counters_and_reassembled_decode() {
    let mut d = Decoder::new(&Config::default());
    let mut pkt = Packet::empty();
    let f = eth_ipv4_tcp();
    d.decode(Timestamp(1), LinkType::ETHERNET, &f, 80, &mut pkt);
    d.decode(Timestamp(2), LinkType::ETHERNET, &f[..20], 20, &mut pkt);
    assert_eq!(d.counter("decoder.pkts"), 2);
    assert_eq!(d.counter("decoder.bytes"), 80 + 20);
    assert_eq!(d.counter("decoder.tcp"), 1);
    assert_eq!(d.counter("decoder.invalid"), 1);
    assert_eq!(d.counter("decoder.event.ipv4.pkt_too_small"), 1);
    // A reassembled datagram keeps the context and events already there.
    d.decode(Timestamp(3), LinkType::ETHERNET, &f, 80, &mut pkt);
    pkt.push_event(crate::DecodeEvent("ipv4.frag_overlap"));
    let dg = inner_udp();
    d.decode_reassembled(&dg, &mut pkt);
    assert_eq!(pkt.ports(), (1111, 53));
    assert!(pkt.macs.is_some());
    assert_eq!(pkt.decode_events().len(), 1);
}

#[test]
fn chdlc_shorter_than_its_header() {
    let g = decode(LinkType::C_HDLC, &[0x0f, 0x00, 0x08]); // no room for the protocol's 2nd byte
    assert_eq!(g.events, ["chdlc.pkt_too_small"]);
    assert!(g.invalid);
}

#[test]
fn nsh() {
    let inner = inner_udp();
    // Ethernet header (MACs, ethertype NSH) then the NSH base and service
    // path headers: version 0, length 2 words, MD type 2, next IPv4.
    let frame = |len_words: u8, md_type: u8, next: u8| {
        let mut f = vec![2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x89, 0x4f];
        f.extend_from_slice(&[0x00, len_words, md_type, next]); // base header
        f.extend_from_slice(&[0, 0, 1, 0xff]); // service path id 1, index 255
        f.extend_from_slice(&[0; 16][..(usize::from(len_words) * 4).saturating_sub(8).min(16)]);
        f.extend_from_slice(&inner);
        f
    };
    // (name, frame, expected events, transport decoded)
    let cases: Vec<(&str, Vec<u8>, Vec<&str>, bool)> = vec![
        ("md type 2", frame(2, 2, 1), vec![], true),
        ("md type 1, 24 bytes", frame(6, 1, 1), vec![], true),
        (
            "md type 1, wrong length",
            frame(2, 1, 1),
            vec!["nsh.bad_header_length"],
            false,
        ),
        (
            "length below the base header",
            frame(1, 2, 1),
            vec!["nsh.bad_header_length"],
            false,
        ),
        (
            "reserved md type",
            frame(2, 0, 1),
            vec!["nsh.reserved_type"],
            false,
        ),
        (
            "unknown md type",
            frame(2, 3, 1),
            vec!["nsh.unsupported_type"],
            false,
        ),
        (
            "unknown payload",
            frame(2, 2, 9),
            vec!["nsh.unknown_payload"],
            false,
        ),
    ];
    for (name, f, events, l4) in cases {
        let g = decode(LinkType::ETHERNET, &f);
        assert_eq!(g.events, events, "{name}");
        assert_eq!(g.l4.is_some(), l4, "{name}");
        for len in 0..f.len() {
            let _ = decode(LinkType::ETHERNET, &f[..len]);
        }
    }
    let mut v1 = frame(2, 2, 1);
    v1[14] = 0x40; // version 1
    assert_eq!(
        decode(LinkType::ETHERNET, &v1).events,
        ["nsh.unsupported_version"]
    );
    assert_eq!(
        decode(LinkType::ETHERNET, &v1[..20]).events,
        ["nsh.header_too_small"]
    );
}
