//! `entropy: [bytes N,] [offset N,] value <cmp>` (Suricata 8): the Shannon
//! entropy of the buffer, in bits per byte (0 to 8), compared with a
//! float. Each computed value is also kept on the flow under the buffer's
//! name, and EVE records carry it as `metadata.entropy.<buffer>`.

use std::sync::Arc;

use super::KeywordError;
use super::value::unquote;

/// A comparison against a float, as Suricata's float keywords write it:
/// `N` or `=N`, `!=N`, `<N`, `<=N`, `>N`, `>=N`, `A-B` (strictly between)
/// and `!A-B` (outside, bounds included).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum FloatCmp {
    /// `N`, `=N`.
    Eq(f64),
    /// `!=N`.
    Ne(f64),
    /// `<N`.
    Lt(f64),
    /// `<=N`.
    Le(f64),
    /// `>N`.
    Gt(f64),
    /// `>=N`.
    Ge(f64),
    /// `A-B` or `A<>B`: `A < x < B`.
    Between(f64, f64),
    /// `!A-B`: `x <= A` or `x >= B`.
    Outside(f64, f64),
}

impl FloatCmp {
    /// Parses a comparison; `None` when it is not one.
    pub fn parse(text: &str) -> Option<FloatCmp> {
        let t = text.trim();
        let (neg, body) = match t.strip_prefix('!') {
            Some(r) if !r.starts_with('=') => (true, r.trim_start()),
            _ => (false, t),
        };
        // A range first: its '-' may not be a sign (`1-2`, `1 - 2`, `-1-2`).
        let numeric = body
            .bytes()
            .next()
            .is_some_and(|c| c.is_ascii_digit() || matches!(c, b'.' | b'+' | b'-'));
        if numeric && let Some((a, b)) = split_range(body) {
            let (a, b) = (float(a)?, float(b)?);
            if b <= a {
                return None;
            }
            return Some(if neg {
                FloatCmp::Outside(a, b)
            } else {
                FloatCmp::Between(a, b)
            });
        }
        if neg {
            return None;
        }
        for (op, make) in [
            (">=", FloatCmp::Ge as fn(f64) -> FloatCmp),
            ("<=", FloatCmp::Le),
            ("!=", FloatCmp::Ne),
            (">", FloatCmp::Gt),
            ("<", FloatCmp::Lt),
            ("=", FloatCmp::Eq),
        ] {
            if let Some(r) = t.strip_prefix(op) {
                return float(r).map(make);
            }
        }
        float(t).map(FloatCmp::Eq)
    }

    /// Whether `x` meets the comparison.
    pub fn matches(&self, x: f64) -> bool {
        match *self {
            FloatCmp::Eq(v) => x == v,
            FloatCmp::Ne(v) => x != v,
            FloatCmp::Lt(v) => x < v,
            FloatCmp::Le(v) => x <= v,
            FloatCmp::Gt(v) => x > v,
            FloatCmp::Ge(v) => x >= v,
            FloatCmp::Between(a, b) => x > a && x < b,
            FloatCmp::Outside(a, b) => x <= a || x >= b,
        }
    }
}

/// `A-B` or `A<>B` split at the separator, not at a leading sign or an
/// exponent's sign.
fn split_range(t: &str) -> Option<(&str, &str)> {
    if let Some(p) = t.find("<>") {
        return Some((&t[..p], &t[p + 2..]));
    }
    let bytes = t.as_bytes();
    (1..bytes.len())
        .find(|&i| bytes[i] == b'-' && !matches!(bytes[i - 1], b'e' | b'E'))
        .map(|i| (&t[..i], &t[i + 1..]))
}

fn float(s: &str) -> Option<f64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    s.parse::<f64>().ok()
}

/// One `entropy` keyword.
#[derive(Clone, Debug, PartialEq)]
pub struct Entropy {
    /// Bytes skipped at the start of the buffer.
    pub offset: u32,
    /// Bytes measured (0: all that remain).
    pub bytes: u32,
    /// What the entropy must be.
    pub value: FloatCmp,
    /// The flow variable the value is kept under: the buffer's name
    /// (`file_data`, `http_uri`, ...), `content` for the packet or stream
    /// payload. Set by the rule compiler, which knows the buffer.
    pub var: Arc<str>,
}

