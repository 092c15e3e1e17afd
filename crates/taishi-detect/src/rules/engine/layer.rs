//! [`DetectLayer`]: the rule engine as the flow stage sees it. It wraps the
//! protocol stage, inspects each packet, each reassembled stream chunk and
//! each completed transaction, and writes `alert` events.

use std::net::IpAddr;
use std::sync::Arc;

use taishi_core::StatsSource;
use taishi_core::Timestamp;
use taishi_core::event::{AppProtos, EventSink};
use taishi_decode::{L3, L4, Packet};
use taishi_flow::{AppLayer, Direction, FlowState, FlowView, TcpState};
use taishi_proto::{FlowApp, ParseCtx, ProtoLayer, Transaction, TxHook, TxPart};

use super::alert;
use super::prefilter::{PortedPrefilter, Prefilter, ScanScratch};
use super::raw::{RAW_MAX_PENDING, RawStream};
use super::{Engine, class_of};
use crate::rules::compile::{AlprotoKw, AlprotoMode, PktHdr, Signature};
use crate::rules::keywords::{FlowCtx, FlowVars, HeaderKw, HostVars, ThresholdState};
use crate::rules::parse::Action;
use crate::rules::payload::InspectEnv;
use crate::rules::range::NumRange;

/// Per-flow state: the protocol stage's and the rules' (flowbits, ...).
#[derive(Default)]
pub struct DetectFlow {
    app: FlowApp,
    vars: FlowVars,
    /// A `pass` rule matched: the flow is not inspected any more.
    passed: bool,
    /// An alert was raised on the flow.
    alerted: bool,
    /// IP-only rules already looked at each direction.
    ip_only_done: [bool; 2],
    /// Stream bytes delivered so far per direction (gaps included), so
    /// `depth` counts from the start of the stream.
    stream_off: [u64; 2],
    /// The flow's packet count when the session became encrypted (TLS or
    /// SSH past its handshake). From then raw stream content is not
    /// inspected, as Suricata's default `encryption-handling` does, nor the
    /// payload of the packets after that count (Suricata's
    /// `FLOW_NOPAYLOAD_INSPECTION`, which the TLS and SSH parsers set once
    /// the handshake is over and which takes effect from the next packet).
    encrypted_at: Option<u64>,
    /// Stream bytes awaiting raw inspection per direction (see `raw.rs`).
    raw: [RawStream; 2],
    /// Per direction: its protocol was decided since that direction's
    /// last packet, which then carries Suricata's
    /// `PKT_PROTO_DETECT_*_DONE` (what PD-only rules wait for).
    pd_pending: [bool; 2],
}

/// Counters of the rule engine.
#[derive(Debug, Default, Clone)]
pub struct DetectStats {
    /// Alerts written.
    pub alerts: u64,
    /// Rules inspected in full (prefilter candidates and the rest).
    pub inspected: u64,
}

/// State shared by the flows of one worker.
struct Scratch {
    thresholds: ThresholdState,
    hosts: HostVars,
    env: InspectEnv,
    /// Candidate rules of the current inspection.
    cands: Vec<u32>,
    /// Prefilter hits before deduplication.
    hits: Vec<u32>,
    /// The prefilter's own scratch.
    scan: ScanScratch,
    /// Generation stamp per rule, to deduplicate candidates without clearing.
    stamp: Vec<u32>,
    generation: u32,
    /// Rules that alerted on the current packet (a rule alerts once per packet).
    alerted: Vec<u32>,
    /// App-layer events raised while handling the current packet.
    app_events: Vec<(&'static str, &'static str)>,
    /// The record of the first transaction completed after an app-layer
    /// event of the current packet: `app-layer-event` rules match on the
    /// packet, and Suricata's alert for them carries the transaction that
    /// raised the event (`dns.queries`, ...). Built only when an event
    /// was raised, so packets without events pay nothing.
    event_tx: Option<serde_json::Map<String, serde_json::Value>>,
    /// Stream events raised while handling the current packet.
    stream_events: Vec<&'static str>,
    /// The current packet's payload went into the TCP stream.
    stream_took: bool,
    /// A transaction completed while parsing the current data.
    tx_done: bool,
    /// Alerts one packet may raise (`packet-alert-max`).
    alert_max: usize,
    stats: DetectStats,
}

/// The protocol stage plus the rule engine.
pub struct DetectLayer {
    proto: ProtoLayer,
    engine: Option<Arc<Engine>>,
    s: Scratch,
}

impl DetectLayer {
    /// The protocol stage `proto`, with `engine`'s rules when there are any.
    /// At most `alert_max` alerts are written per packet.
    pub fn new(
        proto: ProtoLayer,
        engine: Option<Arc<Engine>>,
        thresholds: ThresholdState,
        alert_max: usize,
    ) -> Self {
        let n = engine.as_ref().map_or(0, |e| e.sigs.len());
        DetectLayer {
            proto,
            engine,
            s: Scratch {
                thresholds,
                hosts: HostVars::default(),
                env: InspectEnv::default(),
                cands: Vec::new(),
                hits: Vec::new(),
                scan: ScanScratch::default(),
                stamp: vec![0; n],
                generation: 0,
                alerted: Vec::new(),
                app_events: Vec::new(),
                event_tx: None,
                stream_events: Vec::new(),
                stream_took: false,
                tx_done: false,
                alert_max,
                stats: DetectStats::default(),
            },
        }
    }

    /// The protocol stage (for its counters).
    pub fn proto(&self) -> &ProtoLayer {
        &self.proto
    }

    /// Counters.
    pub fn stats(&self) -> &DetectStats {
        &self.s.stats
    }

    /// Inspects a packet that belongs to no flow (not IP, or a fragment
    /// before reassembly) against the rules that need no flow.
    pub fn packet_without_flow(&mut self, pkt: &Packet<'_>, sink: &mut dyn EventSink) {
        let Some(engine) = self.engine.as_deref() else {
            return;
        };
        let mut vars = FlowVars::default();
        let scope = PacketScope {
            first_of_side: true,
            payload_inspection: true,
        };
        inspect_packet(engine, &mut self.s, None, &mut vars, pkt, scope, sink);
        self.s.alerted.clear();
        self.s.app_events.clear();
        self.s.event_tx = None;
    }
}

