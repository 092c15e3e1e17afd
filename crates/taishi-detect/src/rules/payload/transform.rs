//! Transforms: a sticky buffer turned into something else before its
//! contents are matched (Suricata 8's set). `domain` and `tld` read the
//! public suffix list compiled into the `psl` crate (as Suricata's do), so
//! they need no file at run time but follow the list of the build;
//! `luaxform` is reported as unsupported.

use md5::{Digest, Md5};
use pcre2::bytes::{Regex, RegexBuilder};
use sha1::Sha1;
use sha2::Sha256;

use super::base64::{self, Mode};
use super::value::{parse_u64, split_args, unquote};
use super::{KeywordError, MAX_BASE64_DECODED, PayloadOp};

/// One buffer transform.
#[derive(Clone, Debug)]
pub enum Transform {
    /// `dotprefix`: prepend a `.`.
    DotPrefix,
    /// `strip_whitespace`: drop ASCII whitespace.
    StripWhitespace,
    /// `compress_whitespace`: keep the first of each whitespace run.
    CompressWhitespace,
    /// `to_lowercase`.
    ToLowercase,
    /// `to_uppercase`.
    ToUppercase,
    /// `to_md5`: the 16-byte digest.
    ToMd5,
    /// `to_sha1`: the 20-byte digest.
    ToSha1,
    /// `to_sha256`: the 32-byte digest.
    ToSha256,
    /// `url_decode`: `%XX` and `+`.
    UrlDecode,
    /// `xor:"hexkey"`.
    Xor(Vec<u8>),
    /// `header_lowercase`: header names (before `:`) lowercased.
    HeaderLowercase,
    /// `strip_pseudo_headers`: HTTP/2 `:name` lines removed.
    StripPseudoHeaders,
    /// `pcrexform:"regex"`: the first capture group of the match.
    Pcrexform(Regex),
    /// `subslice:offset[, count][, truncate]`: a slice of the buffer. A
    /// negative offset counts from the end, a negative count ends that many
    /// bytes before the end; a slice that does not fit gives an empty
    /// buffer, or with `truncate` is clipped to the buffer.
    Subslice {
        /// Start (negative: from the end).
        offset: i64,
        /// Length (negative: end counted from the buffer's end); `None`: to the end.
        count: Option<i64>,
        /// Clip instead of emptying.
        truncate: bool,
    },
    /// `gunzip[:max-size N]`: the gzip-decompressed buffer, at most N
    /// bytes (1024 by default, as Suricata's).
    Gunzip {
        /// Output limit.
        max_size: usize,
    },
    /// `zlib_deflate[:max-size N]`: the zlib-decompressed buffer.
    ZlibDeflate {
        /// Output limit.
        max_size: usize,
    },
    /// `domain`: the registrable domain (public suffix plus one label),
    /// empty when the name has none.
    Domain,
    /// `tld`: the public suffix (`co.uk` of `www.bbc.co.uk`), empty when
    /// the name has none.
    Tld,
    /// `from_base64[:bytes N, offset N, mode M]`.
    FromBase64 {
        /// Input bytes to decode at most (0: all).
        bytes: u32,
        /// Input bytes skipped first.
        offset: u32,
        /// Treatment of invalid characters.
        mode: Mode,
    },
}

