//! Sorted, disjoint inclusive ranges: the shared representation of address
//! and port sets, so that matching is one binary search.

/// An integer type ranges are made of (u16 ports, u32 IPv4, u128 IPv6).
pub(crate) trait Point: Copy + Ord {
    const MIN: Self;
    const MAX: Self;
    fn succ(self) -> Option<Self>;
    fn pred(self) -> Option<Self>;
}

macro_rules! point {
    ($t:ty) => {
        impl Point for $t {
            const MIN: Self = <$t>::MIN;
            const MAX: Self = <$t>::MAX;
            fn succ(self) -> Option<Self> {
                self.checked_add(1)
            }
            fn pred(self) -> Option<Self> {
                self.checked_sub(1)
            }
        }
    };
}
point!(u16);
point!(u32);
point!(u128);

/// Sorts and merges overlapping or adjacent ranges.
pub(crate) fn normalize<T: Point>(mut v: Vec<(T, T)>) -> Vec<(T, T)> {
    v.sort_unstable();
    let mut out: Vec<(T, T)> = Vec::with_capacity(v.len());
    for (a, b) in v {
        if let Some(last) = out.last_mut() {
            // Adjacent ranges merge too: 1-5 and 6-9 are 1-9.
            let touches = match last.1.succ() {
                Some(next) => a <= next,
                None => true,
            };
            if touches {
                if b > last.1 {
                    last.1 = b;
                }
                continue;
            }
        }
        out.push((a, b));
    }
    out
}

/// `a - b`, both normalized; the result is normalized.
pub(crate) fn subtract<T: Point>(a: &[(T, T)], b: &[(T, T)]) -> Vec<(T, T)> {
    let mut out = Vec::new();
    let mut j = 0;
    for &(start, end) in a {
        let mut cur = Some(start);
        // Skip holes entirely before this range.
        while j < b.len() && b[j].1 < start {
            j += 1;
        }
        let mut k = j;
        while let Some(lo) = cur {
            match b.get(k) {
                Some(&(hs, he)) if hs <= end => {
                    if hs > lo {
                        // hs > lo >= MIN, so pred exists.
                        if let Some(p) = hs.pred() {
                            out.push((lo, p));
                        }
                    }
                    cur = if he >= end {
                        None
                    } else {
                        he.succ().map(|n| if n > lo { n } else { lo })
                    };
                    k += 1;
                }
                _ => {
                    out.push((lo, end));
                    cur = None;
                }
            }
        }
    }
    out
}

/// Whether `x` lies in one of the normalized ranges.
#[inline]
pub(crate) fn contains<T: Point>(v: &[(T, T)], x: T) -> bool {
    let i = v.partition_point(|r| r.1 < x);
    v.get(i).is_some_and(|r| r.0 <= x)
}

/// Whether the normalized ranges cover the whole type.
pub(crate) fn is_full<T: Point>(v: &[(T, T)]) -> bool {
    v.len() == 1 && v[0] == (T::MIN, T::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_merges_overlap_and_adjacency() {
        let v: Vec<(u16, u16)> = vec![(10, 20), (1, 5), (6, 8), (15, 30), (40, 40)];
        assert_eq!(normalize(v), vec![(1, 8), (10, 30), (40, 40)]);
        let v: Vec<(u16, u16)> = vec![(0, 65535), (5, 6)];
        assert_eq!(normalize(v), vec![(0, 65535)]);
    }

    #[test]
    fn subtract_cuts_holes() {
        let full: Vec<(u16, u16)> = vec![(0, 65535)];
        assert_eq!(subtract(&full, &[(80, 81)]), vec![(0, 79), (82, 65535)]);
        assert_eq!(subtract(&full, &[(0, 0)]), vec![(1, 65535)]);
        assert_eq!(subtract(&full, &[(65535, 65535)]), vec![(0, 65534)]);
        assert_eq!(subtract(&full, &[(0, 65535)]), vec![]);
        let a: Vec<(u16, u16)> = vec![(1, 10), (20, 30)];
        assert_eq!(
            subtract(&a, &[(5, 6), (8, 25), (29, 40)]),
            vec![(1, 4), (7, 7), (26, 28)]
        );
        assert_eq!(subtract(&a, &[(11, 19)]), a);
    }

    #[test]
    fn contains_and_full() {
        let v: Vec<(u32, u32)> = vec![(1, 4), (7, 7), (26, 28)];
        for (x, want) in [
            (0, false),
            (1, true),
            (4, true),
            (5, false),
            (7, true),
            (28, true),
            (29, false),
        ] {
            assert_eq!(contains(&v, x), want, "{x}");
        }
        assert!(is_full::<u32>(&[(0, u32::MAX)]));
        assert!(!is_full::<u32>(&[(0, 5), (6, u32::MAX)]));
    }
}
