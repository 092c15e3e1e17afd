//! The flow key: what makes two packets belong to the same conversation.
//!
//! A key is *canonical*: the lower (address, port) pair always comes first,
//! so both directions of a conversation build the same key and the same hash
//! without a second lookup. Which side a packet came from is returned beside
//! the key ([`Side`]) and compared with the side that the flow recorded as
//! its client.
//!
//! What is in a key, as Suricata does it:
//! - both addresses (IPv4 stored as IPv4-mapped IPv6 so that one layout
//!   serves both families) and the IP protocol;
//! - both ports for TCP, UDP and SCTP; none for other protocols but ICMP.
//!   ICMP and ICMPv6 take the message type as the sender's "port" and the
//!   type that answers it (echo request ↔ reply, ...) as the receiver's, as
//!   Suricata 8 compares flows (`CmpFlowICMPPacket`): an echo request and
//!   its reply, and every ping between two hosts, share one flow, but a
//!   reply sent the way the flow's requests went starts a flow of its own,
//!   and a type without an answer ([`NO_ANSWER`]) matches only itself in
//!   the direction it first went. ICMP errors that quote another flow's
//!   packet are not mapped back to that flow: the decoder does not expose
//!   the quoted header (yet);
//! - the VLAN ids, outermost first;
//! - the tunnel context: nesting depth and the innermost tunnel's id (VNI,
//!   GRE key, TEID), so equal inner tuples in different overlays stay apart.

use std::hash::{BuildHasher, Hasher};
use std::net::{IpAddr, Ipv6Addr};

use taishi_decode::{L4, Packet};

/// Which end of the canonical key a packet was sent from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// The lower (address, port) pair.
    Lo,
    /// The higher (address, port) pair.
    Hi,
}

/// A canonical, direction-free flow key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FlowKey {
    /// Lower address (IPv4 as IPv4-mapped IPv6).
    pub lo_addr: [u8; 16],
    /// Higher address.
    pub hi_addr: [u8; 16],
    /// Port of the lower address (0 for protocols without ports).
    pub lo_port: u16,
    /// Port of the higher address.
    pub hi_port: u16,
    /// IP protocol.
    pub proto: u8,
    /// Whether the addresses are IPv6 (an IPv4-mapped IPv6 address sent as
    /// IPv6 must not meet its IPv4 twin).
    pub v6: bool,
    /// Number of valid entries in `vlans`.
    pub vlan_count: u8,
    /// VLAN ids, outermost first.
    pub vlans: [u16; 3],
    /// Tunnel nesting depth (0: not tunnelled).
    pub tunnel_depth: u8,
    /// Id of the innermost tunnel (VNI, GRE key, TEID), 0 when none.
    pub tunnel_id: u32,
}

/// Whether a protocol has ports that belong in the key.
pub(crate) fn has_ports(proto: u8) -> bool {
    matches!(proto, 6 | 17 | 132)
}

/// The receiver's pseudo-port of an ICMP type nothing answers: beyond every
/// type, so it never equals a sender's type (Suricata's counterpart -1).
pub const NO_ANSWER: u16 = 0x100;

/// Pseudo-ports of an ICMP (`v6`: ICMPv6) message of type `t`: the type,
/// and the type of its answer or [`NO_ANSWER`].
fn icmp_ports(v6: bool, t: u8) -> (u16, u16) {
    let answer = if v6 {
        crate::community_id::icmp6_pair(t)
    } else {
        crate::community_id::icmp4_pair(t)
    };
    (u16::from(t), answer.map_or(NO_ANSWER, u16::from))
}

fn addr_bytes(a: IpAddr) -> [u8; 16] {
    match a {
        IpAddr::V4(v4) => v4.to_ipv6_mapped().octets(),
        IpAddr::V6(v6) => v6.octets(),
    }
}

/// Turns key bytes back into an address of the key's family.
pub(crate) fn bytes_addr(b: [u8; 16], v6: bool) -> IpAddr {
    let a = Ipv6Addr::from(b);
    if v6 {
        IpAddr::V6(a)
    } else {
        match a.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(a),
        }
    }
}

