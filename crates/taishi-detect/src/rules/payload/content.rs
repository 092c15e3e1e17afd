//! `content` and its modifiers.

use super::value::{Operand, operand, unquote};
use super::{ByteVars, KeywordError, MAX_RELATIVE_DISTANCE};

/// How `fast_pattern` was written on a content.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FastPatternSpec {
    /// `fast_pattern:only`.
    pub only: bool,
    /// `fast_pattern:N,M`: use `M` bytes from offset `N` of the pattern.
    pub chop: Option<(u16, u16)>,
}

/// A content match and its modifiers.
#[derive(Clone, Debug)]
pub struct Content {
    /// The bytes to find (hex and escapes decoded).
    pub pattern: Vec<u8>,
    /// `content:!"..."`.
    pub negated: bool,
    /// `nocase`.
    pub nocase: bool,
    /// `rawbytes` (accepted, no effect: Suricata's meaning).
    pub rawbytes: bool,
    /// `depth`.
    pub depth: Option<Operand>,
    /// `offset`.
    pub offset: Option<Operand>,
    /// `distance`.
    pub distance: Option<Operand>,
    /// `within`.
    pub within: Option<Operand>,
    /// `startswith` (depth = pattern length, offset 0).
    pub startswith: bool,
    /// `endswith`.
    pub endswith: bool,
    /// `fast_pattern`, as written.
    pub fast_pattern: Option<FastPatternSpec>,
    /// A later keyword with `within` or a relative non-content keyword
    /// depends on this match: on its failure, try this content's next
    /// occurrence (Suricata's DETECT_CONTENT_WITHIN_NEXT).
    pub(crate) within_next: bool,
    /// A later distance-only content depends on this match (no retry:
    /// an earlier occurrence leaves it the widest window).
    pub(crate) distance_next: bool,
    searcher: Searcher,
}

/// A single-pattern searcher: memchr for the pattern's rarest byte (both
/// cases when caseless), then a compare around each hit. ET Open has some
/// 38,000 contents (12,000 nocase); an aho-corasick automaton per nocase
/// content cost 48 MB and a quarter second of rule loading, a memmem
/// Finder per content 8 MB more, and both were slower on packet-sized
/// buffers than this, which costs the pattern's bytes.
#[derive(Clone, Debug)]
struct Searcher {
    pattern: Box<[u8]>,
    caseless: bool,
    /// Index of the byte searched for first.
    anchor: usize,
    lower: u8,
    upper: u8,
}

impl Searcher {
    fn new(pattern: &[u8], nocase: bool) -> Searcher {
        let caseless = nocase && pattern.iter().any(u8::is_ascii_alphabetic);
        let anchor = (0..pattern.len())
            .min_by_key(|&i| commonness(pattern[i]))
            .unwrap_or(0);
        let b = pattern.get(anchor).copied().unwrap_or(0);
        let (lower, upper) = if caseless {
            (b.to_ascii_lowercase(), b.to_ascii_uppercase())
        } else {
            (b, b)
        };
        Searcher {
            pattern: pattern.into(),
            caseless,
            anchor,
            lower,
            upper,
        }
    }

    fn find(&self, hay: &[u8]) -> Option<usize> {
        let n = self.pattern.len();
        if n == 0 || hay.len() < n {
            return (n == 0).then_some(0);
        }
        // The anchor byte can only sit where a whole pattern still fits.
        let end = hay.len() - (n - 1 - self.anchor);
        let mut i = self.anchor;
        while i < end {
            let window = &hay[i..end];
            let k = if self.lower == self.upper {
                memchr::memchr(self.lower, window)
            } else {
                memchr::memchr2(self.lower, self.upper, window)
            }?;
            let start = i + k - self.anchor;
            if hay.get(start..start + n).is_some_and(|w| {
                if self.caseless {
                    w.eq_ignore_ascii_case(&self.pattern)
                } else {
                    *w == *self.pattern
                }
            }) {
                return Some(start);
            }
            i += k + 1;
        }
        None
    }
}

/// How often a byte shows up in network payloads, roughly (lower is
/// rarer): the anchor of a caseless search is the rarest byte.
fn commonness(b: u8) -> u8 {
    match b.to_ascii_lowercase() {
        b'e' | b't' | b'a' | b'o' | b'i' | b'n' | b's' | b'r' | b' ' | 0 => 9,
        b'h' | b'l' | b'd' | b'c' | b'u' | b'/' | b'.' | b'=' | b'\r' | b'\n' => 8,
        b'm' | b'f' | b'p' | b'g' | b'w' | b'y' | b'b' | b':' | b'-' | b'0'..=b'9' => 7,
        b'v' | b'k' | b'&' | b'?' | b'%' | b'_' | 0xff => 6,
        b'x' | b'j' | b'q' | b'z' => 4,
        _ => 2,
    }
}

