//! CSV with a header naming its columns. Names are matched liberally
//! (case, spaces, dashes, a leading `#` as abuse.ch writes its header): the
//! indicator column is `indicator`, `value`, `ioc`, ... or a kind name
//! (`url`, `domain`, `ip`, `md5`, `sha256_hash`, ...), which then gives the
//! kind when there is no `type` column. Fields may be quoted (RFC 4180,
//! newlines inside quotes included); `;` or tab separate when the header
//! has them and no comma.

use super::ParseOutput;
use super::plain::clip;
use crate::intel::{
    DEFAULT_CONFIDENCE, Indicator, IndicatorKind, infer_kind, normalize_value, parse_time,
};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Col {
    Indicator(Option<IndicatorKind>),
    Type,
    Source,
    Confidence,
    Tags,
    Threat,
    FirstSeen,
    LastSeen,
    Expiry,
    Other,
}

fn column(name: &str) -> Col {
    let n: String = name
        .trim()
        .trim_start_matches('#')
        .trim()
        .trim_matches('"')
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c == ' ' || c == '-' { '_' } else { c })
        .collect();
    match n.as_str() {
        "indicator" | "value" | "ioc" | "ioc_value" | "observable" | "indicator_value" | "data"
        | "entity" => Col::Indicator(None),
        "ip" | "ip_address" | "ipaddress" | "ipv4" | "ipv6" | "dst_ip" | "ip_addr" | "address"
        | "dst" => Col::Indicator(None),
        "domain" | "domain_name" | "hostname" | "host" | "fqdn" => {
            Col::Indicator(Some(IndicatorKind::Domain))
        }
        "url" | "uri" => Col::Indicator(Some(IndicatorKind::Url)),
        "md5" | "md5_hash" | "md5sum" => Col::Indicator(Some(IndicatorKind::Md5)),
        "sha1" | "sha1_hash" | "sha1sum" => Col::Indicator(Some(IndicatorKind::Sha1)),
        "sha256" | "sha256_hash" | "sha256sum" => Col::Indicator(Some(IndicatorKind::Sha256)),
        "ja3" | "ja3_md5" | "ja3_hash" => Col::Indicator(Some(IndicatorKind::Ja3)),
        "ja4" => Col::Indicator(Some(IndicatorKind::Ja4)),
        // Named malware or threat: kept as tags when there is no tags
        // column (ThreatFox's malware_printable).
        "malware" | "malware_family" | "malware_printable" | "threat" => Col::Threat,
        "type" | "ioc_type" | "indicator_type" | "kind" | "attribute_type" | "datatype"
        | "data_type" => Col::Type,
        "source" | "feed" | "provider" | "reporter" | "source_name" => Col::Source,
        "confidence" | "score" | "confidence_level" | "reliability" | "confidence_score" => {
            Col::Confidence
        }
        "tags" | "tag" | "labels" | "label" => Col::Tags,
        "first_seen" | "firstseen" | "first_seen_utc" | "dateadded" | "date_added" | "created"
        | "valid_from" => Col::FirstSeen,
        "last_seen" | "lastseen" | "last_seen_utc" | "last_online" | "modified" | "updated" => {
            Col::LastSeen
        }
        "expiry" | "expires" | "expiration" | "expiration_date" | "valid_until" | "expire"
        | "expires_at" => Col::Expiry,
        _ => Col::Other,
    }
}

fn delimiter(header: &str) -> u8 {
    if header.contains(',') {
        b','
    } else if header.contains('\t') {
        b'\t'
    } else if header.contains(';') {
        b';'
    } else {
        b','
    }
}

/// Whether `text` starts (after comment lines) with a header naming an
/// indicator column and one more column.
pub(super) fn looks_like_header(text: &str) -> bool {
    header_line(text).is_some()
}

/// The header: the first line that names an indicator column among
/// several, possibly behind a `#` (abuse.ch), before any data line.
fn header_line(text: &str) -> Option<(usize, u8)> {
    for (i, line) in text.lines().enumerate().take(50) {
        let l = line.trim();
        if l.is_empty() {
            continue;
        }
        let d = delimiter(l);
        let cols: Vec<Col> = split_line(l.trim_start_matches('#'), d)
            .iter()
            .map(|c| column(c))
            .collect();
        if cols.len() >= 2 && cols.iter().any(|c| matches!(c, Col::Indicator(_))) {
            return Some((i, d));
        }
        if !l.starts_with('#') {
            return None;
        }
    }
    None
}

/// Splits one physical line (header sniffing only; records go through
/// [`records`]).
fn split_line(l: &str, d: u8) -> Vec<String> {
    records(l, d)
        .into_iter()
        .next()
        .map(|(_, r)| r)
        .unwrap_or_default()
}

