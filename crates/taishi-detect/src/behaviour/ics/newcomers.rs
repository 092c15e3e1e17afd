//! New masters and new devices on an OT segment (T0848 Rogue Master,
//! T0864 Transient Cyber Asset).
//!
//! A *segment* is the device's zone in the asset registry when it has one,
//! else its /24 (IPv4) or /64 (IPv6) (`segment_prefix_v4`/`_v6`). The hosts
//! that send industrial requests to a segment's devices are its masters,
//! those that answer its known masters are its devices. For
//! `segment_learning_secs` after a segment's first request both are learnt;
//! afterwards a host that starts acting as a master there, or a device that
//! starts answering there, is an alert (once per host, role and segment: it
//! is then known). Hosts the registry declares are never new: a declared
//! host is a known device, and a host with a master role (HMI, SCADA
//! server, engineering workstation, historian) or authorised for the
//! device is a known master.
//!
//! A device is only new when it answers a known master: a rogue master's
//! probes make real devices answer, and those devices are not the news (the
//! master is).
//!
//! Records of different flows arrive out of time order, so each host's
//! first sighting is judged [`GRACE`] of record time later (or at the end
//! of input), with the earliest request time seen for it and the earliest
//! of its segment by then.

use std::collections::VecDeque;
use std::net::IpAddr;

use serde_json::{Value, json};

use super::super::common::{
    Capped, Micros, Parties, SEC, Signature, alert, eve_ip, evidence, format_time,
};
use super::registry::IcsRegistry;
use super::{GRACE, ics_sig};

const NEW_MASTER: Signature = ics_sig(
    3_000_707,
    "TAISHI BEHAVIOUR ICS new master on an OT segment",
    2,
    &["T0848"],
    // Rogue Master is an Initial Access technique in ATT&CK for ICS.
    &["TA0108"],
);
const NEW_DEVICE: Signature = ics_sig(
    3_000_708,
    "TAISHI BEHAVIOUR ICS new device on an OT segment",
    2,
    // ATT&CK for ICS has no "rogue outstation"; Transient Cyber Asset is the
    // technique whose detection is traffic from unknown devices.
    &["T0864"],
    &["TA0108"],
);

/// First sightings waiting for their judgement: a burst of new hosts past
/// this is judged at once, oldest first, rather than held.
const MAX_PENDING: usize = 1024;

/// A segment: a registry zone, or an address prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) enum Segment {
    Zone(u16),
    Net(IpAddr, u8),
}

/// What a host does on a segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) enum Role {
    Master,
    Device,
}

/// A host known on a segment in a role.
#[derive(Debug)]
pub(super) struct Known {
    /// Its earliest request (master) or answer (device) seen.
    first: Micros,
    /// Alerted, or waiting for its judgement.
    settled: bool,
}

/// One sighting of a master and a device talking on a segment.
pub(super) struct Sighting<'a> {
    pub(super) segment: Segment,
    pub(super) time: Micros,
    pub(super) master: IpAddr,
    pub(super) device: IpAddr,
    pub(super) protocol: &'a str,
    pub(super) operation: &'a str,
    pub(super) flow_id: Option<u64>,
    pub(super) proto: &'a str,
    pub(super) device_port: u16,
    /// The registry knows the master as one (for this device).
    pub(super) master_declared: bool,
    /// The registry declares the device.
    pub(super) device_declared: bool,
}

/// A first sighting waiting for its judgement.
#[derive(Debug)]
struct Pending {
    due: Micros,
    segment: Segment,
    role: Role,
    time: Micros,
    master: IpAddr,
    device: IpAddr,
    master_declared: bool,
    protocol: String,
    operation: String,
    flow_id: Option<u64>,
    proto: String,
    device_port: u16,
}

/// Settings of the new-host detector (part of `IcsConfig`).
#[derive(Clone, Copy, Debug)]
pub(super) struct Settings {
    pub(super) enabled: bool,
    pub(super) learning: Micros,
    pub(super) prefix_v4: u8,
    pub(super) prefix_v6: u8,
    pub(super) max_segments: usize,
    pub(super) max_hosts: usize,
}

/// State of the new-host detector.
#[derive(Debug)]
pub(super) struct Newcomers {
    s: Settings,
    /// Earliest request seen on each segment.
    pub(super) segments: Capped<Segment, Micros>,
    pub(super) known: Capped<(Segment, IpAddr, Role), Known>,
    pending: VecDeque<Pending>,
    now: Micros,
}

/// Segments and their hosts are forgotten after a week of silence, as
/// device masters are.
const FORGET: Micros = 7 * 86_400 * SEC;

impl Newcomers {
    pub(super) fn new(s: Settings) -> Newcomers {
        Newcomers {
            segments: Capped::new(s.max_segments, FORGET),
            known: Capped::new(s.max_hosts, FORGET),
            pending: VecDeque::new(),
            now: 0,
            s,
        }
    }

    /// Keys dropped to respect the size caps.
    pub(super) fn evicted(&self) -> u64 {
        self.segments.evicted + self.known.evicted
    }

    /// Drops idle state.
    pub(super) fn expire(&mut self, now: Micros) {
        self.segments.expire(now);
        self.known.expire(now);
    }

