//! What rules can inspect in an S7comm transaction. Suricata has no S7
//! keywords; these typed accessors serve Taishi's own ICS detections
//! (PLC stop, program download, block delete, password attempts).

use super::parser::Pdu;
use super::state::{S7Msg, S7Tx};

impl S7Tx {
    /// The classic S7comm request, if any.
    pub fn request_pdu(&self) -> Option<&Pdu> {
        match &self.request {
            Some(S7Msg::S7(p)) => Some(p),
            _ => None,
        }
    }

    /// Parameter function of the request (read_var 0x04, plc_stop 0x29 ...).
    pub fn function_code(&self) -> Option<u8> {
        self.request_pdu().and_then(|p| p.function)
    }

    /// Whether the request changes the PLC: writes, downloads, PLC control
    /// and stop, password and clock setting.
    pub fn is_control(&self) -> bool {
        let Some(p) = self.request_pdu() else {
            return false;
        };
        matches!(p.function, Some(0x05 | 0x1a | 0x1b | 0x1c | 0x28 | 0x29))
            || p.userdata
                .is_some_and(|u| matches!((u.group, u.subfunction), (5, 1) | (7, 2) | (7, 4)))
    }
}
