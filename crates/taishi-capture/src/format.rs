//! Record framing of classic pcap and pcapng, by hand.
//!
//! Each framer turns the bytes of an [`Input`] into [`Frame`]s: positions in
//! the input's buffer plus the record's metadata. Every length read from the
//! file is checked before it is used; a record that does not fit ends the
//! file with a [`Step::Damage`] naming the record's offset.

use std::io;
use std::path::Path;

use taishi_core::limits::MAX_FRAME_LEN;
use taishi_core::{LinkType, Timestamp};

use crate::error::CaptureError;
use crate::input::Input;

/// Largest pcapng block we buffer whole: a maximal frame plus 64 KiB of
/// block header and options (comments, hashes), which no real writer exceeds.
/// Blocks of unknown type are skipped without buffering, whatever their size.
const MAX_BUFFERED_BLOCK: usize = MAX_FRAME_LEN + 64 * 1024;

/// Interfaces kept per pcapng section. OPB can only address 65,536, and a
/// crafted file must not grow the interface table without bound.
const MAX_INTERFACES: usize = 65_536;

const PCAP_HDR_LEN: usize = 24;
const PCAP_REC_LEN: usize = 16;

const BT_SHB: u32 = 0x0A0D_0D0A;
const BT_IDB: u32 = 1;
const BT_OPB: u32 = 2;
const BT_SPB: u32 = 3;
const BT_EPB: u32 = 6;
const BOM: u32 = 0x1A2B_3C4D;

/// One frame's metadata and where its bytes sit in the input buffer (valid
/// until the next [`Input::ensure`]).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Frame {
    pub ts: Timestamp,
    pub linktype: LinkType,
    pub wire_len: u32,
    pub iface: u32,
    pub at: usize,
    pub len: usize,
}

/// What the next record turned out to be.
pub(crate) enum Step {
    /// A frame.
    Frame(Frame),
    /// A clean end of file.
    End,
    /// Damage at `offset`; the file is not read further.
    Damage { offset: u64, reason: String },
    /// Something odd that does not stop reading (a malformed option).
    Note { offset: u64, reason: String },
}

/// The framing state of one file.
pub(crate) enum Format {
    Pcap(Pcap),
    Pcapng(Pcapng),
}

#[inline]
fn u16_at(b: &[u8], at: usize, be: bool) -> u16 {
    let mut x = [0u8; 2];
    if let Some(s) = b.get(at..at + 2) {
        x.copy_from_slice(s);
    }
    if be {
        u16::from_be_bytes(x)
    } else {
        u16::from_le_bytes(x)
    }
}

#[inline]
fn u32_at(b: &[u8], at: usize, be: bool) -> u32 {
    let mut x = [0u8; 4];
    if let Some(s) = b.get(at..at + 4) {
        x.copy_from_slice(s);
    }
    if be {
        u32::from_be_bytes(x)
    } else {
        u32::from_le_bytes(x)
    }
}

fn io_to_header(path: &Path, e: io::Error) -> CaptureError {
    // A gzip stream that is not one is a format problem, not an I/O one,
    // so that a folder skips the file instead of failing.
    match e.kind() {
        io::ErrorKind::InvalidData | io::ErrorKind::InvalidInput | io::ErrorKind::UnexpectedEof => {
            CaptureError::BadHeader {
                path: path.to_path_buf(),
                reason: format!("read error: {e}"),
            }
        }
        _ => CaptureError::Io {
            path: path.to_path_buf(),
            source: e,
        },
    }
}

