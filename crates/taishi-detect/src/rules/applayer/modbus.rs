//! The `modbus` keyword, with Suricata's three forms: `function` (code,
//! code with sub-function, or `[!]category`), `access` (read/write, an
//! object type, an address range and a written value) and `unit` (alone
//! or in front of one of the other two). Ranges are `N`, `<N`, `>N` and
//! `N<>M`, all strict as Suricata's `check_match` reads them.

use taishi_proto::Transaction;
use taishi_proto::buffer::{Field, modbus_access as acc, modbus_category as cat};

use super::{any_value, err, first};
use crate::rules::keywords::KeywordError;

/// A range as Suricata's modbus keyword writes it: `start == end` is one
/// value, `start == 0` is "below end", `end == u16::MAX` "above start",
/// otherwise strictly between.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ModRange {
    /// Lower bound.
    pub start: u16,
    /// Upper bound.
    pub end: u16,
}

impl ModRange {
    fn parse(min: &str, max: Option<&str>) -> Result<ModRange, KeywordError> {
        let num = |s: &str| {
            s.trim()
                .parse::<u16>()
                .map_err(|_| err("modbus", format!("'{}' is not a number 0-65535", s.trim())))
        };
        if let Some(max) = max {
            return Ok(ModRange {
                start: num(min)?,
                end: num(max)?,
            });
        }
        let m = min.trim();
        Ok(if let Some(r) = m.strip_prefix('>') {
            ModRange {
                start: num(r)?,
                end: u16::MAX,
            }
        } else if let Some(r) = m.strip_prefix('<') {
            ModRange {
                start: 0,
                end: num(r)?,
            }
        } else {
            let n = num(m)?;
            ModRange { start: n, end: n }
        })
    }

    /// Suricata's `check_match`.
    fn matches(self, v: u16) -> bool {
        if self.start == self.end {
            v == self.start
        } else if self.start == 0 {
            v < self.end
        } else if self.end == u16::MAX {
            v > self.start
        } else {
            self.start < v && v < self.end
        }
    }

    /// Suricata's `check_match_range`: the request's inclusive address
    /// range `first..=last` intersects it.
    fn overlaps(self, first: u16, last: u16) -> bool {
        if self.start == self.end {
            self.start >= first && self.start <= last
        } else if self.start == 0 {
            self.end > first
        } else if self.end == u16::MAX {
            self.start < last
        } else {
            self.start < last && first < self.end
        }
    }
}

/// A parsed `modbus:` option.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ModbusKw {
    /// `[!]category` bits the request's category must intersect.
    pub category: Option<u64>,
    /// Function code.
    pub function: Option<u8>,
    /// Diagnostics sub-function.
    pub subfunction: Option<u16>,
    /// [`acc`] bits.
    pub access: Option<u64>,
    /// Unit identifier range.
    pub unit: Option<ModRange>,
    /// Address range.
    pub address: Option<ModRange>,
    /// Written value range (at the address's start).
    pub value: Option<ModRange>,
}

/// Splits `word rest` into the word and what follows.
fn word(s: &str) -> (&str, &str) {
    let s = s.trim_start();
    let end = s
        .find(|c: char| c.is_whitespace() || c == ',')
        .unwrap_or(s.len());
    (&s[..end], &s[end..])
}

/// `[<>]?N(<>M)?` at the start of `s`, and what follows.
fn range(s: &str) -> Result<(ModRange, &str), KeywordError> {
    let s = s.trim_start();
    let end = s.find(',').unwrap_or(s.len());
    let (r, rest) = (s[..end].trim(), &s[end..]);
    let mr = match r.split_once("<>") {
        Some((a, b)) => ModRange::parse(a, Some(b))?,
        None => ModRange::parse(r, None)?,
    };
    Ok((mr, rest))
}

/// `, NAME` at the start of `s`: what follows the name.
fn clause<'a>(s: &'a str, name: &str) -> Option<&'a str> {
    let s = s.trim_start().strip_prefix(',')?.trim_start();
    let rest = s.strip_prefix(name)?;
    rest.starts_with(char::is_whitespace).then_some(rest)
}

impl ModbusKw {
    /// Parses the option's value (quotes allowed around it).
    pub fn parse(v: &str) -> Result<ModbusKw, KeywordError> {
        let v = v.trim();
        let v = v
            .strip_prefix('"')
            .and_then(|s| s.strip_suffix('"'))
            .unwrap_or(v)
            .trim();
        let (w, rest) = word(v);
        match w {
            "function" => parse_function(rest),
            "access" => parse_access(rest),
            "unit" => {
                let (unit, rest) = range(rest)?;
                let mut m = match rest.trim_start().strip_prefix(',') {
                    Some(extra) => {
                        let (w, r) = word(extra);
                        match w {
                            "function" => parse_function(r)?,
                            "access" => parse_access(r)?,
                            _ => return Err(err("modbus", format!("invalid option '{extra}'"))),
                        }
                    }
                    None if rest.trim().is_empty() => ModbusKw::default(),
                    None => return Err(err("modbus", format!("unexpected '{}'", rest.trim()))),
                };
                m.unit = Some(unit);
                Ok(m)
            }
            _ => Err(err(
                "modbus",
                format!("expected function, access or unit, got '{w}'"),
            )),
        }
    }