/// The flow's app-layer protocol as rules name it: the detected one,
/// `failed` when detection gave up, `None` while undecided.
fn app_name(app: &FlowApp) -> Option<&'static str> {
    if app.failed() {
        Some("failed")
    } else {
        app.app_proto()
    }
}

/// The bytes of one header of the packet (`ipv4.hdr`, `tcp.hdr`, ...).
fn header_bytes<'p>(pkt: &Packet<'p>, hdr: PktHdr) -> Option<&'p [u8]> {
    let frame = pkt.frame;
    let at = |off: usize, len: usize| frame.get(off..off.checked_add(len)?);
    match (hdr, pkt.l3, pkt.l4) {
        (PktHdr::Ether, _, _) => pkt.macs.and_then(|_| frame.get(..14)),
        (PktHdr::Ipv4, L3::Ipv4(h), _) => at(pkt.l3_offset, h.header_len as usize),
        // With its extension headers, as Suricata's buffer has them.
        (PktHdr::Ipv6, L3::Ipv6(_), _) => {
            frame.get(pkt.l3_offset..pkt.l4_offset.max(pkt.l3_offset + 40))
        }
        (PktHdr::Tcp, _, L4::Tcp(t)) => at(pkt.l4_offset, t.header_len as usize),
        (PktHdr::Udp, _, L4::Udp { .. }) => at(pkt.l4_offset, 8),
        (PktHdr::Icmpv4, L3::Ipv4(_), L4::Icmp { icmp_type, .. }) => at(
            pkt.l4_offset,
            icmpv4_header_len(icmp_type, frame.get(pkt.l4_offset..)?),
        ),
        (PktHdr::Icmpv6, L3::Ipv6(_), L4::Icmp { .. }) => at(pkt.l4_offset, 8),
        _ => None,
    }
}

/// Length of an ICMPv4 header as Suricata counts it: router
/// advertisements carry their address entries, timestamps and address
/// masks their fields.
fn icmpv4_header_len(icmp_type: u8, msg: &[u8]) -> usize {
    match icmp_type {
        9 => {
            let n = msg.get(4).copied().unwrap_or(0) as usize;
            let size = msg.get(5).copied().unwrap_or(0) as usize;
            8 + n * size * 4
        }
        13 | 14 => 20,
        17 | 18 => 12,
        _ => 8,
    }
}

/// What the engine knows of the flow of a packet.
struct FlowInfo<'a, 'f> {
    view: &'a FlowView<'f>,
    dir: Direction,
    app_proto: Option<&'static str>,
    /// The protocols `app-layer-protocol` reads.
    apps: Apps,
}

/// A flow's protocols as `app-layer-protocol` reads them.
#[derive(Clone, Copy, Debug, Default)]
struct Apps {
    /// Per direction (Suricata's `alproto_ts`, `alproto_tc`).
    dirs: [Option<&'static str>; 2],
    /// Before the flow changed protocol (`alproto_orig`).
    orig: Option<&'static str>,
    /// This packet is where a direction's protocol was decided.
    pd_done: bool,
}

impl Apps {
    /// The protocols of a flow's protocol state.
    fn of(app: &FlowApp, pd_done: bool) -> Apps {
        Apps {
            dirs: [
                app.dir_proto(Direction::ToServer),
                app.dir_proto(Direction::ToClient),
            ],
            orig: app.app_protos().app_proto_orig,
            pd_done,
        }
    }

    /// A transaction's flow: its protocol both ways.
    fn both(proto: &'static str) -> Apps {
        Apps {
            dirs: [Some(proto); 2],
            orig: None,
            pd_done: false,
        }
    }
}

impl AppLayer for DetectLayer {
    type State = DetectFlow;

    fn on_data(
        &mut self,
        st: &mut DetectFlow,
        flow: &FlowView<'_>,
        dir: Direction,
        data: &[u8],
        sink: &mut dyn EventSink,
    ) {
        // Borrowed, not cloned: an `Arc` clone per call is a locked
        // read-modify-write that waits for every pending memory access.
        let Some(engine) = self.engine.as_deref() else {
            return self.proto.data(&mut st.app, flow, dir, data, sink, None);
        };
        let before = self.s.stats.alerts;
        let decided =
            [Direction::ToServer, Direction::ToClient].map(|d| st.app.dir_proto(d).is_some());
        {
            let mut hook = Hook {
                engine,
                s: &mut self.s,
                vars: &mut st.vars,
                passed: &mut st.passed,
                data,
            };
            self.proto
                .data(&mut st.app, flow, dir, data, sink, Some(&mut hook));
        }
        for d in [Direction::ToServer, Direction::ToClient] {
            if !decided[d.index()] && st.app.dir_proto(d).is_some() {
                st.pd_pending[d.index()] = true;
            }
        }
        let tx_done = std::mem::take(&mut self.s.tx_done);
        // The chunk that completes a TLS or SSH handshake is still
        // inspected; what follows is ciphertext.
        let now_encrypted = tx_done && matches!(app_name(&st.app), Some("tls" | "ssh"));
        if flow.proto() == 6 && !st.passed {
            self.s.stream_took = true;
        }
        let stream_start = st.stream_off[dir.index()];
        st.stream_off[dir.index()] += data.len() as u64;
        if flow.proto() == 6 && !st.passed && st.encrypted_at.is_none() {
            let raw = &mut st.raw[dir.index()];
            raw.push(stream_start, data);
            if tx_done {
                raw.trigger();
            }
            if now_encrypted || raw.len() >= RAW_MAX_PENDING {
                let n = raw.len();
                inspect_raw(engine, &mut self.s, st, flow, dir, n, sink);
            }
        }
        if now_encrypted && st.encrypted_at.is_none() {
            st.encrypted_at = Some(packets(flow));
        }
        st.alerted |= self.s.stats.alerts > before;
    }