impl Format {
    /// Reads and checks the file header, leaving the input at the first record.
    pub(crate) fn open(input: &mut Input, path: &Path) -> Result<Format, CaptureError> {
        input.ensure(4).map_err(|e| io_to_header(path, e))?;
        let have = input.available();
        if have == 0 {
            return Err(CaptureError::Empty {
                path: path.to_path_buf(),
            });
        }
        let mut m = [0u8; 4];
        let n = have.min(4);
        m[..n].copy_from_slice(&input.bytes()[..n]);
        let magic = u32::from_le_bytes(m);
        let (be, nanos) = match magic {
            0xa1b2_c3d4 => (false, false),
            0xd4c3_b2a1 => (true, false),
            0xa1b2_3c4d => (false, true),
            0x4d3c_b2a1 => (true, true),
            BT_SHB if have >= 4 => return Pcapng::open(input, path).map(Format::Pcapng),
            _ => {
                return Err(CaptureError::NotCapture {
                    path: path.to_path_buf(),
                    magic,
                });
            }
        };
        if !input
            .ensure(PCAP_HDR_LEN)
            .map_err(|e| io_to_header(path, e))?
        {
            return Err(CaptureError::TruncatedHeader {
                path: path.to_path_buf(),
                have: input.available() as u64,
                need: PCAP_HDR_LEN as u64,
            });
        }
        // The upper bits of the link type field carry FCS information
        // (LT_LINKTYPE in libpcap); only the low 26 bits name the type.
        let linktype = LinkType(u32_at(input.bytes(), 20, be) & 0x03FF_FFFF);
        input.consume(PCAP_HDR_LEN);
        Ok(Format::Pcap(Pcap {
            be,
            nanos,
            linktype,
        }))
    }

    /// The next frame, end, or damage.
    #[inline]
    pub(crate) fn next(&mut self, input: &mut Input) -> Step {
        match self {
            Format::Pcap(p) => p.next(input),
            Format::Pcapng(p) => p.next(input),
        }
    }
}

/// Classic pcap: a 24-byte header, then 16-byte record headers each followed
/// by `caplen` bytes.
pub(crate) struct Pcap {
    be: bool,
    nanos: bool,
    linktype: LinkType,
}

fn truncated(offset: u64, what: &str, have: usize, need: usize) -> Step {
    Step::Damage {
        offset,
        reason: format!("truncated {what}: {have} of {need} bytes"),
    }
}

fn read_error(offset: u64, e: io::Error) -> Step {
    Step::Damage {
        offset,
        reason: format!("read error: {e}"),
    }
}

impl Pcap {
    #[inline]
    fn next(&mut self, input: &mut Input) -> Step {
        let offset = input.offset();
        match input.ensure(PCAP_REC_LEN) {
            Ok(true) => {}
            Ok(false) if input.available() == 0 => return Step::End,
            Ok(false) => {
                return truncated(offset, "record header", input.available(), PCAP_REC_LEN);
            }
            Err(e) => return read_error(offset, e),
        }
        let h = input.bytes();
        let secs = u32_at(h, 0, self.be) as u64;
        let frac = u32_at(h, 4, self.be) as u64;
        let caplen = u32_at(h, 8, self.be) as usize;
        let wire_len = u32_at(h, 12, self.be);
        if caplen > MAX_FRAME_LEN {
            return Step::Damage {
                offset,
                reason: format!("record length {caplen} exceeds the maximum of {MAX_FRAME_LEN}"),
            };
        }
        let need = PCAP_REC_LEN + caplen;
        match input.ensure(need) {
            Ok(true) => {}
            Ok(false) => return truncated(offset, "record", input.available(), need),
            Err(e) => return read_error(offset, e),
        }
        // u32 seconds * 1e9 plus a u32 fraction * 1000 cannot overflow u64.
        let ns = secs * 1_000_000_000 + if self.nanos { frac } else { frac * 1000 };
        let at = input.pos() + PCAP_REC_LEN;
        input.consume(need);
        Step::Frame(Frame {
            ts: Timestamp(ns),
            linktype: self.linktype,
            wire_len,
            iface: 0,
            at,
            len: caplen,
        })
    }
}

/// Timestamp resolution of a pcapng interface (`if_tsresol`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TsRes {
    /// Units of 10^-n seconds.
    Pow10(u8),
    /// Units of 2^-n seconds.
    Pow2(u8),
}

#[derive(Clone, Copy, Debug)]
struct Iface {
    linktype: LinkType,
    snaplen: u32,
    res: TsRes,
    /// `if_tsoffset`: seconds added to every timestamp.
    offset_secs: i64,
}

