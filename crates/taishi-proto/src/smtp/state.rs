//! The per-flow SMTP parser: commands matched to replies, transactions,
//! the message of each.

use std::collections::VecDeque;

use taishi_flow::Direction;

use super::mime::{self, Mime};
use super::parser::{self, Verb};
use super::{MAX_LINE_BUFFER, MAX_PENDING_COMMANDS, MAX_RCPT, SmtpConfig};
use crate::parser::{AppParser, ParseCtx};

/// What a pending command waits for in the server's replies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pending {
    /// HELO/EHLO: a 2xx restarts the session.
    Helo,
    /// DATA: 354 opens the message.
    Data,
    /// The end of a DATA message (`.`): its own reply.
    DataEnd,
    /// A BDAT chunk.
    Bdat,
    /// RSET: 250 ends the transaction.
    Rset,
    /// STARTTLS: 220 turns the flow to TLS.
    StartTls,
    /// AUTH or one of its continuation lines.
    Auth,
    /// Anything else.
    Other,
}

/// How the client's bytes are read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// Command lines.
    Command,
    /// DATA message lines up to `.`.
    Data,
    /// A BDAT chunk: so many raw bytes left, the last chunk or not.
    Bdat { left: u64, last: bool },
    /// After STARTTLS or an unrecoverable error: nothing more is parsed.
    Stopped,
}

/// AUTH: the mechanism and its outcome.
#[derive(Clone, Debug, Default)]
pub struct Auth {
    /// Mechanism (`LOGIN`, `PLAIN`, ...).
    pub mechanism: Vec<u8>,
    /// `Some(true)` after 235, `Some(false)` after a 4xx/5xx.
    pub success: Option<bool>,
}

/// A finished attachment, kept for rule inspection.
#[derive(Clone, Debug)]
pub struct FileSeen {
    /// Attachment name.
    pub name: Vec<u8>,
    /// First decoded bytes.
    pub head: Vec<u8>,
    /// Decoded size (`filesize`).
    pub size: u64,
    /// MD5, SHA-1 and SHA-256 of the decoded bytes, lower-case hex
    /// (`filemd5`, `filesha1`, `filesha256`).
    pub hashes: [String; 3],
    /// The attachment ended with its MIME part (`CLOSED`), not cut short.
    pub closed: bool,
}

/// One SMTP transaction: an envelope and its message.
#[derive(Debug, Default)]
pub struct SmtpTx {
    /// Transaction number in the flow.
    pub id: u64,
    /// HELO/EHLO name of the session (a copy of the flow's).
    pub helo: Option<Vec<u8>>,
    /// MAIL FROM parameter.
    pub mail_from: Option<Vec<u8>>,
    /// RCPT TO parameters.
    pub rcpt_to: Vec<Vec<u8>>,
    /// The decoded message, once DATA/BDAT started one.
    pub mime: Option<Mime>,
    /// AUTH seen in this transaction.
    pub auth: Option<Auth>,
    /// Attachments finished.
    pub files: Vec<FileSeen>,
    /// Some command other than HELO/EHLO belongs to it.
    active: bool,
}

/// The parser of one SMTP flow.
pub struct SmtpState {
    cfg: SmtpConfig,
    mode: Mode,
    /// Partial line per direction.
    line: [Vec<u8>; 2],
    /// Drop bytes up to the next line feed (after a cut long line).
    discard: [bool; 2],
    helo: Option<Vec<u8>>,
    tx: Option<SmtpTx>,
    next_id: u64,
    pending: VecDeque<Pending>,
    first_reply_seen: bool,
    multiline: bool,
    pipelining: bool,
    /// A 334 asked for an AUTH continuation line.
    auth_continue: bool,
    /// Raw message file (`raw-extraction`).
    raw: Option<mime::File>,
}

impl SmtpState {
    /// A parser with these settings.
    pub fn new(cfg: SmtpConfig) -> SmtpState {
        SmtpState {
            cfg,
            mode: Mode::Command,
            line: [Vec::new(), Vec::new()],
            discard: [false; 2],
            helo: None,
            tx: None,
            next_id: 0,
            pending: VecDeque::new(),
            first_reply_seen: false,
            multiline: false,
            pipelining: false,
            auth_continue: false,
            raw: None,
        }
    }

