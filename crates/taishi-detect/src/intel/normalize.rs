//! One canonical spelling per indicator, so that a feed's value and what
//! the wire shows compare equal as strings: lower-case names and hex,
//! masked CIDR networks, URLs with scheme and host lower-cased, default
//! ports dropped and unreserved characters percent-decoded (RFC 3986 6.2.2).

use super::IndicatorKind;
use std::net::IpAddr;

/// Longest DNS name (RFC 1035 2.3.4); longer is not a name.
const MAX_DOMAIN_LEN: usize = 253;

/// Normalises `value` as a `kind`; None when it is not one.
pub fn normalize_value(value: &str, kind: IndicatorKind) -> Option<String> {
    let v = value.trim();
    match kind {
        IndicatorKind::Ipv4 | IndicatorKind::Ipv6 => {
            let (addr, len) = parse_cidr(v)?;
            let is_v4 = addr.is_ipv4();
            if is_v4 != (kind == IndicatorKind::Ipv4) {
                return None;
            }
            Some(format_cidr(addr, len))
        }
        IndicatorKind::Domain => normalize_domain(v),
        IndicatorKind::Url => normalize_url(v),
        IndicatorKind::Md5 | IndicatorKind::Ja3 | IndicatorKind::Ja3s => normalize_hex(v, 16),
        IndicatorKind::Sha1 | IndicatorKind::CertSha1 => normalize_hex(v, 20),
        IndicatorKind::Sha256 => normalize_hex(v, 32),
        IndicatorKind::Ja4 => {
            let ok = (10..=128).contains(&v.len())
                && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
                && v.contains('_');
            ok.then(|| v.to_ascii_lowercase())
        }
    }
}

/// Guesses what a bare value is (plain lists, CSV without a type column):
/// address or CIDR, URL, 32/40/64 hex digits as MD5/SHA-1/SHA-256 (a bare
/// MD5 is a file hash: JA3 needs a type to be told apart), colon-separated
/// 20-byte hex as a certificate fingerprint (Suricata prints them so),
/// JA4, else a domain name with at least one dot.
pub fn infer_kind(value: &str) -> Option<(IndicatorKind, String)> {
    let v = value.trim();
    if v.is_empty() {
        return None;
    }
    if let Some((addr, len)) = parse_cidr(v) {
        let kind = if addr.is_ipv4() {
            IndicatorKind::Ipv4
        } else {
            IndicatorKind::Ipv6
        };
        return Some((kind, format_cidr(addr, len)));
    }
    if v.contains("://") {
        return normalize_url(v).map(|u| (IndicatorKind::Url, u));
    }
    if v.bytes().all(|b| b.is_ascii_hexdigit()) {
        let kind = match v.len() {
            32 => IndicatorKind::Md5,
            40 => IndicatorKind::Sha1,
            64 => IndicatorKind::Sha256,
            _ => return None,
        };
        return Some((kind, v.to_ascii_lowercase()));
    }
    if v.len() == 59 && v.contains(':') {
        return normalize_hex(v, 20).map(|h| (IndicatorKind::CertSha1, h));
    }
    if v.contains('_') && v.len() > 20 && !v.contains('.') {
        return normalize_value(v, IndicatorKind::Ja4).map(|j| (IndicatorKind::Ja4, j));
    }
    if let Some((host, _)) = v.split_once('/') {
        // `evil.com/path`: a URL without its scheme.
        normalize_domain(host)?;
        return normalize_url(&format!("http://{v}")).map(|u| (IndicatorKind::Url, u));
    }
    if !v.contains('.') {
        return None;
    }
    normalize_domain(v).map(|d| (IndicatorKind::Domain, d))
}

