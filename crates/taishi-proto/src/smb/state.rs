//! The per-flow SMB parser: NetBIOS records of each direction, requests
//! matched to responses by message id.

use std::collections::HashMap;

use taishi_flow::Direction;

use super::parser::{self, NtlmAuth, Smb1Header, Smb2Header};
use super::{MAX_COMPOUND, MAX_OPEN_FILES, MAX_PENDING, MAX_RECORD_KEPT};
use crate::parser::{AppParser, ParseCtx};

/// Command-specific data of a transaction.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum TxData {
    /// Nothing beyond the header.
    #[default]
    None,
    /// NEGOTIATE.
    Negotiate {
        /// SMB1 dialect names offered.
        dialects1: Vec<String>,
        /// SMB2 dialects offered.
        dialects2: Vec<u16>,
        /// Client GUID (SMB2 request).
        client_guid: Option<Vec<u8>>,
        /// Server GUID (response).
        server_guid: Option<Vec<u8>>,
    },
    /// SESSION_SETUP.
    SessionSetup {
        /// NTLMSSP AUTHENTICATE identity.
        ntlmssp: Option<NtlmAuth>,
    },
    /// TREE_CONNECT.
    TreeConnect {
        /// `\\server\share`.
        share: String,
        /// Share type from the response (1 disk, 2 pipe, 3 print).
        share_type: Option<u8>,
    },
    /// CREATE.
    Create {
        /// File name.
        name: String,
        /// FILE_DIRECTORY_FILE requested.
        directory: bool,
        /// FILE_DELETE_ON_CLOSE requested.
        delete_on_close: bool,
        /// Create disposition.
        disposition: u32,
        /// Creation, access, write, change times (Unix seconds).
        times: [u64; 4],
        /// End of file.
        size: u64,
        /// File id from the response.
        fuid: Vec<u8>,
    },
    /// READ, WRITE, CLOSE and others on an open file.
    File {
        /// File name, when the CREATE was seen.
        name: String,
        /// Share of the tree.
        share: String,
        /// File id.
        fuid: Vec<u8>,
        /// READ/WRITE: write or read, offset, length.
        io: Option<(bool, u64, u32)>,
    },
}

/// One SMB request/response pair.
#[derive(Clone, Debug, Default)]
pub struct SmbTx {
    /// Transaction number in the flow.
    pub id: u64,
    /// 1 or 2 (SMB3 is SMB2's header).
    pub version: u8,
    /// Command code.
    pub command: u16,
    /// NT status of the response; for SMB1 without NT status, the DOS
    /// error (class in the low byte, code in the high half).
    pub status: Option<u32>,
    /// SMB1 response without NT status.
    pub dos_error: bool,
    /// Session id (SMB1: uid).
    pub session_id: u64,
    /// Tree id.
    pub tree_id: u32,
    /// Dialect of the session when logged.
    pub dialect: Option<String>,
    /// Command-specific data.
    pub data: TxData,
}

impl SmbTx {
    /// NTLMSSP user, when this is a session setup that carried one.
    pub fn ntlmssp(&self) -> Option<&NtlmAuth> {
        match &self.data {
            TxData::SessionSetup { ntlmssp } => ntlmssp.as_ref(),
            _ => None,
        }
    }
}

/// NetBIOS record reassembly of one direction.
#[derive(Default)]
struct Records {
    hdr: Vec<u8>,
    /// Bytes of the current record still to come.
    left: usize,
    /// Whether the current record is an SMB message (type 0).
    message: bool,
    kept: Vec<u8>,
    in_record: bool,
}

/// Parser state of one flow.
#[derive(Default)]
pub struct SmbState {
    rec: [Records; 2],
    pending: HashMap<(u8, u64), SmbTx>,
    next_id: u64,
    dialect: Option<String>,
    smb1_offered: Vec<String>,
    trees: HashMap<u32, String>,
    files: HashMap<Vec<u8>, String>,
    dead: bool,
}

impl SmbState {
    fn new_tx(&mut self, version: u8, command: u16, session_id: u64, tree_id: u32) -> SmbTx {
        let id = self.next_id;
        self.next_id += 1;
        SmbTx {
            id,
            version,
            command,
            session_id,
            tree_id,
            ..SmbTx::default()
        }
    }

    fn complete(&mut self, ctx: &mut ParseCtx<'_, '_>, mut tx: SmbTx) {
        tx.dialect = self.dialect.clone();
        ctx.complete(&tx);
    }

    fn file_data(&self, tree_id: u32, fuid: &[u8], io: Option<(bool, u64, u32)>) -> TxData {
        TxData::File {
            name: self.files.get(fuid).cloned().unwrap_or_default(),
            share: self.trees.get(&tree_id).cloned().unwrap_or_default(),
            fuid: fuid.to_vec(),
            io,
        }
    }