/// RFC 4180 records with the line each starts on (from 1).
fn records(text: &str, d: u8) -> Vec<(usize, Vec<String>)> {
    let mut out = Vec::new();
    let mut rec: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut in_quotes = false;
    let mut line = 1;
    let mut start_line = 1;
    let mut chars = text.chars().peekable();
    let delim = char::from(d);
    while let Some(c) = chars.next() {
        if in_quotes {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    field.push('"');
                } else {
                    in_quotes = false;
                }
            } else {
                if c == '\n' {
                    line += 1;
                }
                field.push(c);
            }
            continue;
        }
        match c {
            '"' if field.trim().is_empty() => {
                field.clear();
                in_quotes = true;
            }
            c if c == delim => rec.push(std::mem::take(&mut field)),
            '\r' => {}
            '\n' => {
                rec.push(std::mem::take(&mut field));
                out.push((start_line, std::mem::take(&mut rec)));
                line += 1;
                start_line = line;
            }
            c => field.push(c),
        }
    }
    if !field.is_empty() || !rec.is_empty() {
        rec.push(field);
        out.push((start_line, rec));
    }
    out
}

/// A confidence as 0-100: numbers (0-1 fractions scaled), or words.
pub(crate) fn confidence(s: &str) -> Option<u8> {
    let s = s.trim();
    match s.to_ascii_lowercase().as_str() {
        "high" => return Some(85),
        "medium" | "med" => return Some(50),
        "low" => return Some(15),
        "none" | "" => return None,
        _ => {}
    }
    let f: f64 = s.trim_end_matches('%').parse().ok()?;
    if !f.is_finite() || f < 0.0 {
        return None;
    }
    let f = if f <= 1.0 && s.contains('.') {
        f * 100.0
    } else {
        f
    };
    Some(f.round().min(100.0) as u8)
}

pub(super) fn parse(text: &str, source: &str, out: &mut ParseOutput) {
    let Some((header_at, d)) = header_line(text) else {
        out.bad(1, "no header naming an indicator column (indicator, value, ioc, ip, domain, url, md5, ...)");
        return;
    };
    let mut recs = records(text, d).into_iter().filter(|(l, _)| *l > header_at);
    let Some((_, header)) = recs.next() else {
        return;
    };
    let cols: Vec<Col> = header.iter().map(|h| column(h)).collect();
    let Some(ind_col) = cols
        .iter()
        .position(|c| matches!(c, Col::Indicator(None)))
        .or_else(|| cols.iter().position(|c| matches!(c, Col::Indicator(_))))
    else {
        return;
    };
    let col_kind = match cols.get(ind_col) {
        Some(Col::Indicator(k)) => *k,
        _ => None,
    };
    let find = |want: Col| cols.iter().position(|c| *c == want);
    let (type_c, src_c, conf_c, tags_c, fs_c, ls_c, exp_c) = (
        find(Col::Type),
        find(Col::Source),
        find(Col::Confidence),
        find(Col::Tags).or_else(|| find(Col::Threat)),
        find(Col::FirstSeen),
        find(Col::LastSeen),
        find(Col::Expiry),
    );
    for (line, rec) in recs {
        if rec.len() == 1 && rec.first().is_some_and(|f| f.trim().is_empty()) {
            continue;
        }
        if rec.first().is_some_and(|f| f.trim_start().starts_with('#')) {
            continue;
        }
        let get = |c: Option<usize>| {
            c.and_then(|c| rec.get(c))
                .map(|s| s.trim())
                .filter(|s| !s.is_empty())
        };
        let Some(raw) = get(Some(ind_col)) else {
            out.bad(line, "empty indicator field");
            continue;
        };
        let typed = get(type_c).and_then(IndicatorKind::from_name).or(col_kind);
        let parsed = match typed {
            // A type column naming IP without the version: infer it.
            Some(IndicatorKind::Ipv4 | IndicatorKind::Ipv6) | None => infer_kind(raw),
            Some(k) => normalize_value(raw, k).map(|v| (k, v)),
        };
        // ThreatFox's `ip:port`: the address is the indicator.
        let parsed = parsed.or_else(|| {
            let (ip, port) = raw.rsplit_once(':')?;
            let ok = !port.is_empty()
                && port.bytes().all(|b| b.is_ascii_digit())
                && ip.parse::<std::net::Ipv4Addr>().is_ok();
            if ok { infer_kind(ip) } else { None }
        });
        let Some((kind, value)) = parsed else {
            out.bad(
                line,
                format!(
                    "not a valid {}: {}",
                    typed.map_or("indicator", IndicatorKind::as_str),
                    clip(raw)
                ),
            );
            continue;
        };
        let tags = get(tags_c)
            .map(|t| {
                t.split([';', '|', ','])
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default();
        out.indicators.push(Indicator {
            value,
            kind,
            source: get(src_c).unwrap_or(source).to_string(),
            confidence: get(conf_c)
                .and_then(confidence)
                .unwrap_or(DEFAULT_CONFIDENCE),
            tags,
            first_seen: get(fs_c).and_then(parse_time),
            last_seen: get(ls_c).and_then(parse_time),
            expiry: get(exp_c).and_then(parse_time),
        });
    }
}
