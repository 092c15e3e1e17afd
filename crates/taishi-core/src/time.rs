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

/// Formats as Suricata's EVE `timestamp`: `2009-11-24T21:27:09.534255+0000` (UTC).
impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.secs() as i64;
        let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
        let rem = secs.rem_euclid(86_400);
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}+0000",
            y,
            m,
            d,
            rem / 3600,
            (rem % 3600) / 60,
            rem % 60,
            self.subsec_micros()
        )
    }
}

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
