//! The engine: a loaded rule set, grouped so that each packet, stream
//! chunk and transaction meets only the rules that can apply to it, with a
//! multi-pattern prefilter per group and buffer.
//!
//! - Packet rules are grouped by IP protocol; rules with payload matches
//!   sit behind the prefilter of their group, the rest run on every packet.
//! - On TCP, payload rules inspect the reassembled stream as it is
//!   delivered (so a pattern split across segments is found), and a
//!   packet's own payload only when the stream did not take it (`dsize`
//!   and `tcp-pkt` rules always inspect the packet).
//! - Transaction rules are grouped by app-layer protocol and run when a
//!   transaction completes, behind a prefilter per buffer.

mod alert;
mod iponly;
mod layer;
pub mod prefilter;
mod raw;
mod set;

use std::collections::HashMap;

use taishi_proto::Buffer;
use taishi_proto::parser::TxPart;

use self::prefilter::{PortedBuilder, PortedPrefilter, Prefilter, PrefilterBuilder};
use super::applayer::AppKw;
use super::compile::{Kind, Signature};
use super::keywords::HeaderKw;
use super::parse::Action;

pub use layer::{DetectFlow, DetectLayer, DetectStats};
pub use set::{FileReport, LoadOptions, RuleSet, SkippedRule};

/// Packet rules of one IP protocol class.
#[derive(Debug, Default)]
pub(crate) struct PacketGroup {
    /// Rules with payload matches, behind the prefilter.
    pub payload: PortedPrefilter,
    /// The payload rules that inspect packets even when the TCP stream
    /// took their payload (`dsize`, `tcp-pkt`): what a payload of at most
    /// `packet_only_max` bytes is scanned with.
    pub packet_only: PortedPrefilter,
    /// The longest payload a rule whose `dsize` bounds it can match.
    pub packet_only_max: u64,
    /// The packet-only rules any payload length may match: what a longer
    /// payload is scanned with, so full-size segments skip the bounded
    /// rules' patterns (and a short one is still scanned once).
    pub packet_only_unbounded: PortedPrefilter,
    /// Rules without payload matches, filed by port as the payload rules
    /// are: a packet meets the any-port ones and those of its ports.
    pub headers: PortedPrefilter,
    /// IP-only rules, run on the first packet of each flow direction.
    pub ip_only: iponly::IpOnlyIndex,
}

/// Transaction rules of one app-layer protocol, with the rules of buffers
/// any protocol may offer (`file.data`, `file.name`: rules without an
/// app-layer protocol), so a transaction meets one group.
#[derive(Debug, Default)]
pub(crate) struct TxGroup {
    /// Prefilter per buffer (or per set of buffers that usually hold the
    /// same bytes, see [`SAME_BYTES`]) and per part of the transaction
    /// that inspects it, over the rules' fast patterns.
    pub by_buffer: Vec<BufferPrefilter>,
    /// Rules without a fast pattern.
    pub always: Vec<u32>,
}

/// The prefilter of a set of buffers for the rules inspected with one
/// part of a transaction.
#[derive(Debug)]
pub(crate) struct BufferPrefilter {
    /// The buffers scanned (one, or a [`SAME_BYTES`] set).
    pub bufs: Vec<Buffer>,
    /// Whether its rules are inspected with the response (or the whole
    /// transaction), not with the request. A transaction's request buffers
    /// are still there when its response completes; scanning them again
    /// then would only find rules that are not inspected at that point.
    pub at_response: bool,
    /// The automaton over the rules' fast patterns.
    pub pf: Prefilter,
}

impl BufferPrefilter {
    /// Whether the rules of this prefilter are inspected with `part`.
    pub fn inspected_with(&self, part: TxPart) -> bool {
        match part {
            TxPart::Request => !self.at_response,
            TxPart::Response => self.at_response,
            TxPart::Whole => true,
        }
    }
}

