//! Packet time: nanoseconds since the Unix epoch, formatted as Suricata does.

use std::fmt;

/// A point in time with nanosecond resolution, as read from a capture.
///
/// Kept as one `u64` of nanoseconds (good until year 2554) so that comparing
/// and subtracting timestamps on the hot path is a single integer operation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub u64);

impl Timestamp {
    /// Builds a timestamp from seconds and nanoseconds; saturates instead of
    /// overflowing on absurd capture headers.
    pub fn new(secs: u64, nanos: u32) -> Self {
        Timestamp(
            secs.saturating_mul(1_000_000_000)
                .saturating_add(nanos as u64),
        )
    }

    /// Builds a timestamp from seconds and a fraction in units of `1/units_per_sec`.
    pub fn from_fraction(secs: u64, frac: u64, units_per_sec: u64) -> Self {
        let nanos = if units_per_sec == 0 {
            0
        } else if units_per_sec <= 1_000_000_000 {
            frac.saturating_mul(1_000_000_000 / units_per_sec)
        } else {
            frac / (units_per_sec / 1_000_000_000)
        };
        Timestamp(secs.saturating_mul(1_000_000_000).saturating_add(nanos))
    }

    /// Whole seconds since the epoch.
    pub fn secs(self) -> u64 {
        self.0 / 1_000_000_000
    }

    /// Sub-second part in nanoseconds.
    pub fn subsec_nanos(self) -> u32 {
        (self.0 % 1_000_000_000) as u32
    }

    /// Sub-second part in microseconds.
    pub fn subsec_micros(self) -> u32 {
        self.subsec_nanos() / 1000
    }

    /// The timestamp as EVE prints it and [`Timestamp::parse_eve`] reads it
    /// back: cut to whole microseconds.
    pub fn to_eve_precision(self) -> Timestamp {
        Timestamp(self.0 - self.0 % 1000)
    }

    /// Nanoseconds elapsed from `earlier` to `self`, zero when `earlier` is later.
    pub fn nanos_since(self, earlier: Timestamp) -> u64 {
        self.0.saturating_sub(earlier.0)
    }

    /// The timestamp `secs` seconds later.
    pub fn plus_secs(self, secs: u64) -> Timestamp {
        Timestamp(self.0.saturating_add(secs.saturating_mul(1_000_000_000)))
    }

    /// Wall-clock now.
    pub fn now() -> Timestamp {
        let d = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        Timestamp::new(d.as_secs(), d.subsec_nanos())
    }
}

/// Civil date from days since 1970-01-01 (Howard Hinnant's algorithm), so
/// that formatting needs no date library.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Days since 1970-01-01 of a civil date (inverse of [`civil_from_days`]).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

impl Timestamp {
    /// Parses an EVE `timestamp` as Suricata and Taishi write it
    /// (`2009-11-24T21:27:09.534255+0000`, any UTC offset `+hhmm`/`-hhmm`/`Z`,
    /// any number of fraction digits); `None` when it is not one.
    pub fn parse_eve(s: &str) -> Option<Timestamp> {
        let b = s.as_bytes();
        let num = |r: std::ops::Range<usize>| -> Option<i64> {
            let part = b.get(r)?;
            if part.is_empty() || !part.iter().all(u8::is_ascii_digit) {
                return None;
            }
            std::str::from_utf8(part).ok()?.parse().ok()
        };
        if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' {
            return None;
        }
        let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
        if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
            return None;
        }
        let mut i = 19;
        let mut nanos: u64 = 0;
        if b.get(i) == Some(&b'.') {
            i += 1;
            let start = i;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                if i - start < 9 {
                    nanos = nanos * 10 + u64::from(b[i] - b'0');
                }
                i += 1;
            }
            let digits = (i - start).min(9);
            if digits == 0 {
                return None;
            }
            nanos *= 10u64.pow(9 - digits as u32);
        }
        let offset_secs = match b.get(i) {
            None | Some(b'Z') => 0,
            Some(&sign @ (b'+' | b'-')) => {
                let oh = num(i + 1..i + 3)?;
                let om = match b.get(i + 3) {
                    Some(b':') => num(i + 4..i + 6)?,
                    _ => num(i + 3..i + 5)?,
                };
                let o = oh * 3600 + om * 60;
                if sign == b'+' { o } else { -o }
            }
            _ => return None,
        };
        let days = days_from_civil(y, mo as u32, d as u32);
        let secs = days * 86_400 + h * 3600 + mi * 60 + sec - offset_secs;
        let secs = u64::try_from(secs).ok()?;
        Some(Timestamp::new(secs, nanos as u32))
    }
}

/// Length of a timestamp's EVE text (`2009-11-24T21:27:09.534255+0000`).
const EVE_TIME_LEN: usize = 31;

