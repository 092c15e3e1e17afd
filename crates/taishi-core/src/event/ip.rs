//! IP addresses printed as Suricata prints them in EVE.

use std::fmt;
use std::net::IpAddr;

/// An address that serialises as Suricata does: IPv4 dotted, IPv6 as eight
/// groups of four hex digits with no `::` compression
/// (`fe80:0000:0000:0000:020c:29ff:fef3:cf38`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EveIp(pub IpAddr);

impl fmt::Display for EveIp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            IpAddr::V4(a) => a.fmt(f),
            IpAddr::V6(a) => {
                let s = a.segments();
                write!(
                    f,
                    "{:04x}:{:04x}:{:04x}:{:04x}:{:04x}:{:04x}:{:04x}:{:04x}",
                    s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]
                )
            }
        }
    }
}

impl serde::Serialize for EveIp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl From<IpAddr> for EveIp {
    fn from(a: IpAddr) -> Self {
        EveIp(a)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_in_full() {
        let a: IpAddr = "fe80::20c:29ff:fef3:cf38".parse().unwrap();
        assert_eq!(
            EveIp(a).to_string(),
            "fe80:0000:0000:0000:020c:29ff:fef3:cf38"
        );
        let b: IpAddr = "10.0.0.1".parse().unwrap();
        assert_eq!(EveIp(b).to_string(), "10.0.0.1");
    }
}
