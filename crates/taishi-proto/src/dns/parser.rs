//! DNS message parsing (RFC 1035 §4), pure and stateless.
//!
//! Progress contract: [`parse_message`] takes exactly one DNS message (a UDP
//! payload, or a TCP message without its 2-byte length prefix) and either
//! returns the whole message or says why it cannot: [`Error::Incomplete`]
//! when a count in the header promises more than the bytes hold,
//! [`Error::Malformed`] when a field cannot be read at all. Sections after
//! the answers are best effort, as in Suricata: a broken authority or
//! additional section keeps what was read and sets a flag on the message.
//!
//! Names are assembled (compression pointers followed) into owned bytes:
//! that is the one allocation per message, which is per transaction.
//! Nothing here indexes without a check or panics.

use super::{MAX_NAME_LEN, MAX_NAME_STEPS, MAX_RECORDS};

/// Size of the fixed header.
pub const HEADER_LEN: usize = 12;

/// Record types with a special rdata layout.
pub mod rrtype {
    /// IPv4 address.
    pub const A: u16 = 1;
    /// Name server.
    pub const NS: u16 = 2;
    /// Canonical name.
    pub const CNAME: u16 = 5;
    /// Start of authority.
    pub const SOA: u16 = 6;
    /// Null (experimental, opaque).
    pub const NULL: u16 = 10;
    /// Pointer.
    pub const PTR: u16 = 12;
    /// Mail exchange.
    pub const MX: u16 = 15;
    /// Text.
    pub const TXT: u16 = 16;
    /// IPv6 address.
    pub const AAAA: u16 = 28;
    /// Service location.
    pub const SRV: u16 = 33;
    /// EDNS(0) pseudo-record.
    pub const OPT: u16 = 41;
    /// SSH key fingerprint.
    pub const SSHFP: u16 = 44;
    /// Service binding.
    pub const SVCB: u16 = 64;
    /// HTTPS service binding.
    pub const HTTPS: u16 = 65;
}

/// Why a message could not be parsed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    /// The message ends before what its header or a length promises.
    Incomplete,
    /// A field is invalid (bad label type, pointer out of the message).
    Malformed,
}

/// The fixed header.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Header {
    /// Transaction id chosen by the client.
    pub id: u16,
    /// QR, opcode, AA, TC, RD, RA, Z, AD, CD, rcode.
    pub flags: u16,
    /// Question count.
    pub qdcount: u16,
    /// Answer count.
    pub ancount: u16,
    /// Authority count.
    pub nscount: u16,
    /// Additional count.
    pub arcount: u16,
}

impl Header {
    /// A response (QR bit).
    pub fn is_response(&self) -> bool {
        self.flags & 0x8000 != 0
    }
    /// The opcode (4 bits).
    pub fn opcode(&self) -> u8 {
        ((self.flags >> 11) & 0xf) as u8
    }
    /// The reserved Z bit.
    pub fn z(&self) -> bool {
        self.flags & 0x0040 != 0
    }
    /// The response code (4 bits of the header).
    pub fn rcode(&self) -> u8 {
        (self.flags & 0xf) as u8
    }
    /// Sum of the four counts.
    pub fn total_records(&self) -> usize {
        usize::from(self.qdcount)
            + usize::from(self.ancount)
            + usize::from(self.nscount)
            + usize::from(self.arcount)
    }
}

/// Reads the 12-byte header; `None` if fewer bytes.
pub fn parse_header(b: &[u8]) -> Option<Header> {
    let h = b.get(..HEADER_LEN)?;
    let u = |i: usize| u16::from_be_bytes([h[i], h[i + 1]]);
    Some(Header {
        id: u(0),
        flags: u(2),
        qdcount: u(4),
        ancount: u(6),
        nscount: u(8),
        arcount: u(10),
    })
}

/// What happened while assembling a name.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NameFlags {
    /// Longer than [`MAX_NAME_LEN`]: cut there (`rrname_truncated`).
    pub truncated: bool,
    /// Gave up after [`MAX_NAME_STEPS`] pointer jumps (a pointer loop).
    pub infinite_loop: bool,
    /// Gave up after [`MAX_NAME_STEPS`] labels.
    pub too_many_labels: bool,
}

impl NameFlags {
    fn merge(&mut self, o: NameFlags) {
        self.truncated |= o.truncated;
        self.infinite_loop |= o.infinite_loop;
        self.too_many_labels |= o.too_many_labels;
    }
}

/// An assembled name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Name {
    /// Labels joined by `.`; the root is `<root>` as Suricata prints it.
    pub value: Vec<u8>,
    /// Limits hit while assembling it.
    pub flags: NameFlags,
}