    fn tx_mut(&mut self) -> &mut SmtpTx {
        let id = &mut self.next_id;
        self.tx.get_or_insert_with(|| {
            let tx = SmtpTx {
                id: *id,
                ..SmtpTx::default()
            };
            *id += 1;
            tx
        })
    }

    /// Logs and drops the current transaction.
    fn close_tx(&mut self, ctx: &mut ParseCtx<'_, '_>) {
        if let Some(mut tx) = self.tx.take() {
            if let Some(m) = tx.mime.as_mut() {
                m.truncate();
            }
            self.flush_files(ctx, &mut tx);
            tx.helo = self.helo.clone();
            ctx.complete(&tx);
        }
    }

    fn push(&mut self, ctx: &mut ParseCtx<'_, '_>, p: Pending) {
        if matches!(self.pending.back(), Some(Pending::StartTls | Pending::Data)) {
            ctx.anomaly("INVALID_PIPELINED_SEQUENCE");
        }
        if self.pending.len() >= MAX_PENDING_COMMANDS {
            ctx.limit_hit();
            self.pending.pop_front();
        }
        self.pending.push_back(p);
    }

    /// Starts the message of the current transaction.
    fn start_message(&mut self, ctx: &mut ParseCtx<'_, '_>) {
        let decode = self.cfg.decode_mime;
        let raw = self.cfg.raw_extraction;
        let cfg = self.cfg.mime.clone();
        let tx = self.tx_mut();
        tx.active = true;
        if decode {
            if tx.mime.is_some() {
                // A second message in one envelope: the first never ended.
                ctx.anomaly("UNPARSABLE_CONTENT");
                self.close_tx(ctx);
                let tx = self.tx_mut();
                tx.active = true;
                tx.mime = Some(Mime::new(&cfg));
            } else {
                tx.mime = Some(Mime::new(&cfg));
            }
        } else if raw {
            self.raw = Some(mime::File::new_raw());
        }
    }

    /// Message bytes of DATA (one line) or BDAT (raw).
    /// One DATA line: `line`/`full` with the stuffed dot removed, `wire`
    /// as the client sent it.
    fn message_line(&mut self, ctx: &mut ParseCtx<'_, '_>, line: &[u8], full: &[u8], wire: &[u8]) {
        let cfg = &self.cfg.mime;
        if let Some(m) = self.tx.as_mut().and_then(|t| t.mime.as_mut()) {
            m.wire_line(cfg, line, full, wire);
        }
        if let Some(r) = self.raw.as_mut() {
            r.append_raw(full);
        }
        self.after_message_input(ctx);
    }

    fn message_bytes(&mut self, ctx: &mut ParseCtx<'_, '_>, data: &[u8]) {
        let cfg = &self.cfg.mime;
        if let Some(m) = self.tx.as_mut().and_then(|t| t.mime.as_mut()) {
            m.bytes(cfg, data);
        }
        if let Some(r) = self.raw.as_mut() {
            r.append_raw(data);
        }
        self.after_message_input(ctx);
    }

    fn after_message_input(&mut self, ctx: &mut ParseCtx<'_, '_>) {
        if let Some(mut tx) = self.tx.take() {
            if tx.mime.as_ref().is_some_and(|m| !m.done_files.is_empty()) {
                self.flush_files(ctx, &mut tx);
            }
            self.tx = Some(tx);
        }
    }

