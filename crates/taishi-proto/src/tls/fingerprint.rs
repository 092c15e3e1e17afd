//! Client and server fingerprints: JA3, JA3S (Salesforce) and JA4
//! (FoxIO), computed once per hello, written by hand (DESIGN.md).
//!
//! JA3 is `version,ciphers,extensions,groups,point_formats` with GREASE
//! removed and values joined by `-`, hashed with MD5; JA3S is
//! `version,cipher,extensions`. Suricata computes them from the hello's
//! legacy version, which we follow.
//!
//! JA4 follows FoxIO's specification (technical_details/JA4.md):
//! `t<ver><d|i><nn ciphers><nn extensions><alpn>_<sha256 of sorted
//! ciphers, 12 hex>_<sha256 of sorted extensions without SNI/ALPN, "_",
//! signature algorithms in order, 12 hex>`; an empty list hashes to
//! `000000000000`.

use std::fmt::Write;

use md5::{Digest, Md5};
use sha2::Sha256;

use super::parser::{self, Extensions, ext, is_grease, u16s};

/// A JA3 or JA3S fingerprint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ja3 {
    /// The fingerprint string.
    pub string: String,
    /// Its MD5, lower-case hex.
    pub hash: String,
}

impl Ja3 {
    fn from_string(string: String) -> Ja3 {
        let hash = hex(&Md5::digest(string.as_bytes()));
        Ja3 { string, hash }
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

// Fingerprints are logged for every TLS flow by default, so their
// formatting is on the per-flow path: `write!` with `{:02x}` or `{}` per
// value was most of what logging them cost (measured on the bench
// capture), hence hex and decimal by hand.

/// Lower-case hex.
fn hex(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len() * 2);
    for x in b {
        s.push(char::from(HEX[usize::from(x >> 4)]));
        s.push(char::from(HEX[usize::from(x & 0xf)]));
    }
    s
}

/// Appends `v` in decimal.
fn push_u16(s: &mut String, v: u16) {
    // 65535 has five digits.
    let mut digits = [0u8; 5];
    let mut n = v;
    let mut len = 0;
    for d in digits.iter_mut().rev() {
        *d = b'0' + (n % 10) as u8;
        n /= 10;
        len += 1;
        if n == 0 {
            break;
        }
    }
    for &d in digits.iter().skip(digits.len() - len) {
        s.push(char::from(d));
    }
}

fn push_list(s: &mut String, vals: impl Iterator<Item = u16>) {
    let mut first = true;
    for v in vals.filter(|v| !is_grease(*v)) {
        if !first {
            s.push('-');
        }
        first = false;
        push_u16(s, v);
    }
}

/// JA3 of a ClientHello.
pub fn ja3(h: &parser::Hello<'_>) -> Ja3 {
    let mut s = String::with_capacity(128);
    push_u16(&mut s, h.version);
    s.push(',');
    push_list(&mut s, u16s(h.ciphers));
    s.push(',');
    push_list(&mut s, Extensions::new(h.extensions).map(|(t, _)| t));
    s.push(',');
    let mut groups: &[u8] = &[];
    let mut formats: &[u8] = &[];
    for (t, d) in Extensions::new(h.extensions) {
        match t {
            ext::SUPPORTED_GROUPS => {
                groups = parser::Reader::new(d).vec16("groups").unwrap_or(&[]);
            }
            ext::EC_POINT_FORMATS => {
                formats = parser::Reader::new(d).vec8("formats").unwrap_or(&[]);
            }
            _ => {}
        }
    }
    push_list(&mut s, u16s(groups));
    s.push(',');
    push_list(&mut s, formats.iter().map(|b| u16::from(*b)));
    Ja3::from_string(s)
}

/// JA3S of a ServerHello.
pub fn ja3s(h: &parser::Hello<'_>) -> Ja3 {
    let mut s = String::with_capacity(64);
    push_u16(&mut s, h.version);
    s.push(',');
    push_list(&mut s, u16s(h.ciphers));
    s.push(',');
    push_list(&mut s, Extensions::new(h.extensions).map(|(t, _)| t));
    Ja3::from_string(s)
}

fn ja4_version(v: u16) -> &'static str {
    match v {
        0x0304 => "13",
        0x0303 => "12",
        0x0302 => "11",
        0x0301 => "10",
        0x0300 => "s3",
        0x0002 => "s2",
        0xfeff => "d1",
        0xfefd => "d2",
        0xfefc => "d3",
        _ => "00",
    }
}