    fn on_gap(
        &mut self,
        st: &mut DetectFlow,
        flow: &FlowView<'_>,
        dir: Direction,
        len: u64,
        sink: &mut dyn EventSink,
    ) {
        let Some(engine) = self.engine.as_deref() else {
            return self.proto.gap(&mut st.app, flow, dir, len, sink, None);
        };
        let before = self.s.stats.alerts;
        // What is held ends where the gap starts: inspect it as one block.
        let n = st.raw[dir.index()].len();
        inspect_raw(engine, &mut self.s, st, flow, dir, n, sink);
        st.stream_off[dir.index()] += len;
        let mut hook = Hook {
            engine,
            s: &mut self.s,
            vars: &mut st.vars,
            passed: &mut st.passed,
            data: &[],
        };
        self.proto
            .gap(&mut st.app, flow, dir, len, sink, Some(&mut hook));
        st.alerted |= self.s.stats.alerts > before;
    }

    fn on_end(
        &mut self,
        st: &mut DetectFlow,
        flow: &FlowView<'_>,
        sink: &mut dyn EventSink,
    ) -> Option<&'static str> {
        let Some(engine) = self.engine.as_deref() else {
            return self.proto.end(&mut st.app, flow, sink, None);
        };
        let before = self.s.stats.alerts;
        let mut hook = Hook {
            engine,
            s: &mut self.s,
            vars: &mut st.vars,
            passed: &mut st.passed,
            data: &[],
        };
        let app = self.proto.end(&mut st.app, flow, sink, Some(&mut hook));
        // The end of the flow inspects every held byte, acknowledged or
        // not, one direction at a time as Suricata's end-of-stream pseudo
        // packets do; the packet being handled keeps its own alert list.
        let packet_alerted = std::mem::take(&mut self.s.alerted);
        for dir in [Direction::ToServer, Direction::ToClient] {
            let n = st.raw[dir.index()].len();
            inspect_raw(engine, &mut self.s, st, flow, dir, n, sink);
            self.s.alerted.clear();
        }
        self.s.alerted = packet_alerted;
        st.alerted |= self.s.stats.alerts > before;
        app
    }

    fn on_stream_event(&mut self, _st: &mut DetectFlow, name: &'static str) {
        if self.engine.is_some() {
            self.s.stream_events.push(name);
        }
    }

    fn alerted(&self, st: &DetectFlow) -> bool {
        st.alerted
    }

    fn traffic(&self, st: &DetectFlow) -> Option<serde_json::Value> {
        self.engine.as_ref()?.traffic_of(&st.vars)
    }

    fn metadata(&self, st: &DetectFlow) -> Option<serde_json::Value> {
        self.engine.as_ref()?.metadata_of(&st.vars)
    }

    fn app_protos(&self, st: &DetectFlow) -> AppProtos {
        st.app.app_protos()
    }

    fn take_reverse(&mut self, st: &mut DetectFlow) -> bool {
        self.proto.take_reverse(&mut st.app)
    }

    fn on_packet(
        &mut self,
        st: &mut DetectFlow,
        flow: &FlowView<'_>,
        dir: Direction,
        pkt: &Packet<'_>,
        sink: &mut dyn EventSink,
    ) {
        if closed_by_fins(flow) {
            // Before the packet's inspection, as Suricata's stream stage
            // hands the app layer its end of stream before detection runs.
            let before = self.s.stats.alerts;
            let mut hook = self.engine.as_deref().map(|engine| Hook {
                engine,
                s: &mut self.s,
                vars: &mut st.vars,
                passed: &mut st.passed,
                data: &[],
            });
            self.proto.close(
                &mut st.app,
                flow,
                sink,
                hook.as_mut().map(|h| h as &mut dyn TxHook),
            );
            st.alerted |= self.s.stats.alerts > before;
        }
        if let Some(engine) = self.engine.as_deref()
            && !st.passed
        {
            let pd_done = std::mem::take(&mut st.pd_pending[dir.index()]);
            let info = FlowInfo {
                view: flow,
                dir,
                app_proto: app_name(&st.app),
                apps: Apps::of(&st.app, pd_done),
            };
            let before = self.s.stats.alerts;
            let first = !std::mem::replace(&mut st.ip_only_done[dir.index()], true);
            let payload_inspection = st.encrypted_at.is_none_or(|at| packets(flow) <= at);
            st.passed |= inspect_packet(
                engine,
                &mut self.s,
                Some(&info),
                &mut st.vars,
                pkt,
                PacketScope {
                    first_of_side: first,
                    payload_inspection,
                },
                sink,
            );
            if flow.proto() == 6 {
                // A side whose peer was never seen (an asynchronous capture)
                // has no acknowledgements to wait for.
                let acked = if flow.pkts(dir.reverse()) == 0 {
                    u64::MAX
                } else {
                    flow.acked(dir)
                };
                let closed = flow.tcp_state() == TcpState::Closed;
                let n = st.raw[dir.index()].due(acked, closed);
                inspect_raw(engine, &mut self.s, st, flow, dir, n, sink);
            }
            st.alerted |= self.s.stats.alerts > before;
        }
        self.s.alerted.clear();
        self.s.app_events.clear();
        self.s.event_tx = None;
        self.s.stream_events.clear();
        self.s.stream_took = false;
    }
}

impl StatsSource for DetectLayer {
    fn report(&self, add: &mut dyn FnMut(&'static str, u64)) {
        self.proto.report(add);
        if self.engine.is_some() {
            add("detect.alert", self.s.stats.alerts);
        }
    }
}

/// Hands completed transactions to the engine.
struct Hook<'e> {
    engine: &'e Engine,
    s: &'e mut Scratch,
    vars: &'e mut FlowVars,
    passed: &'e mut bool,
    /// The bytes being parsed (stream chunk or datagram), which the payload
    /// part of a rule that also has transaction buffers inspects.
    data: &'e [u8],
}

impl TxHook for Hook<'_> {
    fn on_tx(&mut self, ctx: &mut ParseCtx<'_, '_>, tx: &dyn Transaction, part: TxPart) {
        self.s.tx_done = true;
        if !self.s.app_events.is_empty() && self.s.event_tx.is_none() {
            self.s.event_tx = Some(tx.alert_log());
        }
        if *self.passed {
            return;
        }
        inspect_tx(
            self.engine,
            self.s,
            self.vars,
            self.passed,
            self.data,
            ctx,
            tx,
            part,
        );
    }

    fn on_event(&mut self, ctx: &mut ParseCtx<'_, '_>, event: &'static str) {
        self.s.app_events.push((ctx.proto, event));
    }

    fn metadata(&self) -> Option<serde_json::Value> {
        self.engine.metadata_of(self.vars)
    }
}

