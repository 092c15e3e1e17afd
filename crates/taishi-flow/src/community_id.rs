//! Community ID v1 (<https://github.com/corelight/community-id-spec>): a
//! flow hash that Zeek, Suricata, Arkime and others compute identically, so
//! one flow can be followed across tools.
//!
//! `"1:" + base64(sha1(seed ‖ saddr ‖ daddr ‖ proto ‖ 0 ‖ sport ‖ dport))`,
//! with the endpoints ordered so both directions hash alike. ICMP and
//! ICMPv6 use the type as source "port" and the type of the matching reply
//! (echo request ↔ reply, ...) as destination "port"; a type without a
//! reply keeps its code and is hashed one-way (not reordered). Protocols
//! without ports hash the addresses and protocol only.

use std::net::IpAddr;

use base64::Engine;
use sha1::{Digest, Sha1};

/// Type of the ICMP (v4) message that answers `t`, if it is one of a pair.
pub(crate) fn icmp4_pair(t: u8) -> Option<u8> {
    Some(match t {
        8 => 0,   // echo
        0 => 8,   // echo reply
        13 => 14, // timestamp
        14 => 13,
        15 => 16, // information request
        16 => 15,
        10 => 9,  // router solicitation
        9 => 10,  // router advertisement
        17 => 18, // address mask
        18 => 17,
        _ => return None,
    })
}

/// Type of the ICMPv6 message that answers `t`, if it is one of a pair.
pub(crate) fn icmp6_pair(t: u8) -> Option<u8> {
    Some(match t {
        128 => 129, // echo
        129 => 128,
        133 => 134, // router solicitation / advertisement
        134 => 133,
        135 => 136, // neighbour solicitation / advertisement
        136 => 135,
        130 => 131, // multicast listener query / report
        131 => 130,
        139 => 140, // node information query / response
        140 => 139,
        144 => 145, // home agent address discovery
        145 => 144,
        _ => return None,
    })
}

/// Community ID v1 of a flow, seed 0. For ICMP (`proto` 1 or 58), `sport`
/// is the ICMP type and `dport` the code.
pub fn community_id(saddr: IpAddr, daddr: IpAddr, proto: u8, sport: u16, dport: u16) -> String {
    community_id_seeded(0, saddr, daddr, proto, sport, dport)
}

/// Community ID v1 with an explicit seed.
pub fn community_id_seeded(
    seed: u16,
    saddr: IpAddr,
    daddr: IpAddr,
    proto: u8,
    sport: u16,
    dport: u16,
) -> String {
    let (mut sport, mut dport) = (sport, dport);
    let mut one_way = false;
    let pair: Option<fn(u8) -> Option<u8>> = match proto {
        1 => Some(icmp4_pair),
        58 => Some(icmp6_pair),
        _ => None,
    };
    if let Some(pair) = pair {
        let t = sport as u8;
        match pair(t) {
            Some(reply) => dport = reply as u16,
            None => one_way = true,
        }
        sport = t as u16;
    }
    let (mut s, mut d) = (addr_vec(saddr), addr_vec(daddr));
    let ordered = s.as_slice() < d.as_slice() || (s == d && sport < dport);
    if !(one_way || ordered) {
        std::mem::swap(&mut s, &mut d);
        std::mem::swap(&mut sport, &mut dport);
    }
    let mut h = Sha1::new();
    h.update(seed.to_be_bytes());
    h.update(&s);
    h.update(&d);
    h.update([proto, 0]);
    if matches!(proto, 1 | 6 | 17 | 58 | 132) {
        h.update(sport.to_be_bytes());
        h.update(dport.to_be_bytes());
    }
    let digest = h.finalize();
    let mut out = String::with_capacity(30);
    out.push_str("1:");
    base64::engine::general_purpose::STANDARD.encode_string(digest, &mut out);
    out
}

