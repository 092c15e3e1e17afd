//! Byte-range reassembly, as Suricata's `app-layer-htp-range.c`: the 206
//! responses to range requests for one resource are each logged as their
//! own file (with `start`/`end`), and also build the whole file, logged
//! once its last missing byte arrives. A download manager or a video
//! player fetching a file in pieces then still yields the file's size and
//! digest, which is what intelligence and sandboxes key on.
//!
//! A resource is keyed by host and file name, as Suricata keys it. Ranges
//! arriving in order are appended as they come; one arriving early is kept
//! aside (bounded by [`RANGE_BUFFER_LIMIT`]) until the bytes before it
//! arrive; bytes already had are skipped. Suricata keeps its containers in
//! one table for all flows; ours live with the flow's HTTP state, so the
//! pieces of one file fetched over several connections are not joined
//! (each piece is still logged).

use std::collections::BTreeMap;

use super::body::{FileDone, FileHashes, FileTrack};
use super::parser::ContentRange;

/// Resources being reassembled per flow. A client fetches one or two files
/// in pieces at a time; a flow asking for more is not a download manager,
/// and its further resources get only their per-piece files.
pub const RANGE_FILES_LIMIT: usize = 4;

/// Bytes of early ranges kept aside per flow. Suricata's
/// `byterange.memcap` is 100 MiB for all flows; 4 MiB per flow holds the
/// few pieces a client requests ahead of the one it is receiving.
pub const RANGE_BUFFER_LIMIT: usize = 4 * 1024 * 1024;

/// One resource being put together.
struct Container {
    /// Host then file name.
    key: Vec<u8>,
    /// Complete length, from Content-Range.
    total: u64,
    /// The whole file so far: bytes from offset 0 on, in order.
    file: FileTrack,
    /// A range is being appended right now.
    appending: bool,
    /// Ranges that came early, by start offset.
    early: BTreeMap<u64, Vec<u8>>,
}

/// What a response's range does with its bytes.
#[derive(Debug)]
enum Mode {
    /// They continue the whole file.
    Append,
    /// The first `n` are had already (the rest continue the file when
    /// `then_append`).
    Skip { n: u64, then_append: bool },
    /// They come early: kept aside from offset `start`, up to `len`.
    Early {
        start: u64,
        data: Vec<u8>,
        len: usize,
    },
}

/// The link between one 206 response and its resource's container.
#[derive(Debug)]
pub struct Block {
    key: Vec<u8>,
    mode: Mode,
}

/// The containers of one flow.
#[derive(Default)]
pub struct Ranges {
    containers: Vec<Container>,
    /// Bytes held in `early` pieces and open `Early` blocks.
    buffered: usize,
}

/// Whether a response's Content-Range is one Suricata reassembles: a
/// known complete length, and a part of it that is not the whole
/// (`HTPParseAndCheckContentRange`).
pub fn reassembles(r: &ContentRange) -> bool {
    r.end > 0
        && r.size > 0
        && !(r.start == 0 && r.end == r.size - 1)
        && r.start <= r.end
        && r.end < r.size
}

