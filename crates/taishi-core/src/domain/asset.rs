//! Assets: what an operator declared in its registry and what Taishi saw.

use serde::{Deserialize, Serialize};

/// Where an asset record came from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssetOrigin {
    /// Imported from the operator's registry.
    #[default]
    Declared,
    /// Seen in traffic only.
    Discovered,
    /// Declared and seen.
    Both,
}

/// A service an asset offers, as seen in traffic or declared.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Service {
    /// Server port.
    pub port: u16,
    /// `TCP`, `UDP` ...
    pub transport: String,
    /// Application protocol detected on it (`http`, `modbus` ...), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_proto: Option<String>,
    /// Software announcing itself on it (banner, Server header, certificate).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub software: Option<String>,
    /// First time seen, nanoseconds since the epoch (0 when declared only).
    #[serde(default)]
    pub first_seen: u64,
    /// Last time seen, nanoseconds since the epoch.
    #[serde(default)]
    pub last_seen: u64,
}

/// A piece of software on an asset, with where Taishi learnt of it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Software {
    /// Product name as announced (`OpenSSH`, `Apache`, `Siemens S7-1200` ...).
    pub product: String,
    /// Version, when announced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Evidence: `ssh banner`, `http server`, `tls certificate`, `declared` ...
    pub source: String,
}

/// A known vulnerability, as imported from a list (NVD, CNVD, vendor advisories).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Vulnerability {
    /// `CVE-2024-1234` (or a CNVD id).
    pub id: String,
    /// CPE 2.3 string, when given (`cpe:2.3:a:openbsd:openssh:*:...`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpe: Option<String>,
    /// Product name (matched case-insensitively against discovered software).
    #[serde(default)]
    pub product: String,
    /// Lowest affected version, inclusive (`None`: no lower bound).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_from: Option<String>,
    /// Highest affected version, exclusive (`None`: no upper bound).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_to: Option<String>,
    /// CVSS base score, 0.0 to 10.0.
    #[serde(default)]
    pub cvss: f32,
    /// One line saying what it is.
    #[serde(default)]
    pub summary: String,
}

/// A vulnerability found to apply to an asset's software.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct VulnMatch {
    /// Vulnerability id.
    pub id: String,
    /// CVSS base score.
    pub cvss: f32,
    /// The software (`product version`) it matched.
    pub software: String,
}

/// One asset: a host or a network range the operator cares about.
///
/// Declared fields come from the registry (`taishi assets import`);
/// discovered ones (MACs, services, software, OS hint, industrial role,
/// first/last seen) from traffic. A declared CIDR asset stands for every
/// host in it that has no record of its own.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Asset {
    /// Address (`10.0.0.5`) or network (`10.0.1.0/24`); the key.
    pub address: String,
    /// Name (`PLC-3 pump station`).
    #[serde(default)]
    pub name: String,
    /// Owning unit (the operator or department responsible).
    #[serde(default)]
    pub owner: String,
    /// Tenant (operator) the asset belongs to; empty for a single-site install.
    #[serde(default)]
    pub tenant: String,
    /// Sector: energy, finance, transport, water, healthcare, telecom, government ...
    #[serde(default)]
    pub sector: String,
    /// Criticality, 1 (low) to 5 (vital); discovered assets default to 2.
    #[serde(default = "default_criticality")]
    pub criticality: u8,
    /// Part of critical information infrastructure (关键信息基础设施).
    #[serde(default)]
    pub cii: bool,
    /// Zone: `IT`, `DMZ`, `OT`, or a Purdue level `L0`..`L5`.
    #[serde(default)]
    pub zone: String,
    /// Role: `plc`, `rtu`, `hmi`, `engineering_workstation`, `historian`,
    /// `server`, `workstation` ...
    #[serde(default)]
    pub role: String,
    /// Peers allowed to talk to it (addresses or CIDRs); empty: not restricted.
    #[serde(default)]
    pub authorised_peers: Vec<String>,
    /// Protocols it is expected to speak (`modbus`, `dnp3`, `http` ...).
    #[serde(default)]
    pub protocols: Vec<String>,
    /// Industrial function codes allowed to it (`modbus:3`, `s7:read` ...).
    #[serde(default)]
    pub function_codes: Vec<String>,
    /// Where the record came from.
    #[serde(default)]
    pub origin: AssetOrigin,
    /// MAC addresses seen for it.
    #[serde(default)]
    pub macs: Vec<String>,
    /// Services seen (or declared).
    #[serde(default)]
    pub services: Vec<Service>,
    /// Software seen (or declared).
    #[serde(default)]
    pub software: Vec<Software>,
    /// Operating-system hint (`Linux`, `Windows` ...), when traffic says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os_hint: Option<String>,
    /// Industrial role seen: `master` (polls/commands) or `outstation` (answers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ics_role: Option<String>,
    /// First seen in traffic, nanoseconds since the epoch (0: never seen).
    #[serde(default)]
    pub first_seen: u64,
    /// Last seen in traffic, nanoseconds since the epoch.
    #[serde(default)]
    pub last_seen: u64,
    /// Vulnerabilities matched to its software: its exposure.
    #[serde(default)]
    pub vulns: Vec<VulnMatch>,
}

fn default_criticality() -> u8 {
    2
}
