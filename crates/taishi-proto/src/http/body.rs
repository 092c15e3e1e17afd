//! Message bodies: content-coding decompression with a bomb guard, the
//! files Suricata tracks per body (size, hashes, state), and SWF
//! decompression of `file.data`.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use brotli_decompressor::DecompressorWriter;
use flate2::write::{DeflateDecoder, GzDecoder, ZlibDecoder};
use lzma_rs::decompress::{Options as LzmaOptions, Stream as LzmaStream, UnpackedSize};
use md5::{Digest, Md5};
use sha1::Sha1;
use sha2::Sha256;

use super::BOMB_RATIO;
use super::parser::ContentRange;

/// A content coding we decode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Coding {
    /// `gzip`, `x-gzip`.
    Gzip,
    /// `deflate`, `x-deflate`: zlib-wrapped or raw, as servers send both.
    Deflate,
    /// `br`: brotli (RFC 7932), what browsers ask for first over HTTPS.
    Brotli,
    /// `lzma`: libhtp's format, the `.lzma` file layout (5 property bytes,
    /// an 8-byte size, the stream), with the window bounded by
    /// `lzma-memlimit` (bytes). As in libhtp the window grows with the
    /// output, so a stream that announces a large dictionary but uses
    /// little of it decodes.
    Lzma(u32),
}

impl Coding {
    /// The coding a Content-Encoding token names; `Ok(None)` for
    /// `identity`, `Err` for codings we cannot decode. `lzma` is one only
    /// with a memory limit (`lzma-enabled`), as in libhtp.
    pub fn from_token(t: &[u8], lzma: Option<u32>) -> Result<Option<Coding>, ()> {
        let t = t.trim_ascii();
        if t.eq_ignore_ascii_case(b"gzip") || t.eq_ignore_ascii_case(b"x-gzip") {
            Ok(Some(Coding::Gzip))
        } else if t.eq_ignore_ascii_case(b"deflate") || t.eq_ignore_ascii_case(b"x-deflate") {
            Ok(Some(Coding::Deflate))
        } else if t.eq_ignore_ascii_case(b"br") {
            Ok(Some(Coding::Brotli))
        } else if let (true, Some(limit)) = (t.eq_ignore_ascii_case(b"lzma"), lzma) {
            Ok(Some(Coding::Lzma(limit)))
        } else if t.eq_ignore_ascii_case(b"identity") || t.is_empty() {
            Ok(None)
        } else {
            Err(())
        }
    }
}

enum Layer {
    /// Deflate before its first bytes told zlib from raw.
    Pending,
    Gzip(GzDecoder<Vec<u8>>),
    Zlib(ZlibDecoder<Vec<u8>>),
    Raw(DeflateDecoder<Vec<u8>>),
    /// Boxed: the decoder state is a few KiB, the other layers a pointer.
    Brotli(Box<DecompressorWriter<Vec<u8>>>),
    /// LZMA keeps its window (and so its output) until the window wraps or
    /// the body ends ([`Layer::finish`]); `None` once finished. The flag
    /// is the sink's bomb mark, kept outside the stream because a failed
    /// stream no longer lends its sink.
    Lzma(Option<Box<LzmaStream<Capped>>>, Arc<AtomicBool>),
}

/// The LZMA decoder's output sink, with libhtp's bomb rule applied as the
/// bytes come: one chunk of LZMA input can expand without bound, so once
/// the output passes `limit` at more than [`BOMB_RATIO`] times the input,
/// the write fails (a bomb) rather than memory growing.
struct Capped {
    buf: Vec<u8>,
    limit: u64,
    in_total: u64,
    out_total: u64,
    over: Arc<AtomicBool>,
}

impl Write for Capped {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.out_total = self.out_total.saturating_add(data.len() as u64);
        if is_bomb(self.out_total, self.in_total, self.limit) {
            self.over.store(true, Ordering::Relaxed);
            return Err(std::io::Error::other(
                "decompressed data past the bomb limit",
            ));
        }
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Output buffer of the brotli decoder: what it writes out per step.
const BROTLI_BUFFER: usize = 4096;

impl Layer {
    /// A decoder for `c`; `bomb_limit` is the decompression bomb limit.
    fn new(c: Coding, bomb_limit: u64) -> Layer {
        match c {
            Coding::Gzip => Layer::Gzip(GzDecoder::new(Vec::new())),
            Coding::Deflate => Layer::Pending,
            Coding::Brotli => {
                Layer::Brotli(Box::new(DecompressorWriter::new(Vec::new(), BROTLI_BUFFER)))
            }
            Coding::Lzma(limit) => {
                let options = LzmaOptions {
                    unpacked_size: UnpackedSize::ReadFromHeader,
                    memlimit: Some(limit as usize),
                    // A body cut short still yields what precedes the cut.
                    allow_incomplete: true,
                };
                let over = Arc::new(AtomicBool::new(false));
                let sink = Capped {
                    buf: Vec::new(),
                    limit: bomb_limit,
                    in_total: 0,
                    out_total: 0,
                    over: Arc::clone(&over),
                };
                let stream = LzmaStream::new_with_options(&options, sink);
                Layer::Lzma(Some(Box::new(stream)), over)
            }
        }
    }

