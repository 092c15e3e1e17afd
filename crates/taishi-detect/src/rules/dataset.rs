//! `dataset` and `datarep`: a sticky buffer's value looked up in a named
//! set (IOC lists: domains, user agents, hashes, addresses) or a
//! reputation map, as Suricata's keywords do. Rules naming the same set
//! share it (and `dataset:set` adds to it for the others), across workers.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use base64::Engine as _;

use super::range::NumRange;

/// What a set holds, which says how its file lines are read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DsType {
    /// Arbitrary bytes; lines are base64.
    String,
    /// 16-byte digests; lines are hex.
    Md5,
    /// 32-byte digests; lines are hex.
    Sha256,
    /// 4-byte IPv4 addresses; lines are dotted quads.
    Ipv4,
    /// 16-byte IPv6 (or IPv4-mapped) addresses.
    Ip,
}

impl DsType {
    fn parse(s: &str) -> Option<DsType> {
        Some(match s {
            "string" => DsType::String,
            "md5" => DsType::Md5,
            "sha256" => DsType::Sha256,
            "ipv4" => DsType::Ipv4,
            "ip" | "ipv6" => DsType::Ip,
            _ => return None,
        })
    }

    /// A file value as the bytes the buffer would hold.
    fn decode(self, text: &str) -> Option<Vec<u8>> {
        let t = text.trim();
        match self {
            DsType::String => base64::engine::general_purpose::STANDARD.decode(t).ok(),
            DsType::Md5 | DsType::Sha256 => {
                let want = if self == DsType::Md5 { 16 } else { 32 };
                let bytes = hex(t)?;
                (bytes.len() == want).then_some(bytes)
            }
            DsType::Ipv4 => t
                .parse::<std::net::Ipv4Addr>()
                .ok()
                .map(|a| a.octets().to_vec()),
            DsType::Ip => match t.parse::<std::net::IpAddr>().ok()? {
                std::net::IpAddr::V4(a) => Some(a.to_ipv6_mapped().octets().to_vec()),
                std::net::IpAddr::V6(a) => Some(a.octets().to_vec()),
            },
        }
    }
}

fn hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// One named set.
#[derive(Debug)]
pub struct Dataset {
    ty: DsType,
    values: RwLock<HashSet<Vec<u8>>>,
}

/// One named reputation map.
#[derive(Debug)]
pub struct Datarep {
    ty: DsType,
    values: HashMap<Vec<u8>, u64>,
}

/// The sets and maps of a rule set, by name.
#[derive(Debug, Default)]
pub struct Registry {
    sets: HashMap<String, Arc<Dataset>>,
    reps: HashMap<String, Arc<Datarep>>,
}

/// What a `dataset` option does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DsCmd {
    /// Adds the value (matches when it was new).
    Set,
    /// Removes the value (matches when it was there).
    Unset,
    /// Matches when the value is in the set.
    IsSet,
    /// Matches when it is not.
    IsNotSet,
}

/// A compiled `dataset` or `datarep` option.
#[derive(Debug, Clone)]
pub enum SetMatch {
    /// `dataset:CMD,NAME,...`.
    Dataset(DsCmd, Arc<Dataset>),
    /// `datarep:NAME,OP,VALUE,...`.
    Datarep(NumRange, Arc<Datarep>),
}

impl SetMatch {
    /// Whether the buffer value satisfies the option (and `set`/`unset`
    /// change the set).
    pub fn matches(&self, value: &[u8]) -> bool {
        match self {
            SetMatch::Dataset(cmd, ds) => {
                let v = key(ds.ty, value);
                match cmd {
                    DsCmd::IsSet => ds.values.read().is_ok_and(|s| s.contains(&v)),
                    DsCmd::IsNotSet => ds.values.read().is_ok_and(|s| !s.contains(&v)),
                    DsCmd::Set => ds.values.write().is_ok_and(|mut s| s.insert(v)),
                    DsCmd::Unset => ds.values.write().is_ok_and(|mut s| s.remove(&v)),
                }
            }
            SetMatch::Datarep(cmp, rep) => rep
                .values
                .get(&key(rep.ty, value))
                .is_some_and(|&r| cmp.matches(r)),
        }
    }
}

