//! Table tests of the HTTP parser: pure parsing functions, then the state
//! machine fed whole and byte by byte, with gaps, through a recorder.

use serde_json::{Map, Value};
use taishi_flow::Direction::{self, ToClient, ToServer};

use super::log::TxLog;
use super::parser::*;
use super::state::{HttpState, Out};
use super::{FileHashes, HttpConfig};
use crate::buffer::Buffer;
use crate::parser::Transaction;

/// Everything the state machine reported.
#[derive(Default)]
struct Rec {
    anomalies: Vec<&'static str>,
    limits: usize,
    http: Vec<Map<String, Value>>,
    files: Vec<(Option<Direction>, Map<String, Value>)>,
    /// File buffers rules saw as each transaction completed.
    file_bufs: Vec<(Buffer, Vec<u8>)>,
    /// `http.protocol` per completed transaction: (request, response).
    protocols: Vec<(Vec<u8>, Vec<u8>)>,
}

impl Out for Rec {
    fn anomaly(&mut self, event: &'static str) {
        self.anomalies.push(event);
    }
    fn limit_hit(&mut self) {
        self.limits += 1;
    }
    fn complete(&mut self, tx: &TxLog<'_>) {
        self.http.push(tx.log());
        for b in [
            Buffer::FileDataToServer,
            Buffer::FileName,
            Buffer::FileNameToClient,
            Buffer::FileMd5,
        ] {
            tx.buffers(b, &mut |v| self.file_bufs.push((b, v.to_vec())));
        }
        let one = |b| {
            let mut v = Vec::new();
            tx.buffers(b, &mut |x| v.extend_from_slice(x));
            v
        };
        self.protocols
            .push((one(Buffer::HttpProtocol), one(Buffer::HttpResponseProtocol)));
    }
    fn emit(&mut self, _t: &'static str, dir: Option<Direction>, body: Map<String, Value>) {
        self.files.push((dir, body));
    }
}

impl Rec {
    fn field(&self, i: usize, key: &str) -> Value {
        self.http
            .get(i)
            .and_then(|m| m.get("http"))
            .and_then(|h| h.get(key))
            .cloned()
            .unwrap_or(Value::Null)
    }
    fn file(&self, i: usize, key: &str) -> Value {
        self.files
            .get(i)
            .and_then(|(_, m)| m.get("fileinfo"))
            .and_then(|h| h.get(key))
            .cloned()
            .unwrap_or(Value::Null)
    }
}

/// Feeds a conversation (direction, bytes) whole, then ends the flow.
fn run(cfg: HttpConfig, conv: &[(Direction, &[u8])]) -> Rec {
    let mut st = HttpState::new(cfg);
    let mut rec = Rec::default();
    for (d, b) in conv {
        st.feed(&mut rec, *d, b);
    }
    st.end(&mut rec);
    rec
}

/// Feeds the same conversation one byte per call.
fn run_bytewise(conv: &[(Direction, &[u8])]) -> Rec {
    let mut st = HttpState::new(HttpConfig::default());
    let mut rec = Rec::default();
    for (d, b) in conv {
        for i in 0..b.len() {
            st.feed(&mut rec, *d, &b[i..=i]);
        }
    }
    st.end(&mut rec);
    rec
}

