//! A parsed rule's options → a [`Signature`] the engine can run, or the
//! reason the rule is skipped (file, line, sid, keyword), never a rule run
//! with a changed meaning.

use std::collections::BTreeMap;
use std::fmt;

use taishi_proto::Buffer;

use super::applayer::AppKw;
use super::buffers::{self, BufferDef};
use super::dataset::{Registry, SetMatch};
use super::keywords::{BitsKw, DetectionFilter, EventKw, FlowKw, HeaderKw, Threshold, VarNames};
use super::parse::{Action, AddrSet, Classifications, Dir, Origin, PortSet, RawRule};
use super::payload::{Applied, BufferMatch, ByteVars, InspectEnv};
use super::range::NumRange;

/// What a rule inspects, which decides where the engine runs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Packet headers and/or packet (or stream) payload.
    Packet,
    /// Buffers of an app-layer transaction, inspected when it completes.
    Tx,
}

/// A header of the packet itself, as a sticky buffer (`ipv4.hdr`, ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PktHdr {
    /// `ether.hdr`: the Ethernet header.
    Ether,
    /// `ipv4.hdr`: the IPv4 header with its options.
    Ipv4,
    /// `ipv6.hdr`: the fixed IPv6 header.
    Ipv6,
    /// `tcp.hdr`: the TCP header with its options.
    Tcp,
    /// `udp.hdr`: the UDP header.
    Udp,
    /// `icmpv4.hdr`: the ICMPv4 header.
    Icmpv4,
    /// `icmpv6.hdr`: the ICMPv6 header.
    Icmpv6,
}

impl PktHdr {
    fn from_keyword(name: &str) -> Option<PktHdr> {
        Some(match name {
            "ether.hdr" => PktHdr::Ether,
            "ipv4.hdr" => PktHdr::Ipv4,
            "ipv6.hdr" => PktHdr::Ipv6,
            "tcp.hdr" => PktHdr::Tcp,
            "udp.hdr" => PktHdr::Udp,
            "icmpv4.hdr" => PktHdr::Icmpv4,
            "icmpv6.hdr" => PktHdr::Icmpv6,
            _ => return None,
        })
    }
}

/// A buffer of a rule with its matches: a transaction's (`http.uri`) or,
/// with `hdr`, a header of the packet (`tcp.hdr`).
#[derive(Debug)]
pub struct TxBuffer {
    /// The buffer in each direction (unused for packet headers).
    pub def: BufferDef,
    /// A packet header instead of a transaction buffer.
    pub hdr: Option<PktHdr>,
    /// What to match in it.
    pub matcher: BufferMatch,
    /// `dataset` / `datarep` lookups of its (transformed) value.
    pub sets: Vec<SetMatch>,
}

impl TxBuffer {
    /// Whether one value of the buffer matches: the content matches, then
    /// every set lookup.
    pub fn matches(&self, value: &[u8], env: &mut InspectEnv) -> bool {
        self.matcher.inspect(value, env)
            && (self.sets.is_empty()
                || self
                    .matcher
                    .with_transformed(value, env, |v| self.sets.iter().all(|s| s.matches(v))))
    }
}

/// Which of a flow's protocols an `app-layer-protocol` condition reads
/// (Suricata 8's modes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AlprotoMode {
    /// No mode, or `direction`: the protocol of the packet's direction.
    Direction,
    /// `to_server`: the client's bytes' protocol.
    ToServer,
    /// `to_client`: the server's bytes' protocol.
    ToClient,
    /// `either`: the client's or the server's.
    Either,
    /// `final`: the flow's protocol.
    Final,
    /// `original`: the protocol before the flow changed to another.
    Original,
}

/// One `app-layer-protocol` condition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlprotoKw {
    /// `!`: the protocol must not be this one.
    pub negated: bool,
    /// Protocol name as Taishi names it (`http` for Suricata's `http1`),
    /// or `unknown`/`failed`.
    pub proto: String,
    /// Which protocol of the flow is compared.
    pub mode: AlprotoMode,
}