/// Reads the name at `pos` of `msg`, following compression pointers (also
/// forward ones, which resolvers accept). Returns the name and the offset
/// just after it at its original place.
pub fn read_name(msg: &[u8], pos: usize) -> Result<(Name, usize), Error> {
    let mut name = Name::default();
    let mut at = pos;
    // Offset after the name where it started, known at the first pointer.
    let mut end: Option<usize> = None;
    let mut labels = 0usize;
    let mut jumps = 0usize;
    loop {
        let len = *msg.get(at).ok_or(Error::Incomplete)?;
        match len & 0xc0 {
            0x00 if len == 0 => {
                at += 1;
                break;
            }
            0x00 => {
                let l = usize::from(len);
                let label = msg.get(at + 1..at + 1 + l).ok_or(Error::Incomplete)?;
                if !name.flags.truncated {
                    if !name.value.is_empty() {
                        name.value.push(b'.');
                    }
                    name.value.extend_from_slice(label);
                    if name.value.len() > MAX_NAME_LEN {
                        name.value.truncate(MAX_NAME_LEN);
                        name.flags.truncated = true;
                    }
                }
                at += 1 + l;
                labels += 1;
                if labels > MAX_NAME_STEPS {
                    // Labels repeated through pointers are a loop.
                    if jumps > 0 {
                        name.flags.infinite_loop = true;
                    } else {
                        name.flags.too_many_labels = true;
                    }
                    // Skip the rest of this name where it lies, if we can.
                    if end.is_none() {
                        end = Some(skip_name(msg, at)?);
                    }
                    break;
                }
            }
            0xc0 => {
                let lo = *msg.get(at + 1).ok_or(Error::Incomplete)?;
                let target = (usize::from(len & 0x3f) << 8) | usize::from(lo);
                if end.is_none() {
                    end = Some(at + 2);
                }
                if target >= msg.len() {
                    return Err(Error::Malformed);
                }
                jumps += 1;
                if jumps > MAX_NAME_STEPS {
                    name.flags.infinite_loop = true;
                    if name.value.is_empty() {
                        return Err(Error::Malformed);
                    }
                    break;
                }
                at = target;
            }
            // 0x40 and 0x80: extended and reserved label types (RFC 6891 §5).
            _ => return Err(Error::Malformed),
        }
    }
    if name.value.is_empty() {
        name.value.extend_from_slice(b"<root>");
    }
    Ok((name, end.unwrap_or(at)))
}

/// Offset after the name at `pos` without assembling it.
fn skip_name(msg: &[u8], mut at: usize) -> Result<usize, Error> {
    loop {
        let len = *msg.get(at).ok_or(Error::Incomplete)?;
        match len & 0xc0 {
            0x00 if len == 0 => return Ok(at + 1),
            0x00 => at += 1 + usize::from(len),
            0xc0 => return Ok(at + 2),
            _ => return Err(Error::Malformed),
        }
    }
}

/// One question.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Query {
    /// QNAME.
    pub name: Name,
    /// QTYPE.
    pub rrtype: u16,
    /// QCLASS.
    pub rrclass: u16,
}

/// SOA rdata.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Soa {
    /// Primary name server.
    pub mname: Vec<u8>,
    /// Responsible mailbox.
    pub rname: Vec<u8>,
    /// Zone serial.
    pub serial: u32,
    /// Refresh interval.
    pub refresh: u32,
    /// Retry interval.
    pub retry: u32,
    /// Expiry.
    pub expire: u32,
    /// Negative-caching TTL.
    pub minimum: u32,
}

/// Record data, as far as it is interpreted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RData {
    /// A or AAAA address bytes (4 or 16; other lengths print empty).
    Addr(Vec<u8>),
    /// CNAME, NS, PTR, MX (exchange) target name.
    Name(Vec<u8>),
    /// TXT character-strings joined, or NULL's opaque bytes.
    Text(Vec<u8>),
    /// SOA fields.
    Soa(Soa),
    /// SRV fields.
    Srv {
        /// Priority.
        priority: u16,
        /// Weight.
        weight: u16,
        /// Port.
        port: u16,
        /// Target.
        target: Vec<u8>,
    },
    /// SSHFP fields.
    Sshfp {
        /// Key algorithm.
        algo: u8,
        /// Fingerprint type.
        fp_type: u8,
        /// Fingerprint bytes.
        fingerprint: Vec<u8>,
    },
    /// SVCB/HTTPS priority and target (parameters are not interpreted).
    Svcb {
        /// SvcPriority (0: alias form).
        priority: u16,
        /// TargetName.
        target: Vec<u8>,
    },
    /// OPT pseudo-record; `empty` when it carries no options.
    Opt {
        /// No EDNS options.
        empty: bool,
    },
    /// Anything else (not logged, as Suricata).
    Other,
}

