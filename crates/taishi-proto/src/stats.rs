//! Counters of the protocol stage (`app_layer.*` in `stats`).

use taishi_core::StatsSource;

use crate::registry::PROTOCOLS;

/// Per-worker protocol counters. Per-protocol counts are arrays indexed by
/// the protocol's position in [`PROTOCOLS`], so counting is an add, no lookup.
#[derive(Clone, Debug)]
pub struct ProtoStats {
    /// Flows whose protocol was detected, by protocol.
    pub flows: Vec<u64>,
    /// Transactions completed, by protocol.
    pub tx: Vec<u64>,
    /// Protocol violations (anomaly events), by protocol.
    pub errors: Vec<u64>,
    /// A configured limit was hit (transactions, sizes, depth), by protocol.
    pub limits: Vec<u64>,
    /// TCP flows with data whose protocol stayed unknown.
    pub failed_tcp: u64,
    /// UDP flows with data whose protocol stayed unknown.
    pub failed_udp: u64,
}

impl Default for ProtoStats {
    fn default() -> Self {
        let n = PROTOCOLS.len();
        ProtoStats {
            flows: vec![0; n],
            tx: vec![0; n],
            errors: vec![0; n],
            limits: vec![0; n],
            failed_tcp: 0,
            failed_udp: 0,
        }
    }
}

impl StatsSource for ProtoStats {
    fn report(&self, add: &mut dyn FnMut(&'static str, u64)) {
        for (i, def) in PROTOCOLS.iter().enumerate() {
            add(def.stats.flows, self.flows[i]);
            add(def.stats.tx, self.tx[i]);
            add(def.stats.errors, self.errors[i]);
            add(def.stats.limits, self.limits[i]);
        }
        add("app_layer.flow.failed_tcp", self.failed_tcp);
        add("app_layer.flow.failed_udp", self.failed_udp);
    }
}