/// Buffers that usually hold the same bytes: HTTP's `file.data` is its
/// `http.response_body` (unless a Flash file is decompressed), and a
/// request's `file.data` its `http.request_body` (unless it is a multipart
/// form). Their rules share one automaton, which scans each distinct value
/// once, instead of one automaton per buffer each scanning the same body.
/// Each buffer here hands out slices of the transaction (at most one
/// temporary per set), so an equal address and length is the same bytes.
const SAME_BYTES: [&[Buffer]; 2] = [
    &[Buffer::FileData, Buffer::HttpResponseBody],
    &[Buffer::FileDataToServer, Buffer::HttpRequestBody],
];

/// A transaction rule for the prefilters: its app-layer protocol ("" for
/// none), its fast pattern (`None`: always inspected), the rule.
type TxRule = (String, Option<TxPattern>, u32);

/// Where a transaction rule's fast pattern is looked for.
#[derive(Clone, Debug)]
struct TxPattern {
    /// The buffer that holds it.
    buffer: Buffer,
    bytes: Vec<u8>,
    nocase: bool,
    /// The rule is inspected with the response: a to-client side, or a
    /// transactional (`=>`) rule, which sees both sides once the response
    /// is there.
    at_response: bool,
}

/// The transaction groups: one per app-layer protocol named by a rule,
/// each with the protocol-less rules too, and "" with those alone for
/// transactions of other protocols.
fn tx_groups(rules: &[TxRule]) -> HashMap<String, TxGroup> {
    let apps: std::collections::BTreeSet<&str> = rules.iter().map(|r| r.0.as_str()).collect();
    // Every group's pattern sets are compiled together (`build_all`), then
    // dealt back: (app, buffers, at_response) per set.
    let mut places: Vec<(&str, Vec<Buffer>, bool)> = Vec::new();
    let mut jobs: Vec<PrefilterBuilder> = Vec::new();
    let mut groups: HashMap<String, TxGroup> = HashMap::new();
    for app in apps {
        let mut bufs: HashMap<(Buffer, bool), (Vec<Buffer>, PrefilterBuilder)> = HashMap::new();
        let mut always = Vec::new();
        for (_, fp, sig) in rules.iter().filter(|r| r.0 == app || r.0.is_empty()) {
            match fp {
                Some(p) => {
                    let set: &[Buffer] = SAME_BYTES
                        .iter()
                        .find(|set| set.contains(&p.buffer))
                        .copied()
                        .unwrap_or(std::slice::from_ref(&p.buffer));
                    let entry = bufs
                        .entry((set[0], p.at_response))
                        .or_insert_with(|| (set.to_vec(), PrefilterBuilder::default()));
                    entry.1.add_pattern(*sig, &p.bytes, p.nocase);
                }
                None => always.push(*sig),
            }
        }
        always.sort_unstable();
        always.dedup();
        for ((_, at_response), (set, b)) in bufs {
            places.push((app, set, at_response));
            jobs.push(b);
        }
        groups.insert(
            app.to_string(),
            TxGroup {
                by_buffer: Vec::new(),
                always,
            },
        );
    }
    for ((app, bufs, at_response), pf) in places.into_iter().zip(prefilter::build_all(jobs)) {
        if let Some(g) = groups.get_mut(app) {
            g.by_buffer.push(BufferPrefilter {
                bufs,
                at_response,
                pf,
            });
        }
    }
    for g in groups.values_mut() {
        g.by_buffer.sort_by_key(|e| (e.bufs[0], e.at_response));
    }
    groups
}

/// IP protocol classes packet rules are grouped by.
const CLASSES: usize = 4;

fn class_of(ip_proto: u8) -> usize {
    match ip_proto {
        6 => 0,
        17 => 1,
        1 | 58 => 2,
        _ => 3,
    }
}

