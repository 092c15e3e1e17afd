//! The payload keywords of real rule sets: every ET Open rule's payload
//! options applied the way the compiler applies them, then each list
//! inspected against bytes built from its own patterns (no panic, and the
//! lists meant to match do).

use std::collections::BTreeMap;
use std::path::Path;

use super::*;
use crate::rules::buffers;
use crate::rules::parse::{Vars, load_files, parse_rule};

const ET_OPEN: &str = "/work/shared/corpus/rules/et-open";

const MODIFIERS: &[&str] = &[
    "nocase",
    "depth",
    "offset",
    "distance",
    "within",
    "startswith",
    "endswith",
    "rawbytes",
    "fast_pattern",
];

/// A rule's lists keyed by buffer name, or the first payload error.
fn lists_of(options: &[(String, Option<String>)]) -> Result<Vec<BufferMatch>, KeywordError> {
    let mut lists: BTreeMap<String, BufferMatch> = BTreeMap::new();
    let mut vars = ByteVars::default();
    let mut current = String::from("pkt_data");
    let mut last = current.clone();
    for (name, value) in options {
        let name = name.as_str();
        if buffers::legacy_modifier(name).is_some() {
            let from = lists.entry(current.clone()).or_default();
            let Some(op) = from.take_last() else {
                return Err(KeywordError::new(name, "no content before it"));
            };
            lists.entry(name.to_string()).or_default().push(op);
            last = name.to_string();
            continue;
        }
        // Sticky buffers the compiler may not know yet still start a list.
        if buffers::sticky(name).is_some()
            || matches!(name, "pkt_data" | "file_data")
            || (value.is_none() && name.contains('.'))
        {
            current = name.to_string();
            last = current.clone();
            continue;
        }
        let target = if MODIFIERS.contains(&name) {
            last.clone()
        } else {
            current.clone()
        };
        let list = lists.entry(target.clone()).or_default();
        match list.apply(name, value.as_deref(), &mut vars)? {
            Applied::Done => last = target,
            Applied::PcreBuffer(c) => {
                if let Some(op) = list.take_last() {
                    let key = format!("pcre/{c}");
                    lists.entry(key.clone()).or_default().push(op);
                    last = key;
                }
            }
            Applied::NotPayload => {}
        }
    }
    let mut out = Vec::new();
    for (_, mut l) in lists {
        l.finish()?;
        if !l.is_empty() {
            out.push(l);
        }
    }
    Ok(out)
}

/// Bytes that put the list's positive contents in order, with a little
/// filler, so that inspection walks deep into real rules.
fn bytes_for(bm: &BufferMatch) -> Vec<u8> {
    let mut b = Vec::new();
    for op in &bm.ops {
        if let PayloadOp::Content(c) = op
            && !c.negated
        {
            b.extend_from_slice(&c.pattern);
        }
    }
    b
}

#[test]
fn et_open_payload_options_apply_and_inspect() {
    if !Path::new(ET_OPEN).is_dir() {
        eprintln!("skipping: {ET_OPEN} not present");
        return;
    }
    let mut vars = Vars::suricata_defaults();
    let files = load_files(&[ET_OPEN.into()], &mut vars).expect("ET Open loads");
    let (mut rules, mut failed) = (0usize, 0usize);
    let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
    let (mut lists_seen, mut matched, mut with_fp) = (0usize, 0usize, 0usize);
    let mut env = InspectEnv::default();
    for f in &files {
        for r in &f.rules {
            let Ok(rule) = parse_rule(&r.text, &vars, r.origin.clone()) else {
                continue;
            };
            rules += 1;
            let opts: Vec<(String, Option<String>)> = rule
                .options
                .iter()
                .map(|o| (o.name.clone(), o.value.clone()))
                .collect();
            match lists_of(&opts) {
                Err(e) => {
                    failed += 1;
                    *reasons.entry(format!("{e}")).or_default() += 1;
                }
                Ok(lists) => {
                    for l in &lists {
                        lists_seen += 1;
                        if l.fast_pattern().is_some() {
                            with_fp += 1;
                        }
                        env.reset_vars();
                        let buf = bytes_for(l);
                        if l.inspect(&buf, &mut env) {
                            matched += 1;
                        }
                        // and a few hostile shapes of the same bytes
                        l.inspect(&[], &mut env);
                        l.inspect(&buf[..buf.len() / 2], &mut env);
                        let rev: Vec<u8> = buf.iter().rev().copied().collect();
                        l.inspect(&rev, &mut env);
                    }
                }
            }
        }
    }
    eprintln!(
        "ET Open payload options: {rules} rules, {failed} rejected; {lists_seen} buffer lists, \
         {with_fp} with a fast pattern, {matched} match their own patterns"
    );
    for (r, n) in &reasons {
        eprintln!("  {n:5}  {r}");
    }
    assert!(
        rules >= 10_000,
        "expected ET Open's ~15000 rules, got {rules}"
    );
    assert!(
        failed * 1000 <= rules * 5,
        "{failed}/{rules} ET Open rules rejected by payload keywords"
    );
    // Most lists are plain content chains: their own patterns, in order,
    // must satisfy them.
    assert!(
        matched * 2 >= lists_seen,
        "{matched}/{lists_seen} lists matched"
    );
}