/// One `app-layer-event:proto.NAME` (or `!` negated... not supported).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppEvent {
    /// Protocol part (`http`, `dns`, ...), lower case; `None` for any.
    pub proto: Option<String>,
    /// Event name, upper cased. Matched against the raised events without
    /// regard to case: Suricata looks names up in its event tables with
    /// `strcasecmp`, so `dnp3.flooded` names `FLOODED`, while parsers
    /// ported from its Rust side raise lower-case names
    /// (`response_command_too_long`).
    pub name: String,
}

/// A rule ready to run.
#[derive(Debug)]
pub struct Signature {
    /// Position in the rule set (alert order, flowbits ordering).
    pub num: u32,
    /// The rule's action.
    pub action: Action,
    /// `gid` (1 by default).
    pub gid: u32,
    /// `sid`.
    pub sid: u32,
    /// `rev` (0 when absent).
    pub rev: u32,
    /// `msg`.
    pub msg: String,
    /// Description of the classtype (`category` in EVE), empty if none.
    pub category: String,
    /// Priority (`severity` in EVE): `priority` keyword, else the
    /// classtype's, else 3.
    pub severity: u8,
    /// `metadata` as EVE prints it: key → values.
    pub metadata: BTreeMap<String, Vec<String>>,
    /// `target:src_ip` / `target:dest_ip`.
    pub target: Option<&'static str>,
    /// IP protocol the rule needs (`None`: any IP).
    pub ip_proto: Option<u8>,
    /// IP version the rule needs (`ipv4`/`ipv6` rules).
    pub ip_version: Option<u8>,
    /// App-layer protocol the rule needs (`http`, `dns`, ...).
    pub app_proto: Option<String>,
    /// `app-layer-protocol:` conditions.
    pub app_proto_kw: Vec<AlprotoKw>,
    /// Only `app-layer-protocol` conditions (with at most a flow
    /// direction and flowbits being set): Suricata's "PD-only" rules,
    /// inspected only on the packet where a direction's protocol was
    /// decided, not on every packet after.
    pub pd_only: bool,
    /// Source addresses.
    pub src: AddrSet,
    /// Source ports.
    pub sport: PortSet,
    /// Destination addresses.
    pub dst: AddrSet,
    /// Destination ports.
    pub dport: PortSet,
    /// `<>`: either way round.
    pub bidir: bool,
    /// `=>`: request and response of one transaction together.
    pub transactional: bool,
    /// `flow:` and flow counters.
    pub flow: Vec<FlowKw>,
    /// Direction the flow keyword requires (`Some(true)`: to server).
    pub to_server: Option<bool>,
    /// Header keywords.
    pub header: Vec<HeaderKw>,
    /// `decode-event`/`stream-event`.
    pub events: Vec<EventKw>,
    /// `app-layer-event`.
    pub app_events: Vec<AppEvent>,
    /// Packet (or stream) payload matches.
    pub payload: Option<BufferMatch>,
    /// `dsize` is in the rule: only packet payload can match.
    pub needs_packet: bool,
    /// Transaction buffers and their matches.
    pub buffers: Vec<TxBuffer>,
    /// App-layer value keywords (`dns.rrtype`, `modbus`, `ssl_version`, ...).
    pub app_kws: Vec<AppKw>,
    /// flowbits/flowint/hostbits conditions.
    pub bits_cond: Vec<BitsKw>,
    /// flowbits/flowint/hostbits actions once matched.
    pub bits_act: Vec<BitsKw>,
    /// `threshold`.
    pub threshold: Option<Threshold>,
    /// `detection_filter`.
    pub filter: Option<DetectionFilter>,
    /// `noalert` or `flowbits:noalert`: state changes only.
    pub noalert: bool,
    /// `tcp-stream` rules: the reassembled stream only, never a packet.
    pub stream_only: bool,
    /// Only addresses (no ports, payload, flow or header keywords):
    /// Suricata's "IP-only" rules, inspected on the first packet of each
    /// direction of a flow.
    pub ip_only: bool,
    /// Where it runs.
    pub kind: Kind,
    /// Where it came from.
    pub origin: Origin,
}

