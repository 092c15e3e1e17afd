//! Every option of ET Open and of the suricata-verify rules that belongs to
//! this module must parse: a refusal here is a rule Taishi would skip.

use std::path::Path;

use super::*;

/// The options of one rule line: `(name, value)` with the value trimmed.
/// A small splitter of its own (`;` outside quotes and not escaped) so
/// these tests do not depend on the rule parser.
fn options(line: &str) -> Vec<(String, Option<String>)> {
    let (Some(open), Some(close)) = (line.find('('), line.rfind(')')) else {
        return Vec::new();
    };
    let Some(body) = line.get(open + 1..close) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut cur = String::new();
    let (mut quoted, mut escaped) = (false, false);
    for c in body.chars() {
        if escaped {
            cur.push(c);
            escaped = false;
            continue;
        }
        match c {
            '\\' => {
                cur.push(c);
                escaped = true;
            }
            '"' => {
                cur.push(c);
                quoted = !quoted;
            }
            ';' if !quoted => {
                let opt = std::mem::take(&mut cur);
                let opt = opt.trim();
                if !opt.is_empty() {
                    out.push(match opt.split_once(':') {
                        Some((n, v)) => (n.trim().to_string(), Some(v.trim().to_string())),
                        None => (opt.to_string(), None),
                    });
                }
            }
            _ => cur.push(c),
        }
    }
    out
}

/// Parses every option of ours; returns (options parsed, errors).
fn check_rules(text: &str, names: &mut VarNames) -> (usize, Vec<String>) {
    let mut parsed = 0;
    let mut errors = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        for (name, value) in options(line) {
            let v = value.as_deref();
            let res = match name.as_str() {
                "threshold" => v
                    .ok_or_else(|| KeywordError::new("threshold", "no value"))
                    .and_then(Threshold::parse)
                    .map(|_| true),
                "detection_filter" => v
                    .ok_or_else(|| KeywordError::new("detection_filter", "no value"))
                    .and_then(DetectionFilter::parse)
                    .map(|_| true),
                _ => HeaderKw::parse(&name, v)
                    .map(|k| k.is_some())
                    .and_then(|hit| {
                        if hit {
                            Ok(true)
                        } else {
                            FlowKw::parse(&name, v).map(|k| k.is_some())
                        }
                    })
                    .and_then(|hit| {
                        if hit {
                            Ok(true)
                        } else {
                            BitsKw::parse(&name, v, names).map(|k| k.is_some())
                        }
                    })
                    .and_then(|hit| {
                        if hit {
                            Ok(true)
                        } else {
                            EventKw::parse(&name, v).map(|k| k.is_some())
                        }
                    }),
            };
            match res {
                Ok(true) => parsed += 1,
                Ok(false) => {}
                Err(e) => errors.push(format!("{e} (in: {line})")),
            }
        }
    }
    (parsed, errors)
}

#[test]
fn et_open_options_all_parse() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/rules/et-open");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("skipping: {} not present", dir.display());
        return;
    };
    let mut names = VarNames::default();
    let (mut parsed, mut errors) = (0, Vec::new());
    for e in entries.flatten() {
        let path = e.path();
        if path.extension().is_none_or(|x| x != "rules") {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let (p, errs) = check_rules(&text, &mut names);
        parsed += p;
        errors.extend(errs);
    }
    eprintln!(
        "ET Open: {parsed} options of ours parsed, {} refused",
        errors.len()
    );
    for e in errors.iter().take(20) {
        eprintln!("  {e}");
    }
    // KEYWORDS.txt: flow 11479, flowbits 2256, threshold 1558, ... in enabled rules.
    assert!(parsed > 15_000, "only {parsed} options seen");
    assert!(errors.is_empty(), "{} options refused", errors.len());
}

#[test]
fn suricata_verify_options_parse() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/suricata-verify");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("skipping: {} not present", dir.display());
        return;
    };
    let mut names = VarNames::default();
    let (mut parsed, mut errors) = (0, Vec::new());
    for e in entries.flatten() {
        let Ok(text) = std::fs::read_to_string(e.path().join("test.rules")) else {
            continue;
        };
        let (p, errs) = check_rules(&text, &mut names);
        parsed += p;
        errors.extend(
            errs.into_iter()
                .map(|m| format!("{}: {m}", e.file_name().to_string_lossy())),
        );
    }
    eprintln!(
        "suricata-verify: {parsed} options of ours parsed, {} refused",
        errors.len()
    );
    for e in &errors {
        eprintln!("  {e}");
    }
    assert!(parsed > 100, "only {parsed} options seen");
}

