//! The EVE `tls` record, with Suricata 8's field names and shapes
//! (output-json-tls.c, "extended" logging as in its default
//! configuration): subject, issuerdn, session_resumed, serial,
//! fingerprint, sni, version, notbefore, notafter, ja3, ja3s, ja4,
//! client_alpns, server_alpns, client (a client certificate), chain.

use serde_json::{Map, Value, json};

use super::cert::{CertInfo, iso_utc};
use super::state::TlsTx;

/// Suricata's name of a TLS version (`SSLVersionToString`).
pub fn version_name(v: u16) -> String {
    match v {
        0 => "UNDETERMINED".into(),
        0x0002 => "SSLv2".into(),
        0x0300 => "SSLv3".into(),
        0x0301 => "TLSv1".into(),
        0x0302 => "TLS 1.1".into(),
        0x0303 => "TLS 1.2".into(),
        0x0304 => "TLS 1.3".into(),
        0x7f01 => "TLS 1.3 draft-<16".into(),
        0x7f10..=0x7f1c => format!("TLS 1.3 draft-{}", v & 0xff),
        0xfb14..=0xfb17 | 0xfb1a => format!("TLS 1.3 draft-{}-fb", v & 0xff),
        _ => format!("0x{v:04x}"),
    }
}

fn cert_fields(m: &mut Map<String, Value>, c: &CertInfo) {
    m.insert("subject".into(), c.subject.clone().into());
    m.insert("issuerdn".into(), c.issuer.clone().into());
}

fn cert_details(m: &mut Map<String, Value>, c: &CertInfo) {
    m.insert("serial".into(), c.serial.clone().into());
    m.insert("fingerprint".into(), c.fingerprint.clone().into());
}

fn validity(m: &mut Map<String, Value>, c: &CertInfo) {
    // Suricata leaves out a validity of exactly the epoch (its "unset").
    if c.not_before != 0 {
        m.insert("notbefore".into(), iso_utc(c.not_before).into());
    }
    if c.not_after != 0 {
        m.insert("notafter".into(), iso_utc(c.not_after).into());
    }
}

/// The `tls` object of the record.
pub fn tls_object(t: &TlsTx) -> Map<String, Value> {
    let mut m = Map::new();
    if let Some(c) = &t.cert {
        cert_fields(&mut m, c);
    }
    // Resumed: only without a certificate, after a ServerHello, before TLS 1.3.
    if t.resumed && t.cert.is_none() && t.server_hello && !t.log_without_cert {
        m.insert("session_resumed".into(), true.into());
    }
    if let Some(c) = &t.cert {
        cert_details(&mut m, c);
    }
    if let Some(s) = &t.sni {
        m.insert("sni".into(), s.clone().into());
    }
    m.insert("version".into(), version_name(t.server_version).into());
    if let Some(c) = &t.cert {
        validity(&mut m, c);
    }
    if t.opts.ja3 {
        let fp = t.fingerprints();
        if let Some(j) = &fp.ja3 {
            m.insert("ja3".into(), json!({"hash": j.hash, "string": j.string}));
        }
        if let Some(j) = &fp.ja3s {
            m.insert("ja3s".into(), json!({"hash": j.hash, "string": j.string}));
        }
    }
    if t.opts.ja4
        && let Some(j) = &t.fingerprints().ja4
    {
        m.insert("ja4".into(), j.clone().into());
    }
    if !t.client_alpns.is_empty() {
        m.insert("client_alpns".into(), t.client_alpns.clone().into());
    }
    if !t.server_alpns.is_empty() {
        m.insert("server_alpns".into(), t.server_alpns.clone().into());
    }
    if let Some(c) = &t.client_cert {
        let mut cm = Map::new();
        cert_fields(&mut cm, c);
        cert_details(&mut cm, c);
        validity(&mut cm, c);
        m.insert("client".into(), cm.into());
    }
    if t.opts.chain && !t.chain.is_empty() {
        let chain: Vec<Value> = t.chain.iter().map(|c| base64(c).into()).collect();
        m.insert("chain".into(), chain.into());
    }
    m
}

/// Standard base64 with padding, as Suricata's `jb_append_base64`.
fn base64(b: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::with_capacity(b.len().div_ceil(3) * 4);
    for c in b.chunks(3) {
        let n = c
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, x)| n | u32::from(*x) << (16 - 8 * i));
        for i in 0..4 {
            if i <= c.len() {
                s.push(char::from(A[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                s.push('=');
            }
        }
    }
    s
}
