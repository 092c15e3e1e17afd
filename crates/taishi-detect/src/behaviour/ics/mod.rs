//! Industrial misuse (ATT&CK for ICS) from `modbus`, `dnp3`, `s7comm` and
//! `iec104` records.
//!
//! Each request is sorted into *read* (or other harmless traffic), *write*
//! (set a point or register, operate a control: T0855 Unauthorized Command
//! Message, plus T0836 Modify Parameter for register writes), or *device
//! control* (stop, restart, program download: T0816, T0858, T0843).
//!
//! The masters of a device the asset registry declares with authorised
//! peers are exactly those peers ([`registry`]); a write from any other
//! host is an alert at once, with nothing to learn. The masters of every
//! other device (the hosts that send it requests) are learnt for
//! `learning_secs` after the device is first seen, or configured in
//! `masters`. While learning, a host becomes a master by polling the device
//! (any request that is not a write), or by writing to a device that has no
//! master yet; a host whose first request to a device that already has a
//! master is a write is not learnt (nor later) and is an alert. After
//! learning, a write from a host that is not a master of that device is an
//! alert; device control is an alert whoever sends it (rare and
//! consequential), more severe from a non-master.
//!
//! A device the registry declares with function codes accepts only those
//! (per protocol): another code is an alert whoever sends it (T0855).
//!
//! Function-code and unit-id scans (T0846 Remote System Discovery): one
//! host trying many distinct Modbus function codes or unit ids on one
//! device within a window.
//!
//! New masters and devices on an OT segment after its learning window
//! (T0848, T0864): [`newcomers`].

mod newcomers;
pub mod registry;

use std::net::IpAddr;

use serde::Deserialize;
use serde_json::{Value, json};

use super::ConfigError;
use super::common::{
    Capped, Cidr, Distinct, Header, Micros, Parties, SAMPLE_PEERS, SEC, Signature, alert, eve_ip,
    evidence,
};
use newcomers::{Newcomers, Sighting};
use registry::{Code, Declared, IcsRegistry, Proto};

/// Settings of the industrial detectors.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IcsConfig {
    /// Run them.
    pub enabled: bool,
    /// Seconds after a device is first seen during which the hosts sending
    /// it requests are learnt as its masters. A process's masters (HMI,
    /// SCADA, historian) poll every few seconds, so two minutes sees them;
    /// hosts that connect rarely (engineering workstations) belong in
    /// `masters` or in the registry's `authorised_peers`.
    pub learning_secs: u64,
    /// Hosts or networks (CIDR) authorised as masters of every device.
    pub masters: Vec<String>,
    /// Distinct Modbus function codes from one host to one device that make
    /// a scan (a master uses 2–4).
    pub scan_function_codes: usize,
    /// Distinct Modbus unit ids from one host to one device that make a scan.
    pub scan_unit_ids: usize,
    /// Window of the scans, seconds.
    pub window_secs: u64,
    /// After an alert, the same (host, device, kind) stays quiet this long,
    /// seconds.
    pub realert_secs: u64,
    /// Devices held (each with up to 32 masters).
    pub max_devices: usize,
    /// Alert on a new master or device on an OT segment after its learning
    /// window.
    pub new_hosts: bool,
    /// Seconds after a segment's first industrial request during which its
    /// masters and devices are learnt. Pollers show up within a few poll
    /// cycles, like a device's masters.
    pub segment_learning_secs: u64,
    /// Prefix length of a segment (IPv4) for devices the registry gives no
    /// zone: one /24 is the usual cell or control LAN.
    pub segment_prefix_v4: u8,
    /// Prefix length of a segment (IPv6) for devices without a zone: /64,
    /// one IPv6 LAN.
    pub segment_prefix_v6: u8,
    /// Segments held.
    pub max_segments: usize,
    /// (segment, host, role) entries held over all segments.
    pub max_segment_hosts: usize,
}

impl Default for IcsConfig {
    fn default() -> Self {
        IcsConfig {
            enabled: true,
            learning_secs: 120,
            masters: Vec::new(),
            scan_function_codes: 8,
            scan_unit_ids: 10,
            window_secs: 300,
            realert_secs: 3600,
            max_devices: 50_000,
            new_hosts: true,
            segment_learning_secs: 120,
            segment_prefix_v4: 24,
            segment_prefix_v6: 64,
            max_segments: 4096,
            max_segment_hosts: 65_536,
        }
    }
}

pub(super) const fn ics_sig(
    sid: u32,
    msg: &'static str,
    severity: u8,
    techniques: &'static [&'static str],
    tactics: &'static [&'static str],
) -> Signature {
    Signature {
        sid,
        msg,
        category: "Attempted Administrator Privilege Gain",
        severity,
        techniques,
        tactics,
        detector: "ics",
    }
}

