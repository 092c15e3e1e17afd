//! The MIME decoder of one mail message, line by line, shaped like
//! Suricata 8's `rust/src/mime/smtp.rs` so that attachments, URLs and
//! anomalies come out the same: the main headers, one level of multipart
//! (the boundary of the main `Content-Type`), each part's headers naming an
//! attachment (`Content-Disposition: filename` or `Content-Type: name`)
//! whose body is decoded (base64, quoted-printable) into a file with its
//! size and hashes.

use super::hash::{Md5, Sha1, Sha256};
use super::parser::{self, B64};
use super::{
    MAX_ATTACHMENTS, MAX_BOUNDARY_LEN, MAX_ENC_LINE_LEN, MAX_FILE_DATA_KEPT, MAX_FILENAME_LEN,
    MAX_HEADER_NAME, MAX_HEADER_VALUE, MAX_HEADER_VALUE_KEPT, MAX_HEADERS, MAX_LINE_LEN,
    MAX_MIME_LINE, MAX_URLS,
};

/// Settings of the MIME decoder (`app-layer.protocols.smtp.mime.*`).
#[derive(Clone, Debug)]
pub struct MimeConfig {
    /// `decode-base64`.
    pub decode_base64: bool,
    /// `decode-quoted-printable`.
    pub decode_qp: bool,
    /// `extract-urls`.
    pub extract_urls: bool,
    /// `log-url-scheme`: keep the scheme in logged URLs.
    pub log_url_scheme: bool,
    /// `body-md5` (`yes` or `auto`).
    pub body_md5: bool,
    /// `extract-urls-schemes`, each with `://` appended.
    pub schemes: Vec<Vec<u8>>,
}

impl Default for MimeConfig {
    fn default() -> Self {
        MimeConfig {
            decode_base64: true,
            decode_qp: true,
            extract_urls: true,
            log_url_scheme: false,
            body_md5: false,
            schemes: vec![b"http://".to_vec()],
        }
    }
}

/// Anomaly bits of a message, named as Suricata's events.
pub mod anom {
    /// `MIME_INVALID_BASE64`.
    pub const INVALID_BASE64: u32 = 0x1;
    /// `MIME_INVALID_QP`.
    pub const INVALID_QP: u32 = 0x2;
    /// `MIME_LONG_LINE`.
    pub const LONG_LINE: u32 = 0x4;
    /// `MIME_LONG_ENC_LINE`.
    pub const LONG_ENC_LINE: u32 = 0x8;
    /// `MIME_LONG_HEADER_NAME`.
    pub const LONG_HEADER_NAME: u32 = 0x10;
    /// `MIME_LONG_HEADER_VALUE`.
    pub const LONG_HEADER_VALUE: u32 = 0x20;
    /// `MIME_LONG_BOUNDARY`.
    pub const LONG_BOUNDARY: u32 = 0x80;
    /// `MIME_LONG_FILENAME`.
    pub const LONG_FILENAME: u32 = 0x100;

