//! EVE `iec104` records (Suricata has no IEC-104 logger): one record per
//! APDU, sender first, documented in docs/protocols/iec104.md.

use serde_json::{Map, Value, json};

use super::parser::{self, Apci};
use super::state::Iec104Tx;
use crate::parser::Transaction;
use taishi_flow::Direction;

fn quality(q: u8) -> Value {
    json!({"iv": q & 0x80 != 0, "nt": q & 0x40 != 0, "sb": q & 0x20 != 0,
           "bl": q & 0x10 != 0, "ov": q & 0x01 != 0})
}

impl Transaction for Iec104Tx {
    fn event_type(&self) -> &'static str {
        "iec104"
    }

    fn log_direction(&self) -> Option<Direction> {
        Some(self.dir)
    }

    fn log(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert(
            "apci".into(),
            match self.apci {
                Apci::I { tx, rx } => json!({"type": "I", "tx": tx, "rx": rx}),
                Apci::S { rx } => json!({"type": "S", "rx": rx}),
                Apci::U(c) => {
                    json!({"type": "U", "function": parser::u_name(c), "function_raw": c})
                }
            },
        );
        if let Some(a) = &self.asdu {
            let mut x = Map::new();
            x.insert("type_id".into(), json!(a.type_id));
            x.insert(
                "type".into(),
                json!(
                    parser::type_info(a.type_id)
                        .map(|t| t.0)
                        .unwrap_or("unknown")
                ),
            );
            x.insert("command".into(), json!(parser::is_command(a.type_id)));
            x.insert("sq".into(), json!(a.sq));
            x.insert("count".into(), json!(a.count));
            x.insert("cot".into(), json!(a.cot));
            x.insert("cause".into(), json!(parser::cot_name(a.cot)));
            x.insert("negative".into(), json!(a.negative));
            x.insert("test".into(), json!(a.test));
            x.insert("originator".into(), json!(a.originator));
            x.insert("common_address".into(), json!(a.common_address));
            let objs: Vec<Value> = a
                .objects
                .iter()
                .map(|o| {
                    let mut om = Map::new();
                    om.insert("ioa".into(), json!(o.ioa));
                    match o.value {
                        Some(parser::Value::Int(v)) => {
                            om.insert("value".into(), json!(v));
                        }
                        Some(parser::Value::Float(v)) => {
                            om.insert("value".into(), json!(v));
                        }
                        None => {}
                    }
                    if let Some(q) = o.quality {
                        om.insert("quality".into(), quality(q));
                    }
                    if let Some(s) = o.select {
                        om.insert("select".into(), json!(s));
                    }
                    if let Some(q) = o.qualifier {
                        om.insert("qualifier".into(), json!(q));
                    }
                    if let Some(t) = &o.time {
                        om.insert("time".into(), json!(t));
                    }
                    Value::Object(om)
                })
                .collect();
            x.insert("objects".into(), Value::Array(objs));
            m.insert("asdu".into(), Value::Object(x));
        }
        let mut out = Map::new();
        out.insert("iec104".into(), Value::Object(m));
        out
    }
}
