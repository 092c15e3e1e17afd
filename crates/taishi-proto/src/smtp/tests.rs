//! Annotated-bytes tests: parser pieces, then whole conversations through
//! the state machine.

use super::hash::{self, Md5, Sha1, Sha256};
use super::mime::{Mime, MimeConfig};
use super::parser::{self, B64, Verb};

#[test]
fn hashes_match_known_vectors() {
    let cases: &[(&[u8], &str, &str, &str)] = &[
        (
            b"",
            "d41d8cd98f00b204e9800998ecf8427e",
            "da39a3ee5e6b4b0d3255bfef95601890afd80709",
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        ),
        (
            b"abc",
            "900150983cd24fb0d6963f7d28e17f72",
            "a9993e364706816aba3e25717850c26c9cd0d89d",
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        ),
    ];
    for (input, md5, sha1, sha256) in cases {
        let mut m = Md5::new();
        m.update(input);
        assert_eq!(hash::hex(&m.finish()), *md5);
        let mut s = Sha1::new();
        s.update(input);
        assert_eq!(hash::hex(&s.finish()), *sha1);
        let mut s = Sha256::new();
        s.update(input);
        assert_eq!(hash::hex(&s.finish()), *sha256);
    }
    // Split feeding equals one-shot, across block boundaries.
    let data: Vec<u8> = (0..1000u32).map(|i| i as u8).collect();
    let mut a = Sha256::new();
    a.update(&data);
    let mut b = Sha256::new();
    for c in data.chunks(37) {
        b.update(c);
    }
    assert_eq!(a.finish(), b.finish());
}

#[test]
fn lines_and_verbs() {
    assert_eq!(
        parser::split_line(b"EHLO x\r\nMAIL"),
        Some((&b"EHLO x"[..], 8))
    );
    assert_eq!(parser::split_line(b"EHLO x\nM"), Some((&b"EHLO x"[..], 7)));
    assert_eq!(parser::split_line(b"EHLO x"), None);
    let table: &[(&[u8], Verb)] = &[
        (b"ehlo client", Verb::Helo),
        (b"HELO client", Verb::Helo),
        (b"MAIL FROM:<a@b>", Verb::MailFrom),
        (b"rcpt to:<a@b>", Verb::RcptTo),
        (b"DATA", Verb::Data),
        (b"BDAT 10 LAST", Verb::Bdat),
        (b"STARTTLS", Verb::StartTls),
        (b"AUTH LOGIN", Verb::Auth),
        (b"RSET", Verb::Rset),
        (b"QUIT", Verb::Quit),
        (b"NOOP", Verb::Other),
        (b"", Verb::Other),
    ];
    for (line, v) in table {
        assert_eq!(
            parser::verb(line),
            *v,
            "{:?}",
            String::from_utf8_lossy(line)
        );
    }
    // MAIL FROM: the separator byte, spaces, then up to a space (SIZE=).
    assert_eq!(parser::param(b"MAIL FROM:<a@b> SIZE=10", 9), b"<a@b>");
    assert_eq!(parser::param(b"MAIL FROM: <a@b>", 9), b"<a@b>");
    assert_eq!(parser::param(b"RCPT TO:<c@d>", 7), b"<c@d>");
    assert_eq!(parser::param(b"EHLO", 4), b"");
    assert_eq!(parser::param(b"EHLO client.example", 4), b"client.example");
}

