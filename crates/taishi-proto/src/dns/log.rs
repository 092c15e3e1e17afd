//! EVE `dns` records as Suricata 8 writes them (version 3).

use serde_json::{Map, Value, json};
use taishi_flow::Direction;

use super::parser::{Message, Name, RData, Record, rrtype};
use super::state::DnsTx;
use crate::buffer::Buffer;
use crate::parser::Transaction;

impl Transaction for DnsTx {
    fn event_type(&self) -> &'static str {
        "dns"
    }

    fn log(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("dns".into(), Value::Object(message_json(&self.msg)));
        m
    }

    fn log_direction(&self) -> Option<Direction> {
        Some(self.dir)
    }

    fn buffers(&self, buffer: Buffer, f: &mut dyn FnMut(&[u8])) {
        super::detect::buffers(self, buffer, f);
    }

    fn fields(&self, field: crate::buffer::Field, f: &mut dyn FnMut(u64)) {
        super::detect::fields(self, field, f);
    }
}

/// Bytes as Suricata's JSON builder writes them: UTF-8 as is, otherwise
/// ASCII kept and every other byte as `\xNN`.
pub fn bytes_str(b: &[u8]) -> String {
    match std::str::from_utf8(b) {
        Ok(s) => s.to_string(),
        Err(_) => {
            let mut out = String::with_capacity(b.len() + 8);
            for &c in b {
                if c < 0x80 {
                    out.push(char::from(c));
                } else {
                    out.push_str(&format!("\\x{c:02x}"));
                }
            }
            out
        }
    }
}

/// The `dns` object of one message.
pub fn message_json(msg: &Message) -> Map<String, Value> {
    let h = &msg.header;
    let mut d = Map::new();
    d.insert("version".into(), json!(3));
    let kind = if h.is_response() {
        "response"
    } else {
        "request"
    };
    d.insert("type".into(), json!(kind));
    d.insert("id".into(), json!(h.id));
    d.insert("flags".into(), json!(format!("{:x}", h.flags)));
    for (bit, key) in [
        (0x8000, "qr"),
        (0x0400, "aa"),
        (0x0200, "tc"),
        (0x0100, "rd"),
        (0x0080, "ra"),
        (0x0040, "z"),
    ] {
        if h.flags & bit != 0 {
            d.insert(key.into(), json!(true));
        }
    }
    d.insert("opcode".into(), json!(h.opcode()));
    d.insert("rcode".into(), json!(rcode_str(h.rcode())));
    if !msg.queries.is_empty() {
        let qs: Vec<Value> = msg
            .queries
            .iter()
            .map(|q| {
                let mut o = Map::new();
                name_fields(&mut o, &q.name);
                o.insert("rrtype".into(), json!(rrtype_str(q.rrtype)));
                Value::Object(o)
            })
            .collect();
        d.insert("queries".into(), Value::Array(qs));
    }
    if !msg.answers.is_empty() {
        d.insert("answers".into(), records(&msg.answers));
    }
    if !msg.authorities.is_empty() {
        d.insert("authorities".into(), records(&msg.authorities));
    }
    // Suricata leaves out OPT records without options (plain EDNS).
    let adds: Vec<&Record> = msg
        .additionals
        .iter()
        .filter(|r| !matches!(r.data, RData::Opt { empty: true }))
        .collect();
    if !adds.is_empty() {
        d.insert(
            "additionals".into(),
            Value::Array(adds.into_iter().map(record_json).collect()),
        );
    }
    d
}

fn name_fields(o: &mut Map<String, Value>, n: &Name) {
    o.insert("rrname".into(), json!(bytes_str(&n.value)));
    if n.flags.truncated {
        o.insert("rrname_truncated".into(), json!(true));
    }
}

fn records(rs: &[Record]) -> Value {
    Value::Array(rs.iter().map(record_json).collect())
}