    fn record(&mut self, ctx: &mut ParseCtx<'_, '_>, dir: Direction, msg: &[u8]) {
        match msg.get(..4) {
            Some(b"\xfeSMB") => self.smb2(ctx, dir, msg),
            Some(b"\xffSMB") => self.smb1(ctx, dir, msg),
            // SMB3 encrypted (transform header): nothing readable.
            Some(b"\xfdSMB") => {}
            _ => ctx.anomaly("MALFORMED_DATA"),
        }
    }

    fn smb2(&mut self, ctx: &mut ParseCtx<'_, '_>, dir: Direction, rec: &[u8]) {
        let mut off = 0usize;
        for _ in 0..MAX_COMPOUND {
            let Some(msg) = rec.get(off..) else {
                return;
            };
            let Some(h) = parser::smb2_header(msg) else {
                ctx.anomaly("MALFORMED_DATA");
                return;
            };
            let this = if h.next > 0 {
                msg.get(..h.next as usize).unwrap_or(msg)
            } else {
                msg
            };
            let body = this.get(64..).unwrap_or(&[]);
            if h.is_response() || dir == Direction::ToClient {
                self.smb2_response(ctx, &h, body);
            } else {
                self.smb2_request(ctx, &h, body);
            }
            if h.next == 0 {
                return;
            }
            off += h.next as usize;
        }
        ctx.limit_hit();
    }

    fn smb2_request(&mut self, ctx: &mut ParseCtx<'_, '_>, h: &Smb2Header, b: &[u8]) {
        if h.command == 12 {
            // CANCEL has no response of its own.
            return;
        }
        let mut tx = self.new_tx(2, h.command, h.session_id, h.tree_id);
        tx.data = match h.command {
            0 => {
                let n = usize::from(parser::u16le(b, 2).unwrap_or(0));
                let dialects2 = (0..n.min(64))
                    .map_while(|i| parser::u16le(b, 36 + 2 * i))
                    .collect();
                TxData::Negotiate {
                    dialects1: Vec::new(),
                    dialects2,
                    client_guid: b.get(12..28).map(<[u8]>::to_vec),
                    server_guid: None,
                }
            }
            1 => {
                let off = usize::from(parser::u16le(b, 12).unwrap_or(0));
                let len = usize::from(parser::u16le(b, 14).unwrap_or(0));
                // Offsets count from the SMB2 header, 64 bytes before the body.
                let blob = off
                    .checked_sub(64)
                    .and_then(|o| parser::slice(b, o, len).or_else(|| b.get(o..)))
                    .unwrap_or(&[]);
                TxData::SessionSetup {
                    ntlmssp: parser::ntlmssp_auth(blob),
                }
            }
            3 => {
                let off = usize::from(parser::u16le(b, 4).unwrap_or(0));
                let len = usize::from(parser::u16le(b, 6).unwrap_or(0));
                let path = off
                    .checked_sub(64)
                    .and_then(|o| parser::slice(b, o, len))
                    .map(parser::utf16)
                    .unwrap_or_default();
                TxData::TreeConnect {
                    share: path,
                    share_type: None,
                }
            }
            5 => {
                let opts = parser::u32le(b, 40).unwrap_or(0);
                let off = usize::from(parser::u16le(b, 44).unwrap_or(0));
                let len = usize::from(parser::u16le(b, 46).unwrap_or(0));
                let name = off
                    .checked_sub(64)
                    .and_then(|o| parser::slice(b, o, len))
                    .map(parser::utf16)
                    .unwrap_or_default();
                TxData::Create {
                    name,
                    directory: opts & 1 != 0,
                    delete_on_close: opts & 0x1000 != 0,
                    disposition: parser::u32le(b, 36).unwrap_or(u32::MAX),
                    times: [0; 4],
                    size: 0,
                    fuid: Vec::new(),
                }
            }
            6 => {
                let fuid = b.get(8..24).unwrap_or(&[]);
                self.file_data(h.tree_id, fuid, None)
            }
            8 => {
                let len = parser::u32le(b, 4).unwrap_or(0);
                let off = parser::u64le(b, 8).unwrap_or(0);
                let fuid = b.get(16..32).unwrap_or(&[]);
                self.file_data(h.tree_id, fuid, Some((false, off, len)))
            }
            9 => {
                let len = parser::u32le(b, 4).unwrap_or(0);
                let off = parser::u64le(b, 8).unwrap_or(0);
                let fuid = b.get(16..32).unwrap_or(&[]);
                self.file_data(h.tree_id, fuid, Some((true, off, len)))
            }
            _ => TxData::None,
        };
        self.insert(ctx, (2, h.message_id), tx);
    }

