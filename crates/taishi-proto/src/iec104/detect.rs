//! What rules can inspect in an IEC-104 APDU (Suricata has no IEC-104
//! keywords): typed accessors for type id, cause and command flags.

use super::parser;
use super::state::Iec104Tx;

impl Iec104Tx {
    /// ASDU type id of an I-frame.
    pub fn type_id(&self) -> Option<u8> {
        self.asdu.as_ref().map(|a| a.type_id)
    }

    /// Cause of transmission of an I-frame.
    pub fn cause(&self) -> Option<u8> {
        self.asdu.as_ref().map(|a| a.cot)
    }

    /// Whether the APDU carries a command (control or system direction).
    pub fn is_command(&self) -> bool {
        self.type_id().is_some_and(parser::is_command)
    }
}
