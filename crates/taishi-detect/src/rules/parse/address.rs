//! Rule addresses: `any`, hosts, CIDR (`/24` or `/255.255.255.0`),
//! ranges (`1.2.3.4-1.2.3.10`, `2001::1-2001::4`), lists, nesting,
//! negation and variables, with Suricata's meaning:
//!
//! - A list is the union of its positive elements minus the union of its
//!   negated ones (`[10.0.0.0/8,!10.1.0.0/16]`).
//! - When a family (IPv4 or IPv6) has negated elements but no positive
//!   ones, that family's positive part is its whole space: `!1.2.3.4`
//!   matches every other IPv4 address but no IPv6 address, and so
//!   `!$HOME_NET` with an IPv4-only HOME_NET matches no IPv6 — Suricata's
//!   behaviour (DetectAddressMergeNot), kept on purpose.
//! - A negated block `![a,!b]` is first resolved on its own (`a - b`), then
//!   subtracted; a negated variable is a negated block of its value.
//! - Negating the whole IPv4 space (`!any`) is an error, and so is a list
//!   that leaves no address at all.
//!
//! The result is two sorted lists of disjoint ranges, so that
//! [`AddrSet::matches`] is a binary search.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::list::{self, ItemKind, MAX_LIST_DEPTH};
use super::ranges::{self, Point};
use super::vars::{VarKind, Vars};

/// A resolved address expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddrSet {
    v4: Vec<(u32, u32)>,
    v6: Vec<(u128, u128)>,
}

#[derive(Default)]
struct Acc {
    pos4: Vec<(u32, u32)>,
    pos6: Vec<(u128, u128)>,
    neg4: Vec<(u32, u32)>,
    neg6: Vec<(u128, u128)>,
}

impl AddrSet {
    /// Every IPv4 and IPv6 address.
    pub fn any() -> Self {
        AddrSet {
            v4: vec![(0, u32::MAX)],
            v6: vec![(0, u128::MAX)],
        }
    }

    /// Whether every address (both families) matches.
    pub fn is_any(&self) -> bool {
        ranges::is_full(&self.v4) && ranges::is_full(&self.v6)
    }

    /// Whether `ip` is in the set.
    #[inline]
    pub fn matches(&self, ip: IpAddr) -> bool {
        match ip {
            IpAddr::V4(a) => ranges::contains(&self.v4, u32::from(a)),
            IpAddr::V6(a) => ranges::contains(&self.v6, u128::from(a)),
        }
    }

    /// The IPv4 part: sorted, disjoint, inclusive ranges.
    pub fn v4_ranges(&self) -> &[(u32, u32)] {
        &self.v4
    }

    /// The IPv6 part: sorted, disjoint, inclusive ranges.
    pub fn v6_ranges(&self) -> &[(u128, u128)] {
        &self.v6
    }

    /// Parses an address expression, expanding variables from `vars`.
    pub fn parse(text: &str, vars: &Vars) -> Result<AddrSet, String> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("any") {
            return Ok(Self::any());
        }
        let mut acc = Acc::default();
        let mut stack = Vec::new();
        eval(text, vars, &mut stack, 0, &mut acc).map_err(|e| format!("address '{text}': {e}"))?;
        merge(acc).map_err(|e| format!("address '{text}': {e}"))
    }
}

