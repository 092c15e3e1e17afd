//! Packet-header keywords: each one looks at one decoded packet.
//!
//! Semantics follow Suricata's `detect-flags.c`, `detect-fragbits.c`,
//! `detect-ipproto.c` and friends, including their less obvious corners:
//! - `flags` without a modifier is an exact match of the bits not masked
//!   out; `+` wants at least these bits, `*` any of them, and `!` matches
//!   unless *all* of them are set (not "none of them").
//! - `flags:0` matches only a packet with no flag set (`!0`: any flag set).
//! - `fragbits:+` additionally wants a bit beyond the ones named.
//! - `ttl` is the hop limit on IPv6; `itype`/`icode`/`icmp_id`/`icmp_seq`
//!   apply to ICMPv4 and ICMPv6 alike.
//! - `fragoffset` compares IPv4's raw 13-bit field (8-byte units) but the
//!   IPv6 fragment header's offset in bytes, as Suricata does.
//! - The checksum keywords (`ipv4-csum`, `tcpv4-csum`, ... `icmpv6-csum`)
//!   compute the checksum whatever `checksum-checks` says, except that
//!   under `none` every checksum counts as valid (Suricata's
//!   `PKT_IGNORE_CHECKSUM`); `stream.checksum-validation` plays no part.
//!   A UDP-over-IPv4 datagram without checksum matches neither way.

use taishi_decode::packet::{L3, L4, Packet};

use super::{KeywordError, num_range, required};
use crate::rules::range::{NumRange, parse_u64};

/// How `flags` / `fragbits` combine the bits they name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BitsModifier {
    /// No modifier: exactly these bits (after the mask).
    Exact,
    /// `+`: these bits and possibly others.
    Plus,
    /// `*`: any of these bits.
    Any,
    /// `!`: not all of these bits.
    Not,
}

/// An IPv4 option `ipopts` can look for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IpOpt {
    /// One option type byte.
    Code(u8),
    /// `any`: the packet has at least one option.
    Any,
}

/// The header whose checksum a checksum keyword verifies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CsumLayer {
    /// `ipv4-csum`: the IPv4 header.
    Ipv4,
    /// `tcpv4-csum`.
    Tcpv4,
    /// `tcpv6-csum`.
    Tcpv6,
    /// `udpv4-csum`.
    Udpv4,
    /// `udpv6-csum`.
    Udpv6,
    /// `icmpv4-csum`.
    Icmpv4,
    /// `icmpv6-csum`.
    Icmpv6,
}

impl CsumLayer {
    fn of_keyword(name: &str) -> Option<CsumLayer> {
        Some(match name {
            "ipv4-csum" => CsumLayer::Ipv4,
            "tcpv4-csum" => CsumLayer::Tcpv4,
            "tcpv6-csum" => CsumLayer::Tcpv6,
            "udpv4-csum" => CsumLayer::Udpv4,
            "udpv6-csum" => CsumLayer::Udpv6,
            "icmpv4-csum" => CsumLayer::Icmpv4,
            "icmpv6-csum" => CsumLayer::Icmpv6,
            _ => return None,
        })
    }

    /// Whether the packet has the headers this keyword looks at.
    fn applies(self, pkt: &Packet<'_>) -> bool {
        match (self, pkt.l3, pkt.l4) {
            (CsumLayer::Ipv4, L3::Ipv4(_), _)
            | (CsumLayer::Tcpv4, L3::Ipv4(_), L4::Tcp(_))
            | (CsumLayer::Tcpv6, L3::Ipv6(_), L4::Tcp(_))
            | (CsumLayer::Udpv4, L3::Ipv4(_), L4::Udp { .. })
            | (CsumLayer::Udpv6, L3::Ipv6(_), L4::Udp { .. }) => true,
            (CsumLayer::Icmpv4, L3::Ipv4(_), L4::Icmp { v6, .. }) => !v6,
            (CsumLayer::Icmpv6, L3::Ipv6(_), L4::Icmp { v6, .. }) => v6,
            _ => false,
        }
    }
}

