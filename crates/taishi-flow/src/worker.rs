//! The per-worker flow table.
//!
//! # Layout
//!
//! Flows live in a slab (fixed-size chunks of slots that never move,
//! freed slots reused; see [`crate::slab`]) and a
//! `hashbrown::HashTable` maps a key's hash to a slot index, so a lookup is
//! one hash, one probe and one key compare, and a new flow allocates only
//! when the slab grows. The table's hasher is foldhash with a per-worker
//! random seed: fast on 40-byte keys, and a remote peer cannot aim
//! collisions at it. Flow ids use a fixed seed instead, so they are equal
//! across runs.
//!
//! # Timeouts
//!
//! Every flow sits in one of twelve intrusive lists, one per (protocol
//! class, flow state); each list has a single timeout, so ordering a list by
//! when its flows were last touched also orders it by expiry.
//! [`FlowWorker::handle_timeouts`] pops list heads while they are expired
//! and stops at the first that is not: its cost is the number of flows
//! that end, plus twelve. A flow is moved to its list's tail at most once
//! per second of packet time (when the second changes), so a busy flow
//! costs no list work per packet.
//!
//! # Memory
//!
//! `flow.memcap` bounds the slab: each flow is charged its slot size (key,
//! counters, TCP session, app state) plus its hash-table entry. When a new
//! flow would pass it, the flow idle the longest (the oldest list head) is
//! ended with reason `forced` and counted in `flow.memcap_evictions`.
//! Reassembly buffers are bounded by `stream.reassembly.memcap` (see
//! [`crate::tcp::reassembly`]).
//!
//! # Bytes
//!
//! `bytes_toserver`/`bytes_toclient` count what Suricata counts: the whole
//! captured frame for a plain packet; for a packet carried in a tunnel, the
//! inner packet (its IP length, plus 14 bytes of inner Ethernet header for
//! VXLAN, Geneve and ERSPAN, whose payload is an Ethernet frame). Each UDP
//! tunnel layer (VXLAN, Geneve, GTP-U, Teredo, GRE-in-UDP) is also a flow of
//! its own, counting the outer frame, because Suricata, Zeek and tshark all
//! show that outer conversation.

use std::borrow::Cow;

use hashbrown::HashTable;
use taishi_core::counters::StatsSource;
use taishi_core::event::{
    Anomaly, AnomalyBody, AppProtos, Eve, EveIp, Event, EventSink, FlowBody, FlowRecord, TcpRecord,
    TunnelInfo, proto_name, tcp_flags_hex,
};
use taishi_core::{Config, Timestamp};
use taishi_decode::packet::tcp_flags;
use taishi_decode::{L3, L4, Packet, TunnelKind, TunnelLayer};

use crate::applayer::{AppLayer, Direction, FlowView, NoApp};
use crate::community_id::community_id;
use crate::flow::{Flow, FlowMeta, FlowState};
use crate::key::{FlowKey, Side, flow_id, has_ports};
use crate::slab::ChunkedSlab;
use crate::tcp::reassembly::{Out, Reassembler};
use crate::tcp::{Pickup, TcpSession, TcpState, TcpStats};

const NIL: u32 = u32::MAX;
/// Protocol classes (TCP, UDP, ICMP, other) times flow states.
const LISTS: usize = 12;
/// Charge per flow for its hash-table entry: a `u32` index and a control
/// byte, at hashbrown's maximum load factor of 7/8, rounded up.
const TABLE_ENTRY_COST: u64 = 8;

struct Slot<S> {
    flow: Flow<S>,
    prev: u32,
    next: u32,
    list: u8,
    /// Worker time (whole seconds) when the flow was last moved to its
    /// list's tail; lists are sorted by it.
    list_sec: u64,
    hash: u64,
    live: bool,
}

#[derive(Default, Clone, Copy)]
struct FlowStats {
    total: u64,
    tcp: u64,
    udp: u64,
    icmpv4: u64,
    icmpv6: u64,
    memcap_evictions: u64,
    memuse_peak: u64,
    end_timeout: u64,
    end_shutdown: u64,
    end_forced: u64,
}

