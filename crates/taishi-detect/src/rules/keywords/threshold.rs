//! `threshold`, `detection_filter`, threshold.config, and the state that
//! decides whether a rule that matched raises an alert.
//!
//! Semantics are Suricata 8's (`detect-engine-threshold.c`), confirmed by the
//! suricata-verify `threshold/*` cases (see the tests):
//! - `detection_filter`: count matches per window; alert on every match
//!   *after* the `count`th (count 1 of 8 matches → 7 alerts).
//! - `limit`: alert on the first `count` matches of each window.
//! - `threshold`: alert on every `count`th match in a window, the counter
//!   restarting after each alert.
//! - `both`: alert once per window, on the `count`th match.
//! - `backoff`: alert on the `count`th match, then whenever the number of
//!   matches reaches the next value multiplied by `multiplier`
//!   (count 1, multiplier 10: matches 1, 10, 100, ...).
//!
//! Windows start at the first match and are measured in whole seconds of
//! packet time, as Suricata does (`now - start < seconds` is inside).
//!
//! threshold.config: `suppress` is checked first (a suppressed alert does
//! not count towards thresholds). A `threshold`/`event_filter` for a
//! specific gid+sid replaces the rule's own `threshold` and
//! `detection_filter`; a wildcard (`sig_id 0`) one applies only to rules
//! that have neither, as Suricata's `util-threshold-config.c` does.
//! `rate_filter` lines are parsed and kept ([`ThresholdConfig::rate_filters`])
//! but not applied: they change a rule's action (IPS), not whether it alerts.
//!
//! Memory is bounded: entries whose window has passed are swept every
//! [`SWEEP_EVERY`] checks, and at [`MAX_THRESHOLD_ENTRIES`] a new entry is
//! not created; the alert is then let through (an IDS should rather alert
//! too much than stay silent) and counted in [`ThresholdState::overflows`].

use std::net::IpAddr;

use std::collections::HashMap;
use taishi_core::Timestamp;

use super::KeywordError;
use crate::rules::range::parse_u64;

/// Most threshold entries kept at once: `track by_src` on a scanned network
/// creates one per source address.
pub const MAX_THRESHOLD_ENTRIES: usize = 262_144;

/// Checks between sweeps of expired entries: often enough to keep the table
/// small, rarely enough that the sweep costs nothing per packet.
pub const SWEEP_EVERY: u64 = 65_536;

/// `type` of a threshold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThresholdType {
    /// `limit`.
    Limit,
    /// `threshold`.
    Threshold,
    /// `both`.
    Both,
    /// `backoff`.
    Backoff,
}

/// What a threshold counts per.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Track {
    /// Source address.
    BySrc,
    /// Destination address.
    ByDst,
    /// The rule as a whole.
    ByRule,
    /// The address pair, either direction.
    ByBoth,
    /// The flow.
    ByFlow,
}

/// A `threshold:` option or a threshold.config `threshold`/`event_filter`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Threshold {
    /// The type.
    pub kind: ThresholdType,
    /// What it counts per.
    pub track: Track,
    /// The count.
    pub count: u32,
    /// The window in seconds (0 for `backoff`).
    pub seconds: u32,
    /// `backoff`'s multiplier (0 otherwise).
    pub multiplier: u32,
}

/// A `detection_filter:` option.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DetectionFilter {
    /// What it counts per.
    pub track: Track,
    /// Matches to let pass silently in each window.
    pub count: u32,
    /// The window in seconds.
    pub seconds: u32,
}