/// Parses `name` as a transform: `Ok(None)` when it is not one.
pub(crate) fn parse(name: &str, value: Option<&str>) -> Result<Option<Transform>, KeywordError> {
    let plain = |t: Transform| -> Result<Option<Transform>, KeywordError> {
        match value {
            Some(v) if !v.trim().is_empty() => Err(KeywordError::new(name, "takes no value")),
            _ => Ok(Some(t)),
        }
    };
    match name {
        "dotprefix" => plain(Transform::DotPrefix),
        "strip_whitespace" => plain(Transform::StripWhitespace),
        "compress_whitespace" => plain(Transform::CompressWhitespace),
        "to_lowercase" => plain(Transform::ToLowercase),
        "to_uppercase" => plain(Transform::ToUppercase),
        "to_md5" => plain(Transform::ToMd5),
        "to_sha1" => plain(Transform::ToSha1),
        "to_sha256" => plain(Transform::ToSha256),
        "url_decode" => plain(Transform::UrlDecode),
        "header_lowercase" => plain(Transform::HeaderLowercase),
        "strip_pseudo_headers" => plain(Transform::StripPseudoHeaders),
        "domain" => plain(Transform::Domain),
        "tld" => plain(Transform::Tld),
        "xor" => {
            let v = unquote(value.unwrap_or(""));
            if v.is_empty() || !v.len().is_multiple_of(2) || v.len() > 510 {
                return Err(KeywordError::new(name, "key must be 1 to 255 hex bytes"));
            }
            let key = (0..v.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&v[i..i + 2], 16))
                .collect::<Result<Vec<u8>, _>>()
                .map_err(|_| KeywordError::new(name, format!("invalid hex key '{v}'")))?;
            Ok(Some(Transform::Xor(key)))
        }
        "pcrexform" => {
            let v = unquote(value.unwrap_or(""));
            if v.is_empty() {
                return Err(KeywordError::new(name, "needs a regex"));
            }
            let re = RegexBuilder::new()
                .jit_if_available(true)
                .build(v)
                .map_err(|e| KeywordError::new(name, format!("regex does not compile: {e}")))?;
            if re.captures_len() < 2 {
                return Err(KeywordError::new(name, "regex needs a capture group"));
            }
            Ok(Some(Transform::Pcrexform(re)))
        }
        "subslice" => {
            let v = value.map(unquote).unwrap_or("");
            let mut parts = split_args(v).into_iter().filter(|p| !p.is_empty());
            let num = |p: Option<&str>, what: &str| -> Result<i64, KeywordError> {
                let p = p.unwrap_or("");
                super::value::parse_i64(p)
                    .filter(|n| n.abs() <= u32::MAX as i64)
                    .ok_or_else(|| KeywordError::new(name, format!("invalid {what} '{p}'")))
            };
            let offset = num(parts.next(), "offset")?;
            let (mut count, mut truncate) = (None, false);
            for p in parts {
                if p == "truncate" && !truncate {
                    truncate = true;
                } else if count.is_none() && !truncate {
                    count = Some(num(Some(p), "count")?);
                } else {
                    return Err(KeywordError::new(name, format!("unexpected '{p}'")));
                }
            }
            Ok(Some(Transform::Subslice {
                offset,
                count,
                truncate,
            }))
        }
        "from_base64" => {
            let (mut bytes, mut offset, mut mode) = (0u32, 0u32, Mode::Rfc4648);
            if let Some(v) = value.filter(|v| !v.trim().is_empty()) {
                for a in split_args(v) {
                    let mut w = a.split_whitespace();
                    match (w.next().unwrap_or(""), w.next()) {
                        ("bytes", Some(n)) => {
                            bytes = parse_u64(n)
                                .filter(|&n| n > 0 && n <= u32::MAX as u64)
                                .ok_or_else(|| {
                                    KeywordError::new(name, format!("invalid bytes '{n}'"))
                                })? as u32
                        }
                        ("offset", Some(n)) => {
                            offset =
                                parse_u64(n)
                                    .filter(|&n| n <= u32::MAX as u64)
                                    .ok_or_else(|| {
                                        KeywordError::new(name, format!("invalid offset '{n}'"))
                                    })? as u32
                        }
                        ("mode", Some(m)) => {
                            mode = match m {
                                "rfc2045" => Mode::Rfc2045,
                                "rfc4648" => Mode::Rfc4648,
                                "strict" => Mode::Strict,
                                _ => {
                                    return Err(KeywordError::new(
                                        name,
                                        format!("unknown mode '{m}'"),
                                    ));
                                }
                            }
                        }
                        _ => return Err(KeywordError::new(name, format!("unknown option '{a}'"))),
                    }
                }
            }
            Ok(Some(Transform::FromBase64 {
                bytes,
                offset,
                mode,
            }))
        }
        "gunzip" | "zlib_deflate" => {
            let mut max_size = 1024usize;
            if let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) {
                for part in v.split(',') {
                    let mut words = part.split_whitespace();
                    match (words.next(), words.next(), words.next()) {
                        (Some("max-size"), Some(n), None) => {
                            max_size = n
                                .parse::<usize>()
                                .ok()
                                .filter(|&n| n > 0 && n <= 16 << 20)
                                .ok_or_else(|| {
                                    KeywordError::new(name, format!("invalid max-size '{n}'"))
                                })?;
                        }
                        _ => {
                            return Err(KeywordError::new(
                                name,
                                format!("unknown option '{}'", part.trim()),
                            ));
                        }
                    }
                }
            }
            Ok(Some(if name == "gunzip" {
                Transform::Gunzip { max_size }
            } else {
                Transform::ZlibDeflate { max_size }
            }))
        }
        "luaxform" => Err(KeywordError::unsupported(
            name,
            "transform not supported by Taishi yet",
        )),
        _ => Ok(None),
    }
}