/// A rule set ready to inspect traffic; shared read-only by the workers.
#[derive(Debug)]
pub struct Engine {
    pub(crate) sigs: Vec<Signature>,
    pub(crate) packet: [PacketGroup; CLASSES],
    pub(crate) tx: HashMap<String, TxGroup>,
    /// Whether any rule inspects HTTP bodies (the protocol stage must keep them).
    pub needs_bodies: bool,
    /// Whether any rule reads `email.body_md5` (SMTP must hash bodies, as
    /// Suricata's `body-md5: auto` does when a rule needs it).
    pub needs_body_md5: bool,
    /// Whether any rule reads `ja3.*` or `ja3s.*` (what Suricata's
    /// `ja3-fingerprints: auto` turns JA3 on for).
    pub needs_ja3: bool,
    /// Whether any rule reads `ja4.hash` (`ja4-fingerprints: auto`).
    pub needs_ja4: bool,
    /// Whether any rule needs files hashed: `filemd5`, `filesha1` and
    /// `filesha256` compare a file's digest, and `filestore` keeps a file
    /// that Suricata names by its SHA-256. Suricata computes a digest when
    /// a rule needs it; protocols that hash only on demand (HTTP) must be
    /// told.
    pub needs_file_hashes: bool,
    /// Flowbits that tag traffic (`traffic/id/NAME`, `traffic/label/NAME`):
    /// bit id → (is a label, NAME), logged in alerts and flow records.
    pub(crate) traffic: Vec<(u32, bool, String)>,
    /// Names of the rule set's flowbits and flowints by id, for EVE's
    /// `metadata` (traffic tags excluded: they have their own object).
    pub(crate) var_names: Vec<Option<String>>,
}

