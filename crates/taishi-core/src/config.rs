//! One YAML configuration file with Suricata-like dotted keys.
//!
//! A file such as
//!
//! ```yaml
//! flow:
//!   memcap: 64mb
//! flow-timeouts.tcp.established: 600
//! ```
//!
//! is flattened into dotted keys (`flow.memcap`, `flow-timeouts.tcp.established`)
//! and every key is applied through [`Config::set`], the same function that
//! `--set KEY=VALUE` uses, so a file and a command line can never disagree on
//! what a key means. A key we do not know is an error naming the key: a typo
//! must not silently leave a default in place.

use std::path::{Path, PathBuf};

use crate::limits;

/// What went wrong while reading or applying configuration.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The configuration file could not be read.
    #[error("{path}: cannot read configuration: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The configuration file is not valid YAML.
    #[error("{path}: not valid YAML: {message}")]
    Yaml {
        /// The file.
        path: PathBuf,
        /// The parser's message, with line and column.
        message: String,
    },
    /// A key Taishi does not know.
    #[error("unknown configuration key `{key}`")]
    UnknownKey {
        /// The dotted key.
        key: String,
    },
    /// A known key with a value of the wrong form.
    #[error("configuration key `{key}`: invalid value `{value}`: expected {expected}")]
    BadValue {
        /// The dotted key.
        key: String,
        /// The value given.
        value: String,
        /// What the key accepts.
        expected: &'static str,
    },
    /// A `--set` argument without `=`.
    #[error("`--set {0}`: expected KEY=VALUE")]
    NoEquals(String),
}

/// Inactivity timeouts of one protocol, in seconds, by flow state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    /// Before the flow is established (TCP: no SYN-ACK/ACK yet; UDP: one direction only).
    pub new: u64,
    /// Once both directions were seen (TCP: handshake completed).
    pub established: u64,
    /// After FIN or RST (TCP only; others use `established`).
    pub closed: u64,
    /// Bypassed flows (kept for Suricata key compatibility).
    pub bypassed: u64,
}

/// Flow timeouts by protocol (`flow-timeouts.<proto>.<state>`); Suricata's defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FlowTimeouts {
    /// TCP.
    pub tcp: Timeouts,
    /// UDP.
    pub udp: Timeouts,
    /// ICMP and ICMPv6.
    pub icmp: Timeouts,
    /// Every other IP protocol.
    pub default: Timeouts,
}

impl Default for FlowTimeouts {
    fn default() -> Self {
        FlowTimeouts {
            tcp: Timeouts {
                new: 60,
                established: 600,
                closed: 60,
                bypassed: 100,
            },
            udp: Timeouts {
                new: 30,
                established: 300,
                closed: 0,
                bypassed: 100,
            },
            icmp: Timeouts {
                new: 30,
                established: 300,
                closed: 0,
                bypassed: 100,
            },
            default: Timeouts {
                new: 30,
                established: 300,
                closed: 0,
                bypassed: 100,
            },
        }
    }
}

/// Flow table settings (`flow.*`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlowConfig {
    /// Memory for flows per worker, bytes (`flow.memcap`).
    pub memcap: u64,
}

/// TCP session and reassembly settings (`stream.*`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamConfig {
    /// Memory for session state per worker (`stream.memcap`).
    pub memcap: u64,
    /// Memory for reassembly buffers per worker (`stream.reassembly.memcap`).
    pub reassembly_memcap: u64,
    /// Bytes reassembled per direction (`stream.reassembly.depth`, 0 = unlimited).
    pub reassembly_depth: u64,
    /// Pick up sessions whose handshake we did not see (`stream.midstream`).
    pub midstream: bool,
    /// Out-of-order segments kept per direction (`stream.reassembly.max-ooo-segments`).
    pub max_ooo_segments: usize,
    /// Keep segments whose TCP checksum was checked and found wrong out of
    /// session tracking and reassembly (`stream.checksum-validation`, on by
    /// default as in Suricata). Checksums are only checked under
    /// `checksum-checks: yes`; rules' checksum keywords are not affected.
    pub checksum_validation: bool,
}

