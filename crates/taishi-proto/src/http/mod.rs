//! HTTP/1.0 and HTTP/1.1, parsed and logged as Suricata (with libhtp's IDS
//! personality) does.
//!
//! What is parsed: request lines (and HTTP/0.9 simple requests), status
//! lines, header fields (folding, duplicates), bodies delimited by
//! Content-Length, chunked transfer coding or the end of the connection,
//! interim `1xx` responses, pipelined requests on a kept-alive connection
//! (responses matched to requests in order), CONNECT and Upgrade (parsing
//! stops at the tunnel unless the tunnel carries HTTP again, as Suricata's
//! re-detection finds), gzip/deflate/brotli content codings with a
//! decompression-bomb guard, and byte ranges joined into whole files.
//!
//! What is logged: one `http` record per transaction (`tx_id` and the
//! `http` object of Suricata 8, extended fields on), a `fileinfo` record
//! per body transferred (name from Content-Disposition or the URI path,
//! size, state, md5/sha1/sha256, and the transaction's `http` object),
//! another when 206 responses completed a file fetched in ranges, and
//! `anomaly` records with libhtp's event names. See
//! `docs/protocols/http.md` for fields, limits and settings.

pub(crate) mod body;
pub use body::FileHashes;
mod detect;
mod log;
pub mod parser;
mod range;
mod state;
#[cfg(test)]
mod tests;

use taishi_core::config::{parse_bool, parse_size};
use taishi_flow::Direction;

use crate::config::ProtoConfig;
use crate::parser::AppParser;
use crate::registry::{Probe, ProtoDef, Transport};

/// The protocol's registry entry.
pub const DEF: ProtoDef = ProtoDef {
    name: "http",
    transport: Transport::Tcp,
    tcp_ports: &[80, 8080, 8000, 8008, 3128],
    udp_ports: &[],
    default_enabled: true,
    port_only: false,
    probe,
    new_parser,
    settings: SETTINGS,
    stats: crate::stat_names!("http"),
};

/// Keys under `app-layer.protocols.http.` that are honoured.
const SETTINGS: &[&str] = &[
    "libhtp.default-config.personality",
    "libhtp.default-config.request-body-limit",
    "libhtp.default-config.response-body-limit",
    "libhtp.default-config.response-body-decompress-layer-limit",
    "libhtp.default-config.lzma-enabled",
    "libhtp.default-config.lzma-memlimit",
    "libhtp.default-config.request-body-minimal-inspect-size",
    "libhtp.default-config.request-body-inspect-window",
    "libhtp.default-config.response-body-minimal-inspect-size",
    "libhtp.default-config.response-body-inspect-window",
    "libhtp.default-config.http-body-inline",
    "libhtp.default-config.double-decode-path",
    "libhtp.default-config.double-decode-query",
    "libhtp.default-config.compression-bomb-limit",
    // A CPU-time cap on decompression; the bomb ratio and layer limit bound
    // the same work by size here, so no timer is needed (docs/protocols/http.md).
    "libhtp.default-config.decompression-time-limit",
    "libhtp.default-config.max-tx",
    "libhtp.default-config.headers-limit",
    "libhtp.default-config.meta-field-limit",
    "libhtp.default-config.swf-decompression.enabled",
    "libhtp.default-config.swf-decompression.type",
    "libhtp.default-config.swf-decompression.compress-depth",
    "libhtp.default-config.swf-decompression.decompress-depth",
    "eve.extended",
    "eve.dump-all-headers",
    "eve.http-body",
    "eve.file-hashes",
    "inspect-bodies",
];

/// Body bytes kept per direction for inspection (`http.request_body`,
/// `http.response_body`, `file.data`): Suricata's default
/// `request-body-limit` and `response-body-limit`, 100 KiB, enough for the
/// forms and scripts rules look into while bounding memory per flow.
pub const DEFAULT_BODY_LIMIT: u64 = 100 * 1024;

/// Content-Encoding layers decoded: libhtp's default
/// `response-body-decompress-layer-limit`. Real servers send one; more is
/// an evasion or a bomb.
pub const DEFAULT_DECOMPRESS_LAYERS: usize = 2;

/// Window memory an `lzma` Content-Encoding may use: libhtp's default
/// `lzma-memlimit`, 1 MiB. The window grows with the output; a stream
/// that needs more fails (the rest of the body passes undecoded) rather
/// than making us allocate the dictionary a peer announces.
pub const DEFAULT_LZMA_MEMLIMIT: u32 = 1 << 20;

/// Decompressed bytes past which a ratio above [`BOMB_RATIO`] is a bomb:
/// libhtp's default `compression-bomb-limit`, 1 MiB.
pub const DEFAULT_BOMB_LIMIT: u64 = 1 << 20;

