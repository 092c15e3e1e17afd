//! Stateful variables: `flowbits`, `flowint`, `hostbits` and `xbits`.
//!
//! Every option is either a *condition* (`isset`, `isnotset`, flowint
//! comparisons) checked with the rule's other keywords, or an *action*
//! (`set`, `unset`, `toggle`, flowint `=`/`+`/`-`) the engine applies only
//! once the whole rule matched, before thresholding (Suricata's post-match
//! list: a thresholded or suppressed alert still sets its bits).
//!
//! Names are interned per rule set ([`VarNames`]) so that per-flow state is
//! a couple of small sorted vectors of ids ([`FlowVars`]), empty (and
//! unallocated) on the vast majority of flows. Host and IP-pair bits carry
//! an expiry and live in one bounded table ([`HostVars`]).
//!
//! Conditions on a packet without a flow: Suricata never matches `flowbits`
//! (not even `isnotset`) or `flowint` without a flow; the engine must not
//! call [`BitsKw::check`] for those packets (see [`BitsKw::needs_flow`]).

use std::net::IpAddr;

use std::collections::HashMap;
use taishi_core::Timestamp;

use super::{KeywordError, required};
use crate::rules::range::parse_u64;

/// Hostbits and xbits live this long after a set unless `expire` says
/// otherwise (Suricata's `DETECT_XBITS_EXPIRE_DEFAULT`).
pub const DEFAULT_XBITS_EXPIRE_SECS: u32 = 30;

/// Most host/IP-pair bits kept at once: a scan touches many hosts and each
/// `hostbits:set` from a remote peer would otherwise grow the table without
/// bound. Beyond it expired entries are swept and, if still full, the set is
/// dropped and counted ([`HostVars::dropped`]).
pub const MAX_HOST_BITS: usize = 262_144;

/// What a name belongs to: the same name in two namespaces is two variables.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VarKind {
    /// `flowbits`.
    Flowbit,
    /// `flowint`.
    Flowint,
    /// `hostbits`, and `xbits` with `track ip_src|ip_dst` (the same store in Suricata).
    Hostbit,
    /// `xbits` with `track ip_pair`.
    IpPairbit,
}

/// Names of flowbits/flowint/hostbits/xbits interned to small ids, shared by a rule set.
#[derive(Debug, Default)]
pub struct VarNames {
    ids: HashMap<(VarKind, String), u32>,
    names: Vec<(VarKind, String)>,
}

impl VarNames {
    /// The id of `name` in `kind`, allocated on first use.
    pub fn intern(&mut self, kind: VarKind, name: &str) -> u32 {
        if let Some(id) = self.ids.get(&(kind, name.to_string())) {
            return *id;
        }
        let id = self.names.len() as u32;
        self.names.push((kind, name.to_string()));
        self.ids.insert((kind, name.to_string()), id);
        id
    }

    /// The id of `name` in `kind`, if some rule used it.
    pub fn get(&self, kind: VarKind, name: &str) -> Option<u32> {
        self.ids.get(&(kind, name.to_string())).copied()
    }

    /// The name (and kind) of an id, for logs and EVE.
    pub fn name(&self, id: u32) -> Option<(VarKind, &str)> {
        self.names.get(id as usize).map(|(k, n)| (*k, n.as_str()))
    }

    /// How many names are interned.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether no name is interned.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

/// Per-flow variables (bits, ints and the floats `entropy` keeps); small
/// and cheap when empty (most flows have none).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct FlowVars {
    /// Set flowbits, sorted.
    bits: Vec<u32>,
    /// Flowints, sorted by id.
    ints: Vec<(u32, u32)>,
    /// Float variables by name, in the order they were first set.
    floats: Vec<(std::sync::Arc<str>, f64)>,
}

impl FlowVars {
    /// Whether flowbit `id` is set.
    pub fn isset(&self, id: u32) -> bool {
        self.bits.binary_search(&id).is_ok()
    }

    /// Sets flowbit `id`.
    pub fn set(&mut self, id: u32) {
        if let Err(i) = self.bits.binary_search(&id) {
            self.bits.insert(i, id);
        }
    }

    /// Unsets flowbit `id`.
    pub fn unset(&mut self, id: u32) {
        if let Ok(i) = self.bits.binary_search(&id) {
            self.bits.remove(i);
        }
    }

    /// Flips flowbit `id`.
    pub fn toggle(&mut self, id: u32) {
        match self.bits.binary_search(&id) {
            Ok(i) => {
                self.bits.remove(i);
            }
            Err(i) => self.bits.insert(i, id),
        }
    }

