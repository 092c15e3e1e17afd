//! Observers of EVE records: intel matching and behavioural detectors.
//!
//! They see the records the pipeline writes (and, later, records read from
//! Suricata or Zeek logs), so they depend on EVE's shape, not on Taishi's
//! internal types.

use serde_json::Value;

/// Sees every EVE record the pipeline writes, in time order per flow, and
/// may add `alert` records.
pub trait Observer: Send {
    /// One record; alerts it raises are pushed to `out` (complete EVE
    /// records, `event_type: "alert"`).
    fn observe(&mut self, record: &Value, out: &mut Vec<Value>);

    /// End of input (capture end / shutdown): flush what is pending (e.g.
    /// windows not yet closed).
    fn finish(&mut self, out: &mut Vec<Value>) {
        let _ = out;
    }
}

/// Several observers run one after the other on each record.
#[derive(Default)]
pub struct Observers {
    list: Vec<Box<dyn Observer>>,
}

impl Observers {
    /// No observers.
    pub fn new() -> Observers {
        Observers::default()
    }

    /// Adds one.
    pub fn push(&mut self, o: Box<dyn Observer>) {
        self.list.push(o);
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Hands a record to each observer.
    pub fn observe(&mut self, record: &Value, out: &mut Vec<Value>) {
        for o in &mut self.list {
            o.observe(record, out);
        }
    }

    /// Ends every observer.
    pub fn finish(&mut self, out: &mut Vec<Value>) {
        for o in &mut self.list {
            o.finish(out);
        }
    }
}
