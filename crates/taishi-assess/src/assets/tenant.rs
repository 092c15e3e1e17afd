//! Which tenant owns an address, a zone or a posture scope, from the asset
//! registry: the rule every tenant-scoped read applies (the server's
//! searches, posture and drill-down, and a tenant's report).
//!
//! An address belongs to the tenant of the asset record covering it (host
//! record, else the most specific declared network); an address no record
//! covers belongs to the empty tenant (the site itself).

use std::sync::Arc;

use taishi_core::domain::{Asset, Scope, ScopeKind};

use super::AssetIndex;
use super::index::UNKNOWN_CRITICALITY;
use crate::posture::series::zone_key;

/// The registry, seen by one reader: every tenant, or one.
#[derive(Clone, Debug)]
pub struct TenantView {
    index: Arc<AssetIndex>,
    /// `None`: the reader sees every tenant.
    tenant: Option<String>,
}

impl TenantView {
    /// `index` as seen by `tenant` (`None`: every tenant, as a regulator).
    pub fn new(index: Arc<AssetIndex>, tenant: Option<String>) -> TenantView {
        TenantView { index, tenant }
    }

    /// The registry.
    pub fn index(&self) -> &AssetIndex {
        &self.index
    }

    /// The same registry seen by every tenant.
    pub fn every_tenant(&self) -> TenantView {
        TenantView::new(Arc::clone(&self.index), None)
    }

    /// The tenant the view is cut to (`None`: every tenant).
    pub fn tenant(&self) -> Option<&str> {
        self.tenant.as_deref()
    }

    /// Tenant owning `ip`.
    pub fn tenant_of(&self, ip: &str) -> &str {
        self.index.get(ip).map_or("", |a| a.tenant.as_str())
    }

    /// Whether the reader may read data of tenant `t`.
    pub fn sees_tenant(&self, t: &str) -> bool {
        self.tenant.as_deref().is_none_or(|mine| mine == t)
    }

    /// Whether the reader may read data about `ip`.
    pub fn sees_ip(&self, ip: &str) -> bool {
        // Every tenant's reader needs no registry lookup.
        self.tenant.is_none() || self.sees_tenant(self.tenant_of(ip))
    }

    /// The record covering `ip` when the reader sees it: another tenant's
    /// registry (names, roles, criticality) stays its own.
    pub fn asset(&self, ip: &str) -> Option<&Asset> {
        self.index.get(ip).filter(|a| self.sees_tenant(&a.tenant))
    }

    /// Criticality of `ip` as the reader knows it (1..5): the record's when
    /// it sees the record, else that of an unknown address.
    pub fn criticality(&self, ip: &str) -> u8 {
        self.asset(ip)
            .map_or(UNKNOWN_CRITICALITY, |a| a.criticality.clamp(1, 5))
    }

    /// Zone key of the asset covering `ip` (`None` when no record, or no zone).
    pub fn zone_of(&self, ip: &str) -> Option<String> {
        let a = self.index.get(ip)?;
        (!a.zone.is_empty()).then(|| zone_key(&a.tenant, &a.zone))
    }

    /// Whether the reader may read the posture of `scope`.
    pub fn sees_scope(&self, scope: &Scope) -> bool {
        let Some(mine) = &self.tenant else {
            return true;
        };
        match scope.kind {
            ScopeKind::Organisation => &scope.key == mine,
            ScopeKind::Host => self.sees_ip(&scope.key),
            ScopeKind::Service => service_host(&scope.key).is_some_and(|h| self.sees_ip(h)),
            ScopeKind::Zone => self
                .index
                .all()
                .iter()
                .any(|a| &a.tenant == mine && zone_key(&a.tenant, &a.zone) == scope.key),
        }
    }
}

/// The host of a service key (`10.0.0.5:502/TCP`, `[2001:db8::1]:80/TCP`).
pub fn service_host(key: &str) -> Option<&str> {
    let (host, _) = key.rsplit_once(':')?;
    Some(host.trim_start_matches('[').trim_end_matches(']'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asset(address: &str, tenant: &str, zone: &str, criticality: u8) -> Asset {
        Asset {
            address: address.into(),
            tenant: tenant.into(),
            zone: zone.into(),
            criticality,
            ..Asset::default()
        }
    }

    fn index() -> Arc<AssetIndex> {
        Arc::new(AssetIndex::new(vec![
            asset("10.1.0.0/16", "grid", "OT", 4),
            asset("10.1.0.9", "water", "OT", 5),
            asset("10.2.0.5", "water", "OT", 5),
        ]))
    }

    #[test]
    fn service_keys_give_their_host() {
        assert_eq!(service_host("10.0.0.5:502/TCP"), Some("10.0.0.5"));
        assert_eq!(service_host("[2001:db8::1]:80/TCP"), Some("2001:db8::1"));
        assert_eq!(service_host("nothing"), None);
    }

    #[test]
    fn a_tenant_sees_what_its_records_cover_and_nothing_of_others() {
        let grid = TenantView::new(index(), Some("grid".into()));
        // The network's, except the host another tenant declared inside it.
        assert!(grid.sees_ip("10.1.3.4"));
        assert!(!grid.sees_ip("10.1.0.9"));
        assert!(!grid.sees_ip("10.2.0.5"));
        // An address no record covers is the site's.
        assert!(!grid.sees_ip("203.0.113.9"));
        assert_eq!(grid.criticality("10.1.3.4"), 4);
        assert_eq!(grid.criticality("10.2.0.5"), UNKNOWN_CRITICALITY);
        assert!(grid.asset("10.2.0.5").is_none());
        let zone = |key: &str| Scope {
            kind: ScopeKind::Zone,
            key: key.into(),
        };
        assert!(grid.sees_scope(&zone("grid/OT")));
        assert!(!grid.sees_scope(&zone("water/OT")));

        let all = TenantView::new(index(), None);
        assert!(all.sees_ip("10.2.0.5") && all.sees_ip("203.0.113.9"));
        assert_eq!(all.criticality("10.2.0.5"), 5);
        let site = TenantView::new(index(), Some(String::new()));
        assert!(site.sees_ip("203.0.113.9") && !site.sees_ip("10.1.3.4"));
    }
}