    /// Set flowbits, sorted (EVE's `flowbits` in `metadata`).
    pub fn bits(&self) -> &[u32] {
        &self.bits
    }

    /// The value of flowint `id`, if set.
    pub fn int(&self, id: u32) -> Option<u32> {
        self.ints
            .binary_search_by_key(&id, |(k, _)| *k)
            .ok()
            .and_then(|i| self.ints.get(i))
            .map(|(_, v)| *v)
    }

    /// Sets flowint `id`.
    pub fn set_int(&mut self, id: u32, value: u32) {
        match self.ints.binary_search_by_key(&id, |(k, _)| *k) {
            Ok(i) => {
                if let Some(slot) = self.ints.get_mut(i) {
                    slot.1 = value;
                }
            }
            Err(i) => self.ints.insert(i, (id, value)),
        }
    }

    /// Flowints, sorted by id.
    pub fn ints(&self) -> &[(u32, u32)] {
        &self.ints
    }

    /// Sets float variable `name` (a new name goes last).
    pub fn set_float(&mut self, name: std::sync::Arc<str>, value: f64) {
        match self.floats.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = value,
            None => self.floats.push((name, value)),
        }
    }

    /// Float variables, in the order they were first set.
    pub fn floats(&self) -> &[(std::sync::Arc<str>, f64)] {
        &self.floats
    }

    /// Whether no variable is set.
    pub fn is_empty(&self) -> bool {
        self.bits.is_empty() && self.ints.is_empty() && self.floats.is_empty()
    }
}

/// Where a host bit is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum HostKey {
    Ip(IpAddr),
    /// Lower address first: both directions share the pair, as Suricata's IPPair.
    Pair(IpAddr, IpAddr),
}

/// Host-keyed bits with expiry (hostbits, xbits track ip_src/ip_dst/ip_pair), bounded in size.
#[derive(Debug, Default)]
pub struct HostVars {
    bits: HashMap<(HostKey, u32), Timestamp>,
    dropped: u64,
}

impl HostVars {
    fn isset(&self, key: HostKey, id: u32, now: Timestamp) -> bool {
        self.bits.get(&(key, id)).is_some_and(|exp| *exp > now)
    }

    fn set(&mut self, key: HostKey, id: u32, now: Timestamp, expire: u32) {
        let until = now.plus_secs(expire.into());
        if self.bits.len() >= MAX_HOST_BITS && !self.bits.contains_key(&(key, id)) {
            self.expire(now);
            if self.bits.len() >= MAX_HOST_BITS {
                self.dropped += 1;
                return;
            }
        }
        self.bits.insert((key, id), until);
    }

    fn unset(&mut self, key: HostKey, id: u32) {
        self.bits.remove(&(key, id));
    }

    /// Drops every bit expired at `now` (the engine calls it now and then;
    /// `set` also does when the table is full).
    pub fn expire(&mut self, now: Timestamp) {
        self.bits.retain(|_, exp| *exp > now);
    }

    /// Sets that were dropped because the table was full.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Entries held (expired ones included until swept).
    pub fn len(&self) -> usize {
        self.bits.len()
    }

    /// Whether no entry is held.
    pub fn is_empty(&self) -> bool {
        self.bits.is_empty()
    }
}

/// Which address a host bit belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum XTrack {
    /// The packet's source (`hostbits:...,src`, `xbits:... track ip_src`).
    Src,
    /// The packet's destination.
    Dst,
    /// The address pair, either direction (`xbits: track ip_pair`).
    Pair,
}

/// What a host/pair bit option does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum XCmd {
    /// `set`.
    Set,
    /// `unset`.
    Unset,
    /// `toggle`.
    Toggle,
    /// `isset`.
    Isset,
    /// `isnotset`.
    Isnotset,
}

/// A flowint operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntOp {
    /// `=`: assign.
    Set,
    /// `+`: add.
    Add,
    /// `-`: subtract.
    Sub,
    /// `==`.
    Eq,
    /// `!=`.
    Ne,
    /// `<`.
    Lt,
    /// `<=`.
    Le,
    /// `>`.
    Gt,
    /// `>=`.
    Ge,
    /// `isset`.
    Isset,
    /// `notset` / `isnotset`.
    Notset,
}

/// The right-hand side of a flowint operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntValue {
    /// A number.
    Const(u32),
    /// Another flowint's value (the operation does nothing / fails when it is unset).
    Var(u32),
}