/// One packet-header keyword, parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HeaderKw {
    /// `flags` / `tcp.flags`.
    Flags {
        /// How the bits combine.
        modifier: BitsModifier,
        /// The bits named.
        flags: u8,
        /// Bits to ignore (the part after the comma).
        ignore: u8,
    },
    /// `ttl` (IPv4 TTL, IPv6 hop limit).
    Ttl(NumRange),
    /// `itype`.
    Itype(NumRange),
    /// `icode`.
    Icode(NumRange),
    /// `icmp_id`.
    IcmpId(NumRange),
    /// `icmp_seq`.
    IcmpSeq(NumRange),
    /// `ip_proto`.
    IpProto(NumRange),
    /// `fragbits` (bit 0: MF, bit 1: DF, bit 2: reserved).
    Fragbits {
        /// How the bits combine.
        modifier: BitsModifier,
        /// The bits named.
        bits: u8,
    },
    /// `fragoffset`.
    Fragoffset(NumRange),
    /// `sameip`: source and destination address are equal.
    Sameip,
    /// `window` (TCP receive window, unscaled); `true` when negated.
    Window(bool, u16),
    /// `seq`.
    Seq(u32),
    /// `ack`.
    Ack(u32),
    /// `dsize`: transport payload length.
    Dsize(NumRange),
    /// `id`: IPv4 identification.
    Id(NumRange),
    /// `tos`: IPv4 type of service; `true` when negated.
    Tos(bool, u8),
    /// `ipopts`.
    Ipopts(IpOpt),
    /// `tcp.mss`: the MSS option's value.
    TcpMss(NumRange),
    /// `ipv4-csum`, `tcpv4-csum`, ...: whether that checksum is right
    /// (`valid`) or wrong (`invalid`).
    Csum {
        /// The header checked.
        layer: CsumLayer,
        /// `valid` (true) or `invalid` (false).
        valid: bool,
    },
}

/// TCP flag letters as Suricata spells them (`1`/`2` are the old names of CWR/ECE).
fn tcp_flag_bit(c: char) -> Option<u8> {
    Some(match c.to_ascii_uppercase() {
        'F' => 0x01,
        'S' => 0x02,
        'R' => 0x04,
        'P' => 0x08,
        'A' => 0x10,
        'U' => 0x20,
        'E' | '2' => 0x40,
        'C' | '1' => 0x80,
        _ => return None,
    })
}

fn modifier_of(c: char) -> Option<BitsModifier> {
    match c {
        '+' => Some(BitsModifier::Plus),
        '*' => Some(BitsModifier::Any),
        '!' => Some(BitsModifier::Not),
        _ => None,
    }
}

fn parse_flags(kw: &str, v: &str) -> Result<HeaderKw, KeywordError> {
    let err = |m: &str| KeywordError::new(kw, format!("{m} in '{v}'"));
    let (bits_part, mask_part) = match v.split_once(',') {
        Some((b, m)) => (b.trim(), Some(m.trim())),
        None => (v.trim(), None),
    };
    let mut modifier = BitsModifier::Exact;
    let mut flags = 0u8;
    let mut zero = false;
    let mut any_letter = false;
    for c in bits_part.chars().filter(|c| !c.is_whitespace()) {
        if let Some(m) = modifier_of(c) {
            if modifier != BitsModifier::Exact {
                return Err(err("more than one modifier"));
            }
            modifier = m;
        } else if c == '0' {
            zero = true;
        } else if let Some(b) = tcp_flag_bit(c) {
            flags |= b;
            any_letter = true;
        } else {
            return Err(err(&format!("unknown flag '{c}'")));
        }
    }
    if zero && any_letter {
        return Err(err("'0' (no flags) combined with flags"));
    }
    if !zero && !any_letter {
        return Err(err("no flags given"));
    }
    let mut ignore = 0u8;
    if let Some(m) = mask_part {
        if m.is_empty() {
            return Err(err("empty mask"));
        }
        for c in m.chars().filter(|c| !c.is_whitespace()) {
            ignore |= tcp_flag_bit(c).ok_or_else(|| err(&format!("unknown mask flag '{c}'")))?;
        }
    }
    Ok(HeaderKw::Flags {
        modifier,
        flags,
        ignore,
    })
}

fn parse_fragbits(kw: &str, v: &str) -> Result<HeaderKw, KeywordError> {
    let err = |m: &str| KeywordError::new(kw, format!("{m} in '{v}'"));
    let mut modifier = BitsModifier::Exact;
    let mut bits = 0u8;
    for c in v.chars().filter(|c| !c.is_whitespace()) {
        if let Some(m) = modifier_of(c) {
            if modifier != BitsModifier::Exact {
                return Err(err("more than one modifier"));
            }
            modifier = m;
            continue;
        }
        bits |= match c.to_ascii_uppercase() {
            'M' => 0x1,
            'D' => 0x2,
            'R' => 0x4,
            _ => return Err(err(&format!("unknown fragment bit '{c}'"))),
        };
    }
    if bits == 0 {
        return Err(err("no fragment bits given"));
    }
    Ok(HeaderKw::Fragbits { modifier, bits })
}

/// A NumRange whose values must fit in `max`.
fn bounded_range(kw: &str, v: &str, max: u64) -> Result<NumRange, KeywordError> {
    let r = num_range(kw, v)?;
    let too_big = match r {
        NumRange::Eq(n)
        | NumRange::Ne(n)
        | NumRange::Lt(n)
        | NumRange::Le(n)
        | NumRange::Gt(n)
        | NumRange::Ge(n) => n > max,
        NumRange::Between(a, b) => a > max || b > max,
    };
    if too_big {
        return Err(KeywordError::new(kw, format!("'{v}' exceeds {max}")));
    }
    Ok(r)
}

