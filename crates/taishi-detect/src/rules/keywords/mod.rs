//! Packet-header, flow and stateful rule keywords: everything a rule says
//! that is neither a content/payload keyword nor a sticky-buffer switch.
//!
//! Each family lives in its own file and follows Suricata 7/8's semantics,
//! checked against its source and documentation (the tricky cases are unit
//! tests next to the code):
//! - [`header`]: `flags`, `ttl`, `itype`, `icode`, `icmp_id`, `icmp_seq`,
//!   `ip_proto`, `fragbits`, `fragoffset`, `sameip`, `window`, `seq`, `ack`,
//!   `dsize`, `id`, `tos`, `ipopts`, `tcp.mss`: one decoded packet in, a bool out.
//! - [`flow`]: `flow:`, `flow.pkts`, `flow.bytes`, `flow.age`, `stream_size`,
//!   checked against a [`FlowCtx`] the engine fills.
//! - [`bits`]: `flowbits`, `flowint`, `hostbits`, `xbits`: conditions checked
//!   before a rule matches, actions applied once the whole rule matched.
//! - [`threshold`]: `threshold`, `detection_filter`, threshold.config, and the
//!   state that decides whether a matching rule alerts.
//! - [`events`]: `decode-event`, `stream-event`, `engine-event`.
//!
//! Values arrive as raw option text (trimmed, quotes kept). A bad or
//! unsupported value is a [`KeywordError`] naming the keyword: the compiler
//! then skips the rule rather than run it with another meaning.

use std::fmt;

use crate::rules::range::NumRange;

pub mod bits;
pub mod events;
pub mod flow;
pub mod header;
pub mod threshold;

pub use bits::{BitsKw, FlowVars, HostVars, VarNames};
pub use events::EventKw;
pub use flow::{FlowCtx, FlowKw};
pub use header::HeaderKw;
pub use threshold::{DetectionFilter, Threshold, ThresholdConfig, ThresholdState};

/// A keyword whose value is malformed or asks for something unsupported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeywordError {
    /// The keyword as written in the rule (`flags`, `flowbits`, ...).
    pub keyword: String,
    /// Why the value was refused.
    pub message: String,
}

impl KeywordError {
    /// An error for `keyword`.
    pub fn new(keyword: &str, message: impl Into<String>) -> KeywordError {
        KeywordError {
            keyword: keyword.to_string(),
            message: message.into(),
        }
    }
}

impl fmt::Display for KeywordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.keyword, self.message)
    }
}

impl std::error::Error for KeywordError {}

/// The value of a keyword that requires one, or an error naming it.
fn required<'a>(keyword: &str, value: Option<&'a str>) -> Result<&'a str, KeywordError> {
    match value.map(str::trim) {
        Some(v) if !v.is_empty() => Ok(unquote(v)),
        _ => Err(KeywordError::new(keyword, "a value is required")),
    }
}

/// A numeric comparison through [`NumRange`], also accepting the `!=` and
/// `==` spellings of Suricata's integer keywords (`itype:!= 0`).
fn num_range(keyword: &str, v: &str) -> Result<NumRange, KeywordError> {
    let t = v.trim();
    let spelled = if let Some(r) = t.strip_prefix("!=") {
        format!("!{r}")
    } else if let Some(r) = t.strip_prefix("==") {
        format!("={r}")
    } else {
        t.to_string()
    };
    NumRange::parse(&spelled).map_err(|e| KeywordError::new(keyword, e.to_string()))
}

/// Strips one pair of surrounding double quotes: Suricata accepts
/// `flowbits:"set,a"` as well as `flowbits:set,a`.
fn unquote(v: &str) -> &str {
    let v = v.trim();
    match v.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
        Some(inner) => inner.trim(),
        None => v,
    }
}

#[cfg(test)]
mod tests;
