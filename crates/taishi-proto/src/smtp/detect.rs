//! Buffers of an SMTP transaction for the rule engine.

use super::state::SmtpTx;
use crate::Buffer;

/// Calls `f` with each value of `buffer`: `smtp.helo`, `smtp.mail_from`,
/// `smtp.rcpt_to` (each recipient), `file.data` (the first bytes of each
/// attachment, decoded), `file.name` (each attachment name).
pub fn buffers(tx: &SmtpTx, buffer: Buffer, f: &mut dyn FnMut(&[u8])) {
    match buffer {
        Buffer::SmtpHelo => {
            if let Some(h) = &tx.helo {
                f(h);
            }
        }
        Buffer::SmtpMailFrom => {
            if let Some(m) = &tx.mail_from {
                f(m);
            }
        }
        Buffer::SmtpRcptTo => tx.rcpt_to.iter().for_each(|r| f(r)),
        Buffer::FileData => tx.files.iter().for_each(|x| f(&x.head)),
        Buffer::FileName => tx.files.iter().for_each(|x| f(&x.name)),
        _ => {}
    }
}
