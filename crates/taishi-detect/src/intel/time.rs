//! Feed timestamps to Unix seconds, without a date library: feeds write
//! RFC 3339 (STIX), ISO dates (CSV), or Unix seconds (MISP).

/// Parses `2024-05-01`, `2024-05-01T10:00:00Z`, `2024-05-01 10:00:00`,
/// fractions and `+08:00`/`+0800` offsets, or plain Unix seconds, into Unix
/// seconds. None for anything else.
pub fn parse_time(s: &str) -> Option<i64> {
    let s = s.trim().trim_matches('"');
    if s.is_empty() {
        return None;
    }
    if s.bytes().all(|b| b.is_ascii_digit()) {
        // Unix seconds; longer runs are milliseconds.
        let n: i64 = s.parse().ok()?;
        return Some(if s.len() > 11 { n / 1000 } else { n });
    }
    let b = s.as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let part = b.get(from..from + len)?;
        if !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(part).ok()?.parse().ok()
    };
    let year = num(0, 4)?;
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let month = num(5, 2)?;
    let day = num(8, 2)?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let mut secs = days_from_civil(year, month, day) * 86_400;
    let mut i = 10;
    if matches!(b.get(i), Some(b'T' | b't' | b' ')) {
        let h = num(i + 1, 2)?;
        if b.get(i + 3) != Some(&b':') {
            return None;
        }
        let m = num(i + 4, 2)?;
        i += 6;
        let mut sec = 0;
        if b.get(i) == Some(&b':') {
            sec = num(i + 1, 2)?;
            i += 3;
        }
        if h > 23 || m > 59 || sec > 60 {
            return None;
        }
        secs += h * 3600 + m * 60 + sec;
        if b.get(i) == Some(&b'.') {
            i += 1;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
        }
    }
    match b.get(i) {
        None => {}
        Some(b'Z' | b'z') if i + 1 == b.len() => {}
        Some(&sign @ (b'+' | b'-')) => {
            let oh = num(i + 1, 2)?;
            let om = match b.get(i + 3) {
                Some(b':') => num(i + 4, 2)?,
                Some(_) => num(i + 3, 2)?,
                None => 0,
            };
            let off = oh * 3600 + om * 60;
            secs += if sign == b'+' { -off } else { off };
        }
        _ => return None,
    }
    Some(secs)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// algorithm, the inverse of the one taishi-core formats with).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::parse_time;

    #[test]
    fn formats_feeds_use() {
        assert_eq!(parse_time("1970-01-01"), Some(0));
        assert_eq!(parse_time("2024-05-01T00:00:00Z"), Some(1_714_521_600));
        assert_eq!(parse_time("2024-05-01T00:00:00.123Z"), Some(1_714_521_600));
        assert_eq!(parse_time("2024-05-01 08:00:00+08:00"), Some(1_714_521_600));
        assert_eq!(parse_time("2024-05-01T08:00:00+0800"), Some(1_714_521_600));
        assert_eq!(parse_time("1714521600"), Some(1_714_521_600));
        assert_eq!(parse_time("1714521600000"), Some(1_714_521_600));
        assert_eq!(parse_time("2024-13-01"), None);
        assert_eq!(parse_time("yesterday"), None);
        assert_eq!(parse_time("2024-05-01Tjunk"), None);
    }
}
