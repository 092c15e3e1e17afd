//! Numeric comparisons as rule keywords write them (`dsize`, `bsize`,
//! `ttl`, `urilen`, `flow.pkts`, ...): `N`, `<N`, `>N`, `<=N`, `>=N`,
//! `!N`, and `N<>M` or `N-M` (both exclusive: Suricata's integer keywords
//! read `N-M` as a range mode whose bounds do not match).

use std::fmt;

/// A parsed comparison against an unsigned value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NumRange {
    /// `N`
    Eq(u64),
    /// `!N`
    Ne(u64),
    /// `<N`
    Lt(u64),
    /// `<=N`
    Le(u64),
    /// `>N`
    Gt(u64),
    /// `>=N`
    Ge(u64),
    /// `N<>M`: strictly between.
    Between(u64, u64),
}

/// Why a comparison could not be parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RangeError(pub String);

impl fmt::Display for RangeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid numeric comparison '{}'", self.0)
    }
}

impl std::error::Error for RangeError {}

impl NumRange {
    /// Parses a comparison; whitespace around parts is allowed.
    pub fn parse(text: &str) -> Result<NumRange, RangeError> {
        let t = text.trim();
        let err = || RangeError(text.to_string());
        let num = |s: &str| parse_u64(s.trim()).ok_or_else(err);
        if let Some((a, b)) = t.split_once("<>") {
            let (a, b) = (num(a)?, num(b)?);
            return if a < b {
                Ok(NumRange::Between(a, b))
            } else {
                Err(err())
            };
        }
        if let Some(r) = t.strip_prefix("<=") {
            return Ok(NumRange::Le(num(r)?));
        }
        if let Some(r) = t.strip_prefix(">=") {
            return Ok(NumRange::Ge(num(r)?));
        }
        if let Some(r) = t.strip_prefix('<') {
            return Ok(NumRange::Lt(num(r)?));
        }
        if let Some(r) = t.strip_prefix('>') {
            return Ok(NumRange::Gt(num(r)?));
        }
        if let Some(r) = t.strip_prefix('!') {
            return Ok(NumRange::Ne(num(r)?));
        }
        if let Some(r) = t.strip_prefix('=') {
            return Ok(NumRange::Eq(num(r)?));
        }
        if let Some((a, b)) = t.split_once('-') {
            let (a, b) = (num(a)?, num(b)?);
            return if a < b {
                Ok(NumRange::Between(a, b))
            } else {
                Err(err())
            };
        }
        Ok(NumRange::Eq(num(t)?))
    }

    /// Whether `v` satisfies the comparison.
    pub fn matches(self, v: u64) -> bool {
        match self {
            NumRange::Eq(n) => v == n,
            NumRange::Ne(n) => v != n,
            NumRange::Lt(n) => v < n,
            NumRange::Le(n) => v <= n,
            NumRange::Gt(n) => v > n,
            NumRange::Ge(n) => v >= n,
            NumRange::Between(a, b) => v > a && v < b,
        }
    }

    /// The largest value that can match, if bounded (prefilters use it to
    /// skip buffers that are too long).
    pub fn upper_bound(self) -> Option<u64> {
        match self {
            NumRange::Eq(n) | NumRange::Le(n) => Some(n),
            NumRange::Lt(n) | NumRange::Between(_, n) => Some(n.saturating_sub(1)),
            _ => None,
        }
    }
}

/// Parses a decimal or `0x` hexadecimal unsigned number.
pub fn parse_u64(s: &str) -> Option<u64> {
    match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(h) => u64::from_str_radix(h, 16).ok(),
        None => s.parse().ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        assert_eq!(NumRange::parse("5"), Ok(NumRange::Eq(5)));
        assert_eq!(NumRange::parse(" < 10"), Ok(NumRange::Lt(10)));
        assert_eq!(NumRange::parse(">=3"), Ok(NumRange::Ge(3)));
        assert_eq!(NumRange::parse("!0"), Ok(NumRange::Ne(0)));
        assert_eq!(NumRange::parse("1<>5"), Ok(NumRange::Between(1, 5)));
        assert_eq!(NumRange::parse("1-5"), Ok(NumRange::Between(1, 5)));
        assert_eq!(NumRange::parse("0x10"), Ok(NumRange::Eq(16)));
        assert!(NumRange::parse("5<>1").is_err());
        assert!(NumRange::parse("abc").is_err());
        assert!(NumRange::parse("").is_err());
    }

    #[test]
    fn ranges_are_exclusive() {
        let b = NumRange::parse("1-5").unwrap();
        assert!(!b.matches(1) && b.matches(2) && b.matches(4) && !b.matches(5));
    }
}