    fn insert(&mut self, ctx: &mut ParseCtx<'_, '_>, key: (u8, u64), tx: SmbTx) {
        if self.pending.len() >= MAX_PENDING && !self.pending.contains_key(&key) {
            // Unanswered requests pile up: log the oldest unanswered.
            ctx.limit_hit();
            if let Some(k) = self
                .pending
                .iter()
                .min_by_key(|(_, t)| t.id)
                .map(|(k, _)| *k)
                && let Some(old) = self.pending.remove(&k)
            {
                self.complete(ctx, old);
            }
        }
        if let Some(old) = self.pending.insert(key, tx) {
            // A reused message id: the first request was never answered.
            self.complete(ctx, old);
        }
    }

    fn smb2_response(&mut self, ctx: &mut ParseCtx<'_, '_>, h: &Smb2Header, b: &[u8]) {
        if h.status == 0x103 && h.flags & 2 != 0 {
            // Interim response: the real one follows.
            return;
        }
        let mut tx = match self.pending.remove(&(2, h.message_id)) {
            Some(t) => t,
            None => self.new_tx(2, h.command, h.session_id, h.tree_id),
        };
        tx.status = Some(h.status);
        if tx.session_id == 0 {
            tx.session_id = h.session_id;
        }
        if tx.tree_id == 0 {
            tx.tree_id = h.tree_id;
        }
        let ok = h.status == 0;
        match (&mut tx.data, h.command) {
            (data, 0) if ok => {
                if let Some(d) = parser::u16le(b, 4) {
                    self.dialect = Some(parser::smb2_dialect(d));
                }
                let g = b.get(8..24).map(<[u8]>::to_vec);
                match data {
                    TxData::Negotiate { server_guid, .. } => *server_guid = g,
                    other => {
                        *other = TxData::Negotiate {
                            dialects1: std::mem::take(&mut self.smb1_offered),
                            dialects2: Vec::new(),
                            client_guid: None,
                            server_guid: g,
                        }
                    }
                }
            }
            (TxData::TreeConnect { share, share_type }, 3) => {
                *share_type = b.get(2).copied();
                if ok && self.trees.len() < MAX_OPEN_FILES {
                    self.trees.insert(h.tree_id, share.clone());
                }
            }
            (
                TxData::Create {
                    name,
                    times,
                    size,
                    fuid,
                    ..
                },
                5,
            ) if ok => {
                for (i, t) in times.iter_mut().enumerate() {
                    *t = parser::filetime_to_unix(parser::u64le(b, 8 + 8 * i).unwrap_or(0));
                }
                *size = parser::u64le(b, 48).unwrap_or(0);
                *fuid = b.get(64..80).unwrap_or(&[]).to_vec();
                if self.files.len() < MAX_OPEN_FILES {
                    self.files.insert(fuid.clone(), name.clone());
                } else {
                    ctx.limit_hit();
                }
            }
            (
                TxData::File {
                    io: Some((false, _, len)),
                    ..
                },
                8,
            ) if ok => {
                *len = parser::u32le(b, 4).unwrap_or(*len);
            }
            (TxData::File { fuid, .. }, 6) if ok => {
                self.files.remove(fuid.as_slice());
            }
            _ => {}
        }
        self.complete(ctx, tx);
    }

    fn smb1(&mut self, ctx: &mut ParseCtx<'_, '_>, dir: Direction, msg: &[u8]) {
        let Some(h) = parser::smb1_header(msg) else {
            ctx.anomaly("MALFORMED_DATA");
            return;
        };
        let Some((words, bytes)) = parser::smb1_words_bytes(msg) else {
            return;
        };
        let key = (1u8, (u64::from(h.uid) << 16) | u64::from(h.mid));
        if h.response || dir == Direction::ToClient {
            self.smb1_response(ctx, &h, key, words, bytes);
            return;
        }
        let mut tx = self.new_tx(1, u16::from(h.command), u64::from(h.uid), u32::from(h.tid));
        tx.data = match h.command {
            0x72 => {
                let dialects1: Vec<String> = bytes
                    .split(|&b| b == 0)
                    .filter_map(|d| d.strip_prefix(&[2u8][..]))
                    .take(64)
                    .map(|d| String::from_utf8_lossy(d).into_owned())
                    .collect();
                self.smb1_offered = dialects1.clone();
                TxData::Negotiate {
                    dialects1,
                    dialects2: Vec::new(),
                    client_guid: None,
                    server_guid: None,
                }
            }
            0x73 => TxData::SessionSetup {
                ntlmssp: parser::ntlmssp_auth(bytes),
            },
            0x75 => {
                let pwlen = usize::from(parser::u16le(words, 6).unwrap_or(0));
                let unicode = h.flags2 & 0x8000 != 0;
                let start = 35 + words.len() + pwlen;
                let pad = usize::from(unicode && start % 2 == 1);
                let path = bytes.get(pwlen + pad..).unwrap_or(&[]);
                let share = if unicode {
                    parser::utf16(path)
                } else {
                    let end = path.iter().position(|&b| b == 0).unwrap_or(path.len());
                    String::from_utf8_lossy(&path[..end]).into_owned()
                };
                TxData::TreeConnect {
                    share,
                    share_type: None,
                }
            }
            _ => TxData::None,
        };
        self.insert(ctx, key, tx);
    }

