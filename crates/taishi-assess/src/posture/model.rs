//! Comprehension: what each alert weighs, and against which asset.
//!
//! An alert becomes part of an [`Atom`]: the alerts of one signature against
//! one service (or host) of one incident in one bucket. Every posture figure
//! is a sum of decayed atom weights, so every figure can be taken apart
//! again into the incidents, hosts and services it came from.

use std::collections::{BTreeMap, HashMap};

use taishi_core::domain::{AlertRow, Asset, Incident, IncidentStatus};

use super::PostureConfig;
use crate::assets::AssetIndex;

/// Zone of a host no asset record places in one.
pub const UNKNOWN_ZONE: &str = "unknown";

/// Alerts of one kind against one target in one bucket, weighed.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Atom {
    /// Bucket start, seconds.
    pub bucket: u64,
    /// Tenant of the host (`""` single site).
    pub tenant: String,
    /// Zone of the host.
    pub zone: String,
    /// The host at risk.
    pub host: String,
    /// `host:port/transport` when the alert names the host's port.
    pub service: Option<String>,
    /// Incident of the alerts (`None`: not yet correlated).
    pub incident: Option<i64>,
    /// `gid:sid` of the alerts.
    pub signature: (u32, u32),
    /// The signature's text (`alert.signature`).
    pub name: String,
    /// Alerts in the atom.
    pub count: u64,
    /// Weight: mean alert weight × (1 + ln count) × host weight.
    pub weight: f64,
}

/// Weight of a Suricata severity (1 high .. 4 low) from the configured table.
pub fn severity_weight(severity: u8, weights: &[f64; 4]) -> f64 {
    let i = usize::from(severity.clamp(1, 4)) - 1;
    weights.get(i).copied().unwrap_or(1.0)
}

/// Stage factor of a kill-chain stage name: how far an attack has got.
/// Reconnaissance is the baseline; an attack that reached impact weighs
/// twice as much per alert. Unknown names count as reconnaissance, so a new
/// stage name never inflates the index.
pub fn stage_factor(stage: &str) -> f64 {
    match stage {
        "reconnaissance" | "discovery" => 1.0,
        "resource_development" | "initial_access" | "credential_access" => 1.25,
        "execution"
        | "persistence"
        | "privilege_escalation"
        | "defense_evasion"
        | "lateral_movement"
        | "collection"
        | "evasion" => 1.5,
        "command_and_control" | "exfiltration" | "inhibit_response_function" => 1.75,
        "impact" | "impair_process_control" => 2.0,
        _ => 1.0,
    }
}

/// Stage factor of an incident: the furthest stage it reached.
pub fn incident_stage_factor(incident: &Incident) -> f64 {
    incident
        .stages
        .iter()
        .map(|s| stage_factor(s))
        .fold(1.0, f64::max)
}

/// Host weight of `ip`: criticality / 3 (so an average asset, criticality
/// 3, weighs 1; one no record covers weighs 1/3) × the CII bonus for
/// critical information infrastructure.
pub fn host_weight(assets: &AssetIndex, ip: &str, config: &PostureConfig) -> f64 {
    let cii = if assets.get(ip).is_some_and(|a| a.cii) {
        config.cii_bonus
    } else {
        1.0
    };
    f64::from(assets.criticality(ip)) / 3.0 * cii
}

/// The service key of a port on a host: `10.0.0.5:502/TCP`, `[2001:db8::1]:80/TCP`.
pub fn service_key(host: &str, port: u16, transport: &str) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}/{transport}")
    } else {
        format!("{host}:{port}/{transport}")
    }
}

/// Which host an alert puts at risk, and which of its ports.
///
/// The victim, as the alert says, unless the registry does not know the
/// victim but knows the attacker: then the alert is one of our hosts
/// reaching out (C2 beaconing, exfiltration, tunnelling) and our host is
/// the one at risk; such alerts name no service of it.
pub(crate) fn target<'a>(alert: &'a AlertRow, assets: &AssetIndex) -> (&'a str, Option<u16>) {
    if assets.get(&alert.victim).is_none() && assets.get(&alert.attacker).is_some() {
        return (&alert.attacker, None);
    }
    let port = if alert.victim == alert.dest_ip {
        alert.dest_port
    } else if alert.victim == alert.src_ip {
        alert.src_port
    } else {
        None
    };
    (&alert.victim, port)
}

/// Whether the registry authorises `peer` to talk to `asset`.
fn authorised(asset: Option<&Asset>, peer: &str) -> bool {
    let Some(asset) = asset else { return false };
    if asset.authorised_peers.is_empty() {
        return false;
    }
    let Ok(addr) = peer.parse::<std::net::IpAddr>() else {
        return false;
    };
    asset.authorised_peers.iter().any(|p| {
        p.parse::<std::net::IpAddr>().is_ok_and(|a| a == addr)
            || taishi_detect::behaviour::common::Cidr::parse(p).is_some_and(|n| n.contains(&addr))
    })
}

