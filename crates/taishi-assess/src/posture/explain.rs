//! Why a scope reads what it reads in a bucket: its figure taken apart into
//! the incidents, hosts and services it came from.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use taishi_core::domain::{Scope, ScopeKind};

use super::PostureConfig;
use super::model::Atom;
use super::series::{decay_factor, saturate, scopes_of};

/// One contributor to a figure.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Contribution {
    /// Incident id, `gid:sid` of uncorrelated alerts, host address or service key.
    pub key: String,
    /// What to show: incident title, signature text, or the key again.
    pub label: String,
    /// Its raw threat in the bucket (decayed).
    pub raw: f64,
    /// Its part of the scope's raw threat, 0..1.
    pub share: f64,
    /// Alerts behind it still within the decay memory.
    pub alerts: u64,
}

/// A figure taken apart: the top contributors of each kind, largest first.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    /// Bucket explained, seconds since the epoch (0: nothing to explain).
    pub bucket: u64,
    /// The scope's raw threat in it.
    pub raw: f64,
    /// Its index.
    pub index: f64,
    /// Incidents (and alerts not yet in one, by signature).
    pub incidents: Vec<Contribution>,
    /// Hosts.
    pub hosts: Vec<Contribution>,
    /// Services.
    pub services: Vec<Contribution>,
}

/// Explains `scope` at `bucket` from `atoms` (which must include every atom
/// within the decay memory before it); `titles` names incidents.
pub(crate) fn explain(
    atoms: &[Atom],
    scope: &Scope,
    bucket: u64,
    titles: &HashMap<i64, String>,
    config: &PostureConfig,
) -> Explanation {
    let width = config.bucket_secs.max(1);
    let d = decay_factor(config.half_life_buckets);
    let mut incidents: HashMap<String, (String, f64, u64)> = HashMap::new();
    let mut hosts: HashMap<String, (String, f64, u64)> = HashMap::new();
    let mut services: HashMap<String, (String, f64, u64)> = HashMap::new();
    let mut total = 0.0;
    for a in atoms.iter().filter(|a| a.bucket <= bucket) {
        if !scopes_of(a).iter().any(|s| s == scope) {
            continue;
        }
        let age = (bucket - a.bucket) / width;
        let c = a.weight * if age == 0 { 1.0 } else { d.powf(age as f64) };
        if c <= 0.0 {
            continue;
        }
        total += c;
        let (ikey, ilabel) = match a.incident {
            Some(id) => (
                id.to_string(),
                titles
                    .get(&id)
                    .cloned()
                    .unwrap_or_else(|| format!("incident {id}")),
            ),
            None => (
                format!("{}:{}", a.signature.0, a.signature.1),
                a.name.clone(),
            ),
        };
        add(&mut incidents, ikey, ilabel, c, a.count);
        add(&mut hosts, a.host.clone(), a.host.clone(), c, a.count);
        if let Some(s) = &a.service {
            add(&mut services, s.clone(), s.clone(), c, a.count);
        }
    }
    let top = |m: HashMap<String, (String, f64, u64)>| {
        let mut v: Vec<Contribution> = m
            .into_iter()
            .map(|(key, (label, raw, alerts))| Contribution {
                key,
                label,
                raw,
                share: if total > 0.0 { raw / total } else { 0.0 },
                alerts,
            })
            .collect();
        v.sort_by(|a, b| b.raw.total_cmp(&a.raw).then_with(|| a.key.cmp(&b.key)));
        v.truncate(config.explain_top);
        v
    };
    Explanation {
        bucket,
        raw: total,
        index: saturate(total, config.saturation),
        incidents: top(incidents),
        hosts: if scope.kind == ScopeKind::Service {
            Vec::new()
        } else {
            top(hosts)
        },
        services: top(services),
    }
}

fn add(m: &mut HashMap<String, (String, f64, u64)>, key: String, label: String, c: f64, n: u64) {
    let e = m.entry(key).or_insert((label, 0.0, 0));
    e.1 += c;
    e.2 += n;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn atom(bucket: u64, host: &str, incident: Option<i64>, weight: f64) -> Atom {
        Atom {
            bucket,
            tenant: String::new(),
            zone: "OT".into(),
            host: host.into(),
            service: Some(format!("{host}:502/TCP")),
            incident,
            signature: (3, 7),
            name: "sig seven".into(),
            count: 2,
            weight,
        }
    }

    #[test]
    fn shares_add_up_and_decay_counts() {
        let cfg = PostureConfig::default();
        let atoms = [
            atom(0, "10.0.0.1", Some(4), 30.0),
            atom(300, "10.0.0.2", None, 10.0),
            atom(600, "10.0.0.3", None, 99.0),
        ];
        let titles = HashMap::from([(4, "Modbus writes".to_owned())]);
        let org = Scope {
            kind: ScopeKind::Organisation,
            key: String::new(),
        };
        let e = explain(&atoms, &org, 300, &titles, &cfg);
        assert!((e.raw - 25.0).abs() < 1e-9);
        assert_eq!(e.incidents[0].label, "Modbus writes");
        assert!((e.incidents[0].share - 0.6).abs() < 1e-9);
        assert_eq!(
            (e.incidents[1].key.as_str(), e.incidents[1].label.as_str()),
            ("3:7", "sig seven")
        );
        let sum: f64 = e.hosts.iter().map(|c| c.share).sum();
        assert!((sum - 1.0).abs() < 1e-9);
        assert_eq!(e.services.len(), 2);
        let host = Scope {
            kind: ScopeKind::Host,
            key: "10.0.0.2".into(),
        };
        let e = explain(&atoms, &host, 300, &titles, &cfg);
        assert_eq!((e.hosts.len(), e.raw), (1, 10.0));
    }
}