    fn smb1_response(
        &mut self,
        ctx: &mut ParseCtx<'_, '_>,
        h: &Smb1Header,
        key: (u8, u64),
        words: &[u8],
        _bytes: &[u8],
    ) {
        let mut tx = match self.pending.remove(&key) {
            Some(t) => t,
            None => {
                // The response may carry the uid the request lacked.
                let k0 = (1u8, u64::from(h.mid));
                match self.pending.remove(&k0) {
                    Some(t) => t,
                    None => {
                        self.new_tx(1, u16::from(h.command), u64::from(h.uid), u32::from(h.tid))
                    }
                }
            }
        };
        tx.status = Some(h.status);
        tx.dos_error = h.flags2 & 0x4000 == 0;
        if tx.session_id == 0 {
            tx.session_id = u64::from(h.uid);
        }
        if tx.tree_id == 0 {
            tx.tree_id = u32::from(h.tid);
        }
        if h.command == 0x72
            && let TxData::Negotiate { dialects1, .. } = &tx.data
            && let Some(i) = parser::u16le(words, 0)
            && let Some(d) = dialects1.get(usize::from(i))
        {
            self.dialect = Some(d.clone());
        }
        if h.command == 0x75
            && h.status == 0
            && let TxData::TreeConnect { share, .. } = &tx.data
            && self.trees.len() < MAX_OPEN_FILES
        {
            self.trees.insert(u32::from(h.tid), share.clone());
        }
        self.complete(ctx, tx);
    }

    fn parse_dir(&mut self, ctx: &mut ParseCtx<'_, '_>, dir: Direction, mut data: &[u8]) {
        let d = dir.index();
        while !data.is_empty() && !self.dead {
            if !self.rec[d].in_record {
                let r = &mut self.rec[d];
                if r.hdr.is_empty() && data.len() >= 4 {
                    let Some((t, len)) = parser::nbss(data) else {
                        return;
                    };
                    data = &data[4..];
                    // Fast path: the whole record is here.
                    if t == 0 && data.len() >= len {
                        let (msg, rest) = data.split_at(len);
                        data = rest;
                        self.record(ctx, dir, msg);
                        continue;
                    }
                    self.start_record(dir, t, len);
                    continue;
                }
                let take = (4 - r.hdr.len()).min(data.len());
                r.hdr.extend_from_slice(&data[..take]);
                data = &data[take..];
                if r.hdr.len() < 4 {
                    return;
                }
                let Some((t, len)) = parser::nbss(&r.hdr) else {
                    return;
                };
                r.hdr.clear();
                self.start_record(dir, t, len);
                continue;
            }
            let r = &mut self.rec[d];
            let n = r.left.min(data.len());
            if r.message {
                let room = MAX_RECORD_KEPT.saturating_sub(r.kept.len());
                r.kept.extend_from_slice(&data[..n.min(room)]);
            }
            r.left -= n;
            data = &data[n..];
            if r.left == 0 {
                r.in_record = false;
                if r.message {
                    let msg = std::mem::take(&mut r.kept);
                    self.record(ctx, dir, &msg);
                    let mut msg = msg;
                    msg.clear();
                    self.rec[d].kept = msg;
                }
            }
        }
    }

    fn start_record(&mut self, dir: Direction, t: u8, len: usize) {
        let r = &mut self.rec[dir.index()];
        r.message = t == 0;
        r.left = len;
        r.in_record = len > 0;
        r.kept.clear();
    }
}

impl AppParser for SmbState {
    fn parse(&mut self, ctx: &mut ParseCtx<'_, '_>, dir: Direction, data: &[u8]) {
        self.parse_dir(ctx, dir, data);
    }

    fn gap(&mut self, _ctx: &mut ParseCtx<'_, '_>, dir: Direction, len: u64) {
        // Inside a record the gap only shortens it; at a boundary the
        // framing is lost and the flow is given up.
        let r = &mut self.rec[dir.index()];
        if r.in_record && (len as usize) < r.left {
            r.left -= len as usize;
            r.message = false;
        } else {
            self.dead = true;
        }
    }

    fn finish(&mut self, ctx: &mut ParseCtx<'_, '_>) {
        let mut left: Vec<SmbTx> = self.pending.drain().map(|(_, t)| t).collect();
        left.sort_by_key(|t| t.id);
        for tx in left {
            self.complete(ctx, tx);
        }
    }
}
