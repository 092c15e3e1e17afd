//! The per-flow TLS parser: record layer per direction, handshake message
//! reassembly across records, the one transaction of the flow (Suricata's
//! TLS state is a single transaction), logged once the handshake is done
//! in both directions or when the flow ends.

use std::cell::OnceCell;

use taishi_flow::Direction;

use super::cert::{self, CertInfo};
use super::fingerprint::{self, Ja3};
use super::parser::{
    self, Error, Extensions, HANDSHAKE_HEADER_LEN, RECORD_HEADER_LEN, RECORD_MAX_LEN, SniError,
    content, ext, hs,
};
use super::{MAX_ALPNS, MAX_CHAIN_BYTES, MAX_HANDSHAKE_MSG, Options};
use crate::parser::{AppParser, ParseCtx};

/// Record-layer version of SSLv2, as Suricata stores it.
pub const SSL_VERSION_2: u16 = 0x0002;
/// Suricata's marker for TLS 1.3 drafts before 16 (and a ServerHello
/// version field of 0x0304, used by those drafts).
pub const TLS_13_PRE_DRAFT16: u16 = 0x7f01;

/// The ServerHello random that marks a HelloRetryRequest (RFC 8446 §4.1.3).
const HRR_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

/// Everything the flow's TLS transaction records.
#[derive(Clone, Debug, Default)]
pub struct TlsTx {
    /// SNI of the first ClientHello.
    pub sni: Option<String>,
    /// Server's version as Suricata keeps it (record version until the
    /// ServerHello, then the hello's or the supported_versions one).
    pub server_version: u16,
    /// Client's version (hello, then first valid supported_versions).
    pub client_version: u16,
    /// ALPN protocols the client offers.
    pub client_alpns: Vec<String>,
    /// ALPN protocol(s) the server picks.
    pub server_alpns: Vec<String>,
    /// Body of the first ClientHello, kept so that its fingerprints are
    /// computed only when logged or inspected (hashing every hello costs
    /// more than copying it).
    pub client_hello: Vec<u8>,
    /// Body of the (last) ServerHello, for JA3S.
    pub server_hello_body: Vec<u8>,
    /// Fingerprints, computed on first use.
    fp: OnceCell<Fingerprints>,
    /// First server certificate.
    pub cert: Option<CertInfo>,
    /// Server certificate chain (DER), bounded by `MAX_CHAIN_BYTES`.
    pub chain: Vec<Vec<u8>>,
    /// First client certificate.
    pub client_cert: Option<CertInfo>,
    /// Session resumption (same session id, or a session ticket offered).
    pub resumed: bool,
    /// A ServerHello was seen.
    pub server_hello: bool,
    /// TLS 1.3 (or a draft) negotiated: logged without a certificate.
    pub log_without_cert: bool,
    /// What the EVE record includes.
    pub opts: Options,
    /// Handshake messages seen, as [`crate::buffer::tls_state`] bits
    /// (`ssl_state`).
    pub handshakes: u64,
    /// Unix seconds of the packet whose data carried the server
    /// certificate: the clock `tls_cert_expired` and `tls_cert_valid` use.
    pub cert_seen_at: Option<i64>,
}

/// JA3, JA3S and JA4 of a transaction.
#[derive(Clone, Debug, Default)]
pub struct Fingerprints {
    /// JA3 of the first ClientHello.
    pub ja3: Option<Ja3>,
    /// JA3S of the ServerHello.
    pub ja3s: Option<Ja3>,
    /// JA4 of the first ClientHello.
    pub ja4: Option<String>,
}

