//! Flows of a real VXLAN capture, compared with what tshark and Suricata
//! report for it.
//!
//! `tshark -n -r vxlan.pcap -q -z conv,udp` lists four outer UDP
//! conversations to port 4789 (4, 4, 1 and 1 frames; 592 bytes for the
//! four-frame ones) and Suricata's vxlan-decoder tests expect those four
//! plus one inner ICMP flow with 4 packets each way. The packets are
//! decoded here by a few lines written for this capture only, so the test
//! does not depend on the decoder stage.

use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;

use taishi_core::event::Event;
use taishi_core::{Config, Timestamp};
use taishi_decode::packet::Ipv4Info;
use taishi_decode::{L3, L4, Packet, TunnelKind, TunnelLayer};
use taishi_flow::{FlowWorker, NoApp};

const PCAP: &str = "../../../shared/corpus/pcaps/tunnels/vxlan.pcap";

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn le32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// IPv4 header at `at`: (info, header length).
fn ipv4(b: &[u8], at: usize) -> Option<(Ipv4Info, usize)> {
    let h = b.get(at..at + 20)?;
    let hl = ((h[0] & 0x0f) as usize) * 4;
    let info = Ipv4Info {
        src: Ipv4Addr::new(h[12], h[13], h[14], h[15]),
        dst: Ipv4Addr::new(h[16], h[17], h[18], h[19]),
        proto: h[9],
        ttl: h[8],
        id: be16(h, 4)?,
        tos: h[1],
        flags: h[6] >> 5,
        frag_offset: be16(h, 6)? & 0x1fff,
        header_len: hl as u8,
        total_len: be16(h, 2)?,
        bad_checksum: false,
    };
    Some((info, hl))
}

/// Ethernet / IPv4 / UDP 4789 / VXLAN / Ethernet / (IPv4 / ICMP | ARP).
fn decode<'a>(ts: Timestamp, frame: &'a [u8]) -> Option<Packet<'a>> {
    let mut p = Packet::empty();
    p.ts = ts;
    p.frame = frame;
    p.wire_len = frame.len() as u32;
    if be16(frame, 12)? != 0x0800 {
        return None;
    }
    let (outer, ohl) = ipv4(frame, 14)?;
    let udp = 14 + ohl;
    let (sport, dport) = (be16(frame, udp)?, be16(frame, udp + 2)?);
    if outer.proto != 17 || dport != 4789 {
        return None;
    }
    let vni = u32::from_be_bytes([0, *frame.get(udp + 12)?, frame[udp + 13], frame[udp + 14]]);
    p.tunnels[0] = Some(TunnelLayer {
        kind: TunnelKind::Vxlan,
        src: IpAddr::V4(outer.src),
        dst: IpAddr::V4(outer.dst),
        proto: 17,
        src_port: sport,
        dst_port: dport,
        id: Some(vni),
        ip_len: outer.total_len as u32,
    });
    p.tunnel_count = 1;
    let inner_eth = udp + 16;
    if be16(frame, inner_eth + 12)? == 0x0800 {
        let l3 = inner_eth + 14;
        let (inner, ihl) = ipv4(frame, l3)?;
        p.l3 = L3::Ipv4(inner);
        p.l3_offset = l3;
        if inner.proto == 1 {
            let icmp = frame.get(l3 + ihl..l3 + ihl + 8)?;
            p.l4 = L4::Icmp {
                v6: false,
                icmp_type: icmp[0],
                code: icmp[1],
                id: be16(icmp, 4)?,
                seq: be16(icmp, 6)?,
            };
            p.payload = frame.get(l3 + ihl + 8..)?;
        }
    }
    Some(p)
}

#[test]
fn vxlan_outer_and_inner_flows_match_tshark_and_suricata() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(PCAP);
    let Ok(data) = std::fs::read(&path) else {
        eprintln!("skipping: {} not found", path.display());
        return;
    };
    assert_eq!(le32(&data, 0), Some(0xa1b2_c3d4), "microsecond pcap");
    let mut w = FlowWorker::new(&Config::default(), 0, NoApp);
    let mut events: Vec<Event> = Vec::new();
    let mut at = 24;
    let mut frames = 0;
    while let (Some(sec), Some(usec), Some(caplen)) =
        (le32(&data, at), le32(&data, at + 4), le32(&data, at + 8))
    {
        let Some(frame) = data.get(at + 16..at + 16 + caplen as usize) else {
            break;
        };
        let ts = Timestamp::new(sec as u64, usec * 1000);
        if let Some(p) = decode(ts, frame) {
            w.process(&p, &mut events);
        }
        frames += 1;
        at += 16 + caplen as usize;
    }
    assert_eq!(frames, 10);
    w.flush(&mut events);
    let flows: Vec<serde_json::Value> = events
        .iter()
        .map(|e| {
            let mut line = Vec::new();
            e.write_json_line(&mut line);
            serde_json::from_slice(&line).unwrap()
        })
        .collect();
    assert_eq!(flows.len(), 5);

    let mut outer: Vec<(u64, u64, u64)> = flows
        .iter()
        .filter(|f| f["dest_port"] == 4789)
        .map(|f| {
            let r = &f["flow"];
            (
                r["pkts_toserver"].as_u64().unwrap(),
                r["pkts_toclient"].as_u64().unwrap(),
                r["bytes_toserver"].as_u64().unwrap(),
            )
        })
        .collect();
    outer.sort();
    // tshark: 1 frame / 92 bytes twice, 4 frames / 592 bytes twice.
    assert_eq!(
        outer,
        vec![(1, 0, 92), (1, 0, 92), (4, 0, 592), (4, 0, 592)]
    );

    let icmp: Vec<_> = flows.iter().filter(|f| f["proto"] == "ICMP").collect();
    assert_eq!(icmp.len(), 1);
    let f = icmp[0];
    assert_eq!(f["src_ip"], "10.0.0.1");
    assert_eq!(f["flow"]["pkts_toserver"], 4);
    assert_eq!(f["flow"]["pkts_toclient"], 4);
    // Inner Ethernet frame: 84-byte IP packet + 14.
    assert_eq!(f["flow"]["bytes_toserver"], 4 * 98);
    assert_eq!(f["icmp_type"], 8);
    assert_eq!(f["response_icmp_type"], 0);
    assert_eq!(f["tunnel"]["type"], "vxlan");
    assert_eq!(f["tunnel"]["src_ip"], "192.168.56.11");
    assert_eq!(f["flow"]["state"], "established");
}
