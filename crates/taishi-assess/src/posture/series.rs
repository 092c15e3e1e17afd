//! From weighed atoms to a threat index per scope and bucket, with decay.

use std::collections::BTreeMap;

use taishi_core::domain::{PosturePoint, Scope, ScopeKind};

use super::model::Atom;
use super::{PostureConfig, level_of};

/// The saturating map from raw threat to the 0..100 index:
/// `100 · (1 − e^(−x/k))`. Linear near zero (a little threat reads as a
/// little), bounded above (no scale to re-learn when a flood arrives), and
/// `k` is the raw threat that reads 63.
pub fn saturate(raw: f64, k: f64) -> f64 {
    if !raw.is_finite() || raw <= 0.0 || k <= 0.0 {
        return if raw.is_finite() && raw > 0.0 {
            100.0
        } else {
            0.0
        };
    }
    100.0 * (1.0 - (-raw / k).exp())
}

/// Per-bucket retention factor `2^(−1/half_life)`; 0 (no memory) when the
/// half-life is not positive.
pub fn decay_factor(half_life_buckets: f64) -> f64 {
    if half_life_buckets.is_finite() && half_life_buckets > 0.0 {
        0.5f64.powf(1.0 / half_life_buckets)
    } else {
        0.0
    }
}

/// The model's memory in buckets: ten half-lives, after which a
/// contribution has fallen below 1/1024 of itself and is dropped (so that
/// computing a bucket needs only the alerts of the memory before it).
pub fn memory_buckets(config: &PostureConfig) -> u64 {
    let h = config.half_life_buckets;
    if h.is_finite() && h > 0.0 {
        (10.0 * h).ceil().min(10_000.0) as u64
    } else {
        0
    }
}

/// Raw threat under which a point reads as 0.0 to two decimals: host and
/// service points are written only above it, and the series ends when the
/// organisation has decayed below it.
pub(crate) fn negligible(config: &PostureConfig) -> f64 {
    config.saturation.max(f64::MIN_POSITIVE) * 5e-5
}

/// Most buckets one series spans: a year of five-minute buckets. Bounds
/// the points an organisation or zone gets when alert times are far apart.
pub const MAX_SERIES_BUCKETS: u64 = 105_120;

/// Zone key of a zone in a tenant: the zone name on a single site, else
/// `tenant/zone`, so that two operators' `OT` zones stay apart.
pub fn zone_key(tenant: &str, zone: &str) -> String {
    if tenant.is_empty() {
        zone.to_owned()
    } else {
        format!("{tenant}/{zone}")
    }
}

/// The scopes an atom counts towards, leaf first.
pub(crate) fn scopes_of(atom: &Atom) -> Vec<Scope> {
    let mut out = Vec::with_capacity(4);
    if let Some(s) = &atom.service {
        out.push(Scope {
            kind: ScopeKind::Service,
            key: s.clone(),
        });
    }
    out.push(Scope {
        kind: ScopeKind::Host,
        key: atom.host.clone(),
    });
    out.push(Scope {
        kind: ScopeKind::Zone,
        key: zone_key(&atom.tenant, &atom.zone),
    });
    out.push(Scope {
        kind: ScopeKind::Organisation,
        key: atom.tenant.clone(),
    });
    out
}

