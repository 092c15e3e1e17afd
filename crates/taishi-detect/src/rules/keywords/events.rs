//! `decode-event`, `stream-event` and `engine-event`: match the names of
//! events the packet raised.
//!
//! Names are compared in their EVE spelling (`decoder.ipv4.trunc_pkt`,
//! `stream.3whs_synack_with_wrong_ack`). A rule writes the decoder's short
//! name (`decode-event:ipv4.trunc_pkt`) and the stream event without its
//! prefix (`stream-event:3whs_synack_with_wrong_ack`); `engine-event` takes
//! the full name. Decoder events are checked against taishi-decode's table,
//! which follows Suricata's `decode-events.c`, so a misspelt name is an
//! error rather than a rule that can never match.

use super::{KeywordError, required};

/// A `decode-event` / `stream-event` / `engine-event` option.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventKw {
    /// The event's EVE name.
    name: String,
}

fn valid_event_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-')
}

fn decoder_name(kw: &str, short: &str) -> Result<String, KeywordError> {
    let short = short.strip_prefix("decoder.").unwrap_or(short);
    taishi_decode::events::Ev::by_name(short)
        .map(|e| e.eve_name().to_string())
        .ok_or_else(|| KeywordError::new(kw, format!("unknown decoder event '{short}'")))
}

impl EventKw {
    /// Parses `name: value`. `Ok(None)` when `name` is not an event keyword.
    pub fn parse(name: &str, value: Option<&str>) -> Result<Option<EventKw>, KeywordError> {
        let kw = name;
        let full = match name {
            "decode-event" => decoder_name(kw, required(kw, value)?)?,
            "stream-event" => {
                let v = required(kw, value)?;
                let short = v.strip_prefix("stream.").unwrap_or(v);
                if !valid_event_name(short) {
                    return Err(KeywordError::new(kw, format!("invalid event name '{v}'")));
                }
                format!("stream.{short}")
            }
            "engine-event" => {
                let v = required(kw, value)?;
                if v.starts_with("decoder.") {
                    decoder_name(kw, v)?
                } else if v.starts_with("stream.") && valid_event_name(v) {
                    v.to_string()
                } else {
                    return Err(KeywordError::new(kw, format!("unsupported event '{v}'")));
                }
            }
            _ => return Ok(None),
        };
        Ok(Some(EventKw { name: full }))
    }

    /// Whether one of the packet's events is this one.
    pub fn matches(&self, event_names: &[&str]) -> bool {
        event_names.iter().any(|n| *n == self.name)
    }

    /// The event's EVE name (`decoder.ipv4.trunc_pkt`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether this is a decoder event (raised per packet) rather than a
    /// stream event.
    pub fn is_decoder(&self) -> bool {
        self.name.starts_with("decoder.")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use taishi_decode::packet::DecodeEvent;

    #[test]
    fn decode_event_names_map_to_eve() {
        let k = EventKw::parse("decode-event", Some("ipv4.trunc_pkt"))
            .unwrap()
            .unwrap();
        assert_eq!(k.name(), "decoder.ipv4.trunc_pkt");
        assert!(k.is_decoder());
        // The name a packet carries, spelt as EVE does.
        let raised = DecodeEvent("ipv4.trunc_pkt").eve_name();
        assert!(k.matches(&[raised]));
        assert!(!k.matches(&["decoder.ipv6.trunc_pkt"]));
        assert!(!k.matches(&[]));
        let k2 = EventKw::parse("engine-event", Some("decoder.ipv4.trunc_pkt"))
            .unwrap()
            .unwrap();
        assert_eq!(k, k2);
    }

    #[test]
    fn every_decoder_event_is_accepted() {
        for ev in taishi_decode::events::ALL {
            let k = EventKw::parse("decode-event", Some(ev.name()))
                .unwrap()
                .unwrap();
            assert!(k.matches(&[ev.eve_name()]), "{}", ev.name());
        }
    }

    #[test]
    fn stream_events() {
        let k = EventKw::parse("stream-event", Some("3whs_synack_with_wrong_ack"))
            .unwrap()
            .unwrap();
        assert!(k.matches(&[
            "decoder.ipv4.trunc_pkt",
            "stream.3whs_synack_with_wrong_ack"
        ]));
        assert!(!k.is_decoder());
        let k2 = EventKw::parse("engine-event", Some("stream.3whs_synack_with_wrong_ack"))
            .unwrap()
            .unwrap();
        assert_eq!(k, k2);
    }

    #[test]
    fn errors() {
        assert!(EventKw::parse("decode-event", Some("ipv4.no_such_thing")).is_err());
        assert!(EventKw::parse("decode-event", None).is_err());
        assert!(EventKw::parse("stream-event", Some("bad name")).is_err());
        assert!(EventKw::parse("engine-event", Some("applayer.x")).is_err());
        assert_eq!(EventKw::parse("flow", Some("x")), Ok(None));
    }
}
