//! Comparing software versions as products print them.
//!
//! Versions in banners and advisories are not semver: OpenSSH writes
//! `7.4p1`, OpenSSL `1.0.2k`, Apache `2.4.49`, vendors `V4.2.3 SP1` or
//! `1.0.0-rc2`. We split a version into runs of digits and runs of letters
//! (anything else separates) and compare run by run: numbers numerically,
//! letters case-insensitively, a number above a letter run. When one version
//! is a prefix of the other, what the longer one adds decides: a
//! pre-release word (`alpha`, `beta`, `rc`, `pre`, `dev`, `snapshot`) makes
//! it older (`1.0.0rc1` < `1.0.0`), anything else newer (`7.4` < `7.4p1`,
//! `1.0.2` < `1.0.2k`, `2.4` < `2.4.1`); trailing zero runs are ignored
//! (`2.4.0` = `2.4`). This is the order OpenSSH, OpenSSL
//! and most vendor advisories mean; NVD ranges are written against it.

use std::cmp::Ordering;

/// One run of a version string.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Part<'a> {
    /// Digits, leading zeros dropped (so `007` equals `7`).
    Num(&'a str),
    /// Letters.
    Word(&'a str),
}

fn parts(v: &str) -> Vec<Part<'_>> {
    let mut out = Vec::new();
    let b = v.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let start = i;
        let c = b.get(i).copied().unwrap_or(0);
        if c.is_ascii_digit() {
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            let run = v.get(start..i).unwrap_or("");
            let trimmed = run.trim_start_matches('0');
            out.push(Part::Num(if trimmed.is_empty() { "0" } else { trimmed }));
        } else if c.is_ascii_alphabetic() {
            while b.get(i).is_some_and(u8::is_ascii_alphabetic) {
                i += 1;
            }
            out.push(Part::Word(v.get(start..i).unwrap_or("")));
        } else {
            i += 1;
        }
    }
    out
}

fn is_prerelease(w: &str) -> bool {
    ["alpha", "beta", "rc", "pre", "dev", "snapshot", "a", "b"]
        .iter()
        .any(|p| w.eq_ignore_ascii_case(p))
}

fn cmp_part(a: &Part<'_>, b: &Part<'_>) -> Ordering {
    match (a, b) {
        // Digit strings without leading zeros: longer is larger, then lexical.
        (Part::Num(x), Part::Num(y)) => x.len().cmp(&y.len()).then_with(|| x.cmp(y)),
        (Part::Word(x), Part::Word(y)) => {
            // A pre-release word sorts below any other word (`rc` < `p`).
            match (is_prerelease(x), is_prerelease(y)) {
                (true, false) => Ordering::Less,
                (false, true) => Ordering::Greater,
                _ => x.to_ascii_lowercase().cmp(&y.to_ascii_lowercase()),
            }
        }
        (Part::Num(_), Part::Word(_)) => Ordering::Greater,
        (Part::Word(_), Part::Num(_)) => Ordering::Less,
    }
}

/// Orders two version strings as described in the module documentation.
///
/// ```
/// use std::cmp::Ordering;
/// use taishi_assess::assets::compare_versions;
/// assert_eq!(compare_versions("7.4p1", "7.8"), Ordering::Less);
/// assert_eq!(compare_versions("2.4.49", "2.4.5"), Ordering::Greater);
/// assert_eq!(compare_versions("1.0.0rc1", "1.0.0"), Ordering::Less);
/// ```
pub fn compare_versions(a: &str, b: &str) -> Ordering {
    let (pa, pb) = (parts(a), parts(b));
    for (x, y) in pa.iter().zip(pb.iter()) {
        match cmp_part(x, y) {
            Ordering::Equal => {}
            o => return o,
        }
    }
    // One is a prefix of the other: the first extra run that is not a zero
    // decides (`2.4.0` = `2.4`, `2.4.0.1` > `2.4`, `1.0.0rc1` < `1.0`).
    let tail = |longer: &[Part<'_>], shorter_len: usize| -> Ordering {
        match longer
            .iter()
            .skip(shorter_len)
            .find(|p| **p != Part::Num("0"))
        {
            None => Ordering::Equal,
            Some(Part::Word(w)) if is_prerelease(w) => Ordering::Less,
            Some(_) => Ordering::Greater,
        }
    };
    match pa.len().cmp(&pb.len()) {
        Ordering::Equal => Ordering::Equal,
        Ordering::Greater => tail(&pa, pb.len()),
        Ordering::Less => tail(&pb, pa.len()).reverse(),
    }
}

/// Whether a string looks like a version at all (has a digit): a version
/// without one (`unknown`, `-`) cannot be placed in a range.
pub(crate) fn is_version(v: &str) -> bool {
    v.bytes().any(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::{Equal, Greater, Less};

    #[test]
    fn edge_cases() {
        let table: &[(&str, &str, Ordering)] = &[
            // OpenSSH portable: the p-release is newer than the bare release.
            ("7.4p1", "7.8", Less),
            ("7.4p1", "7.4", Greater),
            ("7.4p1", "7.4p2", Less),
            ("9.6p1", "9.6p1", Equal),
            // Numeric, not lexical.
            ("2.4.49", "2.4.5", Greater),
            ("2.4.49", "2.4.50", Less),
            ("10.0", "9.9", Greater),
            // Leading zeros do not count.
            ("1.02", "1.2", Equal),
            // OpenSSL letter releases.
            ("1.0.2k", "1.0.2", Greater),
            ("1.0.2k", "1.0.2l", Less),
            ("1.1.1", "1.0.2zz", Greater),
            // Pre-releases are older than the release.
            ("1.0.0rc1", "1.0.0", Less),
            ("1.0.0-beta", "1.0.0-rc1", Less),
            ("1.0.0rc1", "1.0", Less),
            ("2.0-alpha", "1.9", Greater),
            // A longer dotted version is newer.
            ("2.4", "2.4.0.1", Less),
            ("2.4.0", "2.4", Equal),
            // Separators do not matter; case does not matter.
            ("1_2_3", "1.2.3", Equal),
            ("V4.2", "v4.2", Equal),
            // Huge numbers do not overflow.
            (
                "1.99999999999999999999999",
                "1.100000000000000000000000",
                Less,
            ),
        ];
        for (a, b, want) in table {
            assert_eq!(compare_versions(a, b), *want, "{a} vs {b}");
            assert_eq!(compare_versions(b, a), want.reverse(), "{b} vs {a}");
        }
    }
}