/// An address or `addr/len` with the network's host bits cleared.
pub(crate) fn parse_cidr(v: &str) -> Option<(IpAddr, u8)> {
    let v = v.trim();
    let (a, len) = match v.split_once('/') {
        Some((a, l)) => {
            if l.is_empty() || l.len() > 3 || !l.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            (a, Some(l.parse::<u8>().ok()?))
        }
        None => (v, None),
    };
    let addr: IpAddr = a.trim_matches(['[', ']']).parse().ok()?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let len = len.unwrap_or(max);
    if len > max {
        return None;
    }
    let addr = match addr {
        IpAddr::V4(a) => {
            let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
            IpAddr::V4((u32::from(a) & mask).into())
        }
        IpAddr::V6(a) => {
            let mask = if len == 0 {
                0
            } else {
                u128::MAX << (128 - len)
            };
            IpAddr::V6((u128::from(a) & mask).into())
        }
    };
    Some((addr, len))
}

fn format_cidr(addr: IpAddr, len: u8) -> String {
    let full = if addr.is_ipv4() { 32 } else { 128 };
    if len == full {
        addr.to_string()
    } else {
        format!("{addr}/{len}")
    }
}

/// Lower-case, without a trailing dot or a leading `*.`; None unless every
/// label is 1-63 letters, digits, `-` or `_`.
pub fn normalize_domain(v: &str) -> Option<String> {
    let v = v.trim();
    let v = v.strip_suffix('.').unwrap_or(v);
    let v = v.strip_prefix("*.").unwrap_or(v);
    if v.is_empty() || v.len() > MAX_DOMAIN_LEN {
        return None;
    }
    for label in v.split('.') {
        if label.is_empty()
            || label.len() > 63
            || !label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return None;
        }
    }
    // A bare address is not a domain, nor is anything with a numeric
    // top-level label (`300.1.2.3`).
    if v.parse::<IpAddr>().is_ok()
        || v.rsplit('.')
            .next()
            .is_some_and(|t| t.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    Some(v.to_ascii_lowercase())
}

/// Hex of `bytes` bytes, colons and spaces ignored, lower-cased.
pub fn normalize_hex(v: &str, bytes: usize) -> Option<String> {
    let h: String = v
        .trim()
        .chars()
        .filter(|c| *c != ':' && *c != ' ' && *c != '-')
        .map(|c| c.to_ascii_lowercase())
        .collect();
    (h.len() == bytes * 2 && h.bytes().all(|b| b.is_ascii_hexdigit())).then_some(h)
}

/// RFC 3986 normalisation of a URL: scheme and host lower-case, the
/// scheme's default port dropped, user info and fragment dropped (neither
/// identifies the resource a client fetched), an empty path as `/`,
/// unreserved characters percent-decoded and other escapes in upper-case
/// hex. A URL without a scheme gets `http://`. None if there is no host.
pub fn normalize_url(v: &str) -> Option<String> {
    let v = v.trim();
    let (scheme, rest) = match v.find("://") {
        Some(i) => (v.get(..i)?.to_ascii_lowercase(), v.get(i + 3..)?),
        None => ("http".to_string(), v),
    };
    if scheme.is_empty()
        || !scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
    {
        return None;
    }
    let split = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(split);
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let (host, port) = split_host_port(authority)?;
    let host = host.to_ascii_lowercase();
    if host.is_empty() || host.bytes().any(|b| b.is_ascii_whitespace()) {
        return None;
    }
    let default = match scheme.as_str() {
        "http" | "ws" => Some(80),
        "https" | "wss" => Some(443),
        "ftp" => Some(21),
        _ => None,
    };
    let mut out = String::with_capacity(v.len() + 8);
    out.push_str(&scheme);
    out.push_str("://");
    if host.contains(':') {
        out.push('[');
        out.push_str(&host);
        out.push(']');
    } else {
        out.push_str(&host);
    }
    if let Some(p) = port
        && Some(p) != default
    {
        out.push(':');
        out.push_str(&p.to_string());
    }
    let path = path.split_once('#').map_or(path, |(p, _)| p);
    if !path.starts_with('/') {
        out.push('/');
    }
    push_decoded(&mut out, path);
    Some(out)
}

