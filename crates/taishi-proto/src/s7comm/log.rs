//! EVE `s7comm` records (Suricata has no S7 logger; the format follows
//! its `modbus` record: one object per transaction with `request` and
//! `response`). Documented in docs/protocols/s7comm.md.

use serde_json::{Map, Value, json};

use super::parser::{self, Pdu, PlusPdu};
use super::state::{S7Msg, S7Tx};
use crate::parser::Transaction;

fn log_pdu(p: &Pdu) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("rosctr".into(), json!(parser::rosctr_name(p.rosctr)));
    m.insert("rosctr_raw".into(), json!(p.rosctr));
    m.insert("pdu_ref".into(), json!(p.pdu_ref));
    if let Some((class, code)) = p.error {
        m.insert("error".into(), json!({"class": class, "code": code}));
    }
    if let Some(f) = p.function {
        m.insert("function".into(), json!(parser::function_name(f)));
        m.insert("function_code".into(), json!(f));
    }
    if let Some((amq_calling, amq_called, pdu_length)) = p.setup {
        m.insert(
            "setup".into(),
            json!({"max_amq_calling": amq_calling, "max_amq_called": amq_called, "pdu_length": pdu_length}),
        );
    }
    if let Some(n) = p.item_count {
        m.insert("item_count".into(), json!(n));
    }
    if !p.items.is_empty() {
        let items: Vec<Value> = p
            .items
            .iter()
            .map(|i| {
                json!({"syntax_id": i.syntax_id, "transport_size": i.transport_size,
                       "length": i.length, "db_number": i.db_number,
                       "area": parser::area_name(i.area), "area_raw": i.area,
                       "address": i.address, "bit": i.bit})
            })
            .collect();
        m.insert("items".into(), Value::Array(items));
    }
    if !p.return_codes.is_empty() {
        m.insert("return_codes".into(), json!(p.return_codes));
    }
    if let Some(b) = &p.block {
        m.insert(
            "block".into(),
            json!({"type": b.kind, "number": b.number, "filesystem": b.filesystem}),
        );
    }
    if let Some(s) = &p.pi_service {
        m.insert("pi_service".into(), json!(s));
    }
    if let Some(s) = &p.pi_params {
        m.insert("pi_params".into(), json!(s));
    }
    if let Some(u) = &p.userdata {
        let mut x = Map::new();
        x.insert(
            "type".into(),
            json!(match u.kind {
                4 => "request",
                8 => "response",
                0 => "push",
                _ => "unknown",
            }),
        );
        x.insert("group".into(), json!(parser::group_name(u.group)));
        x.insert("group_raw".into(), json!(u.group));
        x.insert(
            "subfunction".into(),
            json!(parser::subfunction_name(u.group, u.subfunction)),
        );
        x.insert("subfunction_raw".into(), json!(u.subfunction));
        x.insert("sequence".into(), json!(u.sequence));
        if let Some(e) = u.error {
            x.insert("error_code".into(), json!(e));
        }
        if let Some(id) = u.szl_id {
            x.insert("szl_id".into(), json!(id));
        }
        if let Some(ix) = u.szl_index {
            x.insert("szl_index".into(), json!(ix));
        }
        m.insert("userdata".into(), Value::Object(x));
    }
    m
}

fn log_plus(p: &PlusPdu) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("protocol".into(), json!("s7comm-plus"));
    m.insert("version".into(), json!(p.version));
    if let Some(op) = p.opcode {
        m.insert("opcode".into(), json!(parser::plus_opcode_name(op)));
        m.insert("opcode_raw".into(), json!(op));
    }
    if let Some(f) = p.function {
        m.insert("function".into(), json!(parser::plus_function_name(f)));
        m.insert("function_code".into(), json!(f));
    }
    if let Some(s) = p.sequence {
        m.insert("sequence".into(), json!(s));
    }
    m
}

fn log_msg(m: &S7Msg) -> Value {
    Value::Object(match m {
        S7Msg::S7(p) => log_pdu(p),
        S7Msg::Plus(p) => log_plus(p),
    })
}

impl Transaction for S7Tx {
    fn event_type(&self) -> &'static str {
        "s7comm"
    }

    fn log(&self) -> Map<String, Value> {
        let mut s = Map::new();
        if let Some(r) = &self.request {
            s.insert("request".into(), log_msg(r));
        }
        if let Some(r) = &self.response {
            s.insert("response".into(), log_msg(r));
        }
        let mut out = Map::new();
        out.insert("s7comm".into(), Value::Object(s));
        out
    }
}
