//! The `server.*` keys of Taishi's configuration file (and `--set`),
//! applied to a [`ServerConfig`]. Unknown keys and malformed values are
//! errors naming the key, as everywhere else in the configuration.
//!
//! ```yaml
//! server:
//!   poll-interval: 3s            # live updates and cache refresh
//!   session-lifetime: 12h
//!   secure-cookies: yes          # behind TLS
//!   trusted-proxies: [10.0.0.2]  # whose X-Forwarded-For is believed
//!   intel-dir: /var/lib/taishi/intel
//!   rate-limits:
//!     login-per-address: 5/1m
//!     login-per-user: 5/1m
//!     submissions-per-address: 5/10m
//!   deadlines:                   # public submissions, per triage kind
//!     suggestion: 7d
//!     help-request: 1d
//!     uninformed: 3d
//!     vague: 3d
//!     grievance: 2d
//!     mistaken: 1d
//!     untriaged: 1d
//! ```

use std::collections::BTreeMap;

use taishi_core::config::{ConfigError, parse_bool, parse_duration};
use taishi_detect::behaviour::common::Cidr;

use crate::ratelimit::RateLimit;
use crate::state::ServerConfig;

/// The prefix of the keys this module owns.
pub const PREFIX: &str = "server.";

impl ServerConfig {
    /// Applies every `server.*` key of `keys` (dotted, with or without the
    /// `server.` prefix).
    pub fn apply(&mut self, keys: &BTreeMap<String, String>) -> Result<(), ConfigError> {
        for (key, value) in keys {
            self.set(key.strip_prefix(PREFIX).unwrap_or(key), value)?;
        }
        Ok(())
    }

    /// Sets one key (without the `server.` prefix).
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), ConfigError> {
        let full = format!("{PREFIX}{key}");
        let bad = |expected: &'static str| ConfigError::BadValue {
            key: full.clone(),
            value: value.to_owned(),
            expected,
        };
        let secs = || parse_duration(value).ok_or_else(|| bad("a duration such as 90s, 12h or 7d"));
        let positive = || {
            secs().and_then(|s| {
                if s == 0 {
                    Err(bad("a duration above 0"))
                } else {
                    Ok(s)
                }
            })
        };
        let limit = || parse_rate(value).ok_or_else(|| bad("COUNT/DURATION such as 5/1m"));
        let d = &mut self.deadlines;
        match key {
            "poll-interval" => self.poll_secs = positive()?,
            "session-lifetime" => self.session_secs = positive()?,
            "secure-cookies" => {
                self.secure_cookies = parse_bool(value).ok_or_else(|| bad("yes or no"))?;
            }
            "trusted-proxies" => {
                self.trusted_proxies = parse_list(value)
                    .iter()
                    .map(|s| Cidr::parse(s))
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| bad("a list of addresses or CIDR networks"))?;
            }
            "intel-dir" if !value.trim().is_empty() => self.intel_dir = value.trim().into(),
            "intel-dir" => return Err(bad("a folder")),
            "rate-limits.login-per-address" => self.login_per_address = limit()?,
            "rate-limits.login-per-user" => self.login_per_user = limit()?,
            "rate-limits.submissions-per-address" => self.submissions_per_address = limit()?,
            "deadlines.suggestion" => d.suggestion = positive()?,
            "deadlines.help-request" => d.help_request = positive()?,
            "deadlines.uninformed" => d.uninformed = positive()?,
            "deadlines.vague" => d.vague = positive()?,
            "deadlines.grievance" => d.grievance = positive()?,
            "deadlines.mistaken" => d.mistaken = positive()?,
            "deadlines.untriaged" => d.untriaged = positive()?,
            _ => return Err(ConfigError::UnknownKey { key: full }),
        }
        Ok(())
    }
}

/// `5/1m`: five per minute.
fn parse_rate(text: &str) -> Option<RateLimit> {
    let (count, window) = text.split_once('/')?;
    let max = count.trim().parse::<u32>().ok()?;
    let window_secs = parse_duration(window)?;
    Some(RateLimit::new(max, window_secs))
}

/// A list as the configuration gives it: `[a, b]`, `a, b`, or YAML's
/// block form (`- a` lines, as a flattened sequence arrives).
fn parse_list(text: &str) -> Vec<String> {
    text.trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .split([',', '\n'])
        .map(|s| {
            s.trim()
                .trim_start_matches('-')
                .trim()
                .trim_matches(['"', '\''])
        })
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn every_key_lands_where_it_belongs() {
        let mut c = ServerConfig::default();
        c.apply(&keys(&[
            ("server.poll-interval", "10s"),
            ("server.session-lifetime", "8h"),
            ("server.secure-cookies", "yes"),
            ("server.trusted-proxies", "- 10.0.0.2\n- 192.168.0.0/24"),
            ("server.rate-limits.submissions-per-address", "3/1h"),
            ("server.deadlines.help-request", "4h"),
            ("server.intel-dir", "/srv/intel"),
        ]))
        .unwrap();
        assert_eq!((c.poll_secs, c.session_secs), (10, 8 * 3600));
        assert!(c.secure_cookies);
        assert_eq!(c.trusted_proxies.len(), 2);
        assert!(c.trusted_proxies[1].contains(&"192.168.0.77".parse().unwrap()));
        assert_eq!(
            (
                c.submissions_per_address.max,
                c.submissions_per_address.window_secs
            ),
            (3, 3600)
        );
        assert_eq!(c.deadlines.help_request, 4 * 3600);
        assert_eq!(c.intel_dir, std::path::PathBuf::from("/srv/intel"));
    }

    #[test]
    fn errors_name_the_key() {
        let mut c = ServerConfig::default();
        let e = c
            .set("rate-limits.login-per-user", "five")
            .unwrap_err()
            .to_string();
        assert!(e.contains("server.rate-limits.login-per-user"), "{e}");
        let e = c.set("poll-interval", "0s").unwrap_err().to_string();
        assert!(e.contains("server.poll-interval"), "{e}");
        let e = c
            .set("trusted-proxies", "[10.0.0.1, not-an-address]")
            .unwrap_err();
        assert!(e.to_string().contains("trusted-proxies"), "{e}");
        let e = c.set("listen-on", "x").unwrap_err();
        assert!(matches!(e, ConfigError::UnknownKey { key } if key == "server.listen-on"));
    }
}