    /// The message ended: finish decoding, raise its anomalies, log the
    /// transaction.
    fn end_message(&mut self, ctx: &mut ParseCtx<'_, '_>) {
        let cfg = self.cfg.mime.clone();
        if let Some(m) = self.tx.as_mut().and_then(|t| t.mime.as_mut()) {
            m.finish(&cfg);
            for &(bit, name) in mime::anom::NAMES {
                if m.anomalies & bit != 0 {
                    ctx.anomaly(name);
                }
            }
            if m.limit_hit {
                ctx.limit_hit();
            }
        }
        if let Some(mut r) = self.raw.take() {
            r.closed = true;
            if let Some(tx) = self.tx.as_mut()
                && let Some(m) = tx.mime.as_mut()
            {
                m.done_files.push(r);
            } else {
                let tx = self.tx_mut();
                let mut body = serde_json::Map::new();
                super::log::fileinfo(&mut body, tx, None, &r);
                ctx.emit("fileinfo", None, body);
            }
        }
        self.close_tx(ctx);
    }

    /// Logs the finished attachments of `tx` as `fileinfo` records.
    fn flush_files(&mut self, ctx: &mut ParseCtx<'_, '_>, tx: &mut SmtpTx) {
        let Some(m) = tx.mime.as_mut() else {
            return;
        };
        let done = std::mem::take(&mut m.done_files);
        tx.helo = self.helo.clone();
        for f in done {
            if ctx
                .config
                .logging(crate::registry::index_of("smtp").unwrap_or(usize::MAX))
            {
                let mut body = serde_json::Map::new();
                super::log::fileinfo(&mut body, tx, tx.mime.as_ref(), &f);
                ctx.emit("fileinfo", None, body);
            }
            let hashes = [
                super::hash::hex(&f.md5.clone().finish()),
                super::hash::hex(&f.sha1.clone().finish()),
                super::hash::hex(&f.sha256.clone().finish()),
            ];
            tx.files.push(FileSeen {
                name: f.name,
                head: f.head,
                size: f.size,
                hashes,
                closed: f.closed,
            });
        }
    }

    fn client_line(&mut self, ctx: &mut ParseCtx<'_, '_>, line: &[u8], full: &[u8]) {
        match self.mode {
            Mode::Data => {
                if line == b"." {
                    self.mode = Mode::Command;
                    self.push(ctx, Pending::DataEnd);
                    self.end_message(ctx);
                } else {
                    // Dot-stuffing: a leading "." was doubled by the client.
                    let (l, f) = if line.starts_with(b".") {
                        (&line[1..], &full[1..])
                    } else {
                        (line, full)
                    };
                    self.message_line(ctx, l, f, full);
                }
            }
            Mode::Command => self.command(ctx, line),
            Mode::Bdat { .. } | Mode::Stopped => {}
        }
    }

    fn command(&mut self, ctx: &mut ParseCtx<'_, '_>, line: &[u8]) {
        if !self.first_reply_seen {
            ctx.anomaly("NO_SERVER_WELCOME_MESSAGE");
            // Said once: a client that speaks first is one anomaly.
            self.first_reply_seen = true;
        }
        if self.auth_continue {
            // A SASL response (base64), not a command.
            self.auth_continue = false;
            self.push(ctx, Pending::Auth);
            return;
        }
        let verb = parser::verb(line);
        if !matches!(verb, Verb::Helo | Verb::Rset | Verb::Quit) {
            self.tx_mut().active = true;
        }
        match verb {
            Verb::Helo => {
                if self.helo.is_some() {
                    ctx.anomaly("DUPLICATE_FIELDS");
                } else {
                    self.helo = Some(parser::param(line, 4).to_vec());
                }
                self.push(ctx, Pending::Helo);
            }
            Verb::MailFrom => {
                let tx = self.tx_mut();
                if tx.mail_from.is_some() {
                    ctx.anomaly("DUPLICATE_FIELDS");
                } else {
                    tx.mail_from = Some(parser::param(line, 9).to_vec());
                }
                self.push(ctx, Pending::Other);
            }
            Verb::RcptTo => {
                let tx = self.tx_mut();
                if tx.rcpt_to.len() < MAX_RCPT {
                    tx.rcpt_to.push(parser::param(line, 7).to_vec());
                } else {
                    ctx.limit_hit();
                }
                self.push(ctx, Pending::Other);
            }
            Verb::Data => {
                self.push(ctx, Pending::Data);
                if self.pipelining {
                    // A pipelining server's client sends the message
                    // without waiting for 354.
                    self.mode = Mode::Data;
                    self.start_message(ctx);
                }
            }
            Verb::Bdat => match parser::bdat_args(line) {
                Some((n, last)) => {
                    self.push(ctx, Pending::Bdat);
                    let started =
                        self.tx.as_ref().is_some_and(|t| t.mime.is_some()) || self.raw.is_some();
                    if !started {
                        self.start_message(ctx);
                    }
                    if n == 0 {
                        if last {
                            self.end_message(ctx);
                        }
                    } else {
                        self.mode = Mode::Bdat { left: n, last };
                    }
                }
                None => {
                    ctx.anomaly("INVALID_BDAT");
                    self.push(ctx, Pending::Other);
                }
            },
            Verb::Rset => self.push(ctx, Pending::Rset),
            Verb::StartTls => self.push(ctx, Pending::StartTls),
            Verb::Auth => {
                let mech = parser::auth_mechanism(line).to_ascii_uppercase();
                self.tx_mut().auth = Some(Auth {
                    mechanism: mech,
                    success: None,
                });
                self.push(ctx, Pending::Auth);
            }
            Verb::Quit | Verb::Other => self.push(ctx, Pending::Other),
        }
    }