type BdatCase = (&'static [u8], Option<(u64, bool)>);

#[test]
fn bdat_arguments() {
    let table: &[BdatCase] = &[
        (b"BDAT 64", Some((64, false))),
        (b"BDAT 154 LAST", Some((154, true))),
        (b"bdat 0 last", Some((0, true))),
        (b"BDAT 5 X", None),      // unknown token
        (b"BDAT", None),          // no size
        (b"BDAT x", None),        // not digits
        (b"BDAT 1 LAST x", None), // trailing junk
        (b"BDAT 99999999999999999999", None),
    ];
    for (line, want) in table {
        assert_eq!(
            parser::bdat_args(line),
            *want,
            "{:?}",
            String::from_utf8_lossy(line)
        );
    }
}

#[test]
fn replies() {
    let r = parser::reply(b"250-PIPELINING").unwrap();
    assert_eq!((r.code, r.more, r.text), (250, true, &b"PIPELINING"[..]));
    let r = parser::reply(b"354 go ahead").unwrap();
    assert_eq!((r.code, r.more), (354, false));
    assert!(parser::reply(b"250").is_some()); // code alone
    assert!(parser::reply(b"25").is_none()); // truncated
    assert!(parser::reply(b"402 4.5.2 Error").is_none()); // unknown code
    assert!(parser::reply(b"abc def").is_none());
}

#[test]
fn mime_helpers() {
    let mut got = Vec::new();
    parser::split_addresses(b"\"jam,abra\" <m@a.ch>, b@c", &mut |a| got.push(a.to_vec()));
    assert_eq!(
        got,
        vec![b"\"jam,abra\" <m@a.ch>".to_vec(), b"b@c".to_vec()]
    );
    let mut params = Vec::new();
    parser::header_params(b"attachment; filename=\"a b.txt\"; size=3", &mut |n, v| {
        params.push((n.to_vec(), v.to_vec()))
    });
    assert_eq!(
        params,
        vec![
            (b"filename".to_vec(), b"a b.txt".to_vec()),
            (b"size".to_vec(), b"3".to_vec())
        ]
    );
    let mut out = Vec::new();
    let mut b = B64::default();
    assert!(b.decode(b"aGVs", &mut out));
    assert!(b.decode(b"bG8=", &mut out));
    assert_eq!(out, b"hello");
    let mut out = Vec::new();
    assert_eq!(parser::qp_decode(b"a=3Db=", &mut out), (true, true));
    assert_eq!(out, b"a=b");
    let mut out = Vec::new();
    assert!(!parser::qp_decode(b"a=3db", &mut out).0); // lower-case hex
    let mut urls = Vec::new();
    parser::find_urls(
        b"see http://x.org/a and HTTP://y.org>",
        b"http://",
        &mut |u| urls.push(u.to_vec()),
    );
    assert_eq!(
        urls,
        vec![b"http://x.org/a".to_vec(), b"HTTP://y.org".to_vec()]
    );
}

fn feed(m: &mut Mime, cfg: &MimeConfig, text: &[u8]) {
    m.bytes(cfg, text);
    m.finish(cfg);
}

#[test]
fn multipart_attachment_is_decoded_and_hashed() {
    let cfg = MimeConfig::default();
    let mut m = Mime::new(&cfg);
    let msg = b"From: a@b\r\n\
To: x@y, \"q, r\" <z@w>\r\n\
Content-Type: multipart/mixed; boundary=\"XX\"\r\n\
\r\n\
--XX\r\n\
Content-Type: text/plain\r\n\
\r\n\
body http://example.com/p\r\n\
--XX\r\n\
Content-Type: application/octet-stream; name=\"f.bin\"\r\n\
Content-Transfer-Encoding: base64\r\n\
\r\n\
aGVsbG8=\r\n\
--XX--\r\n";
    feed(&mut m, &cfg, msg);
    assert_eq!(m.header(b"from"), Some(&b"a@b"[..]));
    assert_eq!(m.attachments, vec![b"f.bin".to_vec()]);
    assert_eq!(m.urls, vec![b"example.com/p".to_vec()]);
    assert_eq!(m.done_files.len(), 1);
    let f = &m.done_files[0];
    assert_eq!(
        (f.size, f.closed, f.head.as_slice()),
        (5, true, &b"hello"[..])
    );
}

#[test]
fn plain_attachment_leaves_the_boundary_crlf_out() {
    let cfg = MimeConfig::default();
    let mut m = Mime::new(&cfg);
    let msg = b"Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\n\
Content-Disposition: attachment; filename=t.txt\r\n\r\nline1\r\nline2\r\n--B--\r\n";
    feed(&mut m, &cfg, msg);
    assert_eq!(m.done_files[0].head, b"line1\r\nline2");
}

/// An encapsulated message (`message/rfc822`) is parsed as a message: its
/// own headers name its attachment, and the enclosing entity's name and
/// transfer encoding (base64, not allowed there) do not apply.
#[test]
fn encapsulated_message_names_its_own_attachment() {
    let cfg = MimeConfig::default();
    let mut m = Mime::new(&cfg);
    let msg = b"From: a@b\r\n\
Content-Type: message/rfc822\r\n\
Content-Transfer-Encoding: base64\r\n\
Content-Disposition: attachment; filename=\"innocent.txt\"\r\n\
\r\n\
From: c@d\r\n\
Content-Type: application/octet-stream\r\n\
Content-Disposition: attachment; filename=\"malware.exe\"\r\n\
\r\n\
PAYLOAD\r\n";
    feed(&mut m, &cfg, msg);
    // The main headers stay the outer message's.
    assert_eq!(m.header(b"from"), Some(&b"a@b"[..]));
    assert_eq!(m.attachments, vec![b"malware.exe".to_vec()]);
    assert_eq!(m.done_files.len(), 1);
    let f = &m.done_files[0];
    assert_eq!(f.name, b"malware.exe");
    assert_eq!((f.closed, f.head.as_slice()), (true, &b"PAYLOAD"[..]));
}

#[test]
fn long_filename_is_cut_and_flagged() {
    let cfg = MimeConfig::default();
    let mut m = Mime::new(&cfg);
    let name = "n".repeat(300);
    let msg = format!(
        "Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\n\
Content-Disposition: attachment; filename=\"{name}\"\r\n\r\nx\r\n--B--\r\n"
    );
    feed(&mut m, &cfg, msg.as_bytes());
    assert_eq!(m.attachments[0].len(), super::MAX_FILENAME_LEN);
    assert_ne!(m.anomalies & super::mime::anom::LONG_FILENAME, 0);
}

#[test]
fn every_truncation_of_a_message_is_safe() {
    let cfg = MimeConfig::default();
    let msg = b"Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\n\
Content-Type: a/b; name=q.bin\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nA=3D=\r\nB\r\n--B--\r\n";
    for cut in 0..msg.len() {
        let mut m = Mime::new(&cfg);
        // Bytes split at every point, as BDAT chunks might.
        m.bytes(&cfg, &msg[..cut]);
        m.bytes(&cfg, &msg[cut..]);
        m.finish(&cfg);
        assert_eq!(m.done_files.len(), 1, "cut {cut}");
        assert_eq!(m.done_files[0].head, b"A=B", "cut {cut}");
    }
}

#[test]
fn probe_verdicts() {
    use crate::registry::Probe;
    use taishi_flow::Direction::{ToClient, ToServer};
    let p = |d, b: &[u8]| (super::DEF.probe)(d, b, false);
    assert_eq!(p(ToServer, b"EHLO x\r\n"), Probe::Yes);
    assert_eq!(p(ToServer, b"helo\r\n"), Probe::Yes);
    assert_eq!(p(ToServer, b"EH"), Probe::NeedMore);
    assert_eq!(p(ToServer, b"EHLOX"), Probe::No);
    assert_eq!(p(ToServer, b"GET / HTTP/1.1"), Probe::No);
    assert_eq!(p(ToClient, b"220 mx ESMTP Postfix\r\n"), Probe::Yes);
    assert_eq!(p(ToClient, b"220 ftp ready\r\n"), Probe::NeedMore);
    assert_eq!(p(ToClient, b"SSH-2.0"), Probe::No);
}