impl TlsTx {
    /// The fingerprints, computed from the kept hellos on first use.
    pub fn fingerprints(&self) -> &Fingerprints {
        self.fp.get_or_init(|| {
            let ch = (!self.client_hello.is_empty())
                .then(|| parser::client_hello(&self.client_hello).ok())
                .flatten();
            let sh = (!self.server_hello_body.is_empty())
                .then(|| parser::server_hello(&self.server_hello_body).ok())
                .flatten();
            Fingerprints {
                ja3: ch.as_ref().map(fingerprint::ja3),
                ja3s: sh.as_ref().map(fingerprint::ja3s),
                ja4: ch.as_ref().map(fingerprint::ja4),
            }
        })
    }
}

/// Per-direction record state.
#[derive(Default)]
struct Side {
    /// Partial record header.
    hdr: [u8; RECORD_HEADER_LEN],
    hdr_len: usize,
    /// Current record: content type, bytes of its body still to come.
    rec_type: u8,
    rec_len: usize,
    rec_left: usize,
    /// First bytes of an alert or heartbeat record body.
    small: [u8; 3],
    small_len: usize,
    /// SSLv2 record in progress.
    ssl2: bool,
    /// Handshake messages being reassembled (across records).
    hs: Vec<u8>,
    /// Bytes of an oversized handshake message still to drop.
    hs_skip: usize,
    /// This side sent ChangeCipherSpec: its handshake records are encrypted.
    ccs: bool,
    /// This side finished its handshake (CCS or application data).
    done: bool,
    /// Parsing of this side stopped (gap, or a fatal error).
    lost: bool,
    /// Session id of its hello.
    session_id: Vec<u8>,
    /// ClientHello / ServerHello seen.
    hello: bool,
    /// Version as Suricata keeps it per side: each record header's until
    /// the hello, then the hello's.
    version: u16,
}

/// The TLS parser of one flow.
pub struct TlsParser {
    sides: [Side; 2],
    tx: TlsTx,
    /// TLS 1.3 negotiated (not a HelloRetryRequest): handshake records
    /// after the ServerHello are encrypted.
    tls13: bool,
    /// The client listed supported_versions.
    ch_supported_versions: bool,
    /// Early data offered: application data before the ServerHello is 0-RTT.
    early_data: bool,
    /// Heartbeat in flight: direction that sent the request and its
    /// record length.
    hb: Option<(usize, usize)>,
    /// The transaction was logged (or judged not loggable).
    logged: bool,
    /// A fatal error: nothing more is parsed.
    dead: bool,
}

impl TlsParser {
    /// A parser with these options.
    pub fn new(opts: Options) -> TlsParser {
        TlsParser {
            sides: Default::default(),
            tx: TlsTx {
                opts,
                ..TlsTx::default()
            },
            tls13: false,
            ch_supported_versions: false,
            early_data: false,
            hb: None,
            logged: false,
            dead: false,
        }
    }

    /// The transaction as parsed so far.
    pub fn tx(&self) -> &TlsTx {
        &self.tx
    }

    fn fatal(&mut self, ctx: &mut dyn Out, event: &'static str) {
        ctx.anomaly(event);
        self.dead = true;
    }

    fn run(&mut self, ctx: &mut dyn Out, d: usize, mut data: &[u8]) {
        while !data.is_empty() && !self.dead && !self.sides[d].lost {
            if self.sides[d].rec_left == 0 {
                let used = self.header(ctx, d, data);
                data = data.get(used..).unwrap_or(&[]);
                continue;
            }
            let n = self.sides[d].rec_left.min(data.len());
            let (chunk, rest) = data.split_at(n);
            data = rest;
            self.body(ctx, d, chunk);
            let s = &mut self.sides[d];
            s.rec_left -= n;
            if s.rec_left == 0 {
                self.record_end(ctx, d);
            }
        }
        if self.sides[0].done && self.sides[1].done {
            self.try_log(ctx);
        }
    }

