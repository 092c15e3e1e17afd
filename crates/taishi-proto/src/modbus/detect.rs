//! What the rule engine inspects for the `modbus:` keyword.
//!
//! `modbus:` is not a sticky buffer but a structured match (function code
//! or category, access type with optional address/value range, unit id),
//! so a transaction exposes typed accessors instead of byte buffers.

use super::parser::{Data, Message, Write, access, category};
use super::state::ModbusTx;
use crate::buffer::Field;

/// The request's unit, function, sub-function, category and access bits,
/// the address range it reads or writes, and each value it writes
/// (`address << 16 | value`): what Suricata's `modbus:` keyword compares.
pub fn fields(tx: &ModbusTx, field: Field, f: &mut dyn FnMut(u64)) {
    let Some(m) = &tx.request else { return };
    match field {
        Field::ModbusUnit => f(u64::from(m.unit_id)),
        Field::ModbusFunction => f(u64::from(m.function)),
        Field::ModbusSubfunction => {
            if let Data::Diagnostic { func, .. } = &m.data {
                f(u64::from(*func));
            }
        }
        Field::ModbusCategory => f(u64::from(m.category)),
        Field::ModbusAccess => f(u64::from(m.access_type)),
        Field::ModbusAddressFirst => m.address_range().iter().for_each(|r| f(u64::from(r.0))),
        Field::ModbusAddressLast => m.address_range().iter().for_each(|r| f(u64::from(r.1))),
        Field::ModbusWrite => m.written(&mut |a, v| f(u64::from(a) << 16 | u64::from(v))),
        _ => {}
    }
}

fn write_values(w: &Write, f: &mut dyn FnMut(u16, u16)) {
    match w {
        Write::MultReq {
            address,
            quantity,
            data,
        } => {
            for (i, pair) in data
                .chunks_exact(2)
                .take(usize::from(*quantity))
                .enumerate()
            {
                let Ok(i) = u16::try_from(i) else { break };
                if let [a, b] = pair {
                    f(address.wrapping_add(i), u16::from_be_bytes([*a, *b]));
                }
            }
        }
        Write::Other { address, data } => f(*address, *data),
        Write::Mask { .. } => {}
    }
}

impl ModbusTx {
    /// The request, or the response of an unsolicited one: what
    /// Suricata's `modbus:` keyword inspects.
    pub fn inspected(&self) -> Option<&Message> {
        self.request.as_ref().or(self.response.as_ref())
    }
}

impl Message {
    /// Calls `f` with each (address, value) a write request carries.
    pub fn written(&self, f: &mut dyn FnMut(u16, u16)) {
        if let Data::Write(w) | Data::ReadWrite { write: w, .. } = &self.data {
            write_values(w, f);
        }
    }

    /// Function code without the exception bit (`modbus: function N`).
    pub fn function_code(&self) -> u8 {
        self.function
    }

    /// Whether the function is in a category (`modbus: function assigned`,
    /// `unassigned`, `public`, `user`, `reserved`, `all`).
    pub fn in_category(&self, name: &str) -> bool {
        match name {
            "all" => true,
            "assigned" => self.category & category::PUBLIC_ASSIGNED != 0,
            "unassigned" => self.category & category::PUBLIC_UNASSIGNED != 0,
            "public" => {
                self.category & (category::PUBLIC_ASSIGNED | category::PUBLIC_UNASSIGNED) != 0
            }
            "user" => self.category & category::USER_DEFINED != 0,
            "reserved" => self.category & category::RESERVED != 0,
            _ => false,
        }
    }

    /// Whether the access type has all the named parts (`modbus: access
    /// read coils`): `read`, `write`, `discretes`, `coils`, `input`, `holding`.
    pub fn has_access(&self, parts: &[&str]) -> bool {
        parts.iter().all(|p| {
            let bit = match *p {
                "read" => access::READ,
                "write" => access::WRITE,
                "discretes" => access::DISCRETES,
                "coils" => access::COILS,
                "input" => access::INPUT,
                "holding" => access::HOLDING,
                _ => return false,
            };
            self.access_type & bit != 0
        })
    }

    /// The value a write-single request carries (`modbus: access write ..., value N`).
    pub fn written_value(&self) -> Option<u16> {
        match &self.data {
            Data::Write(Write::Other { data, .. }) => Some(*data),
            _ => None,
        }
    }
}
