//! Buffers of the TLS transaction for the rule engine (Suricata's sticky
//! buffers `tls.sni`, `tls.cert_*`, `tls.certs`, `ja3.*`, `ja3s.*`,
//! `ja4.hash`, and the version for `tls.version`).

use serde_json::{Map, Value};

use super::state::TlsTx;
use crate::buffer::Buffer;
use crate::parser::Transaction;

/// `tls.version`'s value for a version: `1.0` ... `1.3`, `3.0` for SSLv3,
/// `2.0` for SSLv2.
fn version_str(v: u16) -> Option<&'static str> {
    Some(match v {
        0x0002 => "2.0",
        0x0300 => "3.0",
        0x0301 => "1.0",
        0x0302 => "1.1",
        0x0303 => "1.2",
        0x0304 | 0x7f00..=0x7fff | 0xfb00..=0xfbff => "1.3",
        _ => return None,
    })
}

impl Transaction for TlsTx {
    fn event_type(&self) -> &'static str {
        "tls"
    }

    fn log(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("tls".into(), super::log::tls_object(self).into());
        m
    }

    fn buffers(&self, buffer: Buffer, f: &mut dyn FnMut(&[u8])) {
        let c = self.cert.as_ref();
        match buffer {
            Buffer::TlsSni => self.sni.iter().for_each(|s| f(s.as_bytes())),
            Buffer::TlsCertSubject => c.iter().for_each(|c| f(c.subject.as_bytes())),
            Buffer::TlsCertIssuer => c.iter().for_each(|c| f(c.issuer.as_bytes())),
            Buffer::TlsCertSerial => c.iter().for_each(|c| f(c.serial.as_bytes())),
            Buffer::TlsCertFingerprint => c.iter().for_each(|c| f(c.fingerprint.as_bytes())),
            Buffer::TlsCerts => self.chain.iter().for_each(|d| f(d)),
            Buffer::TlsVersion => {
                let v = if self.server_hello {
                    self.server_version
                } else {
                    self.client_version
                };
                version_str(v).iter().for_each(|s| f(s.as_bytes()));
            }
            Buffer::Ja3Hash => (self.fingerprints().ja3.iter()).for_each(|j| f(j.hash.as_bytes())),
            Buffer::Ja3String => {
                (self.fingerprints().ja3.iter()).for_each(|j| f(j.string.as_bytes()))
            }
            Buffer::Ja3sHash => {
                (self.fingerprints().ja3s.iter()).for_each(|j| f(j.hash.as_bytes()))
            }
            Buffer::Ja3sString => {
                (self.fingerprints().ja3s.iter()).for_each(|j| f(j.string.as_bytes()))
            }
            Buffer::Ja4Hash => (self.fingerprints().ja4.iter()).for_each(|j| f(j.as_bytes())),
            _ => {}
        }
    }
}