/// One flowbits/flowint/hostbits/xbits option.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BitsKw {
    /// `flowbits:set,NAME`.
    FlowbitSet(u32),
    /// `flowbits:unset,NAME`.
    FlowbitUnset(u32),
    /// `flowbits:toggle,NAME`.
    FlowbitToggle(u32),
    /// `flowbits:isset,A|B`: any of them set.
    FlowbitIsset(Vec<u32>),
    /// `flowbits:isnotset,A|B`: any of them not set.
    FlowbitIsnotset(Vec<u32>),
    /// `flowbits:noalert`, `hostbits:noalert`, `xbits:noalert`.
    Noalert,
    /// `flowint:NAME,OP[,VALUE]`.
    Flowint {
        /// The variable.
        var: u32,
        /// The operation.
        op: IntOp,
        /// Its operand (unused by `isset`/`notset`).
        value: IntValue,
    },
    /// `hostbits` / `xbits`.
    Xbit {
        /// The operation.
        cmd: XCmd,
        /// The bit.
        name: u32,
        /// Whose bit.
        track: XTrack,
        /// Seconds a set lasts.
        expire: u32,
    },
}

fn valid_name(kw: &str, name: &str) -> Result<(), KeywordError> {
    if name.is_empty() || name.contains(|c: char| c.is_whitespace() || c == ',' || c == ';') {
        return Err(KeywordError::new(
            kw,
            format!("invalid variable name '{name}'"),
        ));
    }
    Ok(())
}

fn parse_flowbits(kw: &str, v: &str, names: &mut VarNames) -> Result<BitsKw, KeywordError> {
    let (cmd, name) = match v.split_once(',') {
        Some((c, n)) => (c.trim(), Some(n.trim())),
        None => (v.trim(), None),
    };
    if cmd == "noalert" {
        return match name {
            None => Ok(BitsKw::Noalert),
            Some(_) => Err(KeywordError::new(kw, "noalert takes no name")),
        };
    }
    let name = name.ok_or_else(|| KeywordError::new(kw, format!("'{cmd}' needs a name")))?;
    let list: Vec<&str> = name.split('|').map(str::trim).collect();
    for n in &list {
        valid_name(kw, n)?;
    }
    if name.contains('&') {
        return Err(KeywordError::new(kw, "'&' lists are not supported"));
    }
    let single = |names: &mut VarNames| -> Result<u32, KeywordError> {
        match list[..] {
            [n] => Ok(names.intern(VarKind::Flowbit, n)),
            _ => Err(KeywordError::new(
                kw,
                format!("only isset and isnotset take '|' lists, not '{cmd}'"),
            )),
        }
    };
    let ids = |names: &mut VarNames| -> Vec<u32> {
        list.iter()
            .map(|n| names.intern(VarKind::Flowbit, n))
            .collect()
    };
    Ok(match cmd {
        "set" => BitsKw::FlowbitSet(single(names)?),
        "unset" => BitsKw::FlowbitUnset(single(names)?),
        "toggle" => BitsKw::FlowbitToggle(single(names)?),
        "isset" => BitsKw::FlowbitIsset(ids(names)),
        "isnotset" => BitsKw::FlowbitIsnotset(ids(names)),
        other => return Err(KeywordError::new(kw, format!("unknown command '{other}'"))),
    })
}

fn parse_flowint(kw: &str, v: &str, names: &mut VarNames) -> Result<BitsKw, KeywordError> {
    let parts: Vec<&str> = v.split(',').map(str::trim).collect();
    let (var, op, operand) = match parts[..] {
        [var, op] => (var, op, None),
        [var, op, val] => (var, op, Some(val)),
        _ => {
            return Err(KeywordError::new(kw, "expected 'name,operator[,value]'"));
        }
    };
    valid_name(kw, var)?;
    let op = match op {
        "=" => IntOp::Set,
        "+" => IntOp::Add,
        "-" => IntOp::Sub,
        "==" => IntOp::Eq,
        "!=" => IntOp::Ne,
        "<" => IntOp::Lt,
        "<=" => IntOp::Le,
        ">" => IntOp::Gt,
        ">=" => IntOp::Ge,
        "isset" => IntOp::Isset,
        "notset" | "isnotset" => IntOp::Notset,
        other => return Err(KeywordError::new(kw, format!("unknown operator '{other}'"))),
    };
    let value = match (op, operand) {
        (IntOp::Isset | IntOp::Notset, None) => IntValue::Const(0),
        (IntOp::Isset | IntOp::Notset, Some(_)) => {
            return Err(KeywordError::new(kw, "isset/notset take no value"));
        }
        (_, None) => return Err(KeywordError::new(kw, "the operator needs a value")),
        (_, Some(val)) => match parse_u64(val) {
            Some(n) => IntValue::Const(
                u32::try_from(n)
                    .map_err(|_| KeywordError::new(kw, format!("'{val}' exceeds 32 bits")))?,
            ),
            None if val.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') => {
                valid_name(kw, val)?;
                IntValue::Var(names.intern(VarKind::Flowint, val))
            }
            None => return Err(KeywordError::new(kw, format!("invalid value '{val}'"))),
        },
    };
    Ok(BitsKw::Flowint {
        var: names.intern(VarKind::Flowint, var),
        op,
        value,
    })
}