const WRITE: Signature = ics_sig(
    3_000_701,
    "TAISHI BEHAVIOUR ICS write/command from a host that is not a master of the device",
    1,
    &["T0855"],
    &["TA0106"],
);
const STOP: Signature = ics_sig(
    3_000_702,
    "TAISHI BEHAVIOUR ICS device stop/restart",
    1,
    &["T0816"],
    // ATT&CK for ICS puts Device Restart/Shutdown under Inhibit Response Function.
    &["TA0107"],
);
const DOWNLOAD: Signature = ics_sig(
    3_000_703,
    "TAISHI BEHAVIOUR ICS program download",
    1,
    &["T0843"],
    // Program Download is a Lateral Movement technique in ATT&CK for ICS.
    &["TA0109"],
);
const MODE: Signature = ics_sig(
    3_000_704,
    "TAISHI BEHAVIOUR ICS operating mode change",
    2,
    &["T0858"],
    &["TA0104", "TA0103"],
);
const SCAN: Signature = ics_sig(
    3_000_705,
    "TAISHI BEHAVIOUR ICS function-code/unit-id scan",
    2,
    &["T0846"],
    &["TA0102"],
);
const FUNCTION: Signature = ics_sig(
    3_000_706,
    "TAISHI BEHAVIOUR ICS function code the asset registry does not permit for the device",
    1,
    &["T0855"],
    &["TA0106"],
);

/// Masters remembered per device: a process has a handful; past this the
/// device is taken as open to anyone (no learning possible) and counted.
const MAX_MASTERS: usize = 32;

/// What a request does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Action {
    Read,
    /// A write; true when it changes registers/points (T0836).
    Write(bool),
    Stop,
    Download,
    Mode,
}

/// A request: what it does, a short name for the evidence, and its code
/// for the registry's function-code list.
struct Request<'a> {
    action: Action,
    what: String,
    code: Code<'a>,
}

/// When a host first spoke to a device, first read, first wrote.
#[derive(Debug)]
struct Seen {
    ip: IpAddr,
    first: Micros,
    first_read: Option<Micros>,
    first_write: Option<Micros>,
}

/// A write seen while the device's masters were still being learnt: judged
/// once learning is over, because records of different flows arrive out of
/// time order (the master's polls can be written after the stranger's
/// write).
#[derive(Debug)]
struct Pending {
    time: Micros,
    parties: Parties,
    event_type: String,
    what: String,
    registers: bool,
}

#[derive(Debug)]
struct Device {
    first_seen: Micros,
    hosts: Vec<Seen>,
    alerted: Vec<(IpAddr, u32)>,
    pending: Vec<Pending>,
}

impl Device {
    /// Whether `ip` is a learnt master: it first spoke during learning, and
    /// it polled before it wrote or was the first host to speak to the
    /// device at all.
    fn learnt(&self, ip: &IpAddr, learning_end: Micros) -> bool {
        let Some(h) = self.hosts.iter().find(|h| h.ip == *ip) else {
            return false;
        };
        if h.first >= learning_end {
            return false;
        }
        let polled_first = h
            .first_read
            .is_some_and(|r| r < learning_end && h.first_write.is_none_or(|w| r <= w));
        let earliest = self.hosts.iter().map(|x| x.first).min() == Some(h.first);
        polled_first || earliest
    }

    fn masters(&self, learning_end: Micros) -> Vec<String> {
        self.hosts
            .iter()
            .filter(|h| self.learnt(&h.ip, learning_end))
            .take(SAMPLE_PEERS)
            .map(|h| eve_ip(&h.ip))
            .collect()
    }

    /// Records that `host` raised `sid` here; false when it already had.
    fn first_alert(&mut self, host: IpAddr, sid: u32) -> bool {
        if self.alerted.contains(&(host, sid)) {
            return false;
        }
        if self.alerted.len() < MAX_MASTERS {
            self.alerted.push((host, sid));
        }
        true
    }
}

/// Records of other flows may arrive this late (record time) relative to
/// one another; writes within it after learning are still held back.
pub(super) const GRACE: Micros = 60 * SEC;

/// State of the industrial detectors.
#[derive(Debug)]
pub struct Ics {
    cfg: IcsConfig,
    masters: Vec<Cidr>,
    registry: IcsRegistry,
    devices: Capped<IpAddr, Device>,
    scans: Capped<(IpAddr, IpAddr, bool), Distinct<u64>>,
    newcomers: Newcomers,
}

