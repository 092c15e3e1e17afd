//! What the rule engine inspects for the `modbus:` keyword.
//!
//! `modbus:` is not a sticky buffer but a structured match (function code
//! or category, access type with optional address/value range, unit id),
//! so a transaction exposes typed accessors instead of byte buffers.

use super::parser::{Data, Message, Write, access, category};
use super::state::ModbusTx;

impl ModbusTx {
    /// The request, or the response of an unsolicited one: what
    /// Suricata's `modbus:` keyword inspects.
    pub fn inspected(&self) -> Option<&Message> {
        self.request.as_ref().or(self.response.as_ref())
    }
}

impl Message {
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