/// A buffer value as stored: IPv4 in an `ip` set is IPv4-mapped.
fn key(ty: DsType, value: &[u8]) -> Vec<u8> {
    match (ty, value.len()) {
        (DsType::Ip, 4) => {
            let mut a = [0u8; 4];
            a.copy_from_slice(value);
            std::net::Ipv4Addr::from(a)
                .to_ipv6_mapped()
                .octets()
                .to_vec()
        }
        _ => value.to_vec(),
    }
}

/// Splits `name,rest` options: the positional ones, then `key value` pairs.
fn options(value: &str) -> (Vec<&str>, HashMap<&str, &str>) {
    let mut pos = Vec::new();
    let mut named = HashMap::new();
    for part in value.split(',').map(str::trim) {
        match part.split_once(char::is_whitespace) {
            Some((k, v)) => {
                named.insert(k, v.trim());
            }
            None => pos.push(part),
        }
    }
    (pos, named)
}

fn read_lines(file: &str, dir: Option<&Path>) -> Result<String, String> {
    let p = PathBuf::from(file);
    let p = match dir {
        Some(d) if p.is_relative() => d.join(p),
        _ => p,
    };
    std::fs::read_to_string(&p).map_err(|e| format!("cannot read {}: {e}", p.display()))
}

impl Registry {
    /// Parses a `dataset` option; files resolve against `dir` (the rules'
    /// folder, as Suricata resolves them against its rule path).
    pub fn dataset(&mut self, value: &str, dir: Option<&Path>) -> Result<SetMatch, String> {
        let (pos, named) = options(value);
        let (cmd, name) = match pos.as_slice() {
            [c, n, ..] => (*c, *n),
            _ => return Err("expected CMD,NAME".into()),
        };
        let cmd = match cmd {
            "set" => DsCmd::Set,
            "unset" => DsCmd::Unset,
            "isset" => DsCmd::IsSet,
            "isnotset" => DsCmd::IsNotSet,
            c => return Err(format!("unknown command '{c}'")),
        };
        if let Some(ds) = self.sets.get(name) {
            return Ok(SetMatch::Dataset(cmd, Arc::clone(ds)));
        }
        let ty = named
            .get("type")
            .and_then(|t| DsType::parse(t))
            .ok_or("needs 'type string|md5|sha256|ipv4|ip'")?;
        let mut values = HashSet::new();
        if let Some(file) = named.get("load").or(named.get("state")) {
            // A `state` file that does not exist yet starts empty.
            let text = match read_lines(file, dir) {
                Ok(t) => t,
                Err(_) if named.contains_key("state") => String::new(),
                Err(e) => return Err(e),
            };
            for (i, line) in text.lines().enumerate() {
                let l = line.trim();
                if l.is_empty() || l.starts_with('#') {
                    continue;
                }
                // Suricata 7 also writes `value,extra` lines.
                let v = l.split(',').next().unwrap_or(l);
                values.insert(
                    ty.decode(v)
                        .ok_or_else(|| format!("{file}:{}: not a {ty:?} value", i + 1))?,
                );
            }
        }
        let ds = Arc::new(Dataset {
            ty,
            values: RwLock::new(values),
        });
        self.sets.insert(name.to_string(), Arc::clone(&ds));
        Ok(SetMatch::Dataset(cmd, ds))
    }

