//! Per-flow FTP state: one transaction per command, completed by its final
//! reply (1xx replies are preliminary and keep it open), multi-line
//! replies kept together, data-channel ports and the login outcome.

use std::collections::VecDeque;

use taishi_flow::Direction;

use super::parser::{self, Reply};
use super::{MAX_LINE, MAX_PENDING, MAX_REPLY_LINES};
use crate::expect::Transfer;
use crate::parser::{AppParser, ParseCtx};

/// How the data channel is opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// The client listens (PORT, EPRT).
    Active,
    /// The server listens (PASV, EPSV).
    Passive,
}

/// One command and its reply.
#[derive(Clone, Debug, Default)]
pub struct FtpTx {
    /// Verb, upper case; `None` for a reply no command asked for (the
    /// server's greeting).
    pub command: Option<Vec<u8>>,
    /// Argument of the command.
    pub command_data: Vec<u8>,
    /// The command line was longer than [`MAX_LINE`].
    pub command_truncated: bool,
    /// Reply lines, line ends stripped.
    pub replies: Vec<Vec<u8>>,
    /// A reply line was cut, or lines were dropped.
    pub reply_truncated: bool,
    /// A final reply arrived.
    pub done: bool,
    /// Port of the data channel this command set up.
    pub dynamic_port: Option<u16>,
    /// Active or passive data channel.
    pub mode: Option<Mode>,
    /// Port a PORT/EPRT command offered, used once the server accepts.
    offered_port: Option<u16>,
    /// For USER/PASS: whether the login succeeded (230) or failed (530).
    pub login: Option<bool>,
    /// User name of the login attempt.
    pub user: Option<Vec<u8>>,
    /// A PORT command named an address other than the client's (an FTP
    /// bounce, Suricata's `ftpbounce`).
    pub bounce: bool,
}

#[derive(Default)]
struct Lines {
    buf: Vec<u8>,
    /// The current line passed [`MAX_LINE`]: the rest of it is dropped.
    cut: bool,
}

/// The FTP parser of one flow.
#[derive(Default)]
pub struct FtpState {
    lines: [Lines; 2],
    pending: VecDeque<FtpTx>,
    /// Code of the multi-line reply in progress.
    multi: Option<[u8; 3]>,
    user: Option<Vec<u8>>,
    /// AUTH TLS/SSL was accepted (234): the rest of the flow is TLS.
    encrypted: bool,
    /// Port of the data channel the latest PORT/EPRT offered or PASV/EPSV
    /// reply opened, until a STOR or RETR uses it.
    dyn_port: Option<u16>,
}

impl FtpState {
    /// A parser for a new flow.
    pub fn new() -> FtpState {
        FtpState::default()
    }

    fn on_command(&mut self, ctx: &mut ParseCtx<'_, '_>, line: &[u8], cut: bool) {
        let (verb, arg) = parser::parse_command(line);
        if verb.is_empty() && arg.is_empty() {
            return;
        }
        let verb = verb.to_ascii_uppercase();
        let mut tx = FtpTx {
            command_data: arg.to_vec(),
            command_truncated: cut,
            ..FtpTx::default()
        };
        match verb.as_slice() {
            b"PORT" => {
                tx.offered_port = parser::parse_port_args(arg);
                tx.bounce = super::detect::port_address(arg)
                    .is_some_and(|a| std::net::IpAddr::V4(a) != ctx.client_ip());
                self.dyn_port = tx.offered_port;
            }
            b"EPRT" => {
                tx.offered_port = parser::parse_eprt(arg);
                self.dyn_port = tx.offered_port;
            }
            // Every command that moves bytes over the data channel
            // announces it, as Suricata 8.0.6 does: files (STOR, APPE,
            // RETR need a name), STOU, and the listings.
            b"STOR" | b"APPE" | b"RETR" if arg.is_empty() => {}
            b"STOR" => self.announce(ctx, true, "STOR", arg),
            b"APPE" => self.announce(ctx, true, "APPE", arg),
            b"STOU" => self.announce(ctx, true, "STOU", arg),
            b"RETR" => self.announce(ctx, false, "RETR", arg),
            b"NLST" => self.announce(ctx, false, "NLST", arg),
            b"LIST" => self.announce(ctx, false, "LIST", arg),
            b"MLSD" => self.announce(ctx, false, "MLSD", arg),
            b"USER" => {
                self.user = Some(arg.to_vec());
                tx.user = self.user.clone();
            }
            b"PASS" => tx.user = self.user.clone(),
            _ => {}
        }
        tx.command = Some(verb);
        self.pending.push_back(tx);
        if self.pending.len() > MAX_PENDING {
            ctx.limit_hit();
            if let Some(old) = self.pending.pop_front() {
                ctx.complete(&old);
            }
        }
    }

