//! Rule ports: `any`, `N`, `N:M`, `N:` (to 65535), `:M` (from 0), lists,
//! negation and variables, with Suricata's meaning (DetectPortParseDo):
//!
//! - The result is the union of positive elements minus the union of
//!   negated ones; with only negated elements the positive part is 0:65535.
//! - Unlike addresses, a negated block is not resolved on its own first:
//!   its negation is passed down to its elements, and an element's own `!`
//!   flips it back (`![80,!81]` is "81 minus 80", i.e. 81; `!$P` where `P`
//!   is `!80` means 80). A block inside a negated block stays negated.
//!   Suricata's DetectPortParseDo does this for the last element of a list
//!   but ORs the two negations for the others, so its result depends on the
//!   order of elements (`![!81,80]` differs from `![80,!81]`); we apply the
//!   flip to every element, the order-independent reading.
//! - Negating every port, or leaving none, is an error.

use super::list::{self, ItemKind, MAX_LIST_DEPTH};
use super::ranges;
use super::vars::{VarKind, Vars};

/// A resolved port expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PortSet {
    ranges: Vec<(u16, u16)>,
}

#[derive(Default)]
struct Acc {
    pos: Vec<(u16, u16)>,
    neg: Vec<(u16, u16)>,
}

impl PortSet {
    /// Every port.
    pub fn any() -> Self {
        PortSet {
            ranges: vec![(0, u16::MAX)],
        }
    }

    /// Whether every port matches.
    pub fn is_any(&self) -> bool {
        ranges::is_full(&self.ranges)
    }

    /// Whether `port` is in the set.
    #[inline]
    pub fn matches(&self, port: u16) -> bool {
        ranges::contains(&self.ranges, port)
    }

    /// Sorted, disjoint, inclusive ranges.
    pub fn ranges(&self) -> &[(u16, u16)] {
        &self.ranges
    }

    /// Parses a port expression, expanding variables from `vars`.
    pub fn parse(text: &str, vars: &Vars) -> Result<PortSet, String> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("any") {
            return Ok(Self::any());
        }
        let mut acc = Acc::default();
        let mut stack = Vec::new();
        eval(text, false, vars, &mut stack, 0, &mut acc)
            .map_err(|e| format!("port '{text}': {e}"))?;
        let neg = ranges::normalize(acc.neg);
        if ranges::is_full(&neg) {
            return Err(format!("port '{text}': the complete port space is negated"));
        }
        let mut pos = ranges::normalize(acc.pos);
        if pos.is_empty() && !neg.is_empty() {
            pos = vec![(0, u16::MAX)];
        }
        let ranges = ranges::subtract(&pos, &neg);
        if ranges.is_empty() {
            return Err(format!(
                "port '{text}': no ports left after applying the negations"
            ));
        }
        Ok(PortSet { ranges })
    }
}

fn eval(
    text: &str,
    negate: bool,
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
                eval(inner, negate || item.neg, vars, stack, depth + 1, acc)?;
            }
            ItemKind::Var(name) => {
                let value = vars.resolve(VarKind::Port, name, stack)?;
                stack.push(name.to_string());
                let r = eval(value, negate ^ item.neg, vars, stack, depth + 1, acc);
                stack.pop();
                r?;
            }
            ItemKind::Atom(a) => {
                let r = atom(a)?;
                if negate ^ item.neg {
                    acc.neg.push(r);
                } else {
                    acc.pos.push(r);
                }
            }
        }
    }
    Ok(())
}

fn atom(a: &str) -> Result<(u16, u16), String> {
    if a.eq_ignore_ascii_case("any") {
        return Ok((0, u16::MAX));
    }
    let num = |s: &str, default: u16| -> Result<u16, String> {
        if s.is_empty() {
            return Ok(default);
        }
        if !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("invalid port '{a}'"));
        }
        s.parse::<u16>()
            .map_err(|_| format!("port '{a}' is out of range (0-65535)"))
    };
    if let Some((x, y)) = a.split_once(':') {
        if x.is_empty() && y.is_empty() {
            return Err(format!("invalid port range '{a}'"));
        }
        let (x, y) = (num(x, 0)?, num(y, u16::MAX)?);
        if x > y {
            return Err(format!("port range '{a}' ends before it starts"));
        }
        Ok((x, y))
    } else if a.is_empty() {
        Err("empty port".into())
    } else {
        let p = num(a, 0)?;
        Ok((p, p))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(s: &str) -> PortSet {
        PortSet::parse(s, &Vars::suricata_defaults()).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn forms() {
        assert!(set("any").is_any());
        assert!(set("0:").is_any());
        assert!(set("[any]").is_any());
        assert_eq!(set("80").ranges(), &[(80, 80)]);
        assert_eq!(set("0").ranges(), &[(0, 0)]);
        assert_eq!(set("1024:").ranges(), &[(1024, 65535)]);
        assert_eq!(set(":1023").ranges(), &[(0, 1023)]);
        assert_eq!(set("80:82").ranges(), &[(80, 82)]);
        assert_eq!(
            set("[80, 443,8080:8090]").ranges(),
            &[(80, 80), (443, 443), (8080, 8090)]
        );
        // Suricata's own example: !80:81 leaves 0:79 and 82:65535.
        assert_eq!(set("!80:81").ranges(), &[(0, 79), (82, 65535)]);
        assert_eq!(set("[1:100,!50]").ranges(), &[(1, 49), (51, 100)]);
        assert_eq!(
            set("[1024:,![2000,3000:3001]]").ranges(),
            &[(1024, 1999), (2001, 2999), (3002, 65535)]
        );
        assert!(set("!0").matches(1) && !set("!0").matches(0));
    }

    #[test]
    fn negation_inside_negated_blocks() {
        // DetectPortParseDo: 80 goes to the negated list, !81 back to the
        // positive one.
        assert_eq!(set("![80,!81]").ranges(), &[(81, 81)]);
        assert_eq!(set("![!81,80]").ranges(), &[(81, 81)]);
        // A block inside a negated block stays negated.
        assert_eq!(set("![80,[81]]").ranges(), &[(0, 79), (82, 65535)]);
    }

    #[test]
    fn variables() {
        let v = Vars::suricata_defaults();
        let p = |s: &str| PortSet::parse(s, &v).unwrap();
        assert_eq!(p("$HTTP_PORTS").ranges(), &[(80, 80)]);
        assert_eq!(p("$SHELLCODE_PORTS").ranges(), &[(0, 79), (81, 65535)]);
        // Parity: !$SHELLCODE_PORTS is !!80, i.e. 80.
        assert_eq!(p("!$SHELLCODE_PORTS").ranges(), &[(80, 80)]);
        assert_eq!(p("!$HTTP_PORTS").ranges(), &[(0, 79), (81, 65535)]);
        assert_eq!(
            p("$FILE_DATA_PORTS").ranges(),
            &[(80, 80), (110, 110), (143, 143)]
        );
        assert_eq!(
            p("[$HTTP_PORTS,$ORACLE_PORTS]").ranges(),
            &[(80, 80), (1521, 1521)]
        );
    }

    #[test]
    fn errors() {
        let v = Vars::suricata_defaults();
        for bad in [
            "!any",
            "![0:]",
            "[0:100,!0:65535]",
            "[80,!80]",
            "65536",
            "-1",
            "80:70",
            ":",
            "80:!90",
            "8o",
            "$HOME_NET",
            "$NOPE",
            "[80",
            "",
            "80 81",
            "1.2.3.4",
        ] {
            assert!(PortSet::parse(bad, &v).is_err(), "{bad:?} should fail");
        }
    }
}
