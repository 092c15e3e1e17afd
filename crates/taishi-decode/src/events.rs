//! The decoder's event kinds, with Suricata's names.
//!
//! One table gives every kind its three spellings: the short name kept on the
//! packet (`ipv4.trunc_pkt`), the EVE/rule name (`decoder.ipv4.trunc_pkt`) and
//! the counter (`decoder.event.ipv4.trunc_pkt`), so they can never drift apart.
//! Names follow Suricata's `src/decode-events.c`, so rules using
//! `decode-event:` and dashboards built on Suricata's stats keep working.

use crate::packet::DecodeEvent;

macro_rules! events {
    ($($id:ident = $name:literal,)*) => {
        /// Every decode event kind.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[allow(missing_docs)] // each variant is documented by its Suricata name
        pub enum Ev {
            $($id,)*
        }

        /// Number of event kinds (the size of the per-kind counter array).
        pub const EVENT_KINDS: usize = [$(Ev::$id),*].len();

        /// Every event kind, in table order.
        pub const ALL: [Ev; EVENT_KINDS] = [$(Ev::$id),*];

        impl Ev {
            /// Short name, as kept on the packet (`ipv4.trunc_pkt`).
            pub const fn name(self) -> &'static str {
                match self { $(Ev::$id => $name,)* }
            }
            /// Name in EVE anomaly records and rules (`decoder.ipv4.trunc_pkt`).
            pub const fn eve_name(self) -> &'static str {
                match self { $(Ev::$id => concat!("decoder.", $name),)* }
            }
            /// Counter name (`decoder.event.ipv4.trunc_pkt`).
            pub const fn stats_name(self) -> &'static str {
                match self { $(Ev::$id => concat!("decoder.event.", $name),)* }
            }
        }
    };
}

