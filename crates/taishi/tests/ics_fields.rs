//! Industrial protocols against Wireshark: every capture of
//! `corpus/pcaps/ics/{modbus,dnp3,s7comm,iec104}` is analysed by the binary
//! and dissected by `tshark -T fields`; the multisets of the fields both
//! decode (Modbus transaction/unit/function, DNP3 function codes and
//! objects, S7 ROSCTR and functions, IEC-104 type ids, causes and object
//! addresses) must agree per capture, except for the differences listed
//! in `KNOWN` with their reason.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use common::*;
use serde_json::Value;

/// Differences that remain, by capture and field, and why.
const KNOWN: &[(&str, &str, &str)] = &[
    (
        "fuzz-72.pcap",
        "modbus.message",
        "fuzzed capture: an MBAP length outside 2..254 ends Modbus parsing of the direction (as in Suricata); tshark resynchronises per segment",
    ),
    (
        "modbus_test.pcap",
        "modbus.message",
        "mid-stream flows whose first packet is a response: the flow direction is reversed, so requests are read as responses (tshark decides by port)",
    ),
    (
        "modbus_test_data_part1.pcap",
        "modbus.message",
        "a flow from port 502 to port 4446: no Modbus port is the destination, so it is not probed (Suricata registers its Modbus probe by port); tshark dissects by either port",
    ),
    (
        "modbus_test_data_part2.pcap",
        "modbus.message",
        "the first server bytes are not Modbus, detection fails the flow; tshark dissects by port",
    ),
    (
        "DNP3-Malformed.pcap",
        "dnp3.object",
        "malformed objects: decoding stops at the first unknown object (UNKNOWN_OBJECT, as Suricata); tshark lists later headers",
    ),
    (
        "dnp3.pcap",
        "dnp3.object",
        "packed and class objects after a fragment tshark does not reassemble",
    ),
    ("dnp3_test_data_part1.pcap", "dnp3.object", "as dnp3.pcap"),
    (
        "write_vto_empty_string.pcap",
        "dnp3.object",
        "g112 variation 0 (empty VTO string): Suricata skips variation-0 headers without points and reads on, so the payload becomes more headers",
    ),
    (
        "step7_s300_AuthPassword.pcapng",
        "s7comm.rosctr",
        "reassembly gaps in the capture end parsing of the direction",
    ),
    (
        "step7_s300_download.pcapng",
        "s7comm.rosctr",
        "reassembly gaps in the capture end parsing of the direction",
    ),
    (
        "step7_s300_download.pcapng",
        "s7comm.function",
        "reassembly gaps in the capture end parsing of the direction",
    ),
    (
        "TestDissectIec104.pcap",
        "iec104.type_id",
        "type ids 24 and 26 are not in the standard table (UNKNOWN_TYPE_ID), and a bad APCI start ends the direction",
    ),
    (
        "TestDissectIec104.pcap",
        "iec104.cause",
        "as iec104.type_id",
    ),
];

type Bag = BTreeMap<String, i64>;

fn add(bag: &mut Bag, key: String) {
    *bag.entry(key).or_default() += 1;
}

/// tshark's values of `fields` (one column each), every occurrence.
fn tshark(pcap: &Path, filter: &str, fields: &[&str], extra: &[&str]) -> Vec<Vec<Vec<String>>> {
    let mut cmd = Command::new("tshark");
    cmd.arg("-r").arg(pcap).args(["-Y", filter, "-T", "fields"]);
    cmd.args([
        "-E",
        "separator=\t",
        "-E",
        "occurrence=a",
        "-E",
        "aggregator=,",
    ]);
    cmd.args(extra);
    for f in fields {
        cmd.args(["-e", f]);
    }
    let out = cmd.output().expect("run tshark");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            l.split('\t')
                .map(|c| {
                    c.split(',')
                        .filter(|s| !s.is_empty())
                        .map(String::from)
                        .collect()
                })
                .collect()
        })
        .collect()
}