/// Splits `a b, c [d, e], f` on the commas outside brackets.
fn split_top(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            ',' if depth == 0 => {
                out.push(s[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(s[start..].trim());
    out
}

/// `key value` pairs, in any order, each at most once.
fn pairs<'a>(kw: &str, s: &'a str) -> Result<Vec<(&'a str, &'a str)>, KeywordError> {
    let mut out: Vec<(&str, &str)> = Vec::new();
    for part in split_top(s) {
        let (k, v) = part
            .split_once(char::is_whitespace)
            .map(|(k, v)| (k.trim(), v.trim()))
            .ok_or_else(|| KeywordError::new(kw, format!("expected 'key value', got '{part}'")))?;
        if out.iter().any(|(seen, _)| *seen == k) {
            return Err(KeywordError::new(kw, format!("'{k}' given twice")));
        }
        out.push((k, v));
    }
    Ok(out)
}

fn num(kw: &str, key: &str, v: &str) -> Result<u32, KeywordError> {
    parse_u64(v)
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| KeywordError::new(kw, format!("invalid {key} '{v}'")))
}

fn parse_track(kw: &str, v: &str) -> Result<Track, KeywordError> {
    Ok(match v {
        "by_src" => Track::BySrc,
        "by_dst" => Track::ByDst,
        "by_rule" => Track::ByRule,
        "by_both" => Track::ByBoth,
        "by_flow" => Track::ByFlow,
        other => return Err(KeywordError::new(kw, format!("unknown track '{other}'"))),
    })
}

impl Threshold {
    /// Parses `type T, track K, count C, seconds S` (or `multiplier M` for backoff).
    pub fn parse(value: &str) -> Result<Threshold, KeywordError> {
        Self::parse_as("threshold", super::unquote(value))
    }

    fn parse_as(kw: &str, value: &str) -> Result<Threshold, KeywordError> {
        let (mut kind, mut track, mut count, mut seconds, mut multiplier) =
            (None, None, None, None, None);
        for (k, v) in pairs(kw, value)? {
            match k {
                "type" => {
                    kind = Some(match v {
                        "limit" => ThresholdType::Limit,
                        "threshold" => ThresholdType::Threshold,
                        "both" => ThresholdType::Both,
                        "backoff" => ThresholdType::Backoff,
                        other => {
                            return Err(KeywordError::new(kw, format!("unknown type '{other}'")));
                        }
                    })
                }
                "track" => track = Some(parse_track(kw, v)?),
                "count" => count = Some(num(kw, k, v)?),
                "seconds" => seconds = Some(num(kw, k, v)?),
                "multiplier" => multiplier = Some(num(kw, k, v)?),
                other => return Err(KeywordError::new(kw, format!("unknown option '{other}'"))),
            }
        }
        let kind = kind.ok_or_else(|| KeywordError::new(kw, "'type' is required"))?;
        let track = track.ok_or_else(|| KeywordError::new(kw, "'track' is required"))?;
        let count = count.ok_or_else(|| KeywordError::new(kw, "'count' is required"))?;
        if count == 0 {
            return Err(KeywordError::new(kw, "count must be at least 1"));
        }
        let (seconds, multiplier) = match (kind, seconds, multiplier) {
            (ThresholdType::Backoff, None, Some(m)) if m >= 1 => (0, m),
            (ThresholdType::Backoff, _, _) => {
                return Err(KeywordError::new(
                    kw,
                    "backoff takes 'multiplier' (at least 1) and no 'seconds'",
                ));
            }
            (_, Some(s), None) => (s, 0),
            (_, _, Some(_)) => {
                return Err(KeywordError::new(
                    kw,
                    "'multiplier' is for type backoff only",
                ));
            }
            (_, None, None) => return Err(KeywordError::new(kw, "'seconds' is required")),
        };
        Ok(Threshold {
            kind,
            track,
            count,
            seconds,
            multiplier,
        })
    }
}

impl DetectionFilter {
    /// Parses `track K, count C, seconds S`.
    pub fn parse(value: &str) -> Result<DetectionFilter, KeywordError> {
        let kw = "detection_filter";
        let (mut track, mut count, mut seconds) = (None, None, None);
        for (k, v) in pairs(kw, super::unquote(value))? {
            match k {
                "track" => track = Some(parse_track(kw, v)?),
                "count" => count = Some(num(kw, k, v)?),
                "seconds" => seconds = Some(num(kw, k, v)?),
                "unique_on" => {
                    return Err(KeywordError::new(kw, "unique_on is not supported"));
                }
                other => return Err(KeywordError::new(kw, format!("unknown option '{other}'"))),
            }
        }
        Ok(DetectionFilter {
            track: track.ok_or_else(|| KeywordError::new(kw, "'track' is required"))?,
            count: count.ok_or_else(|| KeywordError::new(kw, "'count' is required"))?,
            seconds: seconds.ok_or_else(|| KeywordError::new(kw, "'seconds' is required"))?,
        })
    }
}

/// An address or CIDR block of a `suppress` line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpNet {
    /// Network address.
    pub addr: IpAddr,
    /// Prefix length.
    pub prefix: u8,
}