impl Signature {
    /// Whether the rule may match traffic going to the server
    /// (`to_server`) or to the client: its flow keyword names no direction,
    /// or that one. Prefilters file the rule by it and inspection checks
    /// it, so both must ask here.
    pub fn may_see(&self, to_server: bool) -> bool {
        self.to_server.is_none_or(|d| d == to_server)
    }
}

/// Why a rule cannot run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skip {
    /// The keyword at fault, when one is.
    pub keyword: Option<String>,
    /// What is wrong.
    pub message: String,
    /// The keyword is valid Suricata that Taishi does not run (as opposed
    /// to a malformed rule).
    pub unsupported: bool,
}

impl fmt::Display for Skip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.keyword {
            Some(k) => write!(f, "{k}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

fn unsupported(keyword: &str, message: &str) -> Skip {
    Skip {
        keyword: Some(keyword.to_string()),
        message: message.to_string(),
        unsupported: true,
    }
}

fn invalid(keyword: &str, message: impl Into<String>) -> Skip {
    Skip {
        keyword: Some(keyword.to_string()),
        message: message.into(),
        unsupported: false,
    }
}

/// Shared state while compiling a rule set.
#[derive(Debug, Default)]
pub struct Compiler {
    /// Names of flowbits/flowint/hostbits.
    pub names: VarNames,
    /// Classtypes.
    pub classes: Option<Classifications>,
    /// Named datasets and reputation maps.
    pub sets: Registry,
}

/// Rule protocols Taishi knows: IP protocol and app-layer protocol.
fn header_proto(proto: &str) -> Option<(Option<u8>, Option<&'static str>)> {
    Some(match proto {
        "ip" | "pkt" | "pkthdr" | "ether" => (None, None),
        "ipv4" | "ip4" => (None, None),
        "ipv6" | "ip6" => (None, None),
        "tcp" | "tcp-pkt" | "tcp-stream" => (Some(6), None),
        "udp" => (Some(17), None),
        // `icmp` covers ICMPv4 and ICMPv6 (the engine treats 1 as both).
        "icmp" => (Some(1), None),
        "icmpv4" => (Some(1), None),
        "icmpv6" => (Some(58), None),
        "sctp" => (Some(132), None),
        "http" | "http1" => (Some(6), Some("http")),
        "ftp" => (Some(6), Some("ftp")),
        "ftp-data" => (Some(6), Some("ftp-data")),
        "smtp" => (Some(6), Some("smtp")),
        "tls" | "ssl" => (Some(6), Some("tls")),
        "ssh" => (Some(6), Some("ssh")),
        "smb" => (Some(6), Some("smb")),
        "dns" => (None, Some("dns")),
        "modbus" => (Some(6), Some("modbus")),
        "dnp3" => (Some(6), Some("dnp3")),
        "rdp" => (Some(6), Some("rdp")),
        "imap" => (Some(6), Some("imap")),
        "pop3" => (Some(6), Some("pop3")),
        "ntp" => (Some(17), Some("ntp")),
        _ => return None,
    })
}

/// Options that only describe the rule (no effect on matching) and that
/// Taishi accepts without using.
fn is_informational(name: &str) -> bool {
    matches!(
        name,
        "reference"
            | "rev"
            | "sid"
            | "gid"
            | "msg"
            | "classtype"
            | "priority"
            | "metadata"
            | "target"
    )
}

impl Compiler {
    /// A compiler with the built-in classifications.
    pub fn new() -> Compiler {
        Compiler {
            names: VarNames::default(),
            classes: Some(Classifications::builtin()),
            sets: Registry::default(),
        }
    }

    /// Compiles one parsed rule, numbered `num` in its set.
    pub fn compile(&mut self, raw: RawRule, num: u32) -> Result<Signature, Skip> {
        let Some((mut ip_proto, app)) = header_proto(&raw.proto) else {
            return Err(Skip {
                keyword: None,
                message: format!("protocol '{}' is not supported", raw.proto),
                unsupported: true,
            });
        };
        let mut sig = Signature {
            num,
            action: raw.action,
            gid: 1,
            sid: raw.sid.unwrap_or(0),
            rev: 0,
            msg: String::new(),
            category: String::new(),
            severity: 3,
            metadata: BTreeMap::new(),
            target: None,
            ip_proto,
            ip_version: match raw.proto.as_str() {
                "ipv4" | "ip4" => Some(4),
                "ipv6" | "ip6" => Some(6),
                _ => None,
            },
            app_proto: app.map(str::to_string),
            app_proto_kw: Vec::new(),
            pd_only: false,
            src: raw.src,
            sport: raw.sport,
            dst: raw.dst,
            dport: raw.dport,
            bidir: raw.dir == Dir::Both,
            transactional: raw.dir == Dir::Transactional,
            flow: Vec::new(),
            to_server: None,
            header: Vec::new(),
            events: Vec::new(),
            app_events: Vec::new(),
            payload: None,
            needs_packet: raw.proto == "tcp-pkt",
            buffers: Vec::new(),
            app_kws: Vec::new(),
            bits_cond: Vec::new(),
            bits_act: Vec::new(),
            threshold: None,
            filter: None,
            noalert: false,
            stream_only: raw.proto == "tcp-stream",
            ip_only: false,
            kind: Kind::Packet,
            origin: raw.origin,
        };
        let mut priority: Option<u8> = None;
        // The list content keywords go to: the payload (None) or a
        // transaction buffer (index into sig.buffers).
        let mut current: Option<usize> = None;
        // The sticky buffer keyword that made `current` (names the flow
        // variable `entropy` keeps its value in).
        let mut current_kw = "";
        // The list holding the latest content, which modifiers refine (a
        // legacy modifier like `http_uri` moves it out of `current`).
        let mut last: Option<usize> = None;
        let mut payload = BufferMatch::default();
        let mut vars = ByteVars::default();
        for opt in &raw.options {
            let name = opt.name.as_str();
            let value = opt.value.as_deref();
            match name {
                "msg" => sig.msg = unquote(value.unwrap_or_default()),
                "sid" => {
                    sig.sid = number(name, value)?;
                }
                "rev" => sig.rev = number(name, value)?,
                "gid" => sig.gid = number(name, value)?,
                "priority" => priority = Some(number(name, value)?),
                "classtype" => {
                    let class = value.unwrap_or_default().trim();
                    match self.classes.as_ref().and_then(|c| c.get(class)) {
                        Some((desc, prio)) => {
                            sig.category = desc.to_string();
                            sig.severity = prio;
                        }
                        None => return Err(invalid(name, format!("unknown classtype '{class}'"))),
                    }
                }
                "reference" => {}
                "metadata" => {
                    for item in value.unwrap_or_default().split(',') {
                        let item = item.trim();
                        if item.is_empty() {
                            continue;
                        }
                        let (k, v) = item.split_once(' ').unwrap_or((item, ""));
                        sig.metadata
                            .entry(k.trim().to_string())
                            .or_default()
                            .push(v.trim().to_string());
                    }
                }
                "target" => {
                    sig.target = match value.map(str::trim) {
                        Some("src_ip") => Some("src_ip"),
                        Some("dest_ip") => Some("dest_ip"),
                        _ => return Err(invalid(name, "expected src_ip or dest_ip")),
                    }
                }
                "noalert" => sig.noalert = true,
                // Hints and logging extras that do not change what matches:
                // `prefilter` picks the prefilter keyword, `tag` logs more
                // packets of the session, `requires` is checked by the
                // keywords themselves (an unknown one skips the rule).
                "prefilter" | "tag" | "requires" => {}
                // Suricata still alerts on the rest of a bypassed flow read
                // from a capture file, so bypass changes nothing here.
                "bypass" => {}
                "app-layer-protocol" => {
                    let v = value.unwrap_or_default().trim();
                    let (neg, p) = match v.strip_prefix('!') {
                        Some(p) => (true, p.trim()),
                        None => (false, v),
                    };
                    let (p, mode) = match p.split_once(',') {
                        None => (p, AlprotoMode::Direction),
                        Some((p, m)) => (
                            p.trim(),
                            match m.trim() {
                                "direction" => AlprotoMode::Direction,
                                "to_server" => AlprotoMode::ToServer,
                                "to_client" => AlprotoMode::ToClient,
                                "either" => AlprotoMode::Either,
                                "final" => AlprotoMode::Final,
                                "original" => AlprotoMode::Original,
                                _ => return Err(invalid(name, format!("unknown mode '{m}'"))),
                            },
                        ),
                    };
                    // Suricata 8 names HTTP/1 `http1`; Taishi's is `http`.
                    let p = if p == "http1" { "http" } else { p };
                    sig.app_proto_kw.push(AlprotoKw {
                        negated: neg,
                        proto: p.to_string(),
                        mode,
                    });
                }
                "app-layer-event" => {
                    let v = value.unwrap_or_default().trim();
                    if v.starts_with('!') {
                        return Err(unsupported(name, "negation"));
                    }
                    let (proto, ev) = match v.split_once('.') {
                        Some((p, e)) => (Some(p.to_ascii_lowercase()), e),
                        None => (None, v),
                    };
                    sig.app_events.push(AppEvent {
                        proto,
                        name: ev.to_ascii_uppercase(),
                    });
                }
                "pkt_data" => current = None,
                "dataset" | "datarep" => {
                    let dir = std::path::Path::new(&*sig.origin.file).parent();
                    let v = value.unwrap_or_default();
                    let m = if name == "dataset" {
                        self.sets.dataset(v, dir)
                    } else {
                        self.sets.datarep(v, dir)
                    }
                    .map_err(|e| invalid(name, e))?;
                    match current.and_then(|i| sig.buffers.get_mut(i)) {
                        Some(b) if b.hdr.is_none() => b.sets.push(m),
                        _ => {
                            return Err(unsupported(name, "only on a transaction's sticky buffer"));
                        }
                    }
                }
                "dsize" => {
                    sig.needs_packet = true;
                    match HeaderKw::parse(name, value) {
                        Ok(Some(h)) => sig.header.push(h),
                        Ok(None) => return Err(unsupported(name, "not available")),
                        Err(e) => return Err(invalid(name, e.message)),
                    }
                }
                "urilen" => {
                    let v = value.unwrap_or_default();
                    let (range, raw_uri) = match v.split_once(',') {
                        Some((r, m)) => (r, m.trim() == "raw"),
                        None => (v, false),
                    };
                    let range = NumRange::parse(range).map_err(|e| invalid(name, e.to_string()))?;
                    let def = buffers::sticky(if raw_uri { "http.uri.raw" } else { "http.uri" })
                        .ok_or_else(|| invalid(name, "no uri buffer"))?;
                    let mut m = BufferMatch::default();
                    let bsize = format!("{}", RangeText(range));
                    m.apply("bsize", Some(&bsize), &mut vars)
                        .map_err(|e| invalid(name, e.message))?;
                    sig.buffers.push(TxBuffer {
                        def,
                        hdr: None,
                        matcher: m,
                        sets: Vec::new(),
                    });
                    set_app(&mut sig, def, name)?;
                }
                "threshold" => {
                    sig.threshold = Some(
                        Threshold::parse(value.unwrap_or_default())
                            .map_err(|e| invalid(name, e.message))?,
                    )
                }
                "detection_filter" => {
                    sig.filter = Some(
                        DetectionFilter::parse(value.unwrap_or_default())
                            .map_err(|e| invalid(name, e.message))?,
                    )
                }
                _ if is_informational(name) => {}
                _ => {
                    // Content-like keywords go to the current list.
                    if let Some(def) = buffers::legacy_modifier(name) {
                        let list = match current {
                            None => &mut payload,
                            Some(i) => &mut sig.buffers[i].matcher,
                        };
                        let Some(op) = list.take_last() else {
                            return Err(invalid(name, "no content before it"));
                        };
                        let i = buffer_index(&mut sig, def, name)?;
                        sig.buffers[i].matcher.push(op);
                        last = Some(i);
                        continue;
                    }
                    if value.is_none()
                        && let Some(h) = PktHdr::from_keyword(name)
                    {
                        sig.buffers.push(TxBuffer {
                            def: BufferDef {
                                proto: None,
                                to_server: None,
                                to_client: None,
                            },
                            hdr: Some(h),
                            matcher: BufferMatch::default(),
                            sets: Vec::new(),
                        });
                        current = Some(sig.buffers.len() - 1);
                        current_kw = name;
                        last = current;
                        continue;
                    }
                    // In a `=>` rule a two-way buffer may name its side
                    // (`file.data: to_client;`).
                    let side = match value.map(str::trim) {
                        None => Some(None),
                        Some("to_server") => Some(Some(true)),
                        Some("to_client") => Some(Some(false)),
                        Some(_) => None,
                    };
                    if let Some(side) = side
                        && let Some(mut def) = buffers::sticky(name)
                    {
                        match side {
                            Some(true) => def.to_client = None,
                            Some(false) => def.to_server = None,
                            None => {}
                        }
                        if def.to_server.is_none() && def.to_client.is_none() {
                            return Err(invalid(name, "the buffer does not exist on that side"));
                        }
                        current = Some(new_buffer(&mut sig, def, name)?);
                        current_kw = name;
                        last = current;
                        continue;
                    }
                    if name == "uricontent" {
                        let def = buffers::sticky("http.uri").ok_or_else(|| invalid(name, "?"))?;
                        let i = buffer_index(&mut sig, def, name)?;
                        current = Some(i);
                        current_kw = "http_uri";
                        last = current;
                        apply_payload(&mut sig.buffers[i].matcher, "content", value, &mut vars)?;
                        continue;
                    }
                    if name == "base64_data" {
                        // base64_data and what follows inspect what the
                        // rule's base64_decode decoded, wherever it is.
                        let holder = [current, last]
                            .into_iter()
                            .chain((0..sig.buffers.len()).map(Some))
                            .chain([None])
                            .find(|t| match t {
                                None => payload.has_base64_decode(),
                                Some(i) => sig
                                    .buffers
                                    .get(*i)
                                    .is_some_and(|b| b.matcher.has_base64_decode()),
                            });
                        if let Some(t) = holder {
                            current = t;
                            last = t;
                        }
                    }
                    let target = if is_modifier(name) || is_relative(name, value) {
                        last
                    } else {
                        current
                    };
                    let list = match target {
                        None => &mut payload,
                        Some(i) => &mut sig.buffers[i].matcher,
                    };
                    match list.apply(name, value, &mut vars) {
                        Ok(Applied::Done) => {
                            if name == "entropy" {
                                list.name_entropy(&entropy_var(target.map(|_| current_kw)));
                            }
                            last = target;
                            continue;
                        }
                        Ok(Applied::PcreBuffer(flag)) => {
                            let Some(op) = list.take_last() else { continue };
                            let def = buffers::pcre_flag_buffer(flag)
                                .ok_or_else(|| invalid(name, "unknown buffer flag"))?;
                            let i = buffer_index(&mut sig, def, name)?;
                            sig.buffers[i].matcher.push(op);
                            last = Some(i);
                            continue;
                        }
                        Ok(Applied::NotPayload) => {}
                        Err(e) => {
                            return Err(Skip {
                                keyword: Some(e.keyword.clone()),
                                message: e.message.clone(),
                                unsupported: e.unsupported,
                            });
                        }
                    }
                    if let Some(f) =
                        FlowKw::parse(name, value).map_err(|e| invalid(name, e.message))?
                    {
                        if let Some(d) = f.direction() {
                            sig.to_server = Some(d);
                        }
                        sig.flow.push(f);
                        continue;
                    }
                    if let Some(h) =
                        HeaderKw::parse(name, value).map_err(|e| invalid(name, e.message))?
                    {
                        if let Some(list) = h.ip_protos() {
                            match ip_proto {
                                None => ip_proto = list.first().copied(),
                                Some(q) if !list.contains(&q) => {
                                    return Err(invalid(
                                        name,
                                        "does not apply to the rule's protocol",
                                    ));
                                }
                                _ => {}
                            }
                        }
                        // Header keywords make a rule look at packets, not
                        // the reassembled stream (Suricata's REQUIRE_PACKET).
                        sig.needs_packet = true;
                        sig.header.push(h);
                        continue;
                    }
                    if let Some(b) = BitsKw::parse(name, value, &mut self.names)
                        .map_err(|e| invalid(name, e.message))?
                    {
                        if b.is_noalert() {
                            sig.noalert = true;
                        } else if b.is_condition() {
                            sig.bits_cond.push(b);
                        } else {
                            sig.bits_act.push(b);
                        }
                        continue;
                    }
                    if let Some(e) =
                        EventKw::parse(name, value).map_err(|e| invalid(name, e.message))?
                    {
                        sig.events.push(e);
                        continue;
                    }
                    let rules_dir = std::path::Path::new(&*sig.origin.file).parent();
                    if let Some(k) = AppKw::parse_in(name, value, rules_dir)
                        .map_err(|e| invalid(name, e.message))?
                    {
                        let p = k.proto();
                        if !p.is_empty() {
                            set_app(
                                &mut sig,
                                BufferDef {
                                    proto: Some(p),
                                    to_server: None,
                                    to_client: None,
                                },
                                name,
                            )?;
                        }
                        sig.app_kws.push(k);
                        continue;
                    }
                    return Err(unsupported(name, "keyword not supported"));
                }
            }
        }
        sig.ip_proto = ip_proto;
        sig.severity = priority.unwrap_or(sig.severity);
        if sig.sid == 0 && raw.sid.is_none() {
            return Err(invalid("sid", "missing"));
        }
        payload
            .finish()
            .map_err(|e| invalid(&e.keyword, e.message))?;
        for b in &mut sig.buffers {
            b.matcher
                .finish()
                .map_err(|e| invalid(&e.keyword, e.message))?;
            // http.host is lower-cased: Suricata refuses a case-sensitive
            // pattern with capitals there, which could never match.
            if b.def.to_server == Some(Buffer::HttpHost) && b.matcher.has_uppercase_pattern() {
                return Err(invalid(
                    "http.host",
                    "case-sensitive pattern with upper-case letters on a lower-cased buffer",
                ));
            }
        }
        if !payload.is_empty() {
            sig.payload = Some(payload);
        }
        sig.ip_only = sig.buffers.is_empty()
            && sig.app_kws.is_empty()
            && sig.payload.is_none()
            && sig.header.is_empty()
            && sig.flow.is_empty()
            && sig.events.is_empty()
            && sig.app_events.is_empty()
            && sig.app_proto.is_none()
            && sig.app_proto_kw.is_empty()
            && sig.bits_cond.is_empty()
            && sig.sport.is_any()
            && sig.dport.is_any();
        sig.pd_only = !sig.app_proto_kw.is_empty()
            && sig.buffers.is_empty()
            && sig.app_kws.is_empty()
            && sig.payload.is_none()
            && sig.header.is_empty()
            && sig.events.is_empty()
            && sig.app_events.is_empty()
            && sig.app_proto.is_none()
            && sig.bits_cond.is_empty()
            && sig.flow.iter().all(|f| match f {
                FlowKw::Flow(o) => {
                    o.established.is_none()
                        && !o.stateless
                        && o.stream.is_none()
                        && o.frag.is_none()
                }
                _ => false,
            });
        let hdrs = sig.buffers.iter().filter(|b| b.hdr.is_some()).count();
        if hdrs > 0 && hdrs < sig.buffers.len() {
            return Err(unsupported(
                "tcp.hdr",
                "packet header buffers and transaction buffers in one rule",
            ));
        }
        if hdrs > 0 && !sig.app_kws.is_empty() {
            return Err(unsupported(
                "tcp.hdr",
                "packet header buffers and app-layer keywords in one rule",
            ));
        }
        if hdrs == 0 && (!sig.buffers.is_empty() || !sig.app_kws.is_empty()) {
            sig.kind = Kind::Tx;
            if !sig.header.is_empty() || !sig.events.is_empty() {
                return Err(unsupported(
                    "http.uri",
                    "packet header keywords and transaction buffers in one rule",
                ));
            }
        }
        Ok(sig)
    }
}

/// Keywords that continue from the latest match, wherever a legacy
/// modifier moved it (`content:"a"; http_uri; isdataat:4,relative;`).
fn is_relative(name: &str, value: Option<&str>) -> bool {
    let v = value.unwrap_or_default();
    match name {
        "isdataat" | "byte_test" | "byte_jump" | "byte_extract" | "byte_math" | "base64_decode" => {
            v.contains("relative")
        }
        "base64_data" => true,
        "pcre" => v
            .trim()
            .trim_matches('"')
            .rsplit_once('/')
            .is_some_and(|(_, flags)| flags.contains('R')),
        _ => false,
    }
}

/// Keywords that refine the latest content rather than add a match.
fn is_modifier(name: &str) -> bool {
    matches!(
        name,
        "nocase"
            | "depth"
            | "offset"
            | "distance"
            | "within"
            | "startswith"
            | "endswith"
            | "rawbytes"
            | "fast_pattern"
    )
}

/// Formats a range back into keyword syntax (for `urilen` → `bsize`).
struct RangeText(NumRange);

impl fmt::Display for RangeText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            NumRange::Eq(n) => write!(f, "{n}"),
            NumRange::Ne(n) => write!(f, "!{n}"),
            NumRange::Lt(n) => write!(f, "<{n}"),
            NumRange::Le(n) => write!(f, "<={n}"),
            NumRange::Gt(n) => write!(f, ">{n}"),
            NumRange::Ge(n) => write!(f, ">={n}"),
            NumRange::Between(a, b) => write!(f, "{a}<>{b}"),
        }
    }
}

