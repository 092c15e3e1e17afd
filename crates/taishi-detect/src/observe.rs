//! Observers of EVE records: intel matching and behavioural detectors.
//!
//! They see the records the pipeline writes (and, later, records read from
//! Suricata or Zeek logs), so they depend on EVE's shape, not on Taishi's
//! internal types. A [`Record`] is that shape read either from a JSON value
//! or straight from one of Taishi's own events: the pipeline emits hundreds
//! of thousands of events a second, and building a JSON tree for each one
//! only to read a dozen fields cost more than the detectors themselves.

use std::cell::OnceCell;
use std::net::IpAddr;

use serde::Serialize;
use serde_json::Value;
use taishi_core::event::{Eve, Event};

use crate::behaviour::common::{Micros, parse_time, path};

/// Sees every EVE record the pipeline writes, in time order per flow, and
/// may add `alert` records.
pub trait Observer: Send {
    /// One record; alerts it raises are pushed to `out` (complete EVE
    /// records, `event_type: "alert"`).
    fn observe(&mut self, record: &Value, out: &mut Vec<Value>);

    /// One record as a [`Record`] view. Observers that read only a few
    /// fields implement this to skip the record's JSON tree; the default
    /// builds it (once, shared by every observer of the record).
    fn observe_record(&mut self, record: &Record<'_>, out: &mut Vec<Value>) {
        self.observe(record.value(), out);
    }

    /// End of input (capture end / shutdown): flush what is pending (e.g.
    /// windows not yet closed).
    fn finish(&mut self, out: &mut Vec<Value>) {
        let _ = out;
    }
}

/// Several observers run one after the other on each record.
#[derive(Default)]
pub struct Observers {
    list: Vec<Box<dyn Observer>>,
}

impl Observers {
    /// No observers.
    pub fn new() -> Observers {
        Observers::default()
    }

    /// Adds one.
    pub fn push(&mut self, o: Box<dyn Observer>) {
        self.list.push(o);
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Hands a record to each observer.
    pub fn observe(&mut self, record: &Value, out: &mut Vec<Value>) {
        self.observe_record(&Record::json(record), out);
    }

    /// Hands a record view to each observer.
    pub fn observe_record(&mut self, record: &Record<'_>, out: &mut Vec<Value>) {
        for o in &mut self.list {
            o.observe_record(record, out);
        }
    }

    /// Ends every observer.
    pub fn finish(&mut self, out: &mut Vec<Value>) {
        for o in &mut self.list {
            o.finish(out);
        }
    }
}

/// One EVE record, read from JSON or from a Taishi [`Event`] without
/// serialising it. Every accessor answers exactly what the same lookup in
/// the record's JSON would: fields kept typed in the event (header, flow
/// counters and times, TCP flags, protocol bodies, which are JSON already)
/// are read in place, and anything else falls back to the JSON form, built
/// on first need.
pub struct Record<'a> {
    src: Source<'a>,
    json: OnceCell<Value>,
}

#[derive(Clone, Copy)]
enum Source<'a> {
    Json(&'a Value),
    Event(&'a Event),
}

/// The header every [`Eve`] carries, borrowed whatever the body type.
struct Common<'a> {
    timestamp: taishi_core::Timestamp,
    flow_id: Option<u64>,
    event_type: &'a str,
    src_ip: Option<IpAddr>,
    src_port: Option<u16>,
    dest_ip: Option<IpAddr>,
    dest_port: Option<u16>,
    proto: Option<&'a str>,
    icmp_type: Option<u8>,
    icmp_code: Option<u8>,
    app_proto: Option<&'a str>,
}

fn common<T: Serialize>(e: &Eve<T>) -> Common<'_> {
    Common {
        timestamp: e.timestamp,
        flow_id: e.flow_id,
        event_type: e.event_type,
        src_ip: e.src_ip.map(|a| a.0),
        src_port: e.src_port,
        dest_ip: e.dest_ip.map(|a| a.0),
        dest_port: e.dest_port,
        proto: e.proto.as_deref(),
        icmp_type: e.icmp_type,
        icmp_code: e.icmp_code,
        app_proto: e.app_proto.as_deref(),
    }
}

