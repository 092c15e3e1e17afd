//! Pure, stateless parsing of TLS wire structures: record headers,
//! handshake headers, ClientHello/ServerHello with their extensions, the
//! Certificate message's list, and the SSLv2 ClientHello.
//!
//! Progress contract: every function takes `&[u8]` and returns borrowed
//! views into it. Header functions return `Err(Short(n))` when at least `n`
//! more bytes are needed; message-body functions are given a whole message
//! (the caller reassembles it) and return `Err(Malformed(..))` naming the
//! field that does not fit. Nothing here allocates or panics.

/// `ContentType` of a TLS record (RFC 8446 §5.1).
pub mod content {
    /// change_cipher_spec.
    pub const CHANGE_CIPHER_SPEC: u8 = 20;
    /// alert.
    pub const ALERT: u8 = 21;
    /// handshake.
    pub const HANDSHAKE: u8 = 22;
    /// application_data.
    pub const APPLICATION_DATA: u8 = 23;
    /// heartbeat (RFC 6520).
    pub const HEARTBEAT: u8 = 24;
}

/// `HandshakeType` values (RFC 8446 §4, RFC 5246 §7.4).
pub mod hs {
    /// hello_request.
    pub const HELLO_REQUEST: u8 = 0;
    /// client_hello.
    pub const CLIENT_HELLO: u8 = 1;
    /// server_hello.
    pub const SERVER_HELLO: u8 = 2;
    /// new_session_ticket.
    pub const NEW_SESSION_TICKET: u8 = 4;
    /// certificate.
    pub const CERTIFICATE: u8 = 11;
    /// server_key_exchange.
    pub const SERVER_KEY_EXCHANGE: u8 = 12;
    /// certificate_request.
    pub const CERTIFICATE_REQUEST: u8 = 13;
    /// server_hello_done.
    pub const SERVER_HELLO_DONE: u8 = 14;
    /// certificate_verify.
    pub const CERTIFICATE_VERIFY: u8 = 15;
    /// client_key_exchange.
    pub const CLIENT_KEY_EXCHANGE: u8 = 16;
    /// finished.
    pub const FINISHED: u8 = 20;
    /// certificate_url.
    pub const CERTIFICATE_URL: u8 = 21;
    /// certificate_status.
    pub const CERTIFICATE_STATUS: u8 = 22;

    /// The types Suricata parses; any other type in a clear handshake
    /// record is `INVALID_HANDSHAKE_MESSAGE`.
    pub fn supported(t: u8) -> bool {
        matches!(
            t,
            HELLO_REQUEST
                | CLIENT_HELLO
                | SERVER_HELLO
                | NEW_SESSION_TICKET
                | CERTIFICATE
                | SERVER_KEY_EXCHANGE
                | CERTIFICATE_REQUEST
                | SERVER_HELLO_DONE
                | CERTIFICATE_VERIFY
                | CLIENT_KEY_EXCHANGE
                | FINISHED
                | CERTIFICATE_URL
                | CERTIFICATE_STATUS
        )
    }
}

/// Extension types used here (IANA TLS ExtensionType registry).
pub mod ext {
    /// server_name (RFC 6066).
    pub const SERVER_NAME: u16 = 0;
    /// supported_groups, formerly elliptic_curves (RFC 8422).
    pub const SUPPORTED_GROUPS: u16 = 10;
    /// ec_point_formats (RFC 8422).
    pub const EC_POINT_FORMATS: u16 = 11;
    /// signature_algorithms (RFC 8446).
    pub const SIGNATURE_ALGORITHMS: u16 = 13;
    /// application_layer_protocol_negotiation (RFC 7301).
    pub const ALPN: u16 = 16;
    /// session_ticket (RFC 5077).
    pub const SESSION_TICKET: u16 = 35;
    /// early_data (RFC 8446).
    pub const EARLY_DATA: u16 = 42;
    /// supported_versions (RFC 8446).
    pub const SUPPORTED_VERSIONS: u16 = 43;
}

/// TLS record header length.
pub const RECORD_HEADER_LEN: usize = 5;

/// The largest record body RFC 5246 §6.2.3 allows (2^14 + 2048 for a
/// TLSCiphertext); Suricata uses 2^14 + 1024, the compressed bound. A
/// longer one is `INVALID_RECORD_LENGTH`.
pub const RECORD_MAX_LEN: usize = (1 << 14) + 2048;

/// Why a structure could not be parsed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    /// At least this many more bytes are needed.
    Short(usize),
    /// The named field does not fit or has an impossible value.
    Malformed(&'static str),
}