/// IP defragmentation settings (`defrag.*`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DefragConfig {
    /// Memory for fragments per worker (`defrag.memcap`).
    pub memcap: u64,
    /// Datagrams under reassembly at once (`defrag.trackers`).
    pub trackers: usize,
    /// Fragments per datagram (`defrag.max-frags`).
    pub max_frags: usize,
    /// Seconds an incomplete datagram is kept (`defrag.timeout`).
    pub timeout: u64,
}

/// Which tunnel decoders run, and on which UDP ports (`decoder.*`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecoderConfig {
    /// Decode Teredo (IPv6 in UDP) (`decoder.teredo.enabled`).
    pub teredo: bool,
    /// UDP ports for Teredo (`decoder.teredo.ports`).
    pub teredo_ports: Vec<u16>,
    /// Decode VXLAN (`decoder.vxlan.enabled`).
    pub vxlan: bool,
    /// UDP ports for VXLAN (`decoder.vxlan.ports`).
    pub vxlan_ports: Vec<u16>,
    /// Decode Geneve (`decoder.geneve.enabled`).
    pub geneve: bool,
    /// UDP ports for Geneve (`decoder.geneve.ports`).
    pub geneve_ports: Vec<u16>,
    /// Decode GRE in UDP (RFC 8086) (`decoder.gre-udp.enabled`).
    pub gre_udp: bool,
    /// UDP ports for GRE in UDP (`decoder.gre-udp.ports`).
    pub gre_udp_ports: Vec<u16>,
    /// Decode GTP-U (`decoder.gtpu.enabled`).
    pub gtpu: bool,
    /// UDP ports for GTP-U (`decoder.gtpu.ports`).
    pub gtpu_ports: Vec<u16>,
    /// Decode ERSPAN (`decoder.erspan.enabled`).
    pub erspan: bool,
}

impl Default for DecoderConfig {
    fn default() -> Self {
        DecoderConfig {
            teredo: true,
            teredo_ports: vec![3544],
            vxlan: true,
            vxlan_ports: vec![4789],
            geneve: true,
            geneve_ports: vec![6081],
            gre_udp: true,
            gre_udp_ports: vec![4754],
            gtpu: true,
            gtpu_ports: vec![2152],
            erspan: true,
        }
    }
}

/// Whether bad checksums make packets untrusted (`checksum-checks`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ChecksumMode {
    /// Decide from the first packets (Suricata's default for files).
    #[default]
    Auto,
    /// Always check.
    Yes,
    /// Never check (Suricata's `-k none`).
    None,
}

/// Address and port groups (`vars.address-groups.*`, `vars.port-groups.*`),
/// with Suricata's defaults.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vars {
    /// Name (without `$`) to value, e.g. `HOME_NET` to `[10.0.0.0/8,...]`.
    pub address_groups: Vec<(String, String)>,
    /// Name to port list, e.g. `HTTP_PORTS` to `80`.
    pub port_groups: Vec<(String, String)>,
}

impl Default for Vars {
    fn default() -> Self {
        let a = |k: &str, v: &str| (k.to_string(), v.to_string());
        Vars {
            address_groups: vec![
                a("HOME_NET", "[192.168.0.0/16,10.0.0.0/8,172.16.0.0/12]"),
                a("EXTERNAL_NET", "!$HOME_NET"),
                a("HTTP_SERVERS", "$HOME_NET"),
                a("SMTP_SERVERS", "$HOME_NET"),
                a("SQL_SERVERS", "$HOME_NET"),
                a("DNS_SERVERS", "$HOME_NET"),
                a("TELNET_SERVERS", "$HOME_NET"),
                a("AIM_SERVERS", "$EXTERNAL_NET"),
                a("DC_SERVERS", "$HOME_NET"),
                a("DNP3_SERVER", "$HOME_NET"),
                a("DNP3_CLIENT", "$HOME_NET"),
                a("MODBUS_CLIENT", "$HOME_NET"),
                a("MODBUS_SERVER", "$HOME_NET"),
                a("ENIP_CLIENT", "$HOME_NET"),
                a("ENIP_SERVER", "$HOME_NET"),
            ],
            port_groups: vec![
                a("HTTP_PORTS", "80"),
                a("SHELLCODE_PORTS", "!80"),
                a("ORACLE_PORTS", "1521"),
                a("SSH_PORTS", "22"),
                a("DNP3_PORTS", "20000"),
                a("MODBUS_PORTS", "502"),
                a("FILE_DATA_PORTS", "[$HTTP_PORTS,110,143]"),
                a("FTP_PORTS", "21"),
                a("GENEVE_PORTS", "6081"),
                a("VXLAN_PORTS", "4789"),
                a("TEREDO_PORTS", "3544"),
            ],
        }
    }
}