impl Engine {
    /// Groups and indexes compiled rules.
    pub fn new(mut sigs: Vec<Signature>) -> Engine {
        order(&mut sigs);
        for (i, s) in sigs.iter_mut().enumerate() {
            s.num = i as u32;
        }
        let mut packet_b: [PortedBuilder; CLASSES] = Default::default();
        let mut packet_only_b: [PortedBuilder; CLASSES] = Default::default();
        let mut unbounded_b: [PortedBuilder; CLASSES] = Default::default();
        let mut headers_b: [PortedBuilder; CLASSES] = Default::default();
        // Per class: the longest payload a bounded packet-only rule can match.
        let mut max_b: [u64; CLASSES] = [0; CLASSES];
        let mut packet: [PacketGroup; CLASSES] = Default::default();
        let mut ip_only_b: [iponly::IpOnlyBuilder; CLASSES] = Default::default();
        let mut tx_rules: Vec<TxRule> = Vec::new();
        let mut needs_bodies = false;
        let mut needs_body_md5 = false;
        let mut needs_ja3 = false;
        let mut needs_ja4 = false;
        let needs_file_hashes = sigs
            .iter()
            .flat_map(|s| &s.app_kws)
            .any(|k| matches!(k, AppKw::FileHash { .. } | AppKw::Filestore(_)));
        for s in &sigs {
            match s.kind {
                Kind::Packet => {
                    for c in 0..CLASSES {
                        if let Some(p) = s.ip_proto
                            && class_of(p) != c
                        {
                            continue;
                        }
                        if s.ip_only {
                            ip_only_b[c].add(s);
                            continue;
                        }
                        match &s.payload {
                            Some(m) => {
                                let fp = m.fast_pattern().filter(|fp| !fp.bytes.is_empty());
                                let fp = fp.as_ref().map(|f| (f.bytes.as_slice(), f.nocase));
                                packet_b[c].add(s.num, fp, &s.sport, &s.dport, s.to_server);
                                if s.needs_packet {
                                    let bound = s.header.iter().find_map(|h| match h {
                                        HeaderKw::Dsize(r) => r.upper_bound(),
                                        _ => None,
                                    });
                                    // Every packet-only rule joins the
                                    // set a short payload is scanned with,
                                    // so it is scanned once.
                                    packet_only_b[c].add(
                                        s.num,
                                        fp,
                                        &s.sport,
                                        &s.dport,
                                        s.to_server,
                                    );
                                    match bound {
                                        Some(b) => max_b[c] = max_b[c].max(b),
                                        None => unbounded_b[c].add(
                                            s.num,
                                            fp,
                                            &s.sport,
                                            &s.dport,
                                            s.to_server,
                                        ),
                                    }
                                }
                            }
                            None => headers_b[c].add(s.num, None, &s.sport, &s.dport, s.to_server),
                        }
                    }
                }
                Kind::Tx => {
                    let app = s.app_proto.clone().unwrap_or_default();
                    // The buffer whose content the rule names with
                    // `fast_pattern` selects the rule, else the longest fast
                    // pattern of any buffer (Suricata's RetrieveFPForSig).
                    // The explicit one is what the rule's author knows to be
                    // rare: a longer `text/html` in `http.content_type`
                    // would make every web page a candidate.
                    let best = s
                        .buffers
                        .iter()
                        .filter_map(|b| b.matcher.fast_pattern().map(|fp| (b.def, fp)))
                        .filter(|(_, fp)| !fp.bytes.is_empty())
                        .max_by_key(|(_, fp)| (fp.explicit, fp.bytes.len()));
                    // A rule whose flow keyword names a direction is only
                    // inspected on that side (`=>` rules look at both), so
                    // its pattern joins only that side's buffer.
                    let side_ok = |srv: bool| s.transactional || s.may_see(srv);
                    match best {
                        Some((def, fp)) => {
                            let sides = [
                                def.to_server
                                    .filter(|_| side_ok(true))
                                    .map(|b| (b, s.transactional)),
                                def.to_client.filter(|_| side_ok(false)).map(|b| (b, true)),
                            ];
                            for (buffer, at_response) in sides.into_iter().flatten() {
                                let p = TxPattern {
                                    buffer,
                                    bytes: fp.bytes.clone(),
                                    nocase: fp.nocase,
                                    at_response,
                                };
                                tx_rules.push((app.clone(), Some(p), s.num));
                            }
                        }
                        None => tx_rules.push((app, None, s.num)),
                    }
                    needs_body_md5 |= s
                        .buffers
                        .iter()
                        .any(|b| b.def.to_server == Some(Buffer::EmailBodyMd5));
                    for b in &s.buffers {
                        for x in [b.def.to_server, b.def.to_client].into_iter().flatten() {
                            match x {
                                Buffer::Ja3Hash
                                | Buffer::Ja3String
                                | Buffer::Ja3sHash
                                | Buffer::Ja3sString => needs_ja3 = true,
                                Buffer::Ja4Hash => needs_ja4 = true,
                                _ => {}
                            }
                        }
                        if [b.def.to_server, b.def.to_client].iter().any(|x| {
                            matches!(
                                x,
                                Some(Buffer::HttpRequestBody)
                                    | Some(Buffer::HttpResponseBody)
                                    | Some(Buffer::FileData)
                                    | Some(Buffer::FileDataToServer)
                            )
                        }) {
                            needs_bodies = true;
                        }
                    }
                }
            }
        }
        let builders = packet_b
            .into_iter()
            .zip(packet_only_b)
            .zip(unbounded_b)
            .zip(headers_b)
            .zip(ip_only_b);
        for (c, ((((b, po), un), hd), ip)) in builders.enumerate() {
            packet[c].headers = hd.build();
            packet[c].payload = b.build();
            packet[c].packet_only = po.build();
            packet[c].packet_only_max = max_b[c];
            packet[c].packet_only_unbounded = un.build();
            packet[c].ip_only = ip.build();
        }
        let tx = tx_groups(&tx_rules);
        Engine {
            sigs,
            packet,
            tx,
            needs_bodies,
            needs_body_md5,
            needs_ja3,
            needs_ja4,
            needs_file_hashes,
            traffic: Vec::new(),
            var_names: Vec::new(),
        }
    }

    /// The rules, in inspection order.
    pub fn signatures(&self) -> &[Signature] {
        &self.sigs
    }

