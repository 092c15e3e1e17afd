//! Taishi's packet decoder: link layers, VLAN/MPLS/PPPoE, IPv4/IPv6,
//! transports, tunnels, and IP defragmentation.
//!
//! The decoder turns a frame into a [`Packet`]: offsets and small copied
//! header fields that borrow the frame, so the hot path allocates nothing.
//! One [`Decoder`] and one [`Defrag`] live in each worker thread, which owns
//! their counters; [`shard_hash`] decides which worker sees a frame, so that
//! no state is shared between workers.
//!
//! Trade-off: we decode by hand instead of with a general crate (etherparse)
//! because we need Suricata's exact anomaly semantics (which event, when to
//! stop, what to keep), tunnel fallbacks and the padding/length rules, and
//! because writing into a reused `Packet` keeps decode within tens of
//! nanoseconds. Malformed input is never an error: it is an event on the
//! packet and a counter.

mod checksum;
pub mod decoder;
pub mod defrag;
pub mod events;
pub mod packet;
mod shard;

pub use decoder::Decoder;
pub use defrag::Defrag;
pub use packet::{
    DecodeEvent, Ipv4Info, Ipv6Info, L3, L4, Packet, TcpInfo, TcpOptions, TunnelKind, TunnelLayer,
};
pub use shard::shard_hash;

/// Reads one counter of a [`StatsSource`](taishi_core::StatsSource) (tests).
#[cfg(test)]
pub(crate) trait StatsSourceExt {
    fn counter(&self, name: &str) -> u64;
}

#[cfg(test)]
impl<T: taishi_core::StatsSource> StatsSourceExt for T {
    fn counter(&self, name: &str) -> u64 {
        let mut c = taishi_core::Counters::new();
        c.absorb(self);
        c.get(name)
    }
}