    /// The body ended: decodes what the layer still holds into `out`.
    fn finish(&mut self, out: &mut Vec<u8>) -> Result<(), ()> {
        match self {
            Layer::Lzma(stream, _) => match stream.take().map(|s| s.finish()) {
                Some(Ok(rest)) => {
                    out.extend_from_slice(&rest.buf);
                    Ok(())
                }
                Some(Err(_)) => Err(()),
                None => Ok(()),
            },
            _ => Ok(()),
        }
    }

    /// Whether the layer failed because its output passed its cap.
    fn over(&self) -> bool {
        match self {
            Layer::Lzma(_, over) => over.load(Ordering::Relaxed),
            _ => false,
        }
    }

    /// Decodes `input`, appending to `out`. `Err` on corrupt data.
    fn feed(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<(), ()> {
        if input.is_empty() {
            return Ok(());
        }
        if let Layer::Pending = self {
            // RFC 1950 header: CM 8 and a check value making it a multiple
            // of 31; anything else is the raw deflate IIS and others send.
            let zlib = match input {
                [a, b, ..] => a & 0x0f == 8 && (u16::from(*a) << 8 | u16::from(*b)) % 31 == 0,
                [a] => a & 0x0f == 8,
                [] => false,
            };
            *self = if zlib {
                Layer::Zlib(ZlibDecoder::new(Vec::new()))
            } else {
                Layer::Raw(DeflateDecoder::new(Vec::new()))
            };
        }
        let r = match self {
            Layer::Pending => Ok(()),
            Layer::Gzip(d) => write_some(d, input).map(|_| drain(d.get_mut(), out)),
            Layer::Zlib(d) => write_some(d, input).map(|_| drain(d.get_mut(), out)),
            Layer::Raw(d) => write_some(d, input).map(|_| drain(d.get_mut(), out)),
            Layer::Brotli(d) => write_some(d.as_mut(), input).map(|_| drain(d.get_mut(), out)),
            Layer::Lzma(Some(d), _) => {
                if let Some(v) = d.get_output_mut() {
                    v.in_total = v.in_total.saturating_add(input.len() as u64);
                }
                d.write_all(input).map(|_| {
                    if let Some(v) = d.get_output_mut() {
                        drain(&mut v.buf, out);
                    }
                })
            }
            Layer::Lzma(None, _) => Ok(()),
        };
        r.map_err(|_| ())
    }
}

/// libhtp's bomb rule: `out` decoded bytes from `input` compressed ones
/// are a bomb once past `limit` at a ratio above [`BOMB_RATIO`].
fn is_bomb(out: u64, input: u64, limit: u64) -> bool {
    out > limit && out > input.saturating_mul(BOMB_RATIO)
}

fn drain(v: &mut Vec<u8>, out: &mut Vec<u8>) {
    out.extend_from_slice(v);
    v.clear();
}

/// Writes as much as the decoder takes; bytes after the end of the
/// compressed stream are ignored (as libhtp does).
fn write_some<W: Write>(w: &mut W, mut input: &[u8]) -> std::io::Result<()> {
    while !input.is_empty() {
        match w.write(input) {
            Ok(0) => break,
            Ok(n) => input = input.get(n..).unwrap_or_default(),
            Err(e) => return Err(e),
        }
    }
    w.flush()
}

/// What decoding a chunk ran into.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecodeEvent {
    /// Corrupt stream: the rest passes through undecoded.
    Failed,
    /// The bomb guard tripped: the rest is dropped.
    Bomb,
}

/// The decoders of one body, outermost coding last (decoded first).
pub struct Decoder {
    layers: Vec<Layer>,
    passthrough: bool,
    stopped: bool,
    in_total: u64,
    out_total: u64,
    bomb_limit: u64,
    scratch: Vec<u8>,
}

impl Decoder {
    /// Decoders for codings in the order the header lists them.
    pub fn new(codings: &[Coding], bomb_limit: u64) -> Decoder {
        Decoder {
            layers: codings
                .iter()
                .rev()
                .map(|&c| Layer::new(c, bomb_limit))
                .collect(),
            passthrough: false,
            stopped: false,
            in_total: 0,
            out_total: 0,
            bomb_limit,
            scratch: Vec::new(),
        }
    }

