//! [`ProtoLayer`]: the protocol stage as the flow stage sees it.

use taishi_core::StatsSource;
use taishi_core::event::{AppProtos, EventSink};
use taishi_flow::{AppLayer, Direction, FlowView};

use crate::config::{Mode, ProtoConfig};
use crate::detection::{self, DETECT_BUFFER, Verdict};
use crate::expect::Expectations;
use crate::ftpdata::state::FtpDataState;
use crate::parser::{AppParser, ParseCtx, TxHook};
use crate::registry::{PROTOCOLS, Transport};
use crate::stats::ProtoStats;

/// Per-flow state of the protocol stage.
#[derive(Default)]
pub struct FlowApp {
    phase: Phase,
    /// Bytes held per direction while detecting (TCP only).
    pending: [Vec<u8>; 2],
    /// Direction whose bytes came first, for replay order.
    first: Option<Direction>,
    /// Protocols refused per direction (a bit per registry index).
    excluded: [u32; 2],
    /// Some payload was seen.
    had_data: bool,
    /// Detection found the flow backwards; the flow stage takes this.
    reverse: bool,
    /// Per direction: its first bytes were probed (or decided detection),
    /// so the check that both directions speak one protocol is done.
    probed: [bool; 2],
    /// Per direction: another protocol than the flow's was found there
    /// (registry index), for the flow record's `app_proto_ts`/`_tc`.
    other: [Option<usize>; 2],
    /// The protocol the flow had before its parser handed it back for
    /// detection (HTTP before a CONNECT tunnel's TLS).
    orig: Option<usize>,
}

impl FlowApp {
    /// The protocol detected on the flow, once known.
    pub fn app_proto(&self) -> Option<&'static str> {
        match self.phase {
            Phase::Active { idx, .. } => PROTOCOLS.get(idx).map(|d| d.name),
            _ => None,
        }
    }

    /// Whether detection gave up on the flow (`app_proto: failed`).
    pub fn failed(&self) -> bool {
        matches!(self.phase, Phase::Failed)
    }

    /// The protocol of direction `d` (Suricata's `alproto_ts` /
    /// `alproto_tc`): another one found there when the directions
    /// disagree, else the flow's once that direction's bytes were looked
    /// at (or at once where detection does not look at each direction, as
    /// for UDP); `failed` when detection gave up; `None` before.
    pub fn dir_proto(&self, d: Direction) -> Option<&'static str> {
        if let Some(p) = self.other[d.index()].and_then(|i| PROTOCOLS.get(i)) {
            return Some(p.name);
        }
        if !self.probed[d.index()] && self.probed != [false; 2] {
            return None;
        }
        if self.failed() {
            Some("failed")
        } else {
            self.app_proto()
        }
    }

    /// Protocols for the flow record beside `app_proto`: the one found in
    /// a direction that disagreed with the flow's (Suricata logs
    /// `app_proto_tc: ssh` for an HTTP client answered by SSH).
    pub fn app_protos(&self) -> AppProtos {
        let name =
            |d: Direction| self.other[d.index()].and_then(|i| PROTOCOLS.get(i).map(|p| p.name));
        let current = match self.phase {
            Phase::Active { idx, .. } => Some(idx),
            _ => None,
        };
        AppProtos {
            app_proto_ts: name(Direction::ToServer),
            app_proto_tc: name(Direction::ToClient),
            app_proto_orig: self
                .orig
                .filter(|&o| Some(o) != current)
                .and_then(|o| PROTOCOLS.get(o).map(|p| p.name)),
        }
    }
}

#[derive(Default)]
enum Phase {
    #[default]
    Detecting,
    /// Detected; parsed unless detection-only.
    Active {
        idx: usize,
        parser: Option<Box<dyn AppParser>>,
    },
    /// No protocol matched (`app_proto: failed`).
    Failed,
}

