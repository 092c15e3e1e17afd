//! Which tenant owns an address, a zone or a posture scope, from the asset
//! registry: the rule every tenant-scoped read applies.
//!
//! An address belongs to the tenant of the asset record covering it (host
//! record, else the most specific declared network); an address no record
//! covers belongs to the empty tenant (the site itself).

use std::sync::Arc;

use taishi_assess::assets::AssetIndex;
use taishi_core::domain::{Scope, ScopeKind};

use crate::auth::Caller;
use crate::error::ApiResult;
use crate::state::AppState;

/// The registry, seen by one caller.
pub struct TenantView {
    index: Arc<AssetIndex>,
    /// `None`: the caller reads every tenant.
    tenant: Option<String>,
}

/// Zone key as the posture model writes it: the zone name on a single
/// site, `tenant/zone` when the asset has a tenant.
pub fn zone_key(tenant: &str, zone: &str) -> String {
    if tenant.is_empty() {
        zone.to_owned()
    } else {
        format!("{tenant}/{zone}")
    }
}

impl TenantView {
    /// The registry as `caller` sees it.
    pub fn load(state: &AppState, caller: &Caller) -> ApiResult<TenantView> {
        Ok(TenantView {
            index: state.registry()?,
            tenant: caller.tenant_scope(),
        })
    }

    /// The registry.
    pub fn index(&self) -> &AssetIndex {
        &self.index
    }

    /// Tenant owning `ip`.
    pub fn tenant_of(&self, ip: &str) -> &str {
        self.index.get(ip).map_or("", |a| a.tenant.as_str())
    }

    /// Whether the caller may read data of tenant `t`.
    pub fn sees_tenant(&self, t: &str) -> bool {
        self.tenant.as_deref().is_none_or(|mine| mine == t)
    }

    /// Whether the caller may read data about `ip`.
    pub fn sees_ip(&self, ip: &str) -> bool {
        self.sees_tenant(self.tenant_of(ip))
    }

    /// Zone key of the asset covering `ip` (`None` when no record, or no zone).
    pub fn zone_of(&self, ip: &str) -> Option<String> {
        let a = self.index.get(ip)?;
        (!a.zone.is_empty()).then(|| zone_key(&a.tenant, &a.zone))
    }

    /// Whether the caller may read the posture of `scope`.
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

    #[test]
    fn service_keys_give_their_host() {
        assert_eq!(service_host("10.0.0.5:502/TCP"), Some("10.0.0.5"));
        assert_eq!(service_host("[2001:db8::1]:80/TCP"), Some("2001:db8::1"));
        assert_eq!(service_host("nothing"), None);
    }
}
