//! Taishi's detection stage: the Suricata-compatible signature engine
//! ([`rules`]). Intel matching and behavioural detectors join it here.

pub mod rules;