/// What incidents the atoms need: stage factor, and whether to count at all.
pub(crate) struct IncidentInfo {
    factor: HashMap<i64, f64>,
    ignored: std::collections::HashSet<i64>,
}

impl IncidentInfo {
    /// From the stored incidents.
    pub fn new(incidents: &[Incident]) -> IncidentInfo {
        IncidentInfo {
            factor: incidents
                .iter()
                .map(|i| (i.id, incident_stage_factor(i)))
                .collect(),
            ignored: incidents
                .iter()
                .filter(|i| i.status == IncidentStatus::FalsePositive)
                .map(|i| i.id)
                .collect(),
        }
    }
}

/// Start of the bucket holding `ts_ns`.
pub fn bucket_of(ts_ns: u64, width: u64) -> u64 {
    let secs = ts_ns / 1_000_000_000;
    let width = width.max(1);
    secs - secs % width
}

type GroupKey = (u64, String, Option<u16>, String, Option<i64>, (u32, u32));

/// Groups alerts into atoms as they are read, so that a long history is
/// read page by page instead of held whole.
#[derive(Default)]
pub(crate) struct AtomBuilder {
    /// (count, sum of alert weights, signature text); a BTreeMap keeps the
    /// output in a stable order.
    groups: BTreeMap<GroupKey, (u64, f64, String)>,
}

impl AtomBuilder {
    /// Adds one alert; alerts of incidents marked false positive are left out.
    pub fn add(
        &mut self,
        a: &AlertRow,
        incidents: &IncidentInfo,
        assets: &AssetIndex,
        config: &PostureConfig,
    ) {
        if a.incident_id
            .is_some_and(|id| incidents.ignored.contains(&id))
        {
            return;
        }
        let (host, port) = target(a, assets);
        let asset = assets.get(host);
        let stage = a
            .incident_id
            .and_then(|id| incidents.factor.get(&id).copied())
            .unwrap_or(1.0);
        let peer = if host == a.victim {
            &a.attacker
        } else {
            &a.victim
        };
        let peer_factor = if authorised(asset, peer) {
            config.authorised_peer_factor
        } else {
            1.0
        };
        let w = severity_weight(a.severity, &config.severity_weights) * stage * peer_factor;
        let key = (
            bucket_of(a.ts, config.bucket_secs),
            host.to_owned(),
            port,
            a.proto.clone(),
            a.incident_id,
            (a.gid, a.sid),
        );
        let g = self
            .groups
            .entry(key)
            .or_insert_with(|| (0, 0.0, a.signature.clone()));
        g.0 += 1;
        g.1 += w;
    }

    /// The atoms, in (bucket, host, port, incident, signature) order.
    pub fn finish(self, assets: &AssetIndex, config: &PostureConfig) -> Vec<Atom> {
        self.groups
            .into_iter()
            .map(
                |((bucket, host, port, proto, incident, signature), (n, sum, name))| {
                    let asset = assets.get(&host);
                    let nf = n.max(1) as f64;
                    Atom {
                        bucket,
                        tenant: asset.map(|a| a.tenant.clone()).unwrap_or_default(),
                        zone: asset
                            .map(|a| a.zone.as_str())
                            .filter(|z| !z.is_empty())
                            .unwrap_or(UNKNOWN_ZONE)
                            .to_owned(),
                        service: port.map(|p| service_key(&host, p, &proto)),
                        weight: sum / nf * (1.0 + nf.ln()) * host_weight(assets, &host, config),
                        host,
                        incident,
                        signature,
                        name,
                        count: n,
                    }
                },
            )
            .collect()
    }
}

