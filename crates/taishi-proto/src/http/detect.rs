//! The buffers an HTTP transaction offers the rule engine, as Suricata's
//! HTTP sticky buffers define them.

use std::cell::OnceCell;

use super::HttpConfig;
use super::body::swf_decompress;
use super::state::{Header, Tx};
use crate::buffer::Buffer;
use taishi_flow::Direction;

/// The buffers that are rebuilt from the header fields (`http.header`,
/// `http.header_names`, `http.start`, each way), built on first use: the
/// rule engine reads a buffer once to prefilter and again for each
/// candidate rule that inspects it.
#[derive(Default)]
pub struct Built {
    header: OnceCell<Option<Vec<u8>>>,
    response_header: OnceCell<Option<Vec<u8>>>,
    header_names: OnceCell<Option<Vec<u8>>>,
    response_header_names: OnceCell<Option<Vec<u8>>>,
    start: OnceCell<Option<Vec<u8>>>,
    response_start: OnceCell<Option<Vec<u8>>>,
}

/// Calls `f` with each value of `buffer` for this transaction, taking the
/// rebuilt buffers from `built` (or building them there).
pub fn buffers(tx: &Tx, cfg: &HttpConfig, built: &Built, buffer: Buffer, f: &mut dyn FnMut(&[u8])) {
    let mut opt = |v: Option<&[u8]>| {
        if let Some(v) = v {
            f(v);
        }
    };
    match buffer {
        Buffer::HttpUri => opt(tx.uri_norm.as_deref()),
        Buffer::HttpUriRaw => opt(tx.uri.as_deref()),
        Buffer::HttpMethod => opt(tx.method.as_deref()),
        Buffer::HttpProtocol => opt(tx.protocol.as_deref()),
        Buffer::HttpResponseProtocol => opt(tx.resp_protocol.as_deref()),
        Buffer::HttpRequestLine => opt(tx.request_line.as_deref()),
        Buffer::HttpHost => opt(tx.host.as_deref()),
        Buffer::HttpHostRaw => opt(tx.host_raw.as_deref()),
        Buffer::HttpUserAgent => opt(tx.req_header("user-agent")),
        Buffer::HttpHeader => opt(built
            .header
            .get_or_init(|| normalized(&tx.req_headers, b"cookie"))
            .as_deref()),
        Buffer::HttpResponseHeader => opt(built
            .response_header
            .get_or_init(|| normalized(&tx.resp_headers, b"set-cookie"))
            .as_deref()),
        Buffer::HttpHeaderRaw => opt(nonempty(&tx.req_headers_raw)),
        Buffer::HttpResponseHeaderRaw => opt(nonempty(&tx.resp_headers_raw)),
        Buffer::HttpHeaderNames => opt(built
            .header_names
            .get_or_init(|| names(&tx.req_headers))
            .as_deref()),
        Buffer::HttpResponseHeaderNames => opt(built
            .response_header_names
            .get_or_init(|| names(&tx.resp_headers))
            .as_deref()),
        Buffer::HttpRequestHeaderLine => lines(&tx.req_headers, f),
        Buffer::HttpResponseHeaderLine => lines(&tx.resp_headers, f),
        Buffer::HttpStart => opt(built
            .start
            .get_or_init(|| start(tx.request_line.as_deref(), &tx.req_headers))
            .as_deref()),
        Buffer::HttpResponseStart => opt(built
            .response_start
            .get_or_init(|| start(tx.response_line.as_deref(), &tx.resp_headers))
            .as_deref()),
        Buffer::HttpConnection => opt(tx.req_header("connection")),
        Buffer::HttpConnectionResponse => opt(tx.resp_header("connection")),
        Buffer::HttpAcceptEnc => opt(tx.req_header("accept-encoding")),
        Buffer::HttpAcceptLang => opt(tx.req_header("accept-language")),
        Buffer::HttpCookie => opt(tx.req_header("cookie")),
        Buffer::HttpResponseCookie => opt(tx.resp_header("set-cookie")),
        Buffer::HttpRequestBody => opt(nonempty(&tx.req_body)),
        Buffer::HttpResponseBody => opt(nonempty(&tx.resp_body)),
        Buffer::HttpStatCode => opt(tx.status_raw.as_deref()),
        Buffer::HttpStatMsg => opt(tx.status_msg.as_deref()),
        Buffer::HttpResponseLine => opt(tx.response_line.as_deref()),
        Buffer::HttpContentType => {
            opt(tx.req_header("content-type"));
            opt(tx.resp_header("content-type"));
        }
        Buffer::HttpContentLen => {
            opt(tx.req_header("content-length"));
            opt(tx.resp_header("content-length"));
        }
        Buffer::HttpReferer => opt(tx.req_header("referer")),
        Buffer::HttpAccept => opt(tx.req_header("accept")),
        Buffer::HttpServer => opt(tx.resp_header("server")),
        Buffer::HttpLocation => opt(tx.resp_header("location")),
        Buffer::FileDataToServer => file_data_to_server(tx, f),
        Buffer::FileName => tx.file_names(Direction::ToServer, f),
        Buffer::FileNameToClient => tx.file_names(Direction::ToClient, f),
        Buffer::FileMd5 => digests(tx, 0, f),
        Buffer::FileSha1 => digests(tx, 1, f),
        Buffer::FileSha256 => digests(tx, 2, f),
        Buffer::FileData => {
            if cfg.swf.0
                && let Some(swf) = swf_decompress(
                    &tx.resp_body,
                    cfg.swf_compress_depth,
                    cfg.swf_decompress_depth,
                )
            {
                f(&swf);
            } else {
                opt(nonempty(&tx.resp_body));
            }
        }
        _ => {}
    }
}