/// The whole configuration of a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// `flow.*`.
    pub flow: FlowConfig,
    /// `flow-timeouts.*`.
    pub flow_timeouts: FlowTimeouts,
    /// `stream.*`.
    pub stream: StreamConfig,
    /// `defrag.*`.
    pub defrag: DefragConfig,
    /// `decoder.*`.
    pub decoder: DecoderConfig,
    /// `checksum-checks`.
    pub checksum_checks: ChecksumMode,
    /// `vars.*`.
    pub vars: Vars,
    /// `stats.interval`: seconds between periodic `stats` events in live mode (0: only at the end).
    pub stats_interval: u64,
    /// `packet-alert-max`: alerts one packet may raise (Suricata's default
    /// 15, also taken for 0 or more than 256).
    pub packet_alert_max: usize,
    /// Every `app-layer.*` key as given, without the `app-layer.` prefix
    /// (`protocols.http.enabled` to `yes`). The protocol stage owns their
    /// meaning and validates them when it starts (`taishi_proto::ProtoConfig`),
    /// so an unknown one is still an error that names the key.
    pub app_layer: std::collections::BTreeMap<String, String>,
    /// `stream.inline`: inspect the stream as packets arrive (IPS style)
    /// rather than on acknowledged data.
    pub stream_inline: bool,
    /// `stream.async-oneside`: accept sessions where only one direction is seen.
    pub stream_async_oneside: bool,
    /// Every `server.*` key as given, without the prefix: the console and
    /// API server (`taishi serve`) owns their meaning and validates them
    /// when it starts, so an unknown one is still an error naming the key.
    pub server: std::collections::BTreeMap<String, String>,
    /// `detect.sgh-mpm-caching`: keep compiled prefilter databases on disk
    /// and reuse them when the same rules are loaded again (Suricata 8's
    /// key and default).
    pub mpm_cache: bool,
    /// `detect.sgh-mpm-caching-path`: where; default
    /// [`crate::paths::cache_dir`]`/mpm`.
    pub mpm_cache_path: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            flow: FlowConfig {
                memcap: limits::FLOW_MEMCAP,
            },
            flow_timeouts: FlowTimeouts::default(),
            stream: StreamConfig {
                memcap: limits::FLOW_MEMCAP,
                reassembly_memcap: limits::STREAM_REASSEMBLY_MEMCAP,
                reassembly_depth: limits::STREAM_REASSEMBLY_DEPTH,
                midstream: false,
                max_ooo_segments: limits::STREAM_MAX_OOO_SEGMENTS,
                checksum_validation: true,
            },
            defrag: DefragConfig {
                memcap: limits::DEFRAG_MEMCAP,
                trackers: limits::DEFRAG_MAX_TRACKERS,
                max_frags: limits::DEFRAG_MAX_FRAGMENTS,
                timeout: limits::DEFRAG_TIMEOUT_SECS,
            },
            decoder: DecoderConfig::default(),
            checksum_checks: ChecksumMode::Auto,
            vars: Vars::default(),
            stats_interval: 0,
            packet_alert_max: 15,
            app_layer: Default::default(),
            stream_inline: false,
            stream_async_oneside: false,
            server: std::collections::BTreeMap::new(),
            mpm_cache: true,
            mpm_cache_path: None,
        }
    }
}