/// What [`FlowWorker::process`] needs of one packet for one flow.
struct PktCtx<'p> {
    /// The packet, for the app layer's `on_packet`: for an outer tunnel
    /// flow, the packet that carried the tunnel layer (`None` when its
    /// headers were not recorded).
    pkt: Option<&'p Packet<'p>>,
    ts: Timestamp,
    bytes: u64,
    l4: L4,
    payload: &'p [u8],
    tunnel: Option<TunnelLayer>,
    tunnel_depth: u8,
    outer: bool,
}

/// Per-worker flow table + TCP tracking + reassembly. One per worker
/// thread; no locks, no allocation per packet in steady state.
pub struct FlowWorker<A: AppLayer = NoApp> {
    app: A,
    worker_id: u16,
    pickup: Pickup,
    /// `stream.checksum-validation`.
    checksum_validation: bool,
    /// Timeout in seconds per list.
    timeouts: [u64; LISTS],
    table: HashTable<u32>,
    hasher: foldhash::fast::RandomState,
    slots: ChunkedSlab<Slot<A::State>>,
    free: Vec<u32>,
    heads: [u32; LISTS],
    tails: [u32; LISTS],
    max_slots: usize,
    slot_cost: u64,
    rs: Reassembler,
    tcp_stats: TcpStats,
    stats: FlowStats,
    /// Latest packet time seen by this worker.
    latest: Timestamp,
    /// `latest` in whole seconds, kept beside it to spare a division per packet.
    latest_sec: u64,
}

fn proto_class(proto: u8) -> usize {
    match proto {
        6 => 0,
        17 => 1,
        1 | 58 => 2,
        _ => 3,
    }
}

fn list_of(proto: u8, state: FlowState) -> usize {
    proto_class(proto) * 3 + state.index()
}

/// Makes the server the client: the app layer saw the flow backwards.
fn reverse_direction(meta: &mut FlowMeta) {
    meta.client = other(meta.client);
    meta.pkts.swap(0, 1);
    meta.bytes.swap(0, 1);
    meta.tcp_flags.swap(0, 1);
    meta.icmp.swap(0, 1);
}

fn other(side: Side) -> Side {
    match side {
        Side::Lo => Side::Hi,
        Side::Hi => Side::Lo,
    }
}

impl<A: AppLayer> FlowWorker<A> {
    /// A worker with the limits and timeouts of `config`.
    pub fn new(config: &Config, worker_id: u16, app: A) -> Self {
        let t = &config.flow_timeouts;
        let mut timeouts = [0u64; LISTS];
        for (class, pt) in [t.tcp, t.udp, t.icmp, t.default].iter().enumerate() {
            timeouts[class * 3] = pt.new;
            timeouts[class * 3 + 1] = pt.established;
            // Only TCP closes; others never reach this list.
            timeouts[class * 3 + 2] = pt.closed;
        }
        let slot_cost = std::mem::size_of::<Slot<A::State>>() as u64 + TABLE_ENTRY_COST;
        let max_slots = (config.flow.memcap / slot_cost).clamp(1, u32::MAX as u64 - 1) as usize;
        FlowWorker {
            app,
            worker_id,
            pickup: Pickup {
                midstream: config.stream.midstream,
                async_oneside: config.stream_async_oneside,
            },
            checksum_validation: config.stream.checksum_validation,
            timeouts,
            table: HashTable::new(),
            hasher: foldhash::fast::RandomState::default(),
            slots: ChunkedSlab::default(),
            free: Vec::new(),
            heads: [NIL; LISTS],
            tails: [NIL; LISTS],
            max_slots,
            slot_cost,
            rs: Reassembler {
                depth: config.stream.reassembly_depth,
                max_ooo: config.stream.max_ooo_segments,
                memcap: config.stream.reassembly_memcap,
                ..Default::default()
            },
            tcp_stats: TcpStats::default(),
            stats: FlowStats::default(),
            latest: Timestamp(0),
            latest_sec: 0,
        }
    }