    /// Bits and event names, in reporting order.
    pub const NAMES: &[(u32, &str)] = &[
        (INVALID_BASE64, "MIME_INVALID_BASE64"),
        (INVALID_QP, "MIME_INVALID_QP"),
        (LONG_LINE, "MIME_LONG_LINE"),
        (LONG_ENC_LINE, "MIME_LONG_ENC_LINE"),
        (LONG_HEADER_NAME, "MIME_LONG_HEADER_NAME"),
        (LONG_HEADER_VALUE, "MIME_LONG_HEADER_VALUE"),
        (LONG_BOUNDARY, "MIME_LONG_BOUNDARY"),
        (LONG_FILENAME, "MIME_LONG_FILENAME"),
    ];
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Before the first header of the message or of a part.
    Start,
    /// In headers.
    Header,
    /// In a body.
    Body,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Encoding {
    Plain,
    Base64,
    QuotedPrintable,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ContentType {
    /// No Content-Type: a plain message.
    Message,
    PlainText,
    Html,
    Unknown,
}

/// A header: name as sent, value with continuation lines joined.
#[derive(Clone, Debug)]
pub struct Header {
    /// Name.
    pub name: Vec<u8>,
    /// Value (bounded by [`MAX_HEADER_VALUE_KEPT`]).
    pub value: Vec<u8>,
}

/// An attachment being decoded or finished.
#[derive(Clone, Debug)]
pub struct File {
    /// Name from the part's headers (bounded by [`MAX_FILENAME_LEN`]).
    pub name: Vec<u8>,
    /// Decoded bytes seen.
    pub size: u64,
    /// Hash of the decoded bytes.
    pub md5: Md5,
    /// Hash of the decoded bytes.
    pub sha1: Sha1,
    /// Hash of the decoded bytes.
    pub sha256: Sha256,
    /// The first decoded bytes, for `file.data` inspection.
    pub head: Vec<u8>,
    /// Whether the file ended normally (else truncated).
    pub closed: bool,
}

impl File {
    fn new(name: &[u8]) -> File {
        File {
            name: name.to_vec(),
            size: 0,
            md5: Md5::new(),
            sha1: Sha1::new(),
            sha256: Sha256::new(),
            head: Vec::new(),
            closed: false,
        }
    }

    /// The whole message as one file (`raw-extraction`).
    pub fn new_raw() -> File {
        File::new(b"rawmsg")
    }

    /// Adds raw message bytes.
    pub fn append_raw(&mut self, data: &[u8]) {
        self.append(data);
    }

    fn append(&mut self, data: &[u8]) {
        self.size += data.len() as u64;
        self.md5.update(data);
        self.sha1.update(data);
        self.sha256.update(data);
        let room = MAX_FILE_DATA_KEPT.saturating_sub(self.head.len());
        self.head.extend_from_slice(&data[..data.len().min(room)]);
    }
}

/// The decoder of one message.
#[derive(Debug)]
pub struct Mime {
    phase: Phase,
    /// Main headers first (`main_headers` of them), then the current part's.
    pub headers: Vec<Header>,
    main_headers: Option<usize>,
    /// Headers from this index on belong to the message encapsulated in
    /// the current entity (`message/rfc822`).
    encap_from: Option<usize>,
    filename: Vec<u8>,
    /// Attachment names, in order.
    pub attachments: Vec<Vec<u8>>,
    /// URLs found, in order found.
    pub urls: Vec<Vec<u8>>,
    boundary: Vec<u8>,
    encoding: Encoding,
    b64: B64,
    content_type: ContentType,
    /// Decoded bytes waiting for their end of line before URL search.
    decoded_line: Vec<u8>,
    /// Delimiter of the previous plain attachment line, written only if
    /// the next line is not the boundary (the boundary owns the CRLF).
    bufeol: ([u8; 2], usize),
    md5: Option<Md5>,
    md5_started: bool,
    /// The body MD5 once the message is complete.
    pub body_md5: Option<[u8; 16]>,
    /// Anomaly bits seen so far ([`anom`]).
    pub anomalies: u32,
    /// Attachment being written.
    pub file: Option<File>,
    /// Attachments finished and not yet logged.
    pub done_files: Vec<File>,
    /// Partial line of raw (BDAT) input.
    partial: Vec<u8>,
    scratch: Vec<u8>,
    /// A limit was hit (counted by the caller).
    pub limit_hit: bool,
}

impl Mime {
    /// A decoder for a new message.
    pub fn new(cfg: &MimeConfig) -> Mime {
        Mime {
            phase: Phase::Start,
            headers: Vec::new(),
            main_headers: None,
            encap_from: None,
            filename: Vec::new(),
            attachments: Vec::new(),
            urls: Vec::new(),
            boundary: Vec::new(),
            encoding: Encoding::Plain,
            b64: B64::default(),
            content_type: ContentType::Message,
            decoded_line: Vec::new(),
            bufeol: ([0; 2], 0),
            md5: cfg.body_md5.then(Md5::new),
            md5_started: false,
            body_md5: None,
            anomalies: 0,
            file: None,
            done_files: Vec::new(),
            partial: Vec::new(),
            scratch: Vec::new(),
            limit_hit: false,
        }
    }

    /// The main headers (all headers seen when the message never reached
    /// its body).
    pub fn main_headers(&self) -> &[Header] {
        let n = self.main_headers.unwrap_or(self.headers.len());
        self.headers.get(..n).unwrap_or(&self.headers)
    }

    /// First main header named `name` (lower case).
    pub fn header(&self, name: &[u8]) -> Option<&[u8]> {
        self.main_headers()
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value.as_slice())
    }

    /// Raw message bytes (BDAT chunks): split into lines here.
    pub fn bytes(&mut self, cfg: &MimeConfig, mut data: &[u8]) {
        while !data.is_empty() {
            let lf = data.iter().position(|&b| b == b'\n');
            match lf {
                Some(i) => {
                    let chunk = &data[..=i];
                    data = &data[i + 1..];
                    if self.partial.is_empty() {
                        self.full_line(cfg, chunk);
                    } else {
                        let mut p = std::mem::take(&mut self.partial);
                        p.extend_from_slice(chunk);
                        self.full_line(cfg, &p);
                        p.clear();
                        self.partial = p;
                    }
                }
                None => {
                    let room = MAX_MIME_LINE.saturating_sub(self.partial.len());
                    if data.len() > room {
                        // A line this long is data, not structure: pass it on
                        // in pieces rather than hold it.
                        let mut p = std::mem::take(&mut self.partial);
                        p.extend_from_slice(&data[..room]);
                        self.full_line(cfg, &p);
                        p.clear();
                        self.partial = p;
                        data = &data[room..];
                    } else {
                        self.partial.extend_from_slice(data);
                        return;
                    }
                }
            }
        }
    }

    fn full_line(&mut self, cfg: &MimeConfig, full: &[u8]) {
        let line = parser::strip_eol(full);
        self.line(cfg, line, full);
    }

    /// One line of the message: `line` without and `full` with its delimiter.
    pub fn line(&mut self, cfg: &MimeConfig, line: &[u8], full: &[u8]) {
        self.wire_line(cfg, line, full, full);
    }

    /// [`Mime::line`] for a line that reached us as `wire`: an SMTP DATA
    /// line whose stuffed leading dot the caller removed. The body MD5 is
    /// taken over `wire`, as Suricata's is (its SMTP parser hands MIME the
    /// lines as sent, dot-stuffing included), so `email.body_md5` matches
    /// the value Suricata logs and rules are written against.
    pub fn wire_line(&mut self, cfg: &MimeConfig, line: &[u8], full: &[u8], wire: &[u8]) {
        let hashing = self.md5_started;
        self.parse_line(cfg, line, full);
        // The line that opens the body is hashed too.
        if (hashing || self.md5_started)
            && let Some(m) = self.md5.as_mut()
        {
            m.update(wire);
        }
    }

    fn parse_line(&mut self, cfg: &MimeConfig, line: &[u8], full: &[u8]) {
        if line.len() > MAX_LINE_LEN {
            self.anomalies |= anom::LONG_LINE;
        }
        match self.phase {
            Phase::Start | Phase::Header => {
                if line.is_empty() {
                    self.end_headers();
                    return;
                }
                if self.phase == Phase::Header && matches!(line.first(), Some(b' ' | b'\t')) {
                    if let Some(h) = self.headers.last_mut() {
                        let room = MAX_HEADER_VALUE_KEPT.saturating_sub(h.value.len());
                        let add = &line[1..];
                        h.value.extend_from_slice(&add[..add.len().min(room)]);
                        if h.value.len() > MAX_HEADER_VALUE {
                            self.anomalies |= anom::LONG_HEADER_VALUE;
                        }
                    }
                    return;
                }
                match parser::header_line(line) {
                    Some((name, value)) => {
                        self.phase = Phase::Header;
                        if name.len() > MAX_HEADER_NAME {
                            self.anomalies |= anom::LONG_HEADER_NAME;
                        }
                        if value.len() > MAX_HEADER_VALUE {
                            self.anomalies |= anom::LONG_HEADER_VALUE;
                        }
                        if self.headers.len() >= MAX_HEADERS {
                            self.limit_hit = true;
                            return;
                        }
                        self.headers.push(Header {
                            name: name.to_vec(),
                            value: value[..value.len().min(MAX_HEADER_VALUE_KEPT)].to_vec(),
                        });
                    }
                    None if self.phase == Phase::Header => {
                        // Not a header: the blank line is missing, the body
                        // starts here.
                        self.end_headers();
                        self.parse_line(cfg, line, full);
                    }
                    None => {}
                }
            }
            Phase::Body => self.body_line(cfg, line, full),
        }
    }

    fn end_headers(&mut self) {
        self.phase = Phase::Body;
        let encapsulated = self.process_headers();
        if self.main_headers.is_none() {
            self.main_headers = Some(self.headers.len());
        }
        if encapsulated {
            // A message/rfc822 entity's body is a message: its own headers
            // come next and say what its content is (a file with its own
            // name), whatever the enclosing entity claimed (Suricata's fix
            // for an attachment hidden inside an encapsulated message).
            self.phase = Phase::Start;
            self.encap_from = Some(self.headers.len());
            self.encoding = Encoding::Plain;
            return;
        }
        if !self.filename.is_empty() {
            self.file = Some(File::new(&self.filename));
        }
    }

    /// Applies the headers of the entity just ended; `true` when it is an
    /// encapsulated message (`message/rfc822`), whose body is parsed as
    /// headers and content again rather than as a file.
    fn process_headers(&mut self) -> bool {
        let first = self
            .main_headers
            .unwrap_or(0)
            .max(self.encap_from.unwrap_or(0));
        let mut filename: Option<Vec<u8>> = None;
        let mut encoding = Encoding::Plain;
        let part = self.headers.get(first..).unwrap_or(&[]);
        for h in part {
            if h.name.eq_ignore_ascii_case(b"content-disposition") {
                if filename.is_none() {
                    filename = param_value(&h.value, b"filename");
                }
            } else if h.name.eq_ignore_ascii_case(b"content-transfer-encoding") {
                let v = h.value.as_slice();
                if v.eq_ignore_ascii_case(b"base64") {
                    encoding = Encoding::Base64;
                } else if v.eq_ignore_ascii_case(b"quoted-printable") {
                    encoding = Encoding::QuotedPrintable;
                }
            }
        }
        let mut boundary = None;
        let mut content_type = None;
        if let Some(h) = part
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(b"content-type"))
        {
            if filename.is_none() {
                filename = param_value(&h.value, b"name");
            }
            if self.main_headers.is_none() {
                boundary = param_value(&h.value, b"boundary");
            }
            let ct = h.value.split(|&b| b == b';').next().unwrap_or(&[]);
            if ct.trim_ascii().eq_ignore_ascii_case(b"message/rfc822") {
                // The enclosing entity's name and transfer encoding do not
                // apply to a message (RFC 2046 allows it 7bit, 8bit or
                // binary only). Nesting is bounded by MAX_HEADERS: each
                // level needs a header of its own.
                return true;
            }
            content_type = Some(match ct {
                b"text/plain" => ContentType::PlainText,
                b"text/html" => ContentType::Html,
                _ => ContentType::Unknown,
            });
        }
        if let Some(ct) = content_type {
            self.content_type = ct;
        }
        self.encoding = encoding;
        if encoding == Encoding::Base64 {
            self.b64 = B64::default();
        }
        if let Some(mut name) = filename {
            if name.len() > MAX_FILENAME_LEN {
                self.anomalies |= anom::LONG_FILENAME;
                name.truncate(MAX_FILENAME_LEN);
            }
            if self.attachments.len() < MAX_ATTACHMENTS {
                self.attachments.push(name.clone());
            } else {
                self.limit_hit = true;
            }
            self.filename = name;
        }
        if let Some(b) = boundary {
            if b.len() > MAX_BOUNDARY_LEN {
                self.anomalies |= anom::LONG_BOUNDARY;
            }
            self.boundary.clear();
            self.boundary.extend_from_slice(b"--");
            self.boundary.extend_from_slice(&b);
        }
        false
    }

