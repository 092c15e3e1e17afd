//! Every bound Taishi keeps, with the reason for its number.
//!
//! These are the defaults; each one is also a configuration key (see
//! [`crate::config`]) so a site can change it, and hitting one is counted in
//! `stats`. A remote peer must never be able to grow memory past them.

/// Largest frame we accept from a capture file. 256 KiB covers jumbo frames,
/// TSO/GRO super-packets seen on capturing hosts, and loopback MTU (65,536)
/// with headroom; pcap's own limit for most link types is 262,144.
pub const MAX_FRAME_LEN: usize = 262_144;

/// Memory for the flow table per worker (bytes). 128 MiB holds about half a
/// million flows at our per-flow size, which covers a busy 1 Gbit/s link's
/// active flows; Suricata's default `flow.memcap` is 128 MiB as well.
pub const FLOW_MEMCAP: u64 = 128 * 1024 * 1024;

/// Memory for TCP reassembly buffers, per worker (bytes). Suricata's default
/// `stream.reassembly.memcap` is 256 MiB across all threads; two workers with
/// 64 MiB each keep the whole process inside the 256 MiB RSS target.
pub const STREAM_REASSEMBLY_MEMCAP: u64 = 64 * 1024 * 1024;

/// Bytes reassembled per direction of a TCP session before inspection stops
/// (Suricata's `stream.reassembly.depth` default: 1 MiB). Past it, payload is
/// counted but not buffered.
pub const STREAM_REASSEMBLY_DEPTH: u64 = 1024 * 1024;

/// Out-of-order segments buffered per direction. A peer that sends nothing
/// but holes cannot make us keep more; Suricata bounds segments the same way
/// (`stream.reassembly.segment-prealloc` and memcap).
pub const STREAM_MAX_OOO_SEGMENTS: usize = 1024;

/// Memory for IP fragments awaiting reassembly, per worker (bytes).
/// Suricata's `defrag.memcap` default is 32 MiB.
pub const DEFRAG_MEMCAP: u64 = 32 * 1024 * 1024;

/// Datagrams being reassembled at once, per worker. Suricata's
/// `defrag.trackers` default is 65,535.
pub const DEFRAG_MAX_TRACKERS: usize = 65_535;

/// Fragments accepted for one datagram. 64 KiB / 8-byte minimum fragment is
/// 8,192; real traffic rarely passes 45 (a 64 KiB datagram over 1,500 MTU),
/// so 256 leaves room and stops "tiny fragment" floods.
pub const DEFRAG_MAX_FRAGMENTS: usize = 256;

/// Seconds an incomplete datagram is kept (Suricata's `defrag.timeout`: 60).
pub const DEFRAG_TIMEOUT_SECS: u64 = 60;

/// Tunnel nesting we follow (GRE in VXLAN in GRE ...). Eight is deeper than
/// any real deployment, and stops crafted infinite encapsulation.
pub const MAX_TUNNEL_DEPTH: usize = 8;

/// VLAN tags kept per packet; Suricata keeps three (QinQinQ).
pub const MAX_VLAN_LAYERS: usize = 3;

/// MPLS labels followed before giving up on a label stack.
pub const MAX_MPLS_LABELS: usize = 16;

/// IPv6 extension headers followed in one packet. RFC 8200 expects at most
/// one of each (about 8); 32 tolerates oddities and stops header chains
/// crafted to burn CPU.
pub const MAX_IPV6_EXT_HEADERS: usize = 32;
