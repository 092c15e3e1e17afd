//! STIX 2.1: `indicator` objects whose `pattern` (STIX patterning) compares
//! observables we can match: `ipv4-addr:value`, `ipv6-addr:value`,
//! `domain-name:value`, `url:value`, `file:hashes.'MD5'|'SHA-1'|'SHA-256'`,
//! `x509-certificate:hashes.'SHA-1'`. Comparisons joined by `OR` give one
//! indicator each; a pattern that needs several observables together
//! (`AND`, `FOLLOWEDBY`) cannot be matched one record at a time and is
//! reported. `valid_from` is first seen, `valid_until` the expiry,
//! `labels`/`indicator_types` the tags; revoked objects are skipped.

use super::ParseOutput;
use super::plain::clip;
use crate::intel::{DEFAULT_CONFIDENCE, Indicator, IndicatorKind, normalize_value, parse_time};
use serde_json::Value;

/// Reads a pattern into its (kind, value) comparisons; Err says why it
/// cannot be used.
pub fn parse_pattern(p: &str) -> Result<Vec<(IndicatorKind, String)>, String> {
    let b: Vec<char> = p.chars().collect();
    let mut i = 0;
    let mut out = Vec::new();
    let mut unknown = Vec::new();
    while i < b.len() {
        let c = b.get(i).copied().unwrap_or(' ');
        if c.is_whitespace() || matches!(c, '[' | ']' | '(' | ')') {
            i += 1;
            continue;
        }
        // A word: an operator, or the object path of a comparison.
        let start = i;
        let mut in_q = false;
        while let Some(&ch) = b.get(i) {
            if ch == '\'' {
                in_q = !in_q;
            } else if !in_q
                && (ch.is_whitespace()
                    || matches!(ch, '=' | '!' | '<' | '>' | '[' | ']' | '(' | ')'))
            {
                break;
            }
            i += 1;
        }
        let word: String = b
            .get(start..i)
            .map(|s| s.iter().collect())
            .unwrap_or_default();
        if word.is_empty() {
            return Err(format!("unexpected {c:?} in pattern"));
        }
        match word.to_ascii_uppercase().as_str() {
            "OR" => continue,
            "AND" | "FOLLOWEDBY" => {
                return Err(format!("{word} needs several observables together"));
            }
            "WITHIN" | "REPEATS" | "START" | "STOP" => {
                return Err(format!("qualifier {word} is not supported"));
            }
            _ => {}
        }
        while b.get(i).is_some_and(|c| c.is_whitespace()) {
            i += 1;
        }
        if b.get(i) != Some(&'=') {
            return Err(format!(
                "only '=' comparisons are supported (after {})",
                clip(&word)
            ));
        }
        i += 1;
        while b.get(i).is_some_and(|c| c.is_whitespace()) {
            i += 1;
        }
        if b.get(i) != Some(&'\'') {
            return Err("comparison value is not a quoted string".into());
        }
        i += 1;
        let mut value = String::new();
        loop {
            match b.get(i) {
                None => return Err("unterminated string".into()),
                Some('\\') => {
                    if let Some(&n) = b.get(i + 1) {
                        value.push(n);
                    }
                    i += 2;
                }
                Some('\'') => {
                    i += 1;
                    break;
                }
                Some(&ch) => {
                    value.push(ch);
                    i += 1;
                }
            }
        }
        match path_kind(&word) {
            Some(kind) => match normalize_value(&value, kind) {
                Some(v) => out.push((kind, v)),
                None => return Err(format!("{word} = '{}' is not a valid {kind}", clip(&value))),
            },
            None => unknown.push(word),
        }
    }
    if out.is_empty() {
        return Err(if unknown.is_empty() {
            "empty pattern".into()
        } else {
            format!("no matchable observable ({})", clip(&unknown.join(", ")))
        });
    }
    Ok(out)
}

fn path_kind(path: &str) -> Option<IndicatorKind> {
    let p: String = path
        .chars()
        .filter(|c| *c != '\'' && *c != '"')
        .collect::<String>()
        .to_ascii_lowercase();
    Some(match p.as_str() {
        "ipv4-addr:value" => IndicatorKind::Ipv4,
        "ipv6-addr:value" => IndicatorKind::Ipv6,
        "domain-name:value" => IndicatorKind::Domain,
        "url:value" => IndicatorKind::Url,
        "file:hashes.md5" => IndicatorKind::Md5,
        "file:hashes.sha-1" | "file:hashes.sha1" => IndicatorKind::Sha1,
        "file:hashes.sha-256" | "file:hashes.sha256" => IndicatorKind::Sha256,
        "x509-certificate:hashes.sha-1" | "x509-certificate:hashes.sha1" => IndicatorKind::CertSha1,
        _ => return None,
    })
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}

pub(super) fn parse(text: &str, source: &str, out: &mut ParseOutput) {
    let root: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            out.bad(e.line(), format!("not JSON: {e}"));
            return;
        }
    };
    let objects: Vec<&Value> = match &root {
        Value::Array(a) => a.iter().collect(),
        Value::Object(_) => match root.get("objects").and_then(Value::as_array) {
            Some(a) => a.iter().collect(),
            None => vec![&root],
        },
        _ => {
            out.bad(0, "neither a bundle nor an object");
            return;
        }
    };
    for (idx, o) in objects.into_iter().enumerate() {
        if o.get("type").and_then(Value::as_str) != Some("indicator") {
            continue;
        }
        if o.get("revoked").and_then(Value::as_bool) == Some(true) {
            out.skipped += 1;
            continue;
        }
        if let Some(pt) = o.get("pattern_type").and_then(Value::as_str)
            && pt != "stix"
        {
            out.bad(idx, format!("pattern_type {} is not stix", clip(pt)));
            continue;
        }
        let Some(pattern) = o.get("pattern").and_then(Value::as_str) else {
            out.bad(idx, "indicator without a pattern");
            continue;
        };
        let comparisons = match parse_pattern(pattern) {
            Ok(c) => c,
            Err(e) => {
                out.bad(idx, format!("{e}: {}", clip(pattern)));
                continue;
            }
        };
        let mut tags = strings(o.get("labels"));
        tags.extend(strings(o.get("indicator_types")));
        let confidence = o
            .get("confidence")
            .and_then(Value::as_u64)
            .map_or(DEFAULT_CONFIDENCE, |c| c.min(100) as u8);
        let time = |k: &str| o.get(k).and_then(Value::as_str).and_then(parse_time);
        for (kind, value) in comparisons {
            out.indicators.push(Indicator {
                value,
                kind,
                source: source.to_string(),
                confidence,
                tags: tags.clone(),
                first_seen: time("valid_from"),
                last_seen: time("modified"),
                expiry: time("valid_until"),
            });
        }
    }
}
