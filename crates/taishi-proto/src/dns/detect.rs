//! Buffers and fields of a DNS transaction for the rule engine.
//!
//! A transaction is one message, so each buffer or field exists on the
//! side the message is: a request's values answer the request-side
//! variants only, a response's the response-side ones.

use super::parser::RData;
use super::state::DnsTx;
use crate::buffer::{Buffer, Field};

/// `dns.query`: each question name of a request (`dns.queries.rrname`
/// also reads a response's questions); `dns.answer.name`: each
/// answer owner name of a response; `dns.response.rrname`: every owner
/// name of a response (questions, answers, authorities, additionals) and,
/// as Suricata 8, the names answer and authority records point to (CNAME,
/// NS, PTR and MX targets, an SOA's primary server), so one buffer sees
/// every domain a response names.
pub fn buffers(tx: &DnsTx, buffer: Buffer, f: &mut dyn FnMut(&[u8])) {
    let m = &tx.msg;
    match buffer {
        Buffer::DnsQuery if !m.header.is_response() => {
            for q in &m.queries {
                f(&q.name.value);
            }
        }
        Buffer::DnsQueryInResponse if m.header.is_response() => {
            for q in &m.queries {
                f(&q.name.value);
            }
        }
        Buffer::DnsAnswerName if m.header.is_response() => {
            for a in &m.answers {
                f(&a.name.value);
            }
        }
        Buffer::DnsResponseName if m.header.is_response() => {
            for q in &m.queries {
                f(&q.name.value);
            }
            for r in m.answers.iter().chain(&m.authorities).chain(&m.additionals) {
                f(&r.name.value);
            }
            for r in m.answers.iter().chain(&m.authorities) {
                match &r.data {
                    RData::Name(name) => f(name),
                    RData::Soa(soa) => f(&soa.mname),
                    _ => {}
                }
            }
        }
        _ => {}
    }
}

/// `dns.opcode`, `dns.rcode` (header) and `dns.rrtype` (each question's
/// type in a request, each answer's type in a response).
pub fn fields(tx: &DnsTx, field: Field, f: &mut dyn FnMut(u64)) {
    let h = &tx.msg.header;
    let resp = h.is_response();
    match field {
        Field::DnsRequestOpcode if !resp => f(u64::from(h.opcode())),
        Field::DnsResponseOpcode if resp => f(u64::from(h.opcode())),
        Field::DnsRequestRcode if !resp => f(u64::from(h.rcode())),
        Field::DnsResponseRcode if resp => f(u64::from(h.rcode())),
        Field::DnsRequestRrtype if !resp => {
            tx.msg.queries.iter().for_each(|q| f(u64::from(q.rrtype)))
        }
        // A response's values are its answers' types, in order, as
        // Suricata 8 reads them (its multi-integer index counts answers).
        Field::DnsResponseRrtype if resp => {
            tx.msg.answers.iter().for_each(|a| f(u64::from(a.rrtype)))
        }
        _ => {}
    }
}
