//! Internet checksum (RFC 1071) for IPv4 headers and TCP/UDP/ICMP.
//!
//! Summed 32 bits at a time into a `u64`, then folded: a header is a handful
//! of additions, so the IPv4 header check costs a few nanoseconds and is
//! always done; transport checksums touch the whole payload and only run
//! when `checksum-checks: yes`.

use std::net::{Ipv4Addr, Ipv6Addr};

/// One's-complement sum of `data` (not yet folded or inverted), added to `acc`.
pub fn sum(data: &[u8], mut acc: u64) -> u64 {
    let mut chunks = data.chunks_exact(4);
    for c in &mut chunks {
        if let Ok(w) = <[u8; 4]>::try_from(c) {
            acc += u64::from(u32::from_be_bytes(w));
        }
    }
    let rest = chunks.remainder();
    let mut tail = [0u8; 4];
    if let Some(dst) = tail.get_mut(..rest.len()) {
        dst.copy_from_slice(rest);
    }
    acc + u64::from(u32::from_be_bytes(tail))
}

/// Folds a sum to 16 bits and inverts it: the checksum field value, or 0
/// when computed over data that includes a correct checksum.
pub fn finish(mut acc: u64) -> u16 {
    while acc >> 16 != 0 {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    !(acc as u16)
}

/// Checksum of an IPv4 header as stored (0 when the header's checksum is right).
pub fn ipv4_header(header: &[u8]) -> u16 {
    finish(sum(header, 0))
}

/// Pseudo-header sum for a transport segment over IPv4.
pub fn pseudo_v4(src: Ipv4Addr, dst: Ipv4Addr, proto: u8, len: usize) -> u64 {
    u64::from(u32::from(src)) + u64::from(u32::from(dst)) + u64::from(proto) + len as u64
}

/// Pseudo-header sum for a transport segment over IPv6.
pub fn pseudo_v6(src: Ipv6Addr, dst: Ipv6Addr, proto: u8, len: usize) -> u64 {
    let acc = sum(&src.octets(), 0);
    let acc = sum(&dst.octets(), acc);
    acc + u64::from(proto) + len as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc1071_example_and_ipv4_header() {
        // RFC 1071 section 3 example: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2.
        assert_eq!(
            finish(sum(&[0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7], 0)),
            !0xddf2
        );
        // A real header (checksum b861) verifies to zero.
        let h = [
            0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8,
            0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7,
        ];
        assert_eq!(ipv4_header(&h), 0);
        let mut bad = h;
        bad[11] ^= 1;
        assert_ne!(ipv4_header(&bad), 0);
        // Odd lengths pad with a zero byte.
        assert_eq!(sum(&[0x12], 0), 0x1200_0000);
    }
}