/// One resource record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// Owner name.
    pub name: Name,
    /// TYPE.
    pub rrtype: u16,
    /// CLASS.
    pub rrclass: u16,
    /// TTL.
    pub ttl: u32,
    /// Interpreted rdata.
    pub data: RData,
}

/// A parsed message.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Message {
    /// Fixed header.
    pub header: Header,
    /// Question section.
    pub queries: Vec<Query>,
    /// Answer section.
    pub answers: Vec<Record>,
    /// Authority section (what could be read).
    pub authorities: Vec<Record>,
    /// Additional section (what could be read).
    pub additionals: Vec<Record>,
    /// The authority section could not be read to its end.
    pub invalid_authorities: bool,
    /// The additional section could not be read to its end.
    pub invalid_additionals: bool,
    /// [`MAX_RECORDS`] was reached: later records were not read.
    pub records_limited: bool,
    /// Union of the limits hit by every name of the message.
    pub name_flags: NameFlags,
}

fn be16(msg: &[u8], at: usize) -> Result<u16, Error> {
    let b = msg.get(at..at + 2).ok_or(Error::Incomplete)?;
    Ok(u16::from_be_bytes([b[0], b[1]]))
}

fn be32(msg: &[u8], at: usize) -> Result<u32, Error> {
    let b = msg.get(at..at + 4).ok_or(Error::Incomplete)?;
    Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

/// Reads one question at `pos`; returns it and the offset after it.
pub fn read_query(msg: &[u8], pos: usize) -> Result<(Query, usize), Error> {
    let (name, at) = read_name(msg, pos)?;
    let rrtype = be16(msg, at)?;
    let rrclass = be16(msg, at + 2)?;
    Ok((
        Query {
            name,
            rrtype,
            rrclass,
        },
        at + 4,
    ))
}

/// Reads one resource record at `pos`; returns it and the offset after it.
pub fn read_record(msg: &[u8], pos: usize) -> Result<(Record, usize), Error> {
    let (name, at) = read_name(msg, pos)?;
    let rrtype = be16(msg, at)?;
    let rrclass = be16(msg, at + 2)?;
    let ttl = be32(msg, at + 4)?;
    let rdlen = usize::from(be16(msg, at + 8)?);
    let start = at + 10;
    let rdata = msg.get(start..start + rdlen).ok_or(Error::Incomplete)?;
    let mut flags = name.flags;
    // Rdata that does not decode as its type says is kept as uninterpreted:
    // the record's owner and type are still worth logging.
    let data = read_rdata(msg, start, rdata, rrtype, &mut flags).unwrap_or(RData::Other);
    let mut name = name;
    name.flags = flags;
    Ok((
        Record {
            name,
            rrtype,
            rrclass,
            ttl,
            data,
        },
        start + rdlen,
    ))
}

fn read_rdata(
    msg: &[u8],
    start: usize,
    rdata: &[u8],
    rrtype: u16,
    flags: &mut NameFlags,
) -> Result<RData, Error> {
    let mut name_at = |pos: usize| -> Result<Vec<u8>, Error> {
        let (n, _) = read_name(msg, pos)?;
        flags.merge(n.flags);
        Ok(n.value)
    };
    Ok(match rrtype {
        rrtype::A | rrtype::AAAA => RData::Addr(rdata.to_vec()),
        rrtype::CNAME | rrtype::NS | rrtype::PTR => RData::Name(name_at(start)?),
        rrtype::MX => {
            if rdata.len() < 3 {
                return Err(Error::Incomplete);
            }
            RData::Name(name_at(start + 2)?)
        }
        rrtype::TXT => {
            let mut out = Vec::with_capacity(rdata.len());
            let mut rest = rdata;
            while let Some((&len, tail)) = rest.split_first() {
                let s = tail.get(..usize::from(len)).ok_or(Error::Incomplete)?;
                out.extend_from_slice(s);
                rest = &tail[s.len()..];
            }
            RData::Text(out)
        }
        rrtype::NULL => RData::Text(rdata.to_vec()),
        rrtype::SOA => {
            let (m, at) = read_name(msg, start)?;
            let (r, at) = read_name(msg, at)?;
            flags.merge(m.flags);
            flags.merge(r.flags);
            RData::Soa(Soa {
                mname: m.value,
                rname: r.value,
                serial: be32(msg, at)?,
                refresh: be32(msg, at + 4)?,
                retry: be32(msg, at + 8)?,
                expire: be32(msg, at + 12)?,
                minimum: be32(msg, at + 16)?,
            })
        }
        rrtype::SRV => RData::Srv {
            priority: be16(rdata, 0)?,
            weight: be16(rdata, 2)?,
            port: be16(rdata, 4)?,
            target: name_at(start + 6)?,
        },
        rrtype::SSHFP => {
            let (&algo, rest) = rdata.split_first().ok_or(Error::Incomplete)?;
            let (&fp_type, fp) = rest.split_first().ok_or(Error::Incomplete)?;
            RData::Sshfp {
                algo,
                fp_type,
                fingerprint: fp.to_vec(),
            }
        }
        rrtype::SVCB | rrtype::HTTPS => RData::Svcb {
            priority: be16(rdata, 0)?,
            // The target is not compressed (RFC 9460 §2.2), but reading it
            // through the message costs nothing and tolerates senders that do.
            target: name_at(start + 2)?,
        },
        rrtype::OPT => RData::Opt {
            empty: rdata.is_empty(),
        },
        _ => RData::Other,
    })
}

/// Parses one whole message (see the module's progress contract).
pub fn parse_message(msg: &[u8]) -> Result<Message, Error> {
    let header = parse_header(msg).ok_or(Error::Incomplete)?;
    let mut m = Message {
        header,
        ..Message::default()
    };
    let mut at = HEADER_LEN;
    let mut budget = MAX_RECORDS;
    for _ in 0..header.qdcount {
        if budget == 0 {
            m.records_limited = true;
            return Ok(m);
        }
        budget -= 1;
        let (q, next) = read_query(msg, at)?;
        m.name_flags.merge(q.name.flags);
        m.queries.push(q);
        at = next;
    }
    let sections = [
        (header.ancount, 0u8),
        (header.nscount, 1u8),
        (header.arcount, 2u8),
    ];
    for (count, which) in sections {
        for _ in 0..count {
            if budget == 0 {
                m.records_limited = true;
                return Ok(m);
            }
            budget -= 1;
            match read_record(msg, at) {
                Ok((r, next)) => {
                    m.name_flags.merge(r.name.flags);
                    match which {
                        0 => m.answers.push(r),
                        1 => m.authorities.push(r),
                        _ => m.additionals.push(r),
                    }
                    at = next;
                }
                Err(e) => match which {
                    0 => return Err(e),
                    1 => {
                        m.invalid_authorities = true;
                        return Ok(m);
                    }
                    _ => {
                        m.invalid_additionals = true;
                        return Ok(m);
                    }
                },
            }
        }
    }
    Ok(m)
}

/// Verdict of [`looks_like_dns`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Look {
    /// DNS; `true` for a response.
    Dns(bool),
    /// Not DNS.
    NotDns,
    /// A TCP message cut before its first question ends.
    NeedMore,
}