/// The protocol stage: detection, then the detected protocol's parser.
pub struct ProtoLayer {
    config: ProtoConfig,
    stats: ProtoStats,
    /// Flows control channels announced (FTP data channels).
    expectations: Expectations,
    /// Whether any protocol is enabled over TCP (and SCTP), and over UDP:
    /// with none (`app-layer.enabled: no`), detection gives up at once
    /// instead of holding bytes for probes that all decline.
    any_enabled: [bool; 2],
}

impl ProtoLayer {
    /// A protocol stage with these settings.
    pub fn new(config: ProtoConfig) -> ProtoLayer {
        let on = |modes: &[Mode], udp: bool| {
            PROTOCOLS.iter().zip(modes).any(|(d, m)| {
                let carried = match d.transport {
                    Transport::Tcp => !udp,
                    Transport::Udp => udp,
                    Transport::Both => true,
                };
                carried && *m != Mode::Off
            })
        };
        let any_enabled = [on(&config.tcp_mode, false), on(&config.udp_mode, true)];
        ProtoLayer {
            config,
            stats: ProtoStats::default(),
            expectations: Expectations::default(),
            any_enabled,
        }
    }

    /// Counters.
    pub fn stats(&self) -> &ProtoStats {
        &self.stats
    }

    #[allow(clippy::too_many_arguments)] // the flow's context, as `data` has it
    fn activate(
        &mut self,
        st: &mut FlowApp,
        idx: usize,
        made: Option<Box<dyn AppParser>>,
        flow: &FlowView<'_>,
        sink: &mut dyn EventSink,
        mut hook: Option<&mut dyn TxHook>,
    ) {
        let udp = flow.proto() == 17;
        self.stats.flows[idx] += 1;
        let mode = if udp {
            self.config.udp_mode[idx]
        } else {
            self.config.tcp_mode[idx]
        };
        let parser = (mode == Mode::On)
            .then(|| made.unwrap_or_else(|| (PROTOCOLS[idx].new_parser)(&self.config, udp)));
        st.phase = Phase::Active { idx, parser };
        // Replay what was held, oldest direction first.
        let first = st.first.unwrap_or(Direction::ToServer);
        for dir in [first, first.reverse()] {
            let held = std::mem::take(&mut st.pending[dir.index()]);
            if !held.is_empty() {
                self.check_other_direction(st, flow, dir, &held, sink, reborrow(&mut hook));
                self.feed(st, flow, dir, &held, sink, reborrow(&mut hook));
            }
        }
    }

    fn feed(
        &mut self,
        st: &mut FlowApp,
        flow: &FlowView<'_>,
        dir: Direction,
        data: &[u8],
        sink: &mut dyn EventSink,
        hook: Option<&mut dyn TxHook>,
    ) {
        let mut hook = hook;
        let mut changed = None;
        if let Phase::Active {
            idx,
            parser: Some(p),
        } = &mut st.phase
        {
            // Until the flow stage swaps the flow's ends (right after this
            // call), a reversed flow's directions are read the other way.
            let dir = if st.reverse { dir.reverse() } else { dir };
            let mut ctx = ParseCtx::new(flow, &self.config, *idx, &mut self.stats, sink)
                .parsing(dir)
                .reversed(st.reverse)
                .with_expectations(&mut self.expectations)
                .with_hook(shorten(reborrow(&mut hook)));
            p.parse(&mut ctx, dir, data);
            changed = ctx.take_change().map(|held| (*idx, held));
        }
        if let Some((orig, held)) = changed {
            self.restart(st, flow, orig, &held, sink, hook);
        }
    }