/// `file.data` of a request: each file of a multipart form alone (the
/// bytes of it the body limit kept), else the body.
fn file_data_to_server(tx: &Tx, f: &mut dyn FnMut(&[u8])) {
    if tx.file_spans.is_empty() {
        if let Some(b) = nonempty(&tx.req_body) {
            f(b);
        }
        return;
    }
    let len = tx.req_body.len();
    for span in &tx.file_spans {
        let start = usize::try_from(span.start).unwrap_or(usize::MAX).min(len);
        let end = usize::try_from(span.end).unwrap_or(usize::MAX).min(len);
        if let Some(part) = tx.req_body.get(start..end).filter(|p| !p.is_empty()) {
            f(part);
        }
    }
}

/// The lower-case hex digest `i` (md5, sha1, sha256) of each closed file
/// that was hashed (`filemd5` and kin compare them).
fn digests(tx: &Tx, i: usize, f: &mut dyn FnMut(&[u8])) {
    for (_, done) in &tx.files {
        if let Some(h) = done.digests.get(i).and_then(Option::as_ref) {
            f(h.as_bytes());
        }
    }
}

/// `http.request_header` / `http.response_header`: one `Name: value`
/// per header field, without line end.
fn lines(hs: &[Header], f: &mut dyn FnMut(&[u8])) {
    let mut line = Vec::new();
    for h in hs {
        line.clear();
        line.extend_from_slice(&h.name);
        line.extend_from_slice(b": ");
        line.extend_from_slice(&h.value);
        f(&line);
    }
}

/// `http.start`: the first line, each header field as `Name: value\r\n`
/// and the empty line, as Suricata rebuilds it (cookies included).
fn start(first: Option<&[u8]>, hs: &[Header]) -> Option<Vec<u8>> {
    let first = first?;
    let mut out = first.to_vec();
    out.extend_from_slice(b"\r\n");
    for h in hs {
        out.extend_from_slice(&h.name);
        out.extend_from_slice(b": ");
        out.extend_from_slice(&h.value);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    Some(out)
}

fn nonempty(v: &[u8]) -> Option<&[u8]> {
    (!v.is_empty()).then_some(v)
}

/// `Name: value\r\n` per field, without the cookie field (Suricata keeps
/// cookies for `http.cookie` only).
fn normalized(hs: &[Header], skip: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    for h in hs.iter().filter(|h| !h.name.eq_ignore_ascii_case(skip)) {
        out.extend_from_slice(&h.name);
        out.extend_from_slice(b": ");
        out.extend_from_slice(&h.value);
        out.extend_from_slice(b"\r\n");
    }
    (!out.is_empty()).then_some(out)
}

/// `\r\nName1\r\nName2\r\n\r\n`, Suricata's `http.header_names` layout.
fn names(hs: &[Header]) -> Option<Vec<u8>> {
    if hs.is_empty() {
        return None;
    }
    let mut out = b"\r\n".to_vec();
    for h in hs {
        out.extend_from_slice(&h.name);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    Some(out)
}