    /// Records which flowbits tag traffic, and every variable's name for
    /// EVE's `metadata`, from the rule set's names.
    pub fn tag_traffic(&mut self, names: &crate::rules::keywords::VarNames) {
        self.traffic.clear();
        self.var_names.clear();
        for id in 0..names.len() as u32 {
            let Some((_, name)) = names.name(id) else {
                self.var_names.push(None);
                continue;
            };
            if let Some(n) = name.strip_prefix("traffic/id/") {
                self.traffic.push((id, false, n.to_string()));
            } else if let Some(n) = name.strip_prefix("traffic/label/") {
                self.traffic.push((id, true, n.to_string()));
            }
            self.var_names
                .push((!name.starts_with("traffic/")).then(|| name.to_string()));
        }
    }

    /// EVE's `metadata` object for a flow with these variables, as
    /// Suricata logs it in alerts and flow records: `flowbits` (names of
    /// the set bits), `flowints` (name → value) and `entropy` (buffer →
    /// the last value an `entropy` keyword computed). `None` when the flow
    /// has none.
    pub(crate) fn metadata_of(
        &self,
        vars: &crate::rules::keywords::FlowVars,
    ) -> Option<serde_json::Value> {
        use serde_json::{Map, Value};
        if vars.is_empty() {
            return None;
        }
        let name = |id: u32| self.var_names.get(id as usize).and_then(Option::as_deref);
        let mut m = Map::new();
        let bits: Vec<Value> = vars
            .bits()
            .iter()
            .filter_map(|&id| name(id))
            .map(Value::from)
            .collect();
        if !bits.is_empty() {
            m.insert("flowbits".into(), bits.into());
        }
        let ints: Map<String, Value> = vars
            .ints()
            .iter()
            .filter_map(|&(id, v)| Some((name(id)?.to_string(), Value::from(v))))
            .collect();
        if !ints.is_empty() {
            m.insert("flowints".into(), ints.into());
        }
        let floats: Map<String, Value> = vars
            .floats()
            .iter()
            .map(|(n, v)| (n.to_string(), Value::from(*v)))
            .collect();
        if !floats.is_empty() {
            m.insert("entropy".into(), floats.into());
        }
        (!m.is_empty()).then_some(Value::Object(m))
    }

    /// The `traffic` object of a flow with these variables, if tagged.
    pub(crate) fn traffic_of(
        &self,
        vars: &crate::rules::keywords::FlowVars,
    ) -> Option<serde_json::Value> {
        if self.traffic.is_empty() {
            return None;
        }
        let (mut ids, mut labels) = (Vec::new(), Vec::new());
        for (id, label, name) in &self.traffic {
            if vars.isset(*id) {
                if *label {
                    labels.push(name.clone());
                } else {
                    ids.push(name.clone());
                }
            }
        }
        if ids.is_empty() && labels.is_empty() {
            return None;
        }
        let mut m = serde_json::Map::new();
        if !ids.is_empty() {
            m.insert("id".into(), ids.into());
        }
        if !labels.is_empty() {
            m.insert("label".into(), labels.into());
        }
        Some(serde_json::Value::Object(m))
    }
}

/// Orders rules as Suricata does where order changes results: by action
/// first (its default `action-order`: pass, drop, reject, alert, so a
/// `pass` rule wins over the alerts of the packet it matches wherever it
/// is in the file); then, within a packet, rules that set
/// flowbits/flowints run before rules that test them; then by priority,
/// then file order.
fn order(sigs: &mut [Signature]) {
    sigs.sort_by_key(|s| {
        // Suricata ranks an action missing from the order (`config`) first.
        let action = match s.action {
            Action::Pass | Action::Config => 0,
            Action::Drop => 1,
            Action::Reject | Action::RejectSrc | Action::RejectDst | Action::RejectBoth => 2,
            Action::Alert => 3,
        };
        let sets = s.bits_act.iter().any(|b| b.sets().is_some());
        let reads = s.bits_cond.iter().any(|b| b.reads().is_some());
        let bits = match (sets, reads) {
            (true, false) => 0,
            (true, true) => 1,
            (false, false) => 2,
            (false, true) => 3,
        };
        (action, bits, s.severity, s.num)
    });
}