impl Ranges {
    /// A response carrying range `r` of the resource `key` (host and file
    /// name) begins; `None` when it takes no part in reassembly.
    pub fn open(
        &mut self,
        key: Vec<u8>,
        r: &ContentRange,
        name: &[u8],
        hashes: FileHashes,
    ) -> Option<Block> {
        if !reassembles(r) {
            return None;
        }
        let (start, end, total) = (r.start as u64, r.end as u64, r.size as u64);
        let i = match self.containers.iter().position(|c| c.key == key) {
            Some(i) => i,
            None if self.containers.len() < RANGE_FILES_LIMIT => {
                self.containers.push(Container {
                    key: key.clone(),
                    total,
                    file: FileTrack::new(name.to_vec(), None, hashes),
                    appending: false,
                    early: BTreeMap::new(),
                });
                self.containers.len() - 1
            }
            None => return None,
        };
        let c = self.containers.get_mut(i)?;
        c.total = c.total.max(total);
        let len = end - start + 1;
        let have = c.file.size;
        let mode = if start == have && !c.appending {
            c.appending = true;
            Mode::Append
        } else if start < have && have - start >= len {
            Mode::Skip {
                n: len,
                then_append: false,
            }
        } else if start < have && !c.appending {
            c.appending = true;
            Mode::Skip {
                n: have - start,
                then_append: true,
            }
        } else {
            let len = usize::try_from(len).unwrap_or(usize::MAX);
            if self.buffered.saturating_add(len) > RANGE_BUFFER_LIMIT {
                // No room to keep it aside: this piece is not joined.
                return None;
            }
            self.buffered += len;
            Mode::Early {
                start,
                data: Vec::new(),
                len,
            }
        };
        Some(Block { key, mode })
    }

    /// Decoded body bytes of the response `b` belongs to.
    pub fn update(&mut self, b: &mut Block, mut data: &[u8]) {
        match &mut b.mode {
            Mode::Early {
                data: kept, len, ..
            } => {
                let room = len.saturating_sub(kept.len());
                kept.extend_from_slice(data.get(..room.min(data.len())).unwrap_or_default());
                return;
            }
            Mode::Skip { n, then_append } => {
                let skip = usize::try_from(*n).unwrap_or(usize::MAX).min(data.len());
                *n -= skip as u64;
                data = data.get(skip..).unwrap_or_default();
                if *n > 0 || data.is_empty() {
                    return;
                }
                if !*then_append {
                    return;
                }
                b.mode = Mode::Append;
            }
            Mode::Append => {}
        }
        if let Some(c) = self.containers.iter_mut().find(|c| c.key == b.key) {
            c.file.update(data);
        }
    }

    /// `len` bytes of the response were lost: the whole file has a gap
    /// where they were (an early piece with a hole is given up).
    pub fn lose(&mut self, b: &mut Block, len: u64) {
        let gap = match &mut b.mode {
            Mode::Append => len,
            Mode::Skip { n, then_append } => {
                let skipped = (*n).min(len);
                *n -= skipped;
                if !*then_append || *n > 0 {
                    return;
                }
                b.mode = Mode::Append;
                len - skipped
            }
            Mode::Early { len: cap, .. } => {
                self.buffered = self.buffered.saturating_sub(*cap);
                b.mode = Mode::Skip {
                    n: u64::MAX,
                    then_append: false,
                };
                return;
            }
        };
        if let Some(c) = self.containers.iter_mut().find(|c| c.key == b.key) {
            c.file.gaps = true;
            c.file.size += gap;
        }
    }