    fn server_line(&mut self, ctx: &mut ParseCtx<'_, '_>, line: &[u8]) {
        if line.is_empty() {
            return;
        }
        let Some(r) = parser::reply(line) else {
            ctx.anomaly("INVALID_REPLY");
            // Suricata gives up on the flow here.
            self.stop(ctx);
            return;
        };
        self.multiline = r.more;
        let Some(&front) = self.pending.front() else {
            if !self.first_reply_seen {
                if !r.more {
                    self.first_reply_seen = true;
                }
                if r.code != 220 {
                    ctx.anomaly("INVALID_REPLY");
                }
            } else if !r.more {
                ctx.anomaly("UNABLE_TO_MATCH_REPLY_WITH_REQUEST");
            }
            return;
        };
        self.first_reply_seen = true;
        if r.more {
            if r.code == 250 && r.text.eq_ignore_ascii_case(b"pipelining") {
                self.pipelining = true;
            }
            return;
        }
        if r.code == 250 && r.text.eq_ignore_ascii_case(b"pipelining") {
            self.pipelining = true;
        }
        self.pending.pop_front();
        match front {
            Pending::StartTls => {
                if r.code == 220 {
                    self.close_tx(ctx);
                    self.mode = Mode::Stopped;
                } else {
                    ctx.anomaly("TLS_REJECTED");
                }
            }
            Pending::Data => {
                if r.code == 354 {
                    if self.mode != Mode::Data && self.mode != Mode::Stopped {
                        self.mode = Mode::Data;
                        self.start_message(ctx);
                    }
                } else {
                    ctx.anomaly("DATA_COMMAND_REJECTED");
                    if self.mode == Mode::Data {
                        // The pipelined message was refused.
                        self.mode = Mode::Command;
                    }
                }
            }
            Pending::Rset => {
                if r.code == 250 {
                    self.close_tx(ctx);
                }
            }
            Pending::Helo => {
                if (200..300).contains(&r.code) && self.tx.as_ref().is_some_and(|t| t.active) {
                    // A new greeting resets the session: the envelope so
                    // far is a transaction of its own.
                    self.close_tx(ctx);
                }
            }
            Pending::Auth => {
                let ok = match r.code {
                    334 => {
                        self.auth_continue = true;
                        None
                    }
                    235 => Some(true),
                    c if c >= 400 => Some(false),
                    _ => None,
                };
                if let Some(ok) = ok
                    && let Some(a) = self.tx.as_mut().and_then(|t| t.auth.as_mut())
                {
                    a.success = Some(ok);
                }
            }
            Pending::DataEnd | Pending::Bdat | Pending::Other => {}
        }
    }