    /// The segment of a device.
    pub(super) fn segment(&self, device: &IpAddr, registry: &IcsRegistry) -> Segment {
        if let Some(z) = registry.zone(device) {
            return Segment::Zone(z);
        }
        match device {
            IpAddr::V4(a) => {
                let len = self.s.prefix_v4.min(32);
                let mask = u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0);
                Segment::Net(IpAddr::V4((u32::from(*a) & mask).into()), len)
            }
            IpAddr::V6(a) => {
                let len = self.s.prefix_v6.min(128);
                let mask = u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0);
                Segment::Net(IpAddr::V6((u128::from(*a) & mask).into()), len)
            }
        }
    }

    /// A master and a device talking: `requested`, the master sent a
    /// request; `answered`, the device answered.
    pub(super) fn sighting(
        &mut self,
        x: &Sighting<'_>,
        requested: bool,
        answered: bool,
        registry: &IcsRegistry,
        out: &mut Vec<Value>,
    ) {
        if !self.s.enabled {
            return;
        }
        self.now = self.now.max(x.time);
        let first = self.segments.entry(x.segment, x.time, || x.time);
        *first = (*first).min(x.time);
        if requested && !x.master_declared {
            self.seen(x, Role::Master);
        }
        if answered && !x.device_declared {
            self.seen(x, Role::Device);
        }
        self.judge_due(registry, out);
    }

    fn seen(&mut self, x: &Sighting<'_>, role: Role) {
        let host = if role == Role::Master {
            x.master
        } else {
            x.device
        };
        let k = self.known.entry((x.segment, host, role), x.time, || Known {
            first: x.time,
            settled: false,
        });
        k.first = k.first.min(x.time);
        if k.settled {
            return;
        }
        k.settled = true;
        self.pending.push_back(Pending {
            due: x.time.saturating_add(GRACE),
            segment: x.segment,
            role,
            time: x.time,
            master: x.master,
            device: x.device,
            master_declared: x.master_declared,
            protocol: x.protocol.to_string(),
            operation: x.operation.to_string(),
            flow_id: x.flow_id,
            proto: x.proto.to_string(),
            device_port: x.device_port,
        });
    }

    fn judge_due(&mut self, registry: &IcsRegistry, out: &mut Vec<Value>) {
        while let Some(p) = self.pending.front() {
            if p.due > self.now && self.pending.len() <= MAX_PENDING {
                break;
            }
            if let Some(p) = self.pending.pop_front() {
                self.judge(p, registry, out);
            }
        }
    }

    /// End of input: judge every first sighting still waiting.
    pub(super) fn finish(&mut self, registry: &IcsRegistry, out: &mut Vec<Value>) {
        while let Some(p) = self.pending.pop_front() {
            self.judge(p, registry, out);
        }
    }

    /// Whether `host` is a known `role` of `segment` learnt before `end`.
    fn learnt(&mut self, segment: Segment, host: IpAddr, role: Role, end: Micros) -> bool {
        self.known
            .get_mut(&(segment, host, role))
            .is_some_and(|k| k.first < end)
    }

    fn judge(&mut self, p: Pending, registry: &IcsRegistry, out: &mut Vec<Value>) {
        let Some(seg_first) = self.segments.get_mut(&p.segment).map(|t| *t) else {
            return;
        };
        let learning_end = seg_first.saturating_add(self.s.learning);
        let host = if p.role == Role::Master {
            p.master
        } else {
            p.device
        };
        if self.learnt(p.segment, host, p.role, learning_end) {
            return;
        }
        if p.role == Role::Device
            && !p.master_declared
            && !self.learnt(p.segment, p.master, Role::Master, learning_end)
        {
            // An unknown master's device: the master is the news. The
            // device is not settled, so a known master's later poll can
            // still reveal it.
            if let Some(k) = self.known.get_mut(&(p.segment, host, p.role)) {
                k.settled = false;
            }
            return;
        }
        let (sig, parties, peer) = match p.role {
            Role::Master => (
                &NEW_MASTER,
                Parties {
                    attacker: p.master,
                    attacker_port: None,
                    victim: Some(p.device),
                    victim_port: (p.device_port != 0).then_some(p.device_port),
                    proto: p.proto,
                    flow_id: p.flow_id,
                },
                p.device,
            ),
            Role::Device => (
                &NEW_DEVICE,
                Parties {
                    attacker: p.device,
                    attacker_port: (p.device_port != 0).then_some(p.device_port),
                    victim: Some(p.master),
                    victim_port: None,
                    proto: p.proto,
                    flow_id: p.flow_id,
                },
                p.master,
            ),
        };
        let mut ev = evidence(
            1,
            (p.time, p.time),
            vec![json!(eve_ip(&peer))],
            p.flow_id.as_slice(),
        );
        let segment = match p.segment {
            Segment::Zone(z) => format!("zone {}", registry.zone_name(z)),
            Segment::Net(net, len) => format!("{}/{len}", eve_ip(&net)),
        };
        ev.insert("segment".into(), json!(segment));
        ev.insert(
            "role".into(),
            json!(if p.role == Role::Master {
                "master"
            } else {
                "device"
            }),
        );
        ev.insert("protocol".into(), json!(p.protocol));
        ev.insert(
            "first_request".into(),
            json!({
                "time": format_time(p.time),
                "master": eve_ip(&p.master),
                "device": eve_ip(&p.device),
                "operation": p.operation,
            }),
        );
        ev.insert("learning_end".into(), json!(format_time(learning_end)));
        out.push(alert(sig, &[], p.time, &parties, ev));
    }
}
