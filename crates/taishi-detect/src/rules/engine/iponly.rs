//! The index of IP-only rules (addresses and nothing else, like ET's
//! Spamhaus DROP and CI Army lists): each rule is filed under the ranges
//! of its narrower side, so a flow's first packet meets only the rules
//! whose lists hold one of its addresses, not all of them.

use std::net::IpAddr;

use crate::rules::compile::Signature;

/// Ranges wider than this (in IPv4 addresses, or the IPv6 equivalent
/// share of the space) are not worth indexing: the rule is checked on
/// every first packet instead.
const NARROW_V4: u64 = 1 << 20;
const NARROW_V6: u128 = 1 << 100;

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

/// IP-only rules of a group.
#[derive(Debug, Default)]
pub struct IpOnlyIndex {
    src_v4: Stab<u32>,
    src_v6: Stab<u128>,
    dst_v4: Stab<u32>,
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
        if sig.bidir {
            self.always.push(n);
        } else if narrow(&sig.src) {
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
            src_v4: Stab::build(self.src_v4),
            src_v6: Stab::build(self.src_v6),
            dst_v4: Stab::build(self.dst_v4),
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
}