fn addr_vec(a: IpAddr) -> Vec<u8> {
    match a {
        IpAddr::V4(v4) => v4.octets().to_vec(),
        IpAddr::V6(v6) => v6.octets().to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    /// The spec's baseline (baseline/baseline_deflt.json), with ICMP given
    /// as type and code as a capture would show them, and the two vectors
    /// from Suricata's community-id tests in suricata-verify.
    #[test]
    fn spec_vectors() {
        let cases: &[(&str, &str, u8, u16, u16, &str)] = &[
            (
                "fe80::200:86ff:fe05:80da",
                "fe80::260:97ff:fe07:69ea",
                58,
                135,
                0,
                "1:dGHyGvjMfljg6Bppwm3bg0LO8TY=",
            ),
            (
                "fe80::260:97ff:fe07:69ea",
                "fe80::200:86ff:fe05:80da",
                58,
                136,
                0,
                "1:dGHyGvjMfljg6Bppwm3bg0LO8TY=",
            ),
            (
                "fe80::260:97ff:fe07:69ea",
                "fe80::200:86ff:fe05:80da",
                58,
                135,
                0,
                "1:zavyT/cezQr1fmImYCwYnMXbgck=",
            ),
            (
                "3ffe:501:1800:2345::2",
                "3ffe:507:0:1:200:86ff:fe05:80da",
                58,
                3,
                0,
                "1:2ObVBgIn28oZvibYZhZMBgh7WdQ=",
            ),
            (
                "3ffe:501:410:0:2c0:dfff:fe47:33e",
                "3ffe:507:0:1:200:86ff:fe05:80da",
                58,
                1,
                4,
                "1:hLZd0XGWojozrvxqE0dWB1iM6R0=",
            ),
            (
                "3ffe:507:0:1:200:86ff:fe05:80da",
                "3ffe:501:0:1001::2",
                58,
                128,
                0,
                "1:+TW+HtLHvV1xnGhV1lv7XoJrqQg=",
            ),
            (
                "3ffe:501:0:1001::2",
                "3ffe:507:0:1:200:86ff:fe05:80da",
                58,
                129,
                0,
                "1:+TW+HtLHvV1xnGhV1lv7XoJrqQg=",
            ),
            (
                "fe80::200:86ff:fe05:80da",
                "ff02::2",
                58,
                133,
                0,
                "1:hO+sN4H+MG5MY/8hIrXPqc4ZQz0=",
            ),
            (
                "fe80::260:97ff:fe07:69ea",
                "ff02::1",
                58,
                134,
                0,
                "1:pkvHqCL88/tg1k4cPigmZXUtL00=",
            ),
            (
                "192.168.0.89",
                "192.168.0.1",
                1,
                8,
                0,
                "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=",
            ),
            (
                "192.168.0.1",
                "192.168.0.89",
                1,
                0,
                0,
                "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=",
            ),
            (
                "10.0.0.1",
                "10.0.0.2",
                1,
                11,
                0,
                "1:YHxtAirCG//0OzkcVAukqKQN9xM=",
            ),
            (
                "2001:470:e5bf:dead:4957:2174:e82c:4887",
                "2607:f8b0:400c:c03::1a",
                6,
                63943,
                25,
                "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=",
            ),
            (
                "2607:f8b0:400c:c03::1a",
                "2001:470:e5bf:dead:4957:2174:e82c:4887",
                6,
                25,
                63943,
                "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=",
            ),
            (
                "192.168.170.8",
                "192.168.170.56",
                132,
                7,
                7,
                "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=",
            ),
            (
                "192.168.170.56",
                "192.168.170.8",
                132,
                7,
                7,
                "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=",
            ),
            (
                "128.232.110.120",
                "66.35.250.204",
                6,
                34855,
                80,
                "1:LQU9qZlK+B5F3KDmev6m5PMibrg=",
            ),
            (
                "66.35.250.204",
                "128.232.110.120",
                6,
                80,
                34855,
                "1:LQU9qZlK+B5F3KDmev6m5PMibrg=",
            ),
            (
                "192.168.1.52",
                "8.8.8.8",
                17,
                54585,
                53,
                "1:d/FP5EW3wiY1vCndhwleRRKHowQ=",
            ),
            (
                "8.8.8.8",
                "192.168.1.52",
                17,
                53,
                54585,
                "1:d/FP5EW3wiY1vCndhwleRRKHowQ=",
            ),
            (
                "10.1.12.1",
                "10.1.12.2",
                46,
                0,
                0,
                "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=",
            ),
            (
                "10.1.12.2",
                "10.1.12.1",
                46,
                0,
                0,
                "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=",
            ),
        ];
        for &(s, d, p, sp, dp, want) in cases {
            assert_eq!(
                community_id(ip(s), ip(d), p, sp, dp),
                want,
                "{s} {d} {p} {sp} {dp}"
            );
        }
    }

    /// suricata-verify's community-id-ipv4 (seed 7) and community-id-sameip
    /// (seed 1, both ends on one address: ordered by port).
    #[test]
    fn suricata_verify_vectors_with_seeds() {
        assert_eq!(
            community_id_seeded(7, ip("172.26.0.39"), ip("172.217.14.206"), 6, 35958, 443),
            "1:IwiTNfuO7aCaamMijl+7/X9uLx0="
        );
        assert_eq!(
            community_id_seeded(1, ip("192.168.0.254"), ip("192.168.0.254"), 6, 3306, 56162),
            "1:IJQHtzXv/tXud3FtXIufkDsfEd4="
        );
    }
}