impl IpNet {
    fn parse(s: &str) -> Option<IpNet> {
        let (a, p) = match s.split_once('/') {
            Some((a, p)) => (a.trim(), Some(p.trim())),
            None => (s.trim(), None),
        };
        let addr: IpAddr = a.parse().ok()?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match p {
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max)?,
            None => max,
        };
        Some(IpNet { addr, prefix })
    }

    /// Whether `ip` is inside the block.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

/// Which address a `suppress` line looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SuppressTrack {
    /// `by_src`.
    BySrc,
    /// `by_dst`.
    ByDst,
    /// `by_either`.
    ByEither,
}

/// A threshold.config `rate_filter` (parsed, not applied).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RateFilter {
    /// gen_id.
    pub gid: u32,
    /// sig_id.
    pub sid: u32,
    /// track.
    pub track: Track,
    /// count.
    pub count: u32,
    /// seconds.
    pub seconds: u32,
    /// new_action.
    pub new_action: String,
    /// timeout.
    pub timeout: u32,
}

/// A `suppress` line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suppress {
    /// gen_id (0: any).
    pub gid: u32,
    /// sig_id (0: any).
    pub sid: u32,
    /// Which address to compare, with the blocks; `None` suppresses always.
    pub by: Option<(SuppressTrack, Vec<IpNet>)>,
}

/// A threshold.config `threshold` / `event_filter` line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConfigThreshold {
    /// gen_id (0: any).
    pub gid: u32,
    /// sig_id (0: any).
    pub sid: u32,
    /// The threshold.
    pub threshold: Threshold,
}

/// A threshold.config file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ThresholdConfig {
    /// `threshold` and `event_filter` lines, in file order.
    pub thresholds: Vec<ConfigThreshold>,
    /// `suppress` lines, in file order.
    pub suppressions: Vec<Suppress>,
    /// `rate_filter` lines (kept, not applied).
    rate_filters: Vec<RateFilter>,
}

fn take<'a>(
    kw: &str,
    pairs: &mut Vec<(&'a str, &'a str)>,
    key: &str,
) -> Result<&'a str, KeywordError> {
    let i = pairs
        .iter()
        .position(|(k, _)| *k == key)
        .ok_or_else(|| KeywordError::new(kw, format!("'{key}' is required")))?;
    Ok(pairs.remove(i).1)
}

fn parse_ip_list(kw: &str, v: &str) -> Result<Vec<IpNet>, KeywordError> {
    let inner = match v.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
        Some(i) => i,
        None => v,
    };
    inner
        .split(',')
        .map(str::trim)
        .map(|a| {
            if a.starts_with('$') || a.starts_with('!') {
                Err(KeywordError::new(
                    kw,
                    format!("variables and negation are not supported in 'ip' ('{a}')"),
                ))
            } else {
                IpNet::parse(a)
                    .ok_or_else(|| KeywordError::new(kw, format!("invalid address '{a}'")))
            }
        })
        .collect()
}

fn parse_config_line(cfg: &mut ThresholdConfig, line: &str) -> Result<(), KeywordError> {
    let (directive, rest) = line
        .split_once(char::is_whitespace)
        .map(|(d, r)| (d, r.trim()))
        .unwrap_or((line, ""));
    let kw = directive;
    let mut p = pairs(kw, rest)?;
    let gid = num(kw, "gen_id", take(kw, &mut p, "gen_id")?)?;
    let sid = num(kw, "sig_id", take(kw, &mut p, "sig_id")?)?;
    match directive {
        "threshold" | "event_filter" => {
            let text = p
                .iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect::<Vec<_>>()
                .join(",");
            let threshold = Threshold::parse_as(kw, &text)?;
            cfg.thresholds.push(ConfigThreshold {
                gid,
                sid,
                threshold,
            });
        }
        "suppress" => {
            let track = p.iter().position(|(k, _)| *k == "track");
            let ip = p.iter().position(|(k, _)| *k == "ip");
            let by = match (track, ip) {
                (None, None) => None,
                (Some(t), Some(i)) => {
                    let track = match p[t].1 {
                        "by_src" => SuppressTrack::BySrc,
                        "by_dst" => SuppressTrack::ByDst,
                        "by_either" => SuppressTrack::ByEither,
                        other => {
                            return Err(KeywordError::new(kw, format!("unknown track '{other}'")));
                        }
                    };
                    Some((track, parse_ip_list(kw, p[i].1)?))
                }
                _ => return Err(KeywordError::new(kw, "'track' and 'ip' go together")),
            };
            if let Some((k, _)) = p.iter().find(|(k, _)| *k != "track" && *k != "ip") {
                return Err(KeywordError::new(kw, format!("unknown option '{k}'")));
            }
            cfg.suppressions.push(Suppress { gid, sid, by });
        }
        "rate_filter" => {
            let track = parse_track(kw, take(kw, &mut p, "track")?)?;
            let count = num(kw, "count", take(kw, &mut p, "count")?)?;
            let seconds = num(kw, "seconds", take(kw, &mut p, "seconds")?)?;
            let new_action = take(kw, &mut p, "new_action")?.to_string();
            let timeout = num(kw, "timeout", take(kw, &mut p, "timeout")?)?;
            if let Some((k, _)) = p.first() {
                return Err(KeywordError::new(kw, format!("unknown option '{k}'")));
            }
            cfg.rate_filters.push(RateFilter {
                gid,
                sid,
                track,
                count,
                seconds,
                new_action,
                timeout,
            });
        }
        other => return Err(KeywordError::new(other, "unknown directive")),
    }
    Ok(())
}