/// Every key [`Config::set`] accepts, with a one-line description, for
/// `--help`-style listings and docs. Keys under `vars.address-groups.` and
/// `vars.port-groups.` take any name.
pub const KEYS: &[(&str, &str)] = &[
    ("flow.memcap", "bytes of flow state per worker"),
    (
        "flow-timeouts.{tcp,udp,icmp,default}.{new,established,closed,bypassed}",
        "seconds of inactivity before a flow ends",
    ),
    ("stream.memcap", "bytes of TCP session state per worker"),
    (
        "stream.midstream",
        "pick up TCP sessions without their handshake",
    ),
    (
        "stream.checksum-validation",
        "leave segments with a wrong TCP checksum out of the session",
    ),
    (
        "stream.reassembly.memcap",
        "bytes of reassembly buffers per worker",
    ),
    (
        "stream.reassembly.depth",
        "bytes reassembled per direction (0: unlimited)",
    ),
    (
        "stream.reassembly.max-ooo-segments",
        "out-of-order segments kept per direction",
    ),
    ("defrag.memcap", "bytes of IP fragments per worker"),
    ("defrag.trackers", "datagrams under reassembly at once"),
    ("defrag.max-frags", "fragments per datagram"),
    ("defrag.timeout", "seconds an incomplete datagram is kept"),
    (
        "decoder.{teredo,vxlan,geneve,gre-udp,gtpu}.{enabled,ports}",
        "tunnel decoders and their UDP ports",
    ),
    ("decoder.erspan.enabled", "decode ERSPAN in GRE"),
    ("checksum-checks", "auto, yes or none"),
    (
        "stats.interval",
        "seconds between stats events in live capture (0: at the end only)",
    ),
    ("packet-alert-max", "alerts one packet may raise"),
    ("vars.address-groups.NAME", "address group for rules"),
    ("vars.port-groups.NAME", "port group for rules"),
    (
        "server.*",
        "console and API server (`taishi serve`; see docs/api.md)",
    ),
];

impl Config {
    /// Reads a YAML file and applies every key in it on top of the defaults.
    pub fn from_file(path: &Path) -> Result<Config, ConfigError> {
        let mut config = Config::default();
        config.apply_file(path)?;
        Ok(config)
    }

