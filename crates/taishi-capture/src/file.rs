//! Capture files and folders as one [`PacketSource`], merged by time.
//!
//! Several files are merged k-way by the timestamp of each file's next frame
//! (ties go to the file named first). Files are only kept open while they can
//! supply the next frame: every file's first timestamp is learnt when it is
//! validated, and a file is (re)opened when the merge reaches that time. A
//! folder of rotated captures, whose time ranges do not overlap, therefore
//! holds one or two files open, not thousands of descriptors and buffers.

use std::fs::{self, File};
use std::io::{BufReader, Cursor, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use flate2::read::MultiGzDecoder;
use taishi_core::Timestamp;

use crate::error::CaptureError;
use crate::format::{Format, Frame, Step};
use crate::input::{CHUNK, Counting, Input};
use crate::{CaptureWarning, PacketSource, RawPacket, SourceStats};

/// Readers kept open from validation instead of being reopened later. Keeps
/// a pipe or a single file working without a second open, while bounding
/// descriptors and buffers for big folders.
const KEEP_OPEN: usize = 16;

/// The gzip magic; compression is detected by content, not by file name.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Compressed bytes buffered in front of the gzip decoder.
const GZIP_READ: usize = 64 * 1024;

/// One open capture file and its framing state.
struct FileReader {
    path: PathBuf,
    input: Input,
    format: Format,
    done: bool,
}

impl FileReader {
    fn open(path: &Path) -> Result<FileReader, CaptureError> {
        let io_err = |source| CaptureError::Io {
            path: path.to_path_buf(),
            source,
        };
        let mut f = File::open(path).map_err(io_err)?;
        // Read the first two bytes and chain them back in front instead of
        // seeking, so that pipes work too.
        let mut head = [0u8; 2];
        let mut n = 0;
        while n < 2 {
            match f.read(&mut head[n..]) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(io_err(e)),
            }
        }
        let raw = Arc::new(AtomicU64::new(n as u64));
        let counted = Cursor::new(head[..n].to_vec()).chain(Counting::new(f, raw.clone()));
        let src: Box<dyn Read + Send> = if head[..n] == GZIP_MAGIC {
            Box::new(MultiGzDecoder::new(BufReader::with_capacity(
                GZIP_READ, counted,
            )))
        } else {
            Box::new(counted)
        };
        Self::new(path.to_path_buf(), Input::from_reader(src, raw, CHUNK))
    }

    /// Memory is read through the same chunk buffer as a file, not framed
    /// in place: walking record headers across a big buffer is a chain of
    /// dependent cache misses (benches/read.rs: 14 ms in place against 10 ms
    /// copied, for 100k frames), while copying a chunk at a time streams at
    /// memory bandwidth and leaves the headers in cache.
    fn from_bytes(name: &str, data: Vec<u8>) -> Result<FileReader, CaptureError> {
        let capacity = data.len().min(CHUNK);
        let raw = Arc::new(AtomicU64::new(0));
        let gz = data.starts_with(&GZIP_MAGIC);
        let src = Counting::new(Cursor::new(data), raw.clone());
        let input = if gz {
            Input::from_reader(Box::new(MultiGzDecoder::new(src)), raw, CHUNK)
        } else {
            Input::from_reader(Box::new(src), raw, capacity)
        };
        Self::new(PathBuf::from(name), input)
    }

    fn new(path: PathBuf, mut input: Input) -> Result<FileReader, CaptureError> {
        let format = Format::open(&mut input, &path)?;
        Ok(FileReader {
            path,
            input,
            format,
            done: false,
        })
    }

    /// The next frame; damage and notes go to `warnings`.
    #[inline]
    fn next(&mut self, warnings: &mut Vec<CaptureWarning>) -> Option<Frame> {
        if self.done {
            return None;
        }
        loop {
            match self.format.next(&mut self.input) {
                Step::Frame(f) => return Some(f),
                Step::End => {}
                Step::Damage { offset, reason } => warnings.push(CaptureWarning {
                    path: self.path.clone(),
                    offset,
                    reason,
                }),
                Step::Note { offset, reason } => {
                    warnings.push(CaptureWarning {
                        path: self.path.clone(),
                        offset,
                        reason,
                    });
                    continue;
                }
            }
            self.done = true;
            return None;
        }
    }

    #[inline]
    fn data(&self, f: &Frame) -> &[u8] {
        self.input.slice(f.at, f.len)
    }
}

/// A file in the merge, open with its next frame ready.
struct Active {
    reader: FileReader,
    frame: Frame,
    order: usize,
    size: u64,
}

/// A validated file not open yet, with the time of its first frame.
struct Waiting {
    path: PathBuf,
    first_ts: Timestamp,
    order: usize,
    size: u64,
}