impl Iface {
    fn timestamp(&self, ticks: u64) -> Timestamp {
        let t = ticks as u128;
        let ns: u128 = match self.res {
            TsRes::Pow10(6) => t * 1000,
            TsRes::Pow10(9) => t,
            TsRes::Pow10(n) if n <= 9 => t * 10u128.pow(9 - n as u32),
            TsRes::Pow10(n) if n <= 38 => t / 10u128.pow(n as u32 - 9),
            TsRes::Pow10(_) => 0,
            TsRes::Pow2(n) if n < 96 => (t * 1_000_000_000) >> n,
            TsRes::Pow2(_) => 0,
        };
        let ns = ns as i128 + self.offset_secs as i128 * 1_000_000_000;
        Timestamp(ns.clamp(0, u64::MAX as i128) as u64)
    }
}

/// pcapng: blocks of `type, length, body, length`, in sections that each
/// choose their byte order and list their interfaces.
pub(crate) struct Pcapng {
    be: bool,
    ifaces: Vec<Iface>,
    /// Time of the last timestamped frame: simple packet blocks carry none,
    /// and taking the previous one keeps the file's order in a merge.
    last_ts: Timestamp,
}

impl Pcapng {
    fn open(input: &mut Input, path: &Path) -> Result<Pcapng, CaptureError> {
        let trunc = |have: usize, need: usize| CaptureError::TruncatedHeader {
            path: path.to_path_buf(),
            have: have as u64,
            need: need as u64,
        };
        if !input.ensure(12).map_err(|e| io_to_header(path, e))? {
            return Err(trunc(input.available(), 12));
        }
        let mut ng = Pcapng {
            be: false,
            ifaces: Vec::new(),
            last_ts: Timestamp(0),
        };
        let len = ng
            .shb_len(input.bytes())
            .map_err(|reason| CaptureError::BadHeader {
                path: path.to_path_buf(),
                reason,
            })?;
        if len > MAX_BUFFERED_BLOCK {
            return Err(CaptureError::BadHeader {
                path: path.to_path_buf(),
                reason: format!("section header block of {len} bytes"),
            });
        }
        if !input.ensure(len).map_err(|e| io_to_header(path, e))? {
            return Err(trunc(input.available(), len));
        }
        let trailer = u32_at(input.bytes(), len - 4, ng.be) as usize;
        if trailer != len {
            return Err(CaptureError::BadHeader {
                path: path.to_path_buf(),
                reason: format!("block length {len} does not match trailing length {trailer}"),
            });
        }
        match ng.block(input, BT_SHB, len) {
            Step::Damage { reason, .. } => Err(CaptureError::BadHeader {
                path: path.to_path_buf(),
                reason,
            }),
            _ => Ok(ng),
        }
    }

    /// Sets the byte order from a section header's byte-order mark (the first
    /// 12 bytes) and returns the block length.
    fn shb_len(&mut self, b: &[u8]) -> Result<usize, String> {
        self.be = match u32_at(b, 8, false) {
            BOM => false,
            x if x.swap_bytes() == BOM => true,
            x => return Err(format!("bad byte-order magic 0x{x:08x}")),
        };
        let len = u32_at(b, 4, self.be) as usize;
        if len < 28 || !len.is_multiple_of(4) {
            return Err(format!("bad section header block length {len}"));
        }
        Ok(len)
    }