    /// Consumes header bytes; starts a record when the header is whole.
    fn header(&mut self, ctx: &mut dyn Out, d: usize, data: &[u8]) -> usize {
        let s = &mut self.sides[d];
        let first = if s.hdr_len == 0 {
            data.first()
        } else {
            s.hdr.first()
        };
        let ssl2 = first.is_some_and(|b| b & 0x80 != 0);
        // SSLv2: two length bytes and the message type.
        let want = if ssl2 { 3 } else { RECORD_HEADER_LEN };
        let take = (want - s.hdr_len).min(data.len());
        s.hdr[s.hdr_len..s.hdr_len + take].copy_from_slice(&data[..take]);
        s.hdr_len += take;
        if s.hdr_len < want {
            return take;
        }
        s.hdr_len = 0;
        if ssl2 {
            let Ok(h) = parser::ssl2_header(&s.hdr[..3]) else {
                return take;
            };
            s.ssl2 = true;
            s.rec_type = s.hdr[2];
            s.rec_len = h.len.saturating_sub(1);
            s.rec_left = s.rec_len;
            s.hs.clear();
            if !s.hello {
                s.version = SSL_VERSION_2;
            }
            if h.len == 0 {
                self.fatal(ctx, "INVALID_SSL_RECORD");
            } else if s.rec_left == 0 {
                self.record_end(ctx, d);
            }
            return take;
        }
        let Ok(h) = parser::record_header(&s.hdr) else {
            return take;
        };
        s.ssl2 = false;
        let prev = s.version;
        if !s.hello {
            s.version = h.version;
        }
        let known = matches!(h.content_type, 20..=24);
        if !known {
            // TLS 1.0/1.1 ignore unknown records, as Wireshark does;
            // anything else cannot go on.
            if prev == 0x0301 || prev == 0x0302 {
                s.version = prev;
                ctx.anomaly("INVALID_RECORD_TYPE");
                s.lost = true;
                return take;
            }
            self.fatal(ctx, "INVALID_RECORD_TYPE");
            return take;
        }
        if h.len == 0 {
            self.fatal(ctx, "INVALID_RECORD_LENGTH");
            return take;
        }
        if !parser::version_valid(h.version) {
            self.fatal(ctx, "INVALID_RECORD_VERSION");
            return take;
        }
        if h.len > RECORD_MAX_LEN {
            self.fatal(ctx, "INVALID_RECORD_LENGTH");
            return take;
        }
        s.rec_type = h.content_type;
        s.rec_len = h.len;
        s.rec_left = h.len;
        s.small_len = 0;
        if h.content_type == content::CHANGE_CIPHER_SPEC {
            s.ccs = true;
            s.done = true;
        }
        if h.content_type == content::HANDSHAKE
            && h.len < HANDSHAKE_HEADER_LEN
            && !self.encrypted(d)
        {
            self.fatal(ctx, "INVALID_SSL_RECORD");
        }
        take
    }

    /// Whether handshake records of side `d` are encrypted now.
    fn encrypted(&self, d: usize) -> bool {
        self.tls13 || self.sides[d].ccs
    }

    fn body(&mut self, ctx: &mut dyn Out, d: usize, chunk: &[u8]) {
        let rec_type = self.sides[d].rec_type;
        if self.sides[d].ssl2 {
            if rec_type == parser::ssl2::CLIENT_HELLO || rec_type == parser::ssl2::SERVER_HELLO {
                self.feed_hs(ctx, d, chunk);
            }
            return;
        }
        match rec_type {
            content::HANDSHAKE if !self.encrypted(d) => self.feed_hs(ctx, d, chunk),
            content::ALERT | content::HEARTBEAT => {
                let s = &mut self.sides[d];
                let room = s.small.len() - s.small_len;
                let n = room.min(chunk.len());
                s.small[s.small_len..s.small_len + n].copy_from_slice(&chunk[..n]);
                s.small_len += n;
            }
            // 0-RTT data before the ServerHello does not end the handshake.
            content::APPLICATION_DATA if !self.early_data || self.tx.server_hello => {
                self.sides[d].done = true;
            }
            _ => {}
        }
    }

