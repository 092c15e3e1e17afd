//! EVE `ftp` records as Suricata writes them, plus the login outcome in a
//! `taishi` object (EVE has no field for it).

use serde_json::{Map, Value, json};

use super::state::{FtpTx, Mode};
use crate::buffer::Buffer;
use crate::dns::log::bytes_str;
use crate::parser::Transaction;

impl Transaction for FtpTx {
    fn event_type(&self) -> &'static str {
        "ftp"
    }

    fn log(&self) -> Map<String, Value> {
        let mut f = Map::new();
        if let Some(c) = &self.command {
            f.insert("command".into(), json!(bytes_str(c)));
            if !self.command_data.is_empty() {
                f.insert("command_data".into(), json!(bytes_str(&self.command_data)));
            }
            if self.command_truncated {
                f.insert("command_truncated".into(), json!(true));
            }
        }
        if !self.replies.is_empty() {
            let mut codes = Vec::new();
            let mut texts = Vec::new();
            for line in &self.replies {
                match super::parser::parse_reply(line) {
                    Some(r) => {
                        codes.push(json!(bytes_str(&r.code)));
                        texts.push(json!(bytes_str(r.text)));
                    }
                    None => texts.push(json!(bytes_str(line))),
                }
            }
            if !codes.is_empty() {
                f.insert("completion_code".into(), Value::Array(codes));
            }
            f.insert("reply".into(), Value::Array(texts));
        }
        if let Some(p) = self.dynamic_port {
            f.insert("dynamic_port".into(), json!(p));
        }
        if let Some(m) = self.mode {
            let m = match m {
                Mode::Active => "active",
                Mode::Passive => "passive",
            };
            f.insert("mode".into(), json!(m));
        }
        f.insert(
            "reply_received".into(),
            json!(if self.done { "yes" } else { "no" }),
        );
        if self.reply_truncated {
            f.insert("reply_truncated".into(), json!(true));
        }
        let mut m = Map::new();
        m.insert("ftp".into(), Value::Object(f));
        if let Some(ok) = self.login {
            let mut t = json!({"ftp_login": if ok { "success" } else { "failure" }});
            if let (Some(u), Some(o)) = (&self.user, t.as_object_mut()) {
                o.insert("ftp_user".into(), json!(bytes_str(u)));
            }
            m.insert("taishi".into(), t);
        }
        m
    }

    fn buffers(&self, buffer: Buffer, f: &mut dyn FnMut(&[u8])) {
        super::detect::buffers(self, buffer, f);
    }

    fn fields(&self, field: crate::buffer::Field, f: &mut dyn FnMut(u64)) {
        super::detect::fields(self, field, f);
    }
}