    fn next(&mut self, input: &mut Input) -> Step {
        loop {
            let offset = input.offset();
            match input.ensure(8) {
                Ok(true) => {}
                Ok(false) if input.available() == 0 => return Step::End,
                Ok(false) => return truncated(offset, "block header", input.available(), 8),
                Err(e) => return read_error(offset, e),
            }
            let btype = u32_at(input.bytes(), 0, self.be);
            let len = if btype == BT_SHB {
                match input.ensure(12) {
                    Ok(true) => {}
                    Ok(false) => return truncated(offset, "block header", input.available(), 12),
                    Err(e) => return read_error(offset, e),
                }
                match self.shb_len(input.bytes()) {
                    Ok(len) => len,
                    Err(reason) => return Step::Damage { offset, reason },
                }
            } else {
                let len = u32_at(input.bytes(), 4, self.be) as usize;
                if len < 12 || !len.is_multiple_of(4) {
                    return Step::Damage {
                        offset,
                        reason: format!("bad block length {len}"),
                    };
                }
                len
            };
            let known = matches!(btype, BT_SHB | BT_IDB | BT_EPB | BT_SPB | BT_OPB);
            if !known {
                // Skipped without buffering, so its size does not matter.
                match input.skip(len as u64 - 4) {
                    Ok(true) => {}
                    Ok(false) => {
                        return truncated(offset, "block", (input.offset() - offset) as usize, len);
                    }
                    Err(e) => return read_error(offset, e),
                }
                match input.ensure(4) {
                    Ok(true) => {}
                    Ok(false) => {
                        return truncated(offset, "block", len - 4 + input.available(), len);
                    }
                    Err(e) => return read_error(offset, e),
                }
                let trailer = u32_at(input.bytes(), 0, self.be) as usize;
                input.consume(4);
                if trailer != len {
                    return Step::Damage {
                        offset,
                        reason: format!(
                            "block length {len} does not match trailing length {trailer}"
                        ),
                    };
                }
                continue;
            }
            if len > MAX_BUFFERED_BLOCK {
                return Step::Damage {
                    offset,
                    reason: format!("block of {len} bytes is too long"),
                };
            }
            match input.ensure(len) {
                Ok(true) => {}
                Ok(false) => return truncated(offset, "block", input.available(), len),
                Err(e) => return read_error(offset, e),
            }
            let trailer = u32_at(input.bytes(), len - 4, self.be) as usize;
            if trailer != len {
                return Step::Damage {
                    offset,
                    reason: format!("block length {len} does not match trailing length {trailer}"),
                };
            }
            match self.block(input, btype, len) {
                Step::End => continue,
                step => return step,
            }
        }
    }

    /// Interprets one whole, length-checked block at the input position and
    /// consumes it; `Step::End` means "no frame here, go on".
    fn block(&mut self, input: &mut Input, btype: u32, len: usize) -> Step {
        let offset = input.offset();
        let body_at = input.pos() + 8;
        // Callers checked that the whole block is buffered; `get` keeps a
        // slip there from becoming a panic.
        let Some(b) = input.bytes().get(8..len.saturating_sub(4)) else {
            return Step::Damage {
                offset,
                reason: format!("block of {len} bytes not buffered"),
            };
        };
        let be = self.be;
        let corrupt = |what: &str| Step::Damage {
            offset,
            reason: what.to_string(),
        };
        let step = match btype {
            BT_SHB => {
                let major = u16_at(b, 4, be);
                if major != 1 {
                    return corrupt(&format!("unsupported pcapng version {major}"));
                }
                self.ifaces.clear();
                Step::End
            }
            BT_IDB => {
                if b.len() < 8 {
                    return corrupt("interface description block too short");
                }
                if self.ifaces.len() >= MAX_INTERFACES {
                    return corrupt("too many interfaces in one section");
                }
                let mut iface = Iface {
                    linktype: LinkType(u16_at(b, 0, be) as u32),
                    snaplen: u32_at(b, 4, be),
                    res: TsRes::Pow10(6),
                    offset_secs: 0,
                };
                let note = parse_idb_options(&b[8..], be, &mut iface);
                self.ifaces.push(iface);
                match note {
                    Some(reason) => Step::Note { offset, reason },
                    None => Step::End,
                }
            }
            BT_EPB | BT_OPB => {
                if b.len() < 20 {
                    return corrupt("packet block too short");
                }
                let id = if btype == BT_EPB {
                    u32_at(b, 0, be)
                } else {
                    u16_at(b, 0, be) as u32
                };
                let ticks = ((u32_at(b, 4, be) as u64) << 32) | u32_at(b, 8, be) as u64;
                let caplen = u32_at(b, 12, be) as usize;
                let wire_len = u32_at(b, 16, be);
                if caplen > MAX_FRAME_LEN {
                    return corrupt(&format!(
                        "captured length {caplen} exceeds the maximum of {MAX_FRAME_LEN}"
                    ));
                }
                if caplen > b.len() - 20 {
                    return corrupt(&format!("captured length {caplen} exceeds its block"));
                }
                let Some(iface) = self.ifaces.get(id as usize) else {
                    return corrupt(&format!("packet for undeclared interface {id}"));
                };
                let ts = iface.timestamp(ticks);
                self.last_ts = ts;
                Step::Frame(Frame {
                    ts,
                    linktype: iface.linktype,
                    wire_len,
                    iface: id,
                    at: body_at + 20,
                    len: caplen,
                })
            }
            BT_SPB => {
                if b.len() < 4 {
                    return corrupt("simple packet block too short");
                }
                let Some(iface) = self.ifaces.first() else {
                    return corrupt("simple packet block before any interface");
                };
                let wire_len = u32_at(b, 0, be);
                let mut caplen = (wire_len as usize).min(b.len() - 4);
                if iface.snaplen != 0 {
                    caplen = caplen.min(iface.snaplen as usize);
                }
                if caplen > MAX_FRAME_LEN {
                    return corrupt(&format!(
                        "captured length {caplen} exceeds the maximum of {MAX_FRAME_LEN}"
                    ));
                }
                Step::Frame(Frame {
                    ts: self.last_ts,
                    linktype: iface.linktype,
                    wire_len,
                    iface: 0,
                    at: body_at + 4,
                    len: caplen,
                })
            }
            _ => Step::End,
        };
        input.consume(len);
        step
    }
}