fn parse_xcmd(kw: &str, cmd: &str) -> Result<XCmd, KeywordError> {
    Ok(match cmd {
        "set" => XCmd::Set,
        "unset" => XCmd::Unset,
        "toggle" => XCmd::Toggle,
        "isset" => XCmd::Isset,
        "isnotset" => XCmd::Isnotset,
        other => return Err(KeywordError::new(kw, format!("unknown command '{other}'"))),
    })
}

/// `hostbits:CMD,NAME[,src|dst]` (Suricata's default is `src`; `both` is
/// refused by Suricata too).
fn parse_hostbits(kw: &str, v: &str, names: &mut VarNames) -> Result<BitsKw, KeywordError> {
    let parts: Vec<&str> = v.split(',').map(str::trim).collect();
    if parts[..] == ["noalert"] {
        return Ok(BitsKw::Noalert);
    }
    let (cmd, name, track) = match parts[..] {
        [cmd, name] => (cmd, name, XTrack::Src),
        [cmd, name, dir] => {
            let track = match dir {
                "src" => XTrack::Src,
                "dst" => XTrack::Dst,
                other => {
                    return Err(KeywordError::new(
                        kw,
                        format!("unsupported direction '{other}'"),
                    ));
                }
            };
            (cmd, name, track)
        }
        _ => return Err(KeywordError::new(kw, "expected 'command,name[,src|dst]'")),
    };
    valid_name(kw, name)?;
    Ok(BitsKw::Xbit {
        cmd: parse_xcmd(kw, cmd)?,
        name: names.intern(VarKind::Hostbit, name),
        track,
        expire: DEFAULT_XBITS_EXPIRE_SECS,
    })
}

/// `xbits:CMD,NAME,track ip_src|ip_dst|ip_pair[,expire SECS]`.
fn parse_xbits(kw: &str, v: &str, names: &mut VarNames) -> Result<BitsKw, KeywordError> {
    let parts: Vec<&str> = v.split(',').map(str::trim).collect();
    if parts[..] == ["noalert"] {
        return Ok(BitsKw::Noalert);
    }
    let [cmd, name, rest @ ..] = &parts[..] else {
        return Err(KeywordError::new(kw, "expected 'command,name,track ...'"));
    };
    valid_name(kw, name)?;
    let cmd = parse_xcmd(kw, cmd)?;
    let mut track = None;
    let mut expire = DEFAULT_XBITS_EXPIRE_SECS;
    for part in rest {
        let (key, val) = part
            .split_once(char::is_whitespace)
            .map(|(k, v)| (k, v.trim()))
            .ok_or_else(|| KeywordError::new(kw, format!("invalid option '{part}'")))?;
        match key {
            "track" => {
                track = Some(match val {
                    "ip_src" => XTrack::Src,
                    "ip_dst" => XTrack::Dst,
                    "ip_pair" => XTrack::Pair,
                    other => {
                        return Err(KeywordError::new(
                            kw,
                            format!("unsupported track '{other}'"),
                        ));
                    }
                })
            }
            "expire" => {
                expire = parse_u64(val)
                    .filter(|n| *n > 0 && *n <= u32::MAX as u64)
                    .map(|n| n as u32)
                    .ok_or_else(|| KeywordError::new(kw, format!("invalid expire '{val}'")))?;
            }
            other => return Err(KeywordError::new(kw, format!("unknown option '{other}'"))),
        }
    }
    let track = track.ok_or_else(|| KeywordError::new(kw, "'track' is required"))?;
    let kind = if track == XTrack::Pair {
        VarKind::IpPairbit
    } else {
        VarKind::Hostbit
    };
    Ok(BitsKw::Xbit {
        cmd,
        name: names.intern(kind, name),
        track,
        expire,
    })
}

fn host_key(track: XTrack, src: IpAddr, dst: IpAddr) -> HostKey {
    match track {
        XTrack::Src => HostKey::Ip(src),
        XTrack::Dst => HostKey::Ip(dst),
        XTrack::Pair => {
            if src <= dst {
                HostKey::Pair(src, dst)
            } else {
                HostKey::Pair(dst, src)
            }
        }
    }
}