impl FlowKey {
    /// Builds the canonical key of a conversation between `src` and `dst`,
    /// and says which side `src` is.
    #[allow(clippy::too_many_arguments)] // a key has this many parts; a struct would only rename them
    pub fn new(
        src: IpAddr,
        sport: u16,
        dst: IpAddr,
        dport: u16,
        proto: u8,
        vlans: &[u16],
        tunnel_depth: u8,
        tunnel_id: u32,
    ) -> (FlowKey, Side) {
        let (sport, dport) = if has_ports(proto) || matches!(proto, 1 | 58) {
            (sport, dport)
        } else {
            (0, 0)
        };
        let v6 = src.is_ipv6();
        let s = addr_bytes(src);
        let d = addr_bytes(dst);
        let side = if (s, sport) <= (d, dport) {
            Side::Lo
        } else {
            Side::Hi
        };
        let mut v = [0u16; 3];
        let n = vlans.len().min(3);
        v[..n].copy_from_slice(&vlans[..n]);
        let (lo_addr, lo_port, hi_addr, hi_port) = match side {
            Side::Lo => (s, sport, d, dport),
            Side::Hi => (d, dport, s, sport),
        };
        (
            FlowKey {
                lo_addr,
                hi_addr,
                lo_port,
                hi_port,
                proto,
                v6,
                vlan_count: n as u8,
                vlans: v,
                tunnel_depth,
                tunnel_id,
            },
            side,
        )
    }

    /// The key of a decoded packet's innermost conversation, or `None` when
    /// the packet has no IP layer.
    pub fn from_packet(pkt: &Packet<'_>) -> Option<(FlowKey, Side)> {
        let (src, dst) = pkt.addrs()?;
        let proto = pkt.ip_proto()?;
        let (sport, dport) = match pkt.l4 {
            L4::Tcp(t) => (t.src_port, t.dst_port),
            L4::Udp { src_port, dst_port }
            | L4::Sctp {
                src_port, dst_port, ..
            } => (src_port, dst_port),
            L4::Icmp { v6, icmp_type, .. } => icmp_ports(v6, icmp_type),
            _ => (0, 0),
        };
        let (depth, id) = match pkt.innermost_tunnel() {
            Some(t) => (pkt.tunnel_count, t.id.unwrap_or(0)),
            None => (0, 0),
        };
        Some(FlowKey::new(
            src,
            sport,
            dst,
            dport,
            proto,
            pkt.vlans(),
            depth,
            id,
        ))
    }

    /// The address of one side.
    pub fn addr(&self, side: Side) -> IpAddr {
        match side {
            Side::Lo => bytes_addr(self.lo_addr, self.v6),
            Side::Hi => bytes_addr(self.hi_addr, self.v6),
        }
    }

    /// The port of one side.
    pub fn port(&self, side: Side) -> u16 {
        match side {
            Side::Lo => self.lo_port,
            Side::Hi => self.hi_port,
        }
    }

    /// VLAN ids in the key.
    pub fn vlans(&self) -> &[u16] {
        &self.vlans[..(self.vlan_count as usize).min(3)]
    }

    /// Hashes the key with `state`. Written out by hand (five word writes)
    /// because the derived `Hash` feeds the hasher field by field with
    /// length prefixes, which costs more than the lookup it serves.
    pub fn hash_with<S: BuildHasher>(&self, state: &S) -> u64 {
        let mut h = state.build_hasher();
        h.write_u128(u128::from_ne_bytes(self.lo_addr));
        h.write_u128(u128::from_ne_bytes(self.hi_addr));
        h.write_u64(
            (self.lo_port as u64)
                | (self.hi_port as u64) << 16
                | (self.proto as u64) << 32
                | (self.v6 as u64) << 40
                | (self.vlan_count as u64) << 48
                | (self.tunnel_depth as u64) << 56,
        );
        h.write_u64(
            (self.vlans[0] as u64) | (self.vlans[1] as u64) << 16 | (self.vlans[2] as u64) << 32,
        );
        h.write_u32(self.tunnel_id);
        h.finish()
    }
}

/// A hasher state that is the same in every process, for values that must
/// be stable across runs and workers (flow ids, sharding).
pub(crate) fn fixed_state() -> foldhash::fast::FixedState {
    foldhash::fast::FixedState::with_seed(0x7461_6973_6869_0001)
}

/// A symmetric hash of a packet's flow, equal for both directions and the
/// same in every process: the wiring uses it to pick the worker that owns
/// the flow, so that workers never share a flow. Packets without an IP
/// layer hash to 0.
pub fn shard_hash(pkt: &Packet<'_>) -> u64 {
    match FlowKey::from_packet(pkt) {
        Some((k, _)) => k.hash_with(&fixed_state()),
        None => 0,
    }
}