fn record_json(r: &Record) -> Value {
    let mut o = Map::new();
    name_fields(&mut o, &r.name);
    o.insert("rrtype".into(), json!(rrtype_str(r.rrtype)));
    o.insert("ttl".into(), json!(r.ttl));
    match &r.data {
        RData::Addr(a) => {
            o.insert("rdata".into(), json!(addr_str(a)));
        }
        RData::Name(b) | RData::Text(b) => {
            o.insert("rdata".into(), json!(bytes_str(b)));
        }
        RData::Soa(s) => {
            o.insert(
                "soa".into(),
                json!({
                    "mname": bytes_str(&s.mname),
                    "rname": bytes_str(&s.rname),
                    "serial": s.serial,
                    "refresh": s.refresh,
                    "retry": s.retry,
                    "expire": s.expire,
                    "minimum": s.minimum,
                }),
            );
        }
        RData::Srv {
            priority,
            weight,
            port,
            target,
        } => {
            o.insert(
                "srv".into(),
                json!({"priority": priority, "weight": weight, "port": port, "name": bytes_str(target)}),
            );
        }
        RData::Sshfp {
            algo,
            fp_type,
            fingerprint,
        } => {
            let hex: Vec<String> = fingerprint.iter().map(|b| format!("{b:02x}")).collect();
            o.insert(
                "sshfp".into(),
                json!({"fingerprint": hex.join(":"), "algo": algo, "type": fp_type}),
            );
        }
        RData::Svcb { priority, target } => {
            let key = if r.rrtype == rrtype::HTTPS {
                "https"
            } else {
                "svcb"
            };
            o.insert(
                key.into(),
                json!({"svc_priority": priority, "target_name": bytes_str(target)}),
            );
        }
        RData::Opt { .. } | RData::Other => {}
    }
    Value::Object(o)
}

/// An address as Suricata prints it: dotted quad, or eight groups of four
/// hex digits (not compressed); empty for any other length.
pub fn addr_str(a: &[u8]) -> String {
    match a.len() {
        4 => format!("{}.{}.{}.{}", a[0], a[1], a[2], a[3]),
        16 => {
            let groups: Vec<String> = a
                .chunks_exact(2)
                .map(|g| format!("{:02x}{:02x}", g[0], g[1]))
                .collect();
            groups.join(":")
        }
        _ => String::new(),
    }
}

/// Suricata's name of a response code (the header's 4 bits).
pub fn rcode_str(rcode: u8) -> String {
    let s = match rcode {
        0 => "NOERROR",
        1 => "FORMERR",
        2 => "SERVFAIL",
        3 => "NXDOMAIN",
        4 => "NOTIMP",
        5 => "REFUSED",
        6 => "YXDOMAIN",
        7 => "YXRRSET",
        8 => "NXRRSET",
        9 => "NOTAUTH",
        10 => "NOTZONE",
        n => return n.to_string(),
    };
    s.to_string()
}

/// Suricata's name of a record type (with its spellings), else the number.
pub fn rrtype_str(t: u16) -> String {
    let s = match t {
        1 => "A",
        2 => "NS",
        3 => "MD",
        4 => "MF",
        5 => "CNAME",
        6 => "SOA",
        7 => "MB",
        8 => "MG",
        9 => "MR",
        10 => "NULL",
        11 => "WKS",
        12 => "PTR",
        13 => "HINFO",
        14 => "MINFO",
        15 => "MX",
        16 => "TXT",
        17 => "RP",
        18 => "AFSDB",
        19 => "X25",
        20 => "ISDN",
        21 => "RT",
        22 => "NSAP",
        23 => "NSAPPTR",
        24 => "SIG",
        25 => "KEY",
        26 => "PX",
        27 => "GPOS",
        28 => "AAAA",
        29 => "LOC",
        30 => "NXT",
        33 => "SRV",
        34 => "ATMA",
        35 => "NAPTR",
        36 => "KX",
        37 => "CERT",
        38 => "A6",
        39 => "DNAME",
        41 => "OPT",
        42 => "APL",
        43 => "DS",
        44 => "SSHFP",
        45 => "IPSECKEY",
        46 => "RRSIG",
        47 => "NSEC",
        48 => "DNSKEY",
        49 => "DHCID",
        50 => "NSEC3",
        51 => "NSEC3PARAM",
        52 => "TLSA",
        55 => "HIP",
        59 => "CDS",
        60 => "CDNSKEY",
        64 => "SVCB",
        65 => "HTTPS",
        99 => "SPF",
        249 => "TKEY",
        250 => "TSIG",
        254 => "MAILA",
        255 => "ANY",
        256 => "URI",
        n => return n.to_string(),
    };
    s.to_string()
}