    /// Decodes one chunk of the body into `out` (cleared first).
    pub fn feed(&mut self, input: &[u8], out: &mut Vec<u8>) -> Option<DecodeEvent> {
        out.clear();
        if self.stopped {
            return None;
        }
        if self.passthrough {
            out.extend_from_slice(input);
            return None;
        }
        self.in_total += input.len() as u64;
        out.extend_from_slice(input);
        let mut bomb = None;
        for layer in &mut self.layers {
            self.scratch.clear();
            if layer.feed(out, &mut self.scratch).is_err() {
                bomb = Some(layer.over());
                break;
            }
            std::mem::swap(out, &mut self.scratch);
        }
        if let Some(bomb) = bomb {
            out.clear();
            let event = self.failed(bomb);
            if event == DecodeEvent::Failed {
                out.extend_from_slice(input);
            }
            return Some(event);
        }
        self.count_output(out)
    }

    /// The body ended: what the layers still hold (LZMA's window) is
    /// decoded into `out` (cleared first), each layer's rest going through
    /// the layers after it.
    pub fn finish(&mut self, out: &mut Vec<u8>) -> Option<DecodeEvent> {
        out.clear();
        if self.stopped || self.passthrough {
            return None;
        }
        let mut bomb = None;
        for layer in &mut self.layers {
            let mut next = Vec::new();
            let r = if out.is_empty() {
                Ok(())
            } else {
                layer.feed(out, &mut next)
            };
            // A layer that fails while finishing has lost its sink: only
            // a failure while taking the earlier layers' rest can tell a
            // bomb.
            if r.and_then(|()| layer.finish(&mut next)).is_err() {
                bomb = Some(layer.over());
                break;
            }
            *out = next;
        }
        if let Some(bomb) = bomb {
            out.clear();
            return Some(self.failed(bomb));
        }
        self.count_output(out)
    }

    /// Counts `out`, the decoded bytes of one step, against the bomb rule:
    /// past it, keeps what fits under the limit and drops the rest of the
    /// body.
    fn count_output(&mut self, out: &mut Vec<u8>) -> Option<DecodeEvent> {
        let before = self.out_total;
        self.out_total += out.len() as u64;
        if is_bomb(self.out_total, self.in_total, self.bomb_limit) {
            self.stopped = true;
            let room =
                usize::try_from(self.bomb_limit.saturating_sub(before)).unwrap_or(usize::MAX);
            out.truncate(room);
            return Some(DecodeEvent::Bomb);
        }
        None
    }

    /// A layer failed: a bomb (its output passed the limit within one
    /// chunk) drops the rest of the body; corrupt data lets it through
    /// undecoded.
    fn failed(&mut self, bomb: bool) -> DecodeEvent {
        if bomb {
            self.stopped = true;
            DecodeEvent::Bomb
        } else {
            self.passthrough = true;
            DecodeEvent::Failed
        }
    }

    /// A gap: the compressed stream cannot be resumed.
    pub fn gap(&mut self) {
        self.stopped = true;
    }
}

/// One file Suricata would track: a body (or a multipart part).
pub struct FileTrack {
    /// Name: Content-Disposition filename or the URI path.
    pub name: Vec<u8>,
    /// Bytes of file data seen.
    pub size: u64,
    /// Data was lost.
    pub gaps: bool,
    /// Content-Range of a partial response.
    pub range: Option<ContentRange>,
    /// The digests being computed (`eve.file-hashes`, Suricata's
    /// `force-hash`); `None` when none is.
    hashers: Option<Box<Hashers>>,
}

/// Which digests files get: `eve.file-hashes` as Suricata's `force-hash`
/// list. SHA-256 alone by default: it is what intelligence feeds and
/// sandboxes key files by, and the CPU's SHA extensions make it cheap;
/// MD5 (no such help) costs more than parsing HTTP does, so it and SHA-1
/// run only when configured or when a rule compares them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileHashes {
    /// MD5.
    pub md5: bool,
    /// SHA-1.
    pub sha1: bool,
    /// SHA-256.
    pub sha256: bool,
}