    /// The app layer, e.g. to read its counters.
    pub fn app(&self) -> &A {
        &self.app
    }

    /// The app layer, mutably (to reconfigure or drain it).
    pub fn app_mut(&mut self) -> &mut A {
        &mut self.app
    }

    /// This worker's id, as given to [`FlowWorker::new`].
    pub fn worker_id(&self) -> u16 {
        self.worker_id
    }

    /// Flows open now.
    pub fn active_flows(&self) -> usize {
        self.slots.len() - self.free.len()
    }

    /// Bytes charged to the flow table now (see the module docs).
    pub fn memuse(&self) -> u64 {
        self.active_flows() as u64 * self.slot_cost
    }

    /// Bytes charged for one flow.
    pub fn flow_cost(&self) -> u64 {
        self.slot_cost
    }

    /// Accounts one decoded packet (not a fragment: the caller defragments
    /// first) to its flow; tracks TCP state; reassembles TCP payload and
    /// hands in-order stream data to the app layer; UDP and other payload
    /// is handed on as it is. Each UDP tunnel layer is also accounted as
    /// its own outer UDP flow. Returns whether the packet belonged to a
    /// flow (and so reached the app layer's `on_packet`).
    pub fn process(&mut self, pkt: &Packet<'_>, sink: &mut dyn EventSink) -> bool {
        if pkt.is_fragment {
            return false;
        }
        if pkt.ts > self.latest {
            self.latest = pkt.ts;
            self.latest_sec = pkt.ts.secs();
        }
        if pkt.tunnel_count > 0 {
            self.process_outer(pkt, sink);
        }
        let Some((key, side)) = FlowKey::from_packet(pkt) else {
            return false;
        };
        let tunnel = pkt.innermost_tunnel().copied();
        let bytes = match &tunnel {
            Some(t) => inner_len(pkt, t.kind),
            None => pkt.frame.len() as u64,
        };
        let ctx = PktCtx {
            pkt: Some(pkt),
            ts: pkt.ts,
            bytes,
            l4: pkt.l4,
            payload: pkt.payload,
            tunnel,
            tunnel_depth: if tunnel.is_some() {
                pkt.tunnel_count
            } else {
                0
            },
            outer: false,
        };
        self.handle(key, side, &ctx, sink)
    }

    /// Accounts the outer UDP conversation of each UDP tunnel layer, and
    /// shows the app layer the packet that carried it.
    fn process_outer(&mut self, pkt: &Packet<'_>, sink: &mut dyn EventSink) {
        let n = (pkt.tunnel_count as usize).min(pkt.tunnels.len());
        let mut outer: Option<TunnelLayer> = None;
        for (i, layer) in pkt.tunnels[..n].iter().enumerate() {
            let Some(layer) = *layer else { continue };
            if layer.proto == 17 {
                let depth = i as u8;
                let id = outer.and_then(|o| o.id).unwrap_or(0);
                let (key, side) = FlowKey::new(
                    layer.src,
                    layer.src_port,
                    layer.dst,
                    layer.dst_port,
                    17,
                    pkt.vlans(),
                    depth,
                    id,
                );
                let bytes = match outer {
                    None => pkt.frame.len() as u64,
                    Some(o) => layer.ip_len as u64 + ether_inside(o.kind),
                };
                // The packet that carried this layer is inspected as a
                // packet of the outer flow, as Suricata inspects each layer.
                let outer_pkt = pkt.outer_packet(i);
                let ctx = PktCtx {
                    pkt: outer_pkt.as_ref(),
                    ts: pkt.ts,
                    bytes,
                    l4: L4::Udp {
                        src_port: layer.src_port,
                        dst_port: layer.dst_port,
                    },
                    payload: &[],
                    tunnel: outer,
                    tunnel_depth: depth,
                    outer: true,
                };
                self.handle(key, side, &ctx, sink);
            }
            outer = Some(layer);
        }
    }