    /// Parses a `datarep` option: `NAME, OP, VALUE, type T, load FILE`
    /// with lines `value,reputation`.
    pub fn datarep(&mut self, value: &str, dir: Option<&Path>) -> Result<SetMatch, String> {
        let (pos, named) = options(value);
        let (name, op, num) = match pos.as_slice() {
            [n, o, v, ..] => (*n, *o, *v),
            _ => return Err("expected NAME,OP,VALUE".into()),
        };
        let num: u64 = num.parse().map_err(|_| format!("invalid value '{num}'"))?;
        let cmp = match op {
            ">" => NumRange::Gt(num),
            ">=" => NumRange::Ge(num),
            "<" => NumRange::Lt(num),
            "<=" => NumRange::Le(num),
            "==" => NumRange::Eq(num),
            o => return Err(format!("unknown operator '{o}'")),
        };
        if let Some(rep) = self.reps.get(name) {
            return Ok(SetMatch::Datarep(cmp, Arc::clone(rep)));
        }
        let ty = named
            .get("type")
            .and_then(|t| DsType::parse(t))
            .ok_or("needs 'type string|md5|sha256|ipv4|ip'")?;
        let file = named.get("load").ok_or("needs 'load FILE'")?;
        let text = read_lines(file, dir)?;
        let mut values = HashMap::new();
        for (i, line) in text.lines().enumerate() {
            let l = line.trim();
            if l.is_empty() || l.starts_with('#') {
                continue;
            }
            let bad = || format!("{file}:{}: expected 'value,reputation'", i + 1);
            let (v, r) = l.split_once(',').ok_or_else(bad)?;
            let r: u64 = r.trim().parse().map_err(|_| bad())?;
            values.insert(ty.decode(v).ok_or_else(bad)?, r);
        }
        let rep = Arc::new(Datarep { ty, values });
        self.reps.insert(name.to_string(), Arc::clone(&rep));
        Ok(SetMatch::Datarep(cmp, rep))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_sets_load_base64_and_share_by_name() {
        let dir = std::env::temp_dir().join(format!("taishi-ds-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        // "evil.example" and "bad.test" in base64.
        std::fs::write(dir.join("dom.lst"), "ZXZpbC5leGFtcGxl\nYmFkLnRlc3Q=\n").unwrap();
        let mut r = Registry::default();
        let isset = r
            .dataset("isset,doms,type string,load dom.lst", Some(&dir))
            .unwrap();
        assert!(isset.matches(b"evil.example"));
        assert!(!isset.matches(b"good.example"));
        let notset = r.dataset("isnotset,doms", Some(&dir)).unwrap();
        assert!(notset.matches(b"good.example"));
        // `set` adds for every rule naming the set, and matches once.
        let set = r.dataset("set,doms", None).unwrap();
        assert!(set.matches(b"new.example"));
        assert!(!set.matches(b"new.example"));
        assert!(isset.matches(b"new.example"));
        std::fs::write(
            dir.join("rep.lst"),
            "ZXZpbC5leGFtcGxl,90\nYmFkLnRlc3Q=,10\n",
        )
        .unwrap();
        let rep = r
            .datarep("reps, >, 50, type string, load rep.lst", Some(&dir))
            .unwrap();
        assert!(rep.matches(b"evil.example"));
        assert!(!rep.matches(b"bad.test"));
        assert!(!rep.matches(b"unknown"));
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn typed_values_and_errors() {
        let mut r = Registry::default();
        assert!(
            DsType::Md5
                .decode("d41d8cd98f00b204e9800998ecf8427e")
                .is_some()
        );
        assert!(DsType::Md5.decode("d41d8c").is_none());
        assert_eq!(DsType::Ipv4.decode("10.0.0.1"), Some(vec![10, 0, 0, 1]));
        assert!(r.dataset("isset,x", None).is_err());
        assert!(r.dataset("bogus,x,type string", None).is_err());
        assert!(
            r.dataset("isset,y,type string,load /nonexistent/file", None)
                .is_err()
        );
        let ip = r.dataset("set,ips,type ip", None).unwrap();
        assert!(ip.matches(&[10, 0, 0, 1]));
        let isset = r.dataset("isset,ips", None).unwrap();
        assert!(
            isset.matches(
                &std::net::Ipv4Addr::new(10, 0, 0, 1)
                    .to_ipv6_mapped()
                    .octets()
            )
        );
    }
}
