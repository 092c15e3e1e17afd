//! Small value parsers shared by the payload keywords.

use super::{ByteVars, KeywordError};

/// A numeric keyword argument: a literal, or a byte_extract / byte_math
/// variable read at inspection time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operand {
    /// A number written in the rule.
    Lit(i64),
    /// The slot of a byte variable (see [`ByteVars`]).
    Var(usize),
}

/// Strips surrounding whitespace and one pair of double quotes.
pub(crate) fn unquote(v: &str) -> &str {
    let t = v.trim();
    t.strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .map(str::trim)
        .unwrap_or(t)
}

/// Whether the word names a variable rather than a number (Suricata:
/// starts with a letter).
pub(crate) fn is_var_name(s: &str) -> bool {
    s.chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
}

/// Parses a signed decimal or `0x` hexadecimal integer.
pub(crate) fn parse_i64(s: &str) -> Option<i64> {
    let s = s.trim();
    let (neg, body) = match s.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let mag = match body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        Some(h) => i64::from_str_radix(h, 16).ok()?,
        None => {
            if body.is_empty() || !body.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            body.parse::<i64>().ok()?
        }
    };
    Some(if neg { -mag } else { mag })
}

/// Parses an unsigned decimal or `0x` hexadecimal integer.
pub(crate) fn parse_u64(s: &str) -> Option<u64> {
    let s = s.trim();
    match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(h) => u64::from_str_radix(h, 16).ok(),
        None => {
            if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            s.parse().ok()
        }
    }
}

/// Parses a number in `min..=max` or the name of a defined variable.
pub(crate) fn operand(
    keyword: &str,
    what: &str,
    s: &str,
    min: i64,
    max: i64,
    vars: &ByteVars,
) -> Result<Operand, KeywordError> {
    let s = unquote(s);
    if is_var_name(s) {
        return vars
            .get(s)
            .map(Operand::Var)
            .ok_or_else(|| KeywordError::new(keyword, format!("unknown byte variable '{s}'")));
    }
    let n =
        parse_i64(s).ok_or_else(|| KeywordError::new(keyword, format!("invalid {what} '{s}'")))?;
    if n < min || n > max {
        return Err(KeywordError::new(
            keyword,
            format!("{what} {n} is outside {min}..={max}"),
        ));
    }
    Ok(Operand::Lit(n))
}

/// Splits a keyword value on commas, trimming each part.
pub(crate) fn split_args(v: &str) -> Vec<&str> {
    unquote(v).split(',').map(str::trim).collect()
}
