//! EVE `ssh` records as Suricata writes them.

use md5::{Digest, Md5};
use serde_json::{Map, Value, json};

use super::state::{Side, SshTx};
use crate::buffer::Buffer;
use crate::parser::Transaction;

impl Transaction for SshTx {
    fn event_type(&self) -> &'static str {
        "ssh"
    }

    fn log(&self) -> Map<String, Value> {
        let mut ssh = Map::new();
        for (key, side) in [("client", &self.client), ("server", &self.server)] {
            if let Some(o) = side_json(side) {
                ssh.insert(key.into(), o);
            }
        }
        let mut m = Map::new();
        m.insert("ssh".into(), Value::Object(ssh));
        m
    }

    fn buffers(&self, buffer: Buffer, f: &mut dyn FnMut(&[u8])) {
        super::detect::buffers(self, buffer, f);
    }
}

fn side_json(s: &Side) -> Option<Value> {
    let proto = s.proto.as_ref()?;
    let mut o = Map::new();
    o.insert(
        "proto_version".into(),
        json!(String::from_utf8_lossy(proto)),
    );
    o.insert(
        "software_version".into(),
        json!(String::from_utf8_lossy(&s.software)),
    );
    if let Some(h) = &s.hassh {
        o.insert("hassh".into(), json!({"hash": hassh_hash(h), "string": h}));
    }
    Some(Value::Object(o))
}

/// HASSH: the MD5 of the HASSH string, in lower-case hex.
pub fn hassh_hash(s: &str) -> String {
    let d = Md5::digest(s.as_bytes());
    d.iter().map(|b| format!("{b:02x}")).collect()
}