impl ThresholdConfig {
    /// Parses a threshold.config text; `file` names it in errors
    /// (`FILE:LINE: directive: message`). `#` starts a comment line and a
    /// trailing `\` continues a line.
    pub fn parse(text: &str, file: &str) -> Result<ThresholdConfig, String> {
        let mut cfg = ThresholdConfig::default();
        let mut pending = String::new();
        let mut start_line = 0;
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if pending.is_empty() {
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                start_line = i + 1;
            }
            if let Some(cont) = line.strip_suffix('\\') {
                pending.push_str(cont);
                pending.push(' ');
                continue;
            }
            pending.push_str(line);
            parse_config_line(&mut cfg, pending.trim())
                .map_err(|e| format!("{file}:{start_line}: {e}"))?;
            pending.clear();
        }
        if !pending.trim().is_empty() {
            parse_config_line(&mut cfg, pending.trim())
                .map_err(|e| format!("{file}:{start_line}: {e}"))?;
        }
        Ok(cfg)
    }

    /// The `rate_filter` lines (parsed, not applied: see the module docs).
    pub fn rate_filters(&self) -> &[RateFilter] {
        &self.rate_filters
    }
}

/// What is being counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum TrackKey {
    Ip(IpAddr),
    Pair(IpAddr, IpAddr),
    Rule,
    Flow(u64),
}

/// Which of a rule's thresholds an entry belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Source {
    Rule,
    Filter,
    Config(u32),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Key {
    gid: u32,
    sid: u32,
    source: Source,
    track: TrackKey,
}

#[derive(Clone, Copy, Debug)]
struct Entry {
    /// Start of the window, whole seconds.
    start: u64,
    /// Window length (0: never expires by time, backoff).
    seconds: u32,
    count: u32,
    /// Backoff: the match count that alerts next.
    next: u32,
}

/// How one threshold decides, as one enum so that rule and config
/// thresholds and detection filters share the counting code.
#[derive(Clone, Copy, Debug)]
enum Rule {
    Threshold(Threshold),
    Filter(DetectionFilter),
}

impl Rule {
    fn track(self) -> Track {
        match self {
            Rule::Threshold(t) => t.track,
            Rule::Filter(f) => f.track,
        }
    }

    fn seconds(self) -> u32 {
        match self {
            Rule::Threshold(t) => t.seconds,
            Rule::Filter(f) => f.seconds,
        }
    }

    /// A first match (new entry or new window): the entry and whether it alerts.
    fn first(self, now: u64) -> (Entry, bool) {
        let mut e = Entry {
            start: now,
            seconds: self.seconds(),
            count: 1,
            next: 0,
        };
        let alert = match self {
            Rule::Filter(f) => 1 > f.count,
            Rule::Threshold(t) => match t.kind {
                ThresholdType::Limit => true,
                ThresholdType::Both => t.count == 1,
                ThresholdType::Threshold => {
                    if t.count <= 1 {
                        e.count = 0;
                        true
                    } else {
                        false
                    }
                }
                ThresholdType::Backoff => {
                    e.next = t.count;
                    if t.count == 1 {
                        e.next = t.count.saturating_mul(t.multiplier);
                        true
                    } else {
                        false
                    }
                }
            },
        };
        (e, alert)
    }

