//! Buffers of the TLS transaction for the rule engine (Suricata's sticky
//! buffers `tls.sni`, `tls.cert_*`, `tls.certs`, `ja3.*`, `ja3s.*`,
//! `ja4.hash`, and the version for `tls.version`).

use serde_json::{Map, Value};

use super::state::TlsTx;
use crate::buffer::{Buffer, Field};
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
            Buffer::TlsAlpn => self.client_alpns.iter().for_each(|a| f(a.as_bytes())),
            Buffer::TlsServerAlpn => self.server_alpns.iter().for_each(|a| f(a.as_bytes())),
            Buffer::TlsRandom => random(&self.client_hello, 0, 32).iter().for_each(|r| f(r)),
            Buffer::TlsServerRandom => random(&self.server_hello_body, 0, 32)
                .iter()
                .for_each(|r| f(r)),
            Buffer::TlsRandomTime => random(&self.client_hello, 0, 4).iter().for_each(|r| f(r)),
            Buffer::TlsServerRandomTime => random(&self.server_hello_body, 0, 4)
                .iter()
                .for_each(|r| f(r)),
            Buffer::TlsRandomBytes => random(&self.client_hello, 4, 32).iter().for_each(|r| f(r)),
            Buffer::TlsServerRandomBytes => random(&self.server_hello_body, 4, 32)
                .iter()
                .for_each(|r| f(r)),
            Buffer::TlsSubjectAltName => {
                if let Some(der) = self.chain.first() {
                    subject_alt_names(der, f);
                }
            }
            _ => {}
        }
    }

    fn fields(&self, field: Field, f: &mut dyn FnMut(u64)) {
        let c = self.cert.as_ref();
        match field {
            Field::TlsClientVersion if self.client_version != 0 => {
                f(u64::from(self.client_version))
            }
            Field::TlsServerVersion if self.server_hello => f(u64::from(self.server_version)),
            Field::TlsState => f(self.handshakes),
            Field::TlsCertChainLen if !self.chain.is_empty() => f(self.chain.len() as u64),
            Field::TlsCertNotBefore => c.iter().for_each(|c| f(c.not_before as u64)),
            Field::TlsCertNotAfter => c.iter().for_each(|c| f(c.not_after as u64)),
            Field::TlsCertSeenAt => self.cert_seen_at.iter().for_each(|t| f(*t as u64)),
            _ => {}
        }
    }
}

/// Bytes `from..to` of a hello's 32-byte random, which follows the
/// 2-byte version at the start of the hello body.
fn random(hello: &[u8], from: usize, to: usize) -> Option<&[u8]> {
    hello.get(2 + from..2 + to)
}

/// Each DNS name of the certificate's subjectAltName extension
/// (`tls.subjectaltname`, as Suricata's `x509_get_subjectaltname`).
fn subject_alt_names(der: &[u8], f: &mut dyn FnMut(&[u8])) {
    use x509_parser::extensions::GeneralName;
    use x509_parser::prelude::{FromDer, X509Certificate};
    let Ok((_, x)) = X509Certificate::from_der(der) else {
        return;
    };
    if let Ok(Some(san)) = x.subject_alternative_name() {
        for n in &san.value.general_names {
            if let GeneralName::DNSName(d) = n {
                f(d.as_bytes());
            }
        }
    }
}
