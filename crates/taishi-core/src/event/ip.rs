//! IP addresses printed as Suricata prints them in EVE.

use std::fmt;
use std::net::IpAddr;

/// An address that serialises as Suricata does: IPv4 dotted, IPv6 as eight
/// groups of four hex digits with no `::` compression
/// (`fe80:0000:0000:0000:020c:29ff:fef3:cf38`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EveIp(pub IpAddr);

/// Longest EVE text of an address (IPv6, eight groups of four digits).
const EVE_IP_LEN: usize = 39;

impl EveIp {
    /// Writes the EVE text into `buf` and returns it: by hand, as every
    /// event carries two addresses and `fmt` (through serde's
    /// `collect_str`) cost more than the rest of the record's header.
    fn eve_text(self, buf: &mut [u8; EVE_IP_LEN]) -> &str {
        let n = match self.0 {
            IpAddr::V4(a) => {
                let mut n = 0;
                for (i, o) in a.octets().into_iter().enumerate() {
                    if i > 0 {
                        buf[n] = b'.';
                        n += 1;
                    }
                    if o >= 100 {
                        buf[n] = b'0' + o / 100;
                        n += 1;
                    }
                    if o >= 10 {
                        buf[n] = b'0' + (o / 10) % 10;
                        n += 1;
                    }
                    buf[n] = b'0' + o % 10;
                    n += 1;
                }
                n
            }
            IpAddr::V6(a) => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                for (i, g) in a.segments().into_iter().enumerate() {
                    let at = i * 5;
                    if i > 0 {
                        buf[at - 1] = b':';
                    }
                    for (k, shift) in [12u16, 8, 4, 0].into_iter().enumerate() {
                        buf[at + k] = HEX[usize::from((g >> shift) & 0xf)];
                    }
                }
                EVE_IP_LEN
            }
        };
        // Only ASCII digits, letters and separators were written.
        std::str::from_utf8(&buf[..n]).unwrap_or_default()
    }
}

impl fmt::Display for EveIp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.eve_text(&mut [0; EVE_IP_LEN]))
    }
}

impl serde::Serialize for EveIp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.eve_text(&mut [0; EVE_IP_LEN]))
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

    /// The hand-written text agrees with `fmt` (IPv4 as the standard
    /// library prints it, IPv6 in full lower-case groups).
    #[test]
    fn eve_text_matches_the_formatted_reference() {
        let mut x: u128 = 0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c834;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let v4 = std::net::Ipv4Addr::from(x as u32);
            assert_eq!(EveIp(IpAddr::V4(v4)).to_string(), v4.to_string());
            let v6 = std::net::Ipv6Addr::from(x);
            let s = v6.segments();
            let want = format!(
                "{:04x}:{:04x}:{:04x}:{:04x}:{:04x}:{:04x}:{:04x}:{:04x}",
                s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]
            );
            assert_eq!(EveIp(IpAddr::V6(v6)).to_string(), want);
            assert_eq!(
                serde_json::to_string(&EveIp(IpAddr::V6(v6))).unwrap(),
                format!("\"{want}\"")
            );
        }
        for v4 in ["0.0.0.0", "255.255.255.255", "10.0.100.9", "1.20.199.0"] {
            let a: IpAddr = v4.parse().unwrap();
            assert_eq!(EveIp(a).to_string(), v4);
        }
    }

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
