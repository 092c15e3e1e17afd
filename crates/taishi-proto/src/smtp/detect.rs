//! Buffers of an SMTP transaction for the rule engine.

use super::state::SmtpTx;
use crate::Buffer;
use crate::buffer::Field;

/// Calls `f` with each value of `buffer`: `smtp.helo`, `smtp.mail_from`,
/// `smtp.rcpt_to` (each recipient), `file.data` (the first bytes of each
/// attachment, decoded), `file.name` (each attachment name), file
/// hashes, and the `email.*` buffers (main MIME headers' values, each
/// `Received`, each URL of the body, the body's MD5).
pub fn buffers(tx: &SmtpTx, buffer: Buffer, f: &mut dyn FnMut(&[u8])) {
    let mime = tx.mime.as_ref();
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
        Buffer::FileDataToServer => tx.files.iter().for_each(|x| f(&x.head)),
        Buffer::FileName => tx.files.iter().for_each(|x| f(&x.name)),
        Buffer::FileMd5 => tx.files.iter().for_each(|x| f(x.hashes[0].as_bytes())),
        Buffer::FileSha1 => tx.files.iter().for_each(|x| f(x.hashes[1].as_bytes())),
        Buffer::FileSha256 => tx.files.iter().for_each(|x| f(x.hashes[2].as_bytes())),
        Buffer::EmailUrl => mime.iter().flat_map(|m| &m.urls).for_each(|u| f(u)),
        Buffer::EmailBodyMd5 => {
            if let Some(h) = mime.and_then(|m| m.body_md5) {
                f(super::hash::hex(&h).as_bytes());
            }
        }
        Buffer::EmailReceived => mime
            .iter()
            .flat_map(|m| m.main_headers())
            .filter(|h| h.name.eq_ignore_ascii_case(b"received"))
            .for_each(|h| f(&h.value)),
        _ => {
            let name: &[u8] = match buffer {
                Buffer::EmailFrom => b"from",
                Buffer::EmailTo => b"to",
                Buffer::EmailCc => b"cc",
                Buffer::EmailSubject => b"subject",
                Buffer::EmailDate => b"date",
                Buffer::EmailMessageId => b"message-id",
                Buffer::EmailXMailer => b"x-mailer",
                _ => return,
            };
            if let Some(h) = mime
                .iter()
                .flat_map(|m| m.main_headers())
                .find(|h| h.name.eq_ignore_ascii_case(name))
            {
                f(&h.value);
            }
        }
    }
}

/// `filesize` of each attachment.
pub fn fields(tx: &SmtpTx, field: Field, f: &mut dyn FnMut(u64)) {
    match field {
        Field::FileSize => tx.files.iter().for_each(|x| f(x.size)),
        // Attachments travel with the message, to the server.
        Field::FileDirection => tx.files.iter().for_each(|_| f(0)),
        _ => {}
    }
}