    /// Nothing more of this flow is parsed.
    fn stop(&mut self, ctx: &mut ParseCtx<'_, '_>) {
        if self.mode != Mode::Stopped {
            self.mode = Mode::Stopped;
            self.close_tx(ctx);
        }
    }

    fn parse_dir(&mut self, ctx: &mut ParseCtx<'_, '_>, dir: Direction, mut data: &[u8]) {
        let d = dir.index();
        while !data.is_empty() {
            if self.mode == Mode::Stopped {
                return;
            }
            if dir == Direction::ToServer
                && let Mode::Bdat { left, last } = self.mode
            {
                let n = usize::try_from(left).unwrap_or(usize::MAX).min(data.len());
                self.message_bytes(ctx, &data[..n]);
                data = &data[n..];
                let left = left - n as u64;
                if left == 0 {
                    self.mode = Mode::Command;
                    if last {
                        self.end_message(ctx);
                    }
                } else {
                    self.mode = Mode::Bdat { left, last };
                }
                continue;
            }
            let lf = data.iter().position(|&b| b == b'\n');
            if self.discard[d] {
                match lf {
                    Some(i) => {
                        self.discard[d] = false;
                        data = &data[i + 1..];
                        continue;
                    }
                    None => return,
                }
            }
            match lf {
                Some(i) => {
                    let chunk = &data[..=i];
                    data = &data[i + 1..];
                    if self.line[d].is_empty() {
                        self.one_line(ctx, dir, chunk);
                    } else {
                        let mut buf = std::mem::take(&mut self.line[d]);
                        buf.extend_from_slice(chunk);
                        self.one_line(ctx, dir, &buf);
                        buf.clear();
                        self.line[d] = buf;
                    }
                }
                None => {
                    let held = self.line[d].len();
                    if held + data.len() < MAX_LINE_BUFFER {
                        self.line[d].extend_from_slice(data);
                        return;
                    }
                    // Too long for a line: take what fits as one line.
                    let take = MAX_LINE_BUFFER.saturating_sub(held);
                    let mut buf = std::mem::take(&mut self.line[d]);
                    buf.extend_from_slice(&data[..take.min(data.len())]);
                    data = &data[take.min(data.len())..];
                    let in_message = dir == Direction::ToServer && self.mode == Mode::Data;
                    if !in_message {
                        ctx.anomaly(if dir == Direction::ToServer {
                            "MAX_COMMAND_LINE_LEN_EXCEEDED"
                        } else {
                            "MAX_REPLY_LINE_LEN_EXCEEDED"
                        });
                        self.discard[d] = true;
                    }
                    self.one_line(ctx, dir, &buf);
                    buf.clear();
                    self.line[d] = buf;
                }
            }
        }
    }

    fn one_line(&mut self, ctx: &mut ParseCtx<'_, '_>, dir: Direction, full: &[u8]) {
        let line = parser::strip_eol(full);
        match dir {
            Direction::ToServer => self.client_line(ctx, line, full),
            Direction::ToClient => self.server_line(ctx, line),
        }
    }
}

impl AppParser for SmtpState {
    fn parse(&mut self, ctx: &mut ParseCtx<'_, '_>, dir: Direction, data: &[u8]) {
        self.parse_dir(ctx, dir, data);
    }

    fn gap(&mut self, ctx: &mut ParseCtx<'_, '_>, dir: Direction, _len: u64) {
        // The partial line is lost; a message in progress cannot be decoded
        // reliably, so it ends here (its attachment is truncated).
        self.line[dir.index()].clear();
        if dir == Direction::ToServer && matches!(self.mode, Mode::Data | Mode::Bdat { .. }) {
            self.mode = Mode::Command;
            self.close_tx(ctx);
        }
    }

    fn finish(&mut self, ctx: &mut ParseCtx<'_, '_>) {
        if let Some(mut r) = self.raw.take() {
            r.closed = false;
            let tx = self.tx_mut();
            let mut body = serde_json::Map::new();
            super::log::fileinfo(&mut body, tx, None, &r);
            ctx.emit("fileinfo", None, body);
        }
        self.close_tx(ctx);
    }
}