/// Marks `sig` as a candidate once per inspection.
fn push_cand(s: &mut Scratch, sig: u32) {
    if let Some(st) = s.stamp.get_mut(sig as usize)
        && *st != s.generation
    {
        *st = s.generation;
        s.cands.push(sig);
    }
}

/// Adds the rules `pf` finds in `buf` to the candidates.
fn prefilter(s: &mut Scratch, pf: &Prefilter, buf: &[u8]) {
    let mut hits = std::mem::take(&mut s.hits);
    hits.clear();
    pf.scan(buf, &mut s.scan, &mut hits);
    for &i in &hits {
        push_cand(s, i);
    }
    s.hits = hits;
}

fn next_generation(s: &mut Scratch) {
    s.cands.clear();
    s.generation = s.generation.wrapping_add(1);
    if s.generation == 0 {
        s.stamp.iter_mut().for_each(|x| *x = 0);
        s.generation = 1;
    }
}

/// Whether a TCP session is over by the FIN exchange: closed, a FIN seen
/// each way and no RST. A session closed by a RST is left to the flow's
/// end, because a RST the peer did not take can reopen it (see
/// `stream.suspected_rst_inject`).
fn closed_by_fins(flow: &FlowView<'_>) -> bool {
    use taishi_decode::packet::tcp_flags::{FIN, RST};
    let (ts, tc) = (
        flow.tcp_flags(Direction::ToServer),
        flow.tcp_flags(Direction::ToClient),
    );
    flow.proto() == 6
        && flow.tcp_state() == TcpState::Closed
        && ts & tc & FIN != 0
        && (ts | tc) & RST == 0
}

fn proto_ok(sig: Option<u8>, pkt: Option<u8>) -> bool {
    match (sig, pkt) {
        (None, _) => true,
        (Some(1), Some(p)) => p == 1 || p == 58,
        (Some(s), Some(p)) => s == p,
        (Some(_), None) => false,
    }
}

/// Addresses and ports, either way round for `<>` rules.
fn addrs_ok(sig: &Signature, src: IpAddr, sp: u16, dst: IpAddr, dp: u16, ported: bool) -> bool {
    // Ports first: they are cheaper than address lists (`$EXTERNAL_NET`)
    // and rule out more.
    let fwd = |a: IpAddr, ap: u16, b: IpAddr, bp: u16| {
        (!ported || (sig.sport.matches(ap) && sig.dport.matches(bp)))
            && (ported || (sig.sport.is_any() && sig.dport.is_any()))
            && sig.src.matches(a)
            && sig.dst.matches(b)
    };
    fwd(src, sp, dst, dp) || (sig.bidir && fwd(dst, dp, src, sp))
}

fn flow_ctx(info: Option<&FlowInfo<'_, '_>>, stream: bool, now: Timestamp) -> FlowCtx {
    match info {
        None => FlowCtx::default(),
        Some(f) => FlowCtx {
            has_flow: true,
            to_server: f.dir == Direction::ToServer,
            // TCP: the handshake completed, closing states included (as
            // Suricata's stream engine flags them); others: both ways seen.
            established: match f.view.tcp_state() {
                TcpState::None => f.view.state() == FlowState::Established,
                TcpState::SynSent | TcpState::SynRecv => false,
                _ => f.view.state() != FlowState::New,
            },
            stream,
            pkts: [
                f.view.pkts(Direction::ToServer),
                f.view.pkts(Direction::ToClient),
            ],
            bytes: [
                f.view.bytes(Direction::ToServer),
                f.view.bytes(Direction::ToClient),
            ],
            age_secs: now.0.saturating_sub(f.view.start().0) / 1_000_000_000,
            stream_size: [
                f.view.stream_size(Direction::ToServer),
                f.view.stream_size(Direction::ToClient),
            ],
            ..FlowCtx::default()
        },
    }
}

/// The checks every rule shares: app protocol, flow keywords, bits.
#[allow(clippy::too_many_arguments)]
fn common_ok(
    sig: &Signature,
    info: &FlowInfo<'_, '_>,
    fc: &FlowCtx,
    vars: &FlowVars,
    s: &Scratch,
    src: IpAddr,
    dst: IpAddr,
    now: Timestamp,
) -> bool {
    if let Some(p) = &sig.app_proto
        && info.app_proto != Some(p.as_str())
    {
        return false;
    }
    // PD-only rules look at the packet where a direction's protocol was
    // decided, as Suricata's do, not at every packet after it.
    if sig.pd_only && !info.apps.pd_done {
        return false;
    }
    if !sig
        .app_proto_kw
        .iter()
        .all(|k| alproto_ok(k, info.app_proto, &info.apps, info.dir))
    {
        return false;
    }
    flow_and_bits_ok(sig, fc, vars, s, src, dst, now)
}

/// [`common_ok`] for a packet without a flow: rules that need an app
/// protocol never match it.
fn common_ok_without_flow(
    sig: &Signature,
    fc: &FlowCtx,
    vars: &FlowVars,
    s: &Scratch,
    src: IpAddr,
    dst: IpAddr,
    now: Timestamp,
) -> bool {
    sig.app_proto.is_none()
        && sig.app_proto_kw.is_empty()
        && flow_and_bits_ok(sig, fc, vars, s, src, dst, now)
}

fn flow_and_bits_ok(
    sig: &Signature,
    fc: &FlowCtx,
    vars: &FlowVars,
    s: &Scratch,
    src: IpAddr,
    dst: IpAddr,
    now: Timestamp,
) -> bool {
    sig.flow.iter().all(|f| f.matches(fc))
        && sig
            .bits_cond
            .iter()
            .all(|b| b.check(vars, &s.hosts, src, dst, now))
}