fn num(v: &Value) -> i64 {
    v.as_i64().unwrap_or(-1)
}

fn parse_num(s: &str) -> i64 {
    if let Some(h) = s.strip_prefix("0x") {
        i64::from_str_radix(h, 16).unwrap_or(-1)
    } else {
        s.parse().unwrap_or(-1)
    }
}

/// Field bags from tshark for one protocol.
fn tshark_bags(proto: &str, pcap: &Path) -> BTreeMap<&'static str, Bag> {
    let mut bags: BTreeMap<&'static str, Bag> = BTreeMap::new();
    match proto {
        "modbus" => {
            for row in tshark(
                pcap,
                "mbtcp",
                &["mbtcp.trans_id", "mbtcp.unit_id", "modbus.func_code"],
                &[],
            ) {
                let n = row[0].len();
                for i in 0..n {
                    let f = row
                        .get(2)
                        .and_then(|c| c.get(i))
                        .map(|s| parse_num(s) & 0x7f)
                        .unwrap_or(-1);
                    add(
                        bags.entry("modbus.message").or_default(),
                        format!(
                            "tid={} unit={} fc={}",
                            row[0][i],
                            row[1].get(i).map(String::as_str).unwrap_or("?"),
                            f
                        ),
                    );
                }
            }
        }
        "dnp3" => {
            for row in tshark(pcap, "dnp3.al.func", &["dnp3.al.func", "dnp3.al.obj"], &[]) {
                for f in &row[0] {
                    if parse_num(f) != 0 {
                        add(
                            bags.entry("dnp3.function").or_default(),
                            parse_num(f).to_string(),
                        );
                    }
                }
                if row[0].iter().all(|f| parse_num(f) != 0) {
                    for o in row.get(1).into_iter().flatten() {
                        add(
                            bags.entry("dnp3.object").or_default(),
                            parse_num(o).to_string(),
                        );
                    }
                }
            }
        }
        "s7comm" => {
            for row in tshark(
                pcap,
                "s7comm",
                &["s7comm.header.rosctr", "s7comm.param.func"],
                &[],
            ) {
                for r in &row[0] {
                    add(
                        bags.entry("s7comm.rosctr").or_default(),
                        parse_num(r).to_string(),
                    );
                }
                for f in row.get(1).into_iter().flatten() {
                    add(
                        bags.entry("s7comm.function").or_default(),
                        parse_num(f).to_string(),
                    );
                }
            }
        }
        "iec104" => {
            for row in tshark(
                pcap,
                "iec60870_asdu",
                &[
                    "iec60870_asdu.typeid",
                    "iec60870_asdu.causetx",
                    "iec60870_asdu.ioa",
                ],
                &[],
            ) {
                for t in &row[0] {
                    add(
                        bags.entry("iec104.type_id").or_default(),
                        parse_num(t).to_string(),
                    );
                }
                for c in row.get(1).into_iter().flatten() {
                    add(
                        bags.entry("iec104.cause").or_default(),
                        parse_num(c).to_string(),
                    );
                }
                for a in row.get(2).into_iter().flatten() {
                    add(
                        bags.entry("iec104.ioa").or_default(),
                        parse_num(a).to_string(),
                    );
                }
            }
        }
        _ => {}
    }
    bags
}