    /// Applies every key of a YAML file to this configuration.
    pub fn apply_file(&mut self, path: &Path) -> Result<(), ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        self.apply_yaml(&text).map_err(|e| match e {
            ConfigError::Yaml { message, .. } => ConfigError::Yaml {
                path: path.to_path_buf(),
                message,
            },
            other => other,
        })
    }

    /// Applies every key of a YAML document to this configuration.
    pub fn apply_yaml(&mut self, text: &str) -> Result<(), ConfigError> {
        let doc: serde_yaml::Value = serde_yaml::from_str(text).map_err(|e| ConfigError::Yaml {
            path: PathBuf::new(),
            message: e.to_string(),
        })?;
        let mut flat = Vec::new();
        flatten(String::new(), &doc, &mut flat);
        for (key, value) in flat {
            self.set(&key, &value)?;
        }
        Ok(())
    }

    /// Applies a `KEY=VALUE` argument of `--set`.
    pub fn set_arg(&mut self, arg: &str) -> Result<(), ConfigError> {
        let (key, value) = arg
            .split_once('=')
            .ok_or_else(|| ConfigError::NoEquals(arg.to_string()))?;
        self.set(key.trim(), value.trim())
    }

    /// Sets one dotted key. Unknown keys and malformed values are errors.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), ConfigError> {
        let bad = |expected| ConfigError::BadValue {
            key: key.to_string(),
            value: value.to_string(),
            expected,
        };
        let size = || parse_size(value).ok_or_else(|| bad("a size such as 65536, 64kb or 32mb"));
        let secs = || value.parse::<u64>().map_err(|_| bad("whole seconds"));
        let count = || value.parse::<usize>().map_err(|_| bad("a whole number"));
        let flag = || parse_bool(value).ok_or_else(|| bad("yes/no or true/false"));
        let ports = || parse_ports(value).ok_or_else(|| bad("a port or list of ports"));

        if let Some(rest) = key.strip_prefix("flow-timeouts.") {
            let (proto, state) = rest.split_once('.').ok_or_else(|| unknown(key))?;
            let t = match proto {
                "tcp" => &mut self.flow_timeouts.tcp,
                "udp" => &mut self.flow_timeouts.udp,
                "icmp" => &mut self.flow_timeouts.icmp,
                "default" => &mut self.flow_timeouts.default,
                _ => return Err(unknown(key)),
            };
            let slot = match state {
                "new" => &mut t.new,
                "established" => &mut t.established,
                "closed" => &mut t.closed,
                "bypassed" => &mut t.bypassed,
                // Suricata's emergency timeouts apply under memory pressure;
                // we evict the oldest idle flow instead, so accept and ignore
                // them rather than reject working Suricata configs.
                "emergency-new"
                | "emergency-established"
                | "emergency-closed"
                | "emergency-bypassed" => {
                    secs()?;
                    return Ok(());
                }
                _ => return Err(unknown(key)),
            };
            *slot = secs()?;
            return Ok(());
        }
        if let Some(rest) = key.strip_prefix("app-layer.") {
            self.app_layer.insert(rest.to_string(), value.to_string());
            return Ok(());
        }
        if let Some(rest) = key.strip_prefix("server.") {
            self.server.insert(rest.to_string(), value.to_string());
            return Ok(());
        }
        if let Some(name) = key.strip_prefix("vars.address-groups.") {
            upsert(&mut self.vars.address_groups, name, value);
            return Ok(());
        }
        if let Some(name) = key.strip_prefix("vars.port-groups.") {
            upsert(&mut self.vars.port_groups, name, value);
            return Ok(());
        }
        match key {
            "flow.memcap" => self.flow.memcap = size()?,
            "stream.memcap" => self.stream.memcap = size()?,
            "stream.midstream" => self.stream.midstream = flag()?,
            "stream.inline" => self.stream_inline = flag()?,
            "stream.async-oneside" => self.stream_async_oneside = flag()?,
            "stream.checksum-validation" => self.stream.checksum_validation = flag()?,
            "stream.reassembly.memcap" => self.stream.reassembly_memcap = size()?,
            "stream.reassembly.depth" => self.stream.reassembly_depth = size()?,
            "stream.reassembly.max-ooo-segments" => self.stream.max_ooo_segments = count()?,
            "defrag.memcap" => self.defrag.memcap = size()?,
            "defrag.trackers" => self.defrag.trackers = count()?,
            "defrag.max-frags" => self.defrag.max_frags = count()?,
            "defrag.timeout" => self.defrag.timeout = secs()?,
            "decoder.teredo.enabled" => self.decoder.teredo = flag()?,
            "decoder.teredo.ports" => self.decoder.teredo_ports = ports()?,
            "decoder.vxlan.enabled" => self.decoder.vxlan = flag()?,
            "decoder.vxlan.ports" => self.decoder.vxlan_ports = ports()?,
            "decoder.geneve.enabled" => self.decoder.geneve = flag()?,
            "decoder.geneve.ports" => self.decoder.geneve_ports = ports()?,
            "decoder.gre-udp.enabled" => self.decoder.gre_udp = flag()?,
            "decoder.gre-udp.ports" => self.decoder.gre_udp_ports = ports()?,
            "decoder.gtpu.enabled" => self.decoder.gtpu = flag()?,
            "decoder.gtpu.ports" => self.decoder.gtpu_ports = ports()?,
            "decoder.erspan.enabled" => self.decoder.erspan = flag()?,
            "checksum-checks" => {
                self.checksum_checks = match value {
                    "auto" => ChecksumMode::Auto,
                    "yes" | "true" => ChecksumMode::Yes,
                    "none" | "no" | "false" => ChecksumMode::None,
                    _ => return Err(bad("auto, yes or none")),
                }
            }
            "stats.interval" => self.stats_interval = secs()?,
            "detect.sgh-mpm-caching" => self.mpm_cache = flag()?,
            "detect.sgh-mpm-caching-path" => self.mpm_cache_path = Some(PathBuf::from(value)),
            // Suricata takes 0 (and anything above 256) as "use the default".
            "packet-alert-max" => {
                self.packet_alert_max = match count()? {
                    0 | 257.. => 15,
                    n => n,
                }
            }
            _ => return Err(unknown(key)),
        }
        Ok(())
    }

    /// Timeouts for an IP protocol number.
    pub fn timeouts_for(&self, ip_proto: u8) -> &Timeouts {
        match ip_proto {
            6 => &self.flow_timeouts.tcp,
            17 => &self.flow_timeouts.udp,
            1 | 58 => &self.flow_timeouts.icmp,
            _ => &self.flow_timeouts.default,
        }
    }
}

fn unknown(key: &str) -> ConfigError {
    ConfigError::UnknownKey {
        key: key.to_string(),
    }
}

fn upsert(list: &mut Vec<(String, String)>, name: &str, value: &str) {
    match list.iter_mut().find(|(k, _)| k == name) {
        Some(slot) => slot.1 = value.to_string(),
        None => list.push((name.to_string(), value.to_string())),
    }
}

