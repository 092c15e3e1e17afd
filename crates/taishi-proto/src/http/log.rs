//! EVE records: `http` (Suricata's `output-json-http.c`) and the
//! `fileinfo` records of bodies (`output-json-file.c`), field for field.

use serde_json::{Map, Value, json};

use super::HttpConfig;
use super::body::FileDone;
use super::state::{Header, Tx, content_range};
use crate::buffer::Buffer;
use crate::parser::Transaction;

/// Longest header name Suricata logs (`MAX_SIZE_HEADER_NAME` - 1).
const MAX_HEADER_NAME: usize = 255;
/// Longest header value Suricata logs (`MAX_SIZE_HEADER_VALUE` - 1).
const MAX_HEADER_VALUE: usize = 2047;

/// A transaction as the protocol stage sees it.
pub struct TxLog<'a> {
    /// The transaction.
    pub tx: &'a Tx,
    /// Settings (what to log).
    pub cfg: &'a HttpConfig,
    /// Rule-engine buffers built from it so far.
    built: super::detect::Built,
}

impl<'a> TxLog<'a> {
    /// The transaction `tx`, read with settings `cfg`.
    pub fn new(tx: &'a Tx, cfg: &'a HttpConfig) -> TxLog<'a> {
        TxLog {
            tx,
            cfg,
            built: Default::default(),
        }
    }
}

impl Transaction for TxLog<'_> {
    fn event_type(&self) -> &'static str {
        "http"
    }

    fn log(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("tx_id".into(), json!(self.tx.id));
        let mut http = http_object(self.tx, self.cfg.extended);
        if self.cfg.dump_headers.request {
            headers(&mut http, "request_headers", &self.tx.req_headers);
        }
        if self.cfg.dump_headers.response {
            headers(&mut http, "response_headers", &self.tx.resp_headers);
        }
        if self.cfg.log_body {
            if !self.tx.req_body.is_empty() {
                http.insert(
                    "http_request_body".into(),
                    Value::String(base64(&self.tx.req_body)),
                );
            }
            if !self.tx.resp_body.is_empty() {
                http.insert(
                    "http_response_body".into(),
                    Value::String(base64(&self.tx.resp_body)),
                );
            }
        }
        m.insert("http".into(), Value::Object(http));
        if let Some(scheme) = auth_scheme(self.tx) {
            m.insert("taishi".into(), json!({ "http_auth": scheme }));
        }
        m
    }

    fn buffers(&self, buffer: Buffer, f: &mut dyn FnMut(&[u8])) {
        super::detect::buffers(self.tx, self.cfg, &self.built, buffer, f);
    }

    fn fields(&self, field: crate::buffer::Field, f: &mut dyn FnMut(u64)) {
        // Closed files only: a file still open is seen with the side that
        // closes it (the request's when it completes, the response's with
        // the whole transaction).
        if field == crate::buffer::Field::FileDirection {
            for (dir, _) in &self.tx.files {
                f(dir.index() as u64);
            }
        }
    }

    fn store_files(&self) {
        self.tx.stored.set(true);
    }

    fn files(&self, dir: taishi_flow::Direction) -> Vec<Map<String, Value>> {
        self.tx
            .files
            .iter()
            .filter(|(d, _)| *d == dir)
            .map(|(_, f)| {
                let mut fi = f.fileinfo(text(&f.name), self.tx.stored.get());
                fi.insert("tx_id".into(), json!(self.tx.id));
                fi
            })
            .collect()
    }
}

/// Longest authentication scheme logged: registered schemes (`Basic`,
/// `Digest`, `Negotiate`, `SCRAM-SHA-256`, ...) are under 20 bytes.
const MAX_AUTH_SCHEME: usize = 32;

/// The scheme of the request's `Authorization` header, lower-cased, for
/// `taishi.http_auth`. EVE shows the header only with `dump-all-headers`,
/// which sites leave off, and the cleartext-credential detector needs to
/// know a request sent `Basic` credentials; the scheme alone says so
/// without logging the credentials. `None` without the header or when its
/// first word is not a token.
pub fn auth_scheme(tx: &Tx) -> Option<String> {
    let v = tx.req_header("authorization")?;
    let start = v.iter().position(|b| !b.is_ascii_whitespace())?;
    let word = v.get(start..)?;
    let end = word
        .iter()
        .position(|b| b.is_ascii_whitespace())
        .unwrap_or(word.len());
    let scheme = word.get(..end)?;
    let token = |b: &u8| b.is_ascii_alphanumeric() || b"-._~+!#$%&'*^`|".contains(b);
    (!scheme.is_empty() && scheme.len() <= MAX_AUTH_SCHEME && scheme.iter().all(token))
        .then(|| String::from_utf8_lossy(scheme).to_ascii_lowercase())
}