    /// The parser handed the flow back (Suricata's protocol change, as
    /// after CONNECT): detection starts again with `held`, the client's
    /// first bytes under the new protocol, and what follows in either
    /// direction.
    fn restart(
        &mut self,
        st: &mut FlowApp,
        flow: &FlowView<'_>,
        orig: usize,
        held: &[u8],
        sink: &mut dyn EventSink,
        hook: Option<&mut dyn TxHook>,
    ) {
        st.orig = Some(orig);
        st.phase = Phase::Detecting;
        st.pending = Default::default();
        // Set, so that no announced data channel is looked up for a flow
        // that is long open.
        st.first = Some(Direction::ToServer);
        st.excluded = [0; 2];
        st.probed = [false; 2];
        self.data(st, flow, Direction::ToServer, held, sink, hook);
    }
}

impl ProtoLayer {
    /// [`AppLayer::on_data`], with completed transactions also handed to
    /// `hook` (the rule engine).
    pub fn data(
        &mut self,
        st: &mut FlowApp,
        flow: &FlowView<'_>,
        dir: Direction,
        data: &[u8],
        sink: &mut dyn EventSink,
        hook: Option<&mut dyn TxHook>,
    ) {
        // Only TCP, UDP and SCTP carry application protocols; an ICMP
        // flow's payload is not one, and its flow has no `app_proto`.
        if data.is_empty() || !matches!(flow.proto(), 6 | 17 | 132) {
            return;
        }
        st.had_data = true;
        match st.phase {
            Phase::Active { .. } => {
                let mut hook = hook;
                self.check_other_direction(st, flow, dir, data, sink, reborrow(&mut hook));
                return self.feed(st, flow, dir, data, sink, hook);
            }
            Phase::Failed => return,
            Phase::Detecting => {}
        }
        let udp = flow.proto() == 17;
        if st.first.is_none()
            && !udp
            && let Some(transfer) = self.expectations.take(flow.client().0, flow.server())
            && let Some(idx) = crate::registry::index_of(crate::ftpdata::DEF.name)
            && self.config.tcp_mode[idx] != Mode::Off
        {
            // An announced data channel: its control channel said what it
            // is, content cannot.
            let parser = Box::new(FtpDataState::new(transfer));
            // File bytes are no protocol to check against.
            st.probed = [true; 2];
            let mut hook = hook;
            self.activate(st, idx, Some(parser), flow, sink, reborrow(&mut hook));
            return self.feed(st, flow, dir, data, sink, hook);
        }
        st.first.get_or_insert(dir);
        let d = dir.index();
        if !self.any_enabled[usize::from(udp)] {
            // As when every probe declines, without holding the bytes.
            if udp {
                self.fail(st, true);
            } else {
                st.excluded[d] = u32::MAX;
                if st.excluded[dir.reverse().index()] == u32::MAX {
                    self.fail(st, false);
                }
            }
            return;
        }
        let server_port = flow.server().1;
        let to_port = match dir {
            Direction::ToServer => server_port,
            Direction::ToClient => flow.client().1,
        };
        // TCP bytes of this chunk that did not fit the detection buffer:
        // handed to the parser after the held ones once a probe decides.
        let mut rest: &[u8] = &[];
        let verdict = if udp {
            detection::probe(
                &self.config,
                true,
                server_port,
                to_port,
                dir,
                data,
                &mut st.excluded[d],
            )
        } else {
            let held = &mut st.pending[d];
            let room = DETECT_BUFFER.saturating_sub(held.len());
            let (head, tail) = data.split_at(data.len().min(room));
            held.extend_from_slice(head);
            rest = tail;
            detection::probe(
                &self.config,
                false,
                server_port,
                to_port,
                dir,
                held,
                &mut st.excluded[d],
            )
        };
        match verdict {
            Verdict::Found(idx, reversed) => {
                st.reverse = reversed;
                // Kept in the flow's orientation after a reversal.
                let decided = if reversed { dir.reverse() } else { dir };
                st.probed[decided.index()] = true;
                if udp {
                    let mut hook = hook;
                    self.activate(st, idx, None, flow, sink, reborrow(&mut hook));
                    self.feed(st, flow, dir, data, sink, hook);
                } else {
                    let mut hook = hook;
                    self.activate(st, idx, None, flow, sink, reborrow(&mut hook));
                    // A segment larger than the buffer (loopback captures
                    // carry 16 KiB and more) goes on where the held part
                    // stopped, so the parser sees the whole of it.
                    if !rest.is_empty() {
                        self.feed(st, flow, dir, rest, sink, hook);
                    }
                }
            }
            Verdict::Wait if !udp && st.pending[d].len() < DETECT_BUFFER => {}
            Verdict::Wait | Verdict::None if udp => self.fail(st, true),
            Verdict::Wait | Verdict::None => {
                // This direction cannot decide (no protocol takes it, or it
                // held too much without a verdict). Its bytes stay held for
                // replay: a server banner that no probe can place alone
                // (FTP and SMTP both greet with "220 ") is decided by the
                // client's first bytes. Both directions exhausted: unknown.
                st.excluded[d] = u32::MAX;
                if st.excluded[dir.reverse().index()] == u32::MAX {
                    self.fail(st, false);
                }
            }
        }
    }

