//! DNS messages (RFC 1035) with name compression: every name written after
//! the question points back at the longest suffix already in the message.

/// One answer record's data.
#[derive(Clone, Debug)]
pub enum Rdata {
    /// IPv4 address.
    A([u8; 4]),
    /// IPv6 address.
    Aaaa([u8; 16]),
    /// Canonical name.
    Cname(String),
    /// Text strings (each at most 255 bytes).
    Txt(Vec<Vec<u8>>),
}

impl Rdata {
    fn rtype(&self) -> u16 {
        match self {
            Rdata::A(_) => TYPE_A,
            Rdata::Aaaa(_) => TYPE_AAAA,
            Rdata::Cname(_) => TYPE_CNAME,
            Rdata::Txt(_) => TYPE_TXT,
        }
    }
}

/// Query type A.
pub const TYPE_A: u16 = 1;
/// Query type CNAME.
pub const TYPE_CNAME: u16 = 5;
/// Query type TXT.
pub const TYPE_TXT: u16 = 16;
/// Query type AAAA.
pub const TYPE_AAAA: u16 = 28;

/// Writes names with compression against the names already in `out`.
struct Names {
    seen: Vec<(String, u16)>,
}

impl Names {
    fn write(&mut self, out: &mut Vec<u8>, name: &str) {
        let labels: Vec<&str> = name.split('.').filter(|l| !l.is_empty()).collect();
        for i in 0..labels.len() {
            let suffix = labels[i..].join(".").to_ascii_lowercase();
            if let Some(&(_, off)) = self.seen.iter().find(|(s, _)| *s == suffix) {
                out.extend_from_slice(&(0xc000 | off).to_be_bytes());
                return;
            }
            // Pointers are 14 bits; later names simply are not compressible.
            if out.len() < 0x3fff {
                self.seen.push((suffix, out.len() as u16));
            }
            let l = labels[i].as_bytes();
            let n = l.len().min(63);
            out.push(n as u8);
            out.extend_from_slice(&l[..n]);
        }
        out.push(0);
    }
}

fn header(out: &mut Vec<u8>, id: u16, flags: u16, an: u16) {
    out.extend_from_slice(&id.to_be_bytes());
    out.extend_from_slice(&flags.to_be_bytes());
    out.extend_from_slice(&1u16.to_be_bytes());
    out.extend_from_slice(&an.to_be_bytes());
    out.extend_from_slice(&[0, 0, 0, 0]);
}

/// A recursive query for `name`.
pub fn query(id: u16, name: &str, qtype: u16) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + name.len());
    header(&mut out, id, 0x0100, 0);
    Names { seen: Vec::new() }.write(&mut out, name);
    out.extend_from_slice(&qtype.to_be_bytes());
    out.extend_from_slice(&1u16.to_be_bytes());
    out
}

/// The answer to [`query`]: `answers` are (owner name, ttl, data) in order;
/// no answers and `nxdomain` gives rcode 3.
pub fn response(
    id: u16,
    name: &str,
    qtype: u16,
    answers: &[(String, u32, Rdata)],
    nxdomain: bool,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(128 + name.len() * 2);
    let flags = if nxdomain { 0x8183 } else { 0x8180 };
    header(&mut out, id, flags, answers.len() as u16);
    let mut names = Names { seen: Vec::new() };
    names.write(&mut out, name);
    out.extend_from_slice(&qtype.to_be_bytes());
    out.extend_from_slice(&1u16.to_be_bytes());
    for (owner, ttl, rd) in answers {
        names.write(&mut out, owner);
        out.extend_from_slice(&rd.rtype().to_be_bytes());
        out.extend_from_slice(&1u16.to_be_bytes());
        out.extend_from_slice(&ttl.to_be_bytes());
        let len_at = out.len();
        out.extend_from_slice(&[0, 0]);
        match rd {
            Rdata::A(a) => out.extend_from_slice(a),
            Rdata::Aaaa(a) => out.extend_from_slice(a),
            Rdata::Cname(n) => names.write(&mut out, n),
            Rdata::Txt(parts) => {
                for p in parts {
                    let n = p.len().min(255);
                    out.push(n as u8);
                    out.extend_from_slice(&p[..n]);
                }
            }
        }
        let rdlen = (out.len() - len_at - 2) as u16;
        out[len_at..len_at + 2].copy_from_slice(&rdlen.to_be_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_point_back_at_the_question() {
        let r = response(
            0xbeef,
            "www.example.com",
            TYPE_A,
            &[
                (
                    "www.example.com".into(),
                    60,
                    Rdata::Cname("edge.example.com".into()),
                ),
                ("edge.example.com".into(), 60, Rdata::A([93, 184, 215, 14])),
            ],
            false,
        );
        // Header 12, question name 17 bytes + type/class 4 = offset 33.
        assert_eq!(&r[33..35], &[0xc0, 0x0c]); // owner -> question name
        // CNAME rdata: "edge" then a pointer to "example.com" at offset 16.
        assert_eq!(&r[45..52], &[4, b'e', b'd', b'g', b'e', 0xc0, 0x10]);
        // Second owner is the CNAME target, at offset 45.
        assert_eq!(&r[52..54], &[0xc0, 45]);
    }
}
