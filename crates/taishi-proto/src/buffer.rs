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
    /// `ssh.software`.
    SshSoftware,
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
    /// `file.data`: HTTP bodies, SMTP attachments, FTP data.
    FileData,
    /// `file.name`.
    FileName,
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
}
