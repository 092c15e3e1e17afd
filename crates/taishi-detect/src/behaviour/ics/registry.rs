//! What the asset registry says about industrial hosts, in the form the
//! industrial detectors ask it: who may command a device, which function
//! codes it accepts, which segment (zone) it sits in, and which hosts are
//! declared masters.
//!
//! The records are `taishi_core::domain::Asset`s (the registry that
//! `taishi assets import` or `taishi analyze --assets` put in the
//! database). The fields read, and what they are taken to mean:
//!
//! - `authorised_peers` of a **host** record: exactly the masters of that
//!   device. A network record's peers are not spread to the hosts under it,
//!   as the asset merge does not spread them either.
//! - `function_codes` of a host record (`modbus:3`, `dnp3:5`, `s7:read`,
//!   `iec104:45`): the requests the device accepts, per protocol; a protocol
//!   with no entry is not restricted.
//! - `zone`: the host record's, else that of the most specific network
//!   record covering the address that has one (as the merge gives it).
//! - `role`: `hmi`, `scada_server`, `engineering_workstation` and
//!   `historian` are declared masters: their showing up as a master is
//!   expected. A role says what a host is, not which devices it may
//!   command, so it never authorises a write; only `authorised_peers` does.
//!
//! `ics_role` is not read: asset discovery fills it from traffic in
//! records that were declared, so it cannot be told from a declaration.

use std::net::IpAddr;

use taishi_core::domain::Asset;

use super::super::common::{Cidr, HashMap};

/// Roles whose hosts poll and command devices.
const MASTER_ROLES: &[&str] = &[
    "hmi",
    "scada_server",
    "engineering_workstation",
    "historian",
];

/// The industrial protocols the detectors read, as the registry names
/// them in `function_codes` (`modbus:3`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Proto {
    Modbus,
    Dnp3,
    S7,
    Iec104,
}

impl Proto {
    /// The protocol of an EVE event type.
    pub(super) fn of_event(event_type: &str) -> Option<Proto> {
        match event_type {
            "modbus" => Some(Proto::Modbus),
            "dnp3" => Some(Proto::Dnp3),
            "s7comm" => Some(Proto::S7),
            "iec104" => Some(Proto::Iec104),
            _ => None,
        }
    }

    /// The protocol a registry entry names (lower case, as imported).
    fn of_name(name: &str) -> Option<Proto> {
        match name.trim() {
            "modbus" | "modbus_tcp" | "modbus-tcp" | "modbustcp" => Some(Proto::Modbus),
            "dnp3" => Some(Proto::Dnp3),
            "s7" | "s7comm" => Some(Proto::S7),
            "iec104" | "iec-104" | "iec_104" | "104" | "iec60870-5-104" => Some(Proto::Iec104),
            _ => None,
        }
    }
}

/// A request as the function-code allowlist sees it: its protocol, its
/// code as a number and as a name (either may be absent).
#[derive(Clone, Copy, Debug)]
pub(super) struct Code<'a> {
    pub(super) proto: Proto,
    pub(super) number: Option<u64>,
    pub(super) name: Option<&'a str>,
}

/// One declared host.
#[derive(Debug, Default)]
pub(super) struct Declared {
    /// Its authorised peers; empty: not restricted (masters are learnt).
    pub(super) peers: Vec<Cidr>,
    /// The peers as written, for the evidence.
    pub(super) peer_names: Vec<String>,
    /// Permitted function codes, `(protocol, code)`.
    codes: Vec<(Proto, String)>,
    /// Declared with a master role.
    pub(super) master_role: bool,
}

impl Declared {
    /// Whether `ip` is one of its authorised peers.
    pub(super) fn authorises(&self, ip: &IpAddr) -> bool {
        self.peers.iter().any(|n| n.contains(ip))
    }

    /// Whether the registry restricts masters of this device.
    pub(super) fn has_peers(&self) -> bool {
        !self.peers.is_empty()
    }

