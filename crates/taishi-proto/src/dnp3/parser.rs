//! DNP3 (IEEE 1815) link, transport and application layers: pure
//! functions over `&[u8]`.
//!
//! Progress contract: [`parse_link`] looks at the front of a stream and
//! returns a whole link frame with its length, or how many bytes the frame
//! needs, or why the bytes cannot be a frame. CRCs are checked here (the
//! header CRC and one CRC per 16-byte data block); the caller decides what
//! a bad CRC means. [`strip_crcs`] appends a frame's user data, without
//! CRCs and without the transport header, to a reassembly buffer.
//! [`decode_objects`] walks application object headers and decodes the
//! points of every object Suricata knows (see [`super::objects`]),
//! stopping at the first it cannot size, as Suricata does.

use super::objects::{self, Layout, Val};

/// Link header: 0x05 0x64, length, control, destination, source, CRC.
pub const LINK_HEADER_LEN: usize = 10;
/// Data bytes per CRC block.
pub const BLOCK: usize = 16;

/// CRC-16/DNP (polynomial 0x3d65, reflected, inverted).
const fn crc_table() -> [u16; 256] {
    let mut t = [0u16; 256];
    let mut i = 0;
    while i < 256 {
        let mut crc = i as u16;
        let mut j = 0;
        while j < 8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xa6bc
            } else {
                crc >> 1
            };
            j += 1;
        }
        t[i] = crc;
        i += 1;
    }
    t
}
static CRC_TABLE: [u16; 256] = crc_table();

/// The DNP3 CRC of `data`.
pub fn crc(data: &[u8]) -> u16 {
    let mut crc: u16 = 0;
    for &b in data {
        crc = CRC_TABLE[((crc ^ b as u16) & 0xff) as usize] ^ (crc >> 8);
    }
    !crc
}

/// Whether `block` ends with the CRC of the bytes before it.
pub fn check_crc(block: &[u8]) -> bool {
    let Some(split) = block.len().checked_sub(2) else {
        return false;
    };
    let (data, c) = block.split_at(split);
    c == crc(data).to_le_bytes()
}

/// A link-layer header.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LinkHeader {
    /// Length field: control, addresses and user data (CRCs excluded).
    pub len: u8,
    /// Control octet (DIR, PRI, FCB, FCV, function).
    pub control: u8,
    /// Destination address.
    pub dst: u16,
    /// Source address.
    pub src: u16,
}

impl LinkHeader {
    /// DIR bit: sent by the master.
    pub fn dir(&self) -> bool {
        self.control & 0x80 != 0
    }
    /// PRI bit: primary (initiating) frame.
    pub fn pri(&self) -> bool {
        self.control & 0x40 != 0
    }
    /// FCB bit.
    pub fn fcb(&self) -> bool {
        self.control & 0x20 != 0
    }
    /// FCV bit.
    pub fn fcv(&self) -> bool {
        self.control & 0x10 != 0
    }
    /// Link function code.
    pub fn function(&self) -> u8 {
        self.control & 0x0f
    }
    /// Confirmed or unconfirmed user data (link functions 3 and 4).
    pub fn is_user_data(&self) -> bool {
        matches!(self.function(), 3 | 4)
    }
}

/// Result of looking at the front of a stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkResult<'a> {
    /// A whole frame: header, and the user data with its CRCs; its size.
    Frame(LinkHeader, &'a [u8], usize),
    /// The frame needs this many bytes in total.
    Incomplete(usize),
    /// No 0x05 0x64 start: not DNP3.
    BadStart,
    /// The header CRC is wrong.
    BadHeaderCrc,
    /// The length field is below 5.
    LenTooSmall,
}

/// Bytes a frame spans on the wire for a length field `len` (≥ 5).
pub fn frame_len(len: u8) -> usize {
    let data = (len as usize).saturating_sub(5);
    let full = data / BLOCK;
    let rem = data % BLOCK;
    LINK_HEADER_LEN + full * (BLOCK + 2) + if rem > 0 { rem + 2 } else { 0 }
}

