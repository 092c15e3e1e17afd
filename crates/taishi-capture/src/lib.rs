//! Packet sources for Taishi: capture files, folders and live interfaces,
//! and a pcap writer.
//!
//! Everything upstream of the decoder reads frames through one trait,
//! [`PacketSource`]. Its implementations are [`FileSource`] (pcap and pcapng
//! files, plain or gzip-compressed, alone or as a folder merged by time; see
//! [`open_files`] and [`from_bytes`]) and, with the `live` feature,
//! [`LiveSource`] (libpcap).
//!
//! # Trade-offs
//!
//! The file readers frame records by hand instead of through `pcap-parser`:
//! the hot loop is "read a 16-byte header, hand out a slice of a 1 MiB
//! buffer", and owning it lets us report the exact byte offset of any damage
//! and never allocate per packet. A frame borrows the reader's buffer until
//! the next call, which is what lets the pipeline run zero-copy.
//!
//! Damage inside a file is data, not an error: every complete frame before it
//! is delivered, a [`CaptureWarning`] names the file and byte offset, and
//! reading goes on with the next file. [`CaptureError`] means the source
//! cannot be opened or cannot continue at all.

mod error;
mod file;
mod format;
mod input;
#[cfg(feature = "live")]
mod live;
pub mod writer;

use std::fmt;
use std::path::PathBuf;

use taishi_core::{LinkType, Timestamp};

pub use error::CaptureError;
pub use file::{FileSource, from_bytes, open_files};
#[cfg(feature = "live")]
pub use live::LiveSource;
pub use writer::PcapWriter;

/// One frame as read from a source; borrows the source's buffer until the
/// next call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawPacket<'a> {
    /// Capture time, converted to nanoseconds whatever the file's resolution.
    pub ts: Timestamp,
    /// Link-layer type of the interface the frame was captured on.
    pub linktype: LinkType,
    /// The captured bytes (at most [`taishi_core::limits::MAX_FRAME_LEN`]).
    pub data: &'a [u8],
    /// Length of the frame on the wire, which is more than `data.len()` when
    /// the capture was cut to a snaplen.
    pub wire_len: u32,
    /// Interface index within the pcapng section (always 0 for classic pcap
    /// and live capture).
    pub iface: u32,
}

/// Something that yields frames: files, folders, live interfaces.
pub trait PacketSource: Send {
    /// Next frame; `Ok(None)` at the end. Damage inside a file (truncated
    /// record, corrupt block) is NOT an `Err`: every frame before the damage is
    /// yielded, a [`CaptureWarning`] naming the file and byte offset is
    /// recorded, and reading goes on with the next file. `Err` is reserved for
    /// "cannot continue at all" (e.g. live interface failure).
    fn next_packet(&mut self) -> Result<Option<RawPacket<'_>>, CaptureError>;
    /// Warnings recorded since the last call (file, byte offset, reason).
    fn take_warnings(&mut self) -> Vec<CaptureWarning>;
    /// Bytes consumed so far (compressed bytes for .gz), for progress bars.
    fn bytes_read(&self) -> u64;
    /// Total bytes to read when known (sum of file sizes), for progress bars.
    fn total_bytes(&self) -> Option<u64>;
    /// Receive/drop counters (live sources fill kernel drops; files report
    /// received only).
    fn stats(&self) -> SourceStats;
}

/// Receive and drop counters of a source.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SourceStats {
    /// Frames delivered (files) or seen by the kernel filter (live: pcap's `ps_recv`).
    pub received: u64,
    /// Frames the kernel dropped for lack of buffer space (pcap's `ps_drop`).
    pub kernel_dropped: u64,
    /// Frames the interface or its driver dropped (pcap's `ps_ifdrop`).
    pub if_dropped: u64,
}

/// Damage found while reading a capture: which file, where, and what.
///
/// For gzip-compressed files the offset counts decompressed bytes, since
/// that is where the record framing lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaptureWarning {
    /// The file that holds the damage.
    pub path: PathBuf,
    /// Byte offset of the damaged record or block from the start of the file.
    pub offset: u64,
    /// What is wrong, in a few words.
    pub reason: String,
}

impl fmt::Display for CaptureWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: at byte {}: {}",
            self.path.display(),
            self.offset,
            self.reason
        )
    }
}