fn operand(flow: &FlowVars, value: IntValue) -> Option<u32> {
    match value {
        IntValue::Const(n) => Some(n),
        IntValue::Var(id) => flow.int(id),
    }
}

impl BitsKw {
    /// Parses `name: value`. `Ok(None)` when `name` is not one of these keywords.
    pub fn parse(
        name: &str,
        value: Option<&str>,
        names: &mut VarNames,
    ) -> Result<Option<BitsKw>, KeywordError> {
        let kw = name;
        let parsed = match name {
            "flowbits" => parse_flowbits(kw, required(kw, value)?, names)?,
            "flowint" => parse_flowint(kw, required(kw, value)?, names)?,
            "hostbits" => parse_hostbits(kw, required(kw, value)?, names)?,
            "xbits" => parse_xbits(kw, required(kw, value)?, names)?,
            _ => return Ok(None),
        };
        Ok(Some(parsed))
    }

    /// Whether this option is checked before the rule matches (rather than
    /// applied after).
    pub fn is_condition(&self) -> bool {
        match self {
            BitsKw::FlowbitIsset(_) | BitsKw::FlowbitIsnotset(_) => true,
            BitsKw::Flowint { op, .. } => !matches!(op, IntOp::Set | IntOp::Add | IntOp::Sub),
            BitsKw::Xbit { cmd, .. } => matches!(cmd, XCmd::Isset | XCmd::Isnotset),
            _ => false,
        }
    }

    /// `flowbits:noalert` (and the hostbits/xbits spelling): the rule never alerts.
    pub fn is_noalert(&self) -> bool {
        matches!(self, BitsKw::Noalert)
    }

    /// Whether this option needs the packet's flow (flowbits, flowint): the
    /// engine must treat it as not matching on packets without a flow.
    pub fn needs_flow(&self) -> bool {
        !matches!(self, BitsKw::Xbit { .. } | BitsKw::Noalert)
    }

    /// The variable this option writes, so the engine can order rules as
    /// Suricata does (setters before readers on the same packet).
    pub fn sets(&self) -> Option<u32> {
        match self {
            BitsKw::FlowbitSet(id) | BitsKw::FlowbitUnset(id) | BitsKw::FlowbitToggle(id) => {
                Some(*id)
            }
            BitsKw::Flowint { var, op, .. } => {
                matches!(op, IntOp::Set | IntOp::Add | IntOp::Sub).then_some(*var)
            }
            BitsKw::Xbit { cmd, name, .. } => {
                matches!(cmd, XCmd::Set | XCmd::Unset | XCmd::Toggle).then_some(*name)
            }
            _ => None,
        }
    }

    /// The (first) variable this option reads; see [`BitsKw::read_ids`] for OR-lists.
    pub fn reads(&self) -> Option<u32> {
        self.read_ids().first().copied()
    }

    /// Every variable this option reads (`flowbits:isset,a|b` reads both).
    pub fn read_ids(&self) -> &[u32] {
        match self {
            BitsKw::FlowbitIsset(ids) | BitsKw::FlowbitIsnotset(ids) => ids,
            BitsKw::Flowint { var, .. } if self.is_condition() => std::slice::from_ref(var),
            BitsKw::Xbit {
                cmd: XCmd::Isset | XCmd::Isnotset,
                name,
                ..
            } => std::slice::from_ref(name),
            _ => &[],
        }
    }

    /// Checks a condition; actions and `noalert` always pass.
    pub fn check(
        &self,
        flow: &FlowVars,
        hosts: &HostVars,
        src: IpAddr,
        dst: IpAddr,
        now: Timestamp,
    ) -> bool {
        match self {
            BitsKw::FlowbitIsset(ids) => ids.iter().any(|id| flow.isset(*id)),
            BitsKw::FlowbitIsnotset(ids) => ids.iter().any(|id| !flow.isset(*id)),
            BitsKw::Flowint { var, op, value } => {
                let cur = flow.int(*var);
                let cmp = |f: fn(u32, u32) -> bool| match (cur, operand(flow, *value)) {
                    (Some(a), Some(b)) => f(a, b),
                    _ => false,
                };
                match op {
                    IntOp::Set | IntOp::Add | IntOp::Sub => true,
                    IntOp::Isset => cur.is_some(),
                    IntOp::Notset => cur.is_none(),
                    IntOp::Eq => cmp(|a, b| a == b),
                    IntOp::Ne => cmp(|a, b| a != b),
                    IntOp::Lt => cmp(|a, b| a < b),
                    IntOp::Le => cmp(|a, b| a <= b),
                    IntOp::Gt => cmp(|a, b| a > b),
                    IntOp::Ge => cmp(|a, b| a >= b),
                }
            }
            BitsKw::Xbit {
                cmd, name, track, ..
            } => {
                let key = host_key(*track, src, dst);
                match cmd {
                    XCmd::Isset => hosts.isset(key, *name, now),
                    XCmd::Isnotset => !hosts.isset(key, *name, now),
                    _ => true,
                }
            }
            _ => true,
        }
    }

