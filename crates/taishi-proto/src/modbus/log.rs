//! EVE `modbus` records, field for field as Suricata 8's
//! `rust/src/modbus/log.rs`.

use serde_json::{Map, Value, json};

use super::parser::{self, Data, Message, Read, Write};
use super::state::ModbusTx;
use crate::parser::Transaction;

/// Suricata's `set_string_from_bytes`: UTF-8 as is, else bytes ≥ 0x80 as `\xHH`.
pub fn string_from_bytes(b: &[u8]) -> String {
    match std::str::from_utf8(b) {
        Ok(s) => s.to_string(),
        Err(_) => {
            let mut out = String::with_capacity(b.len() * 2);
            for &c in b {
                if c < 0x80 {
                    out.push(c as char);
                } else {
                    out.push_str(&format!("\\x{c:02X}"));
                }
            }
            out
        }
    }
}

fn log_read(r: &Read, o: &mut Map<String, Value>) {
    match r {
        Read::Request { address, quantity } => {
            o.insert("address".into(), json!(address));
            o.insert("quantity".into(), json!(quantity));
        }
        Read::Response(d) => {
            o.insert("data".into(), json!(string_from_bytes(d)));
        }
    }
}

fn log_write(w: &Write, o: &mut Map<String, Value>) {
    match w {
        Write::MultReq {
            address,
            quantity,
            data,
        } => {
            o.insert("address".into(), json!(address));
            o.insert("quantity".into(), json!(quantity));
            o.insert("data".into(), json!(string_from_bytes(data)));
        }
        Write::Mask {
            address,
            and_mask,
            or_mask,
        } => {
            o.insert("address".into(), json!(address));
            o.insert("and_mask".into(), json!(and_mask));
            o.insert("or_mask".into(), json!(or_mask));
        }
        Write::Other { address, data } => {
            o.insert("address".into(), json!(address));
            o.insert("data".into(), json!(data));
        }
    }
}

/// One message as Suricata logs it.
pub fn log_message(m: &Message) -> Map<String, Value> {
    let mut o = Map::new();
    o.insert("transaction_id".into(), json!(m.transaction_id));
    o.insert("protocol_id".into(), json!(m.protocol_id));
    o.insert("unit_id".into(), json!(m.unit_id));
    o.insert("function_raw".into(), json!(m.function_raw));
    o.insert(
        "function_code".into(),
        json!(parser::function_name(m.function).unwrap_or("Unknown")),
    );
    o.insert(
        "access_type".into(),
        json!(parser::flag_names(m.access_type, &parser::access::NAMES)),
    );
    o.insert(
        "category".into(),
        json!(parser::flag_names(m.category, &parser::category::NAMES)),
    );
    o.insert(
        "error_flags".into(),
        json!(parser::flag_names(m.error_flags, &parser::flags::NAMES)),
    );
    match &m.data {
        Data::Exception(code) => {
            o.insert(
                "exception".into(),
                json!({"raw": code, "code": parser::exception_name(*code).unwrap_or("Unknown")}),
            );
        }
        Data::Diagnostic { func, data } => {
            o.insert(
                "diagnostic".into(),
                json!({"raw": func, "code": parser::diagnostic_name(*func), "data": string_from_bytes(data)}),
            );
        }
        Data::Mei { mei_type, data } => {
            o.insert(
                "mei".into(),
                json!({"raw": mei_type, "code": parser::mei_name(*mei_type), "data": string_from_bytes(data)}),
            );
        }
        Data::Read(r) => {
            let mut x = Map::new();
            log_read(r, &mut x);
            o.insert("read".into(), Value::Object(x));
        }
        Data::Write(w) => {
            let mut x = Map::new();
            log_write(w, &mut x);
            o.insert("write".into(), Value::Object(x));
        }
        Data::ReadWrite { read, write } => {
            let mut x = Map::new();
            log_read(read, &mut x);
            o.insert("read".into(), Value::Object(x));
            let mut x = Map::new();
            log_write(write, &mut x);
            o.insert("write".into(), Value::Object(x));
        }
        Data::ByteVec(d) => {
            o.insert("data".into(), json!(string_from_bytes(d)));
        }
        Data::Empty => {}
    }
    o
}

impl Transaction for ModbusTx {
    fn event_type(&self) -> &'static str {
        "modbus"
    }

    fn log(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("id".into(), json!(self.id));
        if let Some(r) = &self.request {
            m.insert("request".into(), Value::Object(log_message(r)));
        }
        if let Some(r) = &self.response {
            m.insert("response".into(), Value::Object(log_message(r)));
        }
        let mut out = Map::new();
        out.insert("modbus".into(), Value::Object(m));
        out
    }

    fn fields(&self, field: crate::buffer::Field, f: &mut dyn FnMut(u64)) {
        super::detect::fields(self, field, f);
    }
}