impl Content {
    /// Parses a content value: optional `!`, quotes, `|hex|` runs and the
    /// escapes `\"`, `\;`, `\:`, `\\`.
    pub fn parse(value: &str) -> Result<Content, KeywordError> {
        let (negated, pattern) = parse_pattern("content", value)?;
        Ok(Content::new(pattern, negated))
    }

    /// A plain content (no modifiers) matching `pattern`.
    pub fn new(pattern: Vec<u8>, negated: bool) -> Content {
        let searcher = Searcher::new(&pattern, false);
        Content {
            pattern,
            negated,
            nocase: false,
            rawbytes: false,
            depth: None,
            offset: None,
            distance: None,
            within: None,
            startswith: false,
            endswith: false,
            fast_pattern: None,
            within_next: false,
            distance_next: false,
            searcher,
        }
    }

    /// Finds the first occurrence in `hay`: its start.
    pub(crate) fn find(&self, hay: &[u8]) -> Option<usize> {
        self.searcher.find(hay)
    }

    /// Whether the position of this content is tied to the previous match.
    pub fn is_relative(&self) -> bool {
        self.distance.is_some() || self.within.is_some()
    }

    /// Suricata's DETECT_CONTENT_IS_SINGLE: no position constraint at all,
    /// so a negated hit can stop the whole inspection.
    pub(crate) fn is_single(&self) -> bool {
        !(self.is_relative()
            || self.within_next
            || self.distance_next
            || self.depth.is_some()
            || self.offset.is_some()
            || self.startswith)
    }

    pub(crate) fn apply_modifier(
        &mut self,
        name: &str,
        value: Option<&str>,
        vars: &ByteVars,
    ) -> Result<(), KeywordError> {
        let no_value = |v: Option<&str>| -> Result<(), KeywordError> {
            match v {
                Some(s) if !s.trim().is_empty() => Err(KeywordError::new(name, "takes no value")),
                _ => Ok(()),
            }
        };
        let need = |v: Option<&str>| -> Result<String, KeywordError> {
            match v {
                Some(s) if !s.trim().is_empty() => Ok(s.to_string()),
                _ => Err(KeywordError::new(name, "needs a value")),
            }
        };
        let len = self.pattern.len() as i64;
        match name {
            "nocase" => {
                no_value(value)?;
                if self.nocase {
                    return Err(KeywordError::new(name, "given twice for the same content"));
                }
                self.nocase = true;
                self.searcher = Searcher::new(&self.pattern, true);
            }
            "rawbytes" => {
                no_value(value)?;
                self.rawbytes = true;
            }
            "depth" | "offset" => {
                let v = need(value)?;
                if self.is_relative() {
                    return Err(KeywordError::new(
                        name,
                        "cannot be combined with a relative keyword (distance/within) on the same content",
                    ));
                }
                if self.startswith {
                    return Err(KeywordError::new(
                        name,
                        "cannot be combined with startswith",
                    ));
                }
                let slot = if name == "depth" {
                    &mut self.depth
                } else {
                    &mut self.offset
                };
                if slot.is_some() {
                    return Err(KeywordError::new(name, "given twice for the same content"));
                }
                let op = operand(name, name, &v, 0, u16::MAX as i64, vars)?;
                if name == "depth"
                    && let Operand::Lit(d) = op
                    && d < len
                {
                    return Err(KeywordError::new(
                        name,
                        format!("depth {d} is smaller than the content length {len}"),
                    ));
                }
                *slot = Some(op);
            }
            "distance" | "within" => {
                let v = need(value)?;
                if self.depth.is_some() || self.offset.is_some() {
                    return Err(KeywordError::new(
                        name,
                        "cannot be combined with an absolute keyword (depth/offset) on the same content",
                    ));
                }
                if self.startswith {
                    return Err(KeywordError::new(
                        name,
                        "cannot be combined with startswith",
                    ));
                }
                let slot = if name == "distance" {
                    &mut self.distance
                } else {
                    &mut self.within
                };
                if slot.is_some() {
                    return Err(KeywordError::new(name, "given twice for the same content"));
                }
                let op = operand(
                    name,
                    name,
                    &v,
                    -MAX_RELATIVE_DISTANCE,
                    MAX_RELATIVE_DISTANCE,
                    vars,
                )?;
                if name == "within"
                    && let Operand::Lit(w) = op
                {
                    if w == 0 {
                        return Err(KeywordError::new(name, "within can not be 0"));
                    }
                    if w < len {
                        return Err(KeywordError::new(
                            name,
                            format!("within {w} is less than the content length {len}"),
                        ));
                    }
                }
                *slot = Some(op);
            }
            "startswith" => {
                no_value(value)?;
                if self.startswith {
                    return Err(KeywordError::new(name, "given twice for the same content"));
                }
                if self.depth.is_some()
                    || self.offset.is_some()
                    || self.distance.is_some()
                    || self.within.is_some()
                {
                    return Err(KeywordError::new(
                        name,
                        "cannot be mixed with depth, offset, within or distance",
                    ));
                }
                self.startswith = true;
            }
            "endswith" => {
                no_value(value)?;
                if self.endswith {
                    return Err(KeywordError::new(name, "given twice for the same content"));
                }
                self.endswith = true;
            }
            "fast_pattern" => {
                if self.fast_pattern.is_some() {
                    return Err(KeywordError::new(name, "given twice for the same content"));
                }
                let spec = parse_fast_pattern(value, self.pattern.len())?;
                if spec.only && self.negated {
                    return Err(KeywordError::new(
                        name,
                        "fast_pattern:only cannot be used on a negated content",
                    ));
                }
                self.fast_pattern = Some(spec);
            }
            _ => return Err(KeywordError::new(name, "not a content modifier")),
        }
        Ok(())
    }
}

