//! Taishi's packet decoder.

pub mod packet;

pub use packet::{DecodeEvent, L3, L4, Packet, TunnelKind, TunnelLayer};