#[cfg(test)]
mod tests {
    use super::prefilter::ScanScratch;
    use super::*;

    /// The rules `pf` finds in `buf`, sorted.
    fn found(pf: &Prefilter, buf: &[u8]) -> Vec<u32> {
        let mut out = Vec::new();
        pf.scan(buf, &mut ScanScratch::default(), &mut out);
        out.sort_unstable();
        out
    }

    fn pattern(buffer: Buffer, bytes: &[u8], at_response: bool) -> Option<TxPattern> {
        Some(TxPattern {
            buffer,
            bytes: bytes.to_vec(),
            nocase: true,
            at_response,
        })
    }

    #[test]
    fn protocol_less_rules_join_every_group_and_same_byte_buffers_share_one_automaton() {
        let rules: Vec<TxRule> = vec![
            ("http".into(), pattern(Buffer::FileData, b"aaa", true), 0),
            (
                "http".into(),
                pattern(Buffer::HttpResponseBody, b"bbb", true),
                1,
            ),
            ("".into(), pattern(Buffer::FileData, b"ccc", true), 2),
            ("smtp".into(), None, 3),
            ("http".into(), pattern(Buffer::HttpUri, b"/x", false), 4),
        ];
        let groups = tx_groups(&rules);
        let http = &groups["http"];
        let sets: Vec<&[Buffer]> = http.by_buffer.iter().map(|e| e.bufs.as_slice()).collect();
        assert_eq!(
            sets,
            [
                &[Buffer::HttpUri][..],
                &[Buffer::FileData, Buffer::HttpResponseBody][..]
            ]
        );
        assert_eq!(found(&http.by_buffer[1].pf, b"aaa bbb ccc /x"), [0, 1, 2]);
        let smtp = &groups["smtp"];
        assert_eq!(smtp.always, [3]);
        assert_eq!(found(&smtp.by_buffer[0].pf, b"aaa bbb ccc"), [2]);
        // Transactions of protocols no rule names meet the protocol-less rules.
        assert_eq!(found(&groups[""].by_buffer[0].pf, b"aaa bbb ccc"), [2]);
        assert!(groups[""].always.is_empty());
    }

