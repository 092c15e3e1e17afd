//! One worker: decode → defragment → flows → protocols, for the packets of its shard.
//!
//! A worker owns every piece of state it touches (decoder counters, fragment
//! trackers, flow table, output buffer), so the per-packet path takes no lock
//! and shares no cache line with another worker.

use taishi_core::event::{Anomaly, AnomalyBody, Ether, Eve, EveIp, Event, EventSink, proto_name};
use taishi_core::{Config, Counters, LinkType, Timestamp};
use taishi_decode::{Decoder, Defrag, L4, Packet};
use taishi_detect::rules::engine::DetectLayer;
use taishi_detect::rules::keywords::{ThresholdConfig, ThresholdState};
use taishi_flow::FlowWorker;
use taishi_proto::{ProtoConfig, ProtoLayer};

use super::Detect;

use crate::output::EveOut;

/// Nanoseconds of packet time between timeout sweeps.
const TICK_NANOS: u64 = 1_000_000_000;

/// The per-thread pipeline.
pub struct Worker {
    decoder: Decoder,
    defrag: Defrag,
    flows: FlowWorker<DetectLayer>,
    out: EveOut,
    next_tick: Timestamp,
}

impl Worker {
    /// A worker with its own decoder, defragmenter and flow table.
    pub fn new(
        config: &Config,
        proto: &ProtoConfig,
        detect: &Detect,
        id: u16,
        out: EveOut,
    ) -> Worker {
        // The file was checked when loaded; a worker cannot fail here.
        let thresholds = detect
            .thresholds
            .as_ref()
            .and_then(|(text, name)| ThresholdConfig::parse(text, name).ok());
        let layer = DetectLayer::new(
            ProtoLayer::new(proto.clone()),
            detect.engine.clone(),
            ThresholdState::new(thresholds),
            detect.packet_alert_max,
        );
        Worker {
            decoder: Decoder::new(config),
            defrag: Defrag::new(&config.defrag),
            flows: FlowWorker::new(config, id, layer),
            out,
            next_tick: Timestamp(0),
        }
    }

    /// Runs one frame through the pipeline.
    pub fn handle(&mut self, ts: Timestamp, linktype: LinkType, frame: &[u8], wire_len: u32) {
        if ts >= self.next_tick {
            self.tick(ts);
        }
        let mut pkt = Packet::empty();
        self.decoder.decode(ts, linktype, frame, wire_len, &mut pkt);
        emit_decode_events(&mut self.out, 0, &pkt);
        if !pkt.is_fragment {
            self.inspect_flowless_layers(&pkt);
            if !self.flows.process(&pkt, &mut self.out) {
                self.flows
                    .app_mut()
                    .packet_without_flow(&pkt, &mut self.out);
            }
            return;
        }
        if let Some(datagram) = self.defrag.insert(&pkt) {
            // The reassembled datagram keeps the link, VLAN and tunnel
            // context of the fragment that completed it.
            let mut whole = pkt.clone();
            self.decoder.decode_reassembled(datagram, &mut whole);
            emit_decode_events(&mut self.out, pkt.event_count as usize, &whole);
            if !self.flows.process(&whole, &mut self.out) {
                self.flows
                    .app_mut()
                    .packet_without_flow(&whole, &mut self.out);
            }
        }
        // Overlapping or oversized fragments are reported with the fragment
        // that showed them; the fragment is also inspected as a packet of
        // its own (decode events, fragbits, ip-only rules). Like Suricata,
        // rules see no transport header and no payload in a fragment, not
        // even the first: `flags:S` or a port matches the rebuilt datagram
        // once, not its first fragment too.
        let mut frag = pkt.clone();
        frag.l4 = L4::None;
        frag.payload = &[];
        if let Some(ev) = self.defrag.last_event() {
            let mut only = pkt.clone();
            only.event_count = 0;
            only.push_event(ev);
            emit_decode_events(&mut self.out, 0, &only);
            frag.push_event(ev);
        }
        self.flows
            .app_mut()
            .packet_without_flow(&frag, &mut self.out);
    }

    /// Rules look at every layer of a tunnelled frame, as Suricata's
    /// detection sees each layer as a packet of its own. The packets that
    /// carried a UDP-borne tunnel are inspected with their outer UDP flow
    /// (by the flow stage); those that carried GRE or IP-in-IP have no
    /// flow (Suricata makes none for them either) and are inspected here.
    fn inspect_flowless_layers(&mut self, pkt: &Packet<'_>) {
        for (i, layer) in pkt.tunnel_layers().enumerate() {
            if layer.proto == 17 {
                continue;
            }
            if let Some(outer) = pkt.outer_packet(i) {
                self.flows
                    .app_mut()
                    .packet_without_flow(&outer, &mut self.out);
            }
        }
    }

    /// Advances packet time without a packet (live capture when idle).
    pub fn tick(&mut self, now: Timestamp) {
        self.flows.handle_timeouts(now, &mut self.out);
        self.defrag.expire(now);
        self.next_tick = Timestamp(now.0.saturating_add(TICK_NANOS));
    }

    /// Ends every flow (end of capture or shutdown), flushes output and
    /// returns the worker's counters.
    pub fn finish(mut self) -> WorkerReport {
        tracing::debug!("input ended: ending the open flows");
        self.flows.flush(&mut self.out);
        let io_error = self.out.flush().err();
        tracing::debug!("open flows ended");
        WorkerReport {
            counters: self.counters(),
            events: self.out.counts().clone(),
            io_error,
        }
    }

    /// The worker's counters so far.
    pub fn counters(&self) -> Counters {
        let mut c = Counters::new();
        c.absorb(&self.decoder);
        c.absorb(&self.defrag);
        c.absorb(&self.flows);
        c.absorb(self.flows.app());
        c
    }

    /// Flows ended so far (flow events written).
    pub fn flows_ended(&self) -> u64 {
        self.out.counts().get("flow").copied().unwrap_or(0)
    }
}

/// What a worker hands back when it finishes.
pub struct WorkerReport {
    /// Its counters.
    pub counters: Counters,
    /// Events written, by type.
    pub events: std::collections::BTreeMap<&'static str, u64>,
    /// The first error writing EVE, if any.
    pub io_error: Option<std::io::Error>,
}

/// Writes an `anomaly` record for each decode event of `pkt` after the first
/// `skip` (those were written for the fragment before reassembly).
fn emit_decode_events(out: &mut EveOut, skip: usize, pkt: &Packet<'_>) {
    for ev in pkt.decode_events().iter().skip(skip) {
        let mut eve = Eve::new(
            pkt.ts,
            "anomaly",
            AnomalyBody {
                anomaly: Anomaly {
                    kind: "decode",
                    event: ev.eve_name(),
                    layer: None,
                    app_proto: None,
                },
                ether: pkt
                    .macs
                    .map(|(src, dst)| Ether::new(&src, &dst, pkt.ether_type)),
            },
        );
        if let Some((src, dst)) = pkt.addrs() {
            let (sp, dp) = pkt.ports();
            eve.set_addrs(EveIp(src), EveIp(dst));
            if sp != 0 || dp != 0 {
                eve.src_port = Some(sp);
                eve.dest_port = Some(dp);
            }
            eve.proto = pkt.ip_proto().map(proto_name);
        }
        if !pkt.vlans().is_empty() {
            eve.vlan = Some(pkt.vlans().to_vec());
        }
        out.emit(Event::Anomaly(eve));
    }
}