fn eval(
    text: &str,
    vars: &Vars,
    stack: &mut Vec<String>,
    depth: usize,
    acc: &mut Acc,
) -> Result<(), String> {
    if depth > MAX_LIST_DEPTH {
        return Err(format!("nested deeper than {MAX_LIST_DEPTH} levels"));
    }
    for item in list::split(text)? {
        match item.kind {
            ItemKind::Block(inner) => {
                if item.neg {
                    negated(inner, vars, stack, depth, acc)?;
                } else {
                    eval(inner, vars, stack, depth + 1, acc)?;
                }
            }
            ItemKind::Var(name) => {
                let value = vars.resolve(VarKind::Address, name, stack)?;
                stack.push(name.to_string());
                let r = if item.neg {
                    negated(value, vars, stack, depth, acc)
                } else {
                    eval(value, vars, stack, depth + 1, acc)
                };
                stack.pop();
                r?;
            }
            ItemKind::Atom(a) => {
                let (r4, r6) = atom(a)?;
                let (d4, d6) = if item.neg {
                    (&mut acc.neg4, &mut acc.neg6)
                } else {
                    (&mut acc.pos4, &mut acc.pos6)
                };
                d4.extend(r4);
                d6.extend(r6);
            }
        }
    }
    Ok(())
}

/// `![...]`: resolve the block on its own, then subtract all of it.
fn negated(
    text: &str,
    vars: &Vars,
    stack: &mut Vec<String>,
    depth: usize,
    acc: &mut Acc,
) -> Result<(), String> {
    let mut inner = Acc::default();
    eval(text, vars, stack, depth + 1, &mut inner)?;
    let m = merge(inner)?;
    acc.neg4.extend(m.v4);
    acc.neg6.extend(m.v6);
    Ok(())
}

fn merge(acc: Acc) -> Result<AddrSet, String> {
    let neg4 = ranges::normalize(acc.neg4);
    let neg6 = ranges::normalize(acc.neg6);
    if ranges::is_full(&neg4) {
        return Err("the complete IPv4 space is negated (e.g. '!any')".into());
    }
    let mut pos4 = ranges::normalize(acc.pos4);
    let mut pos6 = ranges::normalize(acc.pos6);
    if pos4.is_empty() && !neg4.is_empty() {
        pos4 = vec![(0, u32::MAX)];
    }
    if pos6.is_empty() && !neg6.is_empty() {
        pos6 = vec![(0, u128::MAX)];
    }
    let v4 = ranges::subtract(&pos4, &neg4);
    let v6 = ranges::subtract(&pos6, &neg6);
    if v4.is_empty() && v6.is_empty() {
        return Err("no addresses left after applying the negations".into());
    }
    Ok(AddrSet { v4, v6 })
}

type Ranges = (Option<(u32, u32)>, Option<(u128, u128)>);

fn atom(a: &str) -> Result<Ranges, String> {
    if a.eq_ignore_ascii_case("any") {
        return Ok((Some((0, u32::MAX)), Some((0, u128::MAX))));
    }
    let bad = || format!("invalid address '{a}'");
    if a.contains(':') {
        let r = if let Some((ip, mask)) = a.split_once('/') {
            let ip: Ipv6Addr = ip.parse().map_err(|_| bad())?;
            let bits = parse_prefix(mask, 128).ok_or_else(bad)?;
            prefix_range(u128::from(ip), bits, 128)
        } else if let Some((x, y)) = a.split_once('-') {
            let x: Ipv6Addr = x.parse().map_err(|_| bad())?;
            let y: Ipv6Addr = y.parse().map_err(|_| bad())?;
            ordered(u128::from(x), u128::from(y))
                .ok_or_else(|| format!("range '{a}' ends before it starts"))?
        } else {
            let ip: Ipv6Addr = a.parse().map_err(|_| bad())?;
            (u128::from(ip), u128::from(ip))
        };
        return Ok((None, Some(r)));
    }
    let r = if let Some((ip, mask)) = a.split_once('/') {
        let ip = u32::from(ip.parse::<Ipv4Addr>().map_err(|_| bad())?);
        if mask.contains('.') {
            // Suricata applies a dotted netmask as given, contiguous or not.
            let m = u32::from(mask.parse::<Ipv4Addr>().map_err(|_| bad())?);
            (ip & m, (ip & m) | !m)
        } else {
            let bits = parse_prefix(mask, 32).ok_or_else(bad)?;
            let (s, e) = prefix_range(u128::from(ip), bits, 32);
            (s as u32, e as u32)
        }
    } else if let Some((x, y)) = a.split_once('-') {
        let x = u32::from(x.parse::<Ipv4Addr>().map_err(|_| bad())?);
        let y = u32::from(y.parse::<Ipv4Addr>().map_err(|_| bad())?);
        ordered(x, y).ok_or_else(|| format!("range '{a}' ends before it starts"))?
    } else {
        let ip = u32::from(a.parse::<Ipv4Addr>().map_err(|_| bad())?);
        (ip, ip)
    };
    Ok((Some(r), None))
}

