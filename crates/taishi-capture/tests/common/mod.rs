//! Capture writers for tests: every variant of pcap and pcapng, built byte by
//! byte, remembering where each record starts so truncation tests know which
//! frames must survive a cut.
#![allow(dead_code)] // each test file uses a different subset

/// A classic pcap under construction.
pub struct Pcap {
    pub bytes: Vec<u8>,
    be: bool,
    nanos: bool,
    /// (start offset, end offset) of every record.
    pub records: Vec<(usize, usize)>,
}

impl Pcap {
    pub fn new(be: bool, nanos: bool, linktype: u32) -> Pcap {
        let mut p = Pcap {
            bytes: Vec::new(),
            be,
            nanos,
            records: Vec::new(),
        };
        let magic: u32 = if nanos { 0xa1b2_3c4d } else { 0xa1b2_c3d4 };
        p.u32(magic);
        p.u16(2); // version major
        p.u16(4); // version minor
        p.u32(0); // thiszone
        p.u32(0); // sigfigs
        p.u32(65535); // snaplen
        p.u32(linktype);
        p
    }

    fn u16(&mut self, v: u16) {
        let b = if self.be {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        };
        self.bytes.extend_from_slice(&b);
    }

    fn u32(&mut self, v: u32) {
        let b = if self.be {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        };
        self.bytes.extend_from_slice(&b);
    }

    /// Appends a record; `frac` is in micro- or nanoseconds per the header.
    pub fn record(&mut self, secs: u32, frac: u32, data: &[u8], wire_len: u32) -> &mut Self {
        let start = self.bytes.len();
        self.u32(secs);
        self.u32(frac);
        self.u32(data.len() as u32);
        self.u32(wire_len);
        self.bytes.extend_from_slice(data);
        self.records.push((start, self.bytes.len()));
        self
    }

    /// Nanoseconds since the epoch of a record written with these values.
    pub fn ns(&self, secs: u32, frac: u32) -> u64 {
        secs as u64 * 1_000_000_000
            + if self.nanos {
                frac as u64
            } else {
                frac as u64 * 1000
            }
    }
}

/// A pcapng under construction; byte order can change at each section.
#[derive(Default)]
pub struct Pcapng {
    pub bytes: Vec<u8>,
    be: bool,
    /// (start, end, carries a frame) of every block.
    pub blocks: Vec<(usize, usize, bool)>,
}

pub const OPT_TSRESOL: u16 = 9;
pub const OPT_TSOFFSET: u16 = 14;

impl Pcapng {
    pub fn new() -> Pcapng {
        Pcapng::default()
    }

    fn u16(v: u16, be: bool) -> [u8; 2] {
        if be { v.to_be_bytes() } else { v.to_le_bytes() }
    }

    fn u32(v: u32, be: bool) -> [u8; 4] {
        if be { v.to_be_bytes() } else { v.to_le_bytes() }
    }

    /// Appends a block: type, total length, body padded to 4, total length.
    pub fn block(&mut self, btype: u32, body: &[u8], frame: bool) -> &mut Self {
        let start = self.bytes.len();
        let padded = (body.len() + 3) & !3;
        let total = (12 + padded) as u32;
        let be = self.be;
        self.bytes.extend_from_slice(&Self::u32(btype, be));
        self.bytes.extend_from_slice(&Self::u32(total, be));
        self.bytes.extend_from_slice(body);
        self.bytes.resize(start + 8 + padded, 0);
        self.bytes.extend_from_slice(&Self::u32(total, be));
        self.blocks.push((start, self.bytes.len(), frame));
        self
    }

    /// Section header block: starts a section in the given byte order.
    pub fn shb(&mut self, be: bool) -> &mut Self {
        self.be = be;
        let mut b = Vec::new();
        b.extend_from_slice(&Self::u32(0x1A2B_3C4D, be)); // byte-order magic
        b.extend_from_slice(&Self::u16(1, be)); // major
        b.extend_from_slice(&Self::u16(0, be)); // minor
        b.extend_from_slice(&(-1i64).to_le_bytes()); // section length: unknown
        self.block(0x0A0D_0D0A, &b, false)
    }