impl Timestamp {
    /// Writes the EVE text into `buf` and returns it. Every event carries
    /// at least one timestamp; going through `fmt` (and serde's
    /// `collect_str`, which escapes each piece `fmt` hands it) made this
    /// a third of serialising an event.
    fn eve_text(self, buf: &mut [u8; EVE_TIME_LEN]) -> &str {
        fn digits(out: &mut [u8], mut v: u64) {
            for b in out.iter_mut().rev() {
                *b = b'0' + (v % 10) as u8;
                v /= 10;
            }
        }
        let secs = self.secs() as i64;
        let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
        let rem = secs.rem_euclid(86_400) as u64;
        *buf = *b"0000-00-00T00:00:00.000000+0000";
        // A u64 of nanoseconds ends in 2554: the year has four digits.
        digits(&mut buf[0..4], y.clamp(0, 9999) as u64);
        digits(&mut buf[5..7], u64::from(m));
        digits(&mut buf[8..10], u64::from(d));
        digits(&mut buf[11..13], rem / 3600);
        digits(&mut buf[14..16], (rem % 3600) / 60);
        digits(&mut buf[17..19], rem % 60);
        digits(&mut buf[20..26], u64::from(self.subsec_micros()));
        // Only ASCII digits and separators were written.
        std::str::from_utf8(buf).unwrap_or_default()
    }
}

/// Formats as Suricata's EVE `timestamp`: `2009-11-24T21:27:09.534255+0000` (UTC).
impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.eve_text(&mut [0; EVE_TIME_LEN]))
    }
}

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.eve_text(&mut [0; EVE_TIME_LEN]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hand-written digits agree with `fmt` over the whole range a
    /// u64 of nanoseconds covers (years 1970 to 2554).
    #[test]
    fn eve_text_matches_the_formatted_reference() {
        let reference = |ts: Timestamp| {
            let secs = ts.secs() as i64;
            let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
            let rem = secs.rem_euclid(86_400);
            format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}+0000",
                y,
                m,
                d,
                rem / 3600,
                (rem % 3600) / 60,
                rem % 60,
                ts.subsec_micros()
            )
        };
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut samples = vec![Timestamp(0), Timestamp(u64::MAX), Timestamp(999_999_999)];
        for _ in 0..20_000 {
            // xorshift: spread over the whole range.
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            samples.push(Timestamp(x));
        }
        for ts in samples {
            let want = reference(ts);
            assert_eq!(ts.to_string(), want);
            assert_eq!(serde_json::to_string(&ts).unwrap(), format!("\"{want}\""));
        }
    }

    #[test]
    fn formats_like_suricata() {
        // 2009-11-24 21:27:09.534255 UTC
        let ts = Timestamp::new(1_259_098_029, 534_255_123);
        assert_eq!(ts.to_string(), "2009-11-24T21:27:09.534255+0000");
        assert_eq!(Timestamp(0).to_string(), "1970-01-01T00:00:00.000000+0000");
        // A leap day.
        assert_eq!(
            Timestamp::new(951_782_400, 0).to_string(),
            "2000-02-29T00:00:00.000000+0000"
        );
    }

    #[test]
    fn parses_what_it_formats() {
        for t in [
            Timestamp::new(1_259_098_029, 534_255_000),
            Timestamp(0),
            Timestamp::new(951_782_400, 0),
            Timestamp::new(4_102_444_799, 999_999_000),
        ] {
            assert_eq!(Timestamp::parse_eve(&t.to_string()), Some(t));
        }
        // Offsets move to UTC; Zeek-style Z and short fractions work.
        assert_eq!(
            Timestamp::parse_eve("2009-11-24T23:27:09.5+0200"),
            Some(Timestamp::new(1_259_098_029, 500_000_000))
        );
        assert_eq!(
            Timestamp::parse_eve("2009-11-24T21:27:09Z"),
            Some(Timestamp::new(1_259_098_029, 0))
        );
        for bad in [
            "",
            "2009-11-24",
            "2009-13-24T21:27:09",
            "2009-11-24T21:27:09.",
            "x009-11-24T21:27:09",
        ] {
            assert_eq!(Timestamp::parse_eve(bad), None, "{bad}");
        }
    }

    #[test]
    fn fractions_of_any_resolution() {
        assert_eq!(Timestamp::from_fraction(1, 5, 1_000_000).0, 1_000_005_000);
        assert_eq!(
            Timestamp::from_fraction(1, 5, 1_000_000_000).0,
            1_000_000_005
        );
        assert_eq!(Timestamp::from_fraction(0, 1500, 1_000_000_000_000).0, 1);
        assert_eq!(Timestamp::from_fraction(u64::MAX, 1, 1000).0, u64::MAX);
    }
}
