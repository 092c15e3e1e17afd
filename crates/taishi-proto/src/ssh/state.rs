//! Per-flow SSH state: each direction's banner, then its unencrypted
//! binary packets up to NEWKEYS (KEXINIT read for HASSH); after that the
//! direction is encrypted and its bytes are not looked at again.

use taishi_flow::Direction;

use super::parser;
use super::{MAX_BANNER_LEN, MAX_KEXINIT, MAX_PACKET};
use crate::parser::{AppParser, ParseCtx};

/// Message number of KEXINIT.
const MSG_KEXINIT: u8 = 20;
/// Message number of NEWKEYS.
const MSG_NEWKEYS: u8 = 21;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Phase {
    /// Waiting for the version line.
    #[default]
    Banner,
    /// Reading unencrypted binary packets.
    Packets,
    /// NEWKEYS seen, or nothing more we can read: bytes are ignored.
    Done,
}

/// What one side said.
#[derive(Clone, Debug, Default)]
pub struct Side {
    phase: Phase,
    line: Vec<u8>,
    /// Skipping the rest of an over-long line.
    skip_line: bool,
    hdr: [u8; 6],
    hdr_len: usize,
    skip: usize,
    kex: Vec<u8>,
    kex_need: usize,
    /// Protocol version from the banner.
    pub proto: Option<Vec<u8>>,
    /// Software version from the banner.
    pub software: Vec<u8>,
    /// HASSH string (`kex;enc;mac;comp` of this side's direction).
    pub hassh: Option<String>,
    /// NEWKEYS was sent: the rest is encrypted.
    pub encrypted: bool,
}

/// The SSH transaction: both sides' banners and HASSH.
#[derive(Clone, Debug, Default)]
pub struct SshTx {
    /// Client side.
    pub client: Side,
    /// Server side.
    pub server: Side,
}

/// The SSH parser of one flow.
pub struct SshState {
    tx: SshTx,
    hassh: bool,
    logged: bool,
}

impl SshState {
    /// A parser; `hassh` computes HASSH from the KEXINITs.
    pub fn new(hassh: bool) -> SshState {
        SshState {
            tx: SshTx::default(),
            hassh,
            logged: false,
        }
    }
}

impl Side {
    fn banner(&mut self, ctx: &mut ParseCtx<'_, '_>, dir: Direction, input: &mut &[u8]) {
        while !input.is_empty() && self.phase == Phase::Banner {
            let (chunk, ended) = match parser::find_line(input) {
                Some(i) => (&input[..=i], true),
                None => (*input, false),
            };
            *input = &input[chunk.len()..];
            if self.skip_line {
                self.skip_line = !ended;
                continue;
            }
            let room = MAX_BANNER_LEN.saturating_sub(self.line.len());
            self.line.extend_from_slice(&chunk[..chunk.len().min(room)]);
            let too_long = !ended && self.line.len() >= MAX_BANNER_LEN;
            if !ended && !too_long {
                return;
            }
            if too_long {
                ctx.anomaly("LONG_BANNER");
                self.skip_line = true;
            }
            let line = std::mem::take(&mut self.line);
            let body = line.strip_suffix(b"\n").unwrap_or(&line);
            match parser::parse_banner(body) {
                Some(b) => {
                    self.proto = Some(b.proto.to_vec());
                    self.software = b.software.to_vec();
                    // SSH-1 packets have another layout; SSH-2 (and
                    // 1.99, which means 2 as well) are read on.
                    self.phase = if b.proto.starts_with(b"2") || b.proto == b"1.99" {
                        Phase::Packets
                    } else {
                        Phase::Done
                    };
                }
                // A server may send other lines before its version
                // (RFC 4253 §4.2); a client may not.
                None if dir == Direction::ToClient => {}
                None => {
                    ctx.anomaly("INVALID_BANNER");
                    self.phase = Phase::Done;
                }
            }
            self.line = line;
            self.line.clear();
        }
    }