/// Bytes as Suricata's JSON builder writes them: UTF-8 text as is, other
/// bytes as `\xHH` escapes.
pub fn text(b: &[u8]) -> Value {
    match std::str::from_utf8(b) {
        Ok(s) => Value::String(s.to_string()),
        Err(_) => {
            let mut s = String::with_capacity(b.len() + 8);
            for &c in b {
                if c.is_ascii() {
                    s.push(char::from(c));
                } else {
                    s.push_str(&format!("\\x{c:02X}"));
                }
            }
            Value::String(s)
        }
    }
}

/// Suricata's `EveHttpLogJSONBasic` and, when `extended`,
/// `EveHttpLogJSONExtended`.
pub fn http_object(tx: &Tx, extended: bool) -> Map<String, Value> {
    let mut m = Map::new();
    if let Some(h) = &tx.host {
        m.insert("hostname".into(), text(h));
    }
    if let Some(p) = tx.port {
        m.insert("http_port".into(), json!(p));
    }
    if let Some(u) = &tx.uri {
        m.insert("url".into(), text(u));
    }
    if let Some(ua) = tx.req_header("user-agent") {
        m.insert("http_user_agent".into(), text(ua));
    }
    if let Some(x) = tx.req_header("x-forwarded-for") {
        m.insert("xff".into(), text(x));
    }
    if let Some(ct) = tx.resp_header("content-type") {
        let end = ct.iter().position(|&b| b == b';').unwrap_or(ct.len());
        m.insert(
            "http_content_type".into(),
            text(ct.get(..end).unwrap_or_default()),
        );
    }
    if let Some((raw, parsed)) = content_range(tx) {
        let mut cr = Map::new();
        cr.insert("raw".into(), text(raw));
        if let Some(p) = parsed {
            for (k, v) in [("start", p.start), ("end", p.end), ("size", p.size)] {
                if v >= 0 {
                    cr.insert(k.into(), json!(v));
                }
            }
        }
        m.insert("content_range".into(), Value::Object(cr));
    }
    if !extended {
        return m;
    }
    if let Some(r) = tx.req_header("referer") {
        m.insert("http_refer".into(), text(r));
    }
    if let Some(me) = &tx.method {
        m.insert("http_method".into(), text(me));
    }
    if let Some(p) = &tx.protocol {
        m.insert("protocol".into(), text(p));
    }
    match (tx.status, &tx.status_raw) {
        (Some(s), _) if s > 0 => {
            m.insert("status".into(), json!(s));
        }
        (_, Some(raw)) => {
            m.insert("status_string".into(), text(raw));
        }
        _ => {}
    }
    if let Some(l) = tx.resp_header("location") {
        m.insert("redirect".into(), text(l));
    }
    m.insert("length".into(), json!(tx.resp_message_len));
    m
}

fn headers(m: &mut Map<String, Value>, key: &str, hs: &[Header]) {
    if hs.is_empty() {
        return;
    }
    let arr: Vec<Value> = hs
        .iter()
        .map(|h| {
            let n = h
                .name
                .get(..h.name.len().min(MAX_HEADER_NAME))
                .unwrap_or_default();
            let v = h
                .value
                .get(..h.value.len().min(MAX_HEADER_VALUE))
                .unwrap_or_default();
            json!({"name": text(n), "value": text(v)})
        })
        .collect();
    m.insert(key.into(), Value::Array(arr));
}

/// The body of a `fileinfo` record: the transaction's `http` object and
/// the file (Suricata's `EveFileInfo`).
pub fn fileinfo_record(tx: &Tx, _cfg: &HttpConfig, f: &FileDone) -> Map<String, Value> {
    let mut fi = f.fileinfo(text(&f.name), tx.stored.get());
    fi.insert("tx_id".into(), json!(tx.id));
    let mut m = Map::new();
    m.insert("http".into(), Value::Object(http_object(tx, true)));
    m.insert("fileinfo".into(), Value::Object(fi));
    m
}

/// Standard base64 with padding (RFC 4648 §4), as Suricata logs bodies.
pub fn base64(data: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::with_capacity(data.len().div_ceil(3) * 4);
    for c in data.chunks(3) {
        let b = [
            c.first().copied().unwrap_or(0),
            c.get(1).copied().unwrap_or(0),
            c.get(2).copied().unwrap_or(0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        let idx = |shift: u32| char::from(A[((n >> shift) & 63) as usize]);
        s.push(idx(18));
        s.push(idx(12));
        s.push(if c.len() > 1 { idx(6) } else { '=' });
        s.push(if c.len() > 2 { idx(0) } else { '=' });
    }
    s
}
