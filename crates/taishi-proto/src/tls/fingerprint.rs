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

fn hex(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len() * 2);
    for x in b {
        let _ = write!(s, "{x:02x}");
    }
    s
}

fn push_list(s: &mut String, vals: impl Iterator<Item = u16>) {
    let mut first = true;
    for v in vals.filter(|v| !is_grease(*v)) {
        if !first {
            s.push('-');
        }
        first = false;
        let _ = write!(s, "{v}");
    }
}

/// JA3 of a ClientHello.
pub fn ja3(h: &parser::Hello<'_>) -> Ja3 {
    let mut s = String::with_capacity(128);
    let _ = write!(s, "{},", h.version);
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
    let _ = write!(s, "{},", h.version);
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
    const HEX: &[u8; 16] = b"0123456789abcdef";
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
        let _ = write!(s, "{v:04x}");
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