/// A TLS record header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordHeader {
    /// Content type.
    pub content_type: u8,
    /// Record-layer version.
    pub version: u16,
    /// Body length.
    pub len: usize,
}

/// Parses the 5-byte record header at the start of `b`.
pub fn record_header(b: &[u8]) -> Result<RecordHeader, Error> {
    match b {
        [t, v0, v1, l0, l1, ..] => Ok(RecordHeader {
            content_type: *t,
            version: u16::from_be_bytes([*v0, *v1]),
            len: usize::from(u16::from_be_bytes([*l0, *l1])),
        }),
        _ => Err(Error::Short(RECORD_HEADER_LEN - b.len())),
    }
}

/// Versions Suricata accepts in a record header: SSLv3, TLS 1.0-1.3, and
/// the TLS 1.3 drafts (0x7fxx, Facebook's 0xfbxx).
pub fn version_valid(v: u16) -> bool {
    matches!(v, 0x0300..=0x0304) || v >> 8 == 0x7f || v >> 8 == 0xfb
}

/// GREASE values (RFC 8701): ignored by JA3 and JA4.
pub fn is_grease(v: u16) -> bool {
    v & 0x0f0f == 0x0a0a && (v >> 8) == (v & 0xff)
}

/// A cursor over a byte slice that never panics.
#[derive(Clone, Copy, Debug)]
pub struct Reader<'a> {
    b: &'a [u8],
}

impl<'a> Reader<'a> {
    /// Reads `b` from its start.
    pub fn new(b: &'a [u8]) -> Self {
        Reader { b }
    }
    /// Bytes left.
    pub fn rest(&self) -> &'a [u8] {
        self.b
    }
    /// No bytes left.
    pub fn is_empty(&self) -> bool {
        self.b.is_empty()
    }
    /// The next `n` bytes.
    pub fn take(&mut self, n: usize, field: &'static str) -> Result<&'a [u8], Error> {
        if n > self.b.len() {
            return Err(Error::Malformed(field));
        }
        let (h, t) = self.b.split_at(n);
        self.b = t;
        Ok(h)
    }
    /// One byte.
    pub fn u8(&mut self, field: &'static str) -> Result<u8, Error> {
        Ok(self.take(1, field)?.first().copied().unwrap_or(0))
    }
    /// A big-endian u16.
    pub fn u16(&mut self, field: &'static str) -> Result<u16, Error> {
        match self.take(2, field)? {
            [a, b] => Ok(u16::from_be_bytes([*a, *b])),
            _ => Err(Error::Malformed(field)),
        }
    }
    /// A big-endian u24.
    pub fn u24(&mut self, field: &'static str) -> Result<usize, Error> {
        match self.take(3, field)? {
            [a, b, c] => Ok(usize::from(*a) << 16 | usize::from(*b) << 8 | usize::from(*c)),
            _ => Err(Error::Malformed(field)),
        }
    }
    /// A vector with a one-byte length prefix.
    pub fn vec8(&mut self, field: &'static str) -> Result<&'a [u8], Error> {
        let n = self.u8(field)?;
        self.take(usize::from(n), field)
    }
    /// A vector with a two-byte length prefix.
    pub fn vec16(&mut self, field: &'static str) -> Result<&'a [u8], Error> {
        let n = self.u16(field)?;
        self.take(usize::from(n), field)
    }
}

/// Iterates big-endian u16 values of a list (a trailing odd byte is ignored).
pub fn u16s(b: &[u8]) -> impl Iterator<Item = u16> + '_ {
    b.chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]]))
}

/// A handshake message header: type and body length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HandshakeHeader {
    /// HandshakeType.
    pub msg_type: u8,
    /// Body length (24 bits).
    pub len: usize,
}

/// Handshake header length.
pub const HANDSHAKE_HEADER_LEN: usize = 4;

/// Parses the 4-byte handshake header at the start of `b`.
pub fn handshake_header(b: &[u8]) -> Result<HandshakeHeader, Error> {
    match b {
        [t, a, l, c, ..] => Ok(HandshakeHeader {
            msg_type: *t,
            len: usize::from(*a) << 16 | usize::from(*l) << 8 | usize::from(*c),
        }),
        _ => Err(Error::Short(HANDSHAKE_HEADER_LEN - b.len())),
    }
}

