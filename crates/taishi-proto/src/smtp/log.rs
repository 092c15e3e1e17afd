//! EVE records: `smtp` (Suricata 8's `smtp` and `email` objects) and the
//! `fileinfo` of each attachment.

use serde_json::{Map, Value, json};

use super::hash;
use super::mime::{File, Mime};
use super::parser;
use super::state::SmtpTx;
use crate::parser::Transaction;

fn s(b: &[u8]) -> Value {
    Value::String(String::from_utf8_lossy(b).into_owned())
}

/// The `smtp` object: `helo`, `mail_from`, `rcpt_to[]` (and, beyond
/// Suricata, `auth` {mechanism, success} when AUTH was seen).
pub fn smtp_object(tx: &SmtpTx) -> Value {
    let mut m = Map::new();
    if let Some(h) = &tx.helo {
        m.insert("helo".into(), s(h));
    }
    if let Some(f) = &tx.mail_from {
        m.insert("mail_from".into(), s(f));
    }
    if !tx.rcpt_to.is_empty() {
        m.insert(
            "rcpt_to".into(),
            Value::Array(tx.rcpt_to.iter().map(|r| s(r)).collect()),
        );
    }
    if let Some(a) = &tx.auth {
        let mut o = Map::new();
        o.insert("mechanism".into(), s(&a.mechanism));
        if let Some(ok) = a.success {
            o.insert("success".into(), Value::Bool(ok));
        }
        m.insert("auth".into(), Value::Object(o));
    }
    Value::Object(m)
}

fn addresses(v: &[u8]) -> Value {
    let mut out = Vec::new();
    parser::split_addresses(v, &mut |a| out.push(s(a)));
    Value::Array(out)
}

/// The `email` object of a message: `from`, `to[]`, `cc[]`, `status`,
/// `attachment[]`, `url[]` (most recent first, as Suricata), the extended
/// header fields and `body_md5` when computed.
pub fn email_object(m: &Mime) -> Value {
    let mut o = Map::new();
    if let Some(v) = m.header(b"from") {
        o.insert("from".into(), s(v));
    }
    if let Some(v) = m.header(b"to") {
        o.insert("to".into(), addresses(v));
    }
    if let Some(v) = m.header(b"cc") {
        o.insert("cc".into(), addresses(v));
    }
    o.insert("status".into(), Value::String("PARSE_DONE".into()));
    if !m.attachments.is_empty() {
        o.insert(
            "attachment".into(),
            Value::Array(m.attachments.iter().map(|a| s(a)).collect()),
        );
    }
    if !m.urls.is_empty() {
        o.insert(
            "url".into(),
            Value::Array(m.urls.iter().rev().map(|u| s(u)).collect()),
        );
    }
    if let Some(v) = m.header(b"bcc") {
        o.insert("bcc".into(), addresses(v));
    }
    for (key, name) in [
        ("message_id", &b"message-id"[..]),
        ("subject", b"subject"),
        ("x_mailer", b"x-mailer"),
        ("user_agent", b"user-agent"),
        ("date", b"date"),
    ] {
        if let Some(v) = m.header(name) {
            o.insert(key.into(), s(v));
        }
    }
    let received: Vec<Value> = m
        .main_headers()
        .iter()
        .filter(|h| h.name.eq_ignore_ascii_case(b"received"))
        .map(|h| s(&h.value))
        .collect();
    if !received.is_empty() {
        o.insert("received".into(), Value::Array(received));
    }
    if let Some(md5) = m.body_md5 {
        o.insert("body_md5".into(), Value::String(hash::hex(&md5)));
    }
    Value::Object(o)
}

/// Fills a `fileinfo` record's body for attachment `f` of `tx`.
pub fn fileinfo(body: &mut Map<String, Value>, tx: &SmtpTx, mime: Option<&Mime>, f: &File) {
    body.insert("smtp".into(), smtp_object(tx));
    if let Some(m) = mime {
        body.insert("email".into(), email_object(m));
    }
    let fi = json!({
        "filename": String::from_utf8_lossy(&f.name),
        "sid": [],
        "gaps": false,
        "state": if f.closed { "CLOSED" } else { "TRUNCATED" },
        "md5": hash::hex(&f.md5.clone().finish()),
        "sha1": hash::hex(&f.sha1.clone().finish()),
        "sha256": hash::hex(&f.sha256.clone().finish()),
        "stored": false,
        "size": f.size,
        "tx_id": tx.id,
    });
    body.insert("fileinfo".into(), fi);
}

impl Transaction for SmtpTx {
    fn event_type(&self) -> &'static str {
        "smtp"
    }

    fn log(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("tx_id".into(), json!(self.id));
        m.insert("smtp".into(), smtp_object(self));
        if let Some(mime) = &self.mime {
            m.insert("email".into(), email_object(mime));
        }
        m
    }

    fn buffers(&self, buffer: crate::Buffer, f: &mut dyn FnMut(&[u8])) {
        super::detect::buffers(self, buffer, f);
    }

    fn fields(&self, field: crate::buffer::Field, f: &mut dyn FnMut(u64)) {
        super::detect::fields(self, field, f);
    }

    fn files(&self, dir: taishi_flow::Direction) -> Vec<Map<String, Value>> {
        // Attachments travel with the message, to the server.
        if dir != taishi_flow::Direction::ToServer {
            return Vec::new();
        }
        self.files
            .iter()
            .map(|f| {
                let [md5, sha1, sha256] = &f.hashes;
                let mut fi = Map::new();
                fi.insert("filename".into(), json!(String::from_utf8_lossy(&f.name)));
                fi.insert("sid".into(), json!([]));
                fi.insert("gaps".into(), json!(false));
                let state = if f.closed { "CLOSED" } else { "TRUNCATED" };
                fi.insert("state".into(), json!(state));
                fi.insert("md5".into(), json!(md5));
                fi.insert("sha1".into(), json!(sha1));
                fi.insert("sha256".into(), json!(sha256));
                fi.insert("stored".into(), json!(false));
                fi.insert("size".into(), json!(f.size));
                fi.insert("tx_id".into(), json!(self.id));
                fi
            })
            .collect()
    }
}