/// The same bags from Taishi's EVE records.
fn taishi_bags(proto: &str, events: &[Value]) -> BTreeMap<&'static str, Bag> {
    let mut bags: BTreeMap<&'static str, Bag> = BTreeMap::new();
    for e in of_type(events, proto) {
        match proto {
            "modbus" => {
                for side in ["request", "response"] {
                    let m = &e["modbus"][side];
                    if m.is_object() {
                        add(
                            bags.entry("modbus.message").or_default(),
                            format!(
                                "tid={} unit={} fc={}",
                                num(&m["transaction_id"]),
                                num(&m["unit_id"]),
                                num(&m["function_raw"]) & 0x7f
                            ),
                        );
                    }
                }
            }
            "dnp3" => {
                let a = &e["dnp3"]["application"];
                add(
                    bags.entry("dnp3.function").or_default(),
                    num(&a["function_code"]).to_string(),
                );
                for o in a["objects"].as_array().into_iter().flatten() {
                    add(
                        bags.entry("dnp3.object").or_default(),
                        (num(&o["group"]) * 256 + num(&o["variation"])).to_string(),
                    );
                }
            }
            "s7comm" => {
                for side in ["request", "response"] {
                    let m = &e["s7comm"][side];
                    if m["rosctr_raw"].is_number() {
                        add(
                            bags.entry("s7comm.rosctr").or_default(),
                            num(&m["rosctr_raw"]).to_string(),
                        );
                    }
                    if m["function_code"].is_number() && m["protocol"].is_null() {
                        add(
                            bags.entry("s7comm.function").or_default(),
                            num(&m["function_code"]).to_string(),
                        );
                    }
                }
            }
            "iec104" => {
                let a = &e["iec104"]["asdu"];
                if a.is_object() {
                    add(
                        bags.entry("iec104.type_id").or_default(),
                        num(&a["type_id"]).to_string(),
                    );
                    add(
                        bags.entry("iec104.cause").or_default(),
                        num(&a["cot"]).to_string(),
                    );
                    for o in a["objects"].as_array().into_iter().flatten() {
                        add(
                            bags.entry("iec104.ioa").or_default(),
                            num(&o["ioa"]).to_string(),
                        );
                    }
                }
            }
            _ => {}
        }
    }
    bags
}

fn diff(a: &Bag, b: &Bag) -> String {
    let mut out = Vec::new();
    for k in a
        .keys()
        .chain(b.keys())
        .collect::<std::collections::BTreeSet<_>>()
    {
        let (x, y) = (
            a.get(k).copied().unwrap_or(0),
            b.get(k).copied().unwrap_or(0),
        );
        if x != y {
            out.push(format!("{k}: taishi {x} tshark {y}"));
        }
    }
    out.join("; ")
}

#[test]
fn ics_fields_equal_tsharks() {
    let Some(pcaps) = corpus_pcaps("ics_fields_equal_tsharks") else {
        return;
    };
    if !have("tshark") {
        eprintln!("ics_fields_equal_tsharks: skipped: tshark is not installed");
        return;
    }
    let tmp = std::env::temp_dir().join(format!("taishi-ics-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).expect("temp dir");
    let mut failures = Vec::new();
    let mut compared = 0;
    for proto in ["modbus", "dnp3", "s7comm", "iec104"] {
        for pcap in captures_under(&pcaps.join("ics").join(proto)) {
            let name = pcap
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("?")
                .to_string();
            let eve = tmp.join(format!("{name}.json"));
            // Several captures start mid-stream; tshark dissects them anyway.
            let out = analyze(&[&pcap], &eve, &["--set", "stream.midstream=true"]);
            assert!(
                out.status.success(),
                "{name}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let ours = taishi_bags(proto, &read_eve(&eve));
            let theirs = tshark_bags(proto, &pcap);
            for field in ours
                .keys()
                .chain(theirs.keys())
                .collect::<std::collections::BTreeSet<_>>()
            {
                let empty = Bag::new();
                let (a, b) = (
                    ours.get(field).unwrap_or(&empty),
                    theirs.get(field).unwrap_or(&empty),
                );
                compared += b.values().sum::<i64>();
                if a != b && !KNOWN.iter().any(|(p, f, _)| *p == name && f == field) {
                    failures.push(format!("{name} {field}: {}", diff(a, b)));
                }
            }
        }
    }
    let _ = std::fs::remove_dir_all(&tmp);
    eprintln!("ics_fields_equal_tsharks: {compared} tshark values compared");
    assert!(
        failures.is_empty(),
        "differences from tshark:\n{}",
        failures.join("\n")
    );
}
