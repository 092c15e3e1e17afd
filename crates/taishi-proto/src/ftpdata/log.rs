//! EVE `ftp_data` and `fileinfo` records of a data channel, and its
//! buffers for rules.

use serde_json::{Map, Value, json};
use taishi_flow::Direction;

use super::state::FtpDataTx;
use crate::buffer::{Buffer, Field};
use crate::dns::log::bytes_str;
use crate::http::body::FileDone;
use crate::parser::Transaction;

/// Suricata names only STOR and RETR in the record; a listing's channel
/// (NLST, LIST, MLSD) is logged with its (empty) file name alone.
fn ftp_data(tx: &FtpDataTx) -> Value {
    let mut v = json!({ "filename": bytes_str(&tx.transfer.file_name) });
    if let (Some(o), "STOR" | "RETR") = (v.as_object_mut(), tx.transfer.command) {
        o.insert("command".into(), json!(tx.transfer.command));
    }
    v
}

impl Transaction for FtpDataTx {
    fn event_type(&self) -> &'static str {
        "ftp_data"
    }

    fn log(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("ftp_data".into(), ftp_data(self));
        m
    }

    fn buffers(&self, buffer: Buffer, f: &mut dyn FnMut(&[u8])) {
        let hex = |i: usize| {
            self.done
                .as_ref()
                .and_then(|d| d.digests.get(i))
                .and_then(Option::as_ref)
        };
        match buffer {
            Buffer::FileName if self.dir == Some(Direction::ToServer) => {
                f(&self.transfer.file_name)
            }
            Buffer::FileNameToClient if self.dir == Some(Direction::ToClient) => {
                f(&self.transfer.file_name)
            }
            Buffer::FileMd5 => hex(0).into_iter().for_each(|h| f(h.as_bytes())),
            Buffer::FileSha1 => hex(1).into_iter().for_each(|h| f(h.as_bytes())),
            Buffer::FileSha256 => hex(2).into_iter().for_each(|h| f(h.as_bytes())),
            _ => {}
        }
    }

    fn fields(&self, field: Field, f: &mut dyn FnMut(u64)) {
        match field {
            Field::FileSize => {
                let size = match (&self.file, &self.done) {
                    (Some(open), _) => Some(open.size),
                    (None, Some(done)) => Some(done.size),
                    _ => None,
                };
                size.into_iter().for_each(f);
            }
            Field::FileDirection => self.dir.into_iter().for_each(|d| f(d.index() as u64)),
            _ => {}
        }
    }

    fn store_files(&self) {
        self.stored.set(true);
    }

    fn files(&self, dir: Direction) -> Vec<Map<String, Value>> {
        match (&self.done, self.dir) {
            (Some(done), Some(d)) if d == dir => {
                let mut fi = done.fileinfo(json!(bytes_str(&done.name)), self.stored.get());
                fi.insert("tx_id".into(), json!(0));
                vec![fi]
            }
            _ => Vec::new(),
        }
    }
}

/// The body of the file's `fileinfo` record (Suricata's `EveFileInfo`
/// with the `ftp_data` object of its transaction).
pub fn fileinfo(tx: &FtpDataTx, f: &FileDone) -> Map<String, Value> {
    let mut fi = f.fileinfo(json!(bytes_str(&f.name)), tx.stored.get());
    fi.insert("tx_id".into(), json!(0));
    let mut m = Map::new();
    m.insert("ftp_data".into(), ftp_data(tx));
    m.insert("fileinfo".into(), Value::Object(fi));
    m
}