    /// Interface description block with optional if_tsresol and if_tsoffset.
    pub fn idb(
        &mut self,
        linktype: u16,
        snaplen: u32,
        tsresol: Option<u8>,
        tsoffset: Option<i64>,
    ) -> &mut Self {
        let be = self.be;
        let mut b = Vec::new();
        b.extend_from_slice(&Self::u16(linktype, be));
        b.extend_from_slice(&[0, 0]); // reserved
        b.extend_from_slice(&Self::u32(snaplen, be));
        if let Some(r) = tsresol {
            b.extend_from_slice(&Self::u16(OPT_TSRESOL, be));
            b.extend_from_slice(&Self::u16(1, be));
            b.extend_from_slice(&[r, 0, 0, 0]); // value + padding
        }
        if let Some(o) = tsoffset {
            b.extend_from_slice(&Self::u16(OPT_TSOFFSET, be));
            b.extend_from_slice(&Self::u16(8, be));
            b.extend_from_slice(&if be { o.to_be_bytes() } else { o.to_le_bytes() });
        }
        if tsresol.is_some() || tsoffset.is_some() {
            b.extend_from_slice(&[0, 0, 0, 0]); // opt_endofopt
        }
        self.block(1, &b, false)
    }

    /// Enhanced packet block.
    pub fn epb(&mut self, iface: u32, ticks: u64, data: &[u8], wire_len: u32) -> &mut Self {
        let be = self.be;
        let mut b = Vec::new();
        b.extend_from_slice(&Self::u32(iface, be));
        b.extend_from_slice(&Self::u32((ticks >> 32) as u32, be));
        b.extend_from_slice(&Self::u32(ticks as u32, be));
        b.extend_from_slice(&Self::u32(data.len() as u32, be));
        b.extend_from_slice(&Self::u32(wire_len, be));
        b.extend_from_slice(data);
        self.block(6, &b, true)
    }

    /// Obsolete packet block (interface id and drop count are 16 bits).
    pub fn opb(&mut self, iface: u16, ticks: u64, data: &[u8], wire_len: u32) -> &mut Self {
        let be = self.be;
        let mut b = Vec::new();
        b.extend_from_slice(&Self::u16(iface, be));
        b.extend_from_slice(&Self::u16(0, be)); // drops
        b.extend_from_slice(&Self::u32((ticks >> 32) as u32, be));
        b.extend_from_slice(&Self::u32(ticks as u32, be));
        b.extend_from_slice(&Self::u32(data.len() as u32, be));
        b.extend_from_slice(&Self::u32(wire_len, be));
        b.extend_from_slice(data);
        self.block(2, &b, true)
    }

    /// Simple packet block: original length, then the data (cut to snaplen).
    pub fn spb(&mut self, wire_len: u32, data: &[u8]) -> &mut Self {
        let be = self.be;
        let mut b = Vec::new();
        b.extend_from_slice(&Self::u32(wire_len, be));
        b.extend_from_slice(data);
        self.block(3, &b, true)
    }
}

/// Deterministic frame bytes of a given length, distinct per `seed`.
pub fn frame(seed: u32, len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (seed as usize * 31 + i * 7) as u8)
        .collect()
}

/// gzip of `data`.
pub fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// Everything a source yields, owned: (ts ns, linktype, iface, wire_len, data).
pub type Owned = (u64, u32, u32, u32, Vec<u8>);

pub fn drain(src: &mut dyn taishi_capture::PacketSource) -> Vec<Owned> {
    let mut out = Vec::new();
    while let Some(p) = src.next_packet().unwrap() {
        out.push((p.ts.0, p.linktype.0, p.iface, p.wire_len, p.data.to_vec()));
    }
    out
}