    /// A later match on an existing entry.
    fn again(self, e: &mut Entry, now: u64) -> bool {
        let backoff = matches!(self, Rule::Threshold(t) if t.kind == ThresholdType::Backoff);
        if !backoff && now.saturating_sub(e.start) >= u64::from(e.seconds) {
            let (fresh, alert) = self.first(now);
            *e = fresh;
            return alert;
        }
        e.count = e.count.saturating_add(1);
        match self {
            Rule::Filter(f) => e.count > f.count,
            Rule::Threshold(t) => match t.kind {
                ThresholdType::Limit => e.count <= t.count,
                ThresholdType::Both => e.count == t.count,
                ThresholdType::Threshold => {
                    if e.count >= t.count {
                        e.count = 0;
                        true
                    } else {
                        false
                    }
                }
                ThresholdType::Backoff => {
                    if e.count == e.next {
                        e.next = e.next.saturating_mul(t.multiplier);
                        true
                    } else {
                        false
                    }
                }
            },
        }
    }
}

/// The state of all thresholds of a rule set: given a rule that matched, decide whether it alerts.
#[derive(Debug, Default)]
pub struct ThresholdState {
    config: ThresholdConfig,
    entries: HashMap<Key, Entry>,
    checks: u64,
    overflows: u64,
}

impl ThresholdState {
    /// State for a rule set, with its threshold.config if any.
    pub fn new(config: Option<ThresholdConfig>) -> Self {
        ThresholdState {
            config: config.unwrap_or_default(),
            ..ThresholdState::default()
        }
    }

    /// Whether threshold.config suppresses this alert.
    fn suppressed(&self, gid: u32, sid: u32, src: IpAddr, dst: IpAddr) -> bool {
        self.config.suppressions.iter().any(|s| {
            let applies =
                (s.gid == 0 && s.sid == 0) || (s.gid == gid && (s.sid == 0 || s.sid == sid));
            applies
                && match &s.by {
                    None => true,
                    Some((track, nets)) => nets.iter().any(|n| match track {
                        SuppressTrack::BySrc => n.contains(src),
                        SuppressTrack::ByDst => n.contains(dst),
                        SuppressTrack::ByEither => n.contains(src) || n.contains(dst),
                    }),
                }
        })
    }

    /// `rule_threshold` / `rule_filter`: the rule's own options. Returns whether to alert.
    #[allow(clippy::too_many_arguments)] // the signature the engine calls, one value per fact
    pub fn check(
        &mut self,
        gid: u32,
        sid: u32,
        rule_threshold: Option<&Threshold>,
        rule_filter: Option<&DetectionFilter>,
        src: IpAddr,
        dst: IpAddr,
        flow_id: u64,
        now: Timestamp,
    ) -> bool {
        if self.suppressed(gid, sid, src, dst) {
            return false;
        }
        self.checks += 1;
        if self.checks.is_multiple_of(SWEEP_EVERY) {
            self.sweep(now);
        }
        // Which thresholds apply, in the order Suricata evaluates them.
        let mut rules: [Option<(Source, Rule)>; 3] = [None; 3];
        let specific = self
            .config
            .thresholds
            .iter()
            .enumerate()
            .rfind(|(_, c)| c.gid == gid && c.sid == sid && sid != 0);
        if let Some((i, c)) = specific {
            rules[0] = Some((Source::Config(i as u32), Rule::Threshold(c.threshold)));
        } else if rule_threshold.is_some() || rule_filter.is_some() {
            rules[0] = rule_threshold.map(|t| (Source::Rule, Rule::Threshold(*t)));
            rules[1] = rule_filter.map(|f| (Source::Filter, Rule::Filter(*f)));
        } else {
            let by_gid = self
                .config
                .thresholds
                .iter()
                .enumerate()
                .rfind(|(_, c)| c.sid == 0 && c.gid == gid && gid != 0);
            let global = self
                .config
                .thresholds
                .iter()
                .enumerate()
                .rfind(|(_, c)| c.sid == 0 && c.gid == 0);
            rules[0] =
                by_gid.map(|(i, c)| (Source::Config(i as u32), Rule::Threshold(c.threshold)));
            rules[1] =
                global.map(|(i, c)| (Source::Config(i as u32), Rule::Threshold(c.threshold)));
        }
        let secs = now.secs();
        for (source, rule) in rules.into_iter().flatten() {
            let track = match rule.track() {
                Track::BySrc => TrackKey::Ip(src),
                Track::ByDst => TrackKey::Ip(dst),
                Track::ByRule => TrackKey::Rule,
                Track::ByBoth => TrackKey::Pair(src.min(dst), src.max(dst)),
                Track::ByFlow => TrackKey::Flow(flow_id),
            };
            let key = Key {
                gid,
                sid,
                source,
                track,
            };
            let alert = match self.entries.get_mut(&key) {
                Some(e) => rule.again(e, secs),
                None => {
                    let (e, alert) = rule.first(secs);
                    if self.entries.len() >= MAX_THRESHOLD_ENTRIES {
                        self.sweep(now);
                    }
                    if self.entries.len() >= MAX_THRESHOLD_ENTRIES {
                        self.overflows += 1;
                        true
                    } else {
                        self.entries.insert(key, e);
                        alert
                    }
                }
            };
            if !alert {
                return false;
            }
        }
        true
    }

