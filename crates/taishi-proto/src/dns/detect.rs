//! Buffers of a DNS transaction for the rule engine.

use super::state::DnsTx;
use crate::buffer::Buffer;

/// `dns.query`: each question name of a request; `dns.answer.name`: each
/// answer owner name of a response.
pub fn buffers(tx: &DnsTx, buffer: Buffer, f: &mut dyn FnMut(&[u8])) {
    match buffer {
        Buffer::DnsQuery if !tx.msg.header.is_response() => {
            for q in &tx.msg.queries {
                f(&q.name.value);
            }
        }
        Buffer::DnsAnswerName if tx.msg.header.is_response() => {
            for a in &tx.msg.answers {
                f(&a.name.value);
            }
        }
        _ => {}
    }
}
