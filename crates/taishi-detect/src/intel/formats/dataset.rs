//! Suricata dataset and datarep files: one value a line, an optional
//! `,reputation` after it. `string` sets hold base64 (Suricata's
//! `dataset:…,type string` encoding), `md5`/`sha256` sets hex, `ipv4`/`ip`
//! sets addresses. The file does not say its type, so each line is read as
//! whichever of these it is; a base64 string is decoded and its kind
//! inferred (domain, URL, ...).

use super::ParseOutput;
use super::plain::clip;
use crate::intel::{DEFAULT_CONFIDENCE, Indicator, IndicatorKind, infer_kind};
use base64::Engine;

/// Decodes one dataset line into (kind, normalised value); None if it is
/// none of the dataset encodings.
pub fn decode_dataset_line(line: &str) -> Option<(IndicatorKind, String)> {
    let line = line.trim();
    // datarep: `value,reputation`.
    let value = match line.rsplit_once(',') {
        Some((v, rep))
            if rep.trim().bytes().all(|b| b.is_ascii_digit()) && !rep.trim().is_empty() =>
        {
            v.trim()
        }
        _ => line,
    };
    if value.is_empty() {
        return None;
    }
    let is_hex = value.bytes().all(|b| b.is_ascii_hexdigit());
    if is_hex && (value.len() == 32 || value.len() == 64) {
        return infer_kind(value);
    }
    if value.parse::<std::net::IpAddr>().is_ok() {
        return infer_kind(value);
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(value)
        .ok()?;
    let s = std::str::from_utf8(&bytes).ok()?;
    infer_kind(s)
}

/// Whether the first lines read as dataset lines but not as plain
/// indicators (base64 strings).
pub(super) fn looks_like_dataset(text: &str) -> bool {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .take(10)
        .collect();
    !lines.is_empty()
        && lines.iter().any(|l| infer_kind(l).is_none())
        && lines.iter().all(|l| decode_dataset_line(l).is_some())
}

pub(super) fn parse(text: &str, source: &str, out: &mut ParseOutput) {
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match decode_dataset_line(line) {
            Some((kind, value)) => out.indicators.push(Indicator {
                value,
                kind,
                source: source.to_string(),
                confidence: DEFAULT_CONFIDENCE,
                tags: Vec::new(),
                first_seen: None,
                last_seen: None,
                expiry: None,
            }),
            None => out.bad(
                i + 1,
                format!(
                    "not a dataset value (base64, md5, sha256, address): {}",
                    clip(line)
                ),
            ),
        }
    }
}