    fn record_end(&mut self, ctx: &mut dyn Out, d: usize) {
        let s = &mut self.sides[d];
        if s.ssl2 {
            let t = s.rec_type;
            let body = std::mem::take(&mut s.hs);
            self.ssl2_message(d, t, &body);
            let s = &mut self.sides[d];
            s.hs = body;
            s.hs.clear();
            s.ssl2 = false;
            return;
        }
        match s.rec_type {
            content::ALERT => {
                if s.small_len < 2 {
                    ctx.anomaly("INVALID_ALERT_MESSAGE");
                    self.dead = true;
                } else if s.rec_len == 2 && s.small[0] == 2 {
                    // A fatal alert in the clear ends the handshake.
                    self.sides[0].done = true;
                    self.sides[1].done = true;
                }
            }
            content::HEARTBEAT => self.heartbeat(ctx, d),
            _ => {}
        }
    }

    /// RFC 6520 checks, as Suricata makes them (CVE-2014-0160).
    fn heartbeat(&mut self, ctx: &mut dyn Out, d: usize) {
        let s = &self.sides[d];
        if s.small_len < 3 {
            return;
        }
        let any_ccs = self.sides[0].ccs || self.sides[1].ccs;
        let (hb_type, payload) = (
            s.small[0],
            usize::from(u16::from_be_bytes([s.small[1], s.small[2]])),
        );
        let rec_len = s.rec_len;
        if !(any_ccs || hb_type == 1 || hb_type == 2) {
            ctx.anomaly("INVALID_HEARTBEAT_MESSAGE");
            self.dead = true;
            return;
        }
        match self.hb {
            None => {
                if any_ccs {
                    self.hb = Some((d, rec_len));
                    return;
                }
                self.hb = Some((d, 0));
                if payload + 3 > rec_len {
                    ctx.anomaly("OVERFLOW_HEARTBEAT_MESSAGE");
                    self.dead = true;
                } else if rec_len - payload - 3 < 16 {
                    ctx.anomaly("INVALID_HEARTBEAT_MESSAGE");
                    self.dead = true;
                }
            }
            Some((from, _)) if from == d => {
                ctx.anomaly("INVALID_HEARTBEAT_MESSAGE");
                self.dead = true;
            }
            Some((_, req_len)) => {
                self.hb = None;
                if any_ccs && req_len > 0 && req_len < rec_len {
                    ctx.anomaly("DATALEAK_HEARTBEAT_MISMATCH");
                    self.dead = true;
                }
            }
        }
    }

    /// Appends handshake bytes and parses every complete message.
    fn feed_hs(&mut self, ctx: &mut dyn Out, d: usize, mut chunk: &[u8]) {
        if self.sides[d].ssl2 {
            let s = &mut self.sides[d];
            if s.hs.len() + chunk.len() <= MAX_HANDSHAKE_MSG {
                s.hs.extend_from_slice(chunk);
            }
            return;
        }
        while !chunk.is_empty() {
            let s = &mut self.sides[d];
            if s.hs_skip > 0 {
                let n = s.hs_skip.min(chunk.len());
                s.hs_skip -= n;
                chunk = &chunk[n..];
                continue;
            }
            // Whole messages straight from the record need no copy.
            if s.hs.is_empty()
                && let Ok(h) = parser::handshake_header(chunk)
                && chunk.len() >= HANDSHAKE_HEADER_LEN + h.len
            {
                let (msg, rest) = chunk.split_at(HANDSHAKE_HEADER_LEN + h.len);
                chunk = rest;
                self.message(ctx, d, h.msg_type, &msg[HANDSHAKE_HEADER_LEN..]);
                if self.dead {
                    return;
                }
                continue;
            }
            let need = match parser::handshake_header(&s.hs) {
                Ok(h) => HANDSHAKE_HEADER_LEN + h.len - s.hs.len(),
                Err(Error::Short(n)) => n,
                Err(Error::Malformed(_)) => return,
            };
            let n = need.min(chunk.len());
            s.hs.extend_from_slice(&chunk[..n]);
            chunk = &chunk[n..];
            let Ok(h) = parser::handshake_header(&s.hs) else {
                continue;
            };
            if h.len > MAX_HANDSHAKE_MSG {
                // Dropped whole: its header is known, its body skipped.
                ctx.limit_hit();
                let had = s.hs.len() - HANDSHAKE_HEADER_LEN;
                s.hs_skip = h.len - had;
                s.hs.clear();
                if !hs::supported(h.msg_type) {
                    ctx.anomaly("INVALID_HANDSHAKE_MESSAGE");
                }
                continue;
            }
            if s.hs.len() == HANDSHAKE_HEADER_LEN + h.len {
                let msg = std::mem::take(&mut s.hs);
                self.message(
                    ctx,
                    d,
                    h.msg_type,
                    msg.get(HANDSHAKE_HEADER_LEN..).unwrap_or(&[]),
                );
                let s = &mut self.sides[d];
                s.hs = msg;
                s.hs.clear();
                if self.dead {
                    return;
                }
            }
        }
    }

