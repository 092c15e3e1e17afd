//! `shard_hash`: which worker gets a frame.
//!
//! Workers own their flows and fragment trackers, so every packet of a flow
//! and every fragment of a datagram must reach the same worker. The only
//! fields all of them share are the outermost IP addresses (ports are absent
//! from non-first fragments, and tunnelled flows hide theirs) and the VLAN
//! ids, so that is what we hash: sorted, so that A→B and B→A agree. The walk
//! reads fixed offsets only (link header, VLAN tags, MPLS labels, PPPoE), a
//! few tens of nanoseconds, far less than a full decode.

use taishi_core::LinkType;

/// Tags and labels skipped before giving up (a frame of nothing but tags).
const MAX_SKIP: usize = 16;

/// Cheap symmetric hash of a frame for sharding packets across worker threads:
/// hashes the outermost IP address pair (after link, VLAN, MPLS, PPPoE) plus
/// VLAN ids so that `hash(A->B) == hash(B->A)`, every fragment of a datagram
/// and every packet of a flow (including all tunnelled traffic between two
/// tunnel endpoints) lands on the same worker. Non-IP frames hash to 0.
pub fn shard_hash(linktype: LinkType, frame: &[u8]) -> u32 {
    let mut vlans: u64 = 0;
    let ip = match linktype {
        LinkType::ETHERNET => match ethernet_ip(frame, &mut vlans) {
            Some(ip) => ip,
            None => return 0,
        },
        LinkType::RAW | LinkType::RAW_12 | LinkType::RAW_14 | LinkType::IPV4 | LinkType::IPV6 => {
            frame
        }
        LinkType::LINUX_SLL => match (be16(frame, 14), frame.get(16..)) {
            (Some(et), Some(rest)) => match after_ethertype(et, rest, &mut vlans) {
                Some(ip) => ip,
                None => return 0,
            },
            _ => return 0,
        },
        LinkType::LINUX_SLL2 => match (be16(frame, 0), frame.get(20..)) {
            (Some(et), Some(rest)) => match after_ethertype(et, rest, &mut vlans) {
                Some(ip) => ip,
                None => return 0,
            },
            _ => return 0,
        },
        LinkType::NULL | LinkType::LOOP => frame.get(4..).unwrap_or_default(),
        LinkType::NFLOG => nflog_payload(frame).unwrap_or_default(),
        _ => return 0,
    };
    hash_ip(ip, vlans)
}

fn hash_ip(ip: &[u8], vlans: u64) -> u32 {
    let (a, b) = match ip.first().map(|b| b >> 4) {
        Some(4) => match (ip.get(12..16), ip.get(16..20)) {
            (Some(s), Some(d)) => (u64::from(be32(s)), u64::from(be32(d))),
            _ => return 0,
        },
        Some(6) => match (ip.get(8..24), ip.get(24..40)) {
            (Some(s), Some(d)) => (fold128(s), fold128(d)),
            _ => return 0,
        },
        _ => return 0,
    };
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    let h = mix(lo ^ mix(hi ^ vlans.wrapping_mul(0x9e37_79b9_7f4a_7c15)));
    // Zero means "not IP"; keep IP frames off it.
    ((h >> 32) as u32 ^ h as u32).max(1)
}

/// murmur3's 64-bit finaliser: every input bit reaches every output bit.
#[inline]
fn mix(mut x: u64) -> u64 {
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    x ^ (x >> 33)
}

fn fold128(b: &[u8]) -> u64 {
    let hi = b
        .get(..8)
        .and_then(|s| s.try_into().ok())
        .map_or(0, u64::from_be_bytes);
    let lo = b
        .get(8..16)
        .and_then(|s| s.try_into().ok())
        .map_or(0, u64::from_be_bytes);
    hi ^ lo.rotate_left(29).wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

#[inline]
fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

#[inline]
fn be32(b: &[u8]) -> u32 {
    b.get(..4)
        .and_then(|s| s.try_into().ok())
        .map_or(0, u32::from_be_bytes)
}

fn ethernet_ip<'a>(frame: &'a [u8], vlans: &mut u64) -> Option<&'a [u8]> {
    let et = be16(frame, 12)?;
    let rest = frame.get(14..)?;
    if et <= 1500 {
        return match rest.get(..8)? {
            [0xaa, 0xaa, 0x03, 0, 0, 0, a, b] => {
                after_ethertype(u16::from_be_bytes([*a, *b]), rest.get(8..)?, vlans)
            }
            _ => None,
        };
    }
    after_ethertype(et, rest, vlans)
}

fn after_ethertype<'a>(mut et: u16, mut rest: &'a [u8], vlans: &mut u64) -> Option<&'a [u8]> {
    for _ in 0..MAX_SKIP {
        match et {
            0x0800 | 0x86dd => return Some(rest),
            0x8100 | 0x88a8 | 0x9100 => {
                let tci = be16(rest, 0)? & 0x0fff;
                *vlans = vlans.wrapping_mul(4099).wrapping_add(u64::from(tci) + 1);
                et = be16(rest, 2)?;
                rest = rest.get(4..)?;
            }
            0x8847 | 0x8848 => {
                for _ in 0..MAX_SKIP {
                    let bottom = rest.get(2)? & 1 != 0;
                    rest = rest.get(4..)?;
                    if bottom {
                        break;
                    }
                }
                return match rest.first()? >> 4 {
                    4 | 6 => Some(rest),
                    // Pseudowire control word, then Ethernet.
                    0 => ethernet_ip(rest.get(4..)?, vlans),
                    _ => None,
                };
            }
            0x8864 => {
                let proto = be16(rest, 6)?;
                let ip = rest.get(8..)?;
                return matches!(proto, 0x0021 | 0x0057).then_some(ip);
            }
            _ => return None,
        }
    }
    None
}

fn nflog_payload(frame: &[u8]) -> Option<&[u8]> {
    let mut rest = frame.get(4..)?;
    for _ in 0..64 {
        let t = rest.get(..4)?;
        let le = usize::from(u16::from_le_bytes([t[0], t[1]]));
        let be = usize::from(u16::from_be_bytes([t[0], t[1]]));
        let (len, ty) = if (4..=rest.len()).contains(&le) {
            (le, u16::from_le_bytes([t[2], t[3]]))
        } else if (4..=rest.len()).contains(&be) {
            (be, u16::from_be_bytes([t[2], t[3]]))
        } else {
            return None;
        };
        if ty == 9 {
            return rest.get(4..len);
        }
        rest = rest.get(len.div_ceil(4) * 4..)?;
    }
    None
}
