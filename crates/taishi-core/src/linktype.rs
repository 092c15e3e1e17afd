//! Link-layer types (tcpdump.org `LINKTYPE_*` values), shared by the capture
//! readers that find them and the decoder that acts on them.

/// A pcap/pcapng link-layer header type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LinkType(pub u32);

impl LinkType {
    /// BSD loopback: 4-byte host-order address family.
    pub const NULL: LinkType = LinkType(0);
    /// Ethernet II / 802.3.
    pub const ETHERNET: LinkType = LinkType(1);
    /// PPP (RFC 1661), optionally with the `ff 03` address and control bytes.
    pub const PPP: LinkType = LinkType(9);
    /// Cisco HDLC: address, control, then a 2-byte ethertype.
    pub const C_HDLC: LinkType = LinkType(104);
    /// Raw IP (v4 or v6 by version nibble); DLT 12/14 on some systems map here too.
    pub const RAW: LinkType = LinkType(101);
    /// OpenBSD loopback: 4-byte network-order address family.
    pub const LOOP: LinkType = LinkType(108);
    /// Linux cooked capture v1.
    pub const LINUX_SLL: LinkType = LinkType(113);
    /// Linux netfilter NFLOG.
    pub const NFLOG: LinkType = LinkType(239);
    /// Raw IPv4.
    pub const IPV4: LinkType = LinkType(228);
    /// Raw IPv6.
    pub const IPV6: LinkType = LinkType(229);
    /// Linux cooked capture v2.
    pub const LINUX_SLL2: LinkType = LinkType(276);
    /// Raw IP on OpenBSD/old libpcap (DLT_RAW = 12).
    pub const RAW_12: LinkType = LinkType(12);
    /// Raw IP on BSD/old libpcap (DLT_RAW = 14).
    pub const RAW_14: LinkType = LinkType(14);

    /// Short name for messages and stats (`ethernet`, `sll2`, or the number).
    pub fn name(self) -> std::borrow::Cow<'static, str> {
        use std::borrow::Cow;
        Cow::Borrowed(match self {
            LinkType::NULL => "null",
            LinkType::ETHERNET => "ethernet",
            LinkType::PPP => "ppp",
            LinkType::C_HDLC => "chdlc",
            LinkType::RAW | LinkType::RAW_12 | LinkType::RAW_14 => "raw",
            LinkType::LOOP => "loop",
            LinkType::LINUX_SLL => "sll",
            LinkType::NFLOG => "nflog",
            LinkType::IPV4 => "ipv4",
            LinkType::IPV6 => "ipv6",
            LinkType::LINUX_SLL2 => "sll2",
            LinkType(n) => return Cow::Owned(n.to_string()),
        })
    }
}