/// Reads `if_tsresol` and `if_tsoffset`; returns a note when the options are
/// malformed (the interface is kept with what was read).
fn parse_idb_options(mut o: &[u8], be: bool, iface: &mut Iface) -> Option<String> {
    while o.len() >= 4 {
        let code = u16_at(o, 0, be);
        let len = u16_at(o, 2, be) as usize;
        if code == 0 {
            return None;
        }
        let padded = (len + 3) & !3;
        let Some(value) = o.get(4..4 + len) else {
            return Some(format!(
                "interface option {code} of {len} bytes overruns its block"
            ));
        };
        match (code, len) {
            (9, 1) => {
                let v = value[0];
                iface.res = if v & 0x80 != 0 {
                    TsRes::Pow2(v & 0x7f)
                } else {
                    TsRes::Pow10(v)
                };
            }
            (14, 8) => {
                let mut x = [0u8; 8];
                x.copy_from_slice(value);
                iface.offset_secs = if be {
                    i64::from_be_bytes(x)
                } else {
                    i64::from_le_bytes(x)
                };
            }
            (9 | 14, _) => return Some(format!("interface option {code} has length {len}")),
            _ => {}
        }
        o = o.get(4 + padded..).unwrap_or(&[]);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iface(res: TsRes, offset_secs: i64) -> Iface {
        Iface {
            linktype: LinkType::ETHERNET,
            snaplen: 0,
            res,
            offset_secs,
        }
    }

    #[test]
    fn timestamp_resolutions() {
        assert_eq!(
            iface(TsRes::Pow10(6), 0).timestamp(1_500_000).0,
            1_500_000_000
        );
        assert_eq!(iface(TsRes::Pow10(9), 0).timestamp(7).0, 7);
        assert_eq!(iface(TsRes::Pow10(3), 0).timestamp(2).0, 2_000_000);
        assert_eq!(iface(TsRes::Pow10(12), 0).timestamp(5_000).0, 5);
        assert_eq!(iface(TsRes::Pow10(200), 0).timestamp(5_000).0, 0);
        // 2^-10 s units: 1024 ticks are one second.
        assert_eq!(iface(TsRes::Pow2(10), 0).timestamp(1024).0, 1_000_000_000);
        assert_eq!(iface(TsRes::Pow2(127), 0).timestamp(u64::MAX).0, 0);
        assert_eq!(iface(TsRes::Pow10(6), 10).timestamp(1).0, 10_000_001_000);
        assert_eq!(iface(TsRes::Pow10(6), -10).timestamp(1).0, 0);
        assert_eq!(
            iface(TsRes::Pow10(0), i64::MAX).timestamp(u64::MAX).0,
            u64::MAX
        );
    }

    #[test]
    fn idb_options() {
        let mut i = iface(TsRes::Pow10(6), 0);
        // if_tsresol = 2^-20, if_tsoffset = 3, end of options.
        let opts = [
            9, 0, 1, 0, 0x94, 0, 0, 0, 14, 0, 8, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        ];
        assert_eq!(parse_idb_options(&opts, false, &mut i), None);
        assert_eq!(i.res, TsRes::Pow2(20));
        assert_eq!(i.offset_secs, 3);
        // An option whose length runs past the block.
        let bad = [2, 0, 200, 0, 1, 2];
        assert!(parse_idb_options(&bad, false, &mut i).is_some());
    }
}
