//! HTTP/1.1 messages whose Content-Length always matches the body.

use std::fmt::Write as _;

use rand::Rng;
use rand::rngs::SmallRng;

/// A request; `body` is (content type, bytes) for POST/PUT.
pub fn request(
    method: &str,
    host: &str,
    path: &str,
    ua: &str,
    body: Option<(&str, &[u8])>,
) -> Vec<u8> {
    let mut h = String::with_capacity(256);
    let _ = write!(
        h,
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: {ua}\r\nAccept: text/html,application/xhtml+xml,application/json;q=0.9,*/*;q=0.8\r\nAccept-Language: en-GB,en;q=0.7\r\nAccept-Encoding: identity\r\nConnection: keep-alive\r\n"
    );
    if let Some((ct, b)) = body {
        let _ = write!(h, "Content-Type: {ct}\r\nContent-Length: {}\r\n", b.len());
    }
    h.push_str("\r\n");
    let mut out = h.into_bytes();
    if let Some((_, b)) = body {
        out.extend_from_slice(b);
    }
    out
}

/// A response with `body`; `date` is an IMF-fixdate.
pub fn response(
    status: u16,
    reason: &str,
    server: &str,
    date: &str,
    ctype: &str,
    body: &[u8],
) -> Vec<u8> {
    let mut h = String::with_capacity(256);
    let _ = write!(
        h,
        "HTTP/1.1 {status} {reason}\r\nDate: {date}\r\nServer: {server}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nCache-Control: max-age=300\r\nConnection: keep-alive\r\n\r\n",
        body.len()
    );
    let mut out = h.into_bytes();
    out.extend_from_slice(body);
    out
}

const WORDS: &[&str] = &[
    "water",
    "pump",
    "station",
    "reservoir",
    "pressure",
    "flow",
    "quality",
    "report",
    "daily",
    "chlorine",
    "maintenance",
    "schedule",
    "customer",
    "billing",
    "meter",
    "network",
    "valve",
    "district",
    "service",
    "notice",
    "the",
    "and",
    "of",
    "for",
    "with",
    "level",
    "tank",
    "filter",
    "plant",
    "shift",
];

/// An HTML page of roughly `size` bytes of plausible text.
pub fn html(rng: &mut SmallRng, title: &str, size: usize) -> Vec<u8> {
    let mut s = String::with_capacity(size + 256);
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{title}</title>\n<link rel=\"stylesheet\" href=\"/static/site.css\">\n</head>\n<body>\n<h1>{title}</h1>\n"
    );
    while s.len() + 32 < size {
        s.push_str("<p>");
        for _ in 0..rng.gen_range(8..30) {
            s.push_str(WORDS[rng.gen_range(0..WORDS.len())]);
            s.push(' ');
        }
        s.push_str("</p>\n");
    }
    s.push_str("</body>\n</html>\n");
    s.into_bytes()
}

/// A JSON document of roughly `size` bytes (readings from a fake API).
pub fn json(rng: &mut SmallRng, size: usize) -> Vec<u8> {
    let mut s = String::with_capacity(size + 64);
    s.push_str("{\"readings\":[");
    let mut first = true;
    while s.len() + 64 < size {
        if !first {
            s.push(',');
        }
        first = false;
        let _ = write!(
            s,
            "{{\"tag\":\"PT-{:03}\",\"value\":{}.{:02},\"quality\":\"good\"}}",
            rng.gen_range(100..400),
            rng.gen_range(0..900),
            rng.gen_range(0..100)
        );
    }
    s.push_str("]}");
    s.into_bytes()
}

/// Formats seconds since the Unix epoch as an IMF-fixdate (RFC 9110).
pub fn imf_date(secs: u64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{}, {:02} {} {} {:02}:{:02}:{:02} GMT",
        DAYS[(days.rem_euclid(7)) as usize],
        d,
        MONTHS[(m - 1).clamp(0, 11) as usize],
        y,
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_lengths() {
        assert_eq!(imf_date(1_780_300_800), "Mon, 01 Jun 2026 08:00:00 GMT");
        let r = response(200, "OK", "nginx", "x", "text/plain", b"hello");
        let s = String::from_utf8(r).unwrap();
        assert!(s.contains("Content-Length: 5\r\n"));
        assert!(s.ends_with("\r\n\r\nhello"));
    }
}