/// IP protocol names Suricata resolves through /etc/protocols, the ones
/// rules actually use.
fn ip_proto_number(name: &str) -> Option<u8> {
    Some(match name.to_ascii_lowercase().as_str() {
        "ip" | "hopopt" => 0,
        "icmp" => 1,
        "igmp" => 2,
        "ggp" => 3,
        "ipencap" | "ipv4" | "ip-in-ip" => 4,
        "st" => 5,
        "tcp" => 6,
        "egp" => 8,
        "igp" => 9,
        "pup" => 12,
        "udp" => 17,
        "hmp" => 20,
        "xns-idp" => 22,
        "rdp" => 27,
        "iso-tp4" => 29,
        "dccp" => 33,
        "xtp" => 36,
        "ddp" => 37,
        "idpr-cmtp" => 38,
        "ipv6" => 41,
        "ipv6-route" => 43,
        "ipv6-frag" => 44,
        "idrp" => 45,
        "rsvp" => 46,
        "gre" => 47,
        "esp" | "ipsec-esp" => 50,
        "ah" | "ipsec-ah" => 51,
        "skip" => 57,
        "ipv6-icmp" | "icmpv6" | "icmp6" => 58,
        "ipv6-nonxt" => 59,
        "ipv6-opts" => 60,
        "rspf" => 73,
        "vmtp" => 81,
        "eigrp" => 88,
        "ospf" | "ospfigp" => 89,
        "ax.25" => 93,
        "ipip" => 94,
        "etherip" => 97,
        "encap" => 98,
        "pim" => 103,
        "ipcomp" => 108,
        "vrrp" => 112,
        "l2tp" => 115,
        "isis" => 124,
        "sctp" => 132,
        "fc" => 133,
        "mobility-header" => 135,
        "udplite" => 136,
        "mpls-in-ip" => 137,
        "manet" => 138,
        "hip" => 139,
        "shim6" => 140,
        "wesp" => 141,
        "rohc" => 142,
        _ => return None,
    })
}

fn parse_ip_proto(kw: &str, v: &str) -> Result<HeaderKw, KeywordError> {
    let v = v.trim();
    let (op, rest) = match v.chars().next() {
        Some(c @ ('<' | '>' | '!' | '=')) => (Some(c), v[1..].trim()),
        _ => (None, v),
    };
    let n = match parse_u64(rest) {
        Some(n) if n <= 255 => n,
        Some(_) => return Err(KeywordError::new(kw, format!("'{v}' exceeds 255"))),
        None => ip_proto_number(rest)
            .map(u64::from)
            .ok_or_else(|| KeywordError::new(kw, format!("unknown protocol '{rest}'")))?,
    };
    Ok(HeaderKw::IpProto(match op {
        Some('<') => NumRange::Lt(n),
        Some('>') => NumRange::Gt(n),
        Some('!') => NumRange::Ne(n),
        _ => NumRange::Eq(n),
    }))
}

/// `[!]N` with N within `max`.
fn negatable(kw: &str, v: &str, max: u64) -> Result<(bool, u64), KeywordError> {
    let v = v.trim();
    let (neg, rest) = match v.strip_prefix('!') {
        Some(r) => (true, r.trim()),
        None => (false, v),
    };
    // `tos` also takes Snort's `x1A` hex spelling.
    let n = parse_u64(rest)
        .or_else(|| {
            rest.strip_prefix(['x', 'X'])
                .and_then(|h| u64::from_str_radix(h, 16).ok())
        })
        .ok_or_else(|| KeywordError::new(kw, format!("invalid number '{v}'")))?;
    if n > max {
        return Err(KeywordError::new(kw, format!("'{v}' exceeds {max}")));
    }
    Ok((neg, n))
}

fn parse_ipopts(kw: &str, v: &str) -> Result<HeaderKw, KeywordError> {
    let opt = match v.trim().to_ascii_lowercase().as_str() {
        "eol" => IpOpt::Code(0x00),
        "nop" => IpOpt::Code(0x01),
        "rr" => IpOpt::Code(0x07),
        "ts" => IpOpt::Code(0x44),
        "sec" => IpOpt::Code(0x82),
        "lsrr" => IpOpt::Code(0x83),
        "esec" => IpOpt::Code(0x85),
        "satid" => IpOpt::Code(0x88),
        "ssrr" => IpOpt::Code(0x89),
        "any" => IpOpt::Any,
        other => {
            return Err(KeywordError::new(
                kw,
                format!("unsupported IP option '{other}'"),
            ));
        }
    };
    Ok(HeaderKw::Ipopts(opt))
}