events! {
    EthPktTooSmall = "ethernet.pkt_too_small",
    EthUnknownEthertype = "ethernet.unknown_ethertype",
    SllPktTooSmall = "sll.pkt_too_small",
    LtnullPktTooSmall = "ltnull.pkt_too_small",
    LtnullUnsupportedType = "ltnull.unsupported_type",
    IprawInvalidIpVersion = "ipraw.invalid_ip_version",
    NflogPktTooSmall = "nflog.pkt_too_small",
    VlanHeaderTooSmall = "vlan.header_too_small",
    VlanTooManyLayers = "vlan.too_many_layers",
    Ieee8021ahHeaderTooSmall = "ieee8021ah.header_too_small",
    MplsHeaderTooSmall = "mpls.header_too_small",
    MplsPktTooSmall = "mpls.pkt_too_small",
    MplsBadLabelRouterAlert = "mpls.bad_label_router_alert",
    MplsBadLabelImplicitNull = "mpls.bad_label_implicit_null",
    MplsBadLabelReserved = "mpls.bad_label_reserved",
    MplsUnknownPayloadType = "mpls.unknown_payload_type",
    ChdlcPktTooSmall = "chdlc.pkt_too_small",
    PppPktTooSmall = "ppp.pkt_too_small",
    PppIp4PktTooSmall = "ppp.ip4_pkt_too_small",
    PppIp6PktTooSmall = "ppp.ip6_pkt_too_small",
    PppWrongType = "ppp.wrong_type",
    PppUnsupProto = "ppp.unsup_proto",
    NshHeaderTooSmall = "nsh.header_too_small",
    NshUnsupportedVersion = "nsh.unsupported_version",
    NshBadHeaderLength = "nsh.bad_header_length",
    NshReservedType = "nsh.reserved_type",
    NshUnsupportedType = "nsh.unsupported_type",
    NshUnknownPayload = "nsh.unknown_payload",
    PppoePktTooSmall = "pppoe.pkt_too_small",
    PppoeWrongCode = "pppoe.wrong_code",
    Ipv4PktTooSmall = "ipv4.pkt_too_small",
    Ipv4HlenTooSmall = "ipv4.hlen_too_small",
    Ipv4IplenSmallerThanHlen = "ipv4.iplen_smaller_than_hlen",
    Ipv4TruncPkt = "ipv4.trunc_pkt",
    Ipv4OptInvalid = "ipv4.opt_invalid",
    Ipv4OptInvalidLen = "ipv4.opt_invalid_len",
    Ipv4OptMalformed = "ipv4.opt_malformed",
    Ipv4OptPadRequired = "ipv4.opt_pad_required",
    Ipv4OptEolRequired = "ipv4.opt_eol_required",
    Ipv4OptDuplicate = "ipv4.opt_duplicate",
    Ipv4OptUnknown = "ipv4.opt_unknown",
    Ipv4WrongIpVersion = "ipv4.wrong_ip_version",
    Ipv4Icmpv6 = "ipv4.icmpv6",
    Ipv4FragPktTooLarge = "ipv4.frag_pkt_too_large",
    Ipv4FragOverlap = "ipv4.frag_overlap",
    Ipv4FragIgnored = "ipv4.frag_ignored",
    Ipv4UnknownProtocol = "ipv4.unknown_protocol",
    Ipv6PktTooSmall = "ipv6.pkt_too_small",
    Ipv6TruncPkt = "ipv6.trunc_pkt",
    Ipv6TruncExthdr = "ipv6.trunc_exthdr",
    Ipv6ExthdrDuplFh = "ipv6.exthdr_dupl_fh",
    Ipv6ExthdrUselessFh = "ipv6.exthdr_useless_fh",
    Ipv6ExthdrDuplRh = "ipv6.exthdr_dupl_rh",
    Ipv6ExthdrDuplHh = "ipv6.exthdr_dupl_hh",
    Ipv6ExthdrDuplDh = "ipv6.exthdr_dupl_dh",
    Ipv6ExthdrDuplAh = "ipv6.exthdr_dupl_ah",
    Ipv6ExthdrInvalidOptlen = "ipv6.exthdr_invalid_optlen",
    Ipv6WrongIpVersion = "ipv6.wrong_ip_version",
    Ipv6ExthdrAhResNotNull = "ipv6.exthdr_ah_res_not_null",
    Ipv6RhType0 = "ipv6.rh_type_0",
    Ipv6ZeroLenPadn = "ipv6.zero_len_padn",
    Ipv6FhNonZeroReservedField = "ipv6.fh_non_zero_reserved_field",
    Ipv6DataAfterNoneHeader = "ipv6.data_after_none_header",
    Ipv6Icmpv4 = "ipv6.icmpv4",
    Ipv6FragPktTooLarge = "ipv6.frag_pkt_too_large",
    Ipv6FragOverlap = "ipv6.frag_overlap",
    Ipv6FragIgnored = "ipv6.frag_ignored",
    Ipv4InIpv6TooSmall = "ipv6.ipv4_in_ipv6_too_small",
    Ipv4InIpv6WrongVersion = "ipv6.ipv4_in_ipv6_wrong_version",
    Ipv6InIpv6TooSmall = "ipv6.ipv6_in_ipv6_too_small",
    Ipv6InIpv6WrongVersion = "ipv6.ipv6_in_ipv6_wrong_version",
    Ipv6ExthdrTooMany = "ipv6.exthdr_too_many",
    Ipv6HopoptsUnknownOpt = "ipv6.hopopts_unknown_opt",
    Ipv6HopoptsOnlyPadding = "ipv6.hopopts_only_padding",
    Ipv6DstoptsUnknownOpt = "ipv6.dstopts_unknown_opt",
    Ipv6DstoptsOnlyPadding = "ipv6.dstopts_only_padding",
    Ipv6FragInvalidLength = "ipv6.frag_invalid_length",
    TcpPktTooSmall = "tcp.pkt_too_small",
    TcpHlenTooSmall = "tcp.hlen_too_small",
    TcpInvalidOptlen = "tcp.invalid_optlen",
    TcpOptInvalidLen = "tcp.opt_invalid_len",
    TcpOptDuplicate = "tcp.opt_duplicate",
    UdpPktTooSmall = "udp.pkt_too_small",
    UdpHlenTooSmall = "udp.hlen_too_small",
    UdpHlenInvalid = "udp.hlen_invalid",
    Icmpv4PktTooSmall = "icmpv4.pkt_too_small",
    Icmpv6PktTooSmall = "icmpv6.pkt_too_small",
    SctpPktTooSmall = "sctp.pkt_too_small",
    GrePktTooSmall = "gre.pkt_too_small",
    GreWrongVersion = "gre.wrong_version",
    GreVersion0Recur = "gre.version0_recur",
    GreVersion0Flags = "gre.version0_flags",
    GreVersion0HdrTooBig = "gre.version0_hdr_too_big",
    GreVersion0MalformedSreHdr = "gre.version0_malformed_sre_hdr",
    GreVersion1Chksum = "gre.version1_chksum",
    GreVersion1Route = "gre.version1_route",
    GreVersion1Ssr = "gre.version1_ssr",
    GreVersion1Recur = "gre.version1_recur",
    GreVersion1Flags = "gre.version1_flags",
    GreVersion1NoKey = "gre.version1_no_key",
    GreVersion1WrongProtocol = "gre.version1_wrong_protocol",
    GreVersion1HdrTooBig = "gre.version1_hdr_too_big",
    VxlanUnknownPayloadType = "vxlan.unknown_payload_type",
    GeneveUnknownPayloadType = "geneve.unknown_payload_type",
    ErspanHeaderTooSmall = "erspan.header_too_small",
    ErspanUnsupportedVersion = "erspan.unsupported_version",
    ErspanTooManyVlanLayers = "erspan.too_many_vlan_layers",
}

impl Ev {
    /// The event as recorded on a packet.
    pub const fn event(self) -> DecodeEvent {
        DecodeEvent(self.name())
    }

    /// Looks an event up by its short name.
    pub fn by_name(name: &str) -> Option<Ev> {
        ALL.iter().copied().find(|e| e.name() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_spelled_three_ways() {
        let mut names: Vec<&str> = ALL.iter().map(|e| e.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), EVENT_KINDS);
        assert_eq!(Ev::Ipv4TruncPkt.eve_name(), "decoder.ipv4.trunc_pkt");
        assert_eq!(
            Ev::Ipv4TruncPkt.stats_name(),
            "decoder.event.ipv4.trunc_pkt"
        );
        assert_eq!(
            DecodeEvent("ipv6.zero_len_padn").eve_name(),
            "decoder.ipv6.zero_len_padn"
        );
    }
}