/// Reads the link frame at the front of `input`.
pub fn parse_link(input: &[u8]) -> LinkResult<'_> {
    if let Some(s) = input.get(..2)
        && s != [0x05, 0x64]
    {
        return LinkResult::BadStart;
    }
    let Some(h) = input.get(..LINK_HEADER_LEN) else {
        return LinkResult::Incomplete(LINK_HEADER_LEN);
    };
    if !check_crc(h) {
        return LinkResult::BadHeaderCrc;
    }
    let header = LinkHeader {
        len: h[2],
        control: h[3],
        dst: u16::from_le_bytes([h[4], h[5]]),
        src: u16::from_le_bytes([h[6], h[7]]),
    };
    if header.len < 5 {
        return LinkResult::LenTooSmall;
    }
    let total = frame_len(header.len);
    match input.get(LINK_HEADER_LEN..total) {
        Some(data) => LinkResult::Frame(header, data, total),
        None => LinkResult::Incomplete(total),
    }
}

/// Whether every 16-byte block of `data` (user data with CRCs) is intact.
pub fn check_data_crcs(data: &[u8]) -> bool {
    data.chunks(BLOCK + 2).all(check_crc)
}

/// Appends the user data of a frame (`data` with CRCs) to `out`, without
/// the CRCs and without the leading transport header octet. False when a
/// trailing block is too short to hold a byte and its CRC.
pub fn strip_crcs(data: &[u8], out: &mut Vec<u8>) -> bool {
    let mut first = true;
    for block in data.chunks(BLOCK + 2) {
        let Some(body) = block.len().checked_sub(2).and_then(|n| block.get(..n)) else {
            return false;
        };
        if body.is_empty() {
            return false;
        }
        out.extend_from_slice(if first { &body[1..] } else { body });
        first = false;
    }
    true
}

/// The transport header octet of a frame's user data (before CRC removal).
pub fn transport_header(data: &[u8]) -> Option<u8> {
    data.first().copied()
}

/// Transport header: final segment.
pub fn th_fin(th: u8) -> bool {
    th & 0x80 != 0
}
/// Transport header: first segment.
pub fn th_fir(th: u8) -> bool {
    th & 0x40 != 0
}
/// Transport header: sequence number.
pub fn th_seq(th: u8) -> u8 {
    th & 0x3f
}

/// One point (item) of an object.
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    /// The prefix as read (0 without one).
    pub prefix: u32,
    /// Point index: from the range, or the prefix when it is an index.
    pub index: u32,
    /// Object size, when the prefix is a size.
    pub size: u32,
    /// Decoded fields, named as Suricata's object structs.
    pub values: Vec<(&'static str, Val)>,
}

/// One object header with its points.
#[derive(Clone, Debug, PartialEq)]
pub struct Object {
    /// Object group.
    pub group: u8,
    /// Variation.
    pub variation: u8,
    /// Qualifier octet.
    pub qualifier: u8,
    /// Prefix code (qualifier bits 4-6).
    pub prefix_code: u8,
    /// Range code (qualifier bits 0-3).
    pub range_code: u8,
    /// Start index (range codes 0-5).
    pub start: u32,
    /// Stop index (range codes 0-5).
    pub stop: u32,
    /// Number of objects.
    pub count: u32,
    /// Decoded points.
    pub points: Vec<Point>,
}

/// Why object decoding stopped early.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObjectsError {
    /// Ran out of bytes in a header or a point (not an event in Suricata).
    Truncated,
    /// A reserved range or prefix code.
    Reserved,
    /// A group/variation whose size is not known: `UNKNOWN_OBJECT`.
    Unknown,
    /// More points than [`super::MAX_POINTS`]: `TOO_MANY_POINTS`.
    TooManyPoints,
    /// More objects than [`super::MAX_OBJECTS`]: `TOO_MANY_OBJECTS`.
    TooManyObjects,
}

struct Rd<'a> {
    b: &'a [u8],
    off: usize,
}

impl<'a> Rd<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let s = self.b.get(self.off..self.off.checked_add(n)?)?;
        self.off += n;
        Some(s)
    }
    fn uint(&mut self, n: usize) -> Option<u64> {
        let s = self.take(n)?;
        Some(s.iter().rev().fold(0u64, |a, &b| (a << 8) | b as u64))
    }
}