    /// Drops entries whose window has passed (backoff entries are kept:
    /// they have no window).
    pub fn sweep(&mut self, now: Timestamp) {
        let secs = now.secs();
        self.entries
            .retain(|_, e| e.seconds == 0 || secs.saturating_sub(e.start) < u64::from(e.seconds));
    }

    /// Entries held.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no entry is held.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Alerts let through because the table was full.
    pub fn overflows(&self) -> u64 {
        self.overflows
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S1: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 1));
    const S2: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 2));
    const D: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 168, 1, 1));

    fn t(s: &str) -> Threshold {
        Threshold::parse(s).unwrap()
    }

    fn df(s: &str) -> DetectionFilter {
        DetectionFilter::parse(s).unwrap()
    }

    /// Runs `n` matches one second apart from `src` to D on flow 1, returns
    /// which of them alerted (1-based).
    fn timeline(
        st: &mut ThresholdState,
        sid: u32,
        th: Option<&Threshold>,
        f: Option<&DetectionFilter>,
        n: u32,
        step_secs: u64,
    ) -> Vec<u32> {
        (1..=n)
            .filter(|i| {
                let now = Timestamp::new(1000 + u64::from(*i) * step_secs, 0);
                st.check(1, sid, th, f, S1, D, 1, now)
            })
            .collect()
    }

    /// suricata-verify threshold/detection_filter-rule-flow and -hostsrc:
    /// 8 echo requests; count 1/2/4/7/8 → 7/6/4/1/0 alerts.
    #[test]
    fn detection_filter_sv_counts() {
        for (track, count, want) in [
            ("by_flow", 1, 7),
            ("by_flow", 2, 6),
            ("by_flow", 4, 4),
            ("by_flow", 7, 1),
            ("by_flow", 8, 0),
            ("by_src", 1, 7),
            ("by_src", 8, 0),
        ] {
            let f = df(&format!("track {track}, count {count}, seconds 3600"));
            let mut st = ThresholdState::new(None);
            let got = timeline(&mut st, 2, None, Some(&f), 8, 1);
            assert_eq!(got.len(), want, "{track} count {count}: {got:?}");
        }
    }

    /// suricata-verify threshold/threshold-rule-flow: limit 1 → 1, limit 2 → 2,
    /// both 3 → 1 of 8 matches.
    #[test]
    fn threshold_sv_counts() {
        let mut st = ThresholdState::new(None);
        let l1 = t("type limit, track by_flow, count 1, seconds 3600");
        let l2 = t("type limit, track by_flow, count 2, seconds 3600");
        let b3 = t("type both, track by_flow, count 3, seconds 3600");
        assert_eq!(timeline(&mut st, 2, Some(&l1), None, 8, 1), vec![1]);
        assert_eq!(timeline(&mut st, 3, Some(&l2), None, 8, 1), vec![1, 2]);
        assert_eq!(timeline(&mut st, 4, Some(&b3), None, 8, 1), vec![3]);
    }

    #[test]
    fn threshold_every_nth_and_windows() {
        let mut st = ThresholdState::new(None);
        let th = t("type threshold, track by_src, count 3, seconds 60");
        // 10 matches 1 s apart: alert on the 3rd, 6th, 9th.
        assert_eq!(timeline(&mut st, 1, Some(&th), None, 10, 1), vec![3, 6, 9]);
        // Matches 40 s apart: the window (60 s) holds two at most.
        let mut st = ThresholdState::new(None);
        assert_eq!(
            timeline(&mut st, 1, Some(&th), None, 6, 40),
            Vec::<u32>::new()
        );
        // limit restarts with each window (windows start at 1, 11, 21).
        let mut st = ThresholdState::new(None);
        let lim = t("type limit, track by_src, count 1, seconds 10");
        assert_eq!(
            timeline(&mut st, 1, Some(&lim), None, 25, 1),
            vec![1, 11, 21]
        );
        // both: once per window.
        let mut st = ThresholdState::new(None);
        let both = t("type both, track by_rule, count 2, seconds 10");
        assert_eq!(
            timeline(&mut st, 1, Some(&both), None, 25, 1),
            vec![2, 12, 22]
        );
        // detection_filter restarts its count with the window too.
        let mut st = ThresholdState::new(None);
        let f = df("track by_dst, count 2, seconds 5");
        assert_eq!(
            timeline(&mut st, 1, None, Some(&f), 10, 1),
            vec![3, 4, 5, 8, 9, 10]
        );
    }

    #[test]
    fn backoff() {
        let mut st = ThresholdState::new(None);
        let b = t("type backoff, track by_flow, count 1, multiplier 10");
        assert_eq!(
            timeline(&mut st, 1, Some(&b), None, 150, 1),
            vec![1, 10, 100]
        );
        let mut st = ThresholdState::new(None);
        let b = t("type backoff, track by_flow, count 2, multiplier 10");
        assert_eq!(timeline(&mut st, 1, Some(&b), None, 25, 1), vec![2, 20]);
        st.sweep(Timestamp::new(1_000_000, 0));
        assert_eq!(st.len(), 1, "backoff entries have no window");
    }

    #[test]
    fn tracks_are_separate() {
        let mut st = ThresholdState::new(None);
        let lim = t("type limit, track by_src, count 1, seconds 60");
        let now = Timestamp::new(5, 0);
        assert!(st.check(1, 1, Some(&lim), None, S1, D, 1, now));
        assert!(!st.check(1, 1, Some(&lim), None, S1, D, 1, now));
        assert!(
            st.check(1, 1, Some(&lim), None, S2, D, 2, now),
            "other source"
        );
        assert!(
            st.check(1, 2, Some(&lim), None, S1, D, 1, now),
            "other rule"
        );
        let pair = t("type limit, track by_both, count 1, seconds 60");
        assert!(st.check(1, 3, Some(&pair), None, S1, D, 1, now));
        assert!(
            !st.check(1, 3, Some(&pair), None, D, S1, 1, now),
            "pair either way"
        );
        let flow = t("type limit, track by_flow, count 1, seconds 60");
        assert!(st.check(1, 4, Some(&flow), None, S1, D, 7, now));
        assert!(st.check(1, 4, Some(&flow), None, S1, D, 8, now));
        assert!(!st.check(1, 4, Some(&flow), None, S2, D, 7, now));
    }

    #[test]
    fn parse_errors() {
        for bad in [
            "type limit, track by_src, count 1",
            "type limit, track by_src, seconds 1",
            "type nope, track by_src, count 1, seconds 1",
            "type limit, track by_nope, count 1, seconds 1",
            "type limit, track by_src, count 0, seconds 1",
            "type limit, track by_src, count 1, seconds 1, seconds 2",
            "type limit, track by_src, count 1, seconds 1, multiplier 2",
            "type backoff, track by_src, count 1, seconds 1",
            "type backoff, track by_src, count 1, multiplier 0",
            "type limit track by_src",
        ] {
            let e = Threshold::parse(bad).unwrap_err();
            assert_eq!(e.keyword, "threshold", "{bad}");
        }
        let ok = t("count 5, seconds 60, track by_dst, type threshold");
        assert_eq!((ok.count, ok.seconds, ok.track), (5, 60, Track::ByDst));
        assert!(DetectionFilter::parse("track by_src, count 3").is_err());
        // Suricata 9's unique_on: refused, not ignored.
        let e = DetectionFilter::parse("track by_dst, count 3, seconds 60, unique_on dst_port")
            .unwrap_err();
        assert!(e.message.contains("unique_on"));
    }

    const CONFIG: &str = "\
# comment
threshold gen_id 1, sig_id 10, type limit, track by_src, count 2, seconds 60
event_filter gen_id 1, sig_id 0, type limit, track by_rule, count 1, seconds 60