fn ja4_alpn(first: Option<&[u8]>) -> [char; 2] {
    let Some(p) = first else { return ['0', '0'] };
    let (Some(&a), Some(&z)) = (p.first(), p.last()) else {
        return ['0', '0'];
    };
    if a.is_ascii_alphanumeric() && z.is_ascii_alphanumeric() {
        return [char::from(a), char::from(z)];
    }
    // Non-alphanumeric: first and last characters of the hex form.
    [
        char::from(HEX[usize::from(a >> 4)]),
        char::from(HEX[usize::from(z & 0xf)]),
    ]
}

fn sha12(s: &str) -> String {
    if s.is_empty() {
        return "000000000000".to_string();
    }
    let mut h = hex(&Sha256::digest(s.as_bytes()));
    h.truncate(12);
    h
}

fn join_hex(vals: &[u16]) -> String {
    let mut s = String::with_capacity(vals.len() * 5);
    for (i, v) in vals.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        for shift in [12, 8, 4, 0] {
            s.push(char::from(HEX[usize::from((v >> shift) & 0xf)]));
        }
    }
    s
}

/// JA4 of a ClientHello over TCP.
pub fn ja4(h: &parser::Hello<'_>) -> String {
    let mut version = h.version;
    let mut sni = false;
    let mut alpn_first: Option<&[u8]> = None;
    let mut n_ext = 0usize;
    let mut exts: Vec<u16> = Vec::with_capacity(24);
    let mut sigs: Vec<u16> = Vec::new();
    for (t, d) in Extensions::new(h.extensions) {
        if is_grease(t) {
            continue;
        }
        n_ext += 1;
        match t {
            ext::SERVER_NAME => sni = true,
            ext::ALPN => {
                alpn_first = parser::alpn(d).next();
            }
            ext::SUPPORTED_VERSIONS => {
                if let Some(v) = u16s(parser::client_supported_versions(d))
                    .filter(|v| !is_grease(*v))
                    .max()
                {
                    version = v;
                }
            }
            ext::SIGNATURE_ALGORITHMS => {
                let list = parser::Reader::new(d).vec16("sigalgs").unwrap_or(&[]);
                sigs.extend(u16s(list).filter(|v| !is_grease(*v)));
            }
            _ => {}
        }
        if t != ext::SERVER_NAME && t != ext::ALPN {
            exts.push(t);
        }
    }
    let mut ciphers: Vec<u16> = u16s(h.ciphers).filter(|v| !is_grease(*v)).collect();
    let alpn = ja4_alpn(alpn_first);
    let mut out = String::with_capacity(36);
    let _ = write!(
        out,
        "t{}{}{:02}{:02}{}{}_",
        ja4_version(version),
        if sni { 'd' } else { 'i' },
        ciphers.len().min(99),
        n_ext.min(99),
        alpn[0],
        alpn[1]
    );
    ciphers.sort_unstable();
    out.push_str(&sha12(&join_hex(&ciphers)));
    out.push('_');
    exts.sort_unstable();
    let c = if exts.is_empty() {
        String::new()
    } else if sigs.is_empty() {
        join_hex(&exts)
    } else {
        format!("{}_{}", join_hex(&exts), join_hex(&sigs))
    };
    out.push_str(&sha12(&c));
    out
}

#[cfg(test)]
mod tests {
    use super::{hex, join_hex, push_u16};

    #[test]
    fn hand_formatting_matches_the_formatter() {
        for v in [0u16, 1, 9, 10, 99, 100, 771, 4865, 10000, 65281, 65535] {
            let mut s = String::from("x");
            push_u16(&mut s, v);
            assert_eq!(s, format!("x{v}"));
        }
        assert_eq!(hex(&[0x00, 0x0f, 0xa5, 0xff]), "000fa5ff");
        assert_eq!(join_hex(&[0x1301, 0x000a, 0xffff]), "1301,000a,ffff");
        assert_eq!(join_hex(&[]), "");
    }
}
