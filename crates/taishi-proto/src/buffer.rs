//! The buffers a transaction exposes to the rule engine, named as Suricata's
//! sticky buffers, so that rules can inspect without re-parsing.

/// One named buffer of a transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Buffer {
    /// `http.uri` (normalised request URI).
    HttpUri,
    /// `http.uri.raw`.
    HttpUriRaw,
    /// `http.method`.
    HttpMethod,
    /// `http.protocol` (request line's version).
    HttpProtocol,
    /// `http.protocol` in the response direction (status line's version).
    HttpResponseProtocol,
    /// `http.request_line`.
    HttpRequestLine,
    /// `http.host` (normalised: lower case, no port).
    HttpHost,
    /// `http.host.raw`.
    HttpHostRaw,
    /// `http.user_agent`.
    HttpUserAgent,
    /// `http.header` (request headers, normalised `Name: value\r\n` lines, no cookie).
    HttpHeader,
    /// `http.header` in the response direction.
    HttpResponseHeader,
    /// `http.header.raw`.
    HttpHeaderRaw,
    /// `http.header.raw` in the response direction.
    HttpResponseHeaderRaw,
    /// `http.header_names`.
    HttpHeaderNames,
    /// `http.cookie` (request).
    HttpCookie,
    /// `http.cookie` (response `Set-Cookie`).
    HttpResponseCookie,
    /// `http.request_body` (dechunked).
    HttpRequestBody,
    /// `http.response_body` (dechunked, decompressed).
    HttpResponseBody,
    /// `http.stat_code`.
    HttpStatCode,
    /// `http.stat_msg`.
    HttpStatMsg,
    /// `http.response_line`.
    HttpResponseLine,
    /// `http.content_type`.
    HttpContentType,
    /// `http.content_len`.
    HttpContentLen,
    /// `http.referer`.
    HttpReferer,
    /// `http.accept`.
    HttpAccept,
    /// `http.server`.
    HttpServer,
    /// `http.location`.
    HttpLocation,
    /// `dns.query` (each query name).
    DnsQuery,
    /// The question names of a response (`dns.queries.rrname` to client).
    DnsQueryInResponse,
    /// `dns.answer.name` (each answer name).
    DnsAnswerName,
    /// `tls.sni`.
    TlsSni,
    /// `tls.cert_subject`.
    TlsCertSubject,
    /// `tls.cert_issuer`.
    TlsCertIssuer,
    /// `tls.cert_serial`.
    TlsCertSerial,
    /// `tls.cert_fingerprint`.
    TlsCertFingerprint,
    /// `tls.certs` (each certificate, DER).
    TlsCerts,
    /// `tls.version` as a string (`1.2`, ...).
    TlsVersion,
    /// `ja3.hash`.
    Ja3Hash,
    /// `ja3.string`.
    Ja3String,
    /// `ja3s.hash`.
    Ja3sHash,
    /// `ja3s.string`.
    Ja3sString,
    /// `ja4.hash`.
    Ja4Hash,
    /// `ssh.proto`.
    SshProto,
    /// `ssh.proto` of the server's banner (`SshProto` is the client's).
    SshProtoServer,
    /// `ssh.software`.
    SshSoftware,
    /// `ssh.software` of the server's banner (`SshSoftware` is the client's).
    SshSoftwareServer,
    /// `ssh.hassh`.
    SshHassh,
    /// `ssh.hassh.server`.
    SshHasshServer,
    /// `ftp.command`.
    FtpCommand,
    /// `ftp.command_data`.
    FtpCommandData,
    /// `smtp.helo`.
    SmtpHelo,
    /// `smtp.mail_from`.
    SmtpMailFrom,
    /// `smtp.rcpt_to`.
    SmtpRcptTo,
    /// `file.data` of files going to the client (HTTP response bodies).
    FileData,
    /// `file.data` of files going to the server (HTTP request bodies,
    /// SMTP attachments).
    FileDataToServer,
    /// `file.name` of files going to the server (HTTP uploads, SMTP
    /// attachments, FTP uploads).
    FileName,
    /// `file.name` of files going to the client (HTTP and FTP downloads).
    FileNameToClient,
    /// `smb.named_pipe` / share.
    SmbShare,
    /// `smb.ntlmssp_user`.
    SmbNtlmsspUser,
    /// `smb.ntlmssp_domain`.
    SmbNtlmsspDomain,
    /// RDP cookie (`mstshash=`).
    RdpCookie,
    /// `dnp3.data` (`dnp3_data`): the reassembled application fragment,
    /// without link headers and CRCs.
    Dnp3Data,
    /// `dnp3.data` of a response fragment (`Dnp3Data` is a request's).
    Dnp3DataResponse,
    /// `http.request_header`: each request header line as `Name: value`.
    HttpRequestHeaderLine,
    /// `http.response_header`: each response header line as `Name: value`.
    HttpResponseHeaderLine,
    /// `http.start` of a request: request line, headers and the empty line.
    HttpStart,
    /// `http.start` of a response: status line, headers and the empty line.
    HttpResponseStart,
    /// `http.connection` (request `Connection` header value).
    HttpConnection,
    /// `http.connection` of the response.
    HttpConnectionResponse,
    /// `http.accept_enc` (`Accept-Encoding`).
    HttpAcceptEnc,
    /// `http.accept_lang` (`Accept-Language`).
    HttpAcceptLang,
    /// `http.header_names` in the response direction.
    HttpResponseHeaderNames,
    /// `dns.response.rrname`: each name of a response (questions, answers,
    /// authorities, additionals).
    DnsResponseName,
    /// `tls.alpn`: each ALPN protocol the client offered.
    TlsAlpn,
    /// `tls.alpn` in the response: the protocol the server chose.
    TlsServerAlpn,
    /// `tls.random` of the client hello (32 bytes).
    TlsRandom,
    /// `tls.random` of the server hello.
    TlsServerRandom,
    /// `tls.random_time` of the client hello (first 4 bytes).
    TlsRandomTime,
    /// `tls.random_time` of the server hello.
    TlsServerRandomTime,
    /// `tls.random_bytes` of the client hello (last 28 bytes).
    TlsRandomBytes,
    /// `tls.random_bytes` of the server hello.
    TlsServerRandomBytes,
    /// `tls.subjectaltname`: each DNS name of the server certificate's SAN.
    TlsSubjectAltName,
    /// `ssh.hassh.string` (client's algorithm lists).
    SshHasshString,
    /// `ssh.hassh.server.string`.
    SshHasshServerString,
    /// `ftp.reply`: each reply line's text, without the code.
    FtpReply,
    /// `ftp.completion_code`: each reply's code.
    FtpCompletionCode,
    /// `email.from` (MIME `From` header value).
    EmailFrom,
    /// `email.to`.
    EmailTo,
    /// `email.cc`.
    EmailCc,
    /// `email.subject`.
    EmailSubject,
    /// `email.date`.
    EmailDate,
    /// `email.message_id`.
    EmailMessageId,
    /// `email.x_mailer`.
    EmailXMailer,
    /// `email.received`: each `Received` header.
    EmailReceived,
    /// `email.url`: each URL found in the body.
    EmailUrl,
    /// `email.body_md5`: MD5 of the message body, lower-case hex.
    EmailBodyMd5,
    /// MD5 of each file, lower-case hex (`filemd5`).
    FileMd5,
    /// SHA-1 of each file, lower-case hex (`filesha1`).
    FileSha1,
    /// SHA-256 of each file, lower-case hex (`filesha256`).
    FileSha256,
}

