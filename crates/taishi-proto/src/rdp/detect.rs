//! Buffers of an RDP transaction for the rule engine.

use super::state::RdpTx;
use crate::Buffer;

/// `rdp.cookie`: the `mstshash` user name of the connection request.
pub fn buffers(tx: &RdpTx, buffer: Buffer, f: &mut dyn FnMut(&[u8])) {
    if let (
        Buffer::RdpCookie,
        RdpTx::Request {
            cookie: Some(c), ..
        },
    ) = (buffer, tx)
    {
        f(c);
    }
}
