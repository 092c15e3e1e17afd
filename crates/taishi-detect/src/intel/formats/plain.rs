//! Plain lists: one indicator a line, its kind inferred
//! ([`infer_kind`](crate::intel::infer_kind)). `#`, `;` and `//` start
//! comment lines; hosts-file lines (`0.0.0.0 evil.com`) give the name; on
//! other lines what follows the first blank is a comment.

use super::ParseOutput;
use crate::intel::{DEFAULT_CONFIDENCE, Indicator, infer_kind};

pub(super) fn parse(text: &str, source: &str, out: &mut ParseOutput) {
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty()
            || line.starts_with('#')
            || line.starts_with(';')
            || line.starts_with("//")
        {
            continue;
        }
        let mut words = line.split_whitespace();
        let first = words.next().unwrap_or("");
        let value = match (first, words.next()) {
            ("0.0.0.0" | "127.0.0.1" | "::" | "::1", Some(name)) if !name.starts_with('#') => name,
            _ => first,
        };
        match infer_kind(value) {
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
                format!("not an address, CIDR, domain, URL or hash: {}", clip(value)),
            ),
        }
    }
}

/// At most 80 characters of a bad value, for reports.
pub(super) fn clip(s: &str) -> String {
    let mut c: String = s.chars().take(80).collect();
    if c.len() < s.len() {
        c.push('…');
    }
    c
}