    /// One whole handshake message.
    fn message(&mut self, ctx: &mut dyn Out, d: usize, t: u8, body: &[u8]) {
        use crate::buffer::tls_state as st;
        self.tx.handshakes |= match t {
            hs::CLIENT_HELLO => st::CLIENT_HELLO,
            hs::SERVER_HELLO => st::SERVER_HELLO,
            hs::CLIENT_KEY_EXCHANGE => st::CLIENT_KEYX,
            hs::SERVER_KEY_EXCHANGE => st::SERVER_KEYX,
            _ => st::UNKNOWN,
        };
        if t == hs::CERTIFICATE && self.tx.cert_seen_at.is_none() {
            self.tx.cert_seen_at = ctx.now();
        }
        match t {
            hs::CLIENT_HELLO => self.client_hello(ctx, d, body),
            hs::SERVER_HELLO => self.server_hello(ctx, d, body),
            hs::CERTIFICATE => self.certificate(ctx, d, body),
            t if hs::supported(t) => {}
            _ => ctx.anomaly("INVALID_HANDSHAKE_MESSAGE"),
        }
    }

    fn client_hello(&mut self, ctx: &mut dyn Out, d: usize, body: &[u8]) {
        let h = match parser::client_hello(body) {
            Ok(h) => h,
            Err(_) => return ctx.anomaly("HANDSHAKE_INVALID_LENGTH"),
        };
        let first = self.tx.client_hello.is_empty();
        let s = &mut self.sides[d];
        s.hello = true;
        s.version = h.version;
        if first {
            s.session_id.clear();
            s.session_id.extend_from_slice(h.session_id);
        }
        if h.extensions_truncated {
            ctx.anomaly("HANDSHAKE_INVALID_LENGTH");
        }
        let mut sni_seen = false;
        let mut exts = Extensions::new(h.extensions);
        for (t, data) in exts.by_ref() {
            match t {
                ext::SERVER_NAME => match parser::sni(data) {
                    Ok(Some(name)) if sni_seen => {
                        let _ = name;
                        ctx.anomaly("MULTIPLE_SNI_EXTENSIONS");
                    }
                    Ok(Some(name)) => {
                        sni_seen = true;
                        if self.tx.sni.is_none() {
                            self.tx.sni = Some(String::from_utf8_lossy(name).into_owned());
                        }
                    }
                    Ok(None) => {}
                    Err(SniError::Type) => ctx.anomaly("INVALID_SNI_TYPE"),
                    Err(SniError::Length) => ctx.anomaly("INVALID_SNI_LENGTH"),
                    Err(SniError::Truncated) => ctx.anomaly("HANDSHAKE_INVALID_LENGTH"),
                },
                ext::ALPN if first => {
                    for p in parser::alpn(data).take(MAX_ALPNS) {
                        self.tx
                            .client_alpns
                            .push(String::from_utf8_lossy(p).into_owned());
                    }
                }
                ext::SUPPORTED_VERSIONS => {
                    self.ch_supported_versions = true;
                    if let Some(v) = parser::u16s(parser::client_supported_versions(data))
                        .find(|v| parser::version_valid(*v))
                    {
                        self.sides[d].version = v;
                    }
                }
                ext::SESSION_TICKET => self.tx.resumed = true,
                ext::EARLY_DATA => self.early_data = true,
                _ => {}
            }
        }
        if exts.malformed() {
            ctx.anomaly("HANDSHAKE_INVALID_LENGTH");
        }
        self.tx.client_version = self.sides[d].version;
        if first {
            self.tx.client_hello.extend_from_slice(body);
        }
    }