/// Decodes the objects of an application fragment (after its header and,
/// in responses, the IIN). Objects decoded before an error are kept.
pub fn decode_objects(
    buf: &[u8],
    out: &mut Vec<Object>,
    max_objects: usize,
    max_points: usize,
) -> Result<(), ObjectsError> {
    let mut r = Rd { b: buf, off: 0 };
    let mut points = 0usize;
    while r.off < buf.len() {
        if out.len() >= max_objects {
            return Err(ObjectsError::TooManyObjects);
        }
        let h = r.take(3).ok_or(ObjectsError::Truncated)?;
        let (group, variation, qualifier) = (h[0], h[1], h[2]);
        let prefix_code = (qualifier >> 4) & 0x7;
        let range_code = qualifier & 0xf;
        let mut o = Object {
            group,
            variation,
            qualifier,
            prefix_code,
            range_code,
            start: 0,
            stop: 0,
            count: 0,
            points: Vec::new(),
        };
        let t = ObjectsError::Truncated;
        match range_code {
            0x00..=0x05 => {
                let n = match range_code {
                    0 | 3 => 1,
                    1 | 4 => 2,
                    _ => 4,
                };
                o.start = r.uint(n).ok_or(t)? as u32;
                o.stop = r.uint(n).ok_or(t)? as u32;
                o.count = o.stop.wrapping_sub(o.start).wrapping_add(1);
            }
            0x06 => o.count = 0,
            0x07 | 0x0b => o.count = r.uint(1).ok_or(t)? as u32,
            0x08 => o.count = r.uint(2).ok_or(t)? as u32,
            0x09 => o.count = r.uint(4).ok_or(t)? as u32,
            _ => {
                out.push(o);
                return Err(ObjectsError::Reserved);
            }
        }
        let prefix_len = match prefix_code {
            0 => 0,
            1 | 4 => 1,
            2 | 5 => 2,
            3 | 6 => 4,
            _ => {
                out.push(o);
                return Err(ObjectsError::Reserved);
            }
        };
        if variation == 0 || o.count == 0 {
            out.push(o);
            continue;
        }
        let Some(layout) = objects::layout(group, variation) else {
            out.push(o);
            return Err(ObjectsError::Unknown);
        };
        let res = decode_points(&mut r, &mut o, layout, prefix_len, max_points, &mut points);
        out.push(o);
        res?;
    }
    Ok(())
}

fn decode_points(
    r: &mut Rd<'_>,
    o: &mut Object,
    layout: Layout,
    prefix_len: usize,
    max_points: usize,
    total: &mut usize,
) -> Result<(), ObjectsError> {
    let t = ObjectsError::Truncated;
    let make = |o: &Object, i: u32, prefix: u32| {
        let mut p = Point {
            prefix,
            index: o.start.wrapping_add(i),
            size: 0,
            values: Vec::new(),
        };
        match o.prefix_code {
            1..=3 => p.index = prefix,
            4..=6 => p.size = prefix,
            _ => {}
        }
        p
    };
    let mut add = |o: &mut Object, p: Point| {
        *total += 1;
        if *total > max_points {
            return Err(ObjectsError::TooManyPoints);
        }
        o.points.push(p);
        Ok(())
    };
    match layout {
        Layout::Packed { bits, name } => {
            // One prefix for the whole bit string, then the packed values.
            let prefix = r.uint(prefix_len).ok_or(t)? as u32;
            let per = (8 / bits) as u32;
            let bytes = o.count.div_ceil(per);
            let data = r.take(bytes as usize).ok_or(t)?;
            let mask = (1u8 << bits) - 1;
            for i in 0..o.count {
                let byte = data.get((i / per) as usize).copied().unwrap_or(0);
                let v = (byte >> ((i % per) as u8 * bits)) & mask;
                let mut p = make(o, i, prefix);
                p.values.push((name, Val::U(v as u64)));
                add(o, p)?;
            }
        }
        Layout::Fixed(fields) => {
            for i in 0..o.count {
                let prefix = r.uint(prefix_len).ok_or(t)? as u32;
                let mut p = make(o, i, prefix);
                objects::read_fields(fields, &mut |n| r.take(n), &mut p.values).ok_or(t)?;
                add(o, p)?;
            }
        }
        Layout::Sized => {
            // Variable-size objects (files, authentication): only
            // skippable when each one is prefixed with its size.
            if !(4..=6).contains(&o.prefix_code) {
                return Err(ObjectsError::Unknown);
            }
            for i in 0..o.count {
                let prefix = r.uint(prefix_len).ok_or(t)? as u32;
                r.take(prefix as usize).ok_or(t)?;
                let p = make(o, i, prefix);
                add(o, p)?;
            }
        }
    }
    Ok(())
}