    /// The response ended: an early piece is kept aside, an appended one
    /// pulls in the pieces that now follow on. Returns the whole file when
    /// this completed it (`ContainerUrlRangeClose`).
    pub fn close(&mut self, b: Block) -> Option<FileDone> {
        let i = self.containers.iter().position(|c| c.key == b.key)?;
        let c = self.containers.get_mut(i)?;
        match b.mode {
            Mode::Early { start, data, len } => {
                self.buffered = self.buffered.saturating_sub(len);
                if c.file.size < start + data.len() as u64 {
                    self.buffered += data.len();
                    if let Some(old) = c.early.insert(start, data) {
                        self.buffered = self.buffered.saturating_sub(old.len());
                    }
                }
                return None;
            }
            Mode::Skip {
                then_append: false, ..
            } => return None,
            Mode::Skip { .. } | Mode::Append => {}
        }
        c.appending = false;
        while let Some(entry) = c.early.first_entry() {
            let start = *entry.key();
            if c.file.size < start {
                break;
            }
            let piece = entry.remove();
            self.buffered = self.buffered.saturating_sub(piece.len());
            let had = usize::try_from(c.file.size - start).unwrap_or(usize::MAX);
            if let Some(new) = piece.get(had..) {
                c.file.update(new);
            }
        }
        if c.file.size < c.total {
            return None;
        }
        let c = self.containers.swap_remove(i);
        for piece in c.early.values() {
            self.buffered = self.buffered.saturating_sub(piece.len());
        }
        Some(c.file.finish(true))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cr(start: i64, end: i64, size: i64) -> ContentRange {
        ContentRange { start, end, size }
    }

    /// Feeds `(start, bytes)` pieces of a `total`-byte file, each as one
    /// response, and returns the sizes of the whole files completed.
    fn run(total: i64, pieces: &[(i64, &[u8])]) -> Vec<u64> {
        let mut r = Ranges::default();
        let mut done = Vec::new();
        for (start, bytes) in pieces {
            let range = cr(*start, start + bytes.len() as i64 - 1, total);
            let Some(mut b) = r.open(b"host/f".to_vec(), &range, b"/f", FileHashes::SHA256) else {
                continue;
            };
            r.update(&mut b, bytes);
            done.extend(r.close(b).map(|f| f.size));
        }
        done
    }

    #[test]
    fn only_partial_ranges_of_a_known_length_are_joined() {
        assert!(reassembles(&cr(0, 9, 20)));
        assert!(reassembles(&cr(10, 19, 20)));
        assert!(!reassembles(&cr(0, 19, 20))); // the whole file
        assert!(!reassembles(&cr(0, 9, -1))); // length unknown
        assert!(!reassembles(&cr(-1, -1, 20))); // unsatisfied
        assert!(!reassembles(&cr(9, 5, 20))); // backwards
        assert!(!reassembles(&cr(10, 20, 20))); // past the end
    }

    #[test]
    fn in_order_pieces_make_the_whole_file_once() {
        assert_eq!(run(9, &[(0, b"abc"), (3, b"def"), (6, b"ghi")]), vec![9]);
        assert_eq!(run(9, &[(0, b"abc"), (3, b"def")]), Vec::<u64>::new());
    }

    #[test]
    fn early_and_overlapping_pieces_are_placed() {
        // The last piece first, then an overlap, then a repeat.
        assert_eq!(
            run(9, &[(6, b"ghi"), (0, b"abcd"), (2, b"cdef"), (0, b"ab")]),
            vec![9]
        );
    }

    #[test]
    fn the_whole_file_has_the_digest_of_its_bytes() {
        let mut r = Ranges::default();
        let mut files = Vec::new();
        for (s, e, bytes) in [(3, 5, &b"def"[..]), (0, 2, b"abc")] {
            let mut b = r
                .open(b"k".to_vec(), &cr(s, e, 6), b"/f", FileHashes::SHA256)
                .unwrap();
            r.update(&mut b, bytes);
            files.extend(r.close(b));
        }
        assert_eq!(files.len(), 1);
        let mut whole = FileTrack::new(b"/f".to_vec(), None, FileHashes::SHA256);
        whole.update(b"abcdef");
        assert_eq!(files[0].digests, whole.finish(true).digests);
        assert!(files[0].closed);
        assert_eq!(r.buffered, 0);
    }

    #[test]
    fn early_pieces_are_bounded() {
        let mut r = Ranges::default();
        let big = RANGE_BUFFER_LIMIT as i64;
        assert!(
            r.open(
                b"k0".to_vec(),
                &cr(10, 10 + big, 4 * big),
                b"/f",
                FileHashes::NONE
            )
            .is_none()
        );
        for i in 0..RANGE_FILES_LIMIT {
            let key = format!("k{i}").into_bytes();
            assert!(r.open(key, &cr(0, 1, 4), b"/f", FileHashes::NONE).is_some());
        }
        assert!(
            r.open(b"one more".to_vec(), &cr(0, 1, 4), b"/f", FileHashes::NONE)
                .is_none()
        );
    }
}
