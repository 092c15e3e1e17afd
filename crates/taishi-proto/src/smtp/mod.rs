//! SMTP (RFC 5321) with its MIME messages (RFC 2045).
//!
//! What is parsed: the server greeting, HELO/EHLO (and the PIPELINING
//! capability of the reply), MAIL FROM, RCPT TO, DATA and BDAT (CHUNKING)
//! with the message, RSET, QUIT, AUTH (mechanism and the 235/535 outcome,
//! for brute-force detection), STARTTLS (after its 220 the rest of the flow
//! is TLS and is not parsed), pipelined commands matched to replies in
//! order, multi-line replies. The message goes through a MIME decoder
//! ([`mime`]) that finds attachments, decodes them and logs a `fileinfo`
//! record for each, and extracts URLs.
//!
//! What is logged: one `smtp` record per transaction (an envelope: from
//! the first command after the previous mail to the end of its message, an
//! RSET, a HELO/EHLO that restarts the session, STARTTLS or the flow's
//! end), with Suricata 8's `smtp` and `email` objects; anomalies with
//! Suricata's SMTP event names.

pub mod detect;
pub mod hash;
pub mod log;
pub mod mime;
pub mod parser;
pub mod state;
#[cfg(test)]
mod tests;

use taishi_flow::Direction;

use crate::config::ProtoConfig;
use crate::parser::AppParser;
use crate::registry::{Probe, ProtoDef, Transport};

/// The protocol's registry entry.
pub const DEF: ProtoDef = ProtoDef {
    name: "smtp",
    transport: Transport::Tcp,
    tcp_ports: &[25, 587, 2525],
    udp_ports: &[],
    default_enabled: true,
    port_only: false,
    probe,
    new_parser,
    settings: &[
        "raw-extraction",
        "mime.decode-mime",
        "mime.decode-base64",
        "mime.decode-quoted-printable",
        "mime.extract-urls",
        "mime.extract-urls-schemes",
        "mime.log-url-scheme",
        "mime.body-md5",
        "mime.header-value-depth",
    ],
    stats: crate::stat_names!("smtp"),
};

/// Longest command or reply line held while waiting for its end: Suricata's
/// `SMTP_LINE_BUFFER_LIMIT`. RFC 5321 allows 512 bytes; longer lines are
/// cut there and the rest of the line discarded.
pub const MAX_LINE_BUFFER: usize = 4096;
/// Longest message line held by the MIME decoder before it is passed on in
/// pieces (Suricata's `SMTP_MIME_MAX_DECODED_LINE_LENGTH`).
pub const MAX_MIME_LINE: usize = 8192;
/// RFC 5322's limit on a message line; longer is `MIME_LONG_LINE`.
pub const MAX_LINE_LEN: usize = 998;
/// RFC 2045's limit on an encoded line; longer is `MIME_LONG_ENC_LINE`.
pub const MAX_ENC_LINE_LEN: usize = 76;
/// Header names longer than this (75 + ":" = 76) are `MIME_LONG_HEADER_NAME`.
pub const MAX_HEADER_NAME: usize = 75;
/// Header values longer than this are `MIME_LONG_HEADER_VALUE`
/// (Suricata's default `header-value-depth`).
pub const MAX_HEADER_VALUE: usize = 2000;
/// Bytes of a header value kept: enough for any real address list, and a
/// bound on what a hostile sender makes us store.
pub const MAX_HEADER_VALUE_KEPT: usize = 8192;
/// Headers kept per message (main headers plus the current part's).
pub const MAX_HEADERS: usize = 256;
/// Boundaries longer than this are `MIME_LONG_BOUNDARY` (RFC 2046: 70).
pub const MAX_BOUNDARY_LEN: usize = 254;
/// Attachment names are cut here, with `MIME_LONG_FILENAME` (Suricata's
/// `RS_MIME_MAX_TOKEN_LEN`).
pub const MAX_FILENAME_LEN: usize = 255;
/// Attachments per message.
pub const MAX_ATTACHMENTS: usize = 32;
/// URLs kept per message.
pub const MAX_URLS: usize = 256;
/// Recipients kept per transaction (RFC 5321 requires servers accept 100).
pub const MAX_RCPT: usize = 256;
/// Commands waiting for a reply: pipelining clients send a handful; more
/// is an attack on our memory.
pub const MAX_PENDING_COMMANDS: usize = 128;
/// Bytes of each attachment kept for `file.data` inspection (Suricata's
/// `content-inspect-min-size`).
pub const MAX_FILE_DATA_KEPT: usize = 32 * 1024;