/// An integer-valued field of a transaction that rule keywords compare
/// (`dns.rcode`, `tls.cert_chain_len`, `modbus`, ...): read through
/// [`crate::Transaction::fields`], each field giving zero, one or several
/// values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Field {
    /// DNS header opcode of a request.
    DnsRequestOpcode,
    /// DNS header opcode of a response.
    DnsResponseOpcode,
    /// DNS header rcode of a request.
    DnsRequestRcode,
    /// DNS header rcode of a response.
    DnsResponseRcode,
    /// Each rrtype of a request's questions.
    DnsRequestRrtype,
    /// Each rrtype of a response's questions and answers.
    DnsResponseRrtype,
    /// Negotiated TLS/SSL record version of the client side (`0x0002` for
    /// SSLv2, `0x0300` SSLv3, `0x0301` TLS 1.0, ...; `0x0304` for TLS 1.3
    /// from the supported_versions extension).
    TlsClientVersion,
    /// The version the server chose (same encoding).
    TlsServerVersion,
    /// Handshake messages seen, as [`tls_state`] bits.
    TlsState,
    /// Number of certificates in the server's chain.
    TlsCertChainLen,
    /// Server certificate's notBefore, seconds since the Unix epoch (as
    /// two's-complement `i64` bits: before 1970 is negative).
    TlsCertNotBefore,
    /// Server certificate's notAfter, same encoding.
    TlsCertNotAfter,
    /// Time of the packet that completed the handshake record holding the
    /// certificate (Unix seconds, `i64` bits): the clock `tls_cert_expired`
    /// compares with, as Suricata uses the packet time.
    TlsCertSeenAt,
    /// FTP data-channel port of a PORT/EPRT command or PASV/EPSV reply.
    FtpDynamicPort,
    /// FTP mode: 1 active (PORT/EPRT), 0 passive (PASV/EPSV).
    FtpMode,
    /// 1 when the FTP command got a reply.
    FtpReplyReceived,
    /// 1 when a PORT command names an address other than the client's.
    FtpBounce,
    /// Modbus unit identifier of the request.
    ModbusUnit,
    /// Modbus function code of the request.
    ModbusFunction,
    /// Modbus diagnostics sub-function of the request.
    ModbusSubfunction,
    /// Modbus function category bits of the request ([`modbus_category`]).
    ModbusCategory,
    /// Modbus access bits of the request ([`modbus_access`]).
    ModbusAccess,
    /// First address a Modbus request reads or writes.
    ModbusAddressFirst,
    /// Last address (inclusive) a Modbus request reads or writes.
    ModbusAddressLast,
    /// Each value a Modbus request writes, as `address << 16 | value`.
    ModbusWrite,
    /// DNP3 application function code of a request.
    Dnp3RequestFunction,
    /// DNP3 application function code of a response.
    Dnp3ResponseFunction,
    /// DNP3 internal indications of a response (`iin1 << 8 | iin2`).
    Dnp3Indicators,
    /// Each DNP3 object header of a request as `group << 8 | variation`.
    Dnp3RequestObject,
    /// Each DNP3 object header of a response, same encoding.
    Dnp3ResponseObject,
    /// Size in bytes of each file of the transaction.
    FileSize,
    /// Direction of each file of the transaction: 0 to the server, 1 to
    /// the client (which side a `filestore` rule finds it on).
    FileDirection,
}