/// Posture points of every scope the atoms touch.
///
/// Organisation and zone series cover every bucket from the first atom's
/// (or `from`, when earlier) to the end; host and service series the buckets where they are above
/// [`negligible`]. The end is `until`'s bucket (the present: the end of
/// the observed traffic, or now on a live sensor) when given, else the last
/// atom's bucket plus the buckets the organisations take to decay to
/// negligible. Only buckets at or after `from` are returned (the earlier ones
/// only warm the decay up).
///
/// Returns the points and, when the span was longer than
/// [`MAX_SERIES_BUCKETS`], the first bucket charted.
pub(crate) fn points(
    atoms: &[Atom],
    config: &PostureConfig,
    from: Option<u64>,
    until: Option<u64>,
) -> (Vec<PosturePoint>, Option<u64>) {
    let width = config.bucket_secs.max(1);
    let d = decay_factor(config.half_life_buckets);
    let eps = negligible(config);
    let mut fresh: BTreeMap<Scope, BTreeMap<u64, f64>> = BTreeMap::new();
    for a in atoms {
        for s in scopes_of(a) {
            *fresh.entry(s).or_default().entry(a.bucket).or_insert(0.0) += a.weight;
        }
    }
    let (Some(first), Some(last)) = (
        atoms.iter().map(|a| a.bucket).min(),
        atoms.iter().map(|a| a.bucket).max(),
    ) else {
        return (Vec::new(), None);
    };
    // An incremental run continues the stored series from `from`, even when
    // its window's first alert is later: the buckets between are zero, not
    // missing.
    let first = from.map_or(first, |f| f.min(first));
    let earliest = first;
    // How long the organisations take to fade: decay the largest value
    // they hold at the last bucket until negligible.
    let mut end = last;
    if d > 0.0 {
        let peak = fresh
            .iter()
            .filter(|(s, _)| s.kind == ScopeKind::Organisation)
            .map(|(_, m)| decayed_at(m, last, width, d))
            .fold(0.0, f64::max);
        if peak > eps {
            let k = ((eps / peak).ln() / d.ln()).ceil().max(0.0);
            let k = k.min((memory_buckets(config) + 1) as f64) as u64;
            end = last.saturating_add(k.saturating_mul(width));
        }
    }
    // The present caps the series: past it the fading is a projection,
    // which is the forecast's job, and the "current" level must be the one
    // at the end of what was observed.
    if let Some(u) = until {
        end = last.max(u - u % width);
    }
    // A span longer than the cap comes from a clock error or an old capture
    // analysed beside live traffic: the older part is not charted.
    let first = first.max(end.saturating_sub((MAX_SERIES_BUCKETS - 1).saturating_mul(width)));
    let start_emit = from.map_or(first, |f| f.max(first));
    let memory = memory_buckets(config);
    let forget_after = (memory + 1).saturating_mul(width);
    let forget_factor = d.powf((memory + 1) as f64);
    let mut out = Vec::new();
    for (scope, news) in &fresh {
        let dense = matches!(scope.kind, ScopeKind::Organisation | ScopeKind::Zone);
        let Some((&scope_first, _)) = news.range(first..).next() else {
            continue;
        };
        let mut x = 0.0;
        let mut b = if dense { first } else { scope_first };
        while b <= end {
            x = x * d + news.get(&b).copied().unwrap_or(0.0);
            // Memory is finite: what left it is taken out again, so that a
            // figure depends only on the alerts within the memory and an
            // incremental run or an explanation, which read only those,
            // find the same figure.
            if let Some(old) = b.checked_sub(forget_after).and_then(|o| news.get(&o)) {
                x -= old * forget_factor;
            }
            if x < 1e-12 {
                x = 0.0;
            }
            if b >= start_emit && (dense || x >= eps) {
                let index = saturate(x, config.saturation);
                out.push(PosturePoint {
                    scope: scope.clone(),
                    bucket: b,
                    width,
                    index,
                    level: level_of(index, &config.thresholds),
                    forecast: false,
                });
            }
            if !dense && x == 0.0 {
                // Nothing left in memory: skip to the scope's next alerts
                // (a host attacked twice a year costs two short walks).
                match news.range(b.saturating_add(1)..).next() {
                    Some((&next, _)) => {
                        b = next;
                        continue;
                    }
                    None => break,
                }
            }
            b = b.saturating_add(width);
        }
    }
    (out, (first > earliest).then_some(first))
}