/// The flow variable an `entropy` keyword keeps its value in: the sticky
/// buffer's name with underscores (`file.data` → `file_data`), `content`
/// for the payload, as Suricata names it.
fn entropy_var(sticky: Option<&str>) -> String {
    match sticky {
        None | Some("") => "content".to_string(),
        Some(kw) => kw.replace('.', "_"),
    }
}

fn apply_payload(
    list: &mut BufferMatch,
    name: &str,
    value: Option<&str>,
    vars: &mut ByteVars,
) -> Result<(), Skip> {
    match list.apply(name, value, vars) {
        Ok(_) => Ok(()),
        Err(e) => Err(Skip {
            keyword: Some(e.keyword),
            message: e.message,
            unsupported: e.unsupported,
        }),
    }
}

/// Records the app-layer protocol a buffer implies; two protocols in one
/// rule cannot both match.
fn set_app(sig: &mut Signature, def: BufferDef, kw: &str) -> Result<(), Skip> {
    if let Some(p) = def.proto {
        match &sig.app_proto {
            None => sig.app_proto = Some(p.to_string()),
            Some(q) if q == p => {}
            Some(q) => {
                return Err(invalid(kw, format!("buffer of {p} in a {q} rule")));
            }
        }
        if sig.ip_proto.is_none() && p != "dns" {
            sig.ip_proto = Some(6);
        }
    }
    Ok(())
}

/// A new buffer list for a sticky-buffer keyword (each use starts a list).
fn new_buffer(sig: &mut Signature, def: BufferDef, kw: &str) -> Result<usize, Skip> {
    set_app(sig, def, kw)?;
    sig.buffers.push(TxBuffer {
        def,
        hdr: None,
        matcher: BufferMatch::default(),
        sets: Vec::new(),
    });
    Ok(sig.buffers.len() - 1)
}

/// The list of this buffer (legacy modifiers share one list per buffer).
fn buffer_index(sig: &mut Signature, def: BufferDef, kw: &str) -> Result<usize, Skip> {
    if let Some(i) = sig
        .buffers
        .iter()
        .rposition(|b| b.def == def && b.hdr.is_none())
    {
        return Ok(i);
    }
    new_buffer(sig, def, kw)
}

fn number<T: std::str::FromStr>(name: &str, value: Option<&str>) -> Result<T, Skip> {
    value
        .map(str::trim)
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| invalid(name, "expected a number"))
}

/// A quoted option value without its quotes and escapes.
pub fn unquote(v: &str) -> String {
    let v = v.trim();
    let inner = v
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(v);
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    out
}