fn is_ws(b: u8) -> bool {
    b.is_ascii_whitespace()
}

impl Transform {
    /// Suricata's transform validation: a content that the transformed
    /// buffer can never hold makes the rule invalid.
    pub(crate) fn validate_against(&self, ops: &[PayloadOp]) -> Result<(), KeywordError> {
        let (name, bad): (&str, fn(&[u8]) -> bool) = match self {
            Transform::StripWhitespace => ("strip_whitespace", |p| p.iter().any(|&b| is_ws(b))),
            Transform::CompressWhitespace => ("compress_whitespace", |p| {
                p.windows(2).any(|w| is_ws(w[0]) && is_ws(w[1]))
            }),
            Transform::ToLowercase => ("to_lowercase", |p| p.iter().any(u8::is_ascii_uppercase)),
            Transform::ToUppercase => ("to_uppercase", |p| p.iter().any(u8::is_ascii_lowercase)),
            _ => return Ok(()),
        };
        for op in ops {
            if let PayloadOp::Content(c) = op
                && !c.nocase
                && bad(&c.pattern)
            {
                return Err(KeywordError::new(
                    name,
                    "a content of this buffer can never match the transformed data",
                ));
            }
        }
        Ok(())
    }

    /// Writes the transform of `input` into `out` (cleared first).
    pub(crate) fn apply(&self, input: &[u8], out: &mut Vec<u8>) {
        out.clear();
        match self {
            // An empty buffer stays empty, as in Suricata.
            Transform::DotPrefix if input.is_empty() => {}
            Transform::DotPrefix => {
                out.push(b'.');
                out.extend_from_slice(input);
            }
            Transform::StripWhitespace => out.extend(input.iter().copied().filter(|&b| !is_ws(b))),
            Transform::CompressWhitespace => {
                let mut prev_ws = false;
                for &b in input {
                    let ws = is_ws(b);
                    if !(ws && prev_ws) {
                        out.push(b);
                    }
                    prev_ws = ws;
                }
            }
            Transform::ToLowercase => out.extend(input.iter().map(u8::to_ascii_lowercase)),
            Transform::ToUppercase => out.extend(input.iter().map(u8::to_ascii_uppercase)),
            Transform::ToMd5 => out.extend_from_slice(&Md5::digest(input)),
            Transform::ToSha1 => out.extend_from_slice(&Sha1::digest(input)),
            Transform::ToSha256 => out.extend_from_slice(&Sha256::digest(input)),
            Transform::UrlDecode => url_decode(input, out),
            Transform::Xor(key) => {
                out.extend(input.iter().zip(key.iter().cycle()).map(|(&b, &k)| b ^ k))
            }
            // Suricata's state machine: names are lowercased up to the
            // first ':' of a line, values copied up to the line's end.
            Transform::HeaderLowercase => {
                let mut in_value = false;
                for &b in input {
                    if in_value {
                        out.push(b);
                        in_value = b != b'\n';
                    } else {
                        out.push(b.to_ascii_lowercase());
                        in_value = b == b':';
                    }
                }
            }
            Transform::StripPseudoHeaders => {
                for line in input.split_inclusive(|&b| b == b'\n') {
                    if line.first() != Some(&b':') {
                        out.extend_from_slice(line);
                    }
                }
            }
            Transform::Pcrexform(re) => match re.captures(input) {
                Ok(Some(caps)) => match caps.get(1) {
                    Some(m) => out.extend_from_slice(m.as_bytes()),
                    None => out.extend_from_slice(input),
                },
                _ => out.extend_from_slice(input),
            },
            Transform::Subslice {
                offset,
                count,
                truncate,
            } => {
                if let Some(r) = subslice(input.len() as i64, *offset, *count, *truncate) {
                    out.extend_from_slice(&input[r]);
                }
            }
            Transform::Domain => {
                if let Some(d) = psl::domain(input) {
                    out.extend_from_slice(d.as_bytes());
                }
            }
            Transform::Tld => {
                if let Some(t) = psl::suffix(input) {
                    out.extend_from_slice(t.as_bytes());
                }
            }
            Transform::Gunzip { max_size } => {
                inflate(flate2::read::GzDecoder::new(input), *max_size, out)
            }
            Transform::ZlibDeflate { max_size } => {
                inflate(flate2::read::ZlibDecoder::new(input), *max_size, out)
            }
            Transform::FromBase64 {
                bytes,
                offset,
                mode,
            } => {
                let start = (*offset as usize).min(input.len());
                let rest = &input[start..];
                let take = if *bytes == 0 {
                    rest.len()
                } else {
                    (*bytes as usize).min(rest.len())
                };
                let mut tmp = std::mem::take(out);
                if !base64::decode(&rest[..take], *mode, MAX_BASE64_DECODED, &mut tmp) {
                    tmp.clear();
                }
                *out = tmp;
            }
        }
    }
}