/// One `app-layer-protocol` condition against the flow's protocols.
/// Unlike Suricata, a protocol not decided yet matches neither the
/// condition nor its negation: rules wait for detection to decide.
fn alproto_ok(kw: &AlprotoKw, flow: Option<&str>, apps: &Apps, dir: Direction) -> bool {
    let is = |a: Option<&str>| {
        a.map(|a| match kw.proto.as_str() {
            "unknown" => a == "failed",
            p => a == p,
        })
    };
    let [ts, tc] = apps.dirs;
    let r = match kw.mode {
        AlprotoMode::Direction => is(apps.dirs[dir.index()].or(flow)),
        AlprotoMode::ToServer => is(ts),
        AlprotoMode::ToClient => is(tc),
        AlprotoMode::Final => is(flow),
        AlprotoMode::Original => is(apps.orig),
        AlprotoMode::Either => match (is(ts), is(tc)) {
            (None, None) => None,
            (a, b) => Some(a == Some(true) || b == Some(true)),
        },
    };
    r.is_some_and(|r| r != kw.negated)
}

/// A rule matched: state changes, thresholds, the alert. Returns whether
/// inspection of the flow stops (a `pass` rule).
#[allow(clippy::too_many_arguments)]
fn matched(
    engine: &Engine,
    sig: &Signature,
    s: &mut Scratch,
    vars: &mut FlowVars,
    src: IpAddr,
    dst: IpAddr,
    flow_id: u64,
    now: Timestamp,
    per_packet: bool,
    emit: &mut dyn FnMut(&Signature, Option<serde_json::Value>),
) -> bool {
    for b in &sig.bits_act {
        b.apply(vars, &mut s.hosts, src, dst, now);
    }
    let traffic = engine.traffic_of(vars);
    if sig.action == Action::Pass {
        return true;
    }
    if sig.noalert || (per_packet && s.alerted.contains(&sig.num)) || s.alerted.len() >= s.alert_max
    {
        return false;
    }
    if !s.thresholds.check(
        sig.gid,
        sig.sid,
        sig.threshold.as_ref(),
        sig.filter.as_ref(),
        src,
        dst,
        flow_id,
        now,
    ) {
        return false;
    }
    s.alerted.push(sig.num);
    s.stats.alerts += 1;
    emit(sig, traffic);
    false
}

/// Which rules a packet meets besides its header rules.
#[derive(Clone, Copy)]
struct PacketScope {
    /// The first packet of its flow direction: IP-only rules run.
    first_of_side: bool,
    /// Its payload is inspected: not once an encrypted session's handshake
    /// is over (Suricata's `PKT_NOPAYLOAD_INSPECTION`), when neither the
    /// payload prefilter nor any rule that needs a payload runs.
    payload_inspection: bool,
}

/// Whether a packet rule needs a payload to inspect: a content-like match,
/// or a `dsize` that no empty payload meets (Suricata's
/// `SIG_MASK_REQUIRE_PAYLOAD`, which `dsize:!N` sets too).
fn requires_payload(sig: &Signature) -> bool {
    sig.payload.is_some()
        || sig.header.iter().any(
            |h| matches!(h, HeaderKw::Dsize(r) if !r.matches(0) || matches!(r, NumRange::Ne(_))),
        )
}

/// The flow's packets so far, both ways.
fn packets(flow: &FlowView<'_>) -> u64 {
    flow.pkts(Direction::ToServer) + flow.pkts(Direction::ToClient)
}

/// What a packet rule's flow and address conditions are checked against.
struct PacketConds<'a, 'f, 'v> {
    info: Option<&'a FlowInfo<'f, 'v>>,
    fc: &'a FlowCtx,
    ip_proto: Option<u8>,
    src: (IpAddr, u16),
    dst: (IpAddr, u16),
    /// The transport has ports.
    ported: bool,
    now: Timestamp,
}

impl PacketConds<'_, '_, '_> {
    /// Whether the packet meets `sig`'s protocol, addresses and ports, app
    /// protocol, flow keywords and bits: what a rule needs besides its
    /// payload and headers.
    fn met(&self, sig: &Signature, vars: &FlowVars, s: &Scratch) -> bool {
        let ((src, sp), (dst, dp)) = (self.src, self.dst);
        // The flow conditions before the addresses: a few comparisons
        // against the flow's state that rule out most rules a packet's
        // ports let through (`flow:to_client`, `stream_size`, flowbits).
        proto_ok(sig.ip_proto, self.ip_proto)
            && match self.info {
                Some(f) => common_ok(sig, f, self.fc, vars, s, src, dst, self.now),
                None => common_ok_without_flow(sig, self.fc, vars, s, src, dst, self.now),
            }
            && addrs_ok(sig, src, sp, dst, dp, self.ported)
    }
}

/// Whether the packet meets `sig`'s header keywords (`dsize`, `flags`, `ttl`, ...).
fn header_ok(sig: &Signature, pkt: &Packet<'_>) -> bool {
    sig.header.iter().all(|h| h.matches(pkt))
}

