//! The per-flow HTTP parser: one state machine per direction, a queue of
//! transactions matched in order (pipelining), bodies and their files.

use std::collections::VecDeque;

use taishi_flow::Direction;

use super::HttpConfig;
use super::body::{self, Coding, DecodeEvent, Decoder, FileDone, FileHashes, FileTrack};
use super::log::{TxLog, fileinfo_record};
use super::parser::{self, ContentRange};
use super::range;
use serde_json::{Map, Value};

use crate::parser::{AppParser, ParseCtx};

/// What the state machine reports, apart from [`ParseCtx`] so that tests
/// can record it.
pub trait Out {
    /// A protocol violation (libhtp event name).
    fn anomaly(&mut self, event: &'static str);
    /// A configured limit was hit.
    fn limit_hit(&mut self);
    /// A finished transaction.
    fn complete(&mut self, tx: &TxLog<'_>);
    /// A transaction's request is complete (the rule engine inspects it).
    fn request_complete(&mut self, tx: &TxLog<'_>) {
        let _ = tx;
    }
    /// A record that is not a transaction (`fileinfo`).
    fn emit(&mut self, event_type: &'static str, dir: Option<Direction>, body: Map<String, Value>);
    /// A CONNECT tunnel carries another protocol than HTTP: the flow is to
    /// be detected anew from the client's first tunnel bytes `held`. The
    /// parser itself ignores the tunnel from here on.
    fn change_protocol(&mut self, held: Vec<u8>) {
        let _ = held;
    }
}

impl Out for ParseCtx<'_, '_> {
    fn anomaly(&mut self, event: &'static str) {
        ParseCtx::anomaly(self, event);
    }
    fn limit_hit(&mut self) {
        ParseCtx::limit_hit(self);
    }
    fn complete(&mut self, tx: &TxLog<'_>) {
        if tx.tx.req_announced {
            ParseCtx::complete_response(self, tx);
        } else {
            ParseCtx::complete(self, tx);
        }
    }
    fn request_complete(&mut self, tx: &TxLog<'_>) {
        ParseCtx::request_complete(self, tx);
    }
    fn emit(&mut self, event_type: &'static str, dir: Option<Direction>, body: Map<String, Value>) {
        ParseCtx::emit(self, event_type, dir, body);
    }
    fn change_protocol(&mut self, held: Vec<u8>) {
        ParseCtx::change_protocol(self, held);
    }
}
use crate::registry::Probe;

/// Raw header bytes kept per message for `http.header.raw`: 64 KiB holds
/// any real header block; beyond it the parsed fields still count.
const RAW_HEADERS_LIMIT: usize = 64 * 1024;

/// One header field (duplicates merged with `, ` as libhtp does).
#[derive(Debug, Clone)]
pub struct Header {
    /// Name as first sent.
    pub name: Vec<u8>,
    /// Value(s).
    pub value: Vec<u8>,
    /// The name came more than once (libhtp's `FIELD_REPEATED`).
    pub repeated: bool,
}

/// Repetitions of already repeated header names merged per message, as
/// libhtp: past this many a message is sending the same names over and
/// over to grow a value, and further ones are dropped.
const HEADER_REPETITIONS_LIMIT: u8 = 64;

/// One request and its response.
#[derive(Default)]
pub struct Tx {
    /// Transaction number in the flow, from 0.
    pub id: u64,
    /// The request side was handed to the rule engine when it completed.
    pub req_announced: bool,
    /// Request line without terminator.
    pub request_line: Option<Vec<u8>>,
    /// Method.
    pub method: Option<Vec<u8>>,
    /// Request target as sent.
    pub uri: Option<Vec<u8>>,
    /// Normalised URI.
    pub uri_norm: Option<Vec<u8>>,
    /// URI path, normalised (file names).
    pub path_norm: Option<Vec<u8>>,
    /// Request version.
    pub protocol: Option<Vec<u8>>,
    /// Normalised host name (URI authority, else Host header).
    pub host: Option<Vec<u8>>,
    /// Host as sent.
    pub host_raw: Option<Vec<u8>>,
    /// Port from the URI or Host header.
    pub port: Option<u16>,
    /// Request header fields.
    pub req_headers: Vec<Header>,
    /// Request header block as sent.
    pub req_headers_raw: Vec<u8>,
    /// Repetitions counted against [`HEADER_REPETITIONS_LIMIT`], request
    /// then response.
    pub header_reps: [u8; 2],
    /// Request body kept for inspection.
    pub req_body: Vec<u8>,
    /// Request body length (dechunked).
    pub req_body_len: u64,
    /// Request fully seen.
    pub req_done: bool,
    /// Status line without terminator.
    pub response_line: Option<Vec<u8>>,
    /// Response version.
    pub resp_protocol: Option<Vec<u8>>,
    /// Status code as sent.
    pub status_raw: Option<Vec<u8>>,
    /// Status code, when numeric.
    pub status: Option<u16>,
    /// Reason phrase.
    pub status_msg: Option<Vec<u8>>,
    /// Response header fields.
    pub resp_headers: Vec<Header>,
    /// Response header block as sent.
    pub resp_headers_raw: Vec<u8>,
    /// Response body kept for inspection (decoded).
    pub resp_body: Vec<u8>,
    /// Response body length as transferred, dechunked, before decoding
    /// (libhtp's `response_message_len`, EVE `length`).
    pub resp_message_len: u64,
    /// Response parsing started.
    pub resp_started: bool,
    /// Response fully seen.
    pub resp_done: bool,
    interim_seen: u8,
    /// A simple (HTTP/0.9) request: its response has no status line.
    http09: bool,
    req_file: Option<FileTrack>,
    resp_file: Option<FileTrack>,
    /// The response's part in joining a file fetched in ranges.
    range_block: Option<range::Block>,
    decoder: Option<Decoder>,
    multipart: Option<Multipart>,
    /// Closed files and their direction, logged once the rules saw the
    /// transaction (a `filestore` rule decides their `stored`).
    pub files: Vec<(Direction, FileDone)>,
    /// Where each file of a multipart request lies in `req_body`, so that
    /// `file.data` sees each file alone (Suricata inspects files, not the
    /// form around them) without a second copy of the body.
    pub file_spans: Vec<std::ops::Range<u64>>,
    /// A `filestore` rule matched the transaction.
    pub stored: std::cell::Cell<bool>,
}

impl Tx {
    /// Calls `f` with the name of each file going `dir`: those closed, then
    /// the one still open, as Suricata inspects a file from its opening.
    pub fn file_names(&self, dir: Direction, f: &mut dyn FnMut(&[u8])) {
        for (d, done) in &self.files {
            if *d == dir {
                f(&done.name);
            }
        }
        let open = match dir {
            Direction::ToServer => self
                .req_file
                .as_ref()
                .or_else(|| self.multipart.as_ref().and_then(|m| m.file.as_ref())),
            Direction::ToClient => self.resp_file.as_ref(),
        };
        if let Some(open) = open {
            f(&open.name);
        }
    }

    /// First value of a request header, by case-insensitive name.
    pub fn req_header(&self, name: &str) -> Option<&[u8]> {
        find_header(&self.req_headers, name)
    }

    /// First value of a response header.
    pub fn resp_header(&self, name: &str) -> Option<&[u8]> {
        find_header(&self.resp_headers, name)
    }

    fn is_connect(&self) -> bool {
        self.method.as_deref() == Some(b"CONNECT")
    }
}

fn find_header<'a>(h: &'a [Header], name: &str) -> Option<&'a [u8]> {
    h.iter()
        .find(|h| h.name.eq_ignore_ascii_case(name.as_bytes()))
        .map(|h| h.value.as_slice())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Chunk {
    Size,
    Data(u64),
    DataEnd,
    Trailer,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BodyKind {
    Length(u64),
    Chunked(Chunk),
    /// Until the connection closes (responses only).
    Close,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Waiting for a request or status line.
    Line,
    /// A request line without version: HTTP/0.9 unless more follows.
    Maybe09,
    /// Header fields.
    Headers,
    /// A body.
    Body(BodyKind),
    /// CONNECT sent, its response not yet seen (bytes are held).
    ConnectWait,
    /// CONNECT accepted: does the tunnel carry HTTP?
    TunnelProbe,
    /// Not HTTP any more (tunnel, upgrade): ignored.
    Tunnel,
    /// A response ended: lines before the next status line are more
    /// body of it (libhtp's RES_FINALIZE).
    Finalize,
    /// Lost sync after a gap: skip to something that starts a message.
    Lost,
}

/// Per-direction parsing state.
struct Side {
    state: State,
    /// A partial line carried between calls.
    line: Vec<u8>,
    /// The current line overflowed the limit: drop to its end.
    overflow: bool,
    /// Transaction receiving this direction's message.
    cur: Option<u64>,
    /// Bytes held while CONNECT is pending or probed.
    hold: Vec<u8>,
    /// Header count of the current message.
    headers: usize,
}

impl Side {
    fn new() -> Side {
        Side {
            state: State::Line,
            line: Vec::new(),
            overflow: false,
            cur: None,
            hold: Vec::new(),
            headers: 0,
        }
    }
}

/// A multipart/form-data request body: files are its parts with a
/// filename (Suricata's multipart handling).
struct Multipart {
    /// `\r\n--boundary`, the delimiter inside the body.
    delim: Vec<u8>,
    /// Unprocessed bytes (at most a delimiter's length is carried).
    buf: Vec<u8>,
    phase: MpPhase,
    file: Option<FileTrack>,
    done: Vec<FileDone>,
    /// Hash the parts' files.
    hash: FileHashes,
    /// Body bytes fed so far: `buf` holds the last `buf.len()` of them
    /// (after the two bytes of line end put before the body).
    fed: u64,
    /// Body offset of the open file's first byte.
    start: u64,
    /// Body offsets of the files closed since last taken.
    spans: Vec<std::ops::Range<u64>>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum MpPhase {
    Preamble,
    Headers,
    Data,
    End,
}

/// Bytes of part headers kept: a part's Content-Disposition and
/// Content-Type lines; more is not a form.
const MULTIPART_HEADER_LIMIT: usize = 8 * 1024;

impl Multipart {
    fn new(boundary: &[u8], hash: FileHashes) -> Multipart {
        let mut delim = b"\r\n--".to_vec();
        delim.extend_from_slice(boundary);
        // The body starts with the boundary without the CRLF before it.
        Multipart {
            delim,
            buf: b"\r\n".to_vec(),
            phase: MpPhase::Preamble,
            file: None,
            done: Vec::new(),
            hash,
            fed: 0,
            start: 0,
            spans: Vec::new(),
        }
    }

    /// Body offset of `buf[i]` (0 for the line end put before the body).
    fn offset(&self, i: usize) -> u64 {
        (self.fed + i as u64).saturating_sub(self.buf.len() as u64)
    }

    fn feed(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
        self.fed += data.len() as u64;
        loop {
            match self.phase {
                MpPhase::End => {
                    self.buf.clear();
                    return;
                }
                MpPhase::Preamble | MpPhase::Data => {
                    if let Some(i) = find(&self.buf, &self.delim) {
                        if let (MpPhase::Data, Some(f)) = (self.phase, self.file.as_mut()) {
                            f.update(self.buf.get(..i).unwrap_or_default());
                        }
                        if let Some(f) = self.file.take() {
                            self.done.push(f.finish(true));
                            self.spans.push(self.start..self.offset(i));
                        }
                        let after = i + self.delim.len();
                        if self.buf.len() < after + 2 {
                            // Need to see "--" or CRLF after the delimiter.
                            if i > 0 {
                                self.buf.drain(..i);
                            }
                            self.phase = MpPhase::Preamble;
                            return;
                        }
                        let end = self.buf.get(after..after + 2) == Some(b"--");
                        self.buf.drain(..after);
                        self.phase = if end { MpPhase::End } else { MpPhase::Headers };
                    } else {
                        // Keep what could be the start of a delimiter.
                        let keep = self.delim.len().min(self.buf.len());
                        let cut = self.buf.len() - keep;
                        if let (MpPhase::Data, Some(f)) = (self.phase, self.file.as_mut()) {
                            f.update(self.buf.get(..cut).unwrap_or_default());
                        }
                        self.buf.drain(..cut);
                        return;
                    }
                }
                MpPhase::Headers => {
                    let Some(i) = find(&self.buf, b"\r\n\r\n") else {
                        if self.buf.len() > MULTIPART_HEADER_LIMIT {
                            self.phase = MpPhase::End;
                        }
                        return;
                    };
                    let head = self.buf.get(..i).unwrap_or_default();
                    let mut name = None;
                    for line in head.split(|&b| b == b'\n') {
                        let f = parser::parse_field(parser::chomp(line));
                        if f.name.eq_ignore_ascii_case(b"content-disposition") {
                            name = parser::disposition_filename(f.value).map(<[u8]>::to_vec);
                        }
                    }
                    self.file = name.map(|n| FileTrack::new(n, None, self.hash));
                    // The part's data runs to the next CRLF--boundary.
                    self.buf.drain(..i + 4);
                    self.start = self.offset(0);
                    self.phase = MpPhase::Data;
                }
            }
        }
    }

    /// Closes the open file, cut short; returns the files not yet taken
    /// and where they lie in the body.
    fn finish(mut self) -> (Vec<FileDone>, Vec<std::ops::Range<u64>>) {
        if let Some(mut f) = self.file.take() {
            if self.phase == MpPhase::Data {
                f.update(&self.buf);
            }
            self.done.push(f.finish(false));
            self.spans.push(self.start..self.fed);
        }
        (self.done, self.spans)
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The HTTP parser of one flow.
pub struct HttpState {
    cfg: HttpConfig,
    txs: VecDeque<Tx>,
    next_id: u64,
    req: Side,
    resp: Side,
    /// Scratch for decoded body chunks (reused: no allocation per packet).
    decoded: Vec<u8>,
    /// Transactions refused by the `max-tx` limit.
    tx_limit_hit: bool,
    /// Files being joined from byte ranges.
    ranges: range::Ranges,
}

impl HttpState {
    /// A parser with these settings.
    pub fn new(cfg: HttpConfig) -> HttpState {
        HttpState {
            cfg,
            txs: VecDeque::new(),
            next_id: 0,
            req: Side::new(),
            resp: Side::new(),
            decoded: Vec::new(),
            tx_limit_hit: false,
            ranges: range::Ranges::default(),
        }
    }

    fn side(&mut self, dir: Direction) -> &mut Side {
        match dir {
            Direction::ToServer => &mut self.req,
            Direction::ToClient => &mut self.resp,
        }
    }

    fn tx_mut(&mut self, id: Option<u64>) -> Option<&mut Tx> {
        let id = id?;
        self.txs.iter_mut().find(|t| t.id == id)
    }

    /// Feeds one direction's bytes through its state machine.
    fn run(&mut self, ctx: &mut dyn Out, dir: Direction, mut data: &[u8]) {
        while !data.is_empty() {
            let state = self.side(dir).state;
            match state {
                State::Tunnel => return,
                State::Lost => {
                    let resync = match dir {
                        Direction::ToServer => super::probe_request(data) == Probe::Yes,
                        Direction::ToClient => data.starts_with(b"HTTP/"),
                    };
                    if !resync {
                        return;
                    }
                    let s = self.side(dir);
                    s.state = State::Line;
                    s.line.clear();
                    s.overflow = false;
                }
                State::ConnectWait => {
                    let limit = self.cfg.line_limit;
                    let s = self.side(dir);
                    if s.hold.len() + data.len() > limit {
                        ctx.limit_hit();
                        s.state = State::Lost;
                        s.hold.clear();
                    } else {
                        s.hold.extend_from_slice(data);
                    }
                    return;
                }
                State::TunnelProbe => {
                    self.req.hold.extend_from_slice(data);
                    // Stray line ends after the CONNECT's header block
                    // belong to no protocol.
                    let blank = self
                        .req
                        .hold
                        .iter()
                        .take_while(|b| matches!(b, b'\r' | b'\n'))
                        .count();
                    self.req.hold.drain(..blank);
                    if self.req.hold.is_empty() {
                        return;
                    }
                    match super::probe_request(&self.req.hold) {
                        Probe::Yes => {
                            self.req.state = State::Line;
                            let held = std::mem::take(&mut self.req.hold);
                            self.resp.state = State::Line;
                            self.run(ctx, dir, &held);
                        }
                        Probe::NeedMore if self.req.hold.len() < super::TUNNEL_PROBE_BYTES => {}
                        _ => {
                            // Suricata asks for a protocol change here
                            // (`AppLayerRequestProtocolChange`): TLS inside
                            // the tunnel is then detected and parsed, and
                            // the flow keeps `app_proto_orig: http`.
                            let held = std::mem::take(&mut self.req.hold);
                            ctx.change_protocol(held);
                            self.req.state = State::Tunnel;
                            self.resp.state = State::Tunnel;
                        }
                    }
                    return;
                }
                State::Maybe09 => {
                    // More bytes after a version-less request line: not a
                    // simple request but one missing its version.
                    ctx.anomaly("REQUEST_LINE_MISSING_PROTOCOL");
                    self.req.state = State::Headers;
                }
                State::Body(kind) => {
                    data = self.body(ctx, dir, kind, data);
                }
                State::Line if dir == Direction::ToClient && self.next_answer_is_09() => {
                    // An HTTP/0.9 response has no status line: all is body.
                    self.status_line(ctx, b"", &[]);
                }
                State::Line | State::Headers | State::Finalize => {
                    data = self.take_line(ctx, dir, data);
                }
            }
        }
    }

    /// Takes one line from `data` (or keeps a partial one) and handles it;
    /// returns what follows.
    fn take_line<'d>(&mut self, ctx: &mut dyn Out, dir: Direction, data: &'d [u8]) -> &'d [u8] {
        let limit = self.cfg.line_limit;
        let nl = data.iter().position(|&b| b == b'\n');
        let (chunk, rest) = match nl {
            Some(i) => data.split_at(i + 1),
            None => (data, &[][..]),
        };
        let s = self.side(dir);
        if s.line.is_empty() && !s.overflow && nl.is_some() && chunk.len() <= limit {
            self.line(ctx, dir, chunk, rest);
            return rest;
        }
        // Partial line: keep it, bounded.
        if !s.overflow {
            let room = limit.saturating_sub(s.line.len());
            if chunk.len() > room {
                s.line
                    .extend_from_slice(chunk.get(..room).unwrap_or_default());
                s.overflow = true;
                ctx.limit_hit();
                ctx.anomaly(match dir {
                    Direction::ToServer => "REQUEST_FIELD_TOO_LONG",
                    Direction::ToClient => "RESPONSE_FIELD_TOO_LONG",
                });
            } else {
                s.line.extend_from_slice(chunk);
            }
        }
        if nl.is_some() {
            let s = self.side(dir);
            s.overflow = false;
            let line = std::mem::take(&mut s.line);
            self.line(ctx, dir, &line, rest);
            let s = self.side(dir);
            if s.line.is_empty() {
                s.line = line;
                s.line.clear();
            }
        }
        rest
    }

    /// One complete line in state Line, Headers or a chunked body's
    /// framing. `rest` is what follows it in this call.
    fn line(&mut self, ctx: &mut dyn Out, dir: Direction, raw: &[u8], rest: &[u8]) {
        let state = self.side(dir).state;
        match (dir, state) {
            (Direction::ToServer, State::Line) => self.request_line(ctx, raw, rest.is_empty()),
            (Direction::ToClient, State::Line) => self.status_line(ctx, raw, rest),
            (Direction::ToClient, State::Finalize) => {
                if parser::looks_like_status_line(parser::chomp(raw)) {
                    self.finalize_response(ctx);
                    self.status_line(ctx, raw, rest);
                } else {
                    // libhtp treats what is not a status line as more body.
                    let cur = self.resp.cur;
                    let hash = self.cfg.file_hashes;
                    if let Some(tx) = self.tx_mut(cur)
                        && tx.resp_file.is_none()
                    {
                        let name = tx.path_norm.clone().unwrap_or_default();
                        tx.resp_file = Some(FileTrack::new(name, None, hash));
                    }
                    self.body_data(ctx, Direction::ToClient, raw);
                }
            }
            (_, State::Headers) => self.header_line(ctx, dir, raw),
            (_, State::Body(BodyKind::Chunked(c))) => self.chunk_line(ctx, dir, c, raw),
            _ => {}
        }
    }

    fn request_line(&mut self, ctx: &mut dyn Out, raw: &[u8], last: bool) {
        let line = parser::chomp(raw);
        if line.is_empty() {
            return;
        }
        if self.txs.len() >= self.cfg.max_tx {
            if !self.tx_limit_hit {
                ctx.limit_hit();
                self.tx_limit_hit = true;
            }
            self.req.state = State::Lost;
            return;
        }
        let rl = parser::parse_request_line(line);
        if rl.events.leading_whitespace {
            ctx.anomaly("REQUEST_LINE_LEADING_WHITESPACE");
        }
        if rl.events.method_delim_non_compliant {
            ctx.anomaly("METHOD_DELIM_NON_COMPLIANT");
        }
        if rl.events.uri_delim_non_compliant {
            ctx.anomaly("URI_DELIM_NON_COMPLIANT");
        }
        let id = self.next_id;
        self.next_id += 1;
        let mut tx = Tx {
            id,
            request_line: Some(line.to_vec()),
            method: Some(rl.method.to_vec()),
            uri: Some(rl.uri.to_vec()),
            protocol: rl.protocol.map(<[u8]>::to_vec),
            ..Tx::default()
        };
        self.fill_uri(&mut tx);
        self.txs.push_back(tx);
        self.req.cur = Some(id);
        self.req.headers = 0;
        self.req.state = if rl.events.incomplete {
            ctx.anomaly("REQUEST_LINE_INCOMPLETE");
            State::Headers
        } else if rl.protocol.is_none() {
            if last {
                State::Maybe09
            } else {
                ctx.anomaly("REQUEST_LINE_MISSING_PROTOCOL");
                State::Headers
            }
        } else {
            State::Headers
        };
    }

    fn fill_uri(&self, tx: &mut Tx) {
        let Some(raw) = tx.uri.as_deref() else {
            return;
        };
        let u = parser::parse_uri(raw, tx.is_connect());
        if let Some(h) = u.host {
            tx.host_raw = Some(h.to_vec());
            tx.host = Some(parser::normalize_host(h));
            tx.port = u.port.and_then(parser::parse_port);
        }
        if !tx.is_connect() || raw.starts_with(b"/") {
            tx.uri_norm = Some(parser::normalize_uri(
                &u,
                self.cfg.double_decode_path,
                self.cfg.double_decode_query,
            ));
            tx.path_norm = Some(parser::normalize_path(u.path, self.cfg.double_decode_path));
        }
    }

    /// A request line the client left unterminated while the server
    /// answers (or the flow ends) is complete: libhtp parses it as is.
    /// While the server answers, only a line with a method and a target
    /// counts: a method cut by a segment boundary is still arriving.
    fn flush_request_line(&mut self, ctx: &mut dyn Out, at_end: bool) {
        let line = &self.req.line;
        let has_target = line.trim_ascii().iter().any(|&b| b == b' ' || b == b'\t');
        if self.req.state == State::Line && !line.is_empty() && (at_end || has_target) {
            let line = std::mem::take(&mut self.req.line);
            self.req.overflow = false;
            self.request_line(ctx, &line, true);
        }
    }

    /// Commits a pending version-less request as HTTP/0.9: no headers.
    fn commit_09(&mut self, ctx: &mut dyn Out) {
        if self.req.state != State::Maybe09 {
            return;
        }
        self.req.state = State::Line;
        let id = self.req.cur;
        if let Some(tx) = self.tx_mut(id) {
            tx.req_done = true;
            tx.http09 = true;
        }
        self.try_complete(ctx);
    }

    fn header_line(&mut self, ctx: &mut dyn Out, dir: Direction, raw: &[u8]) {
        let line = parser::chomp(raw);
        let limit = self.cfg.headers_limit;
        let cur = self.side(dir).cur;
        let Some(tx) = self.txs.iter_mut().find(|t| Some(t.id) == cur) else {
            return;
        };
        let reps = &mut tx.header_reps[dir.index()];
        let (headers, rawbuf) = match dir {
            Direction::ToServer => (&mut tx.req_headers, &mut tx.req_headers_raw),
            Direction::ToClient => (&mut tx.resp_headers, &mut tx.resp_headers_raw),
        };
        if rawbuf.len() + raw.len() <= RAW_HEADERS_LIMIT {
            rawbuf.extend_from_slice(raw);
        }
        if line.is_empty() {
            self.headers_done(ctx, dir);
            return;
        }
        let request = dir == Direction::ToServer;
        if parser::is_folded(line) {
            if line.trim_ascii().is_empty() {
                return;
            }
            match headers.last_mut() {
                Some(h) => {
                    let v = line.trim_ascii();
                    if !v.is_empty() {
                        if !h.value.is_empty() {
                            h.value.push(b' ');
                        }
                        h.value.extend_from_slice(v);
                    }
                }
                None => ctx.anomaly(if request {
                    "INVALID_REQUEST_FIELD_FOLDING"
                } else {
                    "INVALID_RESPONSE_FIELD_FOLDING"
                }),
            }
            return;
        }
        let f = parser::parse_field(line);
        if f.missing_colon {
            ctx.anomaly(if request {
                "REQUEST_FIELD_MISSING_COLON"
            } else {
                "RESPONSE_FIELD_MISSING_COLON"
            });
            return;
        }
        if f.name.is_empty() || f.name.iter().any(|&b| b <= b' ' || b >= 0x7f) {
            ctx.anomaly(if request {
                "REQUEST_HEADER_INVALID"
            } else {
                "RESPONSE_HEADER_INVALID"
            });
        }
        if let Some(h) = headers
            .iter_mut()
            .find(|h| h.name.eq_ignore_ascii_case(f.name))
        {
            // libhtp warns at a name's second occurrence (once per name)
            // and counts the later ones.
            let second = !h.repeated;
            if !second {
                if *reps >= HEADER_REPETITIONS_LIMIT {
                    return;
                }
                *reps += 1;
            }
            h.repeated = true;
            if f.name.eq_ignore_ascii_case(b"content-length") {
                if h.value != f.value {
                    ctx.anomaly(if request {
                        "DUPLICATE_CONTENT_LENGTH_FIELD_IN_REQUEST"
                    } else {
                        "DUPLICATE_CONTENT_LENGTH_FIELD_IN_RESPONSE"
                    });
                }
            } else {
                h.value.extend_from_slice(b", ");
                h.value.extend_from_slice(f.value);
            }
            if second {
                ctx.anomaly(if request {
                    "REQUEST_HEADER_REPETITION"
                } else {
                    "RESPONSE_HEADER_REPETITION"
                });
            }
            return;
        }
        let s = self.side(dir);
        s.headers += 1;
        if s.headers > limit {
            if s.headers == limit + 1 {
                ctx.limit_hit();
                ctx.anomaly(if request {
                    "REQUEST_TOO_MANY_HEADERS"
                } else {
                    "RESPONSE_TOO_MANY_HEADERS"
                });
            }
            return;
        }
        let Some(tx) = self.txs.iter_mut().find(|t| Some(t.id) == cur) else {
            return;
        };
        let headers = match dir {
            Direction::ToServer => &mut tx.req_headers,
            Direction::ToClient => &mut tx.resp_headers,
        };
        headers.push(Header {
            name: f.name.to_vec(),
            value: f.value.to_vec(),
            repeated: false,
        });
    }

    fn headers_done(&mut self, ctx: &mut dyn Out, dir: Direction) {
        match dir {
            Direction::ToServer => self.request_headers_done(ctx),
            Direction::ToClient => self.response_headers_done(ctx),
        }
    }

    fn request_headers_done(&mut self, ctx: &mut dyn Out) {
        let cur = self.req.cur;
        let Some(tx) = self.txs.iter_mut().find(|t| Some(t.id) == cur) else {
            return;
        };
        // Host: the URI's authority wins, the header fills in.
        if let Some(hv) = find_header(&tx.req_headers, "host").map(<[u8]>::to_vec) {
            let (h, p) = parser::split_host_port(&hv);
            let norm = parser::normalize_host(h);
            match &tx.host {
                Some(uri_host) => {
                    if *uri_host != norm {
                        ctx.anomaly("HOST_HEADER_AMBIGUOUS");
                    }
                }
                None => {
                    tx.host_raw = Some(h.to_vec());
                    tx.host = Some(norm);
                    if let Some(p) = p {
                        match parser::parse_port(p) {
                            Some(port) => tx.port = Some(port),
                            None if !p.is_empty() => ctx.anomaly("INVALID_AUTHORITY_PORT"),
                            None => {}
                        }
                    }
                }
            }
        } else if tx
            .protocol
            .as_deref()
            .is_some_and(|p| p.eq_ignore_ascii_case(b"HTTP/1.1"))
        {
            ctx.anomaly("MISSING_HOST_HEADER");
        }
        let te = find_header(&tx.req_headers, "transfer-encoding");
        let cl = find_header(&tx.req_headers, "content-length");
        let kind = if let Some(te) = te {
            if parser::has_token(te, b"chunked") {
                Some(BodyKind::Chunked(Chunk::Size))
            } else {
                ctx.anomaly("INVALID_TRANSFER_ENCODING_VALUE_IN_REQUEST");
                None
            }
        } else if let Some(cl) = cl {
            match parser::parse_content_length(cl) {
                Some(0) => None,
                Some(n) => Some(BodyKind::Length(n)),
                None => {
                    ctx.anomaly("INVALID_CONTENT_LENGTH_FIELD_IN_REQUEST");
                    None
                }
            }
        } else {
            None
        };
        let is_connect = tx.is_connect();
        let method = tx.method.clone().unwrap_or_default();
        if kind.is_some() {
            if let Some(b) =
                find_header(&tx.req_headers, "content-type").and_then(parser::multipart_boundary)
                && method.eq_ignore_ascii_case(b"POST")
            {
                tx.multipart = Some(Multipart::new(b, self.cfg.file_hashes));
            } else if method.eq_ignore_ascii_case(b"POST") || method.eq_ignore_ascii_case(b"PUT") {
                let name = tx.path_norm.clone().unwrap_or_default();
                tx.req_file = Some(FileTrack::new(name, None, self.cfg.file_hashes));
            }
        }
        match kind {
            Some(k) => self.req.state = State::Body(k),
            None => {
                self.req.state = if is_connect {
                    State::ConnectWait
                } else {
                    State::Line
                };
                self.request_done(ctx);
            }
        }
    }

    fn request_done(&mut self, ctx: &mut dyn Out) {
        let cur = self.req.cur;
        let mut files = Vec::new();
        if let Some(tx) = self.txs.iter_mut().find(|t| Some(t.id) == cur) {
            tx.req_done = true;
            if let Some(f) = tx.req_file.take()
                && f.size > 0
            {
                files.push(f.finish(true));
            }
            if let Some(m) = tx.multipart.take() {
                let (done, spans) = m.finish();
                files.extend(done);
                tx.file_spans.extend(spans);
            }
        }
        for f in files {
            self.log_file(ctx, cur, Direction::ToServer, f);
        }
        self.announce_request(ctx, cur);
        if self.req.state == State::Body(BodyKind::Length(0))
            || matches!(self.req.state, State::Body(_))
        {
            let connect = self.tx_mut(cur).is_some_and(|t| t.is_connect());
            self.req.state = if connect {
                State::ConnectWait
            } else {
                State::Line
            };
        }
        self.try_complete(ctx);
    }

    /// Whether the response about to start answers an HTTP/0.9 request.
    fn next_answer_is_09(&self) -> bool {
        self.resp.line.is_empty()
            && self
                .txs
                .iter()
                .find(|t| !t.resp_started)
                .is_some_and(|t| t.http09)
    }

    /// A line where a status line is due; `rest` is what follows it in
    /// this call.
    fn status_line(&mut self, ctx: &mut dyn Out, raw: &[u8], rest: &[u8]) {
        let line = parser::chomp(raw);
        if line.is_empty() && !self.next_answer_is_09() {
            return;
        }
        // libhtp (`RES_LINE`): a line that is no status line but is
        // followed at once by one that may be (it starts with `H`) is
        // skipped as noise (`response_ignored_lines`), not taken as the
        // start of a body without headers.
        if !parser::looks_like_status_line(line)
            && !self.next_answer_is_09()
            && rest.len() > 1
            && rest.first().is_some_and(|b| b.eq_ignore_ascii_case(&b'h'))
        {
            return;
        }
        self.commit_09(ctx);
        // The transaction this response answers: the one already started
        // (after an interim 1xx), else the oldest unanswered one.
        let cur = match self
            .resp
            .cur
            .filter(|&id| self.txs.iter().any(|t| t.id == id && !t.resp_done))
        {
            Some(id) => id,
            None => match self.txs.iter().find(|t| !t.resp_started) {
                Some(t) => t.id,
                None => {
                    ctx.anomaly("UNABLE_TO_MATCH_RESPONSE_TO_REQUEST");
                    let id = self.next_id;
                    self.next_id += 1;
                    self.txs.push_back(Tx {
                        id,
                        req_done: true,
                        ..Tx::default()
                    });
                    id
                }
            },
        };
        self.resp.cur = Some(cur);
        self.resp.headers = 0;
        let Some(tx) = self.txs.iter_mut().find(|t| t.id == cur) else {
            return;
        };
        tx.resp_started = true;
        let is_09 = tx.http09;
        if is_09 || !parser::looks_like_status_line(line) {
            // An HTTP/0.9 response, or a server that skipped the status
            // line: everything until the close is body.
            if !is_09 {
                ctx.anomaly("RESPONSE_INVALID_PROTOCOL");
            }
            self.resp.state = State::Body(BodyKind::Close);
            self.start_response_body(ctx);
            let _ = self.body(ctx, Direction::ToClient, BodyKind::Close, raw);
            return;
        }
        let sl = parser::parse_status_line(line);
        if sl.code.is_none() {
            ctx.anomaly("RESPONSE_INVALID_STATUS");
        }
        tx.response_line = Some(line.to_vec());
        tx.resp_protocol = Some(sl.protocol.to_vec());
        tx.status_raw = Some(sl.status.to_vec());
        tx.status = sl.code;
        tx.status_msg = Some(sl.message.to_vec());
        tx.resp_headers.clear();
        tx.resp_headers_raw.clear();
        tx.header_reps[1] = 0;
        self.resp.state = State::Headers;
    }

    fn response_headers_done(&mut self, ctx: &mut dyn Out) {
        let cur = self.resp.cur;
        let Some(tx) = self.txs.iter_mut().find(|t| Some(t.id) == cur) else {
            return;
        };
        let status = tx.status.unwrap_or(0);
        if (100..200).contains(&status) && status != 101 {
            // Interim response: the final one follows for the same request.
            tx.interim_seen = tx.interim_seen.saturating_add(1);
            if status == 100 && tx.interim_seen > 1 {
                ctx.anomaly("100_CONTINUE_ALREADY_SEEN");
            }
            self.resp.state = State::Line;
            return;
        }
        if status == 101 {
            // Upgrade: what follows is another protocol.
            self.resp.state = State::Tunnel;
            self.req.state = State::Tunnel;
            self.response_done(ctx);
            return;
        }
        if tx.is_connect() && self.req.cur == cur {
            let ok = (200..300).contains(&status);
            let held = std::mem::take(&mut self.req.hold);
            if ok {
                self.req.state = State::TunnelProbe;
                self.resp.state = State::Line;
                self.response_done(ctx);
                if !held.is_empty() {
                    self.run(ctx, Direction::ToServer, &held);
                }
            } else {
                if self.req.state == State::ConnectWait {
                    self.req.state = State::Line;
                }
                self.resp.state = State::Line;
                self.response_done(ctx);
                if !held.is_empty() {
                    self.run(ctx, Direction::ToServer, &held);
                }
            }
            return;
        }
        let head = tx
            .method
            .as_deref()
            .is_some_and(|m| m.eq_ignore_ascii_case(b"HEAD"));
        let te = find_header(&tx.resp_headers, "transfer-encoding");
        let cl = find_header(&tx.resp_headers, "content-length");
        // libhtp: a 1xx, 204 or 304 has no body unless it announces one,
        // which is unexpected but then read as announced (browsers do).
        let bodiless_status = (100..200).contains(&status) || status == 204 || status == 304;
        if bodiless_status && !head && (te.is_some() || cl.is_some()) {
            ctx.anomaly("RESPONSE_BODY_UNEXPECTED");
        }
        let kind = if head || (bodiless_status && te.is_none() && cl.is_none()) {
            None
        } else if let Some(te) = te {
            if parser::has_token(te, b"chunked") {
                if tx
                    .resp_protocol
                    .as_deref()
                    .is_some_and(|p| p.eq_ignore_ascii_case(b"HTTP/1.0"))
                {
                    ctx.anomaly("RESPONSE_CHUNKED_OLD_PROTO");
                }
                Some(BodyKind::Chunked(Chunk::Size))
            } else {
                ctx.anomaly("INVALID_TRANSFER_ENCODING_VALUE_IN_RESPONSE");
                Some(BodyKind::Close)
            }
        } else if let Some(cl) = cl {
            match parser::parse_content_length(cl) {
                Some(0) => None,
                Some(n) => Some(BodyKind::Length(n)),
                None => {
                    ctx.anomaly("INVALID_CONTENT_LENGTH_FIELD_IN_RESPONSE");
                    Some(BodyKind::Close)
                }
            }
        } else {
            Some(BodyKind::Close)
        };
        match kind {
            Some(k) => {
                self.resp.state = State::Body(k);
                self.start_response_body(ctx);
            }
            None => self.resp.state = State::Finalize,
        }
    }

    /// Sets up decoding and the file of a response body.
    fn start_response_body(&mut self, ctx: &mut dyn Out) {
        let cur = self.resp.cur;
        let layers = self.cfg.decompress_layers;
        let bomb = self.cfg.bomb_limit;
        let lzma = self.cfg.lzma_memlimit;
        let Some(tx) = self.txs.iter_mut().find(|t| Some(t.id) == cur) else {
            return;
        };
        if let Some(ce) = find_header(&tx.resp_headers, "content-encoding") {
            let mut codings = Vec::new();
            let mut unknown = false;
            for t in ce.split(|&b| b == b',') {
                match Coding::from_token(t, lzma) {
                    Ok(Some(c)) => codings.push(c),
                    Ok(None) => {}
                    Err(()) => unknown = true,
                }
            }
            if codings.len() > layers {
                ctx.anomaly("TOO_MANY_ENCODING_LAYERS");
                codings.truncate(layers);
            }
            if !codings.is_empty() && !unknown {
                tx.decoder = Some(Decoder::new(&codings, bomb));
            }
        }
        let range =
            find_header(&tx.resp_headers, "content-range").and_then(parser::parse_content_range);
        let name = find_header(&tx.resp_headers, "content-disposition")
            .and_then(parser::disposition_filename)
            .map(<[u8]>::to_vec)
            .or_else(|| tx.path_norm.clone())
            .unwrap_or_default();
        if let (Some(r), Some(host)) = (range.as_ref(), tx.host.as_deref()) {
            // Suricata keys a resource by host and file name, and joins
            // nothing for a request without a host.
            let key = [host, &name[..]].concat();
            tx.range_block = self.ranges.open(key, r, &name, self.cfg.file_hashes);
        }
        tx.resp_file = Some(FileTrack::new(name, range, self.cfg.file_hashes));
    }

    fn response_done(&mut self, ctx: &mut dyn Out) {
        let cur = self.resp.cur;
        self.close_response_file(ctx, cur, true);
        if let Some(tx) = self.tx_mut(cur) {
            tx.resp_done = true;
        }
        self.resp.cur = None;
        if matches!(self.resp.state, State::Body(_)) {
            self.resp.state = State::Line;
        }
        self.try_complete(ctx);
    }

    fn close_response_file(&mut self, ctx: &mut dyn Out, id: Option<u64>, complete: bool) {
        self.flush_decoder(ctx, id);
        let done = self
            .tx_mut(id)
            .and_then(|tx| tx.resp_file.take())
            .filter(|f| f.size > 0)
            .map(|f| f.finish(complete));
        if let Some(f) = done {
            self.log_file(ctx, id, Direction::ToClient, f);
        }
        // A range that completed its resource adds the whole file to the
        // transaction, after the piece (Suricata's HTPFileCloseHandleRange).
        let whole = self
            .tx_mut(id)
            .and_then(|tx| tx.range_block.take())
            .and_then(|b| self.ranges.close(b));
        if let Some(f) = whole {
            self.log_file(ctx, id, Direction::ToClient, f);
        }
    }

    /// The response body of `id` ended: what its decoders still hold
    /// (an LZMA window) joins the body and the file before they close.
    fn flush_decoder(&mut self, ctx: &mut dyn Out, id: Option<u64>) {
        let resp_limit = self.cfg.response_body_limit;
        let keep_bodies = self.cfg.keep_bodies();
        let Some(tx) = self.txs.iter_mut().find(|t| Some(t.id) == id) else {
            return;
        };
        let Some(d) = tx.decoder.as_mut() else {
            return;
        };
        match d.finish(&mut self.decoded) {
            Some(DecodeEvent::Failed) => ctx.anomaly("GZIP_DECOMPRESSION_FAILED"),
            Some(DecodeEvent::Bomb) => {
                ctx.limit_hit();
                ctx.anomaly("COMPRESSION_BOMB");
            }
            None => {}
        }
        if self.decoded.is_empty() {
            return;
        }
        if keep_bodies {
            body::keep(&mut tx.resp_body, &self.decoded, resp_limit);
        }
        if let Some(f) = tx.resp_file.as_mut() {
            f.update(&self.decoded);
        }
    }

    /// Keeps a closed file for its `fileinfo` record, written when the
    /// transaction is (see [`HttpState::log_tx`]).
    fn log_file(&mut self, _ctx: &mut dyn Out, id: Option<u64>, dir: Direction, f: FileDone) {
        if let Some(tx) = id.and_then(|id| self.txs.iter_mut().find(|t| t.id == id)) {
            tx.files.push((dir, f));
        }
    }

    /// Consumes body bytes of `kind`; returns what follows the body.
    fn body<'d>(
        &mut self,
        ctx: &mut dyn Out,
        dir: Direction,
        kind: BodyKind,
        data: &'d [u8],
    ) -> &'d [u8] {
        match kind {
            BodyKind::Close => {
                self.body_data(ctx, dir, data);
                &[]
            }
            BodyKind::Length(n) => {
                let take = usize::try_from(n).unwrap_or(usize::MAX).min(data.len());
                let (now, rest) = data.split_at(take);
                self.body_data(ctx, dir, now);
                let left = n - take as u64;
                if left == 0 {
                    self.body_done(ctx, dir);
                } else {
                    self.side(dir).state = State::Body(BodyKind::Length(left));
                }
                rest
            }
            BodyKind::Chunked(Chunk::Data(n)) => {
                let take = usize::try_from(n).unwrap_or(usize::MAX).min(data.len());
                let (now, rest) = data.split_at(take);
                self.body_data(ctx, dir, now);
                let left = n - take as u64;
                self.side(dir).state = State::Body(BodyKind::Chunked(if left == 0 {
                    Chunk::DataEnd
                } else {
                    Chunk::Data(left)
                }));
                rest
            }
            BodyKind::Chunked(_) => self.take_line(ctx, dir, data),
        }
    }

    fn chunk_line(&mut self, ctx: &mut dyn Out, dir: Direction, c: Chunk, raw: &[u8]) {
        let line = parser::chomp(raw);
        match c {
            Chunk::Size => {
                if line.is_empty() {
                    return;
                }
                match parser::parse_chunk_size(line) {
                    Some(0) => {
                        self.side(dir).state = State::Body(BodyKind::Chunked(Chunk::Trailer))
                    }
                    Some(n) => {
                        self.side(dir).state = State::Body(BodyKind::Chunked(Chunk::Data(n)))
                    }
                    None => {
                        ctx.anomaly(match dir {
                            Direction::ToServer => "INVALID_REQUEST_CHUNK_LEN",
                            Direction::ToClient => "INVALID_RESPONSE_CHUNK_LEN",
                        });
                        // libhtp gives up on chunking: for a response the
                        // rest is body until the close; a request ends.
                        match dir {
                            Direction::ToClient => {
                                self.resp.state = State::Body(BodyKind::Close);
                                self.body_data(ctx, dir, raw);
                            }
                            Direction::ToServer => self.body_done(ctx, dir),
                        }
                    }
                }
            }
            Chunk::DataEnd => {
                self.side(dir).state = State::Body(BodyKind::Chunked(Chunk::Size));
                if !line.is_empty() {
                    // No CRLF after the data: treat the line as a size.
                    self.chunk_line(ctx, dir, Chunk::Size, raw);
                }
            }
            Chunk::Trailer => {
                if line.is_empty() {
                    self.body_done(ctx, dir);
                }
            }
            Chunk::Data(_) => {}
        }
    }

    fn body_done(&mut self, ctx: &mut dyn Out, dir: Direction) {
        match dir {
            Direction::ToServer => {
                self.req.state = State::Line;
                self.request_done(ctx);
            }
            Direction::ToClient => self.resp.state = State::Finalize,
        }
    }

    /// The response in Finalize is over: close its file, complete it.
    fn finalize_response(&mut self, ctx: &mut dyn Out) {
        if self.resp.state == State::Finalize {
            self.resp.state = State::Line;
            self.response_done(ctx);
        }
    }

    fn body_data(&mut self, ctx: &mut dyn Out, dir: Direction, data: &[u8]) {
        if data.is_empty() {
            return;
        }
        let cur = self.side(dir).cur;
        // Bytes the message still announces, this call's included.
        let announced = match self.side(dir).state {
            State::Body(BodyKind::Length(n)) => Some(n),
            _ => None,
        };
        let (req_limit, resp_limit) = (self.cfg.request_body_limit, self.cfg.response_body_limit);
        let keep_bodies = self.cfg.keep_bodies();
        let Some(tx) = self.txs.iter_mut().find(|t| Some(t.id) == cur) else {
            return;
        };
        match dir {
            Direction::ToServer => {
                tx.req_body_len += data.len() as u64;
                if keep_bodies {
                    if let Some(n) = announced {
                        body::reserve_announced(&mut tx.req_body, n, req_limit);
                    }
                    body::keep(&mut tx.req_body, data, req_limit);
                }
                if let Some(f) = tx.req_file.as_mut() {
                    f.update(data);
                }
                if let Some(m) = tx.multipart.as_mut() {
                    m.feed(data);
                    tx.file_spans.append(&mut m.spans);
                    let done = std::mem::take(&mut m.done);
                    for f in done {
                        self.log_file(ctx, cur, Direction::ToServer, f);
                    }
                }
            }
            Direction::ToClient => {
                tx.resp_message_len += data.len() as u64;
                let decoded: &[u8] = match tx.decoder.as_mut() {
                    Some(d) => {
                        match d.feed(data, &mut self.decoded) {
                            Some(DecodeEvent::Failed) => ctx.anomaly("GZIP_DECOMPRESSION_FAILED"),
                            Some(DecodeEvent::Bomb) => {
                                ctx.limit_hit();
                                ctx.anomaly("COMPRESSION_BOMB");
                            }
                            None => {}
                        }
                        &self.decoded
                    }
                    None => data,
                };
                if keep_bodies {
                    // Decoded (decompressed) sizes are not announced.
                    if let (Some(n), None) = (announced, tx.decoder.as_ref()) {
                        body::reserve_announced(&mut tx.resp_body, n, resp_limit);
                    }
                    body::keep(&mut tx.resp_body, decoded, resp_limit);
                }
                if let Some(f) = tx.resp_file.as_mut() {
                    f.update(decoded);
                }
                if let Some(b) = tx.range_block.as_mut() {
                    self.ranges.update(b, decoded);
                }
            }
        }
    }

    /// Hands a complete request to the rule engine, unless its response
    /// already completed the transaction (then it is inspected whole).
    fn announce_request(&mut self, ctx: &mut dyn Out, id: Option<u64>) {
        let Some(i) = self.txs.iter().position(|t| Some(t.id) == id) else {
            return;
        };
        if self.txs[i].resp_done {
            return;
        }
        ctx.request_complete(&TxLog::new(&self.txs[i], &self.cfg));
        self.txs[i].req_announced = true;
    }

    /// Logs finished transactions, oldest first.
    fn try_complete(&mut self, ctx: &mut dyn Out) {
        while self.txs.front().is_some_and(|t| t.req_done && t.resp_done) {
            if let Some(tx) = self.txs.pop_front() {
                self.log_tx(ctx, &tx);
            }
        }
    }

    /// Logs a finished transaction, then its files: the rules have seen
    /// it by then, so a `filestore` match is in each file's `stored`.
    fn log_tx(&self, ctx: &mut dyn Out, tx: &Tx) {
        ctx.complete(&TxLog::new(tx, &self.cfg));
        for (dir, f) in &tx.files {
            let body = fileinfo_record(tx, &self.cfg, f);
            let d = match dir {
                Direction::ToClient => Some(Direction::ToClient),
                Direction::ToServer => None,
            };
            ctx.emit("fileinfo", d, body);
        }
    }

    /// Data of `len` bytes was lost in `dir`.
    pub fn lose(&mut self, ctx: &mut dyn Out, dir: Direction, len: u64) {
        let state = self.side(dir).state;
        let cur = self.side(dir).cur;
        let mark = |tx: &mut Tx, ranges: &mut range::Ranges, lost: u64| {
            let f = match dir {
                Direction::ToServer => tx.req_file.as_mut(),
                Direction::ToClient => {
                    if let Some(d) = tx.decoder.as_mut() {
                        d.gap();
                    }
                    if let Some(b) = tx.range_block.as_mut() {
                        ranges.lose(b, lost);
                    }
                    tx.resp_file.as_mut()
                }
            };
            if let Some(f) = f {
                // Suricata counts lost bytes in the file's size.
                f.gaps = true;
                f.size += lost;
            }
        };
        match state {
            State::Body(BodyKind::Close) => {
                if let Some(tx) = self.txs.iter_mut().find(|t| Some(t.id) == cur) {
                    mark(tx, &mut self.ranges, len);
                }
            }
            State::Finalize if dir == Direction::ToClient => {
                self.finalize_response(ctx);
                self.resp.state = State::Lost;
            }
            State::Body(BodyKind::Length(n)) | State::Body(BodyKind::Chunked(Chunk::Data(n))) => {
                if let Some(tx) = self.txs.iter_mut().find(|t| Some(t.id) == cur) {
                    mark(tx, &mut self.ranges, len.min(n));
                }
                if len < n {
                    let next = match state {
                        State::Body(BodyKind::Length(_)) => BodyKind::Length(n - len),
                        _ => BodyKind::Chunked(Chunk::Data(n - len)),
                    };
                    self.side(dir).state = State::Body(next);
                } else if matches!(state, State::Body(BodyKind::Length(_))) {
                    self.body_done(ctx, dir);
                    if len > n {
                        self.finalize_response(ctx);
                        self.side(dir).state = State::Lost;
                    }
                } else {
                    self.side(dir).state = if len == n {
                        State::Body(BodyKind::Chunked(Chunk::DataEnd))
                    } else {
                        State::Lost
                    };
                }
            }
            State::Tunnel => {}
            _ => {
                let s = self.side(dir);
                s.line.clear();
                s.overflow = false;
                s.state = State::Lost;
            }
        }
    }
}

impl AppParser for HttpState {
    fn parse(&mut self, ctx: &mut ParseCtx<'_, '_>, dir: Direction, data: &[u8]) {
        self.feed(ctx, dir, data);
    }

    fn gap(&mut self, ctx: &mut ParseCtx<'_, '_>, dir: Direction, len: u64) {
        self.lose(ctx, dir, len);
    }

    fn finish(&mut self, ctx: &mut ParseCtx<'_, '_>) {
        self.end(ctx);
    }
}

impl HttpState {
    /// In-order bytes of one direction.
    pub fn feed(&mut self, ctx: &mut dyn Out, dir: Direction, data: &[u8]) {
        if dir == Direction::ToClient {
            if matches!(self.req.state, State::TunnelProbe | State::Tunnel) {
                return;
            }
            self.flush_request_line(ctx, false);
            self.commit_09(ctx);
        }
        self.run(ctx, dir, data);
    }

    /// The flow ends: close bodies, log what is pending.
    pub fn end(&mut self, ctx: &mut dyn Out) {
        self.flush_request_line(ctx, true);
        self.commit_09(ctx);
        self.finalize_response(ctx);
        // A body read until the close ends normally; others were cut.
        for dir in [Direction::ToServer, Direction::ToClient] {
            let s = self.side(dir);
            let cur = s.cur;
            let complete = s.state == State::Body(BodyKind::Close);
            match dir {
                Direction::ToServer => {
                    let mut files = Vec::new();
                    if let Some(tx) = self.tx_mut(cur) {
                        if let Some(f) = tx.req_file.take().filter(|f| f.size > 0) {
                            files.push(f.finish(false));
                        }
                        if let Some(m) = tx.multipart.take() {
                            let (done, spans) = m.finish();
                            files.extend(done);
                            tx.file_spans.extend(spans);
                        }
                    }
                    for f in files {
                        self.log_file(ctx, cur, dir, f);
                    }
                }
                Direction::ToClient => self.close_response_file(ctx, cur, complete),
            }
        }
        while let Some(tx) = self.txs.pop_front() {
            self.log_tx(ctx, &tx);
        }
    }
}

/// Content-Range of a response, for logs.
pub fn content_range(tx: &Tx) -> Option<(&[u8], Option<ContentRange>)> {
    let raw = tx.resp_header("content-range")?;
    Some((raw, parser::parse_content_range(raw)))
}