impl HeaderKw {
    /// Parses `name: value`. `Ok(None)` when `name` is not a header keyword.
    pub fn parse(name: &str, value: Option<&str>) -> Result<Option<HeaderKw>, KeywordError> {
        let kw = name;
        if name == "sameip" {
            if value.is_some_and(|v| !v.trim().is_empty()) {
                return Err(KeywordError::new(kw, "takes no value"));
            }
            return Ok(Some(HeaderKw::Sameip));
        }
        if let Some(layer) = CsumLayer::of_keyword(name) {
            let v = required(kw, value)?;
            let valid = match v.trim().trim_matches('"').to_ascii_lowercase().as_str() {
                "valid" => true,
                "invalid" => false,
                _ => return Err(KeywordError::new(kw, "expects valid or invalid")),
            };
            return Ok(Some(HeaderKw::Csum { layer, valid }));
        }
        let known = matches!(
            name,
            "flags"
                | "tcp.flags"
                | "ttl"
                | "itype"
                | "icode"
                | "icmp_id"
                | "icmp_seq"
                | "ip_proto"
                | "fragbits"
                | "fragoffset"
                | "window"
                | "seq"
                | "ack"
                | "dsize"
                | "id"
                | "tos"
                | "ipopts"
                | "tcp.mss"
        );
        if !known {
            return Ok(None);
        }
        let v = required(kw, value)?;
        let parsed = match name {
            "flags" | "tcp.flags" => parse_flags(kw, v)?,
            "ttl" => HeaderKw::Ttl(bounded_range(kw, v, 255)?),
            "itype" => HeaderKw::Itype(bounded_range(kw, v, 255)?),
            "icode" => HeaderKw::Icode(bounded_range(kw, v, 255)?),
            "icmp_id" => HeaderKw::IcmpId(bounded_range(kw, v, 65535)?),
            "icmp_seq" => HeaderKw::IcmpSeq(bounded_range(kw, v, 65535)?),
            "ip_proto" => parse_ip_proto(kw, v)?,
            "fragbits" => parse_fragbits(kw, v)?,
            "fragoffset" => HeaderKw::Fragoffset(bounded_range(kw, v, 65535)?),
            "window" => {
                let (neg, n) = negatable(kw, v, u16::MAX as u64)?;
                HeaderKw::Window(neg, n as u16)
            }
            "seq" => HeaderKw::Seq(negatable_plain(kw, v)?),
            "ack" => HeaderKw::Ack(negatable_plain(kw, v)?),
            "dsize" => HeaderKw::Dsize(bounded_range(kw, v, 65535)?),
            "id" => HeaderKw::Id(bounded_range(kw, v, 65535)?),
            "tos" => {
                let (neg, n) = negatable(kw, v, 255)?;
                HeaderKw::Tos(neg, n as u8)
            }
            "ipopts" => parse_ipopts(kw, v)?,
            "tcp.mss" => HeaderKw::TcpMss(bounded_range(kw, v, 65535)?),
            _ => return Ok(None),
        };
        Ok(Some(parsed))
    }

    /// Whether the packet satisfies this keyword. A packet without the
    /// header a keyword reads (no TCP header for `flags`) never matches,
    /// except `!`-style negations Suricata also only applies to that header.
    pub fn matches(&self, pkt: &Packet<'_>) -> bool {
        match self {
            HeaderKw::Flags {
                modifier,
                flags,
                ignore,
            } => match pkt.l4 {
                L4::Tcp(t) => flags_match(t.flags, *modifier, *flags, !*ignore),
                _ => false,
            },
            HeaderKw::Ttl(r) => match pkt.l3 {
                L3::Ipv4(h) => r.matches(h.ttl.into()),
                L3::Ipv6(h) => r.matches(h.hop_limit.into()),
                L3::None => false,
            },
            HeaderKw::Itype(r) => match pkt.l4 {
                L4::Icmp { icmp_type, .. } => r.matches(icmp_type.into()),
                _ => false,
            },
            HeaderKw::Icode(r) => match pkt.l4 {
                L4::Icmp { code, .. } => r.matches(code.into()),
                _ => false,
            },
            HeaderKw::IcmpId(r) => icmp_id_seq(pkt).is_some_and(|(id, _)| r.matches(id.into())),
            HeaderKw::IcmpSeq(r) => icmp_id_seq(pkt).is_some_and(|(_, seq)| r.matches(seq.into())),
            HeaderKw::IpProto(r) => pkt.ip_proto().is_some_and(|p| r.matches(p.into())),
            HeaderKw::Fragbits { modifier, bits } => match pkt.l3 {
                L3::Ipv4(h) => fragbits_match(h.flags & 0x7, *modifier, *bits),
                _ => false,
            },
            HeaderKw::Fragoffset(r) => match pkt.l3 {
                L3::Ipv4(h) => r.matches(h.frag_offset.into()),
                L3::Ipv6(h) => h
                    .fragment
                    .is_some_and(|(_, off, _)| r.matches(u64::from(off) * 8)),
                L3::None => false,
            },
            HeaderKw::Sameip => pkt.addrs().is_some_and(|(s, d)| s == d),
            HeaderKw::Window(neg, w) => match pkt.l4 {
                L4::Tcp(t) => (t.window == *w) != *neg,
                _ => false,
            },
            HeaderKw::Seq(n) => matches!(pkt.l4, L4::Tcp(t) if t.seq == *n),
            HeaderKw::Ack(n) => matches!(pkt.l4, L4::Tcp(t) if t.ack == *n),
            // Suricata's signature mask makes `dsize:!N` require a payload
            // (as `>N` and ranges do by their arithmetic), so an empty ACK
            // is not "not N bytes long".
            HeaderKw::Dsize(r) => {
                let len = pkt.payload.len() as u64;
                r.matches(len) && !(matches!(r, NumRange::Ne(_)) && len == 0)
            }
            HeaderKw::Id(r) => matches!(pkt.l3, L3::Ipv4(h) if r.matches(h.id.into())),
            HeaderKw::Tos(neg, tos) => {
                matches!(pkt.l3, L3::Ipv4(h) if (h.tos == *tos) != *neg)
            }
            HeaderKw::Ipopts(opt) => ipopts_match(pkt, *opt),
            HeaderKw::TcpMss(r) => {
                matches!(pkt.l4, L4::Tcp(t) if t.options.mss.is_some_and(|m| r.matches(m.into())))
            }
            HeaderKw::Csum { layer, valid } => csum_match(pkt, *layer, *valid),
        }
    }