/// Packet rules against one packet. Returns whether a `pass` rule matched.
fn inspect_packet(
    engine: &Engine,
    s: &mut Scratch,
    info: Option<&FlowInfo<'_, '_>>,
    vars: &mut FlowVars,
    pkt: &Packet<'_>,
    scope: PacketScope,
    sink: &mut dyn EventSink,
) -> bool {
    let first_of_side = scope.first_of_side;
    // A packet without IP meets only the rules that need none (`pkthdr`,
    // `ip` with `any` addresses).
    let ip_proto = pkt.ip_proto();
    let group = &engine.packet[ip_proto.map_or(3, class_of)];
    next_generation(s);
    let (a, b) = pkt.ports();
    let to_server = info.is_none_or(|f| f.dir == Direction::ToServer);
    group.headers.for_ports(to_server, a, b, |pf| {
        for &i in pf.always() {
            push_cand(s, i);
        }
    });
    let (src, dst) = pkt
        .addrs()
        .unwrap_or((IpAddr::from([0u8; 4]), IpAddr::from([0u8; 4])));
    if first_of_side {
        let mut hits = std::mem::take(&mut s.hits);
        hits.clear();
        group.ip_only.candidates(src, dst, &mut hits);
        for &i in &hits {
            push_cand(s, i);
        }
        s.hits = hits;
    }
    let payload = pkt.payload;
    // TCP payload that went into the stream was inspected there; only
    // packet-only rules look at it again.
    let tcp = ip_proto == Some(6);
    // A TCP session's payload goes through the stream (now, or once the
    // gap before it fills): only the rules that want packets look at the
    // packet itself.
    let in_stream =
        tcp && (s.stream_took || info.is_some_and(|f| f.view.tcp_state() != TcpState::None));
    let (sp, dp) = pkt.ports();
    let ported = matches!(pkt.l4, L4::Tcp(_) | L4::Udp { .. } | L4::Sctp { .. });
    let fc = FlowCtx {
        frag: pkt.rebuilt,
        ..flow_ctx(info, false, pkt.ts)
    };
    let cond = PacketConds {
        info,
        fc: &fc,
        ip_proto,
        src: (src, sp),
        dst: (dst, dp),
        ported,
        now: pkt.ts,
    };
    if !payload.is_empty() && scope.payload_inspection {
        let mut scan = |pf: &PortedPrefilter| {
            pf.for_ports(to_server, a, b, |pf| {
                // A set of a few rules none of which the packet can meet
                // whatever its payload holds is not scanned.
                if let Some(few) = pf.few()
                    && !few.iter().any(|&i| {
                        engine
                            .sigs
                            .get(i as usize)
                            .is_some_and(|sig| cond.met(sig, vars, s) && header_ok(sig, pkt))
                    })
                {
                    return;
                }
                for &i in pf.always() {
                    push_cand(s, i);
                }
                prefilter(s, pf, payload);
            })
        };
        if !in_stream {
            scan(&group.payload);
        } else {
            scan(if payload.len() as u64 <= group.packet_only_max {
                &group.packet_only
            } else {
                &group.packet_only_unbounded
            });
        }
    }
    let mut cands = std::mem::take(&mut s.cands);
    cands.sort_unstable();
    let stream_took = in_stream;
    let mut passed = false;
    let app = info.and_then(|f| f.app_proto);
    // The packet's event names, gathered when a candidate first asks
    // (most packets meet no `decode-event`/`stream-event` rule).
    let mut names: Option<Vec<&str>> = None;
    // Alerts go out once every rule has run, each with the flow's
    // variables as they are then (Suricata logs after detection).
    let mut alerts = Vec::new();
    for &i in &cands {
        let Some(sig) = engine.sigs.get(i as usize) else {
            continue;
        };
        s.stats.inspected += 1;
        if sig.ip_only && !first_of_side {
            continue;
        }
        if !scope.payload_inspection && requires_payload(sig) {
            continue;
        }
        if sig.payload.is_some() && tcp && (sig.stream_only || (stream_took && !sig.needs_packet)) {
            continue;
        }
        if !cond.met(sig, vars, s) {
            continue;
        }
        if let Some(v) = sig.ip_version {
            let is = match pkt.l3 {
                L3::Ipv4(_) => 4,
                L3::Ipv6(_) => 6,
                L3::None => 0,
            };
            if is != v {
                continue;
            }
        }
        if !sig.buffers.iter().all(|b| {
            b.hdr
                .and_then(|h| header_bytes(pkt, h))
                .is_some_and(|bytes| b.matcher.inspect(bytes, &mut s.env))
        }) {
            continue;
        }
        if !header_ok(sig, pkt) {
            continue;
        }
        if !sig.events.is_empty() {
            let names = names.get_or_insert_with(|| {
                pkt.decode_events()
                    .iter()
                    .map(|e| e.eve_name())
                    .chain(s.stream_events.iter().copied())
                    .collect()
            });
            if !sig.events.iter().all(|e| e.matches(names)) {
                continue;
            }
        }
        if !sig.app_events.iter().all(|ev| {
            s.app_events.iter().any(|(p, n)| {
                n.eq_ignore_ascii_case(&ev.name) && ev.proto.as_deref().is_none_or(|q| q == *p)
            })
        }) {
            continue;
        }
        if let Some(m) = &sig.payload
            && !m.inspect(payload, &mut s.env)
        {
            continue;
        }
        let flow_id = info.map_or(0, |f| f.view.flow_id());
        let tx_log = if sig.app_events.is_empty() {
            None
        } else {
            // Cloned: `matched` below needs the scratch mutably.
            s.event_tx.clone()
        };
        let mut emit = |sig: &Signature, traffic: Option<serde_json::Value>| {
            let event = alert::packet_alert(sig, pkt, info.map(|f| (f.view, app, f.dir)));
            alerts.push(alert::with_traffic(
                alert::with_tx_log(event, tx_log.as_ref()),
                traffic,
            ));
        };
        if matched(
            engine, sig, s, vars, src, dst, flow_id, pkt.ts, true, &mut emit,
        ) {
            passed = true;
            break;
        }
    }
    s.cands = cands;
    emit_alerts(engine, s, vars, alerts, sink);
    passed
}

/// Raw-stream rules against the first `n` held bytes of direction `dir`,
/// which are then dropped.
fn inspect_raw(
    engine: &Engine,
    s: &mut Scratch,
    st: &mut DetectFlow,
    view: &FlowView<'_>,
    dir: Direction,
    n: usize,
    sink: &mut dyn EventSink,
) {
    if n == 0 {
        return;
    }
    let DetectFlow {
        app,
        vars,
        passed,
        encrypted_at,
        raw,
        ..
    } = st;
    let raw = &mut raw[dir.index()];
    if !*passed && encrypted_at.is_none() {
        let info = FlowInfo {
            view,
            dir,
            app_proto: app_name(app),
            apps: Apps::of(app, false),
        };
        let (data, start) = raw.head(n);
        inspect_payload(engine, s, &info, vars, passed, data, start, sink);
    }
    raw.consume(n);
}

