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
