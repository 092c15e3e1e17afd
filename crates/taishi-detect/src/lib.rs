//! Taishi's detection stage: the Suricata-compatible signature engine
//! ([`rules`]), and the observers of EVE records ([`observe`]): intel
//! matching and behavioural detectors.

pub mod behaviour;
pub mod intel;
pub mod observe;
pub mod rules;
