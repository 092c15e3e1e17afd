//! Property tests: no input panics the decoder, defragmenter or shard hash;
//! packets built from random header fields decode back to those fields; the
//! shard hash is symmetric.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use proptest::prelude::*;
use taishi_core::{Config, LinkType, Timestamp};
use taishi_decode::{Decoder, Defrag, L4, Packet, shard_hash};

const LINKTYPES: &[u32] = &[0, 1, 10, 12, 14, 101, 108, 113, 228, 229, 239, 276, 147];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    #[test]
    fn arbitrary_bytes_never_panic(lt in prop::sample::select(LINKTYPES), bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let config = Config::default();
        let mut d = Decoder::new(&config);
        let mut defrag = Defrag::new(&config.defrag);
        let mut pkt = Packet::empty();
        d.decode(Timestamp(1), LinkType(lt), &bytes, bytes.len() as u32, &mut pkt);
        if pkt.is_fragment {
            let _ = defrag.insert(&pkt);
        }
        let _ = shard_hash(LinkType(lt), &bytes);
        let mut again = pkt.clone();
        d.decode_reassembled(&bytes, &mut again);
    }

    /// Mostly-valid frames with one corrupted byte reach the deeper layers.
    #[test]
    fn corrupted_valid_frames_never_panic(
        v6 in any::<bool>(), tcp in any::<bool>(), at in 0usize..120, value in any::<u8>(), cut in 0usize..140,
    ) {
        let mut f = build(&Fields { v6, tcp, vlan: Some(5), sport: 1, dport: 4789, src: [1; 16], dst: [2; 16], payload: vec![8, 0, 0, 0, 0, 0, 1, 0, 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00, 0x45, 0, 0, 40] });
        if let Some(b) = f.get_mut(at) {
            *b = value;
        }
        f.truncate(cut);
        let config = Config::default();
        let mut d = Decoder::new(&config);
        let mut pkt = Packet::empty();
        d.decode(Timestamp(1), LinkType::ETHERNET, &f, f.len() as u32, &mut pkt);
    }

    #[test]
    fn random_headers_round_trip(
        v6 in any::<bool>(), tcp in any::<bool>(), vlan in prop::option::of(0u16..4096),
        sport in any::<u16>(), dport in any::<u16>(),
        src in any::<[u8; 16]>(), dst in any::<[u8; 16]>(),
        payload in prop::collection::vec(any::<u8>(), 0..64),
    ) {
        // Keep clear of the tunnel ports, which would (rightly) be decoded further.
        prop_assume!(![4789u16, 6081, 2152, 4754, 3544].contains(&sport) && ![4789u16, 6081, 2152, 4754, 3544].contains(&dport));
        let fields = Fields { v6, tcp, vlan, sport, dport, src, dst, payload };
        let f = build(&fields);
        let mut d = Decoder::new(&Config::default());
        let mut pkt = Packet::empty();
        d.decode(Timestamp(1), LinkType::ETHERNET, &f, f.len() as u32, &mut pkt);
        prop_assert!(pkt.decode_events().is_empty(), "{:?}", pkt.decode_events());
        prop_assert_eq!(pkt.addrs(), Some(fields.addrs()));
        prop_assert_eq!(pkt.ports(), (sport, dport));
        prop_assert_eq!(matches!(pkt.l4, L4::Tcp(_)), tcp);
        prop_assert_eq!(pkt.vlans(), vlan.as_slice());
        prop_assert_eq!(pkt.payload, &fields.payload[..]);
        // The shard hash does not care about direction.
        let rev = build(&Fields { src: fields.dst, dst: fields.src, sport: dport, dport: sport, ..fields.clone() });
        prop_assert_eq!(shard_hash(LinkType::ETHERNET, &f), shard_hash(LinkType::ETHERNET, &rev));
        prop_assert_ne!(shard_hash(LinkType::ETHERNET, &f), 0);
    }
}

#[derive(Clone, Debug)]
struct Fields {
    v6: bool,
    tcp: bool,
    vlan: Option<u16>,
    sport: u16,
    dport: u16,
    src: [u8; 16],
    dst: [u8; 16],
    payload: Vec<u8>,
}

impl Fields {
    fn addrs(&self) -> (IpAddr, IpAddr) {
        if self.v6 {
            (
                Ipv6Addr::from(self.src).into(),
                Ipv6Addr::from(self.dst).into(),
            )
        } else {
            let a = |b: &[u8; 16]| IpAddr::V4(Ipv4Addr::new(b[0], b[1], b[2], b[3]));
            (a(&self.src), a(&self.dst))
        }
    }
}

fn build(f: &Fields) -> Vec<u8> {
    let mut l4 = Vec::new();
    l4.extend_from_slice(&f.sport.to_be_bytes());
    l4.extend_from_slice(&f.dport.to_be_bytes());
    if f.tcp {
        l4.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x18, 0xff, 0xff, 0, 0, 0, 0]);
    } else {
        l4.extend_from_slice(&((8 + f.payload.len()) as u16).to_be_bytes());
        l4.extend_from_slice(&[0, 0]);
    }
    l4.extend_from_slice(&f.payload);
    let proto = if f.tcp { 6 } else { 17 };
    let mut ip = Vec::new();
    if f.v6 {
        ip.extend_from_slice(&[0x60, 0, 0, 0]);
        ip.extend_from_slice(&(l4.len() as u16).to_be_bytes());
        ip.extend_from_slice(&[proto, 64]);
        ip.extend_from_slice(&f.src);
        ip.extend_from_slice(&f.dst);
    } else {
        ip.extend_from_slice(&[0x45, 0]);
        ip.extend_from_slice(&((20 + l4.len()) as u16).to_be_bytes());
        ip.extend_from_slice(&[0, 1, 0x40, 0, 64, proto, 0, 0]);
        ip.extend_from_slice(&f.src[..4]);
        ip.extend_from_slice(&f.dst[..4]);
    }
    ip.extend_from_slice(&l4);
    let mut frame = vec![2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2];
    if let Some(v) = f.vlan {
        frame.extend_from_slice(&[0x81, 0x00]);
        frame.extend_from_slice(&v.to_be_bytes());
    }
    frame.extend_from_slice(if f.v6 { &[0x86, 0xdd] } else { &[0x08, 0x00] });
    frame.extend_from_slice(&ip);
    frame
}
