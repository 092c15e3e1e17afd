//! Buffers of an FTP transaction for the rule engine.

use super::state::FtpTx;
use crate::buffer::Buffer;

/// `ftp.command` (the verb) and `ftp.command_data` (its argument).
pub fn buffers(tx: &FtpTx, buffer: Buffer, f: &mut dyn FnMut(&[u8])) {
    match (buffer, &tx.command) {
        (Buffer::FtpCommand, Some(c)) => f(c),
        (Buffer::FtpCommandData, Some(_)) => f(&tx.command_data),
        _ => {}
    }
}