/// Payload rules of TCP against a chunk of reassembled stream.
#[allow(clippy::too_many_arguments)]
fn inspect_payload(
    engine: &Engine,
    s: &mut Scratch,
    info: &FlowInfo<'_, '_>,
    vars: &mut FlowVars,
    passed: &mut bool,
    data: &[u8],
    stream_start: u64,
    sink: &mut dyn EventSink,
) {
    let group = &engine.packet[0];
    next_generation(s);
    group.payload.for_ports(
        info.dir == Direction::ToServer,
        info.view.client().1,
        info.view.server().1,
        |pf| {
            for &i in pf.always() {
                push_cand(s, i);
            }
            prefilter(s, pf, data);
        },
    );
    let mut cands = std::mem::take(&mut s.cands);
    cands.sort_unstable();
    let (c, cp) = info.view.client();
    let (sv, svp) = info.view.server();
    let ((src, sp), (dst, dp)) = match info.dir {
        Direction::ToServer => ((c, cp), (sv, svp)),
        Direction::ToClient => ((sv, svp), (c, cp)),
    };
    let now = info.view.last();
    let fc = flow_ctx(Some(info), true, now);
    let mut alerts = Vec::new();
    for &i in &cands {
        let Some(sig) = engine.sigs.get(i as usize) else {
            continue;
        };
        s.stats.inspected += 1;
        if sig.needs_packet
            || !sig.header.is_empty()
            || !sig.events.is_empty()
            || !sig.app_events.is_empty()
        {
            continue;
        }
        if !proto_ok(sig.ip_proto, Some(6)) || !addrs_ok(sig, src, sp, dst, dp, true) {
            continue;
        }
        if !common_ok(sig, info, &fc, vars, s, src, dst, now) {
            continue;
        }
        let Some(m) = &sig.payload else { continue };
        if !m.inspect_stream(data, stream_start, &mut s.env) {
            continue;
        }
        let mut emit = |sig: &Signature, traffic: Option<serde_json::Value>| {
            alerts.push(alert::with_traffic(
                alert::flow_alert(sig, info.view, info.dir, info.app_proto),
                traffic,
            ));
        };
        if matched(
            engine,
            sig,
            s,
            vars,
            src,
            dst,
            info.view.flow_id(),
            now,
            true,
            &mut emit,
        ) {
            *passed = true;
            break;
        }
    }
    s.cands = cands;
    emit_alerts(engine, s, vars, alerts, sink);
}

/// Writes an inspection's packet or stream alerts, once every rule has
/// run, each with the flow's `metadata` as the rules left it.
fn emit_alerts(
    engine: &Engine,
    s: &mut Scratch,
    vars: &mut FlowVars,
    alerts: Vec<taishi_core::event::Event>,
    sink: &mut dyn EventSink,
) {
    let metadata = flow_metadata(engine, s, vars, !alerts.is_empty());
    for a in alerts {
        sink.emit(alert::with_metadata(a, metadata.as_ref()));
    }
}

/// Keeps the values `entropy` keywords computed on the flow, and builds
/// the flow's EVE `metadata` when there are alerts to carry it.
#[inline]
fn flow_metadata(
    engine: &Engine,
    s: &mut Scratch,
    vars: &mut FlowVars,
    alerts: bool,
) -> Option<serde_json::Value> {
    // Called after every inspection; nearly all compute no entropy and
    // raise no alert.
    if !alerts && !s.env.has_entropy() {
        return None;
    }
    for (name, h) in s.env.take_entropy() {
        vars.set_float(name, h);
    }
    if alerts {
        engine.metadata_of(vars)
    } else {
        None
    }
}

/// Transaction rules of the transaction's protocol.
#[allow(clippy::too_many_arguments)]
fn inspect_tx(
    engine: &Engine,
    s: &mut Scratch,
    vars: &mut FlowVars,
    passed: &mut bool,
    data: &[u8],
    ctx: &mut ParseCtx<'_, '_>,
    tx: &dyn Transaction,
    part: TxPart,
) {
    // The protocol's rules (with those of buffers any protocol may offer,
    // `file.data`, `file.name`), else those alone, grouped under "".
    let Some(group) = engine.tx.get(ctx.proto).or_else(|| engine.tx.get("")) else {
        return;
    };
    next_generation(s);
    for &i in &group.always {
        push_cand(s, i);
    }
    for entry in group.by_buffer.iter().filter(|e| e.inspected_with(part)) {
        let pf = &entry.pf;
        if let [buf] = entry.bufs.as_slice() {
            tx.buffers(*buf, &mut |v| prefilter(s, pf, v));
            continue;
        }
        // Buffers that usually hold the same bytes: each distinct value
        // once (address and length; see SAME_BYTES).
        let mut seen = [(0usize, 0usize); 4];
        let mut n = 0;
        for buf in &entry.bufs {
            tx.buffers(*buf, &mut |v| {
                let key = (v.as_ptr() as usize, v.len());
                if seen[..n].contains(&key) {
                    return;
                }
                if let Some(slot) = seen.get_mut(n) {
                    *slot = key;
                    n += 1;
                }
                prefilter(s, pf, v);
            });
        }
    }
    let mut cands = std::mem::take(&mut s.cands);
    cands.sort_unstable();
    let view = ctx.flow;
    let (mut c, mut sv) = (view.client(), view.server());
    if ctx.is_reversed() {
        std::mem::swap(&mut c, &mut sv);
    }
    let now = view.last();
    let mut alerts = Vec::new();
    for &i in &cands {
        let Some(sig) = engine.sigs.get(i as usize) else {
            continue;
        };
        s.stats.inspected += 1;
        // The sides the rule can look at: its flow keyword's, else every
        // side all its buffers exist on. Each side is inspected once: the
        // request when it completes (or with the whole transaction), the
        // response with the rest.
        let can = |srv: bool| {
            sig.may_see(srv)
                && sig.buffers.iter().all(|b| {
                    if srv {
                        b.def.to_server.is_some()
                    } else {
                        b.def.to_client.is_some()
                    }
                })
                && sig
                    .app_kws
                    .iter()
                    .all(|k| k.direction().is_none_or(|d| d == srv))
        };
        if sig.transactional {
            // Both sides at once, so only when the response is there too.
            if part != TxPart::Request
                && tx_matches(sig, s, vars, data, ctx, tx, None, (c, sv), now)
            {
                store_files(sig, tx);
                let mut emit = |sig: &Signature, traffic: Option<serde_json::Value>| {
                    alerts.push(tx_alert(ctx, sig, tx, Direction::ToServer, traffic));
                };
                if matched(
                    engine,
                    sig,
                    s,
                    vars,
                    c.0,
                    sv.0,
                    view.flow_id(),
                    now,
                    false,
                    &mut emit,
                ) {
                    *passed = true;
                    break;
                }
            }
            continue;
        }
        let sides: &[bool] = match part {
            TxPart::Request => &[true],
            TxPart::Response => &[false],
            TxPart::Whole => &[true, false],
        };
        for &to_server in sides {
            if !can(to_server) {
                continue;
            }
            if tx_matches(sig, s, vars, data, ctx, tx, Some(to_server), (c, sv), now) {
                store_files(sig, tx);
                let dir = if to_server {
                    Direction::ToServer
                } else {
                    Direction::ToClient
                };
                let (src, dst) = if to_server { (c.0, sv.0) } else { (sv.0, c.0) };
                let mut emit = |sig: &Signature, traffic: Option<serde_json::Value>| {
                    alerts.push(tx_alert(ctx, sig, tx, dir, traffic));
                };
                if matched(
                    engine,
                    sig,
                    s,
                    vars,
                    src,
                    dst,
                    view.flow_id(),
                    now,
                    false,
                    &mut emit,
                ) {
                    *passed = true;
                    break;
                }
            }
        }
        if *passed {
            break;
        }
    }
    s.cands = cands;
    let metadata = flow_metadata(engine, s, vars, !alerts.is_empty());
    for (mut body, dir) in alerts {
        if let Some(m) = &metadata {
            body.insert("metadata".into(), m.clone());
        }
        ctx.emit("alert", Some(dir), body);
    }
}

