//! One assessment pass over a store: assets and exposure, correlation,
//! posture. Run after each capture (`taishi analyze --db`), periodically by
//! a sensor, and on demand (`taishi assess`).

use serde::{Deserialize, Serialize};
use taishi_core::domain::{Asset, AssetOrigin};
use taishi_core::{Store, StoreError};

use crate::assets::{self, AssetIndex};
use crate::incident::{self, CorrelationConfig, CorrelationReport};
use crate::posture::{self, PostureConfig, PostureReport};

/// Settings of every assessment step (`assess:` in the YAML configuration).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AssessConfig {
    /// How alerts become incidents.
    pub correlation: CorrelationConfig,
    /// How the threat index is computed and forecast.
    pub posture: PostureConfig,
}

/// What one pass did.
#[derive(Debug, Serialize)]
pub struct AssessReport {
    /// Asset records after the merge.
    pub assets: usize,
    /// Of which discovered in traffic and not declared.
    pub discovered_only: usize,
    /// Assets with at least one matched vulnerability.
    pub exposed: usize,
    /// Correlation outcome.
    pub correlation: CorrelationReport,
    /// Posture outcome.
    pub posture: PostureReport,
}

/// Merges `discovered` into the stored assets, matches the stored
/// vulnerabilities to every asset, correlates new alerts and recomputes
/// the posture.
pub fn assess(
    store: &dyn Store,
    discovered: Vec<Asset>,
    config: &AssessConfig,
) -> Result<AssessReport, StoreError> {
    let merged = merged_assets(store, discovered)?;
    assess_merged(store, merged, config)
}

/// The asset registry as an assessment will leave it: the stored assets
/// with `discovered` merged in, each with its matched vulnerabilities.
/// It only reads the assets and vulnerabilities, which ingest never
/// writes, so a run computes it while its store writer still commits the
/// last records, off the serial end of the run.
pub fn merged_assets(store: &dyn Store, discovered: Vec<Asset>) -> Result<Vec<Asset>, StoreError> {
    // Records only ever seen go back through the merge with this run's
    // discoveries, so that a network declared since lends them its fields.
    let (declared, mut seen): (Vec<Asset>, Vec<Asset>) = store
        .assets()?
        .into_iter()
        .partition(|a| a.origin != AssetOrigin::Discovered);
    seen.extend(discovered);
    let mut merged = assets::merge(declared, seen);
    let vulns = store.vulns()?;
    for a in &mut merged {
        a.vulns = assets::match_vulns(a, &vulns);
    }
    Ok(merged)
}

/// [`assess`] from the registry [`merged_assets`] gave: stores it,
/// correlates new alerts and recomputes the posture.
pub fn assess_merged(
    store: &dyn Store,
    merged: Vec<Asset>,
    config: &AssessConfig,
) -> Result<AssessReport, StoreError> {
    store.put_assets(&merged)?;
    let discovered_only = merged
        .iter()
        .filter(|a| a.origin == AssetOrigin::Discovered)
        .count();
    let exposed = merged.iter().filter(|a| !a.vulns.is_empty()).count();
    let index = AssetIndex::new(merged);
    let correlation = incident::correlate(store, &index, &config.correlation)?;
    let posture = posture::compute(store, &index, &config.posture)?;
    Ok(AssessReport {
        assets: index.all().len(),
        discovered_only,
        exposed,
        correlation,
        posture,
    })
}

/// Applies a declared registry to the stored records: a declared record
/// replaces the declared fields of the stored one with its address and
/// keeps what traffic taught about it (MACs, services, software, OS,
/// industrial role, times, exposure — merged as [`assets::absorb`] merges
/// a discovery); new records are added; stored records the file does not
/// name are kept.
pub fn apply_declared(stored: Vec<Asset>, declared: Vec<Asset>) -> Vec<Asset> {
    let mut out = stored;
    for d in declared {
        match out.iter_mut().find(|a| a.address == d.address) {
            Some(a) => {
                let seen = std::mem::replace(a, d);
                // A record only ever declared has nothing seen to keep.
                if seen.origin != AssetOrigin::Declared {
                    assets::absorb(a, seen);
                }
            }
            None => out.push(d),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use taishi_core::domain::Service;

    #[test]
    fn a_reimported_record_keeps_what_traffic_taught() {
        let seen = Asset {
            address: "10.0.0.5".into(),
            origin: AssetOrigin::Discovered,
            services: vec![Service {
                port: 502,
                transport: "TCP".into(),
                ..Service::default()
            }],
            first_seen: 7,
            last_seen: 9,
            ..Asset::default()
        };
        let declared = Asset {
            address: "10.0.0.5".into(),
            name: "PLC-1".into(),
            criticality: 5,
            ..Asset::default()
        };
        let other = Asset {
            address: "10.0.0.6".into(),
            ..Asset::default()
        };
        let out = apply_declared(vec![seen], vec![declared, other]);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].name, "PLC-1");
        assert_eq!(out[0].criticality, 5);
        assert_eq!(out[0].origin, AssetOrigin::Both);
        assert_eq!(out[0].services.len(), 1);
        assert_eq!((out[0].first_seen, out[0].last_seen), (7, 9));
        assert_eq!(out[1].address, "10.0.0.6");
    }
}