    /// [`AppLayer::on_gap`] with a hook.
    pub fn gap(
        &mut self,
        st: &mut FlowApp,
        flow: &FlowView<'_>,
        dir: Direction,
        len: u64,
        sink: &mut dyn EventSink,
        hook: Option<&mut dyn TxHook>,
    ) {
        match &mut st.phase {
            Phase::Active {
                idx,
                parser: Some(p),
            } => {
                let mut ctx = ParseCtx::new(flow, &self.config, *idx, &mut self.stats, sink)
                    .parsing(dir)
                    .with_hook(shorten(hook));
                p.gap(&mut ctx, dir, len);
            }
            Phase::Detecting => self.fail(st, flow.proto() == 17),
            _ => {}
        }
    }

    /// The TCP session closed (both FINs acknowledged): the parser is told
    /// the streams ended, as Suricata's app layer gets `STREAM_EOF` once
    /// the session reaches `TCP_CLOSED`, so a body delimited by the close
    /// completes and every pending transaction is logged and inspected now
    /// rather than when the flow times out. The parser is then dropped:
    /// a closed session sends nothing more, and a flow record can wait
    /// minutes for its timeout while holding the parser's buffers.
    pub fn close(
        &mut self,
        st: &mut FlowApp,
        flow: &FlowView<'_>,
        sink: &mut dyn EventSink,
        hook: Option<&mut dyn TxHook>,
    ) {
        if let Phase::Active { idx, parser } = &mut st.phase
            && let Some(mut p) = parser.take()
        {
            let mut ctx = ParseCtx::new(flow, &self.config, *idx, &mut self.stats, sink)
                .with_hook(shorten(hook));
            p.finish(&mut ctx);
        }
    }

    /// [`AppLayer::on_end`] with a hook.
    pub fn end(
        &mut self,
        st: &mut FlowApp,
        flow: &FlowView<'_>,
        sink: &mut dyn EventSink,
        hook: Option<&mut dyn TxHook>,
    ) -> Option<&'static str> {
        match &mut st.phase {
            Phase::Active { idx, parser } => {
                let idx = *idx;
                if let Some(p) = parser {
                    let mut ctx = ParseCtx::new(flow, &self.config, idx, &mut self.stats, sink)
                        .with_hook(shorten(hook));
                    p.finish(&mut ctx);
                }
                Some(PROTOCOLS[idx].name)
            }
            Phase::Failed => Some("failed"),
            Phase::Detecting if st.had_data && flow.proto() == 6 => {
                self.stats.failed_tcp += 1;
                Some("failed")
            }
            Phase::Detecting => None,
        }
    }
}

impl AppLayer for ProtoLayer {
    type State = FlowApp;