    fn server_hello(&mut self, ctx: &mut dyn Out, d: usize, body: &[u8]) {
        let h = match parser::server_hello(body) {
            Ok(h) => h,
            Err(_) => return ctx.anomaly("HANDSHAKE_INVALID_LENGTH"),
        };
        let hrr = h.random == HRR_RANDOM;
        let mut version = h.version;
        let mut tls13 = version == 0x0304 || version >> 8 == 0x7f;
        if (0x7f01..0x7f10).contains(&version) || version == 0x0304 {
            version = TLS_13_PRE_DRAFT16;
        }
        let mut alpns = Vec::new();
        for (t, data) in Extensions::new(h.extensions) {
            match t {
                ext::SUPPORTED_VERSIONS => {
                    if let Ok(v) = parser::Reader::new(data).u16("selected_version") {
                        if self.ch_supported_versions && v > 0x0303 {
                            tls13 = true;
                        }
                        version = v;
                    }
                }
                ext::ALPN => {
                    alpns.extend(
                        parser::alpn(data)
                            .take(MAX_ALPNS)
                            .map(|p| String::from_utf8_lossy(p).into_owned()),
                    );
                }
                _ => {}
            }
        }
        if h.extensions_truncated {
            ctx.anomaly("HANDSHAKE_INVALID_LENGTH");
        }
        let client_sid = &self.sides[0].session_id;
        if !tls13 && !h.session_id.is_empty() && h.session_id == client_sid.as_slice() {
            self.tx.resumed = true;
        }
        let s = &mut self.sides[d];
        s.hello = true;
        s.version = version;
        self.tx.server_version = version;
        self.tx.server_hello = true;
        if tls13 {
            self.tx.log_without_cert = true;
        }
        self.tx.server_hello_body.clear();
        self.tx.server_hello_body.extend_from_slice(body);
        if !alpns.is_empty() {
            self.tx.server_alpns = alpns;
        }
        // After a HelloRetryRequest the client sends its second
        // ClientHello in the clear.
        if tls13 && !hrr {
            self.tls13 = true;
            // The server's handshake is now encrypted: nothing more to
            // read from it in the clear.
            self.sides[d].done = true;
        }
    }

    fn certificate(&mut self, ctx: &mut dyn Out, d: usize, body: &[u8]) {
        let server = d == 1;
        if (server && !self.tx.chain.is_empty()) || (!server && self.tx.client_cert.is_some()) {
            return;
        }
        let mut list = match parser::certificates(body) {
            Ok(l) => l,
            Err(_) => return ctx.anomaly("INVALID_CERTIFICATE"),
        };
        let mut kept = 0usize;
        for (i, der) in list.by_ref().enumerate() {
            if i == 0 {
                match cert::parse(der) {
                    Ok(c) if server => self.tx.cert = Some(c),
                    Ok(c) => self.tx.client_cert = Some(c),
                    Err(e) => ctx.anomaly(e),
                }
            }
            if server {
                if kept + der.len() > MAX_CHAIN_BYTES {
                    ctx.limit_hit();
                    break;
                }
                kept += der.len();
                self.tx.chain.push(der.to_vec());
            }
        }
        if list.malformed() {
            ctx.anomaly("INVALID_CERTIFICATE");
        }
    }