    fn packets(&mut self, ctx: &mut ParseCtx<'_, '_>, hassh: bool, server: bool, mut input: &[u8]) {
        while !input.is_empty() && self.phase == Phase::Packets {
            if self.skip > 0 {
                let n = self.skip.min(input.len());
                self.skip -= n;
                input = &input[n..];
                continue;
            }
            if self.kex_need > 0 {
                let n = self.kex_need.min(input.len());
                self.kex.extend_from_slice(&input[..n]);
                self.kex_need -= n;
                input = &input[n..];
                if self.kex_need == 0 {
                    if let Some(k) = parser::parse_kexinit(&self.kex) {
                        self.hassh = hassh.then(|| hassh_string(&k, server));
                    } else {
                        ctx.anomaly("INVALID_RECORD");
                    }
                    self.kex = Vec::new();
                }
                continue;
            }
            let n = (6 - self.hdr_len).min(input.len());
            self.hdr[self.hdr_len..self.hdr_len + n].copy_from_slice(&input[..n]);
            self.hdr_len += n;
            input = &input[n..];
            let Some(h) = parser::packet_header(&self.hdr[..self.hdr_len]) else {
                return;
            };
            self.hdr_len = 0;
            if h.total < 6 || h.total > MAX_PACKET {
                ctx.anomaly("INVALID_RECORD");
                self.phase = Phase::Done;
                return;
            }
            let rest = h.total - 6;
            match h.msg {
                MSG_KEXINIT if rest > MAX_KEXINIT => {
                    ctx.anomaly("LONG_KEX_RECORD");
                    self.skip = rest;
                }
                MSG_KEXINIT if hassh => {
                    self.kex.clear();
                    self.kex_need = rest;
                    if rest == 0 {
                        ctx.anomaly("INVALID_RECORD");
                    }
                }
                MSG_NEWKEYS => {
                    self.encrypted = true;
                    self.phase = Phase::Done;
                }
                _ => self.skip = rest,
            }
        }
    }
}

fn hassh_string(k: &parser::KexInit<'_>, server: bool) -> String {
    let (enc, mac, comp) = if server {
        (k.enc_sc, k.mac_sc, k.comp_sc)
    } else {
        (k.enc_cs, k.mac_cs, k.comp_cs)
    };
    let parts = [k.kex, enc, mac, comp].map(|p| String::from_utf8_lossy(p).into_owned());
    parts.join(";")
}

impl SshState {
    fn maybe_log(&mut self, ctx: &mut ParseCtx<'_, '_>) {
        let t = &self.tx;
        let finished = |s: &Side| s.encrypted || (s.phase == Phase::Done && s.proto.is_some());
        if !self.logged && finished(&t.client) && finished(&t.server) {
            self.logged = true;
            ctx.complete(&self.tx);
        }
    }
}

impl AppParser for SshState {
    fn parse(&mut self, ctx: &mut ParseCtx<'_, '_>, dir: Direction, data: &[u8]) {
        let hassh = self.hassh;
        let side = match dir {
            Direction::ToServer => &mut self.tx.client,
            Direction::ToClient => &mut self.tx.server,
        };
        if side.phase == Phase::Done {
            return;
        }
        let mut input = data;
        side.banner(ctx, dir, &mut input);
        if side.phase == Phase::Packets {
            side.packets(ctx, hassh, dir == Direction::ToClient, input);
        }
        self.maybe_log(ctx);
    }

    fn gap(&mut self, ctx: &mut ParseCtx<'_, '_>, dir: Direction, _len: u64) {
        let side = match dir {
            Direction::ToServer => &mut self.tx.client,
            Direction::ToClient => &mut self.tx.server,
        };
        side.phase = Phase::Done;
        self.maybe_log(ctx);
    }

    fn finish(&mut self, ctx: &mut ParseCtx<'_, '_>) {
        let t = &self.tx;
        if !self.logged && (t.client.proto.is_some() || t.server.proto.is_some()) {
            self.logged = true;
            ctx.complete(&self.tx);
        }
    }
}
