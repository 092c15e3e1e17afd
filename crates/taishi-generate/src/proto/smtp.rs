//! An SMTP (RFC 5321) delivery, as a list of alternating server/client
//! writes starting with the server greeting.

use std::fmt::Write as _;

/// One message and the names of the two MTAs.
pub struct Mail<'a> {
    /// Receiving MTA's host name (greeting, EHLO reply).
    pub server_name: &'a str,
    /// Sending MTA's host name (EHLO).
    pub client_name: &'a str,
    /// Envelope and header sender.
    pub from: &'a str,
    /// Envelope and header recipient.
    pub to: &'a str,
    /// Subject header.
    pub subject: &'a str,
    /// Date header (IMF-fixdate).
    pub date: &'a str,
    /// Message-ID header, without angle brackets.
    pub msg_id: &'a str,
    /// Body text, lines separated by `\n`.
    pub body: &'a str,
}

/// The writes of one delivery: even indices from the server, odd from the
/// client.
pub fn delivery(m: &Mail<'_>) -> Vec<Vec<u8>> {
    let Mail {
        server_name,
        client_name,
        from,
        to,
        subject,
        date,
        msg_id,
        body,
    } = *m;
    let mut msg = String::with_capacity(body.len() + 512);
    let _ = write!(
        msg,
        "From: <{from}>\r\nTo: <{to}>\r\nSubject: {subject}\r\nDate: {date}\r\nMessage-ID: <{msg_id}>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
    );
    for line in body.lines() {
        // Dot-stuffing (RFC 5321 §4.5.2).
        if line.starts_with('.') {
            msg.push('.');
        }
        msg.push_str(line);
        msg.push_str("\r\n");
    }
    msg.push_str(".\r\n");
    [
        format!("220 {server_name} ESMTP Postfix (Debian/GNU)\r\n"),
        format!("EHLO {client_name}\r\n"),
        format!("250-{server_name}\r\n250-PIPELINING\r\n250-SIZE 52428800\r\n250-8BITMIME\r\n250-ENHANCEDSTATUSCODES\r\n250 SMTPUTF8\r\n"),
        format!("MAIL FROM:<{from}> SIZE={}\r\n", msg.len()),
        "250 2.1.0 Ok\r\n".to_string(),
        format!("RCPT TO:<{to}>\r\n"),
        "250 2.1.5 Ok\r\n".to_string(),
        "DATA\r\n".to_string(),
        "354 End data with <CR><LF>.<CR><LF>\r\n".to_string(),
        msg,
        format!("250 2.0.0 Ok: queued as {}\r\n", &msg_id[..msg_id.len().min(10)].to_ascii_uppercase()),
        "QUIT\r\n".to_string(),
        "221 2.0.0 Bye\r\n".to_string(),
    ]
    .into_iter()
    .map(String::into_bytes)
    .collect()
}