/// Frames of a classic little- or big-endian pcap file: (timestamp, frame).
fn pcap_frames(data: &[u8]) -> Option<Vec<(taishi_core::Timestamp, &[u8])>> {
    let magic = data.get(..4)?;
    let (le, nanos) = match magic {
        [0xd4, 0xc3, 0xb2, 0xa1] => (true, false),
        [0xa1, 0xb2, 0xc3, 0xd4] => (false, false),
        [0x4d, 0x3c, 0xb2, 0xa1] => (true, true),
        [0xa1, 0xb2, 0x3c, 0x4d] => (false, true),
        _ => return None,
    };
    let u32_at = |off: usize| -> Option<u32> {
        let b: [u8; 4] = data.get(off..off + 4)?.try_into().ok()?;
        Some(if le {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
    };
    let mut out = Vec::new();
    let mut off = 24;
    while off + 16 <= data.len() {
        let (secs, frac, caplen) = (u32_at(off)?, u32_at(off + 4)?, u32_at(off + 8)? as usize);
        let frame = data.get(off + 16..off + 16 + caplen)?;
        let ts = taishi_core::Timestamp::from_fraction(
            secs.into(),
            frac.into(),
            if nanos { 1_000_000_000 } else { 1_000_000 },
        );
        out.push((ts, frame));
        off += 16 + caplen;
    }
    Some(out)
}

/// The suricata-verify `threshold/*` cases end to end for this module:
/// capture decoded, `itype` checked per packet, `threshold` /
/// `detection_filter` deciding; alert counts compared with expected.json.
/// (All packets are one ICMP flow, so flow id 1 stands for it.)
#[test]
fn suricata_verify_threshold_cases() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/suricata-verify");
    let cases = [
        "threshold--detection_filter-rule-flow",
        "threshold--detection_filter-rule-hostsrc",
        "threshold--threshold-rule-flow",
    ];
    let mut ran = 0;
    for case in cases {
        let dir = root.join(case);
        let (Ok(pcap), Ok(rules), Ok(expected)) = (
            std::fs::read(dir.join("input.pcap")),
            std::fs::read_to_string(dir.join("test.rules")),
            std::fs::read_to_string(dir.join("expected.json")),
        ) else {
            eprintln!("skipping {case}: not present");
            continue;
        };
        let frames = pcap_frames(&pcap).expect("classic pcap");
        let expected: serde_json::Value = serde_json::from_str(&expected).expect("json");
        let mut decoder = taishi_decode::Decoder::new(&taishi_core::config::Config::default());
        let mut state = ThresholdState::new(None);
        for line in rules.lines().filter(|l| l.starts_with("alert")) {
            let mut sid = 0;
            let mut header = Vec::new();
            let (mut th, mut df) = (None, None);
            for (name, value) in options(line) {
                let v = value.as_deref();
                match name.as_str() {
                    "sid" => sid = v.and_then(|s| s.parse().ok()).expect("sid"),
                    "threshold" => {
                        th = Some(Threshold::parse(v.expect("value")).expect("threshold"))
                    }
                    "detection_filter" => {
                        df = Some(DetectionFilter::parse(v.expect("value")).expect("df"))
                    }
                    _ => header.extend(HeaderKw::parse(&name, v).expect("header keyword")),
                }
            }
            let mut alerts = 0;
            for (ts, frame) in &frames {
                let mut pkt = taishi_decode::Packet::empty();
                decoder.decode(
                    *ts,
                    taishi_core::LinkType::ETHERNET,
                    frame,
                    frame.len() as u32,
                    &mut pkt,
                );
                if !header.iter().all(|k| k.matches(&pkt)) {
                    continue;
                }
                let (src, dst) = pkt.addrs().expect("IP packet");
                if state.check(1, sid, th.as_ref(), df.as_ref(), src, dst, 1, *ts) {
                    alerts += 1;
                }
            }
            let want = expected["checks"]
                .as_array()
                .and_then(|c| c.iter().find(|c| c["sid"] == sid))
                .and_then(|c| c["count"].as_u64())
                .expect("expected count");
            assert_eq!(alerts, want, "{case} sid {sid}");
            ran += 1;
        }
    }
    eprintln!("suricata-verify threshold cases: {ran} rules checked");
}
