//! Industrial misuse (ATT&CK for ICS) from `modbus`, `dnp3`, `s7comm` and
//! `iec104` records.
//!
//! Each request is sorted into *read* (or other harmless traffic), *write*
//! (set a point or register, operate a control: T0855 Unauthorized Command
//! Message, plus T0836 Modify Parameter for register writes), or *device
//! control* (stop, restart, program download: T0816, T0858, T0843).
//!
//! The masters of each device (the hosts that send it requests) are learnt
//! for `learning_secs` after the device is first seen, or configured in
//! `masters`. While learning, a host becomes a master by polling the device
//! (any request that is not a write), or by writing to a device that has no
//! master yet; a host whose first request to a device that already has a
//! master is a write is not learnt (nor later) and is an alert. After learning, a write
//! from a host that is not a master of that device is an alert; device control is an alert whoever sends it
//! (rare and consequential), more severe from a non-master.
//!
//! Function-code and unit-id scans (T0846 Remote System Discovery): one
//! host trying many distinct Modbus function codes or unit ids on one
//! device within a window.

use std::net::IpAddr;

use serde::Deserialize;
use serde_json::{Value, json};

use super::ConfigError;
use super::common::{
    Capped, Cidr, Distinct, Header, Micros, Parties, SAMPLE_PEERS, SEC, Signature, alert, eve_ip,
    evidence,
};

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
    /// `masters`.
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
        }
    }
}

const fn ics_sig(
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
}

/// Records of other flows may arrive this late (record time) relative to
/// one another; writes within it after learning are still held back.
const GRACE: Micros = 60 * SEC;

/// State of the industrial detectors.
#[derive(Debug)]
pub struct Ics {
    cfg: IcsConfig,
    masters: Vec<Cidr>,
    devices: Capped<IpAddr, Device>,
    scans: Capped<(IpAddr, IpAddr, bool), Distinct<u64>>,
}

impl Ics {
    /// Detectors with these settings.
    pub fn new(cfg: IcsConfig) -> Result<Ics, ConfigError> {
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
        // A device's masters are remembered for a week of silence.
        Ok(Ics {
            devices: Capped::new(cfg.max_devices, 7 * 86_400 * SEC),
            scans: Capped::new(cfg.max_devices, cfg.window_secs.max(cfg.realert_secs) * SEC),
            masters,
            cfg,
        })
    }

    /// Keys dropped to respect the size caps.
    pub fn evicted(&self) -> u64 {
        self.devices.evicted + self.scans.evicted
    }

    /// Drops idle state.
    pub fn expire(&mut self, now: Micros) {
        self.devices.expire(now);
        self.scans.expire(now);
    }

