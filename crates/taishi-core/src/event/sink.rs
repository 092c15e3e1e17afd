//! Where stages hand the events they produce.

use super::{AnomalyBody, AppBody, Eve, FlowBody, StatsBody};

/// One event produced by a stage, ready to serialise as an EVE line.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Event {
    /// A flow ended (`event_type: flow`).
    Flow(Eve<FlowBody>),
    /// Something malformed or suspicious on the wire (`event_type: anomaly`).
    Anomaly(Eve<AnomalyBody>),
    /// Counters (`event_type: stats`).
    Stats(Eve<StatsBody>),
    /// A protocol transaction or record (`dns`, `http`, `tls`, `modbus`, ...).
    App(Eve<AppBody>),
}

impl Event {
    /// The EVE `event_type`.
    pub fn event_type(&self) -> &'static str {
        match self {
            Event::Flow(e) => e.event_type,
            Event::Anomaly(e) => e.event_type,
            Event::Stats(e) => e.event_type,
            Event::App(e) => e.event_type,
        }
    }

    /// The event as a JSON value (for observers of EVE records).
    pub fn to_value(&self) -> serde_json::Value {
        let r = match self {
            Event::Flow(e) => serde_json::to_value(e),
            Event::Anomaly(e) => serde_json::to_value(e),
            Event::Stats(e) => serde_json::to_value(e),
            Event::App(e) => serde_json::to_value(e),
        };
        r.unwrap_or(serde_json::Value::Null)
    }

    /// Appends the event as one JSON line (with `\n`) to `out`.
    pub fn write_json_line(&self, out: &mut Vec<u8>) {
        // Serialising our own types into a Vec cannot fail (no maps with
        // non-string keys, no I/O), so an error here is a bug we report
        // in-band rather than by panicking.
        let r = match self {
            Event::Flow(e) => serde_json::to_writer(&mut *out, e),
            Event::Anomaly(e) => serde_json::to_writer(&mut *out, e),
            Event::Stats(e) => serde_json::to_writer(&mut *out, e),
            Event::App(e) => serde_json::to_writer(&mut *out, e),
        };
        if let Err(err) = r {
            out.extend_from_slice(
                format!("{{\"event_type\":\"error\",\"error\":\"{err}\"}}").as_bytes(),
            );
        }
        out.push(b'\n');
    }
}

/// Receives the events of a stage. Implemented by the EVE writer, by tests
/// that collect events, and later by the store and the bus.
pub trait EventSink {
    /// Takes one event.
    fn emit(&mut self, event: Event);
}

impl EventSink for Vec<Event> {
    fn emit(&mut self, event: Event) {
        self.push(event);
    }
}
