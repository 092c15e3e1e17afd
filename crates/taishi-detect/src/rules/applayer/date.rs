//! Dates of `tls_cert_notbefore` / `tls_cert_notafter`: `YYYY[-MM[-DD[THH[:MM[:SS]]]]]`
//! (UTC) or Unix seconds, with `<`, `>` or `A<>B` in front or between.

use super::{DateCmp, err};
use crate::rules::keywords::KeywordError;

/// Days from 1970-01-01 to a civil date (Howard Hinnant's algorithm),
/// so that no date crate is needed for a handful of comparisons.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// One date as Unix seconds.
pub(super) fn parse_date(keyword: &str, s: &str) -> Result<i64, KeywordError> {
    let s = s.trim();
    let bad = || err(keyword, format!("invalid date '{s}'"));
    let (date, time) = match s.split_once('T') {
        Some((d, t)) => (d, Some(t)),
        None => (s, None),
    };
    let parts: Vec<&str> = date.split('-').collect();
    let num = |p: &str| -> Result<i64, KeywordError> {
        if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        p.parse().map_err(|_| bad())
    };
    // A bare number longer than a year is Unix seconds (Suricata's `%s`).
    if parts.len() == 1 && time.is_none() && date.len() > 4 {
        return num(date);
    }
    let y = num(parts.first().copied().unwrap_or(""))?;
    let m = parts.get(1).map(|p| num(p)).transpose()?.unwrap_or(1);
    let d = parts.get(2).map(|p| num(p)).transpose()?.unwrap_or(1);
    if parts.len() > 3 || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return Err(bad());
    }
    let mut secs = days_from_civil(y, m, d) * 86_400;
    if let Some(t) = time {
        let tp: Vec<&str> = t.split(':').collect();
        if tp.len() > 3 {
            return Err(bad());
        }
        let limits = [(3600, 23), (60, 59), (1, 60)];
        for (p, (mul, max)) in tp.iter().zip(limits) {
            let v = num(p)?;
            if v > max {
                return Err(bad());
            }
            secs += v * mul;
        }
    }
    Ok(secs)
}

/// `DATE`, `<DATE`, `>DATE` or `DATE<>DATE`.
pub(super) fn parse_cmp(keyword: &str, v: &str) -> Result<DateCmp, KeywordError> {
    let t = v.trim();
    if let Some((a, b)) = t.split_once("<>") {
        let (a, b) = (parse_date(keyword, a)?, parse_date(keyword, b)?);
        if a > b {
            return Err(err(keyword, "range start after its end"));
        }
        return Ok(DateCmp::Range(a, b));
    }
    if let Some(r) = t.strip_prefix('<') {
        return Ok(DateCmp::Lt(parse_date(keyword, r)?));
    }
    if let Some(r) = t.strip_prefix('>') {
        return Ok(DateCmp::Gt(parse_date(keyword, r)?));
    }
    Ok(DateCmp::Eq(parse_date(keyword, t)?))
}
