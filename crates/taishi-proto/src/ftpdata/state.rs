//! The data channel of one transfer: one transaction, one file.

use std::cell::Cell;

use taishi_flow::Direction;

use crate::expect::Transfer;
use crate::http::body::{FileDone, FileHashes, FileTrack};
use crate::parser::{AppParser, ParseCtx};

/// The transfer of one data channel, its only transaction.
pub struct FtpDataTx {
    /// What the control channel announced.
    pub transfer: Transfer,
    /// Direction the file's bytes flow in, once the first arrived.
    pub dir: Option<Direction>,
    /// The file while it is open.
    pub file: Option<FileTrack>,
    /// The file once closed.
    pub done: Option<FileDone>,
    /// A `filestore` rule matched. Rules see transactions by shared
    /// reference, so the mark is a cell.
    pub stored: Cell<bool>,
}

/// The parser of one data channel.
pub struct FtpDataState {
    tx: FtpDataTx,
    /// Logged already (the flow ended).
    finished: bool,
}

impl FtpDataState {
    /// The data channel of `transfer`.
    pub fn new(transfer: Transfer) -> FtpDataState {
        FtpDataState {
            tx: FtpDataTx {
                transfer,
                dir: None,
                file: None,
                done: None,
                stored: Cell::new(false),
            },
            finished: false,
        }
    }

    /// Direction in which the sender's bytes flow on this flow.
    fn sending(&self, ctx: &ParseCtx<'_, '_>) -> Direction {
        let client = if ctx.is_reversed() {
            ctx.flow.server().0
        } else {
            ctx.flow.client().0
        };
        if client == self.tx.transfer.sender {
            Direction::ToServer
        } else {
            Direction::ToClient
        }
    }
}

impl AppParser for FtpDataState {
    fn parse(&mut self, ctx: &mut ParseCtx<'_, '_>, dir: Direction, data: &[u8]) {
        if self.finished || dir != self.sending(ctx) {
            return;
        }
        let tx = &mut self.tx;
        if tx.dir.is_none() {
            tx.dir = Some(dir);
            let mut file = FileTrack::new(tx.transfer.file_name.clone(), None, FileHashes::ALL);
            file.update(data);
            tx.file = Some(file);
            // Rules see the transfer with its first bytes, as Suricata
            // inspects an open file.
            ctx.inspect(&self.tx, dir);
            return;
        }
        if let Some(f) = tx.file.as_mut() {
            f.update(data);
        }
    }

    fn gap(&mut self, ctx: &mut ParseCtx<'_, '_>, dir: Direction, _len: u64) {
        if dir != self.sending(ctx) {
            return;
        }
        if let Some(f) = self.tx.file.as_mut() {
            f.gaps = true;
        }
    }

    fn finish(&mut self, ctx: &mut ParseCtx<'_, '_>) {
        if std::mem::replace(&mut self.finished, true) {
            return;
        }
        let tx = &mut self.tx;
        tx.done = tx.file.take().map(|f| f.finish(true));
        if tx.dir.is_none() {
            // No byte was sent: the transfer failed before it began.
            return;
        }
        ctx.log_inspected(&self.tx);
        let Some(done) = &self.tx.done else {
            return;
        };
        let body = super::log::fileinfo(&self.tx, done);
        ctx.emit("fileinfo", self.tx.dir, body);
    }
}
