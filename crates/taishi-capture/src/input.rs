//! A byte stream read in big chunks into one reusable buffer.
//!
//! The framers ask for "at least N bytes from here" ([`Input::ensure`]) and
//! get slices of the buffer; nothing is allocated per record. Reading 1 MiB at
//! a time keeps system calls (and gzip's per-call overhead) out of the per-packet
//! cost; a record that straddles two chunks is handled by moving the unread
//! tail to the front of the buffer before the next read.

use std::io::{self, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Size of one read. Large enough that a syscall is amortised over thousands
/// of records, small enough that many open files in a merge stay cheap
/// (the pages of an untouched buffer are never faulted in).
pub(crate) const CHUNK: usize = 1 << 20;

/// Counts the bytes pulled from the underlying file, so that progress for a
/// gzip file is in compressed bytes, matching the file size.
pub(crate) struct Counting<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R> Counting<R> {
    pub(crate) fn new(inner: R, count: Arc<AtomicU64>) -> Self {
        Counting { inner, count }
    }
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// A buffered stream position: `buf[start..end]` is read but not consumed,
/// and `buf[start]` is byte `offset` of the (decompressed) stream.
pub(crate) struct Input {
    src: Option<Box<dyn Read + Send>>,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    offset: u64,
    raw: Arc<AtomicU64>,
    /// Bytes to ask for in the next read: starts small and doubles up to
    /// [`CHUNK`], so that probing the first record of many files (a folder
    /// merge validates every file up front) does not read a chunk of each.
    read_size: usize,
}

/// First read size; see [`Input::read_size`].
const FIRST_READ: usize = 64 * 1024;

impl Input {
    /// A stream read from `src` through a buffer of `capacity` bytes (it
    /// grows if one record needs more); `raw` counts the bytes taken from the file.
    pub(crate) fn from_reader(
        src: Box<dyn Read + Send>,
        raw: Arc<AtomicU64>,
        capacity: usize,
    ) -> Self {
        Input {
            src: Some(src),
            buf: vec![0; capacity.max(64)],
            start: 0,
            end: 0,
            offset: 0,
            raw,
            read_size: FIRST_READ,
        }
    }

    /// Bytes taken from the underlying file so far.
    pub(crate) fn raw_bytes(&self) -> u64 {
        self.raw.load(Ordering::Relaxed)
    }

    /// Stream offset of the first unconsumed byte.
    #[inline]
    pub(crate) fn offset(&self) -> u64 {
        self.offset
    }

    /// Unconsumed bytes in the buffer.
    #[inline]
    pub(crate) fn available(&self) -> usize {
        self.end - self.start
    }

    /// The unconsumed bytes.
    #[inline]
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    /// Index in the buffer of the first unconsumed byte, for frames that
    /// must outlive [`Input::consume`] (until the next `ensure`).
    #[inline]
    pub(crate) fn pos(&self) -> usize {
        self.start
    }

    /// Bytes of the buffer at an index from [`Input::pos`]; empty if out of range.
    #[inline]
    pub(crate) fn slice(&self, at: usize, len: usize) -> &[u8] {
        self.buf.get(at..at.saturating_add(len)).unwrap_or(&[])
    }

    /// Marks `n` bytes (at most what is available) as consumed.
    #[inline]
    pub(crate) fn consume(&mut self, n: usize) {
        let n = n.min(self.available());
        self.start += n;
        self.offset += n as u64;
    }

    /// Makes at least `n` bytes available; `Ok(false)` when the stream ends
    /// first (what there is stays available). Invalidates earlier positions.
    #[inline]
    pub(crate) fn ensure(&mut self, n: usize) -> io::Result<bool> {
        if self.available() >= n {
            return Ok(true);
        }
        self.fill(n)
    }

    #[cold]
    fn fill(&mut self, n: usize) -> io::Result<bool> {
        let Some(src) = self.src.as_mut() else {
            return Ok(false);
        };
        if self.start + n > self.buf.len() {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
            if n > self.buf.len() {
                // Callers bound `n` (one record or block), so growth is bounded.
                self.buf.resize(n, 0);
            }
        }
        let target = (self.start + n).max((self.end + self.read_size).min(self.buf.len()));
        self.read_size = (self.read_size * 2).min(CHUNK);
        while self.end - self.start < n {
            match src.read(&mut self.buf[self.end..target]) {
                Ok(0) => {
                    self.src = None;
                    return Ok(false);
                }
                Ok(k) => self.end += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    // A stream that failed once is not read again.
                    self.src = None;
                    return Err(e);
                }
            }
        }
        Ok(true)
    }

    /// Consumes `n` bytes without keeping them; `Ok(false)` when the stream
    /// ends first. Lets unknown pcapng blocks of any size be skipped.
    pub(crate) fn skip(&mut self, mut n: u64) -> io::Result<bool> {
        loop {
            let here = (self.available() as u64).min(n);
            self.consume(here as usize);
            n -= here;
            if n == 0 {
                return Ok(true);
            }
            let want = (n as usize).clamp(1, CHUNK.min(self.buf.len().max(1)));
            if !self.ensure(want)? && self.available() == 0 {
                return Ok(false);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that hands out at most 3 bytes per call, to force records
    /// across read boundaries.
    struct Dribble(Vec<u8>, usize);
    impl Read for Dribble {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = buf.len().min(3).min(self.0.len() - self.1);
            buf[..n].copy_from_slice(&self.0[self.1..self.1 + n]);
            self.1 += n;
            Ok(n)
        }
    }

    #[test]
    fn ensure_consume_skip_across_reads() {
        let data: Vec<u8> = (0..=255).collect();
        let mut inp =
            Input::from_reader(Box::new(Dribble(data, 0)), Arc::new(AtomicU64::new(0)), 64);
        assert!(inp.ensure(10).unwrap());
        assert_eq!(&inp.bytes()[..3], &[0, 1, 2]);
        inp.consume(5);
        assert_eq!(inp.offset(), 5);
        assert!(inp.skip(100).unwrap());
        assert!(inp.ensure(1).unwrap());
        assert_eq!(inp.bytes()[0], 105);
        assert!(!inp.skip(1000).unwrap());
        assert_eq!(inp.offset(), 256);
        assert!(!inp.ensure(1).unwrap());
    }
}
