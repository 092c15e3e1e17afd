//! Flows and TCP reassembly for Taishi.
//!
//! This stage turns decoded packets into conversations. A [`FlowWorker`]
//! (one per worker thread, owning its flows outright, so no locks) finds
//! each packet's flow by a canonical bidirectional [`FlowKey`], counts it,
//! tracks the TCP session ([`tcp`]), reassembles each TCP direction into an
//! in-order byte stream ([`tcp::reassembly`]) and hands the bytes to an
//! [`AppLayer`], the seam where protocol parsers plug in. When a flow ends
//! (timeout, end of capture, or eviction under memory pressure) it emits an
//! EVE `flow` event with Suricata's fields, and stream anomalies become EVE
//! `anomaly` events.
//!
//! The trade-off throughout is Suricata's behaviour at a lower per-packet
//! cost: one hash lookup per packet, in-order TCP data handed on without a
//! copy, and copies only for what arrives out of order. Every buffer a peer
//! can grow is bounded by configuration and counted when full.

pub mod applayer;
pub mod community_id;
pub mod flow;
pub mod key;
mod slab;
pub mod tcp;
pub mod testing;
mod worker;

pub use applayer::{AppLayer, Direction, FlowView, NoApp};
pub use community_id::community_id;
pub use flow::FlowState;
pub use key::{FlowKey, Side, shard_hash};
pub use tcp::TcpState;
pub use worker::FlowWorker;

#[cfg(test)]
mod tests;
