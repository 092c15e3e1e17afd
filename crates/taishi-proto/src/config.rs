//! Settings of the protocol stage, read from the `app-layer.*` keys of the
//! configuration and validated here, where their meaning lives.

use std::collections::BTreeMap;

use taishi_core::Config;
use taishi_core::config::{ConfigError, parse_bool, parse_ports};

use crate::registry::PROTOCOLS;

/// How much of a protocol runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Not detected, not parsed.
    Off,
    /// Detected (the flow's `app_proto`), not parsed or logged
    /// (Suricata's `enabled: detection-only`).
    DetectOnly,
    /// Detected, parsed and logged.
    On,
}

/// Settings common to every protocol, plus each protocol's own keys.
#[derive(Clone, Debug)]
pub struct ProtoConfig {
    /// Mode by protocol index (see [`PROTOCOLS`]), over TCP.
    pub tcp_mode: Vec<Mode>,
    /// Mode by protocol index, over UDP.
    pub udp_mode: Vec<Mode>,
    /// TCP port hints by protocol index (defaults or `detection-ports.dp`).
    pub tcp_ports: Vec<Vec<u16>>,
    /// UDP port hints by protocol index.
    pub udp_ports: Vec<Vec<u16>>,
    /// Protocol-specific keys by protocol index: the part after
    /// `app-layer.protocols.<name>.` to its value.
    pub settings: Vec<BTreeMap<String, String>>,
    /// Other `app-layer.*` keys honoured by the stage as a whole.
    pub global: BTreeMap<String, String>,
    /// The HTTP parser's settings, read from `settings` once here rather
    /// than for every HTTP flow (formatting and looking up a dozen keys
    /// per flow was 1% of the pipeline on the bench capture).
    pub(crate) http: crate::http::HttpConfig,
}

/// Keys under `app-layer.protocols.<name>.` every protocol accepts.
const COMMON: &[&str] = &[
    "enabled",
    "detection-enabled",
    "detection-ports.dp",
    "detection-ports.sp",
    "tcp.enabled",
    "udp.enabled",
    "tcp.detection-ports.dp",
    "udp.detection-ports.dp",
];

impl ProtoConfig {
    /// Reads every `app-layer.*` key; an unknown key or bad value is an
    /// error naming it.
    pub fn from_config(config: &Config) -> Result<ProtoConfig, ConfigError> {
        let n = PROTOCOLS.len();
        let mode = |d: &crate::ProtoDef| {
            if d.default_enabled {
                Mode::On
            } else {
                Mode::Off
            }
        };
        let mut pc = ProtoConfig {
            tcp_mode: PROTOCOLS.iter().map(mode).collect(),
            udp_mode: PROTOCOLS.iter().map(mode).collect(),
            tcp_ports: PROTOCOLS.iter().map(|d| d.tcp_ports.to_vec()).collect(),
            udp_ports: PROTOCOLS.iter().map(|d| d.udp_ports.to_vec()).collect(),
            settings: vec![BTreeMap::new(); n],
            global: BTreeMap::new(),
            http: Default::default(),
        };
        let mut all_off = false;
        for (key, value) in &config.app_layer {
            let full = format!("app-layer.{key}");
            let unknown = || ConfigError::UnknownKey { key: full.clone() };
            let bad = |expected| ConfigError::BadValue {
                key: full.clone(),
                value: value.clone(),
                expected,
            };
            if key == "enabled" {
                // `app-layer.enabled: no` switches the whole stage off:
                // flows are still tracked and reassembled, nothing is
                // parsed (the baseline of the protocol-stage benchmark).
                if !parse_bool(value).ok_or_else(|| bad("yes or no"))? {
                    all_off = true;
                }
                continue;
            }
            let Some(rest) = key.strip_prefix("protocols.") else {
                return Err(unknown());
            };
            let (name, setting) = rest.split_once('.').ok_or_else(unknown)?;
            let Some(i) = PROTOCOLS.iter().position(|d| d.name == name) else {
                return Err(unknown());
            };
            let def = &PROTOCOLS[i];
            let parse_mode = || match value.as_str() {
                "detection-only" => Ok(Mode::DetectOnly),
                v => match parse_bool(v) {
                    Some(true) => Ok(Mode::On),
                    Some(false) => Ok(Mode::Off),
                    None => Err(bad("yes, no or detection-only")),
                },
            };
            let ports = || parse_ports(value).ok_or_else(|| bad("a port or list of ports"));
            match setting {
                "enabled" => {
                    let m = parse_mode()?;
                    pc.tcp_mode[i] = m;
                    pc.udp_mode[i] = m;
                }
                "tcp.enabled" => pc.tcp_mode[i] = parse_mode()?,
                "udp.enabled" => pc.udp_mode[i] = parse_mode()?,
                "detection-enabled" => {
                    if parse_bool(value).ok_or_else(|| bad("yes or no"))? {
                        continue;
                    }
                    pc.tcp_mode[i] = Mode::Off;
                    pc.udp_mode[i] = Mode::Off;
                }
                "detection-ports.dp" => {
                    let p = ports()?;
                    pc.tcp_ports[i] = p.clone();
                    pc.udp_ports[i] = p;
                }
                "tcp.detection-ports.dp" => pc.tcp_ports[i] = ports()?,
                "udp.detection-ports.dp" => pc.udp_ports[i] = ports()?,
                // Source-port hints add nothing to content detection.
                "detection-ports.sp" => {}
                // A typo here would silently flip Taishi's default (on).
                "ja3-fingerprints" | "ja4-fingerprints" if def.name == "tls" => {
                    crate::tls::Fingerprints::parse(Some(value))
                        .ok_or_else(|| bad("yes, no or auto"))?;
                    pc.settings[i].insert(setting.to_string(), value.clone());
                }
                other if def.settings.contains(&other) => {
                    pc.settings[i].insert(other.to_string(), value.clone());
                }
                _ => return Err(unknown()),
            }
            debug_assert!(COMMON.contains(&setting) || def.settings.contains(&setting));
        }
        if all_off {
            pc.tcp_mode.fill(Mode::Off);
            pc.udp_mode.fill(Mode::Off);
        }
        pc.http = crate::http::HttpConfig::from_proto(&pc);
        Ok(pc)
    }

