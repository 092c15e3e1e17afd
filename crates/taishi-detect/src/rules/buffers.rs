//! Sticky buffers: the keywords that point content matching at one field
//! of a transaction (`http.uri; content:...`), and the legacy content
//! modifiers that move the content just written there (`content:...;
//! http_uri;`).

use taishi_proto::Buffer;

/// Where a sticky buffer lives: its protocol, the buffer to inspect in
/// each direction (`None`: the buffer does not exist that way).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BufferDef {
    /// Suricata's name of the app-layer protocol the buffer belongs to
    /// (`http`, `dns`, ...); `None` for buffers several protocols offer
    /// (`file.data`).
    pub proto: Option<&'static str>,
    /// The buffer in a transaction's request (to-server) side.
    pub to_server: Option<Buffer>,
    /// The buffer in a transaction's response (to-client) side.
    pub to_client: Option<Buffer>,
}

const fn req(proto: &'static str, b: Buffer) -> BufferDef {
    BufferDef {
        proto: Some(proto),
        to_server: Some(b),
        to_client: None,
    }
}

const fn resp(proto: &'static str, b: Buffer) -> BufferDef {
    BufferDef {
        proto: Some(proto),
        to_server: None,
        to_client: Some(b),
    }
}

const fn both(proto: &'static str, s: Buffer, c: Buffer) -> BufferDef {
    BufferDef {
        proto: Some(proto),
        to_server: Some(s),
        to_client: Some(c),
    }
}

/// Sticky-buffer keywords (`http.uri;`) with their legacy aliases.
pub fn sticky(name: &str) -> Option<BufferDef> {
    use Buffer::*;
    Some(match name {
        "http.uri" | "http_uri" => req("http", HttpUri),
        "http.uri.raw" | "http_raw_uri" => req("http", HttpUriRaw),
        "http.method" | "http_method" => req("http", HttpMethod),
        // Suricata reads the request line's version to the server and the
        // status line's to the client.
        "http.protocol" | "http_protocol" => both("http", HttpProtocol, HttpResponseProtocol),
        "http.request_line" | "http_request_line" => req("http", HttpRequestLine),
        "http.host" | "http_host" => req("http", HttpHost),
        "http.host.raw" | "http_raw_host" => req("http", HttpHostRaw),
        "http.user_agent" | "http_user_agent" => req("http", HttpUserAgent),
        "http.header" | "http_header" => both("http", HttpHeader, HttpResponseHeader),
        "http.header.raw" | "http_raw_header" => both("http", HttpHeaderRaw, HttpResponseHeaderRaw),
        "http.header_names" | "http_header_names" => {
            both("http", HttpHeaderNames, HttpResponseHeaderNames)
        }
        "http.request_header" => req("http", HttpRequestHeaderLine),
        "http.response_header" => resp("http", HttpResponseHeaderLine),
        "http.start" | "http_start" => both("http", HttpStart, HttpResponseStart),
        "http.connection" | "http_connection" => {
            both("http", HttpConnection, HttpConnectionResponse)
        }
        "http.accept_enc" | "http_accept_enc" => req("http", HttpAcceptEnc),
        "http.accept_lang" | "http_accept_lang" => req("http", HttpAcceptLang),
        "http.cookie" | "http_cookie" => both("http", HttpCookie, HttpResponseCookie),
        "http.request_body" | "http_client_body" => req("http", HttpRequestBody),
        "http.response_body" | "http_server_body" => resp("http", HttpResponseBody),
        "http.stat_code" | "http_stat_code" => resp("http", HttpStatCode),
        "http.stat_msg" | "http_stat_msg" => resp("http", HttpStatMsg),
        "http.response_line" | "http_response_line" => resp("http", HttpResponseLine),
        "http.content_type" | "http_content_type" => both("http", HttpContentType, HttpContentType),
        "http.content_len" | "http_content_len" => both("http", HttpContentLen, HttpContentLen),
        "http.referer" | "http_referer" => req("http", HttpReferer),
        "http.accept" | "http_accept" => req("http", HttpAccept),
        "http.server" | "http_server" => resp("http", HttpServer),
        "http.location" | "http_location" => resp("http", HttpLocation),
        "dns.query" | "dns_query" => req("dns", DnsQuery),
        // Suricata 8 reads the question section of requests and responses.
        "dns.queries.rrname" => both("dns", DnsQuery, DnsQueryInResponse),
        "dns.answer.name" | "dns.answers.rrname" => resp("dns", DnsAnswerName),
        "dns.response.rrname" => resp("dns", DnsResponseName),
        "tls.sni" | "tls_sni" => req("tls", TlsSni),
        "tls.cert_subject" | "tls_cert_subject" | "tls.subject" => resp("tls", TlsCertSubject),
        "tls.cert_issuer" | "tls_cert_issuer" | "tls.issuerdn" => resp("tls", TlsCertIssuer),
        "tls.cert_serial" | "tls_cert_serial" => resp("tls", TlsCertSerial),
        "tls.cert_fingerprint" | "tls_cert_fingerprint" => resp("tls", TlsCertFingerprint),
        "tls.certs" => resp("tls", TlsCerts),
        "ja3.hash" | "ja3_hash" => req("tls", Ja3Hash),
        "ja3.string" | "ja3_string" => req("tls", Ja3String),
        "ja3s.hash" => resp("tls", Ja3sHash),
        "ja3s.string" => resp("tls", Ja3sString),
        "ja4.hash" => req("tls", Ja4Hash),
        "tls.alpn" => both("tls", TlsAlpn, TlsServerAlpn),
        "tls.random" => both("tls", TlsRandom, TlsServerRandom),
        "tls.random_time" => both("tls", TlsRandomTime, TlsServerRandomTime),
        "tls.random_bytes" => both("tls", TlsRandomBytes, TlsServerRandomBytes),
        "tls.subjectaltname" => resp("tls", TlsSubjectAltName),
        "ssh.proto" | "ssh_proto" => both("ssh", SshProto, SshProtoServer),
        "ssh.software" | "ssh_software" => both("ssh", SshSoftware, SshSoftwareServer),
        "ssh.hassh" => req("ssh", SshHassh),
        "ssh.hassh.server" => resp("ssh", SshHasshServer),
        "ssh.hassh.string" => req("ssh", SshHasshString),
        "ssh.hassh.server.string" => resp("ssh", SshHasshServerString),
        "ftp.command" => req("ftp", FtpCommand),
        "ftp.command_data" => req("ftp", FtpCommandData),
        "ftp.reply" => resp("ftp", FtpReply),
        "ftp.completion_code" => resp("ftp", FtpCompletionCode),
        "smtp.helo" => req("smtp", SmtpHelo),
        "smtp.mail_from" => req("smtp", SmtpMailFrom),
        "smtp.rcpt_to" => req("smtp", SmtpRcptTo),
        "email.from" => req("smtp", EmailFrom),
        "email.to" => req("smtp", EmailTo),
        "email.cc" => req("smtp", EmailCc),
        "email.subject" => req("smtp", EmailSubject),
        "email.date" => req("smtp", EmailDate),
        "email.message_id" => req("smtp", EmailMessageId),
        "email.x_mailer" => req("smtp", EmailXMailer),
        "email.received" => req("smtp", EmailReceived),
        "email.url" => req("smtp", EmailUrl),
        "email.body_md5" => req("smtp", EmailBodyMd5),
        "file.data" | "file_data" => BufferDef {
            proto: None,
            to_server: Some(FileDataToServer),
            to_client: Some(FileData),
        },
        // Names of files by direction: uploads (HTTP request bodies and
        // multipart files, SMTP attachments, FTP STOR) and downloads (HTTP
        // response bodies, FTP RETR).
        "file.name" => BufferDef {
            proto: None,
            to_server: Some(FileName),
            to_client: Some(FileNameToClient),
        },
        "smb.share" | "smb_share" | "smb.named_pipe" | "smb_named_pipe" => req("smb", SmbShare),
        "smb.ntlmssp_user" => req("smb", SmbNtlmsspUser),
        "smb.ntlmssp_domain" => req("smb", SmbNtlmsspDomain),
        "dnp3_data" | "dnp3.data" => both("dnp3", Dnp3Data, Dnp3DataResponse),
        _ => return None,
    })
}

