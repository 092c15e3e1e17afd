//! The index of IP-only rules (addresses and nothing else, like ET's
//! Spamhaus DROP and CI Army lists): each rule is filed under the ranges
//! of its narrower side, so a flow's first packet meets only the rules
//! whose lists hold one of its addresses, not all of them.

use std::net::IpAddr;

use crate::rules::compile::Signature;

/// Ranges wider than this (in IPv4 addresses, or the IPv6 equivalent
/// share of the space) are not worth indexing: the rule is checked on
/// every first packet instead. Wide enough for a Spamhaus DROP group (a
/// few /12s, 3 million addresses), narrow enough that `$HOME_NET` (the
/// private ranges, 18 million) is not indexed, which would make the /16
/// filter pass every internal address.
const NARROW_V4: u64 = 1 << 23;
const NARROW_V6: u128 = 1 << 103;

/// Interval stabbing over ranges sorted by start, with the running maximum
/// of ends, so a lookup walks back only over ranges that may contain the
/// address (one or two for the disjoint lists rules carry).
#[derive(Debug, Default)]
struct Stab<T> {
    ranges: Vec<(T, T, u32)>,
    max_end: Vec<T>,
}

impl<T: Copy + Ord + Default> Stab<T> {
    fn build(mut ranges: Vec<(T, T, u32)>) -> Self {
        ranges.sort_unstable();
        let mut max_end = Vec::with_capacity(ranges.len());
        let mut m: Option<T> = None;
        for r in &ranges {
            let v = match m {
                Some(x) if x > r.1 => x,
                _ => r.1,
            };
            m = Some(v);
            max_end.push(v);
        }
        Stab { ranges, max_end }
    }

    fn query(&self, x: T, out: &mut Vec<u32>) {
        let mut i = self.ranges.partition_point(|r| r.0 <= x);
        while i > 0 {
            i -= 1;
            if self.max_end.get(i).is_none_or(|&m| m < x) {
                break;
            }
            if let Some(&(s, e, sig)) = self.ranges.get(i)
                && s <= x
                && x <= e
            {
                out.push(sig);
            }
        }
    }
}

/// The IPv4 /16 networks that some range of a [`Stab`] touches, one bit
/// each (8 KiB, which stays in cache): most addresses of a flow's first
/// packet are in no listed network, and this answers that without the
/// binary search over tens of thousands of ranges, whose steps each miss
/// the cache.
#[derive(Debug)]
struct Slash16([u64; 1024]);

impl Default for Slash16 {
    fn default() -> Self {
        Slash16([0; 1024])
    }
}

impl Slash16 {
    fn build(ranges: &[(u32, u32, u32)]) -> Self {
        let mut bits = Slash16::default();
        for &(start, end, _) in ranges {
            for net in (start >> 16)..=(end >> 16) {
                if let Some(w) = bits.0.get_mut((net >> 6) as usize) {
                    *w |= 1 << (net & 63);
                }
            }
        }
        bits
    }

    fn may_hold(&self, x: u32) -> bool {
        let net = x >> 16;
        self.0
            .get((net >> 6) as usize)
            .is_some_and(|w| w & (1 << (net & 63)) != 0)
    }
}

/// IPv4 ranges: the stabbing index behind a /16 filter.
#[derive(Debug, Default)]
struct V4Index {
    nets: Slash16,
    stab: Stab<u32>,
}

impl V4Index {
    fn build(ranges: Vec<(u32, u32, u32)>) -> Self {
        V4Index {
            nets: Slash16::build(&ranges),
            stab: Stab::build(ranges),
        }
    }

    fn query(&self, x: u32, out: &mut Vec<u32>) {
        if self.nets.may_hold(x) {
            self.stab.query(x, out);
        }
    }
}

/// IP-only rules of a group.
#[derive(Debug, Default)]
pub struct IpOnlyIndex {
    src_v4: V4Index,
    src_v6: Stab<u128>,
    dst_v4: V4Index,
    dst_v6: Stab<u128>,
    /// Rules with no narrow side (or `<>` rules): checked every time.
    pub always: Vec<u32>,
}

/// Where an IP-only rule is filed.
#[derive(Default)]
pub struct IpOnlyBuilder {
    src_v4: Vec<(u32, u32, u32)>,
    src_v6: Vec<(u128, u128, u32)>,
    dst_v4: Vec<(u32, u32, u32)>,
    dst_v6: Vec<(u128, u128, u32)>,
    always: Vec<u32>,
}

fn width_v4(r: &[(u32, u32)]) -> u64 {
    r.iter().map(|(a, b)| (*b - *a) as u64 + 1).sum()
}

fn width_v6(r: &[(u128, u128)]) -> u128 {
    r.iter()
        .map(|(a, b)| (*b - *a).saturating_add(1))
        .fold(0u128, u128::saturating_add)
}