    fn handle(
        &mut self,
        key: FlowKey,
        side: Side,
        ctx: &PktCtx<'_>,
        sink: &mut dyn EventSink,
    ) -> bool {
        let hash = key.hash_with(&self.hasher);
        let slots = &self.slots;
        let found = self.table.find(hash, |&i| {
            slots
                .get(i as usize)
                .is_some_and(|s| s.flow.meta.key == key)
        });
        let idx = match found {
            Some(&i) => i,
            None => match self.create(key, hash, side, ctx, sink) {
                Some(i) => i,
                None => return false,
            },
        };

        let FlowWorker {
            app,
            rs,
            tcp_stats,
            slots,
            pickup,
            checksum_validation,
            ..
        } = self;
        let Some(slot) = slots.get_mut(idx as usize) else {
            return false;
        };
        let Flow {
            meta,
            tcp,
            app: app_state,
        } = &mut slot.flow;
        let dir = if side == meta.client {
            Direction::ToServer
        } else {
            Direction::ToClient
        };
        let d = dir.index();
        if ctx.ts > meta.last {
            meta.last = ctx.ts;
        }
        meta.pkts[d] += 1;
        meta.bytes[d] += ctx.bytes;
        if let Some(p) = ctx.pkt {
            meta.macs[d] = p.macs;
        }
        match ctx.l4 {
            // Suricata's stream engine ignores a segment whose checksum
            // is wrong: the receiver would have dropped it too.
            L4::Tcp(_) if *checksum_validation && ctx.pkt.is_some_and(|p| p.bad_l4_checksum) => {
                tcp_stats.invalid_checksum += 1;
            }
            L4::Tcp(t) => {
                meta.tcp_flags[d] |= t.flags;
                let mut state = meta.tcp_state;
                let m: &FlowMeta = meta;
                let ts = ctx.ts;
                let mut out = |sdir: Direction, o: Out<'_>| match o {
                    Out::Data(data) => {
                        app.on_data(app_state, &FlowView { meta: m }, sdir, data, sink)
                    }
                    Out::Gap(n) => app.on_gap(app_state, &FlowView { meta: m }, sdir, n, sink),
                    Out::Event(name) => {
                        app.on_stream_event(app_state, name);
                        sink.emit(anomaly_event(m, dir, ts, name))
                    }
                };
                tcp.packet(
                    &mut state,
                    dir,
                    &t,
                    ctx.payload,
                    *pickup,
                    rs,
                    tcp_stats,
                    &mut out,
                );
                meta.tcp_state = state;
                meta.state = state.flow_state();
                if app.take_reverse(app_state) {
                    reverse_direction(meta);
                    tcp.streams.swap(0, 1);
                    tcp.swap_directions();
                }
                meta.acked = [tcp.streams[0].acked(), tcp.streams[1].acked()];
                meta.stream_size = [tcp.streams[0].size(), tcp.streams[1].size()];
            }
            l4 => {
                if let L4::Icmp {
                    icmp_type, code, ..
                } = l4
                    && meta.icmp[d].is_none()
                {
                    meta.icmp[d] = Some((icmp_type, code));
                }
                if meta.state == FlowState::New && meta.pkts[0] > 0 && meta.pkts[1] > 0 {
                    meta.state = FlowState::Established;
                }
                if !ctx.outer && !ctx.payload.is_empty() {
                    app.on_data(app_state, &FlowView { meta }, dir, ctx.payload, sink);
                    if app.take_reverse(app_state) {
                        reverse_direction(meta);
                    }
                }
            }
        }
        if let Some(pkt) = ctx.pkt {
            // Direction may have changed if the flow was just reversed.
            let dir = if side == meta.client {
                Direction::ToServer
            } else {
                Direction::ToClient
            };
            app.on_packet(app_state, &FlowView { meta }, dir, pkt, sink);
        }
        let list = list_of(meta.key.proto, meta.state);
        let now_sec = self.latest_sec;
        if slot.list as usize != list || slot.list_sec != now_sec {
            self.unlink(idx);
            self.link_tail(idx, list, now_sec);
        }
        true
    }

    fn create(
        &mut self,
        key: FlowKey,
        hash: u64,
        side: Side,
        ctx: &PktCtx<'_>,
        sink: &mut dyn EventSink,
    ) -> Option<u32> {
        if self.free.is_empty() && self.slots.len() >= self.max_slots {
            self.evict_oldest(sink);
        }
        // Client: the SYN sender; the receiver of a SYN-ACK; otherwise the
        // sender of the first packet.
        let sender_is_client = match ctx.l4 {
            L4::Tcp(t) => {
                let synack = tcp_flags::SYN | tcp_flags::ACK;
                t.flags & synack != synack
            }
            _ => true,
        };
        let client = if sender_is_client { side } else { other(side) };
        let meta = FlowMeta {
            key,
            client,
            flow_id: flow_id(&key, ctx.ts.0),
            start: ctx.ts,
            last: ctx.ts,
            pkts: [0; 2],
            bytes: [0; 2],
            tcp_flags: [0; 2],
            tcp_state: TcpState::None,
            acked: [0; 2],
            stream_size: [0; 2],
            state: FlowState::New,
            macs: [None; 2],
            icmp: [None; 2],
            tunnel: ctx.tunnel,
            tunnel_depth: ctx.tunnel_depth,
            tunnel_outer: ctx.outer,
        };
        let flow = Flow {
            meta,
            tcp: TcpSession::default(),
            app: A::State::default(),
        };
        let idx = match self.free.pop() {
            Some(i) => {
                let slot = self.slots.get_mut(i as usize)?;
                slot.flow = flow;
                slot.hash = hash;
                slot.live = true;
                i
            }
            None => {
                if self.slots.len() >= self.max_slots {
                    return None;
                }
                self.slots.push(Slot {
                    flow,
                    prev: NIL,
                    next: NIL,
                    list: 0,
                    list_sec: 0,
                    hash,
                    live: true,
                }) as u32
            }
        };
        let slots = &self.slots;
        self.table
            .insert_unique(hash, idx, |&i| slots.get(i as usize).map_or(0, |s| s.hash));
        let list = list_of(key.proto, FlowState::New);
        self.link_tail(idx, list, self.latest_sec);

        self.stats.total += 1;
        match key.proto {
            6 => self.stats.tcp += 1,
            17 => self.stats.udp += 1,
            1 => self.stats.icmpv4 += 1,
            58 => self.stats.icmpv6 += 1,
            _ => {}
        }
        self.stats.memuse_peak = self.stats.memuse_peak.max(self.memuse());
        Some(idx)
    }

    fn unlink(&mut self, idx: u32) {
        let Some(s) = self.slots.get(idx as usize) else {
            return;
        };
        let (prev, next, list) = (s.prev, s.next, s.list as usize);
        if list >= LISTS {
            return;
        }
        match self.slots.get_mut(prev as usize) {
            Some(p) => p.next = next,
            None => {
                if self.heads[list] == idx {
                    self.heads[list] = next;
                }
            }
        }
        match self.slots.get_mut(next as usize) {
            Some(n) => n.prev = prev,
            None => {
                if self.tails[list] == idx {
                    self.tails[list] = prev;
                }
            }
        }
        if let Some(s) = self.slots.get_mut(idx as usize) {
            s.prev = NIL;
            s.next = NIL;
        }
    }

    fn link_tail(&mut self, idx: u32, list: usize, sec: u64) {
        let tail = self.tails[list];
        if let Some(t) = self.slots.get_mut(tail as usize) {
            t.next = idx;
        } else {
            self.heads[list] = idx;
        }
        self.tails[list] = idx;
        if let Some(s) = self.slots.get_mut(idx as usize) {
            s.prev = tail;
            s.next = NIL;
            s.list = list as u8;
            s.list_sec = sec;
        }
    }

    fn evict_oldest(&mut self, sink: &mut dyn EventSink) {
        let oldest = self
            .heads
            .iter()
            .filter_map(|&h| self.slots.get(h as usize).map(|s| (s.list_sec, h)))
            .min();
        if let Some((_, idx)) = oldest {
            self.stats.memcap_evictions += 1;
            self.end_flow(idx, "forced", self.latest, sink);
        }
    }

    /// Ends flows idle past their timeout at packet time `now` (reason
    /// `timeout`). Call whenever packet time advanced by a second or more;
    /// the cost is the number of flows ended plus a constant.
    pub fn handle_timeouts(&mut self, now: Timestamp, sink: &mut dyn EventSink) {
        if now > self.latest {
            self.latest = now;
            self.latest_sec = now.secs();
        }
        for list in 0..LISTS {
            let timeout = self.timeouts[list];
            loop {
                let head = self.heads[list];
                let Some(s) = self.slots.get(head as usize) else {
                    break;
                };
                // Lists are ordered by the second a flow was last moved, so
                // the head is the oldest to within a second; the decision
                // itself uses the exact time of the flow's last packet, as
                // Suricata does (a UDP flow idle 30.8 s has timed out at
                // 30 s even though both times fall in "second 30").
                let idle_until = s.flow.meta.last.plus_secs(timeout);
                if now <= idle_until {
                    break;
                }
                self.end_flow(head, "timeout", now, sink);
            }
        }
    }

    /// End of capture or shutdown: ends every open flow (reason
    /// `shutdown`, as Suricata does at the end of a pcap), oldest first.
    pub fn flush(&mut self, sink: &mut dyn EventSink) {
        loop {
            let oldest = self
                .heads
                .iter()
                .filter_map(|&h| self.slots.get(h as usize).map(|s| (s.flow.meta.start, h)))
                .min();
            let Some((_, idx)) = oldest else { break };
            self.end_flow(idx, "shutdown", self.latest, sink);
        }
    }

    fn end_flow(
        &mut self,
        idx: u32,
        reason: &'static str,
        ts: Timestamp,
        sink: &mut dyn EventSink,
    ) {
        let Some(hash) = self
            .slots
            .get(idx as usize)
            .filter(|s| s.live)
            .map(|s| s.hash)
        else {
            return;
        };
        if let Ok(entry) = self.table.find_entry(hash, |&i| i == idx) {
            entry.remove();
        }
        self.unlink(idx);
        if let Some(s) = self.slots.get_mut(idx as usize) {
            s.list = LISTS as u8;
        }
        match reason {
            "timeout" => self.stats.end_timeout += 1,
            "forced" => self.stats.end_forced += 1,
            _ => self.stats.end_shutdown += 1,
        }
        let FlowWorker { app, rs, slots, .. } = self;
        let Some(slot) = slots.get_mut(idx as usize) else {
            return;
        };
        let Flow {
            meta,
            tcp,
            app: app_state,
        } = &mut slot.flow;
        {
            let m: &FlowMeta = meta;
            let mut out = |sdir: Direction, o: Out<'_>| match o {
                Out::Data(data) => app.on_data(app_state, &FlowView { meta: m }, sdir, data, sink),
                Out::Gap(n) => app.on_gap(app_state, &FlowView { meta: m }, sdir, n, sink),
                Out::Event(name) => {
                    app.on_stream_event(app_state, name);
                    sink.emit(anomaly_event(m, sdir, ts, name))
                }
            };
            tcp.finish(rs, &mut out);
        }
        let app_proto = app.on_end(app_state, &FlowView { meta }, sink);
        let alerted = app.alerted(app_state);
        let traffic = app.traffic(app_state);
        let metadata = app.metadata(app_state);
        let app_protos = app.app_protos(app_state);
        sink.emit(flow_event(
            meta, tcp, reason, ts, app_proto, app_protos, alerted, traffic, metadata,
        ));
        *tcp = TcpSession::default();
        *app_state = A::State::default();
        slot.live = false;
        self.free.push(idx);
    }
}