    fn body_line(&mut self, cfg: &MimeConfig, line: &[u8], full: &[u8]) {
        if self.md5.is_some() {
            // Hashing starts with this line (see `wire_line`).
            self.md5_started = true;
        }
        if !self.boundary.is_empty() && line.starts_with(&self.boundary) {
            self.phase = Phase::Start;
            self.close_file();
            self.filename.clear();
            self.encap_from = None;
            if let Some(n) = self.main_headers {
                self.headers.truncate(n);
            }
            self.encoding = Encoding::Plain;
            self.bufeol.1 = 0;
            return;
        }
        if self.filename.is_empty() {
            if matches!(
                self.content_type,
                ContentType::PlainText | ContentType::Html | ContentType::Message
            ) {
                self.find_urls(cfg, full);
            }
            return;
        }
        match self.encoding {
            Encoding::Plain => {
                self.find_urls(cfg, full);
                let eol = full.get(line.len()..).unwrap_or(&[]);
                self.file_line(line, eol);
            }
            Encoding::Base64 => {
                if !cfg.decode_base64 {
                    return;
                }
                if line.len() > MAX_ENC_LINE_LEN {
                    self.anomalies |= anom::LONG_ENC_LINE;
                }
                let mut out = std::mem::take(&mut self.scratch);
                out.clear();
                if !self.b64.decode(line, &mut out) {
                    self.anomalies |= anom::INVALID_BASE64;
                }
                if let Some(f) = self.file.as_mut() {
                    f.append(&out);
                }
                self.decoded_urls(cfg, &out);
                self.scratch = out;
            }
            Encoding::QuotedPrintable => {
                if !cfg.decode_qp {
                    return;
                }
                if line.len() > MAX_ENC_LINE_LEN {
                    self.anomalies |= anom::LONG_ENC_LINE;
                }
                let mut out = std::mem::take(&mut self.scratch);
                out.clear();
                let (ok, soft) = parser::qp_decode(line, &mut out);
                if !ok {
                    self.anomalies |= anom::INVALID_QP;
                }
                let eol = if soft {
                    &[][..]
                } else {
                    full.get(line.len()..).unwrap_or(&[])
                };
                self.file_line(&out, eol);
                let n = out.len();
                out.extend_from_slice(eol);
                self.decoded_urls(cfg, &out);
                out.truncate(n);
                self.scratch = out;
            }
        }
    }