impl Entropy {
    /// Parses the keyword's value.
    pub fn parse(value: &str) -> Result<Entropy, KeywordError> {
        let kw = "entropy";
        let err = |m: String| KeywordError::new(kw, m);
        let (mut offset, mut bytes, mut cmp) = (None, None, None);
        let parts: Vec<&str> = unquote(value).split(',').map(str::trim).collect();
        if parts.len() > 3 {
            return Err(err(format!("too many options in '{value}'")));
        }
        for part in parts {
            let (name, arg) = part
                .split_once(char::is_whitespace)
                .map(|(n, a)| (n, a.trim()))
                .unwrap_or((part, ""));
            let int = |what: &str| {
                arg.parse::<i64>()
                    .map_err(|_| err(format!("invalid {what} '{arg}'")))
            };
            let seen = match name {
                "bytes" => bytes.replace(int("bytes")?).is_some(),
                "offset" => {
                    let o = int("offset")?;
                    if !(-65535..=65535).contains(&o) {
                        return Err(err(format!("offset {o} outside -65535..65535")));
                    }
                    offset.replace(o).is_some()
                }
                "value" => {
                    let c = FloatCmp::parse(arg)
                        .ok_or_else(|| err(format!("invalid entropy value '{arg}'")))?;
                    cmp.replace(c).is_some()
                }
                other => return Err(err(format!("unknown option '{other}'"))),
            };
            if seen {
                return Err(err(format!("'{name}' given twice")));
            }
        }
        let value = cmp.ok_or_else(|| err("needs 'value'".into()))?;
        // Suricata applies only positive offsets and byte counts.
        let positive = |v: Option<i64>| v.filter(|&v| v > 0).unwrap_or(0) as u32;
        Ok(Entropy {
            offset: positive(offset),
            bytes: positive(bytes),
            value,
            var: Arc::from("content"),
        })
    }

    /// The entropy of the part of `buf` this keyword measures; `None` when
    /// the buffer is shorter than its offset or offset plus bytes.
    pub fn measure(&self, buf: &[u8]) -> Option<f64> {
        let rest = buf.get(self.offset as usize..)?;
        let data = if self.bytes > 0 {
            rest.get(..self.bytes as usize)?
        } else {
            rest
        };
        Some(shannon(data))
    }
}

/// Shannon entropy of `data` in bits per byte (0 for no data).
pub fn shannon(data: &[u8]) -> f64 {
    if data.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in data {
        counts[b as usize] += 1;
    }
    let n = data.len() as f64;
    counts.iter().filter(|&&c| c > 0).fold(0.0, |h, &c| {
        let p = c as f64 / n;
        h - p * p.log2()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shannon_of_known_distributions() {
        assert_eq!(shannon(b""), 0.0);
        assert_eq!(shannon(b"aaaaaaa"), 0.0);
        assert!((shannon(b"abcdabcd") - 2.0).abs() < 1e-12);
        let all: Vec<u8> = (0..=255).collect();
        assert!((shannon(&all) - 8.0).abs() < 1e-12);
    }

    #[test]
    fn comparisons_as_suricata_reads_them() {
        let m = |t: &str, x: f64| FloatCmp::parse(t).unwrap().matches(x);
        assert!(m("> 4", 4.1) && !m(">4", 4.0));
        assert!(m(">= 4", 4.0) && !m(">=5", 4.9));
        assert!(m("< 4", 3.9) && m("<= 4", 4.0));
        assert!(m("4", 4.0) && m("= 4", 4.0) && !m("=4", 4.1));
        assert!(m("!= 4", 4.1) && !m("!=4", 4.0));
        // Ranges exclude their bounds; negated ranges include them.
        assert!(m("4-5", 4.13) && !m("4-5", 4.0) && !m("4 - 5", 5.0));
        assert!(m("4<>5", 4.5));
        assert!(!m("!4-5", 4.13) && m("!4-5", 4.0) && m("!4-5", 5.5));
        assert!(m("-1-2", 0.0) && m("1e-3-1", 0.5) && m(">-1", 0.0));
        for bad in ["", "x", "5-4", "! 4", ">", "4-"] {
            assert!(FloatCmp::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn options_offset_and_bytes() {
        let e = Entropy::parse("bytes 4, offset 2, value > 1.5").unwrap();
        assert_eq!((e.offset, e.bytes), (2, 4));
        assert_eq!(e.measure(b"xxabcdzz"), Some(2.0));
        assert_eq!(e.measure(b"xxabc"), None, "offset + bytes past the end");
        let e = Entropy::parse("offset 10, value >= 0").unwrap();
        assert_eq!(e.measure(b"short"), None);
        assert_eq!(e.measure(b"0123456789"), Some(0.0));
        for bad in [
            "bytes 4",
            "value > 1, value < 2",
            "offset 70000, value 1",
            "colour 3, value 1",
            "bytes 1, offset 1, value 1, bytes 2",
        ] {
            assert!(Entropy::parse(bad).is_err(), "{bad}");
        }
    }
}
