//! The fields of an X.509 certificate that Suricata logs, printed as it
//! prints them: the DNs through x509-parser's `Display` (the crate Suricata
//! itself uses, so attribute names, separators and escaping match),
//! the serial as upper-case hex pairs joined by `:`, the SHA-1 fingerprint
//! as lower-case hex pairs joined by `:`, the validity as UTC seconds.

use sha1::{Digest, Sha1};
use x509_parser::error::X509Error;
use x509_parser::prelude::{FromDer, X509Certificate};

/// What is logged of one certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertInfo {
    /// Subject DN (`C=FR, ST=IDF, ..., CN=host`).
    pub subject: String,
    /// Issuer DN.
    pub issuer: String,
    /// Serial, `00:97:E6:...`.
    pub serial: String,
    /// SHA-1 of the DER, `3a:0b:...`.
    pub fingerprint: String,
    /// notBefore, seconds since the epoch (negative before 1970).
    pub not_before: i64,
    /// notAfter, seconds since the epoch.
    pub not_after: i64,
}

/// Why a certificate could not be read (Suricata's event names).
pub type CertError = &'static str;

/// Decodes one DER certificate.
pub fn parse(der: &[u8]) -> Result<CertInfo, CertError> {
    let (_, x) = X509Certificate::from_der(der).map_err(|e| match e {
        x509_parser::nom::Err::Incomplete(_) => "CERTIFICATE_INVALID_LENGTH",
        x509_parser::nom::Err::Error(e) | x509_parser::nom::Err::Failure(e) => event_of(&e),
    })?;
    let subject = x.subject().to_string();
    let issuer = x.issuer().to_string();
    let serial = x.raw_serial_as_string().to_ascii_uppercase();
    let v = x.validity();
    Ok(CertInfo {
        subject,
        issuer,
        serial,
        fingerprint: sha1_colons(der),
        not_before: v.not_before.timestamp(),
        not_after: v.not_after.timestamp(),
    })
}

/// Suricata's event for an x509-parser error (rust/src/x509/mod.rs).
fn event_of(e: &X509Error) -> CertError {
    match e {
        X509Error::InvalidVersion => "CERTIFICATE_INVALID_VERSION",
        X509Error::InvalidSerial => "CERTIFICATE_INVALID_SERIAL",
        X509Error::InvalidAlgorithmIdentifier => "CERTIFICATE_INVALID_ALGORITHMIDENTIFIER",
        X509Error::InvalidX509Name => "CERTIFICATE_INVALID_X509NAME",
        X509Error::InvalidDate => "CERTIFICATE_INVALID_DATE",
        X509Error::InvalidExtensions => "CERTIFICATE_INVALID_EXTENSIONS",
        // x509-parser 0.17 reports a broken outer structure as a DER
        // error where 0.16 (Suricata's) said InvalidCertificate; Suricata's
        // own tests (bug 1450) expect INVALID_CERTIFICATE for it.
        _ => "INVALID_CERTIFICATE",
    }
}

/// SHA-1 of `der` as lower-case hex pairs joined by `:`.
pub fn sha1_colons(der: &[u8]) -> String {
    taishi_core::event::hex_colons(&Sha1::digest(der))
}

/// Seconds since the epoch as Suricata's `CreateUtcIsoTimeString`
/// prints them: `YYYY-MM-DDTHH:MM:SS`.
pub fn iso_utc(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's
/// `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}