/// Names [`Eve`]'s header may write: a key of an application event that is
/// neither one of these nor in its body is absent from its JSON too.
const HEADER_KEYS: [&str; 17] = [
    "timestamp",
    "flow_id",
    "in_iface",
    "event_type",
    "vlan",
    "src_ip",
    "src_port",
    "dest_ip",
    "dest_port",
    "proto",
    "icmp_type",
    "icmp_code",
    "response_icmp_type",
    "response_icmp_code",
    "community_id",
    "app_proto",
    "tunnel",
];

/// The keys a flow record's body ([`taishi_core::event::FlowBody`]) may write.
const FLOW_BODY_KEYS: [&str; 3] = ["flow", "tcp", "traffic"];

/// Seconds from the epoch to year 10000: EVE prints four-digit years, so a
/// later time does not read back from JSON, and must not from an event.
const YEAR_10000: u64 = 253_402_300_800;

fn micros(t: taishi_core::Timestamp) -> Option<Micros> {
    (t.secs() < YEAR_10000).then_some(t.0 / 1000)
}

impl<'a> Record<'a> {
    /// A record read from JSON (a log line, a test).
    pub fn json(v: &'a Value) -> Record<'a> {
        Record {
            src: Source::Json(v),
            json: OnceCell::new(),
        }
    }

    /// A record read from one of Taishi's events, as it will be written.
    pub fn event(e: &'a Event) -> Record<'a> {
        Record {
            src: Source::Event(e),
            json: OnceCell::new(),
        }
    }

    /// The whole record as JSON (built on first call for an event).
    pub fn value(&self) -> &Value {
        match self.src {
            Source::Json(v) => v,
            Source::Event(e) => self.json.get_or_init(|| e.to_value()),
        }
    }

    fn common(&self) -> Option<Common<'a>> {
        match self.src {
            Source::Json(_) => None,
            Source::Event(Event::Flow(e)) => Some(common(e)),
            Source::Event(Event::App(e)) => Some(common(e)),
            Source::Event(Event::Anomaly(e)) => Some(common(e)),
            Source::Event(Event::Stats(e)) => Some(common(e)),
            Source::Event(_) => None,
        }
    }

    /// `event_type`.
    pub fn event_type(&self) -> Option<&str> {
        match self.src {
            Source::Json(v) => v.get("event_type").and_then(Value::as_str),
            Source::Event(e) => Some(e.event_type()),
        }
    }

    /// The value under a path of object keys, as in the JSON.
    pub fn at(&self, keys: &[&str]) -> Option<&Value> {
        match self.src {
            Source::Json(v) => path(v, keys),
            Source::Event(Event::App(e)) => {
                let Some((first, rest)) = keys.split_first() else {
                    return Some(self.value());
                };
                // The body is flattened after the header, so where a key is
                // in both the body's value is the one the JSON keeps.
                match e.body.0.get(*first) {
                    Some(v) => path(v, rest),
                    None if HEADER_KEYS.contains(first) => path(self.value(), keys),
                    None => None,
                }
            }
            // A flow record's JSON holds the header and its body's three
            // groups and nothing else: any other key (`ether`, asked of
            // every record by asset discovery) is absent without the tree.
            Source::Event(Event::Flow(_))
                if keys
                    .first()
                    .is_some_and(|k| !HEADER_KEYS.contains(k) && !FLOW_BODY_KEYS.contains(k)) =>
            {
                None
            }
            Source::Event(_) => path(self.value(), keys),
        }
    }

    /// A string under a path of keys.
    pub fn str_at(&self, keys: &[&str]) -> Option<&str> {
        if let Source::Event(e) = self.src {
            if let (Event::Flow(f), [group, k]) = (e, keys) {
                match (*group, *k) {
                    ("flow", "state") => return Some(f.body.flow.state),
                    ("flow", "reason") => return Some(f.body.flow.reason),
                    ("tcp", k) => {
                        let tcp = f.body.tcp.as_ref();
                        match k {
                            "tcp_flags" => return tcp.map(|t| t.tcp_flags.as_str()),
                            "tcp_flags_ts" => return tcp.map(|t| t.tcp_flags_ts.as_str()),
                            "tcp_flags_tc" => return tcp.map(|t| t.tcp_flags_tc.as_str()),
                            "state" => return tcp.and_then(|t| t.state),
                            _ => {}
                        }
                    }
                    _ => {}
                }
            }
            if let ([k], Some(c)) = (keys, self.common())
                && !self.body_has(k)
            {
                match *k {
                    "event_type" => return Some(c.event_type),
                    "proto" => return c.proto,
                    "app_proto" => return c.app_proto,
                    _ => {}
                }
            }
        }
        self.at(keys).and_then(Value::as_str)
    }

    /// A non-negative integer under a path of keys.
    pub fn u64_at(&self, keys: &[&str]) -> Option<u64> {
        if let Source::Event(e) = self.src {
            if let (Event::Flow(f), ["flow", k]) = (e, keys) {
                let r = &f.body.flow;
                match *k {
                    "pkts_toserver" => return Some(r.pkts_toserver),
                    "pkts_toclient" => return Some(r.pkts_toclient),
                    "bytes_toserver" => return Some(r.bytes_toserver),
                    "bytes_toclient" => return Some(r.bytes_toclient),
                    "age" => return Some(r.age),
                    _ => {}
                }
            }
            if let ([k], Some(c)) = (keys, self.common())
                && !self.body_has(k)
            {
                match *k {
                    "flow_id" => return c.flow_id,
                    "src_port" => return c.src_port.map(u64::from),
                    "dest_port" => return c.dest_port.map(u64::from),
                    "icmp_type" => return c.icmp_type.map(u64::from),
                    "icmp_code" => return c.icmp_code.map(u64::from),
                    _ => {}
                }
            }
        }
        self.at(keys).and_then(Value::as_u64)
    }

    /// An address field (`src_ip`, `dest_ip`), parsed.
    pub fn ip(&self, key: &str) -> Option<IpAddr> {
        if let Some(c) = self.common()
            && !self.body_has(key)
        {
            match key {
                "src_ip" => return c.src_ip,
                "dest_ip" => return c.dest_ip,
                _ => {}
            }
        }
        self.at(&[key])?.as_str()?.parse().ok()
    }

    /// A time field (`timestamp`, `flow.start`, `flow.end`) in microseconds
    /// since the epoch; `None` when absent or not an EVE time.
    pub fn time_at(&self, keys: &[&str]) -> Option<Micros> {
        if let Source::Event(e) = self.src {
            match (e, keys) {
                (Event::Flow(f), ["flow", "start"]) => return micros(f.body.flow.start),
                (Event::Flow(f), ["flow", "end"]) => return micros(f.body.flow.end),
                (_, ["timestamp"]) if !self.body_has("timestamp") => {
                    return self.common().and_then(|c| micros(c.timestamp));
                }
                _ => {}
            }
        }
        parse_time(self.at(keys)?.as_str()?)
    }

    /// Whether an application event's body has `key` (which then hides the
    /// header's field of that name in the JSON).
    fn body_has(&self, key: &str) -> bool {
        match self.src {
            Source::Event(Event::App(e)) => e.body.0.contains_key(key),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use serde_json::json;
    use taishi_core::Timestamp;
    use taishi_core::event::{AppBody, EveIp, FlowBody, FlowRecord, TcpRecord};

    use super::*;

    fn flow_event(tcp: bool) -> Event {
        let start = Timestamp::new(1_780_000_000, 510_520_123);
        let mut e = Eve::new(
            start.plus_secs(3),
            "flow",
            FlowBody {
                flow: FlowRecord {
                    pkts_toserver: 3,
                    pkts_toclient: 2,
                    bytes_toserver: 180,
                    bytes_toclient: 120,
                    start,
                    end: start.plus_secs(2),
                    age: 2,
                    state: "closed",
                    reason: "timeout",
                    alerted: false,
                },
                tcp: tcp.then(|| TcpRecord {
                    tcp_flags: "1b".into(),
                    tcp_flags_ts: "1b".into(),
                    tcp_flags_tc: "1a".into(),
                    syn: true,
                    fin: true,
                    rst: false,
                    psh: true,
                    ack: true,
                    urg: false,
                    ecn: false,
                    cwr: false,
                    state: Some("closed"),
                    gap_ts: false,
                    gap_tc: false,
                }),
                traffic: None,
                metadata: None,
                app_protos: None,
            },
        );
        e.flow_id = Some(42);
        e.src_ip = Some(EveIp("fe80::20c:29ff:fef3:cf38".parse().unwrap()));
        e.dest_ip = Some(EveIp("fe80::1".parse().unwrap()));
        e.src_port = tcp.then_some(51000);
        e.dest_port = tcp.then_some(22);
        e.proto = Some(Cow::Borrowed(if tcp { "TCP" } else { "IPv6-ICMP" }));
        e.icmp_type = (!tcp).then_some(128);
        e.app_proto = tcp.then_some(Cow::Borrowed("ssh"));
        Event::Flow(e)
    }

    fn dns_event() -> Event {
        let body = json!({"tx_id": 0, "proto": "body-wins",
            "dns": {"type": "request", "id": 7, "queries": [{"rrname": "a.example", "rrtype": "A"}]}});
        let Value::Object(map) = body else {
            unreachable!()
        };
        let mut e = Eve::new(Timestamp::new(1_780_000_001, 5_000), "dns", AppBody(map));
        e.src_ip = Some(EveIp("10.0.0.5".parse().unwrap()));
        e.dest_ip = Some(EveIp("10.0.0.53".parse().unwrap()));
        e.src_port = Some(53124);
        e.dest_port = Some(53);
        e.proto = Some(Cow::Borrowed("UDP"));
        e.community_id = Some("1:abc".into());
        Event::App(e)
    }

    /// Every path detectors and intel read, and some they do not.
    const PATHS: &[&[&str]] = &[
        &["event_type"],
        &["timestamp"],
        &["flow_id"],
        &["src_ip"],
        &["dest_ip"],
        &["src_port"],
        &["dest_port"],
        &["proto"],
        &["app_proto"],
        &["icmp_type"],
        &["icmp_code"],
        &["community_id"],
        &["tx_id"],
        &["flow", "pkts_toserver"],
        &["flow", "pkts_toclient"],
        &["flow", "bytes_toserver"],
        &["flow", "bytes_toclient"],
        &["flow", "age"],
        &["flow", "start"],
        &["flow", "end"],
        &["flow", "state"],
        &["flow", "reason"],
        &["flow", "alerted"],
        &["tcp", "tcp_flags"],
        &["tcp", "tcp_flags_ts"],
        &["tcp", "tcp_flags_tc"],
        &["tcp", "state"],
        &["tcp", "syn"],
        &["dns", "type"],
        &["dns", "id"],
        &["dns", "queries"],
        &["dns", "rcode"],
        &["http", "status"],
        &["nothing"],
        &["ether", "src_mac"],
        &["traffic", "id"],
        &[],
    ];

    #[test]
    fn an_event_reads_as_its_json_does() {
        for e in [flow_event(true), flow_event(false), dns_event()] {
            let json = e.to_value();
            let (typed, parsed) = (Record::event(&e), Record::json(&json));
            assert_eq!(typed.event_type(), parsed.event_type());
            for keys in PATHS {
                assert_eq!(typed.at(keys), parsed.at(keys), "{keys:?} in {json}");
                assert_eq!(typed.str_at(keys), parsed.str_at(keys), "{keys:?}");
                assert_eq!(typed.u64_at(keys), parsed.u64_at(keys), "{keys:?}");
                assert_eq!(typed.time_at(keys), parsed.time_at(keys), "{keys:?}");
            }
            for k in ["src_ip", "dest_ip", "proto", "tx_id"] {
                assert_eq!(typed.ip(k), parsed.ip(k), "{k}");
            }
            assert_eq!(typed.value(), &json);
        }
    }

    #[test]
    fn typed_fields_are_read_without_building_json() {
        let e = flow_event(true);
        let r = Record::event(&e);
        assert_eq!(r.u64_at(&["flow", "bytes_toserver"]), Some(180));
        assert_eq!(r.str_at(&["tcp", "tcp_flags_ts"]), Some("1b"));
        assert_eq!(r.ip("src_ip"), "fe80::20c:29ff:fef3:cf38".parse().ok());
        assert_eq!(
            r.time_at(&["flow", "start"]),
            Some(1_780_000_000 * 1_000_000 + 510_520)
        );
        assert_eq!(r.at(&["ether"]), None);
        assert!(r.json.get().is_none(), "the JSON tree was built");
        // A field kept only in JSON form is still answered.
        assert_eq!(r.at(&["flow", "alerted"]), Some(&json!(false)));
        assert!(r.json.get().is_some());
    }
}