impl FileHashes {
    /// No digest.
    pub const NONE: FileHashes = FileHashes {
        md5: false,
        sha1: false,
        sha256: false,
    };
    /// All three.
    pub const ALL: FileHashes = FileHashes {
        md5: true,
        sha1: true,
        sha256: true,
    };
    /// SHA-256 only (the default).
    pub const SHA256: FileHashes = FileHashes {
        md5: false,
        sha1: false,
        sha256: true,
    };

    /// Reads `yes` (all), `no` (none) or a list of `md5`, `sha1`,
    /// `sha256` (`[md5, sha256]` or `md5,sha256`); `None` for anything
    /// else.
    pub fn parse(v: &str) -> Option<FileHashes> {
        let v = v.trim();
        if let Some(b) = taishi_core::config::parse_bool(v) {
            return Some(if b { FileHashes::ALL } else { FileHashes::NONE });
        }
        let list = v
            .strip_prefix('[')
            .and_then(|v| v.strip_suffix(']'))
            .unwrap_or(v);
        let mut out = FileHashes::NONE;
        for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            match name.to_ascii_lowercase().as_str() {
                "md5" => out.md5 = true,
                "sha1" => out.sha1 = true,
                "sha256" => out.sha256 = true,
                _ => return None,
            }
        }
        Some(out)
    }

    fn any(self) -> bool {
        self.md5 || self.sha1 || self.sha256
    }
}

/// The running digests of one file.
struct Hashers {
    md5: Option<Md5>,
    sha1: Option<Sha1>,
    sha256: Option<Sha256>,
}

/// A finished file, ready for its `fileinfo` record.
pub struct FileDone {
    /// Name.
    pub name: Vec<u8>,
    /// Bytes seen.
    pub size: u64,
    /// Data was lost.
    pub gaps: bool,
    /// Completed normally (`CLOSED`) or not (`TRUNCATED`).
    pub closed: bool,
    /// Lower-case hex digests (md5, sha1, sha256), each when computed.
    pub digests: [Option<String>; 3],
    /// Content-Range of a partial response.
    pub range: Option<ContentRange>,
}

impl FileDone {
    /// The file's fields of an EVE `fileinfo` object (Suricata's
    /// `EveFileInfo`): `filename` as the protocol's logger writes names,
    /// whether a rule stored it, and the range of a partial response. The
    /// protocol adds its `tx_id`.
    pub fn fileinfo(
        &self,
        filename: serde_json::Value,
        stored: bool,
    ) -> serde_json::Map<String, serde_json::Value> {
        use serde_json::json;
        let mut fi = serde_json::Map::new();
        fi.insert("filename".into(), filename);
        fi.insert("gaps".into(), json!(self.gaps));
        fi.insert(
            "state".into(),
            json!(if self.closed { "CLOSED" } else { "TRUNCATED" }),
        );
        for (name, digest) in ["md5", "sha1", "sha256"].into_iter().zip(&self.digests) {
            if let Some(d) = digest {
                fi.insert(name.into(), json!(d));
            }
        }
        fi.insert("stored".into(), json!(stored));
        fi.insert("size".into(), json!(self.size));
        if let Some(r) = self.range {
            if r.start >= 0 {
                fi.insert("start".into(), json!(r.start));
            }
            if r.end >= 0 {
                fi.insert("end".into(), json!(r.end));
            }
        }
        fi
    }
}

impl FileTrack {
    /// A file named `name`.
    pub fn new(name: Vec<u8>, range: Option<ContentRange>, hashes: FileHashes) -> FileTrack {
        FileTrack {
            name,
            size: 0,
            gaps: false,
            range,
            hashers: hashes.any().then(|| {
                Box::new(Hashers {
                    md5: hashes.md5.then(Md5::new),
                    sha1: hashes.sha1.then(Sha1::new),
                    sha256: hashes.sha256.then(Sha256::new),
                })
            }),
        }
    }

    /// More file data.
    pub fn update(&mut self, data: &[u8]) {
        self.size += data.len() as u64;
        if let Some(h) = self.hashers.as_mut() {
            if let Some(x) = h.md5.as_mut() {
                x.update(data);
            }
            if let Some(x) = h.sha1.as_mut() {
                x.update(data);
            }
            if let Some(x) = h.sha256.as_mut() {
                x.update(data);
            }
        }
    }