/// Settings of one SMTP parser.
#[derive(Clone, Debug)]
pub struct SmtpConfig {
    /// `mime.decode-mime`.
    pub decode_mime: bool,
    /// `raw-extraction`: the whole message as one `rawmsg` file (only when
    /// MIME decoding is off, as Suricata).
    pub raw_extraction: bool,
    /// MIME decoder settings.
    pub mime: mime::MimeConfig,
}

impl Default for SmtpConfig {
    fn default() -> Self {
        SmtpConfig {
            decode_mime: true,
            raw_extraction: false,
            mime: mime::MimeConfig::default(),
        }
    }
}

fn yes(v: &str) -> Option<bool> {
    taishi_core::config::parse_bool(v)
}

impl SmtpConfig {
    /// Reads the `app-layer.protocols.smtp.*` settings.
    pub fn from_proto(config: &ProtoConfig) -> SmtpConfig {
        let mut c = SmtpConfig::default();
        let Some(idx) = crate::registry::index_of("smtp") else {
            return c;
        };
        let get = |k: &str| config.setting(idx, k);
        if let Some(b) = get("mime.decode-mime").and_then(yes) {
            c.decode_mime = b;
        }
        if let Some(b) = get("raw-extraction").and_then(yes) {
            c.raw_extraction = b;
        }
        if c.raw_extraction && c.decode_mime {
            // Suricata: the two cannot be on together; MIME wins.
            c.raw_extraction = false;
        }
        if let Some(b) = get("mime.decode-base64").and_then(yes) {
            c.mime.decode_base64 = b;
        }
        if let Some(b) = get("mime.decode-quoted-printable").and_then(yes) {
            c.mime.decode_qp = b;
        }
        if let Some(b) = get("mime.extract-urls").and_then(yes) {
            c.mime.extract_urls = b;
        }
        if let Some(b) = get("mime.log-url-scheme").and_then(yes) {
            c.mime.log_url_scheme = b;
        }
        if let Some(v) = get("mime.body-md5") {
            c.mime.body_md5 = v.eq_ignore_ascii_case("auto") || yes(v) == Some(true);
        }
        if let Some(v) = get("mime.extract-urls-schemes") {
            let list = v.trim().trim_start_matches('[').trim_end_matches(']');
            let schemes: Vec<Vec<u8>> = list
                .split(',')
                .map(|s| s.trim().trim_matches('"').trim_matches('\''))
                .filter(|s| !s.is_empty())
                .map(|s| format!("{s}://").into_bytes())
                .collect();
            if !schemes.is_empty() {
                c.mime.schemes = schemes;
            }
        }
        c
    }
}

/// Client: `HELO`/`EHLO`. Server: a `220` greeting naming (E)SMTP; a bare
/// `220` could be FTP, so it waits for the client to decide.
fn probe(dir: Direction, data: &[u8], _udp: bool) -> Probe {
    match dir {
        Direction::ToServer => {
            for verb in [&b"HELO"[..], b"EHLO"] {
                let n = data.len().min(4);
                if data[..n].eq_ignore_ascii_case(&verb[..n]) {
                    return match data.get(4) {
                        None => Probe::NeedMore,
                        Some(b' ' | b'\r' | b'\n' | b'\t') => Probe::Yes,
                        Some(_) => Probe::No,
                    };
                }
            }
            Probe::No
        }
        Direction::ToClient => {
            let n = data.len().min(4);
            if data[..n.min(3)] != b"220"[..n.min(3)] {
                return Probe::No;
            }
            if n == 4 && !matches!(data[3], b' ' | b'-') {
                return Probe::No;
            }
            let line_end = data.iter().position(|&b| b == b'\n').unwrap_or(data.len());
            let line = &data[..line_end];
            if line.windows(4).any(|w| w.eq_ignore_ascii_case(b"smtp")) {
                return Probe::Yes;
            }
            Probe::NeedMore
        }
    }
}

fn new_parser(config: &ProtoConfig, _udp: bool) -> Box<dyn AppParser> {
    Box::new(state::SmtpState::new(SmtpConfig::from_proto(config)))
}