fn parse_fast_pattern(value: Option<&str>, len: usize) -> Result<FastPatternSpec, KeywordError> {
    let kw = "fast_pattern";
    let Some(v) = value.map(unquote).filter(|v| !v.is_empty()) else {
        return Ok(FastPatternSpec::default());
    };
    if v == "only" {
        return Ok(FastPatternSpec {
            only: true,
            chop: None,
        });
    }
    let Some((a, b)) = v.split_once(',') else {
        return Err(KeywordError::new(kw, format!("invalid value '{v}'")));
    };
    let (Ok(off), Ok(n)) = (a.trim().parse::<u16>(), b.trim().parse::<u16>()) else {
        return Err(KeywordError::new(kw, format!("invalid chop '{v}'")));
    };
    if n == 0 || off as usize + n as usize > len {
        return Err(KeywordError::new(
            kw,
            format!("chop {off},{n} does not fit a content of {len} bytes"),
        ));
    }
    Ok(FastPatternSpec {
        only: false,
        chop: Some((off, n)),
    })
}

/// Parses `[!]"bytes"` as content-like keywords write it: `|41 42|` hex
/// runs (spaces allowed between digits) and the escapes `\"` `\;` `\:`
/// `\\`; any other escape is an error, as in Suricata.
pub(crate) fn parse_pattern(keyword: &str, value: &str) -> Result<(bool, Vec<u8>), KeywordError> {
    let mut t = value.trim();
    let negated = match t.strip_prefix('!') {
        Some(rest) => {
            t = rest.trim_start();
            true
        }
        None => false,
    };
    if t.len() >= 2 && t.starts_with('"') && t.ends_with('"') {
        t = &t[1..t.len() - 1];
    } else if t.starts_with('"') || (t.ends_with('"') && !t.ends_with("\\\"")) {
        return Err(KeywordError::new(keyword, "unbalanced quotes"));
    }
    let mut out = Vec::with_capacity(t.len());
    let mut in_hex = false;
    let mut escape = false;
    let mut hex_hi: Option<u8> = None;
    for &b in t.as_bytes() {
        if in_hex {
            match b {
                b'|' => {
                    if hex_hi.is_some() {
                        return Err(KeywordError::new(keyword, "odd number of hex digits"));
                    }
                    in_hex = false;
                }
                b' ' | b'\t' => {
                    if hex_hi.is_some() {
                        return Err(KeywordError::new(keyword, "space inside a hex byte"));
                    }
                }
                _ => {
                    let d = (b as char).to_digit(16).ok_or_else(|| {
                        KeywordError::new(
                            keyword,
                            format!("invalid hex character '{}'", b.escape_ascii()),
                        )
                    })? as u8;
                    match hex_hi.take() {
                        Some(h) => out.push(h << 4 | d),
                        None => hex_hi = Some(d),
                    }
                }
            }
        } else if escape {
            match b {
                b'"' | b';' | b':' | b'\\' => out.push(b),
                _ => {
                    return Err(KeywordError::new(
                        keyword,
                        format!("'\\{}' is not a valid escape", b.escape_ascii()),
                    ));
                }
            }
            escape = false;
        } else {
            match b {
                b'\\' => escape = true,
                b'|' => in_hex = true,
                _ => out.push(b),
            }
        }
    }
    if in_hex {
        return Err(KeywordError::new(
            keyword,
            "unterminated hex run (missing '|')",
        ));
    }
    if escape {
        return Err(KeywordError::new(keyword, "trailing backslash"));
    }
    if out.is_empty() {
        return Err(KeywordError::new(keyword, "empty pattern"));
    }
    if out.len() > u16::MAX as usize {
        return Err(KeywordError::new(
            keyword,
            "pattern longer than 65535 bytes",
        ));
    }
    Ok((negated, out))
}