impl IpOnlyBuilder {
    /// Files one IP-only rule.
    pub fn add(&mut self, sig: &Signature) {
        let n = sig.num;
        let narrow = |a: &crate::rules::parse::AddrSet| {
            !a.is_any()
                && width_v4(a.v4_ranges()) <= NARROW_V4
                && width_v6(a.v6_ranges()) <= NARROW_V6
        };
        // Filed under the narrower side when both are narrow: fewer first
        // packets meet it there.
        let src_first = !narrow(&sig.dst)
            || (width_v4(sig.src.v4_ranges()), width_v6(sig.src.v6_ranges()))
                <= (width_v4(sig.dst.v4_ranges()), width_v6(sig.dst.v6_ranges()));
        if sig.bidir {
            self.always.push(n);
        } else if narrow(&sig.src) && src_first {
            self.src_v4
                .extend(sig.src.v4_ranges().iter().map(|&(a, b)| (a, b, n)));
            self.src_v6
                .extend(sig.src.v6_ranges().iter().map(|&(a, b)| (a, b, n)));
        } else if narrow(&sig.dst) {
            self.dst_v4
                .extend(sig.dst.v4_ranges().iter().map(|&(a, b)| (a, b, n)));
            self.dst_v6
                .extend(sig.dst.v6_ranges().iter().map(|&(a, b)| (a, b, n)));
        } else {
            self.always.push(n);
        }
    }

    /// The index.
    pub fn build(self) -> IpOnlyIndex {
        IpOnlyIndex {
            src_v4: V4Index::build(self.src_v4),
            src_v6: Stab::build(self.src_v6),
            dst_v4: V4Index::build(self.dst_v4),
            dst_v6: Stab::build(self.dst_v6),
            always: self.always,
        }
    }
}

impl IpOnlyIndex {
    /// Adds the rules that may match a packet from `src` to `dst` (their
    /// filed side holds the address; the caller checks the rest).
    pub fn candidates(&self, src: IpAddr, dst: IpAddr, out: &mut Vec<u32>) {
        out.extend_from_slice(&self.always);
        match src {
            IpAddr::V4(a) => self.src_v4.query(u32::from(a), out),
            IpAddr::V6(a) => self.src_v6.query(u128::from(a), out),
        }
        match dst {
            IpAddr::V4(a) => self.dst_v4.query(u32::from(a), out),
            IpAddr::V6(a) => self.dst_v6.query(u128::from(a), out),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stabbing_finds_nested_and_disjoint_ranges() {
        let s = Stab::build(vec![(10u32, 20, 0), (12, 14, 1), (30, 40, 2), (35, 36, 3)]);
        let q = |x| {
            let mut o = Vec::new();
            s.query(x, &mut o);
            o.sort();
            o
        };
        assert_eq!(q(13), vec![0, 1]);
        assert_eq!(q(15), vec![0]);
        assert_eq!(q(25), Vec::<u32>::new());
        assert_eq!(q(35), vec![2, 3]);
        assert_eq!(q(41), Vec::<u32>::new());
        assert_eq!(q(5), Vec::<u32>::new());
    }

    /// Checks that `index` answers each probe as a scan of every range
    /// of `ranges` (ids in ascending order) does.
    fn answers_as_a_scan(index: &V4Index, ranges: &[(u32, u32, u32)], probes: &[u32]) {
        for &x in probes {
            let mut got = Vec::new();
            index.query(x, &mut got);
            got.sort_unstable();
            let want: Vec<u32> = ranges
                .iter()
                .filter(|r| r.0 <= x && x <= r.1)
                .map(|r| r.2)
                .collect();
            assert_eq!(got, want, "{x:#x}");
        }
    }

    #[test]
    fn the_slash16_filter_answers_as_the_ranges_do() {
        // A range over three /16 networks, a single address, and a range
        // ending on the last address of the space.
        let ranges = vec![
            (0x0A01_FFF0u32, 0x0A03_0010, 0),
            (0xC0A8_0101, 0xC0A8_0101, 1),
            (0xFFFF_FF00, 0xFFFF_FFFF, 2),
        ];
        let index = V4Index::build(ranges.clone());
        let probes = [
            0x0A01_0000u32,
            0x0A01_FFF0,
            0x0A02_8000,
            0x0A03_0010,
            0x0A03_0011,
            0x0A04_0000,
            0xC0A8_0101,
            0xC0A8_0102,
            0xC0A9_0101,
            0xFFFF_FFFF,
            0,
        ];
        answers_as_a_scan(&index, &ranges, &probes);
        // Random ranges up to the indexed width, probed at and around their
        // ends and at random addresses, against a scan of every range.
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let random: Vec<(u32, u32, u32)> = (0..500)
            .map(|i| {
                let start = next() as u32;
                let width = (next() % NARROW_V4) as u32;
                (start, start.saturating_add(width), i)
            })
            .collect();
        let mut random_probes: Vec<u32> = random
            .iter()
            .flat_map(|r| [r.0, r.1, r.0.wrapping_sub(1), r.1.wrapping_add(1)])
            .collect();
        random_probes.extend((0..2000).map(|_| next() as u32));
        answers_as_a_scan(&V4Index::build(random.clone()), &random, &random_probes);
        // Networks no range touches are answered by the filter alone.
        assert!(!index.nets.may_hold(0x0A04_0000));
        assert!(index.nets.may_hold(0x0A02_0000));
    }
}