    fn on_reply(&mut self, ctx: &mut ParseCtx<'_, '_>, line: &[u8], cut: bool) {
        let text = parser::trim_eol(line);
        let reply = parser::parse_reply(text);
        let last = match (self.multi, reply) {
            (
                Some(code),
                Some(Reply {
                    code: c,
                    more: false,
                    ..
                }),
            ) if c == code => {
                self.multi = None;
                true
            }
            (Some(_), _) => false,
            (
                None,
                Some(Reply {
                    more: true, code, ..
                }),
            ) => {
                self.multi = Some(code);
                false
            }
            (None, _) => true,
        };
        if self.pending.is_empty() {
            self.pending.push_back(FtpTx::default());
        }
        let Some(tx) = self.pending.front_mut() else {
            return;
        };
        if tx.replies.len() < MAX_REPLY_LINES {
            tx.replies.push(text.to_vec());
        } else {
            ctx.limit_hit();
            tx.reply_truncated = true;
        }
        tx.reply_truncated |= cut;
        if let Some(r) = reply {
            apply_reply(tx, &r);
            if tx.mode == Some(Mode::Passive) && tx.dynamic_port.is_some() {
                self.dyn_port = tx.dynamic_port;
            }
            if tx.command.as_deref() == Some(b"AUTH") && &r.code == b"234" {
                self.encrypted = true;
            }
        }
        // 1xx is preliminary: the final reply is still to come.
        let preliminary = reply.is_some_and(|r| r.code[0] == b'1');
        if last
            && !preliminary
            && let Some(mut tx) = self.pending.pop_front()
        {
            tx.done = true;
            ctx.complete(&tx);
        }
    }
}

impl FtpState {
    /// A transfer command (`command`, an upload when `store`) will open the
    /// data channel last set up: announce it, so that flow is known as
    /// `ftp-data` carrying this file (Suricata creates its expectation at
    /// the same command).
    fn announce(
        &mut self,
        ctx: &mut ParseCtx<'_, '_>,
        store: bool,
        command: &'static str,
        file_name: &[u8],
    ) {
        let Some(port) = self.dyn_port.take() else {
            return;
        };
        let (mut client, mut server) = (ctx.flow.client().0, ctx.flow.server().0);
        if ctx.is_reversed() {
            std::mem::swap(&mut client, &mut server);
        }
        let transfer = Transfer {
            store,
            command,
            file_name: file_name.to_vec(),
            sender: if store { client } else { server },
        };
        ctx.expect(client, server, port, transfer);
    }
}

/// What a reply code says about the command it answers.
fn apply_reply(tx: &mut FtpTx, r: &Reply<'_>) {
    let cmd = tx.command.as_deref().unwrap_or_default();
    match (cmd, &r.code) {
        (b"PASV", b"227") => {
            tx.dynamic_port = parser::parse_pasv_reply(r.text);
            tx.mode = Some(Mode::Passive);
        }
        (b"EPSV", b"229") => {
            tx.dynamic_port = parser::parse_epsv_reply(r.text);
            tx.mode = Some(Mode::Passive);
        }
        (b"PORT" | b"EPRT", [b'2', ..]) => {
            tx.dynamic_port = tx.offered_port;
            tx.mode = Some(Mode::Active);
        }
        (b"USER" | b"PASS", b"230") => tx.login = Some(true),
        (b"USER" | b"PASS", b"530") => tx.login = Some(false),
        _ => {}
    }
}

impl AppParser for FtpState {
    fn parse(&mut self, ctx: &mut ParseCtx<'_, '_>, dir: Direction, data: &[u8]) {
        let mut input = data;
        while !input.is_empty() && !self.encrypted {
            let d = dir.index();
            let (chunk, ended) = match input.iter().position(|&c| c == b'\n') {
                Some(i) => (&input[..=i], true),
                None => (input, false),
            };
            input = &input[chunk.len()..];
            let l = &mut self.lines[d];
            if !l.cut {
                let room = MAX_LINE.saturating_sub(l.buf.len());
                if chunk.len() > room {
                    l.cut = true;
                    ctx.anomaly(match dir {
                        Direction::ToServer => "request_command_too_long",
                        Direction::ToClient => "response_command_too_long",
                    });
                }
                l.buf.extend_from_slice(&chunk[..chunk.len().min(room)]);
            }
            if !ended {
                continue;
            }
            let line = std::mem::take(&mut l.buf);
            let cut = std::mem::take(&mut l.cut);
            match dir {
                Direction::ToServer => self.on_command(ctx, &line, cut),
                Direction::ToClient => self.on_reply(ctx, &line, cut),
            }
            // Keep the allocation for the next line.
            let mut line = line;
            line.clear();
            self.lines[d].buf = line;
        }
    }

    fn gap(&mut self, _ctx: &mut ParseCtx<'_, '_>, dir: Direction, _len: u64) {
        let l = &mut self.lines[dir.index()];
        l.buf.clear();
        l.cut = true;
        if dir == Direction::ToClient {
            self.multi = None;
        }
    }

    fn finish(&mut self, ctx: &mut ParseCtx<'_, '_>) {
        while let Some(tx) = self.pending.pop_front() {
            ctx.complete(&tx);
        }
    }
}