/// Whether a tunnel kind carries an Ethernet frame (14 bytes of header).
fn ether_inside(kind: TunnelKind) -> u64 {
    match kind {
        TunnelKind::Vxlan | TunnelKind::Geneve | TunnelKind::Erspan => 14,
        _ => 0,
    }
}

/// Length Suricata counts for a packet carried in a tunnel: the inner packet.
fn inner_len(pkt: &Packet<'_>, kind: TunnelKind) -> u64 {
    let captured = pkt.frame.len().saturating_sub(pkt.l3_offset) as u64;
    let ip_len = match pkt.l3 {
        L3::Ipv4(h) if h.total_len > 0 => h.total_len as u64,
        L3::Ipv6(h) => h.payload_len as u64 + 40,
        _ => captured,
    };
    ip_len + ether_inside(kind)
}

fn eve_addr(meta: &FlowMeta, side: Side) -> (EveIp, u16) {
    (EveIp(meta.key.addr(side)), meta.key.port(side))
}

/// The `tunnel` object of a flow's records.
pub(crate) fn tunnel_info(meta: &FlowMeta) -> Option<TunnelInfo> {
    let t = meta.tunnel?;
    let udp = t.proto == 17;
    let proto = match t.proto {
        4 => "IPv4".to_string(),
        41 => "IPv6".to_string(),
        p => proto_name(p).into_owned(),
    };
    Some(TunnelInfo {
        src_ip: EveIp(t.src),
        src_port: udp.then_some(t.src_port),
        dest_ip: EveIp(t.dst),
        dest_port: udp.then_some(t.dst_port),
        proto,
        kind: t.kind.name(),
        id: t.id,
        depth: meta.tunnel_depth,
    })
}