fn ordered<T: Point>(a: T, b: T) -> Option<(T, T)> {
    (a <= b).then_some((a, b))
}

fn parse_prefix(s: &str, max: u32) -> Option<u32> {
    if s.is_empty() || s.len() > 3 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse::<u32>().ok().filter(|&b| b <= max)
}

/// The range a prefix covers; host bits of `ip` are dropped, as Suricata
/// does for `1.2.3.4/24`.
fn prefix_range(ip: u128, bits: u32, width: u32) -> (u128, u128) {
    let host_bits = width - bits;
    let host_mask: u128 = if host_bits >= 128 {
        u128::MAX
    } else {
        (1u128 << host_bits) - 1
    };
    let start = ip & !host_mask;
    (start, start | host_mask)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn set(s: &str) -> AddrSet {
        AddrSet::parse(s, &Vars::suricata_defaults()).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn check(s: &str, yes: &[&str], no: &[&str]) {
        let a = set(s);
        for y in yes {
            assert!(a.matches(ip(y)), "{s} should match {y}");
        }
        for n in no {
            assert!(!a.matches(ip(n)), "{s} should not match {n}");
        }
    }

    #[test]
    fn any_single_cidr_range() {
        assert!(set("any").is_any());
        assert!(set("[any]").is_any());
        assert!(set("ANY").is_any());
        check("1.2.3.4", &["1.2.3.4"], &["1.2.3.5", "::1"]);
        check(
            "10.0.0.0/8",
            &["10.0.0.0", "10.255.255.255"],
            &["11.0.0.0", "9.255.255.255"],
        );
        // Host bits are dropped, as Suricata does.
        check("10.1.2.3/24", &["10.1.2.0", "10.1.2.255"], &["10.1.3.0"]);
        check(
            "192.168.1.0/255.255.255.0",
            &["192.168.1.7"],
            &["192.168.2.1"],
        );
        check("0.0.0.0/0", &["1.1.1.1", "255.255.255.255"], &["::1"]);
        check(
            "1.2.3.4-1.2.3.10",
            &["1.2.3.4", "1.2.3.10"],
            &["1.2.3.3", "1.2.3.11"],
        );
        check("1.2.3.4-1.2.3.4", &["1.2.3.4"], &["1.2.3.5"]);
        check(
            "2001:db8::/32",
            &["2001:db8::1", "2001:db8:ffff::1"],
            &["2001:db9::", "1.2.3.4"],
        );
        check("::1", &["::1"], &["::2"]);
        check("2001::1-2001::4", &["2001::1", "2001::4"], &["2001::5"]);
        check("::/0", &["::", "ffff::1"], &["1.2.3.4"]);
    }

    #[test]
    fn lists_and_negation() {
        check(
            "[10.0.0.0/8,!10.1.0.0/16]",
            &["10.0.0.1", "10.2.0.1"],
            &["10.1.2.3", "11.0.0.1"],
        );
        check("[1.2.3.4, 5.6.7.8]", &["1.2.3.4", "5.6.7.8"], &["1.2.3.5"]);
        check(
            "[1.0.0.0/8,[2.0.0.0/8,!2.2.0.0/16]]",
            &["1.1.1.1", "2.1.1.1"],
            &["2.2.1.1"],
        );
        // A lone negation covers the rest of its own family only.
        check("!1.2.3.4", &["1.2.3.5", "0.0.0.0"], &["1.2.3.4", "::1"]);
        check(
            "![1.2.3.4,5.6.7.8]",
            &["1.2.3.5"],
            &["1.2.3.4", "5.6.7.8", "::1"],
        );
        check("!::1", &["::2"], &["::1", "1.2.3.4"]);
        // Negated block resolved on its own first: ![10/8,!10.1/16] is
        // everything but (10/8 - 10.1/16).
        check(
            "![10.0.0.0/8,!10.1.0.0/16]",
            &["10.1.0.1", "11.0.0.1"],
            &["10.0.0.1", "10.2.0.1"],
        );
        // Positive IPv4 only; a negated IPv6 element makes IPv6 "all but".
        check("[1.2.3.4,!::1]", &["1.2.3.4", "::2"], &["1.2.3.5", "::1"]);
        check("[any,!10.0.0.0/8]", &["11.0.0.1", "::1"], &["10.0.0.1"]);
    }

    #[test]
    fn variables() {
        let v = Vars::suricata_defaults();
        let home = AddrSet::parse("$HOME_NET", &v).unwrap();
        for y in ["192.168.1.1", "10.9.9.9", "172.16.0.1", "172.31.255.255"] {
            assert!(home.matches(ip(y)), "{y}");
        }
        for n in ["172.32.0.1", "8.8.8.8", "::1"] {
            assert!(!home.matches(ip(n)), "{n}");
        }
        let ext = AddrSet::parse("$EXTERNAL_NET", &v).unwrap();
        assert!(ext.matches(ip("8.8.8.8")));
        assert!(!ext.matches(ip("10.0.0.1")));
        // IPv4-only HOME_NET: EXTERNAL_NET has no IPv6, as in Suricata.
        assert!(!ext.matches(ip("2001:db8::1")));
        let not_ext = AddrSet::parse("!$EXTERNAL_NET", &v).unwrap();
        assert!(not_ext.matches(ip("10.0.0.1")));
        assert!(!not_ext.matches(ip("8.8.8.8")));
        assert_eq!(AddrSet::parse("[$HTTP_SERVERS]", &v).unwrap(), home);
        let aim = AddrSet::parse("$AIM_SERVERS", &v).unwrap();
        assert_eq!(aim, ext);
        let mix = AddrSet::parse("[$HOME_NET,!10.1.0.0/16,8.8.8.8]", &v).unwrap();
        assert!(mix.matches(ip("8.8.8.8")));
        assert!(mix.matches(ip("10.2.0.1")));
        assert!(!mix.matches(ip("10.1.0.1")));
    }

    #[test]
    fn errors() {
        let v = Vars::suricata_defaults();
        for bad in [
            "!any",
            "![any]",
            "!0.0.0.0/0",
            "[0.0.0.0/1,!0.0.0.0/0]",
            "[1.2.3.4,!1.2.3.4]",
            "1.2.3.4/33",
            "1.2.3.4/",
            "1.2.3.4/x",
            "::1/129",
            "1.2.3.10-1.2.3.4",
            "1.2.3",
            "01.2.3.4",
            "1.2.3.4.5",
            "$NOPE",
            "$HTTP_PORTS",
            "[1.2.3.4",
            "",
            "host",
            "1.2.3.4 5.6.7.8",
        ] {
            assert!(AddrSet::parse(bad, &v).is_err(), "{bad:?} should fail");
        }
        let mut v = Vars::empty();
        v.set("A", "[1.2.3.4,$A]").unwrap();
        let e = AddrSet::parse("$A", &v).unwrap_err();
        assert!(e.contains("refers to itself"), "{e}");
        let deep = format!("{}1.2.3.4{}", "[".repeat(100), "]".repeat(100));
        assert!(AddrSet::parse(&deep, &v).is_err());
    }
}
