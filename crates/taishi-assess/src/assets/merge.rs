//! The declared and discovered views as one list of assets.

use std::collections::HashMap;
use std::net::IpAddr;

use taishi_core::domain::{Asset, AssetOrigin};
use taishi_detect::behaviour::common::Cidr;

/// Merges what traffic revealed into the registry:
///
/// - a discovered host that a host record covers merges into it: the
///   record keeps its declared fields, gains the discovered MACs, services,
///   software, OS hint and role where it had none, its first/last seen
///   become the min/max, and its origin `Both` (a record discovered earlier
///   stays `Discovered`);
/// - a discovered host inside a declared network stays its own record but
///   takes the network's sector, zone, owner, tenant, criticality and CII
///   flag (redone on every merge, so a re-imported registry reaches the
///   hosts under it);
/// - anything else is added as `Discovered`, after the declared records, in
///   address order.
///
/// Idempotent: merging the result with the same discoveries again gives the
/// same records, so the stored list can be merged with each run's
/// discoveries.
pub fn merge(declared: Vec<Asset>, discovered: Vec<Asset>) -> Vec<Asset> {
    let mut out = declared;
    let mut hosts: HashMap<IpAddr, usize> = HashMap::new();
    for (i, a) in out.iter().enumerate() {
        if let Ok(ip) = a.address.parse::<IpAddr>() {
            hosts.entry(ip).or_insert(i);
        }
    }
    let mut added: Vec<Asset> = Vec::new();
    let mut added_at: HashMap<IpAddr, usize> = HashMap::new();
    for d in discovered {
        let ip = d.address.parse::<IpAddr>().ok();
        if let Some(&i) = ip.as_ref().and_then(|ip| hosts.get(ip)) {
            if let Some(target) = out.get_mut(i) {
                absorb(target, d);
            }
        } else if let Some(&i) = ip.as_ref().and_then(|ip| added_at.get(ip)) {
            if let Some(target) = added.get_mut(i) {
                absorb(target, d);
            }
        } else if ip.is_none()
            && out
                .iter()
                .chain(added.iter())
                .any(|a| a.address == d.address)
        {
            // (Only for keys that are not addresses: every address is in
            // `hosts` or `added_at`, and scanning here for each new host
            // made merging 65k discovered hosts quadratic, 4.6 s.)
            // Not a host address (a network from another sensor's view):
            // merge by its key as written.
            if let Some(target) = out
                .iter_mut()
                .chain(added.iter_mut())
                .find(|a| a.address == d.address)
            {
                absorb(target, d);
            }
        } else {
            if let Some(ip) = ip {
                added_at.insert(ip, added.len());
            }
            added.push(Asset {
                origin: AssetOrigin::Discovered,
                ..d
            });
        }
    }
    added.sort_by(|a, b| {
        let key = |x: &Asset| x.address.parse::<IpAddr>().ok();
        key(a).cmp(&key(b)).then_with(|| a.address.cmp(&b.address))
    });
    out.extend(added);
    inherit_from_networks(&mut out);
    out
}

/// Puts what `d` saw into `target` (see [`merge`]): `target`'s own fields
/// win, lists are united, first/last seen become the min/max, and a
/// declared record becomes `Both`.
pub fn absorb(target: &mut Asset, d: Asset) {
    if target.origin == AssetOrigin::Declared {
        target.origin = AssetOrigin::Both;
    }
    if target.name.is_empty() {
        target.name = d.name;
    }
    for m in d.macs {
        if !target.macs.contains(&m) {
            target.macs.push(m);
        }
    }
    for s in d.services {
        match target
            .services
            .iter_mut()
            .find(|t| t.port == s.port && t.transport.eq_ignore_ascii_case(&s.transport))
        {
            Some(t) => {
                if t.app_proto.is_none() {
                    t.app_proto = s.app_proto;
                }
                if t.software.is_none() {
                    t.software = s.software;
                }
                t.first_seen = min_seen(t.first_seen, s.first_seen);
                t.last_seen = t.last_seen.max(s.last_seen);
            }
            None => target.services.push(s),
        }
    }
    for s in d.software {
        let same = |t: &&mut taishi_core::domain::Software| {
            t.product.eq_ignore_ascii_case(&s.product) && t.version == s.version
        };
        if !target.software.iter_mut().any(|t| same(&t)) {
            target.software.push(s);
        }
    }
    if target.os_hint.is_none() {
        target.os_hint = d.os_hint;
    }
    if target.ics_role.is_none() {
        target.ics_role = d.ics_role;
    }
    target.first_seen = min_seen(target.first_seen, d.first_seen);
    target.last_seen = target.last_seen.max(d.last_seen);
    for v in d.vulns {
        if !target
            .vulns
            .iter()
            .any(|t| t.id == v.id && t.software == v.software)
        {
            target.vulns.push(v);
        }
    }
}

/// The earlier of two first-seen times, 0 meaning "never seen".
fn min_seen(a: u64, b: u64) -> u64 {
    match (a, b) {
        (0, x) | (x, 0) => x,
        (a, b) => a.min(b),
    }
}

