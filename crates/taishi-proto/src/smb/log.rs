//! EVE `smb` records in Suricata's shape (`rust/src/smb/log.rs`).

use serde_json::{Map, Value, json};

use super::parser;
use super::state::{SmbTx, TxData};
use crate::parser::Transaction;

impl Transaction for SmbTx {
    fn event_type(&self) -> &'static str {
        "smb"
    }

    fn log(&self) -> Map<String, Value> {
        let mut o = Map::new();
        o.insert("id".into(), json!(self.id));
        o.insert(
            "dialect".into(),
            json!(self.dialect.as_deref().unwrap_or("unknown")),
        );
        let cmd = if self.version == 1 {
            parser::smb1_command(self.command as u8)
        } else {
            parser::smb2_command(self.command)
        };
        o.insert("command".into(), json!(cmd));
        if let Some(st) = self.status {
            if self.dos_error && st != 0 {
                let class = st & 0xff;
                let code = st >> 16;
                o.insert(
                    "status".into(),
                    json!(format!("UNKNOWN_{class:02x}_{code:04x}")),
                );
                o.insert("status_code".into(), json!(format!("0x{code:04x}")));
            } else {
                let name = parser::nt_status(st).map_or_else(|| st.to_string(), str::to_string);
                o.insert("status".into(), json!(name));
                o.insert("status_code".into(), json!(format!("0x{st:x}")));
            }
        }
        o.insert("session_id".into(), json!(self.session_id));
        o.insert("tree_id".into(), json!(self.tree_id));
        match &self.data {
            TxData::None => {}
            TxData::Negotiate {
                dialects1,
                dialects2,
                client_guid,
                server_guid,
            } => {
                if self.version == 1 || !dialects1.is_empty() {
                    o.insert("client_dialects".into(), json!(dialects1));
                } else {
                    let d: Vec<String> =
                        dialects2.iter().map(|&d| parser::smb2_dialect(d)).collect();
                    o.insert("client_dialects".into(), json!(d));
                }
                if let Some(g) = client_guid {
                    o.insert("client_guid".into(), json!(parser::guid(g)));
                }
                if let Some(g) = server_guid {
                    o.insert("server_guid".into(), json!(parser::guid(g)));
                }
            }
            TxData::SessionSetup { ntlmssp } => {
                if let Some(n) = ntlmssp {
                    let mut m = Map::new();
                    m.insert("domain".into(), json!(n.domain));
                    m.insert("user".into(), json!(n.user));
                    m.insert("host".into(), json!(n.host));
                    if let Some(v) = &n.version {
                        m.insert("version".into(), json!(v));
                    }
                    o.insert("ntlmssp".into(), Value::Object(m));
                }
            }
            TxData::TreeConnect { share, share_type } => {
                let key = if *share_type == Some(2) {
                    "named_pipe"
                } else {
                    "share"
                };
                o.insert(key.into(), json!(share));
                if self.version == 2 {
                    let t = match share_type {
                        Some(1) => "FILE",
                        Some(2) => "PIPE",
                        Some(3) => "PRINT",
                        _ => "UNKNOWN",
                    };
                    o.insert("share_type".into(), json!(t));
                }
            }
            TxData::Create {
                name,
                directory,
                delete_on_close,
                disposition,
                times,
                size,
                fuid,
            } => {
                let key = if *directory { "directory" } else { "filename" };
                let shown = if name.is_empty() {
                    "<share_root>"
                } else {
                    name
                };
                o.insert(key.into(), json!(shown));
                let disp = match disposition {
                    0 => "FILE_SUPERSEDE",
                    1 => "FILE_OPEN",
                    2 => "FILE_CREATE",
                    3 => "FILE_OPEN_IF",
                    4 => "FILE_OVERWRITE",
                    5 => "FILE_OVERWRITE_IF",
                    _ => "UNKNOWN",
                };
                o.insert("disposition".into(), json!(disp));
                let access = if *delete_on_close {
                    "delete on close"
                } else {
                    "normal"
                };
                o.insert("access".into(), json!(access));
                for (k, t) in ["created", "accessed", "modified", "changed"]
                    .iter()
                    .zip(times)
                {
                    o.insert((*k).into(), json!(t));
                }
                o.insert("size".into(), json!(size));
                o.insert("fuid".into(), json!(parser::guid(fuid)));
            }
            TxData::File {
                name,
                share,
                fuid,
                io,
            } => {
                o.insert("filename".into(), json!(name));
                o.insert("share".into(), json!(share));
                o.insert("fuid".into(), json!(parser::guid(fuid)));
                if let Some((write, offset, length)) = io {
                    let key = if *write { "write" } else { "read" };
                    o.insert(key.into(), json!({"offset": offset, "length": length}));
                }
            }
        }
        let mut m = Map::new();
        m.insert("smb".into(), Value::Object(o));
        m
    }

    fn buffers(&self, buffer: crate::Buffer, f: &mut dyn FnMut(&[u8])) {
        super::detect::buffers(self, buffer, f);
    }
}
