//! Finding the asset record that covers an address.

use std::collections::HashMap;
use std::net::IpAddr;

use taishi_core::domain::Asset;
use taishi_detect::behaviour::common::Cidr;

/// Criticality of an address no asset record covers: below a declared
/// ordinary workstation (2), so that declared assets always weigh more.
pub const UNKNOWN_CRITICALITY: u8 = 1;

/// Assets by address: an exact host record first, else the most specific
/// declared network containing the address.
#[derive(Debug, Default)]
pub struct AssetIndex {
    assets: Vec<Asset>,
    hosts: HashMap<IpAddr, usize>,
    /// (network, index), most specific first.
    networks: Vec<(Cidr, usize)>,
}

impl AssetIndex {
    /// Indexes `assets`; records whose address is neither an address nor a
    /// CIDR are kept (listed by [`AssetIndex::all`]) but never matched.
    pub fn new(assets: Vec<Asset>) -> AssetIndex {
        let mut hosts = HashMap::new();
        let mut networks = Vec::new();
        for (i, a) in assets.iter().enumerate() {
            if let Ok(ip) = a.address.parse::<IpAddr>() {
                hosts.insert(ip, i);
            } else if let Some(net) = Cidr::parse(&a.address) {
                networks.push((net, i));
            }
        }
        networks.sort_by_key(|(n, _)| std::cmp::Reverse(n.prefix_len()));
        AssetIndex {
            assets,
            hosts,
            networks,
        }
    }

    /// The record covering `ip` (an address as EVE prints it).
    pub fn get(&self, ip: &str) -> Option<&Asset> {
        let addr: IpAddr = ip.parse().ok()?;
        if let Some(&i) = self.hosts.get(&addr) {
            return self.assets.get(i);
        }
        self.networks
            .iter()
            .find(|(n, _)| n.contains(&addr))
            .and_then(|&(_, i)| self.assets.get(i))
    }

    /// Criticality of `ip` (1..5), [`UNKNOWN_CRITICALITY`] when no record covers it.
    pub fn criticality(&self, ip: &str) -> u8 {
        self.get(ip)
            .map_or(UNKNOWN_CRITICALITY, |a| a.criticality.clamp(1, 5))
    }

    /// Every record, in the order given.
    pub fn all(&self) -> &[Asset] {
        &self.assets
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asset(address: &str, criticality: u8) -> Asset {
        Asset {
            address: address.into(),
            criticality,
            ..Asset::default()
        }
    }

    #[test]
    fn host_record_beats_network_and_narrow_beats_wide() {
        let idx = AssetIndex::new(vec![
            asset("10.0.0.0/8", 2),
            asset("10.1.0.0/16", 4),
            asset("10.1.0.7", 5),
            asset("not an address", 3),
        ]);
        assert_eq!(idx.criticality("10.1.0.7"), 5);
        assert_eq!(idx.criticality("10.1.2.3"), 4);
        assert_eq!(idx.criticality("10.200.0.1"), 2);
        assert_eq!(idx.criticality("192.0.2.1"), UNKNOWN_CRITICALITY);
        assert_eq!(idx.criticality("garbage"), UNKNOWN_CRITICALITY);
        assert_eq!(idx.all().len(), 4);
    }
}