    /// The IP protocol this keyword restricts a rule to, so the engine can
    /// group rules and refuse e.g. a `udp` rule with `flags`. For the ICMP
    /// keywords this is 1, standing for the ICMP family: they match ICMPv6
    /// (58) too, see [`HeaderKw::ip_protos`].
    pub fn ip_proto_hint(&self) -> Option<u8> {
        self.ip_protos().and_then(|p| p.first().copied())
    }

    /// Every IP protocol this keyword can match, when it is restricted.
    pub fn ip_protos(&self) -> Option<&'static [u8]> {
        match self {
            HeaderKw::Flags { .. }
            | HeaderKw::Window(..)
            | HeaderKw::Seq(_)
            | HeaderKw::Ack(_)
            | HeaderKw::TcpMss(_)
            | HeaderKw::Csum {
                layer: CsumLayer::Tcpv4 | CsumLayer::Tcpv6,
                ..
            } => Some(&[6]),
            HeaderKw::Csum {
                layer: CsumLayer::Udpv4 | CsumLayer::Udpv6,
                ..
            } => Some(&[17]),
            HeaderKw::Csum {
                layer: CsumLayer::Icmpv4,
                ..
            } => Some(&[1]),
            HeaderKw::Csum {
                layer: CsumLayer::Icmpv6,
                ..
            } => Some(&[58]),
            HeaderKw::Itype(_)
            | HeaderKw::Icode(_)
            | HeaderKw::IcmpId(_)
            | HeaderKw::IcmpSeq(_) => Some(&[1, 58]),
            HeaderKw::IpProto(NumRange::Eq(n)) => {
                IP_PROTOS.get(*n as usize).map(std::slice::from_ref)
            }
            _ => None,
        }
    }
}

/// Every protocol number, so `ip_protos` can hand out a `'static` slice.
static IP_PROTOS: [u8; 256] = {
    let mut a = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        a[i] = i as u8;
        i += 1;
    }
    a
};

/// `seq`/`ack`: a plain 32-bit number.
fn negatable_plain(kw: &str, v: &str) -> Result<u32, KeywordError> {
    parse_u64(v.trim())
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| KeywordError::new(kw, format!("invalid 32-bit number '{v}'")))
}

/// Suricata's FlagsMatch: `flags:0` only matches a packet without flags.
fn flags_match(pflags: u8, modifier: BitsModifier, dflags: u8, keep: u8) -> bool {
    if dflags == 0 && pflags != 0 {
        return modifier == BitsModifier::Not;
    }
    let f = pflags & keep;
    match modifier {
        BitsModifier::Any => f & dflags != 0,
        BitsModifier::Plus => f & dflags == dflags,
        BitsModifier::Not => f & dflags != dflags,
        BitsModifier::Exact => f == dflags,
    }
}

/// Suricata's FragBitsMatch: `+` also wants a bit beyond the named ones.
fn fragbits_match(pbits: u8, modifier: BitsModifier, dbits: u8) -> bool {
    match modifier {
        BitsModifier::Any => pbits & dbits != 0,
        BitsModifier::Plus => pbits & dbits == dbits && pbits > dbits,
        BitsModifier::Not => pbits & dbits != dbits,
        BitsModifier::Exact => pbits == dbits,
    }
}