/// Gives each discovered host the fields of the most specific declared
/// network containing it.
fn inherit_from_networks(all: &mut [Asset]) {
    let mut nets: Vec<(Cidr, usize)> = all
        .iter()
        .enumerate()
        .filter(|(_, a)| a.origin != AssetOrigin::Discovered && a.address.contains('/'))
        .filter_map(|(i, a)| Cidr::parse(&a.address).map(|c| (c, i)))
        .collect();
    if nets.is_empty() {
        return;
    }
    nets.sort_by_key(|(c, _)| std::cmp::Reverse(c.prefix_len()));
    let inherited: Vec<(usize, usize)> = all
        .iter()
        .enumerate()
        .filter(|(_, a)| a.origin == AssetOrigin::Discovered)
        .filter_map(|(i, a)| {
            let ip = a.address.parse::<IpAddr>().ok()?;
            nets.iter()
                .find(|(c, _)| c.contains(&ip))
                .map(|&(_, n)| (i, n))
        })
        .collect();
    for (i, n) in inherited {
        let Some(net) = all.get(n).cloned() else {
            continue;
        };
        if let Some(a) = all.get_mut(i) {
            a.sector = net.sector;
            a.zone = net.zone;
            a.owner = net.owner;
            a.tenant = net.tenant;
            a.criticality = net.criticality;
            a.cii = net.cii;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use taishi_core::domain::{Service, Software};

    fn declared(address: &str, crit: u8, zone: &str) -> Asset {
        Asset {
            address: address.into(),
            name: format!("declared {address}"),
            criticality: crit,
            zone: zone.into(),
            sector: "water".into(),
            owner: "ops".into(),
            ..Asset::default()
        }
    }

    fn seen(address: &str, first: u64, last: u64, port: u16) -> Asset {
        Asset {
            address: address.into(),
            criticality: 2,
            origin: AssetOrigin::Discovered,
            macs: vec!["00:80:f4:14:00:0b".into()],
            services: vec![Service {
                port,
                transport: "TCP".into(),
                app_proto: Some("modbus".into()),
                first_seen: first,
                last_seen: last,
                ..Service::default()
            }],
            software: vec![Software {
                product: "OpenSSH".into(),
                version: Some("9.2p1".into()),
                source: "ssh banner".into(),
            }],
            os_hint: Some("Linux".into()),
            ics_role: Some("outstation".into()),
            first_seen: first,
            last_seen: last,
            ..Asset::default()
        }
    }

    #[test]
    fn rules() {
        let reg = vec![
            declared("10.20.0.11", 5, "L1"),
            declared("10.20.0.0/24", 4, "OT"),
            declared("10.0.0.0/8", 2, "IT"),
        ];
        let found = vec![
            seen("10.20.0.11", 200, 300, 502),
            seen("10.20.0.11", 100, 250, 502),
            seen("10.20.0.12", 100, 200, 502),
            seen("10.10.2.5", 100, 200, 22),
            seen("192.0.2.7", 100, 200, 80),
        ];
        let m = merge(reg.clone(), found.clone());
        assert_eq!(m.len(), 6);
        // The host record absorbed both sightings.
        let plc = &m[0];
        assert_eq!(plc.origin, AssetOrigin::Both);
        assert_eq!(plc.name, "declared 10.20.0.11");
        assert_eq!(plc.criticality, 5);
        assert_eq!((plc.first_seen, plc.last_seen), (100, 300));
        assert_eq!(plc.services.len(), 1);
        assert_eq!(
            (plc.services[0].first_seen, plc.services[0].last_seen),
            (100, 300)
        );
        assert_eq!(plc.macs.len(), 1);
        assert_eq!(plc.software.len(), 1);
        assert_eq!(plc.ics_role.as_deref(), Some("outstation"));
        // Networks untouched.
        assert_eq!(m[1], reg[1]);
        assert_eq!(m[2], reg[2]);
        // New hosts after, in address order, inheriting the narrowest net.
        let addrs: Vec<&str> = m[3..].iter().map(|a| a.address.as_str()).collect();
        assert_eq!(addrs, ["10.10.2.5", "10.20.0.12", "192.0.2.7"]);
        let it = &m[3];
        assert_eq!((it.zone.as_str(), it.criticality), ("IT", 2));
        let ot = &m[4];
        assert_eq!(ot.origin, AssetOrigin::Discovered);
        assert_eq!(
            (ot.zone.as_str(), ot.criticality, ot.sector.as_str()),
            ("OT", 4, "water")
        );
        assert_eq!(ot.name, "");
        let outside = &m[5];
        assert_eq!((outside.zone.as_str(), outside.criticality), ("", 2));

        // Idempotent, and order-insensitive in what it adds.
        let again = merge(m.clone(), found.clone());
        assert_eq!(again, m);
        let split = merge(merge(reg.clone(), found[..2].to_vec()), found[2..].to_vec());
        assert_eq!(split, m);

        // A changed registry reaches the hosts under its networks.
        let mut reg2 = m.clone();
        reg2[1].criticality = 5;
        let m2 = merge(reg2, found);
        assert_eq!(m2[4].criticality, 5);
    }
}