    /// The defaults, for tests and tools.
    pub fn defaults() -> ProtoConfig {
        // The default configuration has no app-layer keys, so this cannot fail.
        ProtoConfig::from_config(&Config::default()).unwrap_or_else(|_| unreachable_defaults())
    }

    /// Whether protocol `idx` is parsed and logged (on either transport).
    pub fn logging(&self, idx: usize) -> bool {
        self.tcp_mode.get(idx) == Some(&Mode::On) || self.udp_mode.get(idx) == Some(&Mode::On)
    }

    /// A protocol-specific setting, e.g. `setting(http, "libhtp.default-config.response-body-limit")`.
    pub fn setting(&self, idx: usize, key: &str) -> Option<&str> {
        self.settings
            .get(idx)
            .and_then(|m| m.get(key))
            .map(String::as_str)
    }
}

fn unreachable_defaults() -> ProtoConfig {
    ProtoConfig {
        tcp_mode: Vec::new(),
        udp_mode: Vec::new(),
        tcp_ports: Vec::new(),
        udp_ports: Vec::new(),
        settings: Vec::new(),
        global: BTreeMap::new(),
        http: Default::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_apply_and_unknown_ones_are_named() {
        let mut c = Config::default();
        c.set("app-layer.protocols.dnp3.enabled", "no").unwrap();
        c.set(
            "app-layer.protocols.dns.tcp.detection-ports.dp",
            "[53, 5353]",
        )
        .unwrap();
        let pc = ProtoConfig::from_config(&c).unwrap();
        let dnp3 = crate::registry::index_of("dnp3").unwrap();
        let dns = crate::registry::index_of("dns").unwrap();
        assert_eq!(pc.tcp_mode[dnp3], Mode::Off);
        assert_eq!(pc.tcp_ports[dns], vec![53, 5353]);

        let mut c = Config::default();
        c.set("app-layer.enabled", "no").unwrap();
        let pc = ProtoConfig::from_config(&c).unwrap();
        assert!(
            pc.tcp_mode
                .iter()
                .chain(&pc.udp_mode)
                .all(|m| *m == Mode::Off)
        );

        let mut c = Config::default();
        c.set("app-layer.protocols.gopher.enabled", "yes").unwrap();
        let e = ProtoConfig::from_config(&c).unwrap_err();
        assert!(
            e.to_string().contains("app-layer.protocols.gopher.enabled"),
            "{e}"
        );
        let mut c = Config::default();
        c.set("app-layer.protocols.dns.colour", "blue").unwrap();
        assert!(ProtoConfig::from_config(&c).is_err());
    }

    /// libhtp's decompression timer is accepted (suricata-verify's
    /// http-sticky-start sets it): size limits bound the same work.
    #[test]
    fn http_decompression_time_limit_is_accepted() {
        let mut c = Config::default();
        c.set(
            "app-layer.protocols.http.libhtp.default-config.decompression-time-limit",
            "1000000",
        )
        .unwrap();
        assert!(ProtoConfig::from_config(&c).is_ok());
    }
}