    fn ssl2_message(&mut self, d: usize, t: u8, body: &[u8]) {
        match t {
            parser::ssl2::CLIENT_HELLO => {
                if let Ok(h) = parser::ssl2_client_hello(body) {
                    self.tx.client_version = h.version;
                    self.sides[d].hello = true;
                    self.sides[d].version = SSL_VERSION_2;
                }
            }
            parser::ssl2::SERVER_HELLO => {
                self.sides[d].hello = true;
                self.sides[d].version = SSL_VERSION_2;
                self.tx.server_version = SSL_VERSION_2;
                self.tx.server_hello = true;
            }
            _ => {}
        }
    }

    /// Logs the transaction once, if Suricata would: with a server
    /// certificate, a resumed session, or TLS 1.3.
    fn try_log(&mut self, ctx: &mut dyn Out) {
        if self.logged {
            return;
        }
        self.logged = true;
        self.tx.server_version = self.sides[1].version;
        let t = &self.tx;
        if t.cert.is_some() || t.resumed || t.log_without_cert {
            ctx.complete(&self.tx);
        }
        // Nothing reads the transaction after it is complete: give its
        // memory (certificates, fingerprints, buffers) back while the flow
        // lives on with encrypted data.
        self.tx = TlsTx {
            opts: self.tx.opts,
            ..TlsTx::default()
        };
        for s in &mut self.sides {
            s.hs = Vec::new();
            s.session_id = Vec::new();
        }
    }
}

/// What the state machine does to the world; [`ParseCtx`] in the
/// pipeline, a recorder in tests (a `ParseCtx` needs a live flow).
pub trait Out {
    /// A protocol violation, by Suricata's event name.
    fn anomaly(&mut self, event: &'static str);
    /// A limit was hit.
    fn limit_hit(&mut self);
    /// The transaction is complete and loggable.
    fn complete(&mut self, tx: &TlsTx);
    /// Unix seconds of the packet being parsed, when known.
    fn now(&self) -> Option<i64> {
        None
    }
}

impl Out for ParseCtx<'_, '_> {
    fn anomaly(&mut self, event: &'static str) {
        ParseCtx::anomaly(self, event);
    }
    fn limit_hit(&mut self) {
        ParseCtx::limit_hit(self);
    }
    fn complete(&mut self, tx: &TlsTx) {
        ParseCtx::complete(self, tx);
    }
    fn now(&self) -> Option<i64> {
        i64::try_from(self.flow.last().secs()).ok()
    }
}

impl TlsParser {
    /// Feeds in-order bytes of one direction (the body of
    /// [`AppParser::parse`]).
    pub fn feed(&mut self, ctx: &mut dyn Out, dir: Direction, data: &[u8]) {
        if self.dead {
            return;
        }
        if self.logged && self.tx.opts.bypass {
            // encryption-handling: bypass — nothing past the handshake.
            return;
        }
        self.run(ctx, dir.index(), data);
    }

    /// The flow ends (the body of [`AppParser::finish`]).
    pub fn end(&mut self, ctx: &mut dyn Out) {
        self.try_log(ctx);
    }
}

impl AppParser for TlsParser {
    fn parse(&mut self, ctx: &mut ParseCtx<'_, '_>, dir: Direction, data: &[u8]) {
        self.feed(ctx, dir, data);
    }

    fn gap(&mut self, _ctx: &mut ParseCtx<'_, '_>, dir: Direction, _len: u64) {
        // Records cannot be found again after lost bytes.
        self.sides[dir.index()].lost = true;
    }

    fn finish(&mut self, ctx: &mut ParseCtx<'_, '_>) {
        self.end(ctx);
    }
}