    /// Applies an action once the whole rule matched; conditions do nothing.
    pub fn apply(
        &self,
        flow: &mut FlowVars,
        hosts: &mut HostVars,
        src: IpAddr,
        dst: IpAddr,
        now: Timestamp,
    ) {
        match self {
            BitsKw::FlowbitSet(id) => flow.set(*id),
            BitsKw::FlowbitUnset(id) => flow.unset(*id),
            BitsKw::FlowbitToggle(id) => flow.toggle(*id),
            BitsKw::Flowint { var, op, value } => {
                // A variable operand that is unset makes the action a no-op,
                // as in Suricata; an unset target counts from 0.
                let Some(n) = operand(flow, *value) else {
                    return;
                };
                let cur = flow.int(*var).unwrap_or(0);
                match op {
                    IntOp::Set => flow.set_int(*var, n),
                    IntOp::Add => flow.set_int(*var, cur.wrapping_add(n)),
                    IntOp::Sub => flow.set_int(*var, cur.wrapping_sub(n)),
                    _ => {}
                }
            }
            BitsKw::Xbit {
                cmd,
                name,
                track,
                expire,
            } => {
                let key = host_key(*track, src, dst);
                match cmd {
                    XCmd::Set => hosts.set(key, *name, now, *expire),
                    XCmd::Unset => hosts.unset(key, *name),
                    XCmd::Toggle => {
                        if hosts.isset(key, *name, now) {
                            hosts.unset(key, *name);
                        } else {
                            hosts.set(key, *name, now, *expire);
                        }
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(5, 6, 7, 8));
    const B: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(1, 2, 3, 4));

    fn p(names: &mut VarNames, kw: &str, v: &str) -> BitsKw {
        BitsKw::parse(kw, Some(v), names).unwrap().unwrap()
    }

    /// One "rule" over one packet: all conditions, then (if all held) all
    /// actions, as the engine does. Returns whether it matched.
    fn run(opts: &[&BitsKw], flow: &mut FlowVars, hosts: &mut HostVars, now: Timestamp) -> bool {
        if !opts.iter().all(|o| o.check(flow, hosts, A, B, now)) {
            return false;
        }
        for o in opts {
            o.apply(flow, hosts, A, B, now);
        }
        true
    }

    #[test]
    fn flowbits_set_isset_unset_toggle() {
        let mut n = VarNames::default();
        let set = p(&mut n, "flowbits", "set,fb1");
        let isset = p(&mut n, "flowbits", "isset, fb1");
        let isnotset = p(&mut n, "flowbits", "isnotset,fb1");
        let unset = p(&mut n, "flowbits", "unset,fb1");
        let toggle = p(&mut n, "flowbits", "toggle,fb1");
        assert_eq!(set.sets(), isset.reads());
        assert!(isset.is_condition() && !set.is_condition());
        let (mut f, mut h) = (FlowVars::default(), HostVars::default());
        let t = Timestamp(0);
        assert!(f.is_empty());
        assert!(!run(&[&isset], &mut f, &mut h, t));
        assert!(run(&[&isnotset], &mut f, &mut h, t));
        run(&[&set], &mut f, &mut h, t);
        assert!(run(&[&isset], &mut f, &mut h, t));
        assert!(!run(&[&isnotset], &mut f, &mut h, t));
        run(&[&toggle], &mut f, &mut h, t);
        assert!(!f.isset(set.sets().unwrap()));
        run(&[&toggle], &mut f, &mut h, t);
        assert!(run(&[&isset], &mut f, &mut h, t));
        run(&[&unset], &mut f, &mut h, t);
        assert!(!run(&[&isset], &mut f, &mut h, t));
    }

    /// suricata-verify detect-flowbits: `isset,fb3|fb4` with neither set
    /// fails, `isset,fb1|fb5` with fb1 set passes, `isnotset,fb1|fb2` passes
    /// as long as one of them is unset.
    #[test]
    fn flowbits_or_lists() {
        let mut n = VarNames::default();
        let set1 = p(&mut n, "flowbits", "set,fb1");
        let set2 = p(&mut n, "flowbits", "set,fb2");
        let or34 = p(&mut n, "flowbits", "isset,fb3|fb4");
        let or15 = p(&mut n, "flowbits", "isset,fb1|fb5");
        let not12 = p(&mut n, "flowbits", "isnotset, fb1|fb2 ");
        assert_eq!(or15.read_ids().len(), 2);
        let (mut f, mut h) = (FlowVars::default(), HostVars::default());
        let t = Timestamp(0);
        run(&[&set1], &mut f, &mut h, t);
        assert!(!run(&[&or34], &mut f, &mut h, t));
        assert!(run(&[&or15], &mut f, &mut h, t));
        assert!(run(&[&not12], &mut f, &mut h, t), "fb2 still unset");
        run(&[&set2], &mut f, &mut h, t);
        assert!(!run(&[&not12], &mut f, &mut h, t));
        assert!(BitsKw::parse("flowbits", Some("set,a|b"), &mut n).is_err());
        assert!(BitsKw::parse("flowbits", Some("isset,a&b"), &mut n).is_err());
    }

    /// detect-flowbits sid 8: `flowbits:noalert; flowbits:isnotset,fb1;
    /// flowbits:set,fb1` matches once, then never (the bit is set).
    #[test]
    fn flowbits_noalert_and_set_once() {
        let mut n = VarNames::default();
        let na = p(&mut n, "flowbits", "noalert");
        let notset = p(&mut n, "flowbits", "isnotset,fb1");
        let set = p(&mut n, "flowbits", "set,fb1");
        assert!(na.is_noalert() && !na.is_condition());
        let (mut f, mut h) = (FlowVars::default(), HostVars::default());
        let t = Timestamp(0);
        assert!(run(&[&na, &notset, &set], &mut f, &mut h, t));
        assert!(!run(&[&na, &notset, &set], &mut f, &mut h, t));
        assert!(BitsKw::parse("flowbits", Some("noalert,x"), &mut n).is_err());
        assert!(BitsKw::parse("flowbits", Some("set"), &mut n).is_err());
        assert!(BitsKw::parse("flowbits", Some("frob,x"), &mut n).is_err());
        assert!(BitsKw::parse("flowbits", None, &mut n).is_err());
    }

    #[test]
    fn flowint_arithmetic_and_compare() {
        let mut n = VarNames::default();
        let notset = p(&mut n, "flowint", "cnt,notset");
        let isset = p(&mut n, "flowint", "cnt, isset");
        let init = p(&mut n, "flowint", "cnt,=,1");
        let inc = p(&mut n, "flowint", "cnt,+,1");
        let dec = p(&mut n, "flowint", "cnt,-,2");
        let gt2 = p(&mut n, "flowint", "cnt,>,2");
        let eq3 = p(&mut n, "flowint", "cnt,==,3");
        let ne3 = p(&mut n, "flowint", "cnt,!=,3");
        let (mut f, mut h) = (FlowVars::default(), HostVars::default());
        let t = Timestamp(0);
        assert!(!run(&[&gt2], &mut f, &mut h, t), "unset never compares");
        assert!(!run(&[&ne3], &mut f, &mut h, t), "unset never compares");
        assert!(!run(&[&isset], &mut f, &mut h, t));
        // Typical ET pattern: initialise once, then count.
        assert!(run(&[&notset, &init], &mut f, &mut h, t));
        assert!(!run(&[&notset, &init], &mut f, &mut h, t));
        assert!(run(&[&isset, &inc], &mut f, &mut h, t));
        assert!(run(&[&isset, &inc], &mut f, &mut h, t));
        assert!(run(&[&eq3], &mut f, &mut h, t));
        assert!(run(&[&gt2], &mut f, &mut h, t));
        run(&[&dec], &mut f, &mut h, t);
        assert_eq!(f.int(init.sets().unwrap()), Some(1));
        assert!(run(&[&ne3], &mut f, &mut h, t));
        assert!(inc.sets().is_some() && gt2.reads().is_some() && gt2.sets().is_none());
    }

    #[test]
    fn flowint_var_operand_and_errors() {
        let mut n = VarNames::default();
        let set_max = p(&mut n, "flowint", "max,=,5");
        let lt_max = p(&mut n, "flowint", "cnt,<,max");
        let copy = p(&mut n, "flowint", "cnt,=,max");
        let add_missing = p(&mut n, "flowint", "cnt,+,nothere");
        let (mut f, mut h) = (FlowVars::default(), HostVars::default());
        let t = Timestamp(0);
        run(&[&add_missing], &mut f, &mut h, t);
        assert!(f.is_empty(), "unset operand: no-op");
        run(&[&set_max, &copy], &mut f, &mut h, t);
        assert!(!run(&[&lt_max], &mut f, &mut h, t), "5 < 5");
        for bad in [
            "cnt",
            "cnt,~,1",
            "cnt,=",
            "cnt,isset,1",
            "cnt,=,99999999999",
            "cnt,=,-1",
        ] {
            assert!(
                BitsKw::parse("flowint", Some(bad), &mut n).is_err(),
                "{bad}"
            );
        }
    }

    /// suricata-verify detect-hostbits-02 on its single packet 5.6.7.8 → 1.2.3.4.
    #[test]
    fn hostbits_directions() {
        let mut n = VarNames::default();
        let isset_src = p(&mut n, "hostbits", "isset,abc,src");
        let isnotset_dst = p(&mut n, "hostbits", "isnotset,abc,dst");
        let set = p(&mut n, "hostbits", "set,myflow2");
        let isset = p(&mut n, "hostbits", "isset,myflow2");
        let (mut f, mut h) = (FlowVars::default(), HostVars::default());
        let t = Timestamp::new(100, 0);
        assert!(!run(&[&isset_src], &mut f, &mut h, t));
        assert!(run(&[&isnotset_dst], &mut f, &mut h, t));
        assert!(run(&[&set], &mut f, &mut h, t));
        assert!(run(&[&isset], &mut f, &mut h, t));
        // Expires after the default 30 s.
        assert!(run(&[&isset], &mut f, &mut h, t.plus_secs(29)));
        assert!(!run(&[&isset], &mut f, &mut h, t.plus_secs(30)));
        assert!(!isset.needs_flow());
        assert!(BitsKw::parse("hostbits", Some("set,a,both"), &mut n).is_err());
        assert!(p(&mut n, "hostbits", "noalert").is_noalert());
    }

    /// suricata-verify detect-hostbits-03: set then toggle (setters ordered by
    /// sid) leaves the bit unset.
    #[test]
    fn hostbits_toggle() {
        let mut n = VarNames::default();
        let set = p(&mut n, "hostbits", "set,myflow2");
        let toggle = p(&mut n, "hostbits", "toggle,myflow2");
        let isset = p(&mut n, "hostbits", "isset,myflow2");
        let (mut f, mut h) = (FlowVars::default(), HostVars::default());
        let t = Timestamp(0);
        run(&[&set], &mut f, &mut h, t);
        run(&[&toggle], &mut f, &mut h, t);
        assert!(!run(&[&isset], &mut f, &mut h, t));
    }

    #[test]
    fn xbits_tracks_and_expire() {
        let mut n = VarNames::default();
        let set = p(&mut n, "xbits", "set,seen,track ip_dst,expire 60");
        let check_src = p(&mut n, "xbits", "isset,seen,track ip_src");
        let pair_set = p(&mut n, "xbits", "set,pp,track ip_pair");
        let pair_chk = p(&mut n, "xbits", "isset,pp,track ip_pair");
        let mut h = HostVars::default();
        let f = FlowVars::default();
        let t = Timestamp::new(1000, 0);
        set.apply(&mut f.clone(), &mut h, A, B, t);
        // The reply comes from B: B is now the source.
        assert!(check_src.check(&f, &h, B, A, t.plus_secs(59)));
        assert!(!check_src.check(&f, &h, A, B, t));
        assert!(!check_src.check(&f, &h, B, A, t.plus_secs(60)));
        pair_set.apply(&mut f.clone(), &mut h, A, B, t);
        assert!(pair_chk.check(&f, &h, B, A, t), "pair is direction-free");
        assert_ne!(
            n.get(VarKind::Hostbit, "pp"),
            n.get(VarKind::IpPairbit, "pp")
        );
        h.expire(t.plus_secs(100));
        assert!(h.is_empty());
        for bad in [
            "set,a",
            "set,a,track tx",
            "set,a,track ip_src,expire 0",
            "set,a,bogus 1",
        ] {
            assert!(BitsKw::parse("xbits", Some(bad), &mut n).is_err(), "{bad}");
        }
    }

    #[test]
    fn names_are_per_kind() {
        let mut n = VarNames::default();
        let a = n.intern(VarKind::Flowbit, "x");
        let b = n.intern(VarKind::Flowint, "x");
        assert_ne!(a, b);
        assert_eq!(n.intern(VarKind::Flowbit, "x"), a);
        assert_eq!(n.name(b), Some((VarKind::Flowint, "x")));
        assert_eq!(n.len(), 2);
        assert_eq!(BitsKw::parse("flow", Some("x"), &mut n), Ok(None));
    }
}
