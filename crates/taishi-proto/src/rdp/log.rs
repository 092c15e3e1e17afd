//! EVE `rdp` records in Suricata's shape.

use serde_json::{Map, Value, json};

use super::parser::{self, Negotiation};
use super::state::RdpTx;
use crate::parser::Transaction;

impl Transaction for RdpTx {
    fn event_type(&self) -> &'static str {
        "rdp"
    }

    fn log_direction(&self) -> Option<taishi_flow::Direction> {
        match self {
            RdpTx::Request { .. } => None,
            RdpTx::Response { .. } => Some(taishi_flow::Direction::ToClient),
        }
    }

    fn log(&self) -> Map<String, Value> {
        let mut r = Map::new();
        match self {
            RdpTx::Request {
                id,
                cookie,
                flags,
                protocols,
            } => {
                r.insert("tx_id".into(), json!(id));
                r.insert("event_type".into(), json!("initial_request"));
                if let Some(c) = cookie {
                    r.insert("cookie".into(), json!(String::from_utf8_lossy(c)));
                }
                let mut f = Vec::new();
                for (bit, name) in [
                    (1u8, "restricted_admin_mode_required"),
                    (2, "redirected_authentication_mode_required"),
                    (8, "correlation_info_present"),
                ] {
                    if flags & bit != 0 {
                        f.push(json!(name));
                    }
                }
                if !f.is_empty() {
                    r.insert("flags".into(), Value::Array(f));
                }
                let p = protocols.unwrap_or(0);
                let mut list = vec![json!("rdp")];
                if p != 0 {
                    list.clear();
                    for bit in 0..32 {
                        if p & (1 << bit) != 0 {
                            list.push(json!(parser::protocol_name(1 << bit)));
                        }
                    }
                }
                r.insert("requested_protocols".into(), Value::Array(list));
            }
            RdpTx::Response { id, negotiation } => {
                r.insert("tx_id".into(), json!(id));
                r.insert("event_type".into(), json!("initial_response"));
                match negotiation {
                    Some(Negotiation::Response { flags, protocol }) => {
                        let mut f = Vec::new();
                        for (bit, name) in [
                            (1u8, "extended_client_data"),
                            (2, "dynvc_gfx"),
                            (8, "restricted_admin"),
                            (16, "redirected_authentication"),
                        ] {
                            if flags & bit != 0 {
                                f.push(json!(name));
                            }
                        }
                        if !f.is_empty() {
                            r.insert("server_supports".into(), Value::Array(f));
                        }
                        r.insert("protocol".into(), json!(parser::protocol_name(*protocol)));
                    }
                    Some(Negotiation::Failure(code)) => {
                        r.insert("error_code".into(), json!(code));
                        r.insert("reason".into(), json!(parser::failure_reason(*code)));
                    }
                    Some(Negotiation::Request { .. }) | None => {
                        r.insert("protocol".into(), json!("rdp"));
                    }
                }
            }
        }
        let mut m = Map::new();
        m.insert("rdp".into(), Value::Object(r));
        m
    }

    fn buffers(&self, buffer: crate::Buffer, f: &mut dyn FnMut(&[u8])) {
        super::detect::buffers(self, buffer, f);
    }
}