fn split_host_port(a: &str) -> Option<(&str, Option<u16>)> {
    if let Some(rest) = a.strip_prefix('[') {
        let (h, after) = rest.split_once(']')?;
        let port = match after.strip_prefix(':') {
            Some(p) if !p.is_empty() => Some(p.parse().ok()?),
            _ => None,
        };
        return Some((h, port));
    }
    match a.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') => {
            if p.is_empty() {
                Some((h, None))
            } else {
                Some((h, Some(p.parse().ok()?)))
            }
        }
        _ => Some((a, None)),
    }
}

fn push_decoded(out: &mut String, path: &str) {
    let b = path.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'%'
            && let (Some(h), Some(l)) =
                (b.get(i + 1).and_then(hexval), b.get(i + 2).and_then(hexval))
        {
            let byte = h * 16 + l;
            if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
                out.push(byte as char);
            } else {
                out.push('%');
                out.push(HEX[usize::from(h)] as char);
                out.push(HEX[usize::from(l)] as char);
            }
            i += 3;
            continue;
        }
        // Multi-byte UTF-8 passes through whole: find the char at i.
        match path.get(i..).and_then(|s| s.chars().next()) {
            Some(ch) => {
                out.push(ch);
                i += ch.len_utf8();
            }
            None => i += 1,
        }
    }
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

fn hexval(b: &u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            normalize_url("HTTP://Evil.COM:80/a%2Db%2fc?x=%7e#frag").unwrap(),
            "http://evil.com/a-b%2Fc?x=~"
        );
        assert_eq!(
            normalize_url("https://evil.com:443").unwrap(),
            "https://evil.com/"
        );
        assert_eq!(
            normalize_url("https://evil.com:8443/x").unwrap(),
            "https://evil.com:8443/x"
        );
        assert_eq!(
            normalize_url("http://user:pw@evil.com/x").unwrap(),
            "http://evil.com/x"
        );
        assert_eq!(normalize_url("evil.com/x").unwrap(), "http://evil.com/x");
        assert_eq!(
            normalize_url("http://[2001:DB8::1]:8080/").unwrap(),
            "http://[2001:db8::1]:8080/"
        );
        assert!(normalize_url("http://evil.com:99999/").is_none());
        assert!(normalize_url("http:///x").is_none());
    }

    #[test]
    fn inference() {
        let k = |v: &str| infer_kind(v);
        assert_eq!(
            k("10.1.2.3/8"),
            Some((IndicatorKind::Ipv4, "10.0.0.0/8".into()))
        );
        assert_eq!(
            k("192.0.2.1"),
            Some((IndicatorKind::Ipv4, "192.0.2.1".into()))
        );
        assert_eq!(
            k("2001:db8::/32"),
            Some((IndicatorKind::Ipv6, "2001:db8::/32".into()))
        );
        assert_eq!(
            k("Evil.Example.COM."),
            Some((IndicatorKind::Domain, "evil.example.com".into()))
        );
        assert_eq!(
            k("d41d8cd98f00b204e9800998ecf8427E"),
            Some((
                IndicatorKind::Md5,
                "d41d8cd98f00b204e9800998ecf8427e".into()
            ))
        );
        assert_eq!(
            k("da39a3ee5e6b4b0d3255bfef95601890afd80709").unwrap().0,
            IndicatorKind::Sha1
        );
        assert_eq!(k(&"a".repeat(64)).unwrap().0, IndicatorKind::Sha256);
        assert_eq!(
            k("CB:69:D0:4E:C2:EE:06:38:E9:3C:6E:CC:56:B7:DC:C1:F8:43:C2:47"),
            Some((
                IndicatorKind::CertSha1,
                "cb69d04ec2ee0638e93c6ecc56b7dcc1f843c247".into()
            ))
        );
        assert_eq!(
            k("t13d1516h2_8daaf6152771_b186095e22b6").unwrap().0,
            IndicatorKind::Ja4
        );
        assert_eq!(
            k("evil.com/gate.php").unwrap(),
            (IndicatorKind::Url, "http://evil.com/gate.php".into())
        );
        assert_eq!(k("hello"), None);
        assert_eq!(k("10.0.0.0/33"), None);
        assert_eq!(k("bad domain.com"), None);
        assert_eq!(k("abc123"), None);
    }
}