/// suricata-verify cases whose rules are payload keywords on single
/// packets: each rule's lists run on every packet payload (tshark extracts
/// them) and the number of matching packets must be the expected alert
/// count. Rules with keywords outside this module keep only their payload
/// part, so only cases where that is the whole meaning are listed.
/// `PAYLOAD_SV_EXPLORE=1` runs every case whose rules use payload keywords
/// only and prints the differences instead (slow: tshark on every capture;
/// the differences it shows are stream reassembly and header-only rules).
#[test]
fn suricata_verify_payload_cases() {
    const SV: &str = "/work/shared/corpus/suricata-verify";
    let explore = std::env::var("PAYLOAD_SV_EXPLORE").is_ok();
    let all: Vec<String> = if explore {
        let mut v: Vec<String> = std::fs::read_dir(SV)
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .filter(|e| e.path().join("test.rules").exists())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    } else {
        CASES.iter().map(|s| s.to_string()).collect()
    };
    const CASES: &[&str] = &[
        "detect-bytejump-01",
        "detect-bytejump-05",
        "detect-bytejump-06",
        "bug-4623",
        "bug-7390",
        "issue-8031-01-isdataat",
    ];
    if !Path::new(SV).is_dir() {
        eprintln!("skipping: {SV} not present");
        return;
    }
    let tshark = Path::new("/usr/bin/tshark");
    if !tshark.exists() {
        eprintln!("skipping: tshark not installed");
        return;
    }
    let vars = Vars::suricata_defaults();
    let mut failures = Vec::new();
    let mut checked = 0;
    for case in &all {
        let case = case.as_str();
        let dir = Path::new(SV).join(case);
        let Ok(rules_text) = std::fs::read(dir.join("test.rules")) else {
            eprintln!("skipping {case}: no test.rules");
            continue;
        };
        let out = std::process::Command::new(tshark)
            .arg("-r")
            .arg(dir.join("input.pcap"))
            .args(["-T", "fields", "-E", "separator=|"])
            .args(["-e", "tcp.dstport", "-e", "tcp.payload", "-e", "data.data"])
            .output()
            .expect("tshark runs");
        let packets: Vec<(Option<u16>, Vec<u8>)> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| {
                let mut f = l.split('|');
                let port = f.next().and_then(|p| p.parse().ok());
                let hex: String = f.collect::<Vec<_>>().concat().replace(':', "");
                let bytes: Vec<u8> = (0..hex.len() / 2)
                    .filter_map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok())
                    .collect();
                (!bytes.is_empty()).then_some((port, bytes))
            })
            .collect();
        let expected: serde_json::Value = serde_json::from_slice(
            &std::fs::read(dir.join("expected.json")).expect("expected.json"),
        )
        .expect("expected.json parses");
        let rf = crate::rules::parse::split_rules(
            &rules_text,
            dir.join("test.rules"),
            std::sync::Arc::from(case),
        );
        for r in &rf.rules {
            let Ok(rule) = parse_rule(&r.text, &vars, r.origin.clone()) else {
                assert!(explore, "{case}: rule does not parse");
                continue;
            };
            if explore
                && (!rule
                    .options
                    .iter()
                    .any(|o| o.name == "content" || o.name == "pcre")
                    || !matches!(
                        rule.proto.as_str(),
                        "tcp" | "udp" | "icmp" | "ip" | "pkt" | "tcp-pkt"
                    )
                    || rule.options.iter().any(|o| {
                        !matches!(
                            o.name.as_str(),
                            "msg"
                                | "sid"
                                | "rev"
                                | "gid"
                                | "classtype"
                                | "metadata"
                                | "reference"
                                | "priority"
                                | "content"
                                | "nocase"
                                | "depth"
                                | "offset"
                                | "distance"
                                | "within"
                                | "startswith"
                                | "endswith"
                                | "rawbytes"
                                | "fast_pattern"
                                | "isdataat"
                                | "pcre"
                                | "byte_test"
                                | "byte_jump"
                                | "byte_extract"
                                | "byte_math"
                                | "bsize"
                                | "base64_decode"
                                | "base64_data"
                        )
                    }))
            {
                continue;
            }
            let sid = rule.sid.unwrap_or(0);
            let opts: Vec<(String, Option<String>)> = rule
                .options
                .iter()
                .map(|o| (o.name.clone(), o.value.clone()))
                .collect();
            let lists = match lists_of(&opts) {
                Ok(l) => l,
                Err(e) if explore => {
                    failures.push(format!("{case} sid {sid}: rejected: {e}"));
                    continue;
                }
                Err(e) => panic!("{case} sid {sid}: {e}"),
            };
            let mut env = InspectEnv::default();
            let count = packets
                .iter()
                .filter(|(port, _)| port.is_none_or(|p| rule.dport.matches(p)))
                .filter(|(_, p)| {
                    env.reset_vars();
                    lists.iter().all(|l| l.inspect(p, &mut env))
                })
                .count();
            let want = expected["checks"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|c| c["sid"].as_u64() == Some(sid as u64))
                .and_then(|c| c["count"].as_u64());
            if let Some(want) = want {
                checked += 1;
                if want != count as u64 {
                    failures.push(format!("{case} sid {sid}: {count} alerts, expected {want}"));
                }
            }
        }
    }
    eprintln!("suricata-verify payload cases: {checked} alert counts checked");
    if explore {
        eprintln!("{failures:#?}");
        return;
    }
    assert!(checked >= 20, "only {checked} checks ran");
    assert!(failures.is_empty(), "{failures:#?}");
}