    /// One industrial record.
    pub fn record(&mut self, event_type: &str, h: &Header<'_>, out: &mut Vec<Value>) {
        if !self.cfg.enabled {
            return;
        }
        let Some((action, what)) = classify(event_type, h) else {
            return;
        };
        if event_type == "modbus" {
            self.modbus_scan(h, out);
        }
        let learning = self.cfg.learning_secs * SEC;
        let configured = self.masters.iter().any(|n| n.contains(&h.src));
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
            Action::Write(registers) => {
                if !configured {
                    let p = Pending {
                        time: h.time,
                        parties: Parties::forward(h),
                        event_type: event_type.to_string(),
                        what,
                        registers,
                    };
                    if h.time < learning_end.saturating_add(GRACE) {
                        let held = d.pending.iter().any(|x| x.parties.attacker == h.src);
                        if !held && d.pending.len() < MAX_MASTERS {
                            d.pending.push(p);
                        }
                    } else {
                        judge(d, p, learning_end, out);
                    }
                }
                None
            }
            Action::Stop => Some(&STOP),
            Action::Download => Some(&DOWNLOAD),
            Action::Mode => Some(&MODE),
        };
        if self.devices_due(h.dst, h.time, learning) {
            self.flush(h.dst, learning, out);
        }
        let Some(sig) = sig else { return };
        let Some(d) = self.devices.get_mut(&h.dst) else {
            return;
        };
        if d.alerted.contains(&(h.src, sig.sid)) {
            return;
        }
        if d.alerted.len() < MAX_MASTERS {
            d.alerted.push((h.src, sig.sid));
        }
        let learning_end = d.first_seen.saturating_add(learning);
        let master = configured || d.learnt(&h.src, learning_end);
        let mut ev = evidence(
            1,
            (h.time, h.time),
            vec![json!(eve_ip(&h.dst))],
            h.flow_id.as_slice(),
        );
        ev.insert("protocol".into(), json!(event_type));
        ev.insert("operation".into(), json!(what_of(action)));
        ev.insert("authorised_master".into(), json!(master));
        ev.insert("masters".into(), json!(d.masters(learning_end)));
        let mut a = alert(sig, &[], h.time, &Parties::forward(h), ev);
        if master {
            // From a master, device control is notable, not hostile.
            if let Some(s) = a.get_mut("alert").and_then(|x| x.get_mut("severity")) {
                *s = json!(2);
            }
        }
        out.push(a);
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
                judge(d, p, learning_end, out);
            }
        }
    }

    /// End of input: judge the writes still held back.
    pub fn finish(&mut self, out: &mut Vec<Value>) {
        let learning = self.cfg.learning_secs * SEC;
        for (_, d) in self.devices.iter_mut() {
            let learning_end = d.first_seen.saturating_add(learning);
            for p in std::mem::take(&mut d.pending) {
                judge(d, p, learning_end, out);
            }
        }
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

/// A write from a host that is not a master of the device is an alert,
/// once per (host, device).
fn judge(d: &mut Device, p: Pending, learning_end: Micros, out: &mut Vec<Value>) {
    let host = p.parties.attacker;
    if d.learnt(&host, learning_end) || d.alerted.contains(&(host, WRITE.sid)) {
        return;
    }
    if d.alerted.len() < MAX_MASTERS {
        d.alerted.push((host, WRITE.sid));
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
    ev.insert("masters".into(), json!(d.masters(learning_end)));
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

/// What a request does, and a short name for the evidence; `None` for
/// records that are not requests from a master to a device.
fn classify(event_type: &str, h: &Header<'_>) -> Option<(Action, String)> {
    match event_type {
        "modbus" => {
            let f = h.at(&["modbus", "request", "function_raw"])?.as_u64()?;
            let name = h
                .str_at(&["modbus", "request", "function_code"])
                .unwrap_or("")
                .to_string();
            let action = match f {
                5 | 15 => Action::Write(false),
                6 | 16 | 22 | 23 => Action::Write(true),
                // Schneider UMAS carries program transfer and start/stop;
                // its sub-function is not logged, so it is read as download.
                90 => Action::Download,
                _ => Action::Read,
            };
            Some((action, format!("{f} {name}").trim().to_string()))
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
            Some((action, format!("function {f}")))
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
            Some((action, f.to_string()))
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
            let name = h.str_at(&["iec104", "asdu", "type"]).unwrap_or("");
            Some((action, format!("{t} {name}").trim().to_string()))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::common::format_time;
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
        let mut i = Ics::new(IcsConfig::default()).unwrap();
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
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!(out[0]["src_ip"], "10.10.2.57");
        assert_eq!(out[0]["dest_ip"], "10.20.0.12");
        assert_eq!(
            out[0]["alert"]["metadata"]["mitre_technique_id"],
            json!(["T0855", "T0836"])
        );
    }

    #[test]
    fn a_stranger_writing_during_learning_is_not_learnt() {
        let mut i = Ics::new(IcsConfig::default()).unwrap();
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
        let mut i = Ics::new(IcsConfig::default()).unwrap();
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
        let mut i = Ics::new(IcsConfig::default()).unwrap();
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
        let mut i = Ics::new(cfg).unwrap();
        let recs = [
            modbus("10.10.5.10", 3, 1, T0),
            modbus("10.10.2.57", 6, 1, T0 + 600 * SEC),
        ];
        assert!(run(&mut i, &recs).is_empty());
        assert!(
            Ics::new(IcsConfig {
                masters: vec!["nope".into()],
                ..IcsConfig::default()
            })
            .is_err()
        );
    }

    #[test]
    fn function_code_scan_and_plc_stop() {
        let mut i = Ics::new(IcsConfig::default()).unwrap();
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