/// The atoms of `alerts` (see [`AtomBuilder`]).
#[cfg(test)]
pub(crate) fn atoms(
    alerts: &[AlertRow],
    incidents: &IncidentInfo,
    assets: &AssetIndex,
    config: &PostureConfig,
) -> Vec<Atom> {
    let mut b = AtomBuilder::default();
    for a in alerts {
        b.add(a, incidents, assets, config);
    }
    b.finish(assets, config)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::Value;

    pub(crate) fn alert(
        ts_secs: u64,
        attacker: &str,
        victim: &str,
        port: Option<u16>,
        sev: u8,
    ) -> AlertRow {
        AlertRow {
            id: 0,
            ts: ts_secs * 1_000_000_000,
            flow_id: None,
            src_ip: attacker.into(),
            src_port: Some(40000),
            dest_ip: victim.into(),
            dest_port: port,
            proto: "TCP".into(),
            app_proto: None,
            gid: 1,
            sid: 1000,
            rev: 1,
            signature: "test".into(),
            category: String::new(),
            severity: sev,
            techniques: Vec::new(),
            tactics: Vec::new(),
            attacker: attacker.into(),
            victim: victim.into(),
            incident_id: None,
            record: Value::Null,
        }
    }

    fn plc() -> Asset {
        Asset {
            address: "10.20.0.12".into(),
            criticality: 5,
            cii: true,
            zone: "OT".into(),
            authorised_peers: vec!["10.10.5.0/24".into()],
            ..Asset::default()
        }
    }

    #[test]
    fn weights_follow_severity_criticality_and_stage() {
        let cfg = PostureConfig::default();
        assert_eq!(severity_weight(1, &cfg.severity_weights), 10.0);
        assert_eq!(severity_weight(9, &cfg.severity_weights), 1.0);
        assert_eq!(severity_weight(0, &cfg.severity_weights), 10.0);
        let idx = AssetIndex::new(vec![plc()]);
        assert!((host_weight(&idx, "10.20.0.12", &cfg) - 2.5).abs() < 1e-9);
        assert!((host_weight(&idx, "192.0.2.1", &cfg) - 1.0 / 3.0).abs() < 1e-9);
        let inc = Incident {
            stages: vec!["reconnaissance".into(), "impact".into(), "made_up".into()],
            ..Incident::default()
        };
        assert_eq!(incident_stage_factor(&inc), 2.0);
        assert_eq!(incident_stage_factor(&Incident::default()), 1.0);
    }

    #[test]
    fn repeats_are_damped_and_authorised_peers_discounted() {
        let cfg = PostureConfig::default();
        let idx = AssetIndex::new(vec![plc()]);
        let info = IncidentInfo::new(&[]);
        let many: Vec<AlertRow> = (0..10)
            .map(|i| alert(1000 + i, "10.10.2.57", "10.20.0.12", Some(502), 1))
            .collect();
        let out = atoms(&many, &info, &idx, &cfg);
        assert_eq!(out.len(), 1);
        let a = &out[0];
        assert_eq!(a.count, 10);
        assert_eq!(a.service.as_deref(), Some("10.20.0.12:502/TCP"));
        assert_eq!((a.zone.as_str(), a.bucket), ("OT", 900));
        assert!((a.weight - 10.0 * (1.0 + 10f64.ln()) * 2.5).abs() < 1e-9);
        let ews = [alert(1000, "10.10.5.10", "10.20.0.12", Some(502), 1)];
        let out = atoms(&ews, &info, &idx, &cfg);
        assert!((out[0].weight - 10.0 * cfg.authorised_peer_factor * 2.5).abs() < 1e-9);
    }

    #[test]
    fn our_host_reaching_out_is_the_one_at_risk() {
        let cfg = PostureConfig::default();
        let ws = Asset {
            address: "10.10.2.0/24".into(),
            criticality: 2,
            zone: "IT".into(),
            ..Asset::default()
        };
        let idx = AssetIndex::new(vec![ws]);
        let beacon = alert(0, "10.10.2.57", "203.0.113.80", Some(443), 1);
        assert_eq!(target(&beacon, &idx), ("10.10.2.57", None));
        let scan = alert(0, "203.0.113.9", "10.10.2.8", Some(22), 2);
        assert_eq!(target(&scan, &idx), ("10.10.2.8", Some(22)));
        let out = atoms(&[beacon], &IncidentInfo::new(&[]), &idx, &cfg);
        assert_eq!(
            (out[0].host.as_str(), out[0].service.as_ref()),
            ("10.10.2.57", None)
        );
    }

    #[test]
    fn false_positive_incidents_do_not_count() {
        let cfg = PostureConfig::default();
        let idx = AssetIndex::new(vec![]);
        let mut a = alert(0, "192.0.2.1", "10.0.0.1", None, 1);
        a.incident_id = Some(7);
        let fp = Incident {
            id: 7,
            status: IncidentStatus::FalsePositive,
            ..Incident::default()
        };
        assert!(atoms(&[a.clone()], &IncidentInfo::new(&[fp]), &idx, &cfg).is_empty());
        let staged = Incident {
            id: 7,
            stages: vec!["lateral_movement".into()],
            ..Incident::default()
        };
        let out = atoms(&[a], &IncidentInfo::new(&[staged]), &idx, &cfg);
        assert!((out[0].weight - 10.0 * 1.5 / 3.0).abs() < 1e-9);
        assert_eq!(
            service_key("2001:db8::1", 80, "TCP"),
            "[2001:db8::1]:80/TCP"
        );
    }
}