    /// Writes a decoded line to the attachment, holding its delimiter back:
    /// the delimiter before a boundary belongs to the boundary.
    fn file_line(&mut self, data: &[u8], eol: &[u8]) {
        let (held, n) = self.bufeol;
        if let Some(f) = self.file.as_mut() {
            if n > 0 {
                f.append(&held[..n]);
            }
            f.append(data);
        }
        let n = eol.len().min(2);
        self.bufeol.0[..n].copy_from_slice(&eol[..n]);
        self.bufeol.1 = n;
    }

    fn decoded_urls(&mut self, cfg: &MimeConfig, out: &[u8]) {
        if !cfg.extract_urls {
            return;
        }
        // URLs may span decoded chunks: search complete lines only.
        self.decoded_line.extend_from_slice(out);
        let end = match self.decoded_line.iter().rposition(|&b| b == b'\n') {
            Some(e) => e + 1,
            None if self.decoded_line.len() > MAX_MIME_LINE => self.decoded_line.len(),
            None => return,
        };
        let text = std::mem::take(&mut self.decoded_line);
        self.find_urls(cfg, &text[..end]);
        let mut text = text;
        text.drain(..end);
        self.decoded_line = text;
    }

    fn find_urls(&mut self, cfg: &MimeConfig, text: &[u8]) {
        if !cfg.extract_urls {
            return;
        }
        for scheme in &cfg.schemes {
            let urls = &mut self.urls;
            let mut hit = false;
            parser::find_urls(text, scheme, &mut |u| {
                if urls.len() >= MAX_URLS {
                    hit = true;
                    return;
                }
                let u = if cfg.log_url_scheme {
                    u
                } else {
                    u.get(scheme.len()..).unwrap_or(&[])
                };
                urls.push(u.to_vec());
            });
            self.limit_hit |= hit;
        }
    }