/// Flattens nested YAML maps into dotted keys; sequences become `[a, b]`.
fn flatten(prefix: String, value: &serde_yaml::Value, out: &mut Vec<(String, String)>) {
    use serde_yaml::Value;
    match value {
        Value::Mapping(map) => {
            for (k, v) in map {
                let k = scalar(k);
                let key = if prefix.is_empty() {
                    k
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(key, v, out);
            }
        }
        Value::Null if prefix.is_empty() => {}
        Value::Sequence(items) => {
            let parts: Vec<String> = items.iter().map(scalar).collect();
            out.push((prefix, format!("[{}]", parts.join(","))));
        }
        other => out.push((prefix, scalar(other))),
    }
}

fn scalar(value: &serde_yaml::Value) -> String {
    use serde_yaml::Value;
    match value {
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Null => String::new(),
        other => serde_yaml::to_string(other)
            .unwrap_or_default()
            .trim()
            .to_string(),
    }
}

/// Parses `65536`, `64kb`, `32mb`, `1gb` (case-insensitive, Suricata's units: 1 kb = 1024).
pub fn parse_size(text: &str) -> Option<u64> {
    let t = text.trim().to_ascii_lowercase();
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(digits);
    let n: u64 = num.parse().ok()?;
    let mult: u64 = match unit.trim() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        _ => return None,
    };
    n.checked_mul(mult)
}

/// Parses a duration in seconds: `3600`, `3600s`, `90m`, `24h`, `7d`, `2w`.
pub fn parse_duration(text: &str) -> Option<u64> {
    let t = text.trim().to_ascii_lowercase();
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(digits);
    let n: u64 = num.parse().ok()?;
    let mult: u64 = match unit.trim() {
        "" | "s" => 1,
        "m" | "min" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => return None,
    };
    n.checked_mul(mult)
}

/// Parses yes/no, true/false, on/off, 1/0.
pub fn parse_bool(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "yes" | "true" | "on" | "1" | "enabled" => Some(true),
        "no" | "false" | "off" | "0" | "disabled" => Some(false),
        _ => None,
    }
}

/// Parses `4789`, `[4789, 8472]` or `4789,8472`.
pub fn parse_ports(text: &str) -> Option<Vec<u16>> {
    let t = text.trim().trim_start_matches('[').trim_end_matches(']');
    t.split(',').map(|p| p.trim().parse::<u16>().ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("3600"), Some(3600));
        assert_eq!(parse_duration("90m"), Some(5400));
        assert_eq!(parse_duration("24h"), Some(86_400));
        assert_eq!(parse_duration("7D"), Some(604_800));
        assert_eq!(parse_duration("h"), None);
        assert_eq!(parse_duration("5y"), None);
    }

    #[test]
    fn yaml_nested_and_dotted_keys_apply() {
        let mut c = Config::default();
        c.apply_yaml("flow:\n  memcap: 64mb\nflow-timeouts.tcp.established: 10\nstream:\n  reassembly:\n    depth: 0\n")
            .unwrap();
        assert_eq!(c.flow.memcap, 64 << 20);
        assert_eq!(c.flow_timeouts.tcp.established, 10);
        assert_eq!(c.stream.reassembly_depth, 0);
    }

    #[test]
    fn unknown_key_is_named() {
        let mut c = Config::default();
        let e = c.apply_yaml("flow:\n  memcapp: 1\n").unwrap_err();
        assert_eq!(e.to_string(), "unknown configuration key `flow.memcapp`");
        let e = c.set_arg("stream.midstream=maybe").unwrap_err();
        assert!(e.to_string().contains("stream.midstream"));
        assert!(c.set_arg("nokey").is_err());
    }

    #[test]
    fn set_overrides_and_vars() {
        let mut c = Config::default();
        c.set_arg("vars.address-groups.HOME_NET=[10.0.0.0/8]")
            .unwrap();
        c.set_arg("decoder.vxlan.ports=[4789, 8472]").unwrap();
        assert_eq!(c.decoder.vxlan_ports, vec![4789, 8472]);
        assert_eq!(c.vars.address_groups[0].1, "[10.0.0.0/8]");
        assert_eq!(parse_size("1GB"), Some(1 << 30));
        assert_eq!(parse_size("12x"), None);
        assert!(c.stream.checksum_validation, "on by default, as Suricata's");
        c.set_arg("stream.checksum-validation=no").unwrap();
        assert!(!c.stream.checksum_validation);
    }
}