    /// Closes the file; `complete` says whether its end was seen.
    pub fn finish(self, complete: bool) -> FileDone {
        FileDone {
            name: self.name,
            size: self.size,
            gaps: self.gaps,
            closed: complete && !self.gaps,
            digests: match self.hashers {
                Some(h) => [
                    h.md5.map(|x| hex(&x.finalize())),
                    h.sha1.map(|x| hex(&x.finalize())),
                    h.sha256.map(|x| hex(&x.finalize())),
                ],
                None => [None, None, None],
            },
            range: self.range,
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    s
}

/// Before the first bytes of a body whose length the message announced
/// (`remaining`), sizes its inspection buffer for all of it that will be
/// kept, so it is allocated once instead of doubling towards its size
/// (copying the body each time, and leaving up to half the capacity
/// unused while thousands of flows hold bodies at once). The
/// announcement is the peer's word: the reservation never passes
/// `limit`, nor 1 MiB when the limit is off.
pub fn reserve_announced(buf: &mut Vec<u8>, remaining: u64, limit: u64) {
    const UNLIMITED_HINT: u64 = 1 << 20;
    if buf.capacity() != 0 {
        return;
    }
    let cap = if limit == 0 { UNLIMITED_HINT } else { limit };
    buf.reserve_exact(usize::try_from(remaining.min(cap)).unwrap_or(0));
}

/// Appends to an inspection buffer up to `limit` bytes (0: unlimited);
/// returns whether something was cut.
pub fn keep(buf: &mut Vec<u8>, data: &[u8], limit: u64) -> bool {
    if limit == 0 {
        buf.extend_from_slice(data);
        return false;
    }
    let room = usize::try_from(limit)
        .unwrap_or(usize::MAX)
        .saturating_sub(buf.len());
    let take = room.min(data.len());
    buf.extend_from_slice(data.get(..take).unwrap_or_default());
    take < data.len()
}

/// Suricata's SWF decompression of `file.data`: a `CWS` (zlib) file is
/// inflated behind an uncompressed `FWS` header, reading at most
/// `compress_depth` compressed bytes and producing at most
/// `decompress_depth`. `ZWS` (LZMA) files are left as they are (their
/// header differs from the `.lzma` layout the body decoder reads).
pub fn swf_decompress(data: &[u8], compress_depth: u64, decompress_depth: u64) -> Option<Vec<u8>> {
    let (b"CWS", Some(version), Some(len)) = (data.get(..3)?, data.get(3), data.get(4..8)) else {
        return None;
    };
    let take = usize::try_from(compress_depth).unwrap_or(usize::MAX);
    let body = data.get(8..)?;
    let body = body.get(
        ..take
            .min(body.len())
            .max(if compress_depth == 0 { body.len() } else { 0 }),
    )?;
    let mut out = Vec::with_capacity(8 + body.len() * 2);
    out.extend_from_slice(b"FWS");
    out.push(*version);
    out.extend_from_slice(len);
    let mut dec = ZlibDecoder::new(Vec::new());
    // A truncated stream still yields what precedes the cut.
    let _ = write_some(&mut dec, body);
    let inflated = dec.get_ref();
    let cap = usize::try_from(decompress_depth).unwrap_or(usize::MAX);
    let n = if decompress_depth == 0 {
        inflated.len()
    } else {
        inflated.len().min(cap)
    };
    out.extend_from_slice(inflated.get(..n).unwrap_or_default());
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_announced_body_is_reserved_once_within_the_limit() {
        let mut b = Vec::new();
        reserve_announced(&mut b, 5000, 100 * 1024);
        assert!(b.capacity() >= 5000 && b.capacity() < 8192);
        let cap = b.capacity();
        keep(&mut b, &[1; 3000], 100 * 1024);
        keep(&mut b, &[2; 2000], 100 * 1024);
        assert_eq!((b.len(), b.capacity()), (5000, cap), "no regrowth");
        // Only before the first bytes: later announcements change nothing.
        reserve_announced(&mut b, 1 << 30, 0);
        assert_eq!(b.capacity(), cap);
        // The peer's word never reserves past the limit, or 1 MiB without one.
        let mut big = Vec::new();
        reserve_announced(&mut big, 1 << 40, 100 * 1024);
        assert!(big.capacity() < 128 * 1024);
        let mut unlimited = Vec::new();
        reserve_announced(&mut unlimited, 1 << 40, 0);
        assert!(unlimited.capacity() < 2 << 20);
    }
}