    fn close_file(&mut self) {
        if let Some(mut f) = self.file.take() {
            f.closed = true;
            self.done_files.push(f);
        }
    }

    /// The message ended (`.` or `BDAT ... LAST`): flush and close.
    pub fn finish(&mut self, cfg: &MimeConfig) {
        if !self.partial.is_empty() {
            let p = std::mem::take(&mut self.partial);
            self.line(cfg, &p, &p);
        }
        if !self.decoded_line.is_empty() {
            let text = std::mem::take(&mut self.decoded_line);
            self.find_urls(cfg, &text);
        }
        if self.main_headers.is_none() {
            self.main_headers = Some(self.headers.len());
        }
        self.close_file();
        if self.md5_started
            && let Some(m) = self.md5.take()
        {
            self.body_md5 = Some(m.finish());
        }
    }

    /// The message was cut short (flow end, gap): the open file is truncated.
    pub fn truncate(&mut self) {
        if let Some(f) = self.file.take() {
            self.done_files.push(f);
        }
    }
}

/// A parameter of a header value, with RFC 2231 sections (`name*0`,
/// `name*1`, ...) joined.
fn param_value(value: &[u8], name: &[u8]) -> Option<Vec<u8>> {
    let mut found: Option<Vec<u8>> = None;
    let mut sections: Vec<(usize, &[u8])> = Vec::new();
    parser::header_params(value, &mut |n, v| {
        if n == name {
            if found.is_none() {
                found = Some(v.to_vec());
            }
        } else if let Some(rest) = n.strip_prefix(name).and_then(|r| r.strip_prefix(b"*"))
            && let Ok(s) = std::str::from_utf8(rest.strip_suffix(b"*").unwrap_or(rest))
            && let Ok(i) = s.parse::<usize>()
            && sections.len() < 64
        {
            sections.push((i, v));
        }
    });
    if found.is_some() {
        return found;
    }
    sections.sort_by_key(|s| s.0);
    if sections.first().map(|s| s.0) != Some(0) {
        return None;
    }
    let mut out = Vec::new();
    for (want, (i, v)) in sections.iter().enumerate() {
        if *i != want {
            break;
        }
        out.extend_from_slice(v);
    }
    Some(out)
}