/// The range a subslice keeps, `None` for an empty result.
fn subslice(
    len: i64,
    offset: i64,
    count: Option<i64>,
    truncate: bool,
) -> Option<std::ops::Range<usize>> {
    let mut start = if offset < 0 { len + offset } else { offset };
    if start < 0 || start > len {
        if !truncate {
            return None;
        }
        start = start.clamp(0, len);
    }
    let mut end = match count {
        None => len,
        Some(c) if c < 0 => len + c,
        Some(c) => start + c,
    };
    if end > len || end < start {
        if !truncate {
            return None;
        }
        end = end.clamp(start, len);
    }
    Some(start as usize..end as usize)
}

fn url_decode(input: &[u8], out: &mut Vec<u8>) {
    let hex = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let mut i = 0;
    while i < input.len() {
        let c = input[i];
        if c == b'%'
            && let (Some(h), Some(l)) = (
                input.get(i + 1).and_then(|&c| hex(c)),
                input.get(i + 2).and_then(|&c| hex(c)),
            )
        {
            out.push(h << 4 | l);
            i += 3;
            continue;
        }
        out.push(if c == b'+' { b' ' } else { c });
        i += 1;
    }
}

/// Decompresses into `out`, at most `max` bytes; a stream that breaks off
/// keeps what came out before the damage.
fn inflate(mut r: impl std::io::Read, max: usize, out: &mut Vec<u8>) {
    let mut chunk = [0u8; 4096];
    while out.len() < max {
        match r.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                let take = n.min(max - out.len());
                out.extend_from_slice(&chunk[..take]);
            }
        }
    }
}