    fn on_data(
        &mut self,
        st: &mut FlowApp,
        flow: &FlowView<'_>,
        dir: Direction,
        data: &[u8],
        sink: &mut dyn EventSink,
    ) {
        self.data(st, flow, dir, data, sink, None);
    }

    fn take_reverse(&mut self, st: &mut FlowApp) -> bool {
        std::mem::take(&mut st.reverse)
    }

    fn app_protos(&self, st: &FlowApp) -> AppProtos {
        st.app_protos()
    }

    fn on_gap(
        &mut self,
        st: &mut FlowApp,
        flow: &FlowView<'_>,
        dir: Direction,
        len: u64,
        sink: &mut dyn EventSink,
    ) {
        self.gap(st, flow, dir, len, sink, None);
    }

    fn on_end(
        &mut self,
        st: &mut FlowApp,
        flow: &FlowView<'_>,
        sink: &mut dyn EventSink,
    ) -> Option<&'static str> {
        self.end(st, flow, sink, None)
    }
}

/// A shorter reborrow of an optional hook, so it can be lent again later.
fn reborrow<'s>(hook: &'s mut Option<&mut dyn TxHook>) -> Option<&'s mut dyn TxHook> {
    match hook {
        Some(h) => Some(&mut **h),
        None => None,
    }
}

/// The same hook with its trait-object lifetime shortened to the borrow's,
/// as a `ParseCtx` needs (`&mut` is invariant, so `Option` cannot coerce).
fn shorten<'o, 's: 'o, 'l: 's>(
    hook: Option<&'s mut (dyn TxHook + 'l)>,
) -> Option<&'o mut (dyn TxHook + 'o)> {
    match hook {
        Some(h) => Some(h),
        None => None,
    }
}

impl ProtoLayer {
    /// The first bytes of the direction that did not decide detection are
    /// probed too, as Suricata detects each direction: another protocol
    /// there is `APPLAYER_MISMATCH_PROTOCOL_BOTH_DIRECTIONS` (an HTTP
    /// client talking to an SSH server, say). The flow keeps the protocol
    /// found first; bytes no probe recognises are no mismatch.
    fn check_other_direction(
        &mut self,
        st: &mut FlowApp,
        flow: &FlowView<'_>,
        dir: Direction,
        data: &[u8],
        sink: &mut dyn EventSink,
        hook: Option<&mut dyn TxHook>,
    ) {
        let Phase::Active { idx, .. } = st.phase else {
            return;
        };
        // Replayed bytes arrive in the flow's directions before the flow
        // stage swaps a reversed flow's ends.
        let dir = if st.reverse { dir.reverse() } else { dir };
        if flow.proto() != 6 || std::mem::replace(&mut st.probed[dir.index()], true) {
            return;
        }
        let mut excluded = 0;
        let other = match detection::probe(
            &self.config,
            false,
            flow.server().1,
            match dir {
                Direction::ToServer => flow.server().1,
                Direction::ToClient => flow.client().1,
            },
            dir,
            data,
            &mut excluded,
        ) {
            Verdict::Found(other, _) => other,
            _ => return,
        };
        if other != idx && PROTOCOLS.get(other).is_some() {
            let mut ctx = ParseCtx::new(flow, &self.config, idx, &mut self.stats, sink)
                .parsing(dir)
                .reversed(st.reverse)
                .with_hook(shorten(hook));
            ctx.detect_anomaly("APPLAYER_MISMATCH_PROTOCOL_BOTH_DIRECTIONS");
            st.other[dir.index()] = Some(other);
        }
    }

    fn fail(&mut self, st: &mut FlowApp, udp: bool) {
        st.phase = Phase::Failed;
        st.pending = Default::default();
        if udp {
            self.stats.failed_udp += 1;
        } else {
            self.stats.failed_tcp += 1;
        }
    }
}

impl StatsSource for ProtoLayer {
    fn report(&self, add: &mut dyn FnMut(&'static str, u64)) {
        self.stats.report(add);
    }
}
