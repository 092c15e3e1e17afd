//! The one error type of this crate: a source cannot be opened or cannot go on.

use std::io;
use std::path::PathBuf;

/// Why a packet source cannot be opened or cannot continue. Damage inside a
/// readable file is not an error but a [`crate::CaptureWarning`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CaptureError {
    /// The file or folder cannot be opened or read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or folder at fault.
        path: PathBuf,
        /// What the operating system said.
        source: io::Error,
    },
    /// The file has zero bytes.
    #[error("{}: empty file", path.display())]
    Empty {
        /// The empty file.
        path: PathBuf,
    },
    /// The first four bytes (after gzip decompression) are no capture magic.
    #[error("{}: not a pcap or pcapng file (magic 0x{magic:08x})", path.display())]
    NotCapture {
        /// The file at fault.
        path: PathBuf,
        /// The first four bytes, read little-endian (short files are zero-padded).
        magic: u32,
    },
    /// The file ends inside its file header (pcap global header or first
    /// pcapng section header block).
    #[error("{}: truncated file header ({have} of {need} bytes)", path.display())]
    TruncatedHeader {
        /// The file at fault.
        path: PathBuf,
        /// Bytes present.
        have: u64,
        /// Bytes the header needs.
        need: u64,
    },
    /// The file header is present but unusable (bad byte-order mark, block
    /// length, gzip stream).
    #[error("{}: bad file header: {reason}", path.display())]
    BadHeader {
        /// The file at fault.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// Nothing to read: no paths given, or a folder without any file.
    #[error("{}: no capture files found", path.display())]
    NoFiles {
        /// The folder (or empty path when no path was given).
        path: PathBuf,
    },
    /// Live capture failed on an interface (open, filter, or read).
    #[error("{iface}: {reason}")]
    Live {
        /// The interface name.
        iface: String,
        /// What libpcap said, with what we were doing.
        reason: String,
    },
}

impl CaptureError {
    /// True when the file was readable but is not a usable capture; inside a
    /// folder such files are skipped with a warning instead of failing.
    pub fn is_format_error(&self) -> bool {
        matches!(
            self,
            CaptureError::Empty { .. }
                | CaptureError::NotCapture { .. }
                | CaptureError::TruncatedHeader { .. }
                | CaptureError::BadHeader { .. }
        )
    }
}