fn decayed_at(news: &BTreeMap<u64, f64>, at: u64, width: u64, d: f64) -> f64 {
    news.range(..=at)
        .map(|(&b, &v)| v * d.powf(((at - b) / width) as f64))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use taishi_core::domain::Level;

    fn atom(bucket: u64, host: &str, zone: &str, weight: f64) -> Atom {
        Atom {
            bucket,
            tenant: String::new(),
            zone: zone.into(),
            host: host.into(),
            service: Some(format!("{host}:22/TCP")),
            incident: None,
            signature: (1, 1),
            name: String::new(),
            count: 1,
            weight,
        }
    }

    #[test]
    fn a_span_beyond_the_cap_is_clipped_to_its_newest_part() {
        let cfg = PostureConfig::default();
        // One alert with a timestamp from 1970, one from 2026.
        let atoms = [
            atom(0, "10.0.0.1", "OT", 5.0),
            atom(1_780_300_800, "10.0.0.1", "OT", 5.0),
        ];
        let (pts, clipped) = points(&atoms, &cfg, None, None);
        let org = pts
            .iter()
            .filter(|p| p.scope.kind == ScopeKind::Organisation)
            .count() as u64;
        assert_eq!(org, MAX_SERIES_BUCKETS);
        let first = clipped.expect("clipped");
        assert!(pts.iter().all(|p| p.bucket >= first));
    }

    #[test]
    fn saturation_is_bounded_and_monotone() {
        assert_eq!(saturate(0.0, 20.0), 0.0);
        assert_eq!(saturate(-3.0, 20.0), 0.0);
        assert_eq!(saturate(f64::NAN, 20.0), 0.0);
        assert!((saturate(20.0, 20.0) - 63.212).abs() < 1e-3);
        assert!(saturate(1e9, 20.0) <= 100.0);
        assert!(saturate(5.0, 20.0) < saturate(6.0, 20.0));
    }

    #[test]
    fn an_attack_decays_by_half_each_half_life() {
        let cfg = PostureConfig::default();
        let (pts, _) = points(&[atom(600, "10.0.0.1", "OT", 40.0)], &cfg, None, None);
        let org: Vec<&PosturePoint> = pts
            .iter()
            .filter(|p| p.scope.kind == ScopeKind::Organisation)
            .collect();
        assert_eq!(org[0].bucket, 600);
        let raw = |p: &PosturePoint| -cfg.saturation * (1.0 - p.index / 100.0).ln();
        assert!((raw(org[0]) - 40.0).abs() < 1e-6);
        assert!((raw(org[1]) - 20.0).abs() < 1e-6);
        assert!((raw(org[2]) - 10.0).abs() < 1e-6);
        assert_eq!(org.last().map(|p| p.level), Some(Level::Green));
        assert!(org.last().expect("tail").index < 0.01);
        // The series has no holes.
        for w in org.windows(2) {
            assert_eq!(w[1].bucket - w[0].bucket, 300);
        }
    }

    #[test]
    fn zones_and_organisation_are_dense_hosts_sparse() {
        let cfg = PostureConfig {
            half_life_buckets: 0.0,
            ..PostureConfig::default()
        };
        let atoms = [
            atom(0, "10.0.0.1", "OT", 10.0),
            atom(1500, "10.0.0.2", "IT", 5.0),
        ];
        let (pts, clipped) = points(&atoms, &cfg, None, Some(2400));
        assert_eq!(clipped, None);
        let count = |kind, key: &str| {
            pts.iter()
                .filter(|p| p.scope.kind == kind && p.scope.key == key)
                .count()
        };
        assert_eq!(count(ScopeKind::Organisation, ""), 9);
        assert_eq!(count(ScopeKind::Zone, "OT"), 9);
        assert_eq!(count(ScopeKind::Zone, "IT"), 9);
        assert_eq!(count(ScopeKind::Host, "10.0.0.1"), 1);
        assert_eq!(count(ScopeKind::Service, "10.0.0.2:22/TCP"), 1);
        let org_at = |b| {
            pts.iter()
                .find(|p| p.scope.kind == ScopeKind::Organisation && p.bucket == b)
                .map(|p| p.index)
        };
        assert!((org_at(0).expect("0") - saturate(10.0, cfg.saturation)).abs() < 1e-9);
        assert_eq!(org_at(300), Some(0.0));
        // A host attacked twice far apart gets points near each attack only.
        let (far, _) = points(
            &[
                atom(0, "10.0.0.9", "OT", 10.0),
                atom(3_000_000, "10.0.0.9", "OT", 10.0),
            ],
            &PostureConfig::default(),
            None,
            None,
        );
        let host: Vec<u64> = far
            .iter()
            .filter(|p| p.scope.kind == ScopeKind::Host)
            .map(|p| p.bucket)
            .collect();
        assert!(host.len() < 30, "{}", host.len());
        assert_eq!(
            (host.first(), host.last().map(|b| *b >= 3_000_000)),
            (Some(&0), Some(true))
        );
        // An incremental run whose window starts before its first alert
        // continues the stored series with zeros, without a hole.
        let (cont, _) = points(
            &[atom(9000, "10.0.0.1", "OT", 10.0)],
            &cfg,
            Some(6000),
            None,
        );
        let org: Vec<(u64, f64)> = cont
            .iter()
            .filter(|p| p.scope.kind == ScopeKind::Organisation)
            .map(|p| (p.bucket, p.index))
            .collect();
        assert_eq!(org.first(), Some(&(6000, 0.0)));
        assert_eq!(org.len(), 11);
        // Warm-up buckets are not returned.
        let (later, _) = points(&atoms, &cfg, Some(1500), None);
        assert!(later.iter().all(|p| p.bucket >= 1500));
    }
}
