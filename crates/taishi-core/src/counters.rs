//! The `stats` registry.
//!
//! Each stage keeps its counters as plain `u64` fields in a struct owned by one
//! worker, so counting on the hot path is an add to a field, with no atomics
//! and no locks. At the end of a run (or at a stats interval) every stage
//! reports its fields through [`StatsSource`] into a [`Counters`] snapshot,
//! where the workers' values are summed under dotted names such as
//! `decoder.ipv4.trunc`. The snapshot renders as the nested object of an EVE
//! `stats` event, the same shape Suricata uses.

use std::collections::BTreeMap;

/// Something that holds counters and can report them by dotted name.
pub trait StatsSource {
    /// Calls `add(name, value)` once per counter. Names are dotted paths
    /// (`decoder.ipv4.trunc`); values from several sources under the same name
    /// are summed.
    fn report(&self, add: &mut dyn FnMut(&'static str, u64));
}

/// A snapshot of counters by dotted name, summed over every source reported.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    values: BTreeMap<String, u64>,
}

impl Counters {
    /// An empty snapshot.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds every counter of `source`.
    pub fn absorb(&mut self, source: &dyn StatsSource) {
        source.report(&mut |name, value| self.add(name, value));
    }

    /// Adds `value` to the counter `name`.
    pub fn add(&mut self, name: &str, value: u64) {
        *self.values.entry(name.to_string()).or_insert(0) += value;
    }

    /// Sets the counter `name` to `value` (for gauges such as memory in use).
    pub fn set(&mut self, name: &str, value: u64) {
        self.values.insert(name.to_string(), value);
    }

    /// Keeps the larger of the current value and `value` (for peaks).
    pub fn max(&mut self, name: &str, value: u64) {
        let v = self.values.entry(name.to_string()).or_insert(0);
        *v = (*v).max(value);
    }

    /// The value of `name`, zero when never reported.
    pub fn get(&self, name: &str) -> u64 {
        self.values.get(name).copied().unwrap_or(0)
    }

    /// Merges another snapshot into this one, summing equal names.
    pub fn merge(&mut self, other: &Counters) {
        for (k, v) in &other.values {
            self.add(k, *v);
        }
    }

    /// Every counter, in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, u64)> {
        self.values.iter().map(|(k, v)| (k.as_str(), *v))
    }

    /// The snapshot as a nested JSON object: `decoder.ipv4.trunc = 3` becomes
    /// `{"decoder": {"ipv4": {"trunc": 3}}}`. A name that is both a leaf and a
    /// prefix (`flow` and `flow.tcp`) keeps the leaf under the key `total`.
    pub fn to_json(&self) -> serde_json::Value {
        let mut root = serde_json::Map::new();
        for (name, value) in &self.values {
            insert_dotted(&mut root, name, *value);
        }
        serde_json::Value::Object(root)
    }
}

fn insert_dotted(root: &mut serde_json::Map<String, serde_json::Value>, name: &str, value: u64) {
    use serde_json::Value;
    let mut parts = name.split('.').peekable();
    let mut node = root;
    while let Some(part) = parts.next() {
        if parts.peek().is_none() {
            match node.get_mut(part) {
                Some(Value::Object(inner)) => {
                    inner.insert("total".into(), value.into());
                }
                _ => {
                    node.insert(part.to_string(), value.into());
                }
            }
            return;
        }
        let entry = node
            .entry(part.to_string())
            .or_insert_with(|| Value::Object(Default::default()));
        if !entry.is_object() {
            let leaf = entry.take();
            let mut inner = serde_json::Map::new();
            inner.insert("total".into(), leaf);
            *entry = Value::Object(inner);
        }
        node = match entry {
            Value::Object(inner) => inner,
            _ => return,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Two;
    impl StatsSource for Two {
        fn report(&self, add: &mut dyn FnMut(&'static str, u64)) {
            add("decoder.ipv4.trunc", 2);
            add("decoder.pkts", 5);
        }
    }

    #[test]
    fn sums_sources_and_nests() {
        let mut c = Counters::new();
        c.absorb(&Two);
        c.absorb(&Two);
        c.add("decoder", 1);
        assert_eq!(c.get("decoder.pkts"), 10);
        let json = c.to_json();
        assert_eq!(json["decoder"]["ipv4"]["trunc"], 4);
        assert_eq!(json["decoder"]["total"], 1);
    }
}