/// Capture files (pcap, pcapng, either gzip-compressed) read as one source,
/// merged by timestamp. Made by [`open_files`] or [`from_bytes`].
pub struct FileSource {
    open: Vec<Active>,
    /// Sorted by `(first_ts, order)`, soonest first.
    waiting: Vec<Waiting>,
    /// Index in `open` of the frame handed out last; advanced on the next call
    /// (not before, since the caller borrows its bytes until then).
    last: Option<usize>,
    warnings: Vec<CaptureWarning>,
    /// Sizes of the files finished or skipped.
    done_bytes: u64,
    /// Sum of the file sizes; `None` when a pipe or device is read.
    total: Option<u64>,
    received: u64,
}

/// Strips the leading "PATH: " from an error message, for warnings that
/// carry the path separately.
fn reason_of(e: &CaptureError, path: &Path) -> String {
    let msg = e.to_string();
    let prefix = format!("{}: ", path.display());
    msg.strip_prefix(&prefix).map(str::to_string).unwrap_or(msg)
}

/// Collects the regular files under `dir`, recursively.
fn walk(
    dir: &Path,
    out: &mut Vec<(PathBuf, u64)>,
    warnings: &mut Vec<CaptureWarning>,
) -> Result<(), CaptureError> {
    let io_err = |source| CaptureError::Io {
        path: dir.to_path_buf(),
        source,
    };
    for entry in fs::read_dir(dir).map_err(io_err)? {
        let entry = entry.map_err(io_err)?;
        let path = entry.path();
        let ft = entry.file_type().map_err(|source| CaptureError::Io {
            path: path.clone(),
            source,
        })?;
        if ft.is_dir() {
            walk(&path, out, warnings)?;
        } else if ft.is_file() {
            let md = entry.metadata().map_err(|source| CaptureError::Io {
                path: path.clone(),
                source,
            })?;
            out.push((path, md.len()));
        } else if ft.is_symlink() {
            // Links to files are followed; links to folders are not, since
            // they can form loops.
            match fs::metadata(&path) {
                Ok(md) if md.is_file() => out.push((path, md.len())),
                Ok(md) if md.is_dir() => warnings.push(CaptureWarning {
                    path,
                    offset: 0,
                    reason: "symbolic link to a folder not followed".into(),
                }),
                _ => warnings.push(CaptureWarning {
                    path,
                    offset: 0,
                    reason: "skipped: not a regular file".into(),
                }),
            }
        } else {
            warnings.push(CaptureWarning {
                path,
                offset: 0,
                reason: "skipped: not a regular file".into(),
            });
        }
    }
    Ok(())
}

/// Opens files and folders (recursively, files sorted by name) as one source.
///
/// Validates every file up front (exists, readable, recognised magic, after
/// gzip if compressed) and returns `Err` naming the first bad file; inside a
/// folder, files that are not captures are skipped with a warning instead.
/// With several files, frames are delivered in timestamp order across files
/// (k-way merge by the next frame's timestamp; within a file, file order).
pub fn open_files(paths: &[PathBuf]) -> Result<FileSource, CaptureError> {
    if paths.is_empty() {
        return Err(CaptureError::NoFiles {
            path: PathBuf::new(),
        });
    }
    let mut warnings = Vec::new();
    // (path, size, found inside a folder)
    let mut files: Vec<(PathBuf, u64, bool)> = Vec::new();
    let mut sizes_known = true;
    for p in paths {
        let md = fs::metadata(p).map_err(|source| CaptureError::Io {
            path: p.clone(),
            source,
        })?;
        if md.is_dir() {
            let mut found = Vec::new();
            walk(p, &mut found, &mut warnings)?;
            if found.is_empty() {
                return Err(CaptureError::NoFiles { path: p.clone() });
            }
            found.sort();
            files.extend(found.into_iter().map(|(f, size)| (f, size, true)));
        } else {
            sizes_known &= md.is_file();
            files.push((p.clone(), md.len(), false));
        }
    }
    let mut src = FileSource {
        open: Vec::new(),
        waiting: Vec::new(),
        last: None,
        warnings,
        done_bytes: 0,
        total: sizes_known.then(|| files.iter().map(|f| f.1).sum()),
        received: 0,
    };
    for (order, (path, size, in_folder)) in files.into_iter().enumerate() {
        let mut reader = match FileReader::open(&path) {
            Ok(r) => r,
            Err(e) if in_folder && e.is_format_error() => {
                let reason = format!("skipped: {}", reason_of(&e, &path));
                src.warnings.push(CaptureWarning {
                    path,
                    offset: 0,
                    reason,
                });
                src.done_bytes += size;
                continue;
            }
            Err(e) => return Err(e),
        };
        let mut notes = Vec::new();
        match reader.next(&mut notes) {
            None => {
                // Nothing to merge: its warnings are final now.
                src.warnings.append(&mut notes);
                src.done_bytes += size;
            }
            Some(frame) if src.open.len() < KEEP_OPEN => {
                src.warnings.append(&mut notes);
                src.open.push(Active {
                    reader,
                    frame,
                    order,
                    size,
                });
            }
            // Dropped and reopened when the merge reaches it; the notes
            // will be found again then.
            Some(frame) => src.waiting.push(Waiting {
                path,
                first_ts: frame.ts,
                order,
                size,
            }),
        }
    }
    src.waiting
        .sort_by_key(|w| std::cmp::Reverse((w.first_ts, w.order)));
    Ok(src)
}