fn anomaly_event(meta: &FlowMeta, dir: Direction, ts: Timestamp, name: &'static str) -> Event {
    let (from, to) = match dir {
        Direction::ToServer => (meta.client, other(meta.client)),
        Direction::ToClient => (other(meta.client), meta.client),
    };
    let (sip, sport) = eve_addr(meta, from);
    let (dip, dport) = eve_addr(meta, to);
    let mut e = Eve::new(
        ts,
        "anomaly",
        AnomalyBody {
            anomaly: Anomaly {
                kind: "stream",
                event: name,
                layer: None,
                app_proto: None,
            },
            ether: None,
        },
    );
    e.flow_id = Some(meta.flow_id);
    e.set_addrs(sip, dip);
    e.src_port = Some(sport);
    e.dest_port = Some(dport);
    e.proto = Some(proto_name(meta.key.proto));
    if meta.key.vlan_count > 0 {
        e.vlan = Some(meta.key.vlans().to_vec());
    }
    e.tunnel = tunnel_info(meta);
    Event::Anomaly(e)
}

#[allow(clippy::too_many_arguments)] // the record's parts, each from another stage
fn flow_event(
    meta: &FlowMeta,
    tcp: &TcpSession,
    reason: &'static str,
    ts: Timestamp,
    app_proto: Option<&'static str>,
    app_protos: AppProtos,
    alerted: bool,
    traffic: Option<serde_json::Value>,
    metadata: Option<serde_json::Value>,
) -> Event {
    let proto = meta.key.proto;
    let server = other(meta.client);
    let (sip, sport) = eve_addr(meta, meta.client);
    let (dip, dport) = eve_addr(meta, server);
    let tcp_rec = (proto == 6).then(|| {
        let all = meta.tcp_flags[0] | meta.tcp_flags[1];
        let has = |f: u8| all & f != 0;
        TcpRecord {
            tcp_flags: tcp_flags_hex(all),
            tcp_flags_ts: tcp_flags_hex(meta.tcp_flags[0]),
            tcp_flags_tc: tcp_flags_hex(meta.tcp_flags[1]),
            syn: has(tcp_flags::SYN),
            fin: has(tcp_flags::FIN),
            rst: has(tcp_flags::RST),
            psh: has(tcp_flags::PSH),
            ack: has(tcp_flags::ACK),
            urg: has(tcp_flags::URG),
            ecn: has(tcp_flags::ECE),
            cwr: has(tcp_flags::CWR),
            state: (meta.tcp_state != TcpState::None).then(|| meta.tcp_state.name()),
            gap_ts: tcp.streams[0].had_gap(),
            gap_tc: tcp.streams[1].had_gap(),
        }
    });
    let body = FlowBody {
        flow: FlowRecord {
            pkts_toserver: meta.pkts[0],
            pkts_toclient: meta.pkts[1],
            bytes_toserver: meta.bytes[0],
            bytes_toclient: meta.bytes[1],
            start: meta.start,
            end: meta.last,
            age: meta.last.secs().saturating_sub(meta.start.secs()),
            state: meta.state.name(),
            reason,
            alerted,
        },
        tcp: tcp_rec,
        traffic,
        metadata,
        app_protos: (app_protos != AppProtos::default()).then(|| Box::new(app_protos)),
    };
    let mut e = Eve::new(ts, "flow", body);
    e.flow_id = Some(meta.flow_id);
    if meta.key.vlan_count > 0 {
        e.vlan = Some(meta.key.vlans().to_vec());
    }
    e.set_addrs(sip, dip);
    if has_ports(proto) {
        e.src_port = Some(sport);
        e.dest_port = Some(dport);
    }
    e.proto = Some(proto_name(proto));
    let (cid_sport, cid_dport) = if matches!(proto, 1 | 58) {
        if let Some((t, c)) = meta.icmp[0] {
            e.icmp_type = Some(t);
            e.icmp_code = Some(c);
        }
        if let Some((t, c)) = meta.icmp[1] {
            e.response_icmp_type = Some(t);
            e.response_icmp_code = Some(c);
        }
        let (t, c) = meta.icmp[0].or(meta.icmp[1]).unwrap_or((0, 0));
        (t as u16, c as u16)
    } else {
        (sport, dport)
    };
    e.community_id = Some(community_id(sip.0, dip.0, proto, cid_sport, cid_dport));
    e.app_proto = app_proto.map(Cow::Borrowed);
    e.tunnel = tunnel_info(meta);
    Event::Flow(e)
}

