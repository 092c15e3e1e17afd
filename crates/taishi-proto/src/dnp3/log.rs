//! EVE `dnp3` records, as Suricata's `output-json-dnp3.c`.

use serde_json::{Map, Value, json};

use super::objects::Val;
use super::parser::Object;
use super::state::Dnp3Tx;
use crate::parser::Transaction;

/// IIN names in Suricata's `DNP3IndicatorsMap` order.
pub const INDICATORS: [(&str, u16); 16] = [
    ("device_restart", 0x8000),
    ("device_trouble", 0x4000),
    ("local_control", 0x2000),
    ("need_time", 0x1000),
    ("class_3_events", 0x0800),
    ("class_2_events", 0x0400),
    ("class_1_events", 0x0200),
    ("all_stations", 0x0100),
    ("reserved_1", 0x0080),
    ("reserved_2", 0x0040),
    ("config_corrupt", 0x0020),
    ("already_executing", 0x0010),
    ("event_buffer_overflow", 0x0008),
    ("parameter_error", 0x0004),
    ("object_unknown", 0x0002),
    ("no_func_code_support", 0x0001),
];

fn val(v: Val) -> Value {
    match v {
        Val::U(u) => json!(u),
        Val::I(i) => json!(i),
        Val::F(f) => json!(f),
    }
}

fn objects(list: &[Object]) -> Value {
    let mut out = Vec::with_capacity(list.len());
    for o in list {
        let mut m = Map::new();
        m.insert("group".into(), json!(o.group));
        m.insert("variation".into(), json!(o.variation));
        m.insert("qualifier".into(), json!(o.qualifier));
        m.insert("prefix_code".into(), json!(o.prefix_code));
        m.insert("range_code".into(), json!(o.range_code));
        m.insert("start".into(), json!(o.start));
        m.insert("stop".into(), json!(o.stop));
        m.insert("count".into(), json!(o.count));
        if !o.points.is_empty() {
            let pts: Vec<Value> = o
                .points
                .iter()
                .map(|p| {
                    let mut pm = Map::new();
                    pm.insert("prefix".into(), json!(p.prefix));
                    pm.insert("index".into(), json!(p.index));
                    if (4..=6).contains(&o.prefix_code) {
                        pm.insert("size".into(), json!(p.size));
                    }
                    for (k, v) in &p.values {
                        pm.insert((*k).into(), val(*v));
                    }
                    Value::Object(pm)
                })
                .collect();
            m.insert("points".into(), Value::Array(pts));
        }
        out.push(Value::Object(m));
    }
    Value::Array(out)
}

impl Transaction for Dnp3Tx {
    fn event_type(&self) -> &'static str {
        "dnp3"
    }

    fn log(&self) -> Map<String, Value> {
        let mut d = Map::new();
        let kind = if self.is_request {
            "request"
        } else if self.function == 0x82 {
            "unsolicited_response"
        } else {
            "response"
        };
        d.insert("type".into(), json!(kind));
        let l = &self.link;
        d.insert(
            "control".into(),
            json!({"dir": l.dir(), "pri": l.pri(), "fcb": l.fcb(), "fcv": l.fcv(),
                   "function_code": l.function()}),
        );
        d.insert("src".into(), json!(l.src));
        d.insert("dst".into(), json!(l.dst));
        let ac = self.app_control;
        let mut app = Map::new();
        app.insert(
            "control".into(),
            json!({"fir": ac & 0x80 != 0, "fin": ac & 0x40 != 0, "con": ac & 0x20 != 0,
                   "uns": ac & 0x10 != 0, "sequence": ac & 0x0f}),
        );
        app.insert("function_code".into(), json!(self.function));
        app.insert("objects".into(), objects(&self.objects));
        app.insert("complete".into(), json!(self.complete));
        d.insert("application".into(), Value::Object(app));
        if !self.is_request {
            let ind: Vec<&str> = INDICATORS
                .iter()
                .filter(|(_, bit)| self.iin & bit != 0)
                .map(|(n, _)| *n)
                .collect();
            d.insert("iin".into(), json!({ "indicators": ind }));
        }
        let mut out = Map::new();
        out.insert("dnp3".into(), Value::Object(d));
        out
    }

    /// Suricata's alert nests the record under `request` or `response`
    /// (`dnp3.response.iin.indicators`), where the `dnp3` record has it
    /// at the top.
    fn alert_log(&self) -> Map<String, Value> {
        let mut out = self.log();
        if let Some(d) = out.remove("dnp3") {
            let side = if self.is_request {
                "request"
            } else {
                "response"
            };
            let mut nested = Map::new();
            nested.insert(side.into(), d);
            out.insert("dnp3".into(), Value::Object(nested));
        }
        out
    }

    fn buffers(&self, buffer: crate::buffer::Buffer, f: &mut dyn FnMut(&[u8])) {
        super::detect::buffers(self, buffer, f);
    }

    fn fields(&self, field: crate::buffer::Field, f: &mut dyn FnMut(u64)) {
        super::detect::fields(self, field, f);
    }
}