/// A ClientHello or ServerHello, as borrowed views.
#[derive(Clone, Copy, Debug, Default)]
pub struct Hello<'a> {
    /// legacy_version.
    pub version: u16,
    /// random (32 bytes).
    pub random: &'a [u8],
    /// legacy_session_id (absent in ServerHello of TLS 1.3 drafts < 22).
    pub session_id: &'a [u8],
    /// Cipher suites (ClientHello) or the chosen one (ServerHello), raw.
    pub ciphers: &'a [u8],
    /// Extensions block, raw (without its length); empty when absent.
    pub extensions: &'a [u8],
    /// Whether the extensions block did not fit its length.
    pub extensions_truncated: bool,
}

/// Parses a ClientHello body.
pub fn client_hello(body: &[u8]) -> Result<Hello<'_>, Error> {
    let mut r = Reader::new(body);
    let version = r.u16("client_version")?;
    let random = r.take(32, "random")?;
    let session_id = r.vec8("session_id")?;
    let ciphers = r.vec16("cipher_suites")?;
    if ciphers.len() % 2 != 0 {
        return Err(Error::Malformed("cipher_suites"));
    }
    let _compression = r.vec8("compression_methods")?;
    let (extensions, extensions_truncated) = extensions_block(&mut r);
    Ok(Hello {
        version,
        random,
        session_id,
        ciphers,
        extensions,
        extensions_truncated,
    })
}

/// Parses a ServerHello body. TLS 1.3 drafts before 22 (versions
/// 0x7f01-0x7f15 in the version field) had neither session id nor
/// compression method.
pub fn server_hello(body: &[u8]) -> Result<Hello<'_>, Error> {
    let mut r = Reader::new(body);
    let version = r.u16("server_version")?;
    let random = r.take(32, "random")?;
    let early_draft = version == 0x0304 || version >> 8 == 0x7f;
    let session_id = if early_draft {
        &[][..]
    } else {
        r.vec8("session_id")?
    };
    let ciphers = r.take(2, "cipher_suite")?;
    if !early_draft {
        r.u8("compression_method")?;
    }
    let (extensions, extensions_truncated) = extensions_block(&mut r);
    Ok(Hello {
        version,
        random,
        session_id,
        ciphers,
        extensions,
        extensions_truncated,
    })
}

fn extensions_block<'a>(r: &mut Reader<'a>) -> (&'a [u8], bool) {
    // Extensions are optional (RFC 5246 §7.4.1.2).
    if r.rest().len() < 2 {
        return (&[], false);
    }
    let rest = r.rest();
    let n = usize::from(u16::from_be_bytes([rest[0], rest[1]]));
    match rest.get(2..2 + n) {
        Some(e) => (e, false),
        None => (rest.get(2..).unwrap_or(&[]), true),
    }
}

/// Iterates `(type, data)` of an extensions block; stops at the first
/// extension that does not fit (reported by [`Extensions::malformed`]).
#[derive(Clone, Debug)]
pub struct Extensions<'a> {
    r: Reader<'a>,
    bad: bool,
}

impl<'a> Extensions<'a> {
    /// Extensions of a block.
    pub fn new(block: &'a [u8]) -> Self {
        Extensions {
            r: Reader::new(block),
            bad: false,
        }
    }
    /// Whether iteration stopped on an extension that does not fit.
    pub fn malformed(&self) -> bool {
        self.bad
    }
}

impl<'a> Iterator for Extensions<'a> {
    type Item = (u16, &'a [u8]);
    fn next(&mut self) -> Option<Self::Item> {
        if self.r.is_empty() || self.bad {
            return None;
        }
        let mut r = self.r;
        match (r.u16("extension_type"), r.vec16("extension_data")) {
            (Ok(t), Ok(d)) => {
                self.r = r;
                Some((t, d))
            }
            _ => {
                self.bad = true;
                None
            }
        }
    }
}

/// Why a server_name extension is refused (Suricata's event names).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SniError {
    /// name_type is not host_name.
    Type,
    /// The host name is empty, over 255 bytes, or past the extension.
    Length,
    /// The list does not fit.
    Truncated,
}

/// The host name of a server_name extension's first entry; `Ok(None)`
/// for an empty extension (as a ServerHello sends).
pub fn sni(data: &[u8]) -> Result<Option<&[u8]>, SniError> {
    if data.is_empty() {
        return Ok(None);
    }
    let mut r = Reader::new(data);
    r.u16("server_name_list").map_err(|_| SniError::Truncated)?;
    let t = r.u8("name_type").map_err(|_| SniError::Truncated)?;
    if t != 0 {
        return Err(SniError::Type);
    }
    let n = usize::from(r.u16("host_name").map_err(|_| SniError::Truncated)?);
    // A host name is a DNS name: at most 255 bytes (RFC 6066 §3).
    if n == 0 || n > 255 || n > r.rest().len() {
        return Err(SniError::Length);
    }
    Ok(r.take(n, "host_name").ok())
}