/// A matching `filestore` rule keeps the transaction's files, whether or
/// not it alerts (`noalert`, thresholds), as Suricata's post-match does.
fn store_files(sig: &Signature, tx: &dyn Transaction) {
    if sig.app_kws.iter().any(|k| k.stores()) {
        tx.store_files();
    }
}

/// Whether a transaction rule matches one side of a transaction
/// (`Some(to_server)`), or, for a `=>` rule (`None`), the whole of it:
/// addresses client to server, each buffer on whichever side holds it.
#[allow(clippy::too_many_arguments)]
fn tx_matches(
    sig: &Signature,
    s: &mut Scratch,
    vars: &FlowVars,
    data: &[u8],
    ctx: &ParseCtx<'_, '_>,
    tx: &dyn Transaction,
    side: Option<bool>,
    (c, sv): ((IpAddr, u16), (IpAddr, u16)),
    now: Timestamp,
) -> bool {
    let to_server = side.unwrap_or(true);
    let ((src, sp), (dst, dp)) = if to_server { (c, sv) } else { (sv, c) };
    if !addrs_ok(sig, src, sp, dst, dp, true) {
        return false;
    }
    let info = FlowInfo {
        view: ctx.flow,
        dir: if to_server {
            Direction::ToServer
        } else {
            Direction::ToClient
        },
        app_proto: Some(ctx.proto),
        apps: Apps::both(ctx.proto),
    };
    let fc = flow_ctx(Some(&info), true, now);
    if !common_ok(sig, &info, &fc, vars, s, src, dst, now) {
        return false;
    }
    if let Some(m) = &sig.payload
        && !m.inspect(data, &mut s.env)
    {
        return false;
    }
    if !sig.app_kws.iter().all(|k| k.matches_dir(tx, side)) {
        return false;
    }
    let env = &mut s.env;
    sig.buffers.iter().all(|b| {
        let bufs = match side {
            Some(true) => [b.def.to_server, None],
            Some(false) => [b.def.to_client, None],
            None => [b.def.to_server, b.def.to_client],
        };
        let (mut any, mut seen) = (false, false);
        for buf in bufs.into_iter().flatten() {
            tx.buffers(buf, &mut |v| {
                seen = true;
                if !any && b.matches(v, env) {
                    any = true;
                }
            });
        }
        // `absent`: the buffer not being there is what matches.
        if seen {
            any
        } else {
            b.matcher.matches_absent()
        }
    })
}

/// The alert of a transaction rule and its direction, to be written
/// through the parser context, so it carries the flow's header the
/// transaction's own record has.
fn tx_alert(
    ctx: &ParseCtx<'_, '_>,
    sig: &Signature,
    tx: &dyn Transaction,
    dir: Direction,
    traffic: Option<serde_json::Value>,
) -> (serde_json::Map<String, serde_json::Value>, Direction) {
    let mut body = alert::tx_alert_body(sig, ctx.flow, tx, dir);
    if let Some(t) = traffic {
        body.insert("traffic".into(), t);
    }
    (body, dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kw(negated: bool, proto: &str, mode: AlprotoMode) -> AlprotoKw {
        AlprotoKw {
            negated,
            proto: proto.into(),
            mode,
        }
    }

    #[test]
    fn alproto_modes_read_the_protocol_they_name() {
        // An HTTP client answered by SSH; the flow is HTTP.
        let apps = Apps {
            dirs: [Some("http"), Some("ssh")],
            orig: None,
            pd_done: false,
        };
        let ok = |k: &AlprotoKw, dir| alproto_ok(k, Some("http"), &apps, dir);
        let (ts, tc) = (Direction::ToServer, Direction::ToClient);
        use AlprotoMode::{Either, Final, Original, ToClient, ToServer};
        let dirm = AlprotoMode::Direction;
        assert!(ok(&kw(false, "ssh", dirm), tc));
        assert!(!ok(&kw(false, "ssh", dirm), ts));
        assert!(ok(&kw(false, "http", ToServer), tc));
        assert!(ok(&kw(false, "ssh", ToClient), ts));
        assert!(ok(&kw(false, "ssh", Either), ts));
        assert!(ok(&kw(false, "http", Final), tc));
        assert!(ok(&kw(true, "ssh", Final), tc));
        // Nothing decided: neither the condition nor its negation.
        assert!(!ok(&kw(false, "http", Original), ts));
        assert!(!ok(&kw(true, "http", Original), ts));
        let none = Apps::default();
        assert!(!alproto_ok(&kw(true, "tls", Either), None, &none, ts));
        assert!(!alproto_ok(&kw(true, "tls", dirm), None, &none, ts));
    }
}
