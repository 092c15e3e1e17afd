//! MISP event JSON (`{"Event": {...}}`, a list of them, or the REST API's
//! `{"response": [...]}`): `Event.Attribute` and `Event.Object[].Attribute`
//! entries marked `to_ids` whose type is a network or file indicator.
//! Composite types (`ip-dst|port`, `domain|ip`, `filename|md5`) give their
//! indicator parts. The event's `threat_level_id` sets the confidence
//! (1 high 90, 2 medium 70, 3 low 40, 4 undefined 50); event and
//! attribute tags become tags.

use super::ParseOutput;
use super::plain::clip;
use crate::intel::{
    DEFAULT_CONFIDENCE, Indicator, IndicatorKind, infer_kind, normalize_value, parse_time,
};
use serde_json::Value;

/// The kinds an attribute type's value parts hold, in order (None: a part
/// that is no indicator, such as a port or a file name).
fn parts(t: &str) -> Option<&'static [Option<IndicatorKind>]> {
    use IndicatorKind::*;
    // IPs are inferred (v4 or v6): Ipv4 here stands for "an address".
    Some(match t {
        "ip-src" | "ip-dst" => &[Some(Ipv4)],
        "ip-src|port" | "ip-dst|port" => &[Some(Ipv4), None],
        "domain" | "hostname" => &[Some(Domain)],
        "domain|ip" => &[Some(Domain), Some(Ipv4)],
        "hostname|port" => &[Some(Domain), None],
        "url" | "link" => &[Some(Url)],
        "md5" => &[Some(Md5)],
        "sha1" => &[Some(Sha1)],
        "sha256" => &[Some(Sha256)],
        "filename|md5" => &[None, Some(Md5)],
        "filename|sha1" => &[None, Some(Sha1)],
        "filename|sha256" => &[None, Some(Sha256)],
        "ja3-fingerprint-md5" => &[Some(Ja3)],
        "ja4-fingerprint" => &[Some(Ja4)],
        "x509-fingerprint-sha1" => &[Some(CertSha1)],
        _ => return None,
    })
}

fn truthy(v: Option<&Value>) -> bool {
    match v {
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_u64() == Some(1),
        Some(Value::String(s)) => s == "1" || s.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

fn tag_names(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|t| t.get("name")?.as_str())
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}

fn time(v: Option<&Value>) -> Option<i64> {
    match v? {
        Value::String(s) => parse_time(s),
        Value::Number(n) => n.as_i64(),
        _ => None,
    }
}

pub(super) fn parse(text: &str, source: &str, out: &mut ParseOutput) {
    let root: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            out.bad(e.line(), format!("not JSON: {e}"));
            return;
        }
    };
    let mut events: Vec<&Value> = Vec::new();
    let list: Vec<&Value> = match &root {
        Value::Array(a) => a.iter().collect(),
        Value::Object(_) => match root.get("response").and_then(Value::as_array) {
            Some(a) => a.iter().collect(),
            None => vec![&root],
        },
        _ => Vec::new(),
    };
    for item in list {
        match item.get("Event") {
            Some(e) => events.push(e),
            None if item.get("Attribute").is_some() => events.push(item),
            None => {}
        }
    }
    if events.is_empty() {
        out.bad(0, "no MISP Event in the file");
        return;
    }
    // Attribute index across the file, for reports.
    let mut idx = 0usize;
    for ev in events {
        let confidence = match ev
            .get("threat_level_id")
            .and_then(|v| {
                v.as_str()
                    .map(String::from)
                    .or_else(|| v.as_u64().map(|n| n.to_string()))
            })
            .as_deref()
        {
            Some("1") => 90,
            Some("2") => 70,
            Some("3") => 40,
            _ => DEFAULT_CONFIDENCE,
        };
        let ev_tags = tag_names(ev.get("Tag"));
        let mut attrs: Vec<&Value> = ev
            .get("Attribute")
            .and_then(Value::as_array)
            .map(|a| a.iter().collect())
            .unwrap_or_default();
        for obj in ev
            .get("Object")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            attrs.extend(
                obj.get("Attribute")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten(),
            );
        }
        for a in attrs {
            let i = idx;
            idx += 1;
            if !truthy(a.get("to_ids")) || truthy(a.get("deleted")) {
                out.skipped += 1;
                continue;
            }
            let t = a.get("type").and_then(Value::as_str).unwrap_or("");
            let Some(kinds) = parts(t) else {
                out.skipped += 1;
                continue;
            };
            let Some(value) = a.get("value").and_then(Value::as_str) else {
                out.bad(i, format!("{t} attribute without a value"));
                continue;
            };
            let pieces: Vec<&str> = if kinds.len() > 1 {
                value.split('|').collect()
            } else {
                vec![value]
            };
            if pieces.len() != kinds.len() {
                out.bad(
                    i,
                    format!("{t} value is not {} parts: {}", kinds.len(), clip(value)),
                );
                continue;
            }
            let mut tags = ev_tags.clone();
            tags.extend(tag_names(a.get("Tag")));
            let first_seen = time(a.get("first_seen"));
            let last_seen = time(a.get("last_seen")).or_else(|| time(a.get("timestamp")));
            for (kind, piece) in kinds.iter().zip(pieces) {
                let Some(kind) = kind else { continue };
                let parsed = match kind {
                    IndicatorKind::Ipv4 => infer_kind(piece)
                        .filter(|(k, _)| matches!(k, IndicatorKind::Ipv4 | IndicatorKind::Ipv6)),
                    k => normalize_value(piece, *k).map(|v| (*k, v)),
                };
                match parsed {
                    Some((kind, value)) => out.indicators.push(Indicator {
                        value,
                        kind,
                        source: source.to_string(),
                        confidence,
                        tags: tags.clone(),
                        first_seen,
                        last_seen,
                        expiry: None,
                    }),
                    None => out.bad(i, format!("{t} value is not valid: {}", clip(piece))),
                }
            }
        }
    }
}