/// Reads one capture from bytes in memory (used by fuzz targets and
/// malformed-input tests); same semantics as [`open_files`] with one file.
/// `name` stands for the path in errors and warnings.
pub fn from_bytes(name: &str, data: Vec<u8>) -> Result<FileSource, CaptureError> {
    let total = data.len() as u64;
    let mut reader = FileReader::from_bytes(name, data)?;
    let mut src = FileSource {
        open: Vec::new(),
        waiting: Vec::new(),
        last: None,
        warnings: Vec::new(),
        done_bytes: 0,
        total: Some(total),
        received: 0,
    };
    match reader.next(&mut src.warnings) {
        Some(frame) => src.open.push(Active {
            reader,
            frame,
            order: 0,
            size: total,
        }),
        None => src.done_bytes = total,
    }
    Ok(src)
}

impl FileSource {
    /// Index in `open` of the frame that comes next, opening waiting files
    /// whose first frame comes before it.
    fn pick(&mut self) -> Option<usize> {
        loop {
            let best = self
                .open
                .iter()
                .enumerate()
                .min_by_key(|(_, a)| (a.frame.ts, a.order))
                .map(|(i, a)| (i, (a.frame.ts, a.order)));
            // `waiting` is sorted latest first, so the soonest is at the end.
            let Some(w) = self.waiting.last() else {
                return best.map(|b| b.0);
            };
            if let Some((i, key)) = best
                && key < (w.first_ts, w.order)
            {
                return Some(i);
            }
            let Some(w) = self.waiting.pop() else {
                return best.map(|b| b.0);
            };
            match FileReader::open(&w.path) {
                Ok(mut reader) => match reader.next(&mut self.warnings) {
                    Some(frame) => self.open.push(Active {
                        reader,
                        frame,
                        order: w.order,
                        size: w.size,
                    }),
                    None => self.done_bytes += w.size,
                },
                Err(e) => {
                    // It was valid when we started; a file that changed under
                    // us is damage, not a reason to stop the whole run.
                    let reason = format!("could not reopen: {}", reason_of(&e, &w.path));
                    self.warnings.push(CaptureWarning {
                        path: w.path,
                        offset: 0,
                        reason,
                    });
                    self.done_bytes += w.size;
                }
            }
        }
    }
}

impl PacketSource for FileSource {
    #[inline]
    fn next_packet(&mut self) -> Result<Option<RawPacket<'_>>, CaptureError> {
        if let Some(i) = self.last.take()
            && let Some(a) = self.open.get_mut(i)
        {
            match a.reader.next(&mut self.warnings) {
                Some(f) => a.frame = f,
                None => {
                    self.done_bytes += a.size;
                    self.open.swap_remove(i);
                }
            }
        }
        let i = if self.open.len() == 1 && self.waiting.is_empty() {
            0
        } else {
            match self.pick() {
                Some(i) => i,
                None => return Ok(None),
            }
        };
        let Some(a) = self.open.get(i) else {
            return Ok(None);
        };
        self.last = Some(i);
        self.received += 1;
        Ok(Some(RawPacket {
            ts: a.frame.ts,
            linktype: a.frame.linktype,
            data: a.reader.data(&a.frame),
            wire_len: a.frame.wire_len,
            iface: a.frame.iface,
        }))
    }

    fn take_warnings(&mut self) -> Vec<CaptureWarning> {
        std::mem::take(&mut self.warnings)
    }

    fn bytes_read(&self) -> u64 {
        self.done_bytes
            + self
                .open
                .iter()
                .map(|a| a.reader.input.raw_bytes())
                .sum::<u64>()
    }

    fn total_bytes(&self) -> Option<u64> {
        self.total
    }

    fn stats(&self) -> SourceStats {
        SourceStats {
            received: self.received,
            ..SourceStats::default()
        }
    }
}
