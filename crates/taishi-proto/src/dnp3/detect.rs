//! What the rule engine inspects in a DNP3 transaction: the `dnp3.data`
//! sticky buffer, and typed accessors for `dnp3_func`, `dnp3_ind` and
//! `dnp3_obj`.

use super::state::Dnp3Tx;
use crate::buffer::{Buffer, Field};

/// Calls `f` with the value of `buffer` for `tx`.
pub fn buffers(tx: &Dnp3Tx, buffer: Buffer, f: &mut dyn FnMut(&[u8])) {
    match buffer {
        Buffer::Dnp3Data if tx.is_request => f(&tx.data),
        Buffer::Dnp3DataResponse if !tx.is_request => f(&tx.data),
        _ => {}
    }
}

/// `dnp3.func` (function code), `dnp3.ind` (responses' internal
/// indications) and `dnp3.obj` (each object header) on the side the
/// fragment travelled.
pub fn fields(tx: &Dnp3Tx, field: Field, f: &mut dyn FnMut(u64)) {
    let req = tx.is_request;
    match field {
        Field::Dnp3RequestFunction if req => f(u64::from(tx.function)),
        Field::Dnp3ResponseFunction if !req => f(u64::from(tx.function)),
        Field::Dnp3Indicators if !req => f(u64::from(tx.iin)),
        Field::Dnp3RequestObject if req => objects(tx, f),
        Field::Dnp3ResponseObject if !req => objects(tx, f),
        _ => {}
    }
}

fn objects(tx: &Dnp3Tx, f: &mut dyn FnMut(u64)) {
    for o in &tx.objects {
        f(u64::from(o.group) << 8 | u64::from(o.variation));
    }
}

/// Application function code names, as `dnp3_func` accepts them.
pub fn function_code(name: &str) -> Option<u8> {
    const NAMES: [&str; 34] = [
        "confirm",
        "read",
        "write",
        "select",
        "operate",
        "direct_operate",
        "direct_operate_nr",
        "immed_freeze",
        "immed_freeze_nr",
        "freeze_clear",
        "freeze_clear_nr",
        "freeze_at_time",
        "freeze_at_time_nr",
        "cold_restart",
        "warm_restart",
        "initialize_data",
        "initialize_appl",
        "start_appl",
        "stop_appl",
        "save_config",
        "enable_unsolicited",
        "disable_unsolicited",
        "assign_class",
        "delay_measure",
        "record_current_time",
        "open_file",
        "close_file",
        "delete_file",
        "get_file_info",
        "authenticate_file",
        "abort_file",
        "activate_config",
        "authenticate_req",
        "authenticate_err",
    ];
    if let Some(i) = NAMES.iter().position(|n| *n == name) {
        return Some(i as u8);
    }
    match name {
        "response" => Some(129),
        "unsolicited_response" => Some(130),
        "authenticate_resp" => Some(131),
        _ => name.parse().ok(),
    }
}

impl Dnp3Tx {
    /// Application function code (`dnp3_func`).
    pub fn function_code(&self) -> u8 {
        self.function
    }

    /// Internal indications (`dnp3_ind`), responses only.
    pub fn indicators(&self) -> Option<u16> {
        (!self.is_request).then_some(self.iin)
    }

    /// Whether an object of this group and variation is present (`dnp3_obj`).
    pub fn has_object(&self, group: u8, variation: u8) -> bool {
        self.objects
            .iter()
            .any(|o| o.group == group && o.variation == variation)
    }
}