    /// Suricata's `rs_modbus_inspect`: the request decides.
    pub fn matches(&self, tx: &dyn Transaction) -> bool {
        let Some(function) = first(tx, Field::ModbusFunction) else {
            return false;
        };
        if let Some(unit) = self.unit {
            match first(tx, Field::ModbusUnit) {
                Some(u) if unit.matches(u as u16) => {}
                _ => return false,
            }
        }
        if let Some(access) = self.access {
            let req = first(tx, Field::ModbusAccess).unwrap_or(0);
            let rw = access & (acc::READ | acc::WRITE);
            let kind = access & (acc::DISCRETES | acc::COILS | acc::INPUT | acc::HOLDING);
            if rw == 0 || req & rw == 0 || (kind != 0 && req & kind == 0) {
                return false;
            }
            let Some(addr) = self.address else {
                return true;
            };
            let (Some(a), Some(b)) = (
                first(tx, Field::ModbusAddressFirst),
                first(tx, Field::ModbusAddressLast),
            ) else {
                return false;
            };
            if !addr.overlaps(a as u16, b as u16) {
                return false;
            }
            let Some(value) = self.value else {
                return true;
            };
            return any_value(tx, Field::ModbusWrite, |w| {
                (w >> 16) as u16 == addr.start && value.matches(w as u16)
            });
        }
        if let Some(c) = self.category {
            return first(tx, Field::ModbusCategory).is_some_and(|r| r & c != 0);
        }
        match self.function {
            None => true,
            Some(f) if u64::from(f) == function => match self.subfunction {
                None => true,
                Some(s) => first(tx, Field::ModbusSubfunction) == Some(u64::from(s)),
            },
            Some(_) => false,
        }
    }
}

fn parse_function(rest: &str) -> Result<ModbusKw, KeywordError> {
    let (w, rest) = word(rest);
    let mut m = ModbusKw::default();
    if let Ok(n) = w.parse::<u8>() {
        if n == 0 {
            return Err(err("modbus", "function 0 is invalid"));
        }
        m.function = Some(n);
        if let Some(r) = clause(rest, "subfunction") {
            let (s, tail) = word(r);
            m.subfunction = Some(
                s.parse()
                    .map_err(|_| err("modbus", format!("invalid subfunction '{s}'")))?,
            );
            if !tail.trim().is_empty() {
                return Err(err("modbus", format!("unexpected '{}'", tail.trim())));
            }
            return Ok(m);
        }
    } else {
        let (neg, name) = match w.strip_prefix('!') {
            Some(r) => (true, r),
            None => (false, w),
        };
        let all = cat::PUBLIC_ASSIGNED | cat::PUBLIC_UNASSIGNED | cat::USER_DEFINED | cat::RESERVED;
        let c = match name {
            "assigned" => cat::PUBLIC_ASSIGNED,
            "unassigned" => cat::PUBLIC_UNASSIGNED,
            "public" => cat::PUBLIC_ASSIGNED | cat::PUBLIC_UNASSIGNED,
            "user" => cat::USER_DEFINED,
            "reserved" => cat::RESERVED,
            "all" => all,
            _ => return Err(err("modbus", format!("unknown function '{w}'"))),
        };
        m.category = Some(if neg { !c & all } else { c });
    }
    if !rest.trim().is_empty() {
        return Err(err("modbus", format!("unexpected '{}'", rest.trim())));
    }
    Ok(m)
}

fn parse_access(rest: &str) -> Result<ModbusKw, KeywordError> {
    let (rw, mut rest) = word(rest);
    let mut access = match rw {
        "read" => acc::READ,
        "write" => acc::WRITE,
        _ => return Err(err("modbus", format!("expected read or write, got '{rw}'"))),
    };
    let (kind, after) = word(rest);
    let k = match kind {
        "coils" => Some(acc::COILS),
        "holding" => Some(acc::HOLDING),
        "discretes" | "input" if access == acc::WRITE => {
            return Err(err("modbus", format!("{kind} access is read only")));
        }
        "discretes" => Some(acc::DISCRETES),
        "input" => Some(acc::INPUT),
        _ => None,
    };
    if let Some(k) = k {
        access |= k;
        rest = after;
    }
    let mut m = ModbusKw {
        access: Some(access),
        ..ModbusKw::default()
    };
    if let Some(r) = clause(rest, "address") {
        let (addr, r) = range(r)?;
        m.address = Some(addr);
        rest = r;
        if let Some(r) = clause(rest, "value") {
            if addr.start != addr.end {
                return Err(err("modbus", "an address range cannot take a value"));
            }
            if access & acc::WRITE == 0 {
                return Err(err("modbus", "value only works with write access"));
            }
            let (value, r) = range(r)?;
            m.value = Some(value);
            rest = r;
        }
    }
    if !rest.trim().is_empty() {
        return Err(err("modbus", format!("unexpected '{}'", rest.trim())));
    }
    Ok(m)
}