/// Legacy content modifiers (`content:"x"; http_uri;`) and the sticky
/// buffer each moves its content into.
pub fn legacy_modifier(name: &str) -> Option<BufferDef> {
    match name {
        "http_uri" | "http_raw_uri" | "http_method" | "http_header" | "http_raw_header"
        | "http_cookie" | "http_client_body" | "http_server_body" | "http_stat_code"
        | "http_stat_msg" | "http_user_agent" | "http_host" | "http_raw_host" => sticky(name),
        _ => None,
    }
}

/// The buffer a pcre flag letter names (`/x/U` → `http.uri`).
pub fn pcre_flag_buffer(flag: char) -> Option<BufferDef> {
    sticky(match flag {
        'U' => "http.uri",
        'I' => "http.uri.raw",
        'P' => "http.request_body",
        'Q' => "http.response_body",
        'H' => "http.header",
        'D' => "http.header.raw",
        'M' => "http.method",
        'C' => "http.cookie",
        'S' => "http.stat_code",
        'Y' => "http.stat_msg",
        'V' => "http.user_agent",
        'W' => "http.host",
        'Z' => "http.host.raw",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_agree() {
        assert_eq!(sticky("http_uri"), sticky("http.uri"));
        assert_eq!(sticky("dns_query"), sticky("dns.query"));
        assert_eq!(legacy_modifier("http_uri"), sticky("http.uri"));
        assert_eq!(legacy_modifier("http.uri"), None);
        assert_eq!(pcre_flag_buffer('U'), sticky("http.uri"));
        assert!(sticky("content").is_none());
    }

    #[test]
    fn http_protocol_is_inspected_both_ways() {
        let d = sticky("http_protocol").unwrap();
        assert_eq!(d.to_server, Some(Buffer::HttpProtocol));
        assert_eq!(d.to_client, Some(Buffer::HttpResponseProtocol));
    }
}