    /// Its permitted codes of `proto`, for the evidence.
    pub(super) fn codes_for(&self, proto: Proto) -> Vec<&str> {
        self.codes
            .iter()
            .filter(|(p, _)| *p == proto)
            .map(|(_, c)| c.as_str())
            .collect()
    }

    /// `Some(false)` when the device's list for the request's protocol
    /// does not have its code; `None` when that protocol is not restricted.
    pub(super) fn permits(&self, c: &Code<'_>) -> Option<bool> {
        let mut listed = self.codes.iter().filter(|(p, _)| *p == c.proto).peekable();
        listed.peek()?;
        let mut ok = false;
        for (_, code) in listed {
            let by_number = c
                .number
                .is_some_and(|n| code.parse::<u64>().is_ok_and(|x| x == n));
            let by_name = c.name.is_some_and(|name| {
                name.eq_ignore_ascii_case(code)
                    // `s7:read` / `s7:write` name read_var / write_var.
                    || (c.proto == Proto::S7
                        && name.len() == code.len() + 4
                        && name.get(..code.len()).is_some_and(|h| h.eq_ignore_ascii_case(code))
                        && name.ends_with("_var"))
            });
            ok |= by_number || by_name;
        }
        Some(ok)
    }
}

/// The registry, indexed for the industrial detectors. Empty when there is
/// no registry: every device's masters are then learnt.
#[derive(Debug, Default)]
pub struct IcsRegistry {
    hosts: HashMap<IpAddr, Declared>,
    /// Zones of host records, by address.
    host_zones: HashMap<IpAddr, u16>,
    /// Network records with a zone, most specific first.
    net_zones: Vec<(Cidr, u16)>,
    /// Zone names; a segment is keyed by the index.
    zones: Vec<String>,
    ignored: Vec<String>,
}

impl IcsRegistry {
    /// Indexes the registry's records. Entries the detectors cannot use (a
    /// peer that is not an address or network, a function code that is not
    /// `protocol:code` of a protocol they read) are left out and listed by
    /// [`IcsRegistry::ignored`].
    pub fn from_assets(assets: &[Asset]) -> IcsRegistry {
        let mut r = IcsRegistry::default();
        let mut nets = Vec::new();
        for a in assets {
            let zone = (!a.zone.is_empty()).then(|| r.zone_index(&a.zone));
            let host = a.address.parse::<IpAddr>().ok();
            let Some(ip) = host else {
                if let (Some(net), Some(z)) = (Cidr::parse(&a.address), zone) {
                    nets.push((net, z));
                }
                continue;
            };
            if let Some(z) = zone {
                r.host_zones.insert(ip, z);
            }
            let mut d = Declared {
                master_role: MASTER_ROLES.contains(&a.role.as_str()),
                ..Declared::default()
            };
            for p in &a.authorised_peers {
                match Cidr::parse(p) {
                    Some(n) => {
                        d.peers.push(n);
                        d.peer_names.push(p.clone());
                    }
                    None => r.ignored.push(format!(
                        "asset {}: authorised peer {p:?} is not an address or network",
                        a.address
                    )),
                }
            }
            for f in &a.function_codes {
                let parsed = f
                    .split_once(':')
                    .and_then(|(p, c)| Some((Proto::of_name(p)?, c.trim())))
                    .filter(|(_, c)| !c.is_empty());
                match parsed {
                    Some((p, c)) => d.codes.push((p, c.to_ascii_lowercase())),
                    None => r.ignored.push(format!(
                        "asset {}: function code {f:?} is not modbus:, dnp3:, s7: or iec104: followed by a code",
                        a.address
                    )),
                }
            }
            r.hosts.insert(ip, d);
        }
        nets.sort_by_key(|(n, _)| std::cmp::Reverse(n.prefix_len()));
        r.net_zones = nets;
        r
    }

