//! Writing classic pcap files: for `taishi generate`, for the packets kept as
//! evidence, and for tests.

use std::io::{self, Write};

use taishi_core::{LinkType, Timestamp};

/// Writes a classic pcap stream (little-endian, microsecond or nanosecond
/// timestamps) to any writer.
pub struct PcapWriter<W: Write> {
    out: W,
    nanos: bool,
    snaplen: u32,
    packets: u64,
    bytes: u64,
}

impl<W: Write> PcapWriter<W> {
    /// Writes the global header. `nanos` selects the nanosecond variant
    /// (magic `a1b23c4d`); `snaplen` is the largest frame that will be written.
    pub fn new(mut out: W, linktype: LinkType, snaplen: u32, nanos: bool) -> io::Result<Self> {
        let magic: u32 = if nanos { 0xa1b2_3c4d } else { 0xa1b2_c3d4 };
        let mut hdr = [0u8; 24];
        hdr[0..4].copy_from_slice(&magic.to_le_bytes());
        hdr[4..6].copy_from_slice(&2u16.to_le_bytes());
        hdr[6..8].copy_from_slice(&4u16.to_le_bytes());
        // thiszone and sigfigs stay zero, as every modern writer leaves them.
        hdr[16..20].copy_from_slice(&snaplen.to_le_bytes());
        hdr[20..24].copy_from_slice(&linktype.0.to_le_bytes());
        out.write_all(&hdr)?;
        Ok(PcapWriter {
            out,
            nanos,
            snaplen,
            packets: 0,
            bytes: 24,
        })
    }

    /// Appends one frame; frames longer than the snaplen are cut to it, with
    /// the original length kept in the record header.
    pub fn write(&mut self, ts: Timestamp, frame: &[u8]) -> io::Result<()> {
        self.write_with_len(ts, frame, frame.len() as u32)
    }

    /// Appends one frame whose length on the wire was `wire_len`.
    pub fn write_with_len(&mut self, ts: Timestamp, frame: &[u8], wire_len: u32) -> io::Result<()> {
        let caplen = frame.len().min(self.snaplen as usize);
        let frac = if self.nanos {
            ts.subsec_nanos()
        } else {
            ts.subsec_micros()
        };
        let mut rec = [0u8; 16];
        rec[0..4].copy_from_slice(&(ts.secs() as u32).to_le_bytes());
        rec[4..8].copy_from_slice(&frac.to_le_bytes());
        rec[8..12].copy_from_slice(&(caplen as u32).to_le_bytes());
        rec[12..16].copy_from_slice(&wire_len.max(caplen as u32).to_le_bytes());
        self.out.write_all(&rec)?;
        self.out.write_all(&frame[..caplen])?;
        self.packets += 1;
        self.bytes += 16 + caplen as u64;
        Ok(())
    }

    /// Frames written so far.
    pub fn packets(&self) -> u64 {
        self.packets
    }

    /// Bytes written so far, headers included.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Flushes and returns the inner writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_and_record_layout() {
        let mut w = PcapWriter::new(Vec::new(), LinkType::ETHERNET, 65535, false).unwrap();
        w.write(Timestamp::new(10, 5_000), &[1, 2, 3]).unwrap();
        let buf = w.finish().unwrap();
        assert_eq!(&buf[0..4], &[0xd4, 0xc3, 0xb2, 0xa1]);
        assert_eq!(&buf[20..24], &[1, 0, 0, 0]);
        assert_eq!(&buf[24..28], &10u32.to_le_bytes());
        assert_eq!(&buf[28..32], &5u32.to_le_bytes()); // microseconds
        assert_eq!(&buf[32..36], &3u32.to_le_bytes());
        assert_eq!(&buf[40..43], &[1, 2, 3]);
    }
}