/// Whether `msg` (one whole datagram, or the start of a TCP message body
/// whose length prefix said `declared`) looks like DNS: a header whose
/// counts fit the declared length, a defined opcode, and questions that
/// parse with a non-zero class.
pub fn looks_like_dns(msg: &[u8], declared: usize) -> Look {
    let Some(h) = parse_header(msg) else {
        return if msg.len() < declared {
            Look::NeedMore
        } else {
            Look::NotDns
        };
    };
    // Every question is at least 5 bytes (root name, type, class), every
    // record at least 11: counts the length cannot hold are not DNS.
    let min = HEADER_LEN
        + 5 * usize::from(h.qdcount)
        + 11 * (usize::from(h.ancount) + usize::from(h.nscount) + usize::from(h.arcount));
    if min > declared || h.total_records() == 0 {
        return Look::NotDns;
    }
    // 3 and 7-15 are unassigned (RFC 6895 §2.2).
    if matches!(h.opcode(), 3 | 7..=15) {
        return Look::NotDns;
    }
    let mut at = HEADER_LEN;
    for _ in 0..h.qdcount {
        match read_query(msg, at) {
            Ok((q, _)) if at == HEADER_LEN && is_netbios_query(msg, &q) => return Look::NotDns,
            Ok((q, next)) if q.rrclass != 0 => at = next,
            // Only the first question decides; later ones may be cut.
            Err(Error::Incomplete) if msg.len() < declared => {
                return if at == HEADER_LEN {
                    Look::NeedMore
                } else {
                    Look::Dns(h.is_response())
                };
            }
            _ => return Look::NotDns,
        }
    }
    Look::Dns(h.is_response())
}

/// NetBIOS name service (RFC 1002 §4.2) borrows DNS's format: a question of
/// type NB (32) or NBSTAT (33) whose first label is the 32-letter `A`-`P`
/// encoding of a NetBIOS name. It is another protocol (Suricata does not
/// call it `dns`), so the probe refuses it.
fn is_netbios_query(msg: &[u8], q: &Query) -> bool {
    if !matches!(q.rrtype, 32 | 33) {
        return false;
    }
    match msg.get(HEADER_LEN..HEADER_LEN + 33) {
        Some([32, rest @ ..]) => rest.iter().all(|c| (b'A'..=b'P').contains(c)),
        _ => false,
    }
}