/// Output/input ratio that, past the bomb limit, stops decompression
/// (libhtp's `HTP_COMPRESSION_BOMB_RATIO`): deflate alone tops out near
/// 1032, so only nested or crafted streams get there.
pub const BOMB_RATIO: u64 = 2048;

/// Live transactions per flow: libhtp's default `max-tx`. Pipelined
/// requests without responses beyond this are a memory attack.
pub const DEFAULT_MAX_TX: usize = 512;

/// Header fields kept per message: libhtp's default `headers-limit`.
pub const DEFAULT_HEADERS_LIMIT: usize = 1024;

/// Longest request line, status line, header field or chunk line kept:
/// libhtp's `meta-field-limit` default, 18000 bytes. Longer lines are
/// truncated with a `*_FIELD_TOO_LONG` event.
pub const DEFAULT_LINE_LIMIT: usize = 18_000;

/// Bytes kept while waiting to learn whether a tunnel after CONNECT
/// carries HTTP: a method and its space fit many times over.
pub const TUNNEL_PROBE_BYTES: usize = 16;

/// Which headers an `http` record dumps (`dump-all-headers`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DumpHeaders {
    /// `request_headers`.
    pub request: bool,
    /// `response_headers`.
    pub response: bool,
}

/// Settings of the HTTP parser, read once per flow.
#[derive(Clone, Copy, Debug)]
pub struct HttpConfig {
    /// Request body bytes kept for inspection (0: unlimited).
    pub request_body_limit: u64,
    /// Response body bytes kept for inspection (0: unlimited).
    pub response_body_limit: u64,
    /// Content-Encoding layers decoded.
    pub decompress_layers: usize,
    /// Compression bomb size limit.
    pub bomb_limit: u64,
    /// `lzma` Content-Encoding decoded with this dictionary limit
    /// (`lzma-memlimit`); `None` when `lzma-enabled` is off. On by
    /// default, as in Suricata since 5.0.
    pub lzma_memlimit: Option<u32>,
    /// Decode the path twice.
    pub double_decode_path: bool,
    /// Decode the query twice.
    pub double_decode_query: bool,
    /// Live transactions per flow.
    pub max_tx: usize,
    /// Header fields per message.
    pub headers_limit: usize,
    /// Longest line.
    pub line_limit: usize,
    /// SWF decompression for `file.data`: (deflate, lzma) enabled.
    pub swf: (bool, bool),
    /// SWF compressed bytes read.
    pub swf_compress_depth: u64,
    /// SWF decompressed bytes produced.
    pub swf_decompress_depth: u64,
    /// Extended fields in `http` records (Suricata's `extended: yes`).
    pub extended: bool,
    /// Header arrays in `http` records.
    pub dump_headers: DumpHeaders,
    /// Bodies (base64) in `http` records.
    pub log_body: bool,
    /// Digests of every file in `fileinfo` records (`eve.file-hashes`,
    /// Suricata's `force-hash`): SHA-256 by default (see [`FileHashes`]).
    pub file_hashes: FileHashes,
    /// Keep request and response bodies (up to the body limits) for rules
    /// that inspect them (`inspect-bodies`). The rule engine turns this on
    /// when a loaded rule uses a body buffer; kept bodies are what makes
    /// HTTP memory grow with concurrent transfers, so without such rules
    /// they are not kept.
    pub inspect_bodies: bool,
}

impl HttpConfig {
    /// Whether bodies are buffered: for rules, or to log them.
    pub fn keep_bodies(&self) -> bool {
        self.inspect_bodies || self.log_body
    }
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            request_body_limit: DEFAULT_BODY_LIMIT,
            response_body_limit: DEFAULT_BODY_LIMIT,
            decompress_layers: DEFAULT_DECOMPRESS_LAYERS,
            bomb_limit: DEFAULT_BOMB_LIMIT,
            lzma_memlimit: Some(DEFAULT_LZMA_MEMLIMIT),
            double_decode_path: false,
            double_decode_query: false,
            max_tx: DEFAULT_MAX_TX,
            headers_limit: DEFAULT_HEADERS_LIMIT,
            line_limit: DEFAULT_LINE_LIMIT,
            swf: (false, false),
            swf_compress_depth: 100 * 1024,
            swf_decompress_depth: 100 * 1024,
            extended: true,
            dump_headers: DumpHeaders::default(),
            log_body: false,
            file_hashes: FileHashes::SHA256,
            inspect_bodies: false,
        }
    }
}