    fn zone_index(&mut self, zone: &str) -> u16 {
        if let Some(i) = self.zones.iter().position(|z| z == zone) {
            return i as u16;
        }
        // Zones are a small vocabulary (IT, DMZ, OT, L0..L5); past u16 the
        // last index is shared rather than wrapped.
        self.zones.push(zone.to_string());
        u16::try_from(self.zones.len() - 1).unwrap_or(u16::MAX)
    }

    /// Registry entries left out, one line each, for the caller to report.
    pub fn ignored(&self) -> &[String] {
        &self.ignored
    }

    /// Whether the registry has no record at all.
    pub fn is_empty(&self) -> bool {
        self.hosts.is_empty() && self.net_zones.is_empty()
    }

    /// The host record of `ip`.
    pub(super) fn host(&self, ip: &IpAddr) -> Option<&Declared> {
        self.hosts.get(ip)
    }

    /// The zone of `ip`: its own record's, else the most specific network's.
    pub(super) fn zone(&self, ip: &IpAddr) -> Option<u16> {
        self.host_zones.get(ip).copied().or_else(|| {
            self.net_zones
                .iter()
                .find(|(n, _)| n.contains(ip))
                .map(|&(_, z)| z)
        })
    }

    /// The name of a zone index.
    pub(super) fn zone_name(&self, z: u16) -> &str {
        self.zones.get(usize::from(z)).map_or("", String::as_str)
    }
}

/// A declared record, for tests.
#[cfg(test)]
pub(super) fn declared(
    address: &str,
    zone: &str,
    role: &str,
    peers: &[&str],
    codes: &[&str],
) -> Asset {
    Asset {
        address: address.into(),
        zone: zone.into(),
        role: role.into(),
        authorised_peers: peers.iter().map(|s| s.to_string()).collect(),
        function_codes: codes.iter().map(|s| s.to_string()).collect(),
        ..Asset::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peers_codes_zones_and_roles() {
        let r = IcsRegistry::from_assets(&[
            declared("10.20.0.0/16", "OT", "network", &[], &[]),
            declared("10.20.1.0/24", "L1", "network", &[], &[]),
            declared(
                "10.20.1.11",
                "",
                "plc",
                &["10.10.5.10", "10.10.6.0/24", "nonsense"],
                &["modbus:3", "modbus:6", "s7:read", "3", "bacnet:12"],
            ),
            declared("10.10.5.10", "L2", "hmi", &[], &[]),
        ]);
        assert_eq!(r.ignored().len(), 3, "{:?}", r.ignored());
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let plc = r.host(&ip("10.20.1.11")).unwrap();
        assert!(plc.has_peers());
        assert!(plc.authorises(&ip("10.10.6.77")));
        assert!(!plc.authorises(&ip("10.10.5.11")));
        let modbus = |n| Code {
            proto: Proto::Modbus,
            number: Some(n),
            name: None,
        };
        assert_eq!(plc.permits(&modbus(3)), Some(true));
        assert_eq!(plc.permits(&modbus(16)), Some(false));
        let s7 = |name| Code {
            proto: Proto::S7,
            number: None,
            name: Some(name),
        };
        assert_eq!(plc.permits(&s7("read_var")), Some(true));
        assert_eq!(plc.permits(&s7("write_var")), Some(false));
        // No dnp3 entry: dnp3 is not restricted.
        let dnp3 = Code {
            proto: Proto::Dnp3,
            number: Some(2),
            name: None,
        };
        assert_eq!(plc.permits(&dnp3), None);
        assert!(r.host(&ip("10.10.5.10")).unwrap().master_role);
        assert!(!plc.master_role);
        // Zones: the most specific network covers the PLC; the HMI has its own.
        assert_eq!(
            r.zone(&ip("10.20.1.11")).map(|z| r.zone_name(z)),
            Some("L1")
        );
        assert_eq!(r.zone(&ip("10.20.2.1")).map(|z| r.zone_name(z)), Some("OT"));
        assert_eq!(
            r.zone(&ip("10.10.5.10")).map(|z| r.zone_name(z)),
            Some("L2")
        );
        assert_eq!(r.zone(&ip("192.168.0.1")), None);
    }
}