/// Protocol names of an ALPN extension, in order; stops at a name that
/// does not fit.
pub fn alpn(data: &[u8]) -> impl Iterator<Item = &[u8]> + '_ {
    let list = Reader::new(data).vec16("alpn").unwrap_or(&[]);
    let mut r = Reader::new(list);
    std::iter::from_fn(move || {
        if r.is_empty() {
            None
        } else {
            r.vec8("protocol_name").ok()
        }
    })
}

/// Versions listed in a ClientHello's supported_versions extension.
pub fn client_supported_versions(data: &[u8]) -> &[u8] {
    Reader::new(data).vec8("supported_versions").unwrap_or(&[])
}

/// Iterates the DER certificates of a Certificate message body (TLS ≤
/// 1.2 layout: a u24 list of u24-prefixed certificates). The second item
/// of `Err` tells whether the list length itself was wrong.
pub fn certificates(body: &[u8]) -> Result<CertList<'_>, Error> {
    let mut r = Reader::new(body);
    let list = r.u24("certificate_list")?;
    let list = r.take(list, "certificate_list")?;
    Ok(CertList {
        r: Reader::new(list),
        bad: false,
    })
}

/// Iterator over the certificates of a Certificate message.
#[derive(Clone, Debug)]
pub struct CertList<'a> {
    r: Reader<'a>,
    bad: bool,
}

impl CertList<'_> {
    /// Whether iteration stopped on a certificate that does not fit.
    pub fn malformed(&self) -> bool {
        self.bad
    }
}

impl<'a> Iterator for CertList<'a> {
    type Item = &'a [u8];
    fn next(&mut self) -> Option<&'a [u8]> {
        if self.r.is_empty() || self.bad {
            return None;
        }
        let mut r = self.r;
        let item = r.u24("certificate").and_then(|n| r.take(n, "certificate"));
        match item {
            Ok(c) => {
                self.r = r;
                Some(c)
            }
            Err(_) => {
                self.bad = true;
                None
            }
        }
    }
}

/// An SSLv2 record header: 2 bytes (high bit set) or 3 bytes (with padding).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ssl2Header {
    /// Header length (2 or 3).
    pub header_len: usize,
    /// Body length.
    pub len: usize,
}

/// Parses an SSLv2 record header (the first byte's high bit marks the
/// 2-byte form, otherwise the 3-byte form with padding).
pub fn ssl2_header(b: &[u8]) -> Result<Ssl2Header, Error> {
    match b {
        [a, l, ..] if a & 0x80 != 0 => Ok(Ssl2Header {
            header_len: 2,
            len: usize::from(a & 0x7f) << 8 | usize::from(*l),
        }),
        [a, l, _, ..] => Ok(Ssl2Header {
            header_len: 3,
            len: usize::from(a & 0x3f) << 8 | usize::from(*l),
        }),
        _ => Err(Error::Short(3usize.saturating_sub(b.len()).max(1))),
    }
}

/// SSLv2 message types.
pub mod ssl2 {
    /// CLIENT-HELLO.
    pub const CLIENT_HELLO: u8 = 1;
    /// SERVER-HELLO.
    pub const SERVER_HELLO: u8 = 4;
}

/// An SSLv2 CLIENT-HELLO: its version (0x0002, or 0x0300+ for the
/// "SSLv23" hello of clients that also speak SSLv3/TLS).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ssl2ClientHello<'a> {
    /// Version the client offers.
    pub version: u16,
    /// Cipher specs (3 bytes each).
    pub cipher_specs: &'a [u8],
}

/// Parses an SSLv2 CLIENT-HELLO body (after the message type byte).
pub fn ssl2_client_hello(b: &[u8]) -> Result<Ssl2ClientHello<'_>, Error> {
    let mut r = Reader::new(b);
    let version = r.u16("version")?;
    let specs = usize::from(r.u16("cipher_spec_length")?);
    let _session = r.u16("session_id_length")?;
    let _challenge = r.u16("challenge_length")?;
    let cipher_specs = r.take(specs, "cipher_specs")?;
    Ok(Ssl2ClientHello {
        version,
        cipher_specs,
    })
}
