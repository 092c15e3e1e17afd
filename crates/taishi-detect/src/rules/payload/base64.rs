//! Base64 decoding as Suricata's keywords do it (`base64_decode`,
//! `from_base64`): byte-wise, tolerant of a missing final quantum.

use super::value::{parse_u64, split_args};
use super::{Base64Decode, KeywordError};

/// How invalid characters are treated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// RFC 2045: characters outside the alphabet are skipped.
    Rfc2045,
    /// RFC 4648: decoding stops at the first character outside the alphabet.
    Rfc4648,
    /// Any character outside the alphabet fails the whole decode.
    Strict,
}

fn sextet(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

/// Decodes `input` into `out` (cleared first), at most `max` bytes.
/// Returns false when strict mode meets an invalid character.
pub(crate) fn decode(input: &[u8], mode: Mode, max: usize, out: &mut Vec<u8>) -> bool {
    out.clear();
    let mut acc: u32 = 0;
    let mut n = 0u8;
    for &c in input {
        if out.len() >= max {
            break;
        }
        if c == b'=' {
            break;
        }
        let Some(v) = sextet(c) else {
            match mode {
                Mode::Rfc2045 => continue,
                Mode::Rfc4648 => break,
                Mode::Strict => {
                    out.clear();
                    return false;
                }
            }
        };
        acc = acc << 6 | v as u32;
        n += 1;
        if n == 4 {
            out.extend_from_slice(&[(acc >> 16) as u8, (acc >> 8) as u8, acc as u8]);
            acc = 0;
            n = 0;
        }
    }
    // A partial final quantum still yields its whole bytes.
    match n {
        2 => out.push((acc >> 4) as u8),
        3 => out.extend_from_slice(&[(acc >> 10) as u8, (acc >> 2) as u8]),
        _ => {}
    }
    out.truncate(max);
    true
}

/// Parses `base64_decode[:bytes N][, offset N][, relative]`.
pub(crate) fn parse_decode_options(value: Option<&str>) -> Result<Base64Decode, KeywordError> {
    let kw = "base64_decode";
    let mut d = Base64Decode::default();
    let Some(v) = value.filter(|v| !v.trim().is_empty()) else {
        return Ok(d);
    };
    for a in split_args(v) {
        let mut w = a.split_whitespace();
        match (w.next().unwrap_or(""), w.next()) {
            ("relative", None) => d.relative = true,
            ("bytes", Some(n)) => {
                d.bytes = parse_u64(n)
                    .filter(|&n| n > 0 && n <= u32::MAX as u64)
                    .ok_or_else(|| KeywordError::new(kw, format!("invalid bytes '{n}'")))?
                    as u32
            }
            ("offset", Some(n)) => {
                d.offset = parse_u64(n)
                    .filter(|&n| n <= u32::MAX as u64)
                    .ok_or_else(|| KeywordError::new(kw, format!("invalid offset '{n}'")))?
                    as u32
            }
            _ => return Err(KeywordError::new(kw, format!("unknown option '{a}'"))),
        }
    }
    Ok(d)
}