impl<A: AppLayer> StatsSource for FlowWorker<A> {
    fn report(&self, add: &mut dyn FnMut(&'static str, u64)) {
        let f = &self.stats;
        add("flow.total", f.total);
        add("flow.tcp", f.tcp);
        add("flow.udp", f.udp);
        add("flow.icmpv4", f.icmpv4);
        add("flow.icmpv6", f.icmpv6);
        add("flow.active", self.active_flows() as u64);
        add("flow.memcap_evictions", f.memcap_evictions);
        add("flow.memuse", f.memuse_peak);
        add("flow.end.timeout", f.end_timeout);
        add("flow.end.shutdown", f.end_shutdown);
        add("flow.end.forced", f.end_forced);
        let t = &self.tcp_stats;
        add("tcp.sessions", t.sessions);
        add("tcp.syn", t.syn);
        add("tcp.synack", t.synack);
        add("tcp.rst", t.rst);
        add("tcp.midstream_pickups", t.midstream_pickups);
        add("tcp.invalid_checksum", t.invalid_checksum);
        let r = &self.rs.stats;
        add("tcp.reassembly_gap", r.gaps);
        add("tcp.overlap", r.overlap);
        add("tcp.overlap_diff_data", r.overlap_diff_data);
        add("tcp.retransmission", r.retransmission);
        add("tcp.segment_memcap_drop", r.segment_memcap_drop);
        add("tcp.ooo_limit", r.ooo_limit);
        add("tcp.stream_depth_reached", r.depth_reached);
        add("tcp.reassembly_memuse", self.rs.memuse_peak);
    }
}