/// Identifier and sequence of the ICMP messages that carry them (echo,
/// timestamp, information and address-mask for v4; echo for v6); `None`
/// for other messages, which `icmp_id`/`icmp_seq` never match.
fn icmp_id_seq(pkt: &Packet<'_>) -> Option<(u16, u16)> {
    let L4::Icmp {
        v6,
        icmp_type,
        id,
        seq,
        ..
    } = pkt.l4
    else {
        return None;
    };
    let carries = if v6 {
        matches!(icmp_type, 128 | 129)
    } else {
        matches!(icmp_type, 0 | 8 | 13..=18)
    };
    if !carries {
        return None;
    }
    // The decoder fills id/seq for echo only; the other kinds sit at the
    // same offsets of the header.
    let from_frame = pkt
        .l4_offset
        .checked_add(4)
        .and_then(|s| pkt.frame.get(s..s + 4))
        .map(|b| {
            (
                u16::from_be_bytes([b[0], b[1]]),
                u16::from_be_bytes([b[2], b[3]]),
            )
        });
    Some(from_frame.unwrap_or((id, seq)))
}

/// A checksum keyword against a packet, in Suricata's order: the headers
/// must be there; a UDP-over-IPv4 datagram without checksum never
/// matches; untrusted checksums (`checksum-checks: none`) are all valid.
fn csum_match(pkt: &Packet<'_>, layer: CsumLayer, valid: bool) -> bool {
    if !layer.applies(pkt) {
        return false;
    }
    let at = pkt.l4_offset.saturating_add(6);
    if layer == CsumLayer::Udpv4 && pkt.frame.get(at..at.saturating_add(2)) == Some(&[0, 0]) {
        return false;
    }
    if pkt.ignore_checksum {
        return valid;
    }
    let ok = match layer {
        CsumLayer::Ipv4 => pkt.ipv4_checksum_ok(),
        _ => pkt.l4_checksum_ok(),
    };
    ok == Some(valid)
}