suppress gen_id 1, sig_id 20
suppress gen_id 1, sig_id 21, track by_src, ip 10.0.0.0/31
suppress gen_id 0, sig_id 0, track by_dst, ip [192.168.2.0/24, 2001:db8::/32]
suppress gen_id 1, sig_id 22, track by_either, ip 192.168.1.1
rate_filter gen_id 1, sig_id 1000, track by_rule, count 100, seconds 60, \\
  new_action alert, timeout 30
";

    #[test]
    fn config_parses() {
        let c = ThresholdConfig::parse(CONFIG, "threshold.config").unwrap();
        assert_eq!(c.thresholds.len(), 2);
        assert_eq!(c.suppressions.len(), 4);
        assert_eq!(c.rate_filters().len(), 1);
        assert_eq!(c.rate_filters()[0].new_action, "alert");
        let e = ThresholdConfig::parse("\n\nthreshold gen_id 1, sig_id 1, type x", "t.conf")
            .unwrap_err();
        assert!(e.starts_with("t.conf:3:"), "{e}");
        assert!(ThresholdConfig::parse("suppress gen_id 1, sig_id 1, ip 1.2.3.4", "f").is_err());
        assert!(
            ThresholdConfig::parse(
                "suppress gen_id 1, sig_id 1, track by_src, ip $HOME_NET",
                "f"
            )
            .is_err()
        );
        assert!(ThresholdConfig::parse("frobnicate gen_id 1, sig_id 1", "f").is_err());
        assert!(ThresholdConfig::parse("suppress sig_id 1", "f").is_err());
    }

    #[test]
    fn config_overrides_and_suppresses() {
        let c = ThresholdConfig::parse(CONFIG, "threshold.config").unwrap();
        let mut st = ThresholdState::new(Some(c));
        // sid 10: the config's limit 2 replaces the rule's own detection_filter.
        let f = df("track by_src, count 5, seconds 60");
        assert_eq!(timeline(&mut st, 10, None, Some(&f), 5, 1), vec![1, 2]);
        // sid 11 has no threshold: the gid-wide limit 1 by_rule applies.
        assert_eq!(timeline(&mut st, 11, None, None, 5, 1), vec![1]);
        // sid 12 has its own threshold: the wildcard does not touch it.
        let own = t("type threshold, track by_src, count 2, seconds 60");
        assert_eq!(timeline(&mut st, 12, Some(&own), None, 4, 1), vec![2, 4]);
        // sid 20: always suppressed.
        assert!(timeline(&mut st, 20, None, None, 3, 1).is_empty());
        let now = Timestamp::new(1, 0);
        let other = IpAddr::V4(std::net::Ipv4Addr::new(172, 16, 0, 1));
        // sid 21: suppressed from 10.0.0.0/31 only (the gid-wide limit also applies).
        assert!(!st.check(1, 21, None, None, S1, other, 0, now));
        assert!(st.check(1, 21, None, None, other, D, 0, now));
        // sid 22, by_either 192.168.1.1.
        assert!(!st.check(1, 22, None, None, other, D, 0, now));
        assert!(!st.check(1, 22, None, None, D, other, 0, now));
        // Global suppress by destination, IPv6 too.
        let v6: IpAddr = "2001:db8::5".parse().unwrap();
        assert!(!st.check(3, 99, None, None, S1, v6, 0, now));
        assert!(st.check(3, 99, None, None, S1, D, 0, now));
    }

    #[test]
    fn sweep_bounds_memory() {
        let mut st = ThresholdState::new(None);
        let lim = t("type limit, track by_src, count 1, seconds 10");
        for i in 0..1000u32 {
            let src = IpAddr::V4(std::net::Ipv4Addr::from(0x0a00_0000 + i));
            st.check(1, 1, Some(&lim), None, src, D, 0, Timestamp::new(100, 0));
        }
        assert_eq!(st.len(), 1000);
        st.sweep(Timestamp::new(105, 0));
        assert_eq!(st.len(), 1000, "windows still open");
        st.sweep(Timestamp::new(110, 0));
        assert!(st.is_empty());
    }

    #[test]
    fn ipnet() {
        let n = IpNet::parse("10.0.0.0/8").unwrap();
        assert!(n.contains(S1));
        assert!(!n.contains(D));
        assert!(IpNet::parse("0.0.0.0/0").unwrap().contains(D));
        assert!(IpNet::parse("10.0.0.0/33").is_none());
        assert!(!n.contains("::1".parse().unwrap()));
    }
}