impl HttpConfig {
    /// Reads the honoured settings; values that do not parse keep the
    /// default (the keys themselves were validated by the stage).
    pub fn from_proto(config: &ProtoConfig) -> HttpConfig {
        let mut c = HttpConfig::default();
        let Some(idx) = crate::registry::index_of("http") else {
            return c;
        };
        let get = |k: &str| config.setting(idx, k);
        let lib = |k: &str| get(&format!("libhtp.default-config.{k}"));
        let size = |k: &str| lib(k).and_then(parse_size);
        let flag = |k: &str| lib(k).and_then(parse_bool);
        if let Some(v) = size("request-body-limit") {
            c.request_body_limit = v;
        }
        if let Some(v) = size("response-body-limit") {
            c.response_body_limit = v;
        }
        if let Some(v) =
            lib("response-body-decompress-layer-limit").and_then(|v| v.trim().parse().ok())
        {
            c.decompress_layers = v;
        }
        if let Some(v) = size("lzma-memlimit") {
            c.lzma_memlimit = Some(u32::try_from(v).unwrap_or(u32::MAX));
        }
        if flag("lzma-enabled") == Some(false) {
            c.lzma_memlimit = None;
        }
        if let Some(v) = size("compression-bomb-limit") {
            c.bomb_limit = v;
        }
        if let Some(v) = flag("double-decode-path") {
            c.double_decode_path = v;
        }
        if let Some(v) = flag("double-decode-query") {
            c.double_decode_query = v;
        }
        if let Some(v) = lib("max-tx").and_then(|v| v.trim().parse().ok()) {
            c.max_tx = v;
        }
        if let Some(v) = lib("headers-limit").and_then(|v| v.trim().parse().ok()) {
            c.headers_limit = v;
        }
        if let Some(v) = size("meta-field-limit") {
            c.line_limit = usize::try_from(v).unwrap_or(usize::MAX);
        }
        if flag("swf-decompression.enabled") == Some(true) {
            c.swf = match lib("swf-decompression.type").map(str::trim) {
                Some("deflate") => (true, false),
                Some("lzma") => (false, true),
                _ => (true, true),
            };
        }
        if let Some(v) = size("swf-decompression.compress-depth") {
            c.swf_compress_depth = v;
        }
        if let Some(v) = size("swf-decompression.decompress-depth") {
            c.swf_decompress_depth = v;
        }
        if let Some(v) = get("eve.extended").and_then(parse_bool) {
            c.extended = v;
        }
        if let Some(v) = get("eve.dump-all-headers") {
            c.dump_headers = match v.trim() {
                "both" => DumpHeaders {
                    request: true,
                    response: true,
                },
                "request" => DumpHeaders {
                    request: true,
                    response: false,
                },
                "response" => DumpHeaders {
                    request: false,
                    response: true,
                },
                _ => DumpHeaders::default(),
            };
        }
        if let Some(v) = get("eve.http-body").and_then(parse_bool) {
            c.log_body = v;
        }
        if let Some(v) = get("eve.file-hashes").and_then(FileHashes::parse) {
            c.file_hashes = v;
        }
        if let Some(v) = get("inspect-bodies").and_then(parse_bool) {
            c.inspect_bodies = v;
        }
        c
    }
}

/// Client side: a known method followed by a space or tab. Server side:
/// `HTTP/1.`. A shorter prefix of either asks for more bytes.
fn probe(dir: Direction, data: &[u8], _udp: bool) -> Probe {
    let request = probe_request(data);
    let response = probe_prefix(data, b"HTTP/1.");
    // A response from the "client", or a request from the "server": the
    // capture began mid-session and the flow was taken backwards.
    let (ours, theirs) = match dir {
        Direction::ToServer => (request, response),
        Direction::ToClient => (response, request),
    };
    match (ours, theirs) {
        (Probe::Yes, _) => Probe::Yes,
        (_, Probe::Yes) => Probe::YesReversed,
        (Probe::NeedMore, _) | (_, Probe::NeedMore) => Probe::NeedMore,
        _ => Probe::No,
    }
}

/// Whether `data` starts a request (used for the probe and after CONNECT).
pub(crate) fn probe_request(data: &[u8]) -> Probe {
    let mut more = false;
    for m in parser::METHODS {
        match data.get(m.len()) {
            Some(b' ' | b'\t') if data.starts_with(m) => return Probe::Yes,
            None if m.starts_with(data) || (data.len() == m.len() && data == *m) => more = true,
            _ => {}
        }
    }
    if more { Probe::NeedMore } else { Probe::No }
}

fn probe_prefix(data: &[u8], prefix: &[u8]) -> Probe {
    if data.len() >= prefix.len() {
        if data.starts_with(prefix) {
            Probe::Yes
        } else {
            Probe::No
        }
    } else if prefix.starts_with(data) {
        Probe::NeedMore
    } else {
        Probe::No
    }
}

fn new_parser(config: &ProtoConfig, _udp: bool) -> Box<dyn AppParser> {
    Box::new(state::HttpState::new(config.http))
}