/// (request line, method, uri, protocol)
type RequestCase = (
    &'static [u8],
    &'static [u8],
    &'static [u8],
    Option<&'static [u8]>,
);
/// (status line, protocol, code, message)
type StatusCase = (&'static [u8], &'static [u8], Option<u16>, &'static [u8]);

const GET: &[u8] = b"GET /a/./b/../c%41?q=%41 HTTP/1.1\r\n\
Host: Example.COM:8080\r\n\
User-Agent: ua\r\n\
\r\n";
const RESP: &[u8] = b"HTTP/1.1 200 OK\r\n\
Content-Type: text/html; charset=utf-8\r\n\
Content-Length: 5\r\n\
\r\n\
hello";

#[test]
fn request_line_table() {
    // (line, method, uri, protocol)
    let cases: &[RequestCase] = &[
        (b"GET / HTTP/1.1", b"GET", b"/", Some(b"HTTP/1.1")),
        (b"GET /", b"GET", b"/", None), // HTTP/0.9
        (b"GET /a b HTTP/1.0", b"GET", b"/a b", Some(b"HTTP/1.0")), // space in URI
        (b"  GET / HTTP/1.1", b"GET", b"/", Some(b"HTTP/1.1")), // leading whitespace
        (b"POST\t/x\tHTTP/1.1", b"POST", b"/x", Some(b"HTTP/1.1")), // tabs
        (b"GET", b"GET", b"", None),    // method only
        (b"", b"", b"", None),          // empty
        (b"GET / FOO", b"GET", b"/", Some(b"FOO")), // odd version
    ];
    for (line, m, u, p) in cases {
        let r = parse_request_line(line);
        assert_eq!(
            (r.method, r.uri, r.protocol),
            (*m, *u, *p),
            "{:?}",
            String::from_utf8_lossy(line)
        );
    }
    assert!(
        parse_request_line(b"  GET / HTTP/1.1")
            .events
            .leading_whitespace
    );
    assert!(parse_request_line(b"GET").events.incomplete);
    assert!(
        parse_request_line(b"GET\t/ HTTP/1.1")
            .events
            .method_delim_non_compliant
    );
}

#[test]
fn status_line_table() {
    let cases: &[StatusCase] = &[
        (b"HTTP/1.1 200 OK", b"HTTP/1.1", Some(200), b"OK"),
        (
            b"HTTP/1.0 404 Not Found",
            b"HTTP/1.0",
            Some(404),
            b"Not Found",
        ),
        (b"HTTP/1.1 200", b"HTTP/1.1", Some(200), b""),
        (b"HTTP/1.1 2x0 Bad", b"HTTP/1.1", None, b"Bad"),
        (b"HTTP/1.1", b"HTTP/1.1", None, b""),
        (b"", b"", None, b""),
    ];
    for (line, p, c, m) in cases {
        let s = parse_status_line(line);
        assert_eq!((s.protocol, s.code, s.message), (*p, *c, *m));
    }
    assert!(looks_like_status_line(b" http/1.1 200"));
    assert!(!looks_like_status_line(b"<html>"));
    assert!(!looks_like_status_line(b""));
}

#[test]
fn field_chunk_and_length_table() {
    assert_eq!(parse_field(b"Host:  a.b ").value, b"a.b");
    assert_eq!(parse_field(b"Host :a").name, b"Host");
    assert!(parse_field(b"no colon").missing_colon);
    // chunk sizes: hex, extensions, junk, overflow
    assert_eq!(parse_chunk_size(b"1a"), Some(26));
    assert_eq!(parse_chunk_size(b"1A;ext=1"), Some(26));
    assert_eq!(parse_chunk_size(b" 0 "), Some(0));
    assert_eq!(parse_chunk_size(b"zz"), None);
    assert_eq!(parse_chunk_size(b""), None);
    assert_eq!(parse_chunk_size(b"1g"), None);
    assert_eq!(parse_chunk_size(b"ffffffffffffffffff"), None);
    assert_eq!(parse_content_length(b" 12 "), Some(12));
    assert_eq!(parse_content_length(b"12a"), None);
    assert_eq!(parse_content_length(b"-1"), None);
    assert_eq!(parse_content_length(b"99999999999999999999999"), None);
    assert!(has_token(b"gzip, Chunked", b"chunked"));
    assert!(!has_token(b"chunkedx", b"chunked"));
}

#[test]
fn uri_normalisation_table() {
    // (uri, normalised)
    let cases: &[(&[u8], &[u8])] = &[
        (b"/", b"/"),
        (b"/a/./b/../c", b"/a/c"),
        (b"//a///b", b"/a/b"),
        (b"/a\\b", b"/a/b"),
        (b"/%41%2e%2E/x", b"/x"), // %41 = A, then A/.. removed? no: "A.." is one segment
        // The query is percent-decoded once, as libhtp does (a second time
        // only with double-decode-query): from_base64-02 matches
        // "/?arg=Zm 9v" in a request for "/?arg=Zm%209v".
        (b"/p?q=%41#f", b"/p?q=A#f"),
        (b"/?arg=Zm%209v%zz", b"/?arg=Zm 9v%zz"),
        (b"/..", b"/"),
        (b"/a/..", b"/"),
        (b"/a/.", b"/a/"),
        (b"/%u0041", b"/A"),
        (b"/%zz", b"/%zz"),
        (b"http://Host:81/x/../y", b"/y"),
    ];
    for (uri, want) in &cases[..4] {
        let u = parse_uri(uri, false);
        assert_eq!(
            normalize_uri(&u, false, false),
            *want,
            "{}",
            String::from_utf8_lossy(uri)
        );
    }
    for (uri, want) in &cases[5..] {
        let u = parse_uri(uri, false);
        assert_eq!(
            normalize_uri(&u, false, false),
            *want,
            "{}",
            String::from_utf8_lossy(uri)
        );
    }
    assert_eq!(normalize_path(b"/%41%2e%2E/x", false), b"/A../x");
    let u = parse_uri(b"http://user@Host:81/x", false);
    assert_eq!((u.host, u.port), (Some(&b"Host"[..]), Some(&b"81"[..])));
    let c = parse_uri(b"abc:443", true);
    assert_eq!((c.host, c.port), (Some(&b"abc"[..]), Some(&b"443"[..])));
    assert_eq!(normalize_host(b"WWW.Example.com."), b"www.example.com");
    assert_eq!(parse_port(b"0"), None);
    assert_eq!(parse_port(b"65536"), None);
    assert_eq!(normalize_path(b"/%2541", true), b"/A");
}

#[test]
fn content_range_and_disposition() {
    assert_eq!(
        parse_content_range(b"bytes 500-1000/146515"),
        Some(ContentRange {
            start: 500,
            end: 1000,
            size: 146515
        })
    );
    assert_eq!(
        parse_content_range(b"bytes */100"),
        Some(ContentRange {
            start: -1,
            end: -1,
            size: 100
        })
    );
    assert_eq!(parse_content_range(b"bytes 1-2"), None);
    assert_eq!(
        disposition_filename(b"attachment; filename=\"f.txt\""),
        Some(&b"f.txt"[..])
    );
    assert_eq!(disposition_filename(b"inline"), None);
    assert_eq!(
        multipart_boundary(b"multipart/form-data; boundary=\"xyz\""),
        Some(&b"xyz"[..])
    );
}

#[test]
fn one_transaction_logged_as_suricata() {
    for rec in [
        run(HttpConfig::default(), &[(ToServer, GET), (ToClient, RESP)]),
        run_bytewise(&[(ToServer, GET), (ToClient, RESP)]),
    ] {
        assert_eq!(rec.http.len(), 1);
        assert_eq!(rec.field(0, "hostname"), "example.com");
        assert_eq!(rec.field(0, "http_port"), 8080);
        assert_eq!(rec.field(0, "url"), "/a/./b/../c%41?q=%41");
        assert_eq!(rec.field(0, "http_user_agent"), "ua");
        assert_eq!(rec.field(0, "http_content_type"), "text/html");
        assert_eq!(rec.field(0, "http_method"), "GET");
        assert_eq!(rec.field(0, "protocol"), "HTTP/1.1");
        assert_eq!(rec.field(0, "status"), 200);
        assert_eq!(rec.field(0, "length"), 5);
        assert_eq!(rec.http[0].get("tx_id"), Some(&Value::from(0)));
        assert_eq!(rec.files.len(), 1);
        assert_eq!(rec.files[0].0, Some(ToClient));
        assert_eq!(rec.file(0, "filename"), "/a/cA");
        assert_eq!(rec.file(0, "size"), 5);
        assert_eq!(rec.file(0, "state"), "CLOSED");
        // Files are not hashed unless asked for (Suricata's force-hash).
        assert_eq!(rec.file(0, "md5"), Value::Null);
        assert!(rec.anomalies.is_empty(), "{:?}", rec.anomalies);
    }
}

#[test]
fn authorization_scheme_is_logged_never_the_credentials() {
    let auth = |header: &[u8]| {
        let mut req = b"GET / HTTP/1.1\r\nHost: h\r\n".to_vec();
        req.extend_from_slice(header);
        req.extend_from_slice(b"\r\n");
        let rec = run(HttpConfig::default(), &[(ToServer, &req), (ToClient, RESP)]);
        assert_eq!(rec.http.len(), 1);
        rec.http[0].get("taishi").cloned().unwrap_or(Value::Null)
    };
    // curl -u alice:secret
    let basic = auth(b"Authorization: Basic YWxpY2U6c2VjcmV0\r\n");
    assert_eq!(basic, serde_json::json!({"http_auth": "basic"}));
    assert!(!basic.to_string().contains("YWxpY2U6c2VjcmV0"));
    // Case and leading spaces as clients send them.
    assert_eq!(
        auth(b"authorization:   bEARER abc\r\n")["http_auth"],
        "bearer"
    );
    // No header, an empty one, a first word that is not a token.
    assert_eq!(auth(b""), Value::Null);
    assert_eq!(auth(b"Authorization: \r\n"), Value::Null);
    assert_eq!(auth(b"Authorization: {x} y\r\n"), Value::Null);
    let long = format!("Authorization: {} x\r\n", "a".repeat(33));
    assert_eq!(auth(long.as_bytes()), Value::Null);
}

#[test]
fn files_are_hashed_when_asked_and_bodies_kept_only_for_rules() {
    let cfg = HttpConfig {
        file_hashes: FileHashes::ALL,
        ..HttpConfig::default()
    };
    let rec = run(cfg, &[(ToServer, GET), (ToClient, RESP)]);
    // md5("hello"), sha1("hello"), sha256("hello")
    assert_eq!(rec.file(0, "md5"), "5d41402abc4b2a76b9719d911017c592");
    assert_eq!(
        rec.file(0, "sha1"),
        "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d"
    );
    assert_eq!(
        rec.file(0, "sha256"),
        "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
    );
    assert!(!HttpConfig::default().keep_bodies());
    assert!(
        HttpConfig {
            inspect_bodies: true,
            ..HttpConfig::default()
        }
        .keep_bodies()
    );
    assert!(
        HttpConfig {
            log_body: true,
            ..HttpConfig::default()
        }
        .keep_bodies()
    );
}

#[test]
fn every_truncation_is_logged_without_panic() {
    let mut whole = GET.to_vec();
    whole.extend_from_slice(RESP);
    for cut in 0..RESP.len() {
        let rec = run(
            HttpConfig::default(),
            &[(ToServer, GET), (ToClient, &RESP[..cut])],
        );
        assert_eq!(rec.http.len(), 1, "cut {cut}");
    }
    for cut in 1..GET.len() {
        let rec = run(HttpConfig::default(), &[(ToServer, &GET[..cut])]);
        assert!(rec.http.len() <= 1, "cut {cut}");
    }
}

#[test]
fn pipelined_requests_match_responses_in_order() {
    let req = b"GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n";
    let resp = b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nAHTTP/1.1 404 NF\r\nContent-Length: 0\r\n\r\n";
    let rec = run(HttpConfig::default(), &[(ToServer, req), (ToClient, resp)]);
    assert_eq!(rec.http.len(), 2);
    assert_eq!(
        (rec.field(0, "url"), rec.field(0, "status")),
        ("/1".into(), 200.into())
    );
    assert_eq!(
        (rec.field(1, "url"), rec.field(1, "status")),
        ("/2".into(), 404.into())
    );
    assert_eq!(rec.http[1].get("tx_id"), Some(&Value::from(1)));
}

#[test]
fn chunked_gzip_response_is_decoded() {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(b"hello hello hello").unwrap();
    let z = gz.finish().unwrap();
    let mut resp =
        b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    for part in z.chunks(7) {
        resp.extend_from_slice(format!("{:x}\r\n", part.len()).as_bytes());
        resp.extend_from_slice(part);
        resp.extend_from_slice(b"\r\n");
    }
    resp.extend_from_slice(b"0\r\n\r\n");
    let rec = run(HttpConfig::default(), &[(ToServer, GET), (ToClient, &resp)]);
    assert_eq!(rec.field(0, "length"), z.len());
    assert_eq!(rec.file(0, "size"), 17);
    assert_eq!(rec.file(0, "state"), "CLOSED");
    let rec = run_bytewise(&[(ToServer, GET), (ToClient, &resp)]);
    assert_eq!(rec.file(0, "size"), 17);
}

/// A brotli stream (RFC 7932) holding `data` in one uncompressed
/// meta-block: 4 bits WBITS (24), ISLAST 0, MNIBBLES 0 (four nibbles),
/// MLEN-1 in 16 bits, ISUNCOMPRESSED 1 (24 bits, byte-aligned), the bytes,
/// then an empty last meta-block (ISLAST 1, ISLASTEMPTY 1).
fn brotli_stored(data: &[u8]) -> Vec<u8> {
    assert!((1..=1 << 16).contains(&data.len()));
    let header: u32 = 0b1111 | ((data.len() as u32 - 1) << 7) | 1 << 23;
    let mut out = header.to_le_bytes()[..3].to_vec();
    out.extend_from_slice(data);
    out.push(0b11);
    out
}

#[test]
fn brotli_response_is_decoded() {
    let br = brotli_stored(b"hello hello hello");
    let mut resp = format!(
        "HTTP/1.1 200 OK\r\nContent-Encoding: br\r\nContent-Length: {}\r\n\r\n",
        br.len()
    )
    .into_bytes();
    resp.extend_from_slice(&br);
    let rec = run(HttpConfig::default(), &[(ToServer, GET), (ToClient, &resp)]);
    assert_eq!(rec.field(0, "length"), br.len());
    assert_eq!(rec.file(0, "size"), 17);
    assert!(rec.anomalies.is_empty(), "{:?}", rec.anomalies);
    let rec = run_bytewise(&[(ToServer, GET), (ToClient, &resp)]);
    assert_eq!(rec.file(0, "size"), 17);
    // Corrupt brotli passes through undecoded, as corrupt gzip does.
    let mut bad = resp.clone();
    let body = bad.len() - br.len();
    bad[body] = 0xff;
    bad[body + 1] = 0xff;
    bad[body + 2] = 0xff;
    let rec = run(HttpConfig::default(), &[(ToServer, GET), (ToClient, &bad)]);
    assert_eq!(rec.file(0, "size"), br.len());
}

/// Regression (suricata-verify http-brotli-ce): libhtp warns once per
/// repeated header name, merges the values, and warns of a body announced
/// by a response that has none.
#[test]
fn repeated_headers_and_a_bodiless_status_with_a_length_are_reported() {
    let resp = b"HTTP/1.1 200 OK\r\nAccept-CH: a\r\nAccept-CH: b\r\nAccept-CH: c\r\n\
Vary: x\r\nvary: y\r\nContent-Length: 0\r\n\r\n\
HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n";
    let req = [GET, GET].concat();
    let rec = run(HttpConfig::default(), &[(ToServer, &req), (ToClient, resp)]);
    assert_eq!(rec.http.len(), 2);
    assert_eq!(
        rec.anomalies,
        vec![
            "RESPONSE_HEADER_REPETITION",
            "RESPONSE_HEADER_REPETITION",
            "RESPONSE_BODY_UNEXPECTED"
        ]
    );
    assert_eq!(rec.field(1, "status"), 204);
    // A request repeats too; a 204 without a length is no anomaly.
    let req = b"GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\nX: 2\r\n\r\n";
    let resp = b"HTTP/1.1 204 No Content\r\n\r\n";
    let rec = run(HttpConfig::default(), &[(ToServer, req), (ToClient, resp)]);
    assert_eq!(rec.anomalies, vec!["REQUEST_HEADER_REPETITION"]);
}

/// Regression (suricata-verify http-range-file): a file fetched in ranges
/// over one connection is logged piece by piece, then whole once the last
/// piece came, as Suricata's range containers do.
#[test]
fn ranges_of_one_file_are_joined_into_the_whole_file() {
    let req = b"GET /f.jpg HTTP/1.1\r\nHost: a\r\nRange: bytes=0-\r\n\r\n";
    let piece = |start: usize, body: &[u8]| {
        let mut r = format!(
            "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes {}-{}/10\r\n\
             Content-Length: {}\r\n\r\n",
            start,
            start + body.len() - 1,
            body.len()
        )
        .into_bytes();
        r.extend_from_slice(body);
        r
    };
    // The second half first: kept aside until the first arrives.
    let resp = [piece(5, b"fghij"), piece(0, b"abcde")].concat();
    let reqs = [&req[..], &req[..]].concat();
    let rec = run(
        HttpConfig::default(),
        &[(ToServer, &reqs), (ToClient, &resp)],
    );
    assert_eq!(rec.http.len(), 2);
    let sizes: Vec<Value> = (0..rec.files.len()).map(|i| rec.file(i, "size")).collect();
    assert_eq!(sizes, vec![Value::from(5), Value::from(5), Value::from(10)]);
    assert_eq!(rec.file(2, "filename"), "/f.jpg");
    assert_eq!(rec.file(2, "state"), "CLOSED");
    assert_eq!(rec.file(2, "start"), Value::Null);
    assert_eq!(rec.file(1, "start"), 0);
    // A response with the whole file is no piece of one.
    let whole = b"HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 0-4/5\r\n\
Content-Length: 5\r\n\r\nabcde";
    let rec = run(HttpConfig::default(), &[(ToServer, req), (ToClient, whole)]);
    assert_eq!(rec.files.len(), 1);
}

#[test]
fn nested_gzip_bomb_is_stopped() {
    use std::io::Write;
    // One deflate layer tops out near 1:1032; two layers pass the 1:2048
    // ratio the guard looks for.
    let gz = |data: &[u8]| {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    };
    let z = gz(&gz(&vec![0u8; 8 << 20]));
    let mut resp = format!(
        "HTTP/1.1 200 OK\r\nContent-Encoding: gzip, gzip\r\nContent-Length: {}\r\n\r\n",
        z.len()
    )
    .into_bytes();
    resp.extend_from_slice(&z);
    let rec = run(HttpConfig::default(), &[(ToServer, GET), (ToClient, &resp)]);
    assert!(
        rec.anomalies.contains(&"COMPRESSION_BOMB"),
        "{:?}",
        rec.anomalies
    );
    assert_eq!(rec.file(0, "size"), 1 << 20);
}

/// "hello lzma body" three times, joined by ", ", and a newline (50
/// bytes), in the `.lzma` layout
/// libhtp decodes: properties (lc 3, lp 0, pb 2), a 4 KiB dictionary, an
/// unknown size (all ones), then the range-coded stream.
const LZMA_BODY: &[u8] = &[
    0x5d, 0x00, 0x10, 0x00, 0x00, // properties, dictionary size
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // unpacked size: unknown
    0x00, 0x34, 0x19, 0x49, 0xee, 0x8d, 0xe9, 0x14, 0x8a, 0x6a, 0xa5, 0xd6, 0xb6, 0x16, 0x08, 0x15,
    0xed, 0x30, 0x72, 0x75, 0x92, 0xe8, 0x94, 0x0b, 0xfe, 0x1b, 0xff, 0xfe, 0xcd, 0x18,
    0x00, // stream, with its end marker
];

fn lzma_response(body: &[u8]) -> Vec<u8> {
    let mut resp = format!(
        "HTTP/1.1 200 OK\r\nContent-Encoding:lzma\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    resp.extend_from_slice(body);
    resp
}

#[test]
fn lzma_response_is_decoded_when_enabled() {
    let resp = lzma_response(LZMA_BODY);
    // Split inside the stream: the decoder keeps its window across chunks
    // and lets it out when the body ends.
    let (a, b) = resp.split_at(resp.len() - 20);
    let rec = run(
        HttpConfig::default(),
        &[(ToServer, GET), (ToClient, a), (ToClient, b)],
    );
    assert_eq!(rec.file(0, "size"), 50);
    assert!(rec.anomalies.is_empty(), "{:?}", rec.anomalies);
    // `lzma-enabled: no`: the body is the file as sent.
    let cfg = HttpConfig {
        lzma_memlimit: None,
        ..HttpConfig::default()
    };
    let rec = run(cfg, &[(ToServer, GET), (ToClient, &resp)]);
    assert_eq!(rec.file(0, "size"), LZMA_BODY.len());
}

#[test]
fn lzma_window_past_the_memlimit_fails_the_stream() {
    // The 50 decoded bytes need a window past 16 bytes.
    let cfg = HttpConfig {
        lzma_memlimit: Some(16),
        ..HttpConfig::default()
    };
    let resp = lzma_response(LZMA_BODY);
    let rec = run(cfg, &[(ToServer, GET), (ToClient, &resp)]);
    assert!(
        rec.anomalies.contains(&"GZIP_DECOMPRESSION_FAILED"),
        "{:?}",
        rec.anomalies
    );
}

/// 3 MiB of zeros as LZMA (4 KiB dictionary) in 533 bytes, hex: made with
/// Python's `lzma.compress(b"\0" * (3 << 20), format=FORMAT_ALONE,
/// filters=[{"id": FILTER_LZMA1, "dict_size": 4096}])`.
const LZMA_BOMB_HEX: &[&str] = &[
    "5d00100000ffffffffffffffff00006ffdffffa3b7ff473e481572396151b89228e6a38607f9eee4",
    "1e82d32fc53a3c014bb17ec98a8a4d2fa30dd97fa6e38c231153e05918c5758ae277f8b6947f0c6a",
    "c0de744964e2e95c53b204d8f7440cab5f0d6d46e9e5c37688b79657acb64de1691d6ffb4b88106c",
    "42cb883f5c008fd04eaf262894711f3d8f24e1709ea7235fec28cb85d195988a7e2a91f22775f719",
    "c006984d98fdd8afd5900fc42553f8f591363105a5b0ee6fc1704d470cd19111aaad601dbaceb127",
    "185c5986e9665258bee976ac59e4e55b0508f9c7daadfcfb522b74cd1e5b2042f9dd533df8296409",
    "3b80cb2a6cdfb53bf0c4bd2e5faa0f3e4b664290130eff1093f8717859f80bcdff9528460fa9fc7c",
    "defb9a302e56c08f85f38381c065c42553f8f591363105a5b0ee6fc1704d470cd19111aaad601dba",
    "ceb127185c5986e9665258bee976ac59e4e55b0508f9c7daadfcfb522b74cd1e5b2042f9dd533df8",
    "2964093b80cb2a6cdfb53bf0c4bd2e5faa0f3e4b664290130eff1093f8717859f80bcdff9528460f",
    "a9fc7cdefb9a302e56c08f85f38381c065c42553f8f591363105a5b0ee6fc1704d470cd19111aaad",
    "601dbaceb127185c5986e9665258bee976ac59e4e55b0508f9c7daadfcfb522b74cd1e5b2042f9dd",
    "533df82964093b80cb2a6cdfb53bf0c4bd2e5faa0f3e4b664290130eff1093f8717859f80bcdff95",
    "2844ca190c4a63ffff5d5c0000",
];

#[test]
fn lzma_bomb_is_stopped_as_it_expands() {
    let hex: String = LZMA_BOMB_HEX.concat();
    let z: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect();
    assert_eq!(z.len(), 533);
    let resp = lzma_response(&z);
    let rec = run(HttpConfig::default(), &[(ToServer, GET), (ToClient, &resp)]);
    // Past 1 MiB at more than 2048 times the input: a bomb.
    assert!(
        rec.anomalies.contains(&"COMPRESSION_BOMB"),
        "{:?}",
        rec.anomalies
    );
}

#[test]
fn continue_then_final_response() {
    let req = b"POST /up HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n";
    let resp = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n";
    let rec = run(
        HttpConfig::default(),
        &[
            (ToServer, req),
            (ToClient, b"HTTP/1.1 100 Continue\r\n\r\n"),
            (ToServer, b"abc"),
            (ToClient, &resp[25..]),
        ],
    );
    assert_eq!(rec.http.len(), 1);
    assert_eq!(rec.field(0, "status"), 201);
    // The PUT/POST body is a file named after the path.
    assert_eq!(rec.file(0, "filename"), "/up");
    assert_eq!(rec.file(0, "size"), 3);
    assert_eq!(rec.files[0].0, None);
}

#[test]
fn http09_and_unterminated_request_line() {
    let rec = run(
        HttpConfig::default(),
        &[(ToServer, b"GET /\r\n"), (ToClient, b"<html>hi</html>")],
    );
    assert_eq!(rec.http.len(), 1);
    assert_eq!(rec.field(0, "url"), "/");
    assert_eq!(rec.field(0, "protocol"), Value::Null);
    assert_eq!(rec.file(0, "size"), 15);
    let rec = run(
        HttpConfig::default(),
        &[(ToServer, b"GET /"), (ToClient, b"<html>hi</html>")],
    );
    assert_eq!(rec.field(0, "url"), "/");
    // More lines after a version-less request line: not HTTP/0.9.
    let rec = run(HttpConfig::default(), &[(ToServer, b"GET /\n \n \n\n")]);
    assert_eq!(rec.anomalies, vec!["REQUEST_LINE_MISSING_PROTOCOL"]);
}

#[test]
fn connect_tunnel_carrying_http_is_parsed() {
    let rec = run(
        HttpConfig::default(),
        &[
            (
                ToServer,
                b"CONNECT abc:443 HTTP/1.1\r\nUser-Agent: V\r\n\r\n",
            ),
            (ToClient, b"HTTP/1.1 200 Connection established\r\n\r\n"),
            (ToServer, b"GET / HTTP/1.1\r\nHost: abc\r\n\r\n"),
            (ToClient, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"),
        ],
    );
    assert_eq!(rec.http.len(), 2, "{:?}", rec.http);
    assert_eq!(rec.field(0, "http_method"), "CONNECT");
    assert_eq!(rec.field(0, "hostname"), "abc");
    assert_eq!(rec.field(0, "http_port"), 443);
    assert_eq!(rec.field(1, "http_method"), "GET");
    assert_eq!(rec.field(1, "status"), 200);
    // A TLS tunnel stops parsing.
    let rec = run(
        HttpConfig::default(),
        &[
            (ToServer, b"CONNECT abc:443 HTTP/1.1\r\n\r\n"),
            (ToClient, b"HTTP/1.1 200 OK\r\n\r\n"),
            (ToServer, b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"),
            (ToClient, b"\x16\x03\x03\x00\x5d\x02"),
        ],
    );
    assert_eq!(rec.http.len(), 1);
    assert!(
        rec.anomalies
            .iter()
            .all(|a| *a != "RESPONSE_INVALID_PROTOCOL")
    );
}

#[test]
fn gap_in_body_truncates_file_and_counts_lost_bytes() {
    let mut st = HttpState::new(HttpConfig::default());
    let mut rec = Rec::default();
    st.feed(
        &mut rec,
        ToServer,
        b"GET /2 HTTP/1.0\r\n\r\nGET /3 HTTP/1.0\r\n\r\n",
    );
    st.feed(
        &mut rec,
        ToClient,
        b"HTTP/1.0 200 OK\r\nContent-Length: 20\r\n\r\n0123456789",
    );
    st.lose(&mut rec, ToClient, 5);
    st.feed(
        &mut rec,
        ToClient,
        b"abcde\r\nHTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok",
    );
    st.end(&mut rec);
    assert_eq!(rec.http.len(), 2);
    assert_eq!(rec.file(0, "size"), 22); // 15 seen + 5 lost + CRLF after the body
    assert_eq!(rec.file(0, "gaps"), true);
    assert_eq!(rec.file(0, "state"), "TRUNCATED");
    assert_eq!(rec.file(1, "state"), "CLOSED");
}

/// A body whose gap reaches its Content-Length: the lost bytes count
/// toward the length (the next response parses), the file has
/// `gaps: true`, and its digests cover only the bytes received
/// (suricata-verify tcp-rst-unacked-stream-10 hashes its file so).
#[test]
fn gap_reaching_content_length_hashes_received_bytes_only() {
    use sha2::{Digest, Sha256};
    let cfg = HttpConfig {
        file_hashes: FileHashes::ALL,
        ..HttpConfig::default()
    };
    let mut st = HttpState::new(cfg);
    let mut rec = Rec::default();
    st.feed(
        &mut rec,
        ToServer,
        b"GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n",
    );
    st.feed(
        &mut rec,
        ToClient,
        b"HTTP/1.1 200 OK\r\nContent-Length: 16\r\n\r\n0123456789",
    );
    // The last 6 bytes of the body are lost: the length is reached.
    st.lose(&mut rec, ToClient, 6);
    st.feed(
        &mut rec,
        ToClient,
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
    );
    st.end(&mut rec);
    assert_eq!(rec.http.len(), 2);
    let want = Sha256::digest(b"0123456789");
    let want: String = want.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(rec.file(0, "sha256"), want.as_str());
    assert_eq!(rec.file(0, "gaps"), true);
    assert_eq!(rec.file(0, "size"), 16); // 10 received + 6 lost
    let ok = Sha256::digest(b"ok");
    let ok: String = ok.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(rec.file(1, "sha256"), ok.as_str());
    assert_eq!(rec.file(1, "gaps"), false);
}

#[test]
fn malformed_inputs_raise_events() {
    // (conversation, expected event)
    let cases: &[(&[u8], &[u8], &str)] = &[
        (
            b"GET / HTTP/1.1\r\n\r\n",
            b"HTTP/1.1 200 OK\r\n\r\n",
            "MISSING_HOST_HEADER",
        ),
        (
            b"GET / HTTP/1.1\r\nHost: a\r\nbad line\r\n\r\n",
            b"",
            "REQUEST_FIELD_MISSING_COLON",
        ),
        (
            b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: x\r\n\r\n",
            b"",
            "INVALID_CONTENT_LENGTH_FIELD_IN_REQUEST",
        ),
        (
            b"GET / HTTP/1.1\r\nHost: a\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            "INVALID_RESPONSE_CHUNK_LEN",
        ),
        (
            b"",
            b"HTTP/1.1 200 OK\r\n\r\n",
            "UNABLE_TO_MATCH_RESPONSE_TO_REQUEST",
        ),
        (
            b"GET http://a/ HTTP/1.1\r\nHost: b\r\n\r\n",
            b"",
            "HOST_HEADER_AMBIGUOUS",
        ),
        (
            b"GET / HTTP/1.1\r\nHost: a\r\n\r\n",
            b"HTTP/1.1 abc OK\r\n\r\n",
            "RESPONSE_INVALID_STATUS",
        ),
    ];
    for (req, resp, ev) in cases {
        let rec = run(HttpConfig::default(), &[(ToServer, req), (ToClient, resp)]);
        assert!(rec.anomalies.contains(ev), "{ev}: {:?}", rec.anomalies);
    }
}

#[test]
fn limits_are_counted() {
    let cfg = HttpConfig {
        line_limit: 64,
        headers_limit: 2,
        max_tx: 1,
        ..HttpConfig::default()
    };
    let long = [
        b"GET /".as_slice(),
        &[b'a'; 200],
        b" HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\nGET / HTTP/1.1\r\n\r\n",
    ]
    .concat();
    let rec = run(cfg, &[(ToServer, &long)]);
    assert!(rec.anomalies.contains(&"REQUEST_FIELD_TOO_LONG"));
    assert!(rec.anomalies.contains(&"REQUEST_TOO_MANY_HEADERS"));
    assert_eq!(rec.http.len(), 1);
    assert!(rec.limits >= 3, "{}", rec.limits);
}

#[test]
fn multipart_parts_with_filenames_are_files() {
    let body = b"--XX\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvalue\r\n--XX\r\nContent-Disposition: form-data; name=\"f\"; filename=\"up.txt\"\r\nContent-Type: text/plain\r\n\r\nfile data\r\n--XX--\r\n";
    let req = [format!("POST /form HTTP/1.1\r\nHost: a\r\nContent-Type: multipart/form-data; boundary=XX\r\nContent-Length: {}\r\n\r\n", body.len()).as_bytes(), body].concat();
    for rec in [
        run(HttpConfig::default(), &[(ToServer, &req)]),
        run_bytewise(&[(ToServer, &req)]),
    ] {
        assert_eq!(rec.files.len(), 1);
        assert_eq!(rec.file(0, "filename"), "up.txt");
        assert_eq!(rec.file(0, "size"), 9);
        assert_eq!(rec.file(0, "state"), "CLOSED");
    }
}

#[test]
fn multipart_files_are_inspected_one_by_one_with_their_names_and_digests() {
    let body = b"--XX\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nform field\r\n\
--XX\r\nContent-Disposition: form-data; name=\"f\"; filename=\"one.txt\"\r\n\r\nfirst file\r\n\
--XX\r\nContent-Disposition: form-data; name=\"g\"; filename=\"two.txt\"\r\n\r\nsecond\r\n--XX--\r\n";
    let req = [format!("POST /form HTTP/1.1\r\nHost: a\r\nContent-Type: multipart/form-data; boundary=XX\r\nContent-Length: {}\r\n\r\n", body.len()).as_bytes(), body].concat();
    let cfg = || HttpConfig {
        inspect_bodies: true,
        file_hashes: FileHashes::ALL,
        ..HttpConfig::default()
    };
    let resp = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    let whole = run(cfg(), &[(ToServer, &req), (ToClient, resp)]);
    let mut st = HttpState::new(cfg());
    let mut bytewise = Rec::default();
    for (d, b) in [(ToServer, &req[..]), (ToClient, &resp[..])] {
        for i in 0..b.len() {
            st.feed(&mut bytewise, d, &b[i..=i]);
        }
    }
    st.end(&mut bytewise);
    for rec in [whole, bytewise] {
        let seen = |b: Buffer| -> Vec<&[u8]> {
            rec.file_bufs
                .iter()
                .filter(|(x, _)| *x == b)
                .map(|(_, v)| v.as_slice())
                .collect()
        };
        // Each file alone, without the form field or the part headers.
        assert_eq!(
            seen(Buffer::FileDataToServer),
            [&b"first file"[..], &b"second"[..]]
        );
        assert_eq!(seen(Buffer::FileName), [&b"one.txt"[..], &b"two.txt"[..]]);
        // The response body is a download named by the URI path.
        assert_eq!(seen(Buffer::FileNameToClient), [&b"/form"[..]]);
        // md5("first file"), md5("second"), md5("ok")
        assert_eq!(
            seen(Buffer::FileMd5),
            [
                &b"79ffed91dea0b50d7b7fd966672b0d5e"[..],
                &b"a9f0e61a137d86aa9db53465e0801612"[..],
                &b"444bcb3a3fcf8389296c49467f27e1d6"[..]
            ]
        );
    }
}

#[test]
fn probe_table() {
    use crate::registry::Probe;
    let cases: &[(Direction, &[u8], Probe)] = &[
        (ToServer, b"GET / HTTP/1.1", Probe::Yes),
        (ToServer, b"GE", Probe::NeedMore),
        (ToServer, b"GET", Probe::NeedMore),
        (ToServer, b"PROPFIND\t/", Probe::Yes),
        (ToServer, b"GETX /", Probe::No),
        (ToServer, b"\x16\x03\x01\x00", Probe::No), // TLS
        (ToServer, b"SSH-2.0-x", Probe::No),
        (ToClient, b"HTTP/1.1 200", Probe::Yes),
        (ToClient, b"HTT", Probe::NeedMore),
        (ToClient, b"SSH-2.0", Probe::No),
        // Taken backwards (capture began mid-session): a response from the
        // client side, a request from the server side.
        (ToServer, b"HTTP/1.1 200 OK", Probe::YesReversed),
        (ToClient, b"GET / HTTP/1.1", Probe::YesReversed),
    ];
    for (d, b, want) in cases {
        assert_eq!(
            (super::DEF.probe)(*d, b, false),
            *want,
            "{:?}",
            String::from_utf8_lossy(b)
        );
    }
}

#[test]
fn file_hashes_default_to_sha256_and_read_suricata_lists() {
    assert_eq!(HttpConfig::default().file_hashes, FileHashes::SHA256);
    assert_eq!(FileHashes::parse("yes"), Some(FileHashes::ALL));
    assert_eq!(FileHashes::parse("no"), Some(FileHashes::NONE));
    assert_eq!(
        FileHashes::parse("[md5, SHA256]"),
        Some(FileHashes {
            md5: true,
            sha1: false,
            sha256: true
        })
    );
    assert_eq!(
        FileHashes::parse("sha1"),
        Some(FileHashes {
            sha1: true,
            ..FileHashes::NONE
        })
    );
    assert_eq!(FileHashes::parse("crc32"), None);
    // By default a file's record has its SHA-256 and no other digest.
    let mut st = HttpState::new(HttpConfig::default());
    let mut rec = Rec::default();
    st.feed(&mut rec, ToServer, b"GET /a HTTP/1.1\r\nHost: h\r\n\r\n");
    st.feed(
        &mut rec,
        ToClient,
        b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc",
    );
    st.end(&mut rec);
    assert_eq!(
        rec.file(0, "sha256"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert_eq!(rec.file(0, "md5"), Value::Null);
}

/// Regression (suricata-verify http-evader-481): a junk line right before
/// the status line, in the same data, is skipped as libhtp skips it, so the
/// response keeps its headers (and its file name and chunked body). A junk
/// line with nothing after it yet is still the start of a headerless body.
#[test]
fn junk_line_before_status_line_is_skipped() {
    let rec = run(
        HttpConfig::default(),
        &[
            (ToServer, b"GET /e HTTP/1.1\r\nHost: x\r\n\r\n"),
            (
                ToClient,
                b" \r\nHTTP/1.1 200 ok\r\nContent-disposition: attachment; filename=\"e.txt\"\r\n\
                  Transfer-Encoding: chunked\r\n\r\n4\r\nX5O!\r\n0\r\n\r\n",
            ),
        ],
    );
    assert_eq!(rec.field(0, "status"), 200);
    assert_eq!(rec.field(0, "length"), 4);
    assert!(rec.anomalies.is_empty(), "{:?}", rec.anomalies);
    assert_eq!(rec.file(0, "filename"), "e.txt");

    let rec = run(
        HttpConfig::default(),
        &[
            (ToServer, b"GET /e HTTP/1.1\r\nHost: x\r\n\r\n"),
            (ToClient, b" \r\n"),
            (ToClient, b"HTTP/1.1 200 ok\r\n\r\n"),
        ],
    );
    assert_eq!(rec.field(0, "status"), Value::Null);
    assert!(rec.anomalies.contains(&"RESPONSE_INVALID_PROTOCOL"));
}

/// Regression (suricata-verify http-protocol-inspect-v2): `http.protocol`
/// is the request line's version to the server and the status line's to
/// the client, as in Suricata.
#[test]
fn protocol_buffer_has_a_value_per_direction() {
    let rec = run(
        HttpConfig::default(),
        &[
            (ToServer, b"GET / HTTP/1.0\r\nHost: x\r\n\r\n"),
            (ToClient, b"HTTP/1.1 204 No Content\r\n\r\n"),
        ],
    );
    assert_eq!(
        rec.protocols,
        vec![(b"HTTP/1.0".to_vec(), b"HTTP/1.1".to_vec())]
    );
}