    /// An engine over `rules` (rule text, Suricata's default variables).
    fn engine_of(rules: &[&str]) -> Engine {
        use crate::rules::compile::Compiler;
        use crate::rules::parse::{Origin, Vars, parse_rule};
        let vars = Vars::suricata_defaults();
        let mut compiler = Compiler::new();
        let sigs = rules
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let raw = parse_rule(r, &vars, Origin::new("test", i + 1)).unwrap();
                compiler.compile(raw, i as u32).unwrap()
            })
            .collect();
        Engine::new(sigs)
    }

    #[test]
    fn a_rule_without_pattern_for_a_few_hundred_ports_is_filed_under_them() {
        let engine = engine_of(&[
            "alert tcp any any -> any 5800:5820 (msg:\"vnc scan\"; flow:to_server; flags:S,12; sid:1;)",
            "alert tcp any any -> any 1024:65535 (msg:\"wide\"; flags:S,12; sid:2;)",
        ]);
        let always = |server_port: u16| {
            let mut out = Vec::new();
            engine.packet[class_of(6)]
                .headers
                .for_ports(true, 40000, server_port, |pf| {
                    out.extend_from_slice(pf.always())
                });
            out.sort_unstable();
            out
        };
        // The 21-port rule meets only its ports; the 64512-port one stays
        // with every port.
        assert_eq!(always(5805), [0, 1]);
        assert_eq!(always(80), [1]);
    }

    #[test]
    fn ip_only_rules_are_filed_under_their_narrower_side() {
        let engine = engine_of(&[
            // Three /12s (3 million addresses) to $HOME_NET (18 million).
            "alert ip [42.128.0.0/12,42.160.0.0/12,42.208.0.0/12] any -> $HOME_NET any (msg:\"drop list\"; sid:1;)",
            "alert ip $HOME_NET any -> [198.51.100.0/24] any (msg:\"to a net\"; sid:2;)",
        ]);
        let ip = |a: &str| a.parse::<std::net::IpAddr>().unwrap();
        let candidates = |src: &str, dst: &str| {
            let mut out = Vec::new();
            engine.packet[class_of(6)]
                .ip_only
                .candidates(ip(src), ip(dst), &mut out);
            out.sort_unstable();
            out
        };
        assert_eq!(candidates("42.130.1.1", "10.1.1.1"), [0]);
        assert_eq!(candidates("10.1.1.1", "198.51.100.7"), [1]);
        // Internal traffic meets neither: no rule is checked on every
        // first packet.
        assert!(candidates("10.1.1.1", "10.2.2.2").is_empty());
        assert!(engine.packet[class_of(6)].ip_only.always.is_empty());
    }

    #[test]
    fn an_explicit_fast_pattern_selects_its_buffer_over_longer_contents() {
        let engine = engine_of(&[concat!(
            "alert http any any -> any any (msg:\"phish\"; flow:to_client; ",
            "http.content_type; content:\"text/html\"; ",
            "file.data; content:\"Passw0rd\"; fast_pattern; content:\"name\"; sid:1;)"
        )]);
        let http = &engine.tx["http"];
        let sets: Vec<&[Buffer]> = http.by_buffer.iter().map(|e| e.bufs.as_slice()).collect();
        assert_eq!(sets, [&[Buffer::FileData, Buffer::HttpResponseBody][..]]);
        assert_eq!(found(&http.by_buffer[0].pf, b"<b>Passw0rd</b>"), [0]);
        assert!(found(&http.by_buffer[0].pf, b"text/html").is_empty());
    }

    #[test]
    fn request_buffers_are_scanned_with_the_response_only_for_transactional_rules() {
        let rules = [
            "alert http any any -> any any (msg:\"req\"; flow:to_server; http.uri; content:\"/req\"; sid:1;)",
            "alert http any any -> any any (msg:\"any side\"; http.uri; content:\"/both\"; sid:2;)",
            "alert http any any => any any (msg:\"=>\"; http.uri; content:\"/trans\"; http.stat_code; content:\"200\"; sid:3;)",
            "alert http any any -> any any (msg:\"resp\"; flow:to_client; file.data; content:\"body\"; sid:4;)",
        ];
        let engine = engine_of(&rules);
        let http = &engine.tx["http"];
        let sid = |i: &u32| engine.sigs[*i as usize].sid;
        let scanned = |part: TxPart, buf: Buffer, hay: &[u8]| -> Vec<u32> {
            let mut out: Vec<u32> = http
                .by_buffer
                .iter()
                .filter(|e| e.inspected_with(part) && e.bufs.contains(&buf))
                .flat_map(|e| found(&e.pf, hay))
                .map(|i| sid(&i))
                .collect();
            out.sort_unstable();
            out
        };
        let uri = b"/req /both /trans";
        assert_eq!(scanned(TxPart::Request, Buffer::HttpUri, uri), [1, 2]);
        // The response meets the URI again only for the `=>` rule.
        assert_eq!(scanned(TxPart::Response, Buffer::HttpUri, uri), [3]);
        assert_eq!(scanned(TxPart::Whole, Buffer::HttpUri, uri), [1, 2, 3]);
        assert_eq!(
            scanned(TxPart::Request, Buffer::FileData, b"body"),
            [0u32; 0]
        );
        assert_eq!(scanned(TxPart::Response, Buffer::FileData, b"body"), [4]);
    }
}