impl Ics {
    /// Detectors with these settings and what the asset registry declares
    /// (empty: no registry, every device's masters are learnt).
    pub fn new(cfg: IcsConfig, registry: IcsRegistry) -> Result<Ics, ConfigError> {
        let masters = cfg
            .masters
            .iter()
            .map(|s| {
                Cidr::parse(s).ok_or_else(|| ConfigError::BadNetwork {
                    field: "ics.masters",
                    value: s.clone(),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let newcomers = Newcomers::new(newcomers::Settings {
            enabled: cfg.new_hosts,
            learning: cfg.segment_learning_secs * SEC,
            prefix_v4: cfg.segment_prefix_v4,
            prefix_v6: cfg.segment_prefix_v6,
            max_segments: cfg.max_segments,
            max_hosts: cfg.max_segment_hosts,
        });
        // A device's masters are remembered for a week of silence.
        Ok(Ics {
            devices: Capped::new(cfg.max_devices, 7 * 86_400 * SEC),
            scans: Capped::new(cfg.max_devices, cfg.window_secs.max(cfg.realert_secs) * SEC),
            masters,
            registry,
            newcomers,
            cfg,
        })
    }

    /// Keys dropped to respect the size caps.
    pub fn evicted(&self) -> u64 {
        self.devices.evicted + self.scans.evicted + self.newcomers.evicted()
    }

    /// Drops idle state.
    pub fn expire(&mut self, now: Micros) {
        self.devices.expire(now);
        self.scans.expire(now);
        self.newcomers.expire(now);
    }

    /// One industrial record.
    pub fn record(&mut self, event_type: &str, h: &Header<'_>, out: &mut Vec<Value>) {
        if !self.cfg.enabled {
            return;
        }
        if let Some((master, device)) = answer_only(event_type, h) {
            self.sighting(
                event_type,
                h,
                (master, device),
                "response",
                (false, true),
                out,
            );
            return;
        }
        let Some(req) = classify(event_type, h) else {
            if let Some(what) = link_only(event_type, h) {
                self.sighting(event_type, h, (h.src, h.dst), what, (true, false), out);
            }
            return;
        };
        if !reversed(event_type, h, &req.code) {
            let answered = matches!(event_type, "modbus" | "s7comm")
                && h.at(&[event_type, "response"]).is_some();
            self.sighting(
                event_type,
                h,
                (h.src, h.dst),
                &req.what,
                (true, answered),
                out,
            );
        }
        if event_type == "modbus" {
            self.modbus_scan(h, out);
        }
        let (action, what) = (req.action, req.what);
        let learning = self.cfg.learning_secs * SEC;
        let declared = self.registry.host(&h.dst);
        // The registry names this device's masters: nothing to learn.
        let restricted = declared.is_some_and(Declared::has_peers);
        let configured = self.masters.iter().any(|n| n.contains(&h.src))
            || declared.is_some_and(|d| d.authorises(&h.src));
        let not_permitted = declared.is_some_and(|d| d.permits(&req.code) == Some(false));
        let d = self.devices.entry(h.dst, h.time, || Device {
            first_seen: h.time,
            hosts: Vec::new(),
            alerted: Vec::new(),
            pending: Vec::new(),
        });
        d.first_seen = d.first_seen.min(h.time);
        let learning_end = d.first_seen.saturating_add(learning);
        let writes = matches!(action, Action::Write(_));
        let room = d.hosts.len() < MAX_MASTERS;
        if let Some(x) = d.hosts.iter_mut().find(|x| x.ip == h.src) {
            x.first = x.first.min(h.time);
            let slot = if writes {
                &mut x.first_write
            } else {
                &mut x.first_read
            };
            *slot = Some(slot.map_or(h.time, |t| t.min(h.time)));
        } else if room {
            d.hosts.push(Seen {
                ip: h.src,
                first: h.time,
                first_read: (!writes).then_some(h.time),
                first_write: writes.then_some(h.time),
            });
        }
        let sig = match action {
            Action::Read => None,
            Action::Write(registers) if !configured => {
                let p = Pending {
                    time: h.time,
                    parties: Parties::forward(h),
                    event_type: event_type.to_string(),
                    what: what.clone(),
                    registers,
                };
                if restricted {
                    let masters = registry_masters(declared);
                    judge(d, p, None, masters, out);
                } else if h.time < learning_end.saturating_add(GRACE) {
                    let held = d.pending.iter().any(|x| x.parties.attacker == h.src);
                    if !held && d.pending.len() < MAX_MASTERS {
                        d.pending.push(p);
                    }
                } else {
                    judge(d, p, Some(learning_end), Vec::new(), out);
                }
                None
            }
            Action::Write(_) => None,
            Action::Stop => Some(&STOP),
            Action::Download => Some(&DOWNLOAD),
            Action::Mode => Some(&MODE),
        };
        let master = configured || (!restricted && d.learnt(&h.src, learning_end));
        let masters = if restricted {
            registry_masters(declared)
        } else {
            d.masters(learning_end)
        };
        let mut raised = Vec::new();
        if not_permitted && d.first_alert(h.src, FUNCTION.sid) {
            raised.push(&FUNCTION);
        }
        if let Some(sig) = sig
            && d.first_alert(h.src, sig.sid)
        {
            raised.push(sig);
        }
        for sig in raised {
            let mut ev = evidence(
                1,
                (h.time, h.time),
                vec![json!(eve_ip(&h.dst))],
                h.flow_id.as_slice(),
            );
            ev.insert("protocol".into(), json!(event_type));
            ev.insert("operation".into(), json!(what_of(action)));
            ev.insert("authorised_master".into(), json!(master));
            ev.insert("masters".into(), json!(masters));
            ev.insert(
                "masters_from".into(),
                json!(if restricted { "registry" } else { "learnt" }),
            );
            let extra: &[&str] = if sig.sid == FUNCTION.sid {
                ev.insert("function".into(), json!(what));
                ev.insert(
                    "permitted".into(),
                    json!(declared.map(|d| d.codes_for(req.code.proto))),
                );
                if action == Action::Write(true) {
                    &["T0836"]
                } else {
                    &[]
                }
            } else {
                &[]
            };
            let mut a = alert(sig, extra, h.time, &Parties::forward(h), ev);
            if master {
                // From a master, device control or an unlisted function is
                // notable, not hostile.
                if let Some(s) = a.get_mut("alert").and_then(|x| x.get_mut("severity")) {
                    *s = json!(2);
                }
            }
            out.push(a);
        }
        if self.devices_due(h.dst, h.time, learning) {
            self.flush(h.dst, learning, out);
        }
    }

    /// Hands a master–device exchange to the new-host detector; `roles`:
    /// (the master requested, the device answered).
    fn sighting(
        &mut self,
        event_type: &str,
        h: &Header<'_>,
        (master, device): (IpAddr, IpAddr),
        operation: &str,
        (requested, answered): (bool, bool),
        out: &mut Vec<Value>,
    ) {
        let declared = self.registry.host(&device);
        let master_declared = declared.is_some_and(|d| d.authorises(&master))
            || self.masters.iter().any(|n| n.contains(&master))
            || self.registry.host(&master).is_some_and(|m| m.master_role);
        let device_port = if device == h.dst { h.dport } else { h.sport };
        let x = Sighting {
            segment: self.newcomers.segment(&device, &self.registry),
            time: h.time,
            master,
            device,
            protocol: event_type,
            operation,
            flow_id: h.flow_id,
            proto: h.proto,
            device_port,
            master_declared,
            device_declared: declared.is_some(),
        };
        self.newcomers
            .sighting(&x, requested, answered, &self.registry, out);
    }

    fn devices_due(&mut self, dev: IpAddr, now: Micros, learning: Micros) -> bool {
        self.devices.get_mut(&dev).is_some_and(|d| {
            !d.pending.is_empty()
                && now >= d.first_seen.saturating_add(learning).saturating_add(GRACE)
        })
    }

    fn flush(&mut self, dev: IpAddr, learning: Micros, out: &mut Vec<Value>) {
        if let Some(d) = self.devices.get_mut(&dev) {
            let learning_end = d.first_seen.saturating_add(learning);
            for p in std::mem::take(&mut d.pending) {
                judge(d, p, Some(learning_end), Vec::new(), out);
            }
        }
    }

    /// End of input: judge the writes and new hosts still held back.
    pub fn finish(&mut self, out: &mut Vec<Value>) {
        let learning = self.cfg.learning_secs * SEC;
        for (_, d) in self.devices.iter_mut() {
            let learning_end = d.first_seen.saturating_add(learning);
            for p in std::mem::take(&mut d.pending) {
                judge(d, p, Some(learning_end), Vec::new(), out);
            }
        }
        self.newcomers.finish(&self.registry, out);
    }

    fn modbus_scan(&mut self, h: &Header<'_>, out: &mut Vec<Value>) {
        let window = self.cfg.window_secs * SEC;
        let realert = self.cfg.realert_secs * SEC;
        for (units, key, threshold) in [
            (false, "function_raw", self.cfg.scan_function_codes),
            (true, "unit_id", self.cfg.scan_unit_ids),
        ] {
            let Some(v) = h.at(&["modbus", "request", key]).and_then(Value::as_u64) else {
                continue;
            };
            let d = self
                .scans
                .entry((h.src, h.dst, units), h.time, Distinct::default);
            if d.add(v, h.time, h.flow_id, threshold, window, realert) {
                d.fire(h.time);
                let mut items = d.sample(usize::MAX);
                items.sort_unstable();
                let peers = items.iter().take(SAMPLE_PEERS).map(|v| json!(v)).collect();
                let mut ev = evidence(d.count(), d.span(), peers, d.flows());
                ev.insert(
                    "kind".into(),
                    json!(if units { "unit_id" } else { "function_code" }),
                );
                ev.insert("protocol".into(), json!("modbus"));
                out.push(alert(&SCAN, &[], d.span().1, &Parties::forward(h), ev));
            }
        }
    }
}

/// The registry's masters of a device, for the evidence.
fn registry_masters(declared: Option<&Declared>) -> Vec<String> {
    declared.map_or_else(Vec::new, |d| {
        d.peer_names.iter().take(SAMPLE_PEERS).cloned().collect()
    })
}

/// A write from a host that is not a master of the device is an alert,
/// once per (host, device). `learning_end` is `None` when the registry
/// names the device's masters (`masters`, for the evidence).
fn judge(
    d: &mut Device,
    p: Pending,
    learning_end: Option<Micros>,
    masters: Vec<String>,
    out: &mut Vec<Value>,
) {
    let host = p.parties.attacker;
    if learning_end.is_some_and(|end| d.learnt(&host, end)) || !d.first_alert(host, WRITE.sid) {
        return;
    }
    let mut ev = evidence(
        1,
        (p.time, p.time),
        vec![json!(p.parties.victim.map(|v| eve_ip(&v)))],
        p.parties.flow_id.as_slice(),
    );
    ev.insert("protocol".into(), json!(p.event_type));
    ev.insert("operation".into(), json!(p.what));
    ev.insert("authorised_master".into(), json!(false));
    let (masters, from) = match learning_end {
        Some(end) => (d.masters(end), "learnt"),
        None => (masters, "registry"),
    };
    ev.insert("masters".into(), json!(masters));
    ev.insert("masters_from".into(), json!(from));
    let extra: &[&str] = if p.registers { &["T0836"] } else { &[] };
    out.push(alert(&WRITE, extra, p.time, &p.parties, ev));
}

fn what_of(a: Action) -> &'static str {
    match a {
        Action::Read => "read",
        Action::Write(_) => "write",
        Action::Stop => "stop",
        Action::Download => "download",
        Action::Mode => "mode",
    }
}

/// A record that only shows a device answering its master (DNP3 responses,
/// IEC-104 from the controlled station's port): `(master, device)`. DNP3
/// records keep the flow's direction, so the outstation is the side on
/// port 20000 (the destination when neither is).
fn answer_only(event_type: &str, h: &Header<'_>) -> Option<(IpAddr, IpAddr)> {
    match event_type {
        "dnp3" => match h.str_at(&["dnp3", "type"])? {
            "response" | "unsolicited_response" if h.sport == 20000 && h.dport != 20000 => {
                Some((h.dst, h.src))
            }
            "response" | "unsolicited_response" => Some((h.src, h.dst)),
            _ => None,
        },
        "iec104" if h.sport == 2404 && h.dport != 2404 => Some((h.dst, h.src)),
        _ => None,
    }
}

/// A master's record to its device that carries no request the detectors
/// classify (IEC-104 start/test/supervisory frames, DNP3 link-layer
/// requests): still the master at work. Its name for the evidence.
fn link_only<'a>(event_type: &str, h: &Header<'a>) -> Option<&'a str> {
    match event_type {
        "iec104" if h.dport == 2404 && h.sport != 2404 => {
            Some(h.str_at(&["iec104", "apci", "function"]).unwrap_or("apci"))
        }
        "dnp3" if h.str_at(&["dnp3", "type"]) == Some("request") => Some("link"),
        _ => None,
    }
}

/// Whether a record classified as a request runs device → master: a flow
/// picked up midstream can be written the wrong way round (a Modbus
/// exception reply, function 128 and up, from port 502 logged as a
/// request). The new-host detector does not guess who is the master then.
fn reversed(event_type: &str, h: &Header<'_>, code: &Code<'_>) -> bool {
    let port = match event_type {
        "modbus" => 502,
        "dnp3" => 20000,
        "s7comm" => 102,
        "iec104" => 2404,
        _ => return false,
    };
    let exception = code.proto == Proto::Modbus && code.number.is_some_and(|f| f >= 128);
    exception || (h.sport == port && h.dport != port)
}

/// What a request does, a short name for the evidence, and its code;
/// `None` for records that are not requests from a master to a device.
fn classify<'a>(event_type: &str, h: &Header<'a>) -> Option<Request<'a>> {
    let proto = Proto::of_event(event_type)?;
    match event_type {
        "modbus" => {
            let f = h.at(&["modbus", "request", "function_raw"])?.as_u64()?;
            let name = h.str_at(&["modbus", "request", "function_code"]);
            let action = match f {
                5 | 15 => Action::Write(false),
                6 | 16 | 22 | 23 => Action::Write(true),
                // Schneider UMAS carries program transfer and start/stop;
                // its sub-function is not logged, so it is read as download.
                90 => Action::Download,
                _ => Action::Read,
            };
            Some(Request {
                action,
                what: format!("{f} {}", name.unwrap_or("")).trim().to_string(),
                code: Code {
                    proto,
                    number: Some(f),
                    name,
                },
            })
        }
        "dnp3" => {
            if h.str_at(&["dnp3", "type"]) != Some("request") {
                return None;
            }
            let f = h.at(&["dnp3", "application", "function_code"])?.as_u64()?;
            let action = match f {
                2..=6 => Action::Write(true),
                13 | 14 | 18 => Action::Stop,
                _ => Action::Read,
            };
            Some(Request {
                action,
                what: format!("function {f}"),
                code: Code {
                    proto,
                    number: Some(f),
                    name: None,
                },
            })
        }
        "s7comm" => {
            let f = h.str_at(&["s7comm", "request", "function"])?;
            let action = match f {
                "write_var" => Action::Write(true),
                "plc_stop" => Action::Stop,
                "request_download" | "download_block" | "download_ended" => Action::Download,
                "plc_control" => Action::Mode,
                _ => Action::Read,
            };
            Some(Request {
                action,
                what: f.to_string(),
                code: Code {
                    proto,
                    number: h
                        .at(&["s7comm", "request", "function_code"])
                        .and_then(Value::as_u64),
                    name: Some(f),
                },
            })
        }
        "iec104" => {
            // Commands travel controlling station → controlled station
            // (port 2404); the controlled station's confirmations are not
            // commands.
            if h.dport != 2404 {
                return None;
            }
            let t = h.at(&["iec104", "asdu", "type_id"])?.as_u64()?;
            let action = match t {
                45..=69 => Action::Write(true),
                105 => Action::Stop,
                _ => Action::Read,
            };
            let name = h.str_at(&["iec104", "asdu", "type"]);
            Some(Request {
                action,
                what: format!("{t} {}", name.unwrap_or("")).trim().to_string(),
                code: Code {
                    proto,
                    number: Some(t),
                    name,
                },
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::common::format_time;
    use super::registry::declared;
    use super::*;
    use crate::observe::Record;

    const T0: Micros = 1_780_000_000 * SEC;

    fn modbus(src: &str, f: u64, unit: u64, t: Micros) -> Value {
        json!({"timestamp": format_time(t), "flow_id": 7, "event_type": "modbus", "src_ip": src, "src_port": 50000,
            "dest_ip": "10.20.0.12", "dest_port": 502, "proto": "TCP",
            "modbus": {"request": {"function_raw": f, "function_code": "x", "unit_id": unit}}})
    }

    fn run(i: &mut Ics, recs: &[Value]) -> Vec<Value> {
        let mut out = Vec::new();
        for r in recs {
            i.record(
                r["event_type"].as_str().unwrap(),
                &Header::read(&Record::json(r)).unwrap(),
                &mut out,
            );
        }
        i.finish(&mut out);
        out
    }

    #[test]
    fn write_from_a_stranger_after_learning() {
        let mut i = Ics::new(IcsConfig::default(), IcsRegistry::default()).unwrap();
        let mut recs: Vec<Value> = (0..100)
            .map(|k| {
                modbus(
                    "10.10.5.10",
                    if k % 10 == 0 { 6 } else { 3 },
                    1,
                    T0 + k * 2 * SEC,
                )
            })
            .collect();
        // The HMI keeps writing: a master. A stranger writes after learning.
        recs.push(modbus("10.10.2.57", 6, 1, T0 + 180 * SEC));
        recs.push(modbus("10.10.2.57", 16, 1, T0 + 181 * SEC));
        let out = run(&mut i, &recs);
        // The write, and the stranger's showing up as a master at all.
        assert_eq!(
            techniques(&out),
            [json!(["T0855", "T0836"]), json!(["T0848"])]
        );
        for a in &out {
            assert_eq!(a["src_ip"], "10.10.2.57");
            assert_eq!(a["dest_ip"], "10.20.0.12");
        }
        let quiet = IcsConfig {
            new_hosts: false,
            ..IcsConfig::default()
        };
        let out = run(&mut Ics::new(quiet, IcsRegistry::default()).unwrap(), &recs);
        assert_eq!(techniques(&out), [json!(["T0855", "T0836"])]);
    }

    /// The alerts' technique lists, sorted by signature id.
    fn techniques(out: &[Value]) -> Vec<Value> {
        let mut v: Vec<_> = out
            .iter()
            .map(|a| {
                (
                    a["alert"]["signature_id"].as_u64(),
                    a["alert"]["metadata"]["mitre_technique_id"].clone(),
                )
            })
            .collect();
        v.sort_by_key(|(sid, _)| *sid);
        v.into_iter().map(|(_, t)| t).collect()
    }

    fn answered(mut r: Value) -> Value {
        r["modbus"]["response"] = r["modbus"]["request"].clone();
        r
    }

    #[test]
    fn registry_peers_are_the_masters_and_its_codes_the_allowlist() {
        let registry = IcsRegistry::from_assets(&[
            declared(
                "10.20.0.12",
                "L1",
                "plc",
                &["10.10.5.10"],
                &["modbus:3", "modbus:6"],
            ),
            declared("10.10.5.10", "L2", "hmi", &[], &[]),
        ]);
        let mut i = Ics::new(IcsConfig::default(), registry).unwrap();
        let recs = [
            modbus("10.10.5.10", 3, 1, T0),
            // Polls first: learning alone would make it a master.
            modbus("10.10.2.57", 3, 1, T0 + SEC),
            modbus("10.10.2.57", 6, 1, T0 + 2 * SEC),
            modbus("10.10.5.10", 6, 1, T0 + 3 * SEC),
            // The HMI with a code the registry does not list.
            modbus("10.10.5.10", 16, 1, T0 + 4 * SEC),
            modbus("10.10.5.10", 16, 1, T0 + 5 * SEC),
        ];
        let out = run(&mut i, &recs);
        assert_eq!(out.len(), 2, "{out:?}");
        let write = &out[0];
        assert_eq!(write["src_ip"], "10.10.2.57");
        assert_eq!(write["alert"]["signature_id"], 3_000_701);
        assert_eq!(write["evidence"]["masters"], json!(["10.10.5.10"]));
        assert_eq!(write["evidence"]["masters_from"], "registry");
        let function = &out[1];
        assert_eq!(function["src_ip"], "10.10.5.10");
        assert_eq!(function["alert"]["signature_id"], 3_000_706);
        assert_eq!(
            function["alert"]["metadata"]["mitre_technique_id"],
            json!(["T0855", "T0836"])
        );
        // From an authorised master: notable, not hostile.
        assert_eq!(function["alert"]["severity"], 2);
        assert_eq!(function["evidence"]["authorised_master"], true);
        assert_eq!(function["evidence"]["permitted"], json!(["3", "6"]));
    }

    #[test]
    fn a_device_without_registry_peers_is_learnt_as_before() {
        // Declared, but with no authorised peers: its masters are learnt.
        let registry = IcsRegistry::from_assets(&[declared("10.20.0.12", "L1", "plc", &[], &[])]);
        let mut i = Ics::new(IcsConfig::default(), registry).unwrap();
        let recs = [
            modbus("10.10.5.10", 3, 1, T0),
            modbus("10.10.2.57", 3, 1, T0 + SEC),
            modbus("10.10.2.57", 6, 1, T0 + 2 * SEC),
        ];
        assert!(run(&mut i, &recs).is_empty());
    }

    #[test]
    fn new_master_and_new_device_after_the_segment_learnt() {
        let mut i = Ics::new(IcsConfig::default(), IcsRegistry::default()).unwrap();
        let mut recs: Vec<Value> = (0..60)
            .map(|k| answered(modbus("10.10.5.10", 3, 1, T0 + k * 5 * SEC)))
            .collect();
        // A new host polls; the PLC answers (known device, new master).
        recs.push(answered(modbus("10.10.5.99", 3, 1, T0 + 200 * SEC)));
        recs.push(answered(modbus("10.10.5.99", 3, 1, T0 + 201 * SEC)));
        // The HMI polls a PLC never seen: a new device.
        let mut new_plc = answered(modbus("10.10.5.10", 3, 1, T0 + 210 * SEC));
        new_plc["dest_ip"] = json!("10.20.0.77");
        recs.push(new_plc.clone());
        // A new master's probe answered by a device never seen: only the
        // master is news.
        let mut probe = answered(modbus("10.10.6.6", 3, 1, T0 + 220 * SEC));
        probe["dest_ip"] = json!("10.20.0.88");
        recs.push(probe);
        let out = run(&mut i, &recs);
        let seen: Vec<_> = out
            .iter()
            .map(|a| {
                (
                    a["src_ip"].as_str().unwrap().to_string(),
                    a["alert"]["metadata"]["mitre_technique_id"][0].clone(),
                )
            })
            .collect();
        assert_eq!(
            seen,
            [
                ("10.10.5.99".to_string(), json!("T0848")),
                ("10.20.0.77".to_string(), json!("T0864")),
                ("10.10.6.6".to_string(), json!("T0848")),
            ]
        );
        let device = &out[1];
        assert_eq!(device["dest_ip"], "10.10.5.10");
        assert_eq!(device["evidence"]["segment"], "10.20.0.0/24");
        assert_eq!(device["evidence"]["role"], "device");
        assert_eq!(device["evidence"]["first_request"]["master"], "10.10.5.10");
        // Once per host: seen again, no second alert.
        assert!(run(&mut i, &[new_plc]).is_empty());
    }

    #[test]
    fn declared_hosts_are_never_new_and_zones_are_segments() {
        let registry = IcsRegistry::from_assets(&[
            declared("10.20.0.0/16", "OT", "network", &[], &[]),
            declared("10.20.9.9", "", "plc", &[], &[]),
            declared("10.10.5.20", "L2", "engineering_workstation", &[], &[]),
        ]);
        let mut i = Ics::new(IcsConfig::default(), registry).unwrap();
        let mut recs: Vec<Value> = (0..60)
            .map(|k| answered(modbus("10.10.5.10", 3, 1, T0 + k * 5 * SEC)))
            .collect();
        // The declared engineering workstation, and a declared PLC in
        // another /24 of the zone: neither is new.
        recs.push(answered(modbus("10.10.5.20", 3, 1, T0 + 200 * SEC)));
        let mut other = answered(modbus("10.10.5.10", 3, 1, T0 + 201 * SEC));
        other["dest_ip"] = json!("10.20.9.9");
        recs.push(other);
        // An undeclared device of the zone polled by the HMI is new, in
        // the zone's segment.
        let mut new_plc = answered(modbus("10.10.5.10", 3, 1, T0 + 202 * SEC));
        new_plc["dest_ip"] = json!("10.20.7.7");
        recs.push(new_plc);
        let out = run(&mut i, &recs);
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!(out[0]["src_ip"], "10.20.7.7");
        assert_eq!(out[0]["evidence"]["segment"], "zone OT");
    }

    #[test]
    fn dnp3_responses_reveal_devices() {
        let dnp3 = |t: Micros, dst: &str, kind: &str, f: u64| {
            json!({"timestamp": format_time(t), "flow_id": 9, "event_type": "dnp3", "src_ip": "10.30.0.1",
                "src_port": 40000, "dest_ip": dst, "dest_port": 20000, "proto": "TCP",
                "dnp3": {"type": kind, "application": {"function_code": f}}})
        };
        let mut i = Ics::new(IcsConfig::default(), IcsRegistry::default()).unwrap();
        let mut recs = Vec::new();
        for k in 0..40 {
            recs.push(dnp3(T0 + k * 5 * SEC, "10.30.0.10", "request", 1));
            recs.push(dnp3(T0 + k * 5 * SEC + 1000, "10.30.0.10", "response", 129));
        }
        // The master asks a new outstation; only its response makes it a device.
        recs.push(dnp3(T0 + 300 * SEC, "10.30.0.11", "request", 1));
        let silent = run(&mut i, &recs);
        assert!(silent.is_empty(), "{silent:?}");
        let out = run(
            &mut i,
            &[dnp3(T0 + 300 * SEC + 1000, "10.30.0.11", "response", 129)],
        );
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!(out[0]["src_ip"], "10.30.0.11");
        assert_eq!(out[0]["src_port"], 20000);
        assert_eq!(
            out[0]["alert"]["metadata"]["mitre_technique_id"],
            json!(["T0864"])
        );
    }

    #[test]
    fn link_frames_count_and_reversed_records_do_not() {
        let iec = |t: Micros, src: &str, sport: u64, dst: &str, dport: u64, asdu: Option<u64>| {
            let mut r = json!({"timestamp": format_time(t), "flow_id": 4, "event_type": "iec104",
                "src_ip": src, "src_port": sport, "dest_ip": dst, "dest_port": dport, "proto": "TCP",
                "iec104": {"apci": {"function": "STARTDT_ACT", "type": "U"}}});
            if let Some(id) = asdu {
                r["iec104"]["asdu"] = json!({"type_id": id, "type": "C_IC_NA_1"});
            }
            r
        };
        let mut i = Ics::new(IcsConfig::default(), IcsRegistry::default()).unwrap();
        // The controlling station starts data transfer at once, and sends
        // its first command (an interrogation) ten minutes later while the
        // controlled station reports: not a new master.
        let mut recs = vec![iec(T0, "10.40.0.1", 1568, "10.40.0.2", 2404, None)];
        recs.extend((0..100).map(|k| {
            iec(
                T0 + k * 6 * SEC,
                "10.40.0.2",
                2404,
                "10.40.0.1",
                1568,
                Some(3),
            )
        }));
        recs.push(iec(
            T0 + 600 * SEC,
            "10.40.0.1",
            1568,
            "10.40.0.2",
            2404,
            Some(100),
        ));
        let out = run(&mut i, &recs);
        assert!(out.is_empty(), "{out:?}");
        // A Modbus exception reply from port 502 written as a request (a
        // flow picked up midstream, here between two PLCs of one segment):
        // the replying PLC is not a new master.
        let mut recs: Vec<Value> = (0..60)
            .map(|k| answered(modbus("10.10.5.10", 3, 1, T0 + k * 5 * SEC)))
            .collect();
        let mut back = modbus("10.20.0.12", 129, 1, T0 + 400 * SEC);
        back["src_port"] = json!(502);
        back["dest_ip"] = json!("10.20.0.14");
        back["dest_port"] = json!(4446);
        recs.push(back);
        let mut i = Ics::new(IcsConfig::default(), IcsRegistry::default()).unwrap();
        assert!(run(&mut i, &recs).is_empty());
    }

    #[test]
    fn segment_state_stays_under_its_caps() {
        let cfg = IcsConfig {
            max_segments: 16,
            max_segment_hosts: 64,
            ..IcsConfig::default()
        };
        let mut i = Ics::new(cfg, IcsRegistry::default()).unwrap();
        let mut out = Vec::new();
        for k in 0..5000u32 {
            let mut r = answered(modbus(
                &std::net::Ipv4Addr::from(0x0a0a_0000 | k).to_string(),
                3,
                1,
                T0 + u64::from(k) * 1000,
            ));
            r["dest_ip"] = json!(std::net::Ipv4Addr::from(0x0a14_0000 | (k << 8)).to_string());
            i.record(
                "modbus",
                &Header::read(&Record::json(&r)).unwrap(),
                &mut out,
            );
        }
        assert!(i.newcomers.segments.len() <= 16);
        assert!(i.newcomers.known.len() <= 64);
        assert!(i.evicted() > 0);
    }

    #[test]
    fn a_stranger_writing_during_learning_is_not_learnt() {
        let mut i = Ics::new(IcsConfig::default(), IcsRegistry::default()).unwrap();
        let recs = [
            modbus("10.10.5.10", 3, 1, T0),
            modbus("10.10.2.57", 6, 1, T0 + 10 * SEC),
            // Reading afterwards does not make it a master.
            modbus("10.10.2.57", 3, 1, T0 + 11 * SEC),
            modbus("10.10.2.57", 16, 1, T0 + 600 * SEC),
        ];
        let out = run(&mut i, &recs);
        // One alert per (host, kind) per device: the later write is the
        // same incident.
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!(out[0]["evidence"]["authorised_master"], false);
    }

    #[test]
    fn the_masters_polls_may_arrive_after_the_strangers_write() {
        let mut i = Ics::new(IcsConfig::default(), IcsRegistry::default()).unwrap();
        // Records of two flows, the stranger's flushed first.
        let recs = [
            modbus("10.99.0.1", 6, 1, T0 + 8 * SEC),
            modbus("10.99.0.3", 3, 1, T0),
            modbus("10.99.0.3", 3, 1, T0 + SEC),
        ];
        let out = run(&mut i, &recs);
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!(out[0]["src_ip"], "10.99.0.1");
        assert_eq!(out[0]["evidence"]["masters"], json!(["10.99.0.3"]));
    }

    #[test]
    fn during_learning_a_writer_becomes_a_master() {
        let mut i = Ics::new(IcsConfig::default(), IcsRegistry::default()).unwrap();
        let recs = [
            modbus("10.10.2.57", 6, 1, T0),
            modbus("10.10.2.57", 6, 1, T0 + 600 * SEC),
        ];
        assert!(run(&mut i, &recs).is_empty());
        // Configured masters never alert.
        let cfg = IcsConfig {
            masters: vec!["10.10.2.0/24".into()],
            ..IcsConfig::default()
        };
        let mut i = Ics::new(cfg, IcsRegistry::default()).unwrap();
        let recs = [
            modbus("10.10.5.10", 3, 1, T0),
            modbus("10.10.2.57", 6, 1, T0 + 600 * SEC),
        ];
        assert!(run(&mut i, &recs).is_empty());
        assert!(
            Ics::new(
                IcsConfig {
                    masters: vec!["nope".into()],
                    ..IcsConfig::default()
                },
                IcsRegistry::default()
            )
            .is_err()
        );
    }

    #[test]
    fn function_code_scan_and_plc_stop() {
        let mut i = Ics::new(IcsConfig::default(), IcsRegistry::default()).unwrap();
        let recs: Vec<Value> = (1..=10)
            .map(|f| modbus("10.10.2.66", f * 7 % 40 + 1, 1, T0 + f * SEC))
            .collect();
        let out = run(&mut i, &recs);
        assert!(
            out.iter().any(|a| a["alert"]["signature_id"] == 3_000_705),
            "{out:?}"
        );
        let stop = json!({"timestamp": format_time(T0), "event_type": "s7comm", "src_ip": "10.10.5.20",
            "src_port": 50000, "dest_ip": "10.20.0.30", "dest_port": 102, "proto": "TCP",
            "s7comm": {"request": {"function": "plc_stop"}}});
        let out = run(&mut i, &[stop]);
        assert_eq!(out.len(), 1);
        assert_eq!(
            out[0]["alert"]["metadata"]["mitre_technique_id"],
            json!(["T0816"])
        );
    }
}