/// Walks the IPv4 options in the frame.
fn ipopts_match(pkt: &Packet<'_>, want: IpOpt) -> bool {
    let L3::Ipv4(h) = pkt.l3 else {
        return false;
    };
    let start = pkt.l3_offset.saturating_add(20);
    let end = pkt.l3_offset.saturating_add(h.header_len as usize);
    let Some(mut opts) = pkt.frame.get(start..end) else {
        return false;
    };
    if opts.is_empty() {
        return false;
    }
    if want == IpOpt::Any {
        return true;
    }
    while let Some((&code, rest)) = opts.split_first() {
        if IpOpt::Code(code) == want {
            return true;
        }
        match code {
            0 => break,
            1 => opts = rest,
            _ => {
                let len = rest.first().copied().unwrap_or(0) as usize;
                if len < 2 {
                    break;
                }
                opts = opts.get(len..).unwrap_or(&[]);
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;
    use taishi_decode::packet::{Ipv4Info, TcpInfo, TcpOptions};

    fn p(name: &str, v: &str) -> HeaderKw {
        HeaderKw::parse(name, Some(v)).unwrap().unwrap()
    }

    fn v4() -> Ipv4Info {
        Ipv4Info {
            src: Ipv4Addr::new(10, 0, 0, 1),
            dst: Ipv4Addr::new(10, 0, 0, 2),
            proto: 6,
            ttl: 64,
            id: 0x1234,
            tos: 0x10,
            flags: 0,
            frag_offset: 0,
            header_len: 20,
            total_len: 40,
            bad_checksum: false,
        }
    }

    fn tcp_pkt(flags: u8) -> Packet<'static> {
        let mut pk = Packet::empty();
        pk.l3 = L3::Ipv4(v4());
        pk.l4 = L4::Tcp(TcpInfo {
            src_port: 1234,
            dst_port: 80,
            seq: 100,
            ack: 200,
            flags,
            window: 8192,
            urgent: 0,
            header_len: 20,
            options: TcpOptions {
                mss: Some(1460),
                ..TcpOptions::default()
            },
        });
        pk
    }

    const S: u8 = 0x02;
    const A: u8 = 0x10;
    const ECE: u8 = 0x40;
    const CWR: u8 = 0x80;

    #[test]
    fn flags_exact_plus_any_not() {
        let syn = tcp_pkt(S);
        let synack = tcp_pkt(S | A);
        assert!(p("flags", "S").matches(&syn));
        assert!(!p("flags", "S").matches(&synack), "exact: extra ACK");
        assert!(p("flags", "S+").matches(&synack));
        assert!(p("flags", "+S").matches(&synack), "modifier may lead");
        assert!(p("flags", "*SF").matches(&syn));
        assert!(!p("flags", "*RF").matches(&syn));
        // `!` is "not all of these": SA packet fails !SA, a SYN passes it.
        assert!(!p("flags", "!SA").matches(&synack));
        assert!(p("flags", "!SA").matches(&syn));
        assert!(p("tcp.flags", "SA").matches(&synack));
    }

    #[test]
    fn flags_mask_and_ecn_bits() {
        // ECN-capable SYN: CWR and ECE set too.
        let ecn_syn = tcp_pkt(S | ECE | CWR);
        assert!(!p("flags", "S").matches(&ecn_syn));
        assert!(p("flags", "S,12").matches(&ecn_syn), "1 and 2 masked out");
        assert!(p("flags", "S,CE").matches(&ecn_syn));
        assert!(p("flags", "SCE").matches(&ecn_syn));
        assert!(p("flags", "S12").matches(&ecn_syn));
        assert_eq!(
            p("flags", "S,12"),
            HeaderKw::Flags {
                modifier: BitsModifier::Exact,
                flags: S,
                ignore: CWR | ECE
            }
        );
    }

    #[test]
    fn flags_zero() {
        assert!(p("flags", "0").matches(&tcp_pkt(0)));
        assert!(!p("flags", "0").matches(&tcp_pkt(A)));
        assert!(p("flags", "!0").matches(&tcp_pkt(A)));
        assert!(!p("flags", "0").matches(&Packet::empty()), "not TCP");
    }

    #[test]
    fn flags_errors() {
        for bad in ["", "X", "S+*", "0S", "S,", "S,Q", "+"] {
            assert!(HeaderKw::parse("flags", Some(bad)).is_err(), "{bad}");
        }
        assert!(HeaderKw::parse("flags", None).is_err());
        let e = HeaderKw::parse("flags", Some("Z")).unwrap_err();
        assert_eq!(e.keyword, "flags");
    }

    #[test]
    fn fragbits() {
        let mut pk = Packet::empty();
        let mut h = v4();
        h.flags = 0b011; // DF and MF
        pk.l3 = L3::Ipv4(h);
        assert!(p("fragbits", "MD").matches(&pk));
        assert!(!p("fragbits", "M").matches(&pk));
        assert!(p("fragbits", "M+").matches(&pk), "MF plus DF");
        assert!(p("fragbits", "*MR").matches(&pk));
        assert!(!p("fragbits", "!D").matches(&pk));
        assert!(p("fragbits", "!R").matches(&pk));
        h.flags = 0b010; // DF only
        pk.l3 = L3::Ipv4(h);
        assert!(p("fragbits", "D").matches(&pk));
        // `+` needs another bit besides D (Suricata's FragBitsMatch).
        assert!(!p("fragbits", "D+").matches(&pk));
        assert!(HeaderKw::parse("fragbits", Some("X")).is_err());
    }

    #[test]
    fn fragoffset_ttl_id_tos() {
        let mut pk = Packet::empty();
        let mut h = v4();
        h.frag_offset = 185;
        pk.l3 = L3::Ipv4(h);
        assert!(p("fragoffset", ">0").matches(&pk));
        assert!(p("fragoffset", "185").matches(&pk));
        assert!(!p("fragoffset", "!185").matches(&pk));
        assert!(p("ttl", "64").matches(&pk));
        assert!(p("ttl", "<65").matches(&pk));
        assert!(p("ttl", "!= 63").matches(&pk));
        assert!(p("ttl", "==64").matches(&pk));
        assert!(p("ttl", "60<>65").matches(&pk));
        assert!(!p("ttl", ">64").matches(&pk));
        assert!(p("id", "4660").matches(&pk));
        assert!(p("tos", "16").matches(&pk));
        assert!(p("tos", "0x10").matches(&pk));
        assert!(p("tos", "x10").matches(&pk));
        assert!(!p("tos", "!16").matches(&pk));
        assert!(HeaderKw::parse("ttl", Some("256")).is_err());
        assert!(HeaderKw::parse("id", Some("70000")).is_err());
    }

    #[test]
    fn ip_proto_names_and_ops() {
        let pk = tcp_pkt(S);
        assert!(p("ip_proto", "6").matches(&pk));
        assert!(p("ip_proto", "TCP").matches(&pk));
        assert!(!p("ip_proto", "!tcp").matches(&pk));
        assert!(p("ip_proto", "<17").matches(&pk));
        assert!(p("ip_proto", ">1").matches(&pk));
        assert!(HeaderKw::parse("ip_proto", Some("nonsense")).is_err());
        assert_eq!(p("ip_proto", "gre").ip_proto_hint(), Some(47));
        assert_eq!(p("ip_proto", "!gre").ip_proto_hint(), None);
    }

    #[test]
    fn tcp_fields() {
        let pk = tcp_pkt(A);
        assert!(p("window", "8192").matches(&pk));
        assert!(p("window", "!1024").matches(&pk));
        assert!(!p("window", "!8192").matches(&pk));
        assert!(p("seq", "100").matches(&pk));
        assert!(p("ack", "200").matches(&pk));
        assert!(!p("ack", "201").matches(&pk));
        assert!(p("tcp.mss", ">1000").matches(&pk));
        assert_eq!(p("window", "1").ip_proto_hint(), Some(6));
        assert!(HeaderKw::parse("window", Some("70000")).is_err());
        assert!(HeaderKw::parse("seq", Some("-1")).is_err());
    }

    #[test]
    fn dsize_and_sameip() {
        let mut pk = tcp_pkt(A);
        pk.payload = b"hello";
        assert!(p("dsize", "5").matches(&pk));
        assert!(p("dsize", ">4").matches(&pk));
        assert!(p("dsize", "1<>6").matches(&pk));
        assert!(!p("dsize", "<5").matches(&pk));
        assert!(p("dsize", "!9").matches(&pk));
        // Regression (test-dsize-values): `!N` never matches an empty packet.
        let empty = tcp_pkt(A);
        assert!(!p("dsize", "!9").matches(&empty));
        assert!(p("dsize", "<9").matches(&empty));
        let same = HeaderKw::parse("sameip", None).unwrap().unwrap();
        assert!(!same.matches(&pk));
        let mut h = v4();
        h.dst = h.src;
        pk.l3 = L3::Ipv4(h);
        assert!(same.matches(&pk));
        assert!(!same.matches(&Packet::empty()));
    }

    #[test]
    fn icmp_keywords() {
        // ICMP echo request: type 8 code 0, checksum, id 0x0102, seq 0x0003.
        static FRAME: [u8; 8] = [8, 0, 0, 0, 0x01, 0x02, 0x00, 0x03];
        let mut pk = Packet::empty();
        pk.frame = &FRAME;
        pk.l4_offset = 0;
        pk.l3 = L3::Ipv4(v4());
        pk.l4 = L4::Icmp {
            v6: false,
            icmp_type: 8,
            code: 0,
            id: 0x0102,
            seq: 3,
        };
        assert!(p("itype", "8").matches(&pk));
        assert!(p("itype", ">7").matches(&pk));
        assert!(p("icode", "0").matches(&pk));
        assert!(p("icmp_id", "258").matches(&pk));
        assert!(p("icmp_seq", "3").matches(&pk));
        assert_eq!(p("itype", "8").ip_protos(), Some(&[1u8, 58][..]));
        // Destination unreachable carries no id: icmp_id never matches.
        pk.l4 = L4::Icmp {
            v6: false,
            icmp_type: 3,
            code: 1,
            id: 0,
            seq: 0,
        };
        assert!(!p("icmp_id", "258").matches(&pk));
        assert!(!p("itype", "8").matches(&tcp_pkt(S)));
    }

    #[test]
    fn ipopts() {
        // IPv4 header with 4 bytes of options: NOP, RR(len 3... truncated to fit) -> use NOP NOP TS(len 2)? keep simple:
        // 20-byte header then options: NOP, record-route type 7 len 3 ptr 4.
        let mut frame = vec![0u8; 20];
        frame.extend_from_slice(&[0x01, 0x07, 0x03, 0x04]);
        let frame: &'static [u8] = Box::leak(frame.into_boxed_slice());
        let mut pk = Packet::empty();
        let mut h = v4();
        h.header_len = 24;
        pk.l3 = L3::Ipv4(h);
        pk.frame = frame;
        assert!(p("ipopts", "rr").matches(&pk));
        assert!(p("ipopts", "nop").matches(&pk));
        assert!(p("ipopts", "any").matches(&pk));
        assert!(!p("ipopts", "ts").matches(&pk));
        h.header_len = 20;
        pk.l3 = L3::Ipv4(h);
        assert!(!p("ipopts", "any").matches(&pk));
        assert!(HeaderKw::parse("ipopts", Some("bogus")).is_err());
    }

    #[test]
    fn checksum_keywords() {
        assert_eq!(
            p("tcpv4-csum", "\"invalid\""),
            HeaderKw::Csum {
                layer: CsumLayer::Tcpv4,
                valid: false
            }
        );
        assert!(HeaderKw::parse("udpv6-csum", Some("maybe")).is_err());
        assert_eq!(p("udpv4-csum", "valid").ip_protos(), Some(&[17u8][..]));
        assert_eq!(p("icmpv6-csum", "valid").ip_protos(), Some(&[58u8][..]));
        // No frame behind the header: nothing to verify, neither matches.
        let mut pk = tcp_pkt(S);
        assert!(!p("tcpv4-csum", "valid").matches(&pk));
        assert!(!p("tcpv4-csum", "invalid").matches(&pk));
        assert!(!p("tcpv6-csum", "valid").matches(&pk), "not IPv6");
        assert!(!p("udpv4-csum", "valid").matches(&pk), "not UDP");
        assert!(p("ipv4-csum", "valid").matches(&pk));
        // Untrusted checksums are all valid.
        pk.ignore_checksum = true;
        assert!(p("tcpv4-csum", "valid").matches(&pk));
        assert!(!p("tcpv4-csum", "invalid").matches(&pk));
        assert!(!p("ipv4-csum", "invalid").matches(&pk));
    }

    #[test]
    fn not_a_header_keyword() {
        assert_eq!(HeaderKw::parse("content", Some("\"x\"")), Ok(None));
        assert_eq!(HeaderKw::parse("flow", Some("established")), Ok(None));
    }
}