/// [`Field::TlsState`] bits, as Suricata's `ssl_state` names them.
pub mod tls_state {
    /// A client hello was seen.
    pub const CLIENT_HELLO: u64 = 1;
    /// A server hello was seen.
    pub const SERVER_HELLO: u64 = 2;
    /// A client key exchange was seen.
    pub const CLIENT_KEYX: u64 = 4;
    /// A server key exchange was seen.
    pub const SERVER_KEYX: u64 = 8;
    /// A handshake message of another type was seen.
    pub const UNKNOWN: u64 = 16;
}

/// [`Field::ModbusCategory`] bits (Suricata's `CodeCategory`).
pub mod modbus_category {
    /// Public function defined by the specification.
    pub const PUBLIC_ASSIGNED: u64 = 1;
    /// Public function code not yet assigned.
    pub const PUBLIC_UNASSIGNED: u64 = 2;
    /// User-defined function.
    pub const USER_DEFINED: u64 = 4;
    /// Reserved function.
    pub const RESERVED: u64 = 8;
}

/// [`Field::ModbusAccess`] bits (Suricata's `AccessType`).
pub mod modbus_access {
    /// Reads.
    pub const READ: u64 = 1;
    /// Writes.
    pub const WRITE: u64 = 2;
    /// Discrete inputs.
    pub const DISCRETES: u64 = 4;
    /// Coils.
    pub const COILS: u64 = 8;
    /// Input registers.
    pub const INPUT: u64 = 16;
    /// Holding registers.
    pub const HOLDING: u64 = 32;
}