/// Suricata-style flow id: a hash of the key and the start time, kept to
/// 51 bits (so that JSON readers that parse numbers as doubles keep it
/// exact) and never zero.
pub(crate) fn flow_id(key: &FlowKey, start_nanos: u64) -> u64 {
    let h = key.hash_with(&fixed_state());
    let mut x = h ^ start_nanos.rotate_left(29) ^ 0x9e37_79b9_7f4a_7c15;
    // splitmix64 finaliser: spreads start-time differences over all bits.
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^= x >> 31;
    let id = x & ((1 << 51) - 1);
    if id == 0 { 1 } else { id }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn both_directions_build_one_key() {
        let (a, sa) = FlowKey::new(ip("10.0.0.2"), 80, ip("10.0.0.1"), 1234, 6, &[], 0, 0);
        let (b, sb) = FlowKey::new(ip("10.0.0.1"), 1234, ip("10.0.0.2"), 80, 6, &[], 0, 0);
        assert_eq!(a, b);
        assert_eq!(sa, Side::Hi);
        assert_eq!(sb, Side::Lo);
        assert_eq!(a.addr(Side::Lo), ip("10.0.0.1"));
        assert_eq!(a.port(Side::Hi), 80);
        let s = fixed_state();
        assert_eq!(a.hash_with(&s), b.hash_with(&s));
    }

    #[test]
    fn vlan_tunnel_and_family_separate_flows() {
        let base = FlowKey::new(ip("10.0.0.1"), 1, ip("10.0.0.2"), 2, 17, &[], 0, 0).0;
        let vlan = FlowKey::new(ip("10.0.0.1"), 1, ip("10.0.0.2"), 2, 17, &[100], 0, 0).0;
        let tun = FlowKey::new(ip("10.0.0.1"), 1, ip("10.0.0.2"), 2, 17, &[], 1, 42).0;
        let v6 = FlowKey::new(
            ip("::ffff:10.0.0.1"),
            1,
            ip("::ffff:10.0.0.2"),
            2,
            17,
            &[],
            0,
            0,
        )
        .0;
        assert_ne!(base, vlan);
        assert_ne!(base, tun);
        assert_ne!(base, v6);
        assert_eq!(v6.addr(Side::Lo), ip("::ffff:10.0.0.1"));
        assert_eq!(base.addr(Side::Lo), ip("10.0.0.1"));
    }

    #[test]
    fn icmp_types_are_its_ports() {
        let echo = icmp_ports(false, 8);
        let reply = icmp_ports(false, 0);
        assert_eq!((echo, reply), ((8, 0), (0, 8)));
        let key = |s: &str, d: &str, (sp, dp): (u16, u16)| {
            FlowKey::new(ip(s), sp, ip(d), dp, 1, &[], 0, 0).0
        };
        let request = key("10.0.0.1", "10.0.0.2", echo);
        // The reply, coming back, joins the request's flow...
        assert_eq!(request, key("10.0.0.2", "10.0.0.1", reply));
        // ...a reply sent the way the requests went does not.
        assert_ne!(request, key("10.0.0.1", "10.0.0.2", reply));
        // A type nothing answers matches itself one way only.
        let unreach = icmp_ports(false, 3);
        assert_eq!(unreach, (3, NO_ANSWER));
        assert_eq!(
            key("10.0.0.1", "10.0.0.2", unreach),
            key("10.0.0.1", "10.0.0.2", unreach)
        );
        assert_ne!(
            key("10.0.0.1", "10.0.0.2", unreach),
            key("10.0.0.2", "10.0.0.1", unreach)
        );
        assert_eq!(icmp_ports(true, 128), (128, 129));
    }

    #[test]
    fn flow_id_is_51_bits_nonzero_and_depends_on_start() {
        let (k, _) = FlowKey::new(ip("10.0.0.1"), 1, ip("10.0.0.2"), 2, 6, &[], 0, 0);
        let a = flow_id(&k, 1_000);
        let b = flow_id(&k, 2_000);
        assert_ne!(a, b);
        assert!(a > 0 && a < 1 << 51);
        assert_eq!(a, flow_id(&k, 1_000));
    }
}
