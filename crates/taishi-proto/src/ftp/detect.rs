//! Buffers and fields of an FTP transaction for the rule engine.

use std::net::Ipv4Addr;

use super::parser::parse_reply;
use super::state::{FtpTx, Mode};
use crate::buffer::{Buffer, Field};

/// `ftp.command` (the verb), `ftp.command_data` (its argument),
/// `ftp.reply` (each reply line's text, without its code) and
/// `ftp.completion_code` (each reply line's code), as Suricata's EVE
/// `reply` and `completion_code` lists hold them.
pub fn buffers(tx: &FtpTx, buffer: Buffer, f: &mut dyn FnMut(&[u8])) {
    match (buffer, &tx.command) {
        (Buffer::FtpCommand, Some(c)) => f(c),
        (Buffer::FtpCommandData, Some(_)) => f(&tx.command_data),
        (Buffer::FtpReply, _) => {
            for line in &tx.replies {
                match parse_reply(line) {
                    Some(r) => f(r.text),
                    None => f(line),
                }
            }
        }
        (Buffer::FtpCompletionCode, _) => {
            for line in &tx.replies {
                if let Some(r) = parse_reply(line) {
                    f(&r.code);
                }
            }
        }
        _ => {}
    }
}

/// `ftp.dynamic_port`, `ftp.mode` (1 active), `ftp.reply_received`,
/// `ftpbounce`.
///
/// `ftp.reply_received` is whether the final reply arrived (the record's
/// `reply_received`), and, as Suricata's keyword, a transaction without a
/// command (the server's greeting) has no value: it never matches.
pub fn fields(tx: &FtpTx, field: Field, f: &mut dyn FnMut(u64)) {
    match field {
        Field::FtpDynamicPort => tx.dynamic_port.iter().for_each(|p| f(u64::from(*p))),
        Field::FtpMode => tx
            .mode
            .iter()
            .for_each(|m| f(u64::from(*m == Mode::Active))),
        Field::FtpReplyReceived if tx.command.is_some() => f(u64::from(tx.done)),
        Field::FtpBounce if tx.command.is_some() => f(u64::from(tx.bounce)),
        _ => {}
    }
}

/// The address of a PORT argument (`h1,h2,h3,h4,p1,p2`).
pub fn port_address(arg: &[u8]) -> Option<Ipv4Addr> {
    let s = std::str::from_utf8(arg).ok()?;
    let mut parts = s.trim().split(',').map(|p| p.trim().parse::<u8>());
    let mut ip = [0u8; 4];
    for b in &mut ip {
        *b = parts.next()?.ok()?;
    }
    Some(Ipv4Addr::from(ip))
}
