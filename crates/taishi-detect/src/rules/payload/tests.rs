//! Unit tests of the payload keywords, many from the examples and tricky
//! cases of Suricata's documentation and unit tests.

use super::*;

/// Builds a list from `(keyword, value)` pairs, as the compiler would.
fn list(opts: &[(&str, Option<&str>)]) -> Result<BufferMatch, KeywordError> {
    let mut bm = BufferMatch::default();
    let mut vars = ByteVars::default();
    for (k, v) in opts {
        match bm.apply(k, *v, &mut vars)? {
            Applied::NotPayload => panic!("{k} should be a payload keyword"),
            Applied::Done | Applied::PcreBuffer(_) => {}
        }
    }
    bm.finish()?;
    Ok(bm)
}

/// Parses `kw:value; kw;` option text (values without `;` inside).
fn rule(text: &str) -> Result<BufferMatch, KeywordError> {
    let opts: Vec<(String, Option<String>)> = text
        .split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|o| match o.split_once(':') {
            Some((k, v)) => (k.trim().to_string(), Some(v.trim().to_string())),
            None => (o.to_string(), None),
        })
        .collect();
    let refs: Vec<(&str, Option<&str>)> = opts
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_deref()))
        .collect();
    list(&refs)
}

fn hit(text: &str, buf: &[u8]) -> bool {
    let bm = rule(text).unwrap_or_else(|e| panic!("{text}: {e}"));
    bm.inspect(buf, &mut InspectEnv::default())
}

#[test]
fn content_basic() {
    assert!(hit(r#"content:"abc""#, b"xxabcxx"));
    assert!(!hit(r#"content:"abd""#, b"xxabcxx"));
}

fn err(text: &str) -> KeywordError {
    match rule(text) {
        Ok(bm) => panic!("{text}: expected an error, got {bm:?}"),
        Err(e) => e,
    }
}

fn first_content(bm: &BufferMatch) -> &Content {
    match &bm.ops[0] {
        PayloadOp::Content(c) => c,
        op => panic!("not a content: {op:?}"),
    }
}

// ---------------------------------------------------------------- content

#[test]
fn content_hex_and_escapes() {
    let c = |v: &str| {
        first_content(&rule(&format!("content:{v}")).unwrap())
            .pattern
            .clone()
    };
    assert_eq!(c(r#""a|0D|bc""#), b"a\rbc");
    assert_eq!(c(r#""|61 0D 62 63|""#), b"a\rbc");
    assert_eq!(c(r#""a|0D|b|63|""#), b"a\rbc");
    assert_eq!(c(r#""|610d|""#), b"a\r");
    assert_eq!(c(r#""http|3A|//""#), b"http://");
    assert_eq!(c(r#""a\"b\:c\\d""#), b"a\"b:c\\d");
    // `;` cannot appear in the rule splitter here; the parser takes it.
    assert_eq!(
        Content::parse(r#""x\;y""#).unwrap().pattern,
        b"x;y".to_vec()
    );
    assert!(
        Content::parse(r#""a\nb""#).is_err(),
        "only \\\" \\; \\: \\\\ escape"
    );
    assert!(Content::parse(r#""|4|""#).is_err(), "odd hex digits");
    assert!(Content::parse(r#""|4G|""#).is_err(), "bad hex digit");
    assert!(Content::parse(r#""|41""#).is_err(), "unterminated hex");
    assert!(Content::parse(r#""""#).is_err(), "empty");
    let n = Content::parse(r#"!"abc""#).unwrap();
    assert!(n.negated && n.pattern == b"abc");
    let n = Content::parse(r#"! "abc""#).unwrap();
    assert!(n.negated);
    // Content longer than 255 bytes is fine.
    let long = "x".repeat(300);
    assert!(hit(
        &format!(r#"content:"{long}""#),
        format!("a{long}b").as_bytes()
    ));
}

#[test]
fn nocase() {
    assert!(hit(r#"content:"ABC"; nocase"#, b"xxabcxx"));
    assert!(hit(r#"content:"abc"; nocase"#, b"xxAbCxx"));
    assert!(!hit(r#"content:"ABC""#, b"xxabcxx"));
    assert!(
        err(r#"content:"a"; nocase; nocase"#)
            .message
            .contains("twice")
    );
    // nocase with distance/within
    let r = r#"content:"GET"; nocase; content:"HOST|3a|"; nocase; distance:0; within:20"#;
    assert!(hit(r, b"get / HTTP/1.1\r\nHost: x"));
    assert!(!hit(r, b"get / HTTP/1.1\r\nUser-Agent: foo\r\nHost: x"));
}

#[test]
fn modifiers_need_content() {
    for m in [
        "nocase",
        "depth:3",
        "offset:1",
        "distance:0",
        "within:3",
        "startswith",
        "endswith",
        "rawbytes",
        "fast_pattern",
    ] {
        let e = err(m);
        assert!(e.message.contains("preceding content"), "{m}: {e}");
    }
}

#[test]
fn depth_offset() {
    // docs: content:"def"; offset:3; depth:3; checks bytes 3..6
    assert!(hit(r#"content:"def"; offset:3; depth:3"#, b"abcdefgh"));
    assert!(!hit(r#"content:"def"; offset:3; depth:3"#, b"abcxdefg"));
    // order does not matter: depth counts from offset
    assert!(hit(r#"content:"def"; depth:3; offset:3"#, b"abcdefgh"));
    assert!(!hit(r#"content:"def"; depth:3; offset:3"#, b"abcxdefg"));
    assert!(hit(r#"content:"abc"; depth:3"#, b"abcdef"));
    assert!(!hit(r#"content:"bcd"; depth:3"#, b"abcdef"));
    assert!(!hit(r#"content:"abc"; offset:1"#, b"abcdef"));
    assert!(
        err(r#"content:"abcd"; depth:3"#)
            .message
            .contains("smaller")
    );
    assert!(
        err(r#"content:"a"; depth:3; depth:4"#)
            .message
            .contains("twice")
    );
    assert!(err(r#"content:"a"; depth:-1"#).keyword == "depth");
    // absolute and relative on the same content are an error
    assert!(err(r#"content:"a"; content:"b"; distance:1; depth:3"#).keyword == "depth");
    assert!(err(r#"content:"a"; content:"b"; offset:1; within:3"#).keyword == "within");
}

#[test]
fn distance_within() {
    assert!(!hit(r#"content:"a"; content:"b"; distance:1"#, b"ab"));
    assert!(hit(r#"content:"a"; content:"b"; distance:1"#, b"axb"));
    assert!(hit(r#"content:"a"; content:"b"; distance:1"#, b"axxxxxxb"));
    assert!(hit(r#"content:"a"; content:"b"; within:2"#, b"axb"));
    assert!(!hit(r#"content:"a"; content:"b"; within:2"#, b"axxb"));
    // within counts from distance: window [end+2, end+5)
    let r = r#"content:"a"; content:"bcd"; distance:2; within:3"#;
    assert!(hit(r, b"axxbcd"));
    assert!(!hit(r, b"axbcd"));
    assert!(!hit(r, b"axxxbcd"));
    // a later relative failure retries the earlier content at its next occurrence
    assert!(hit(r#"content:"a"; content:"b"; within:2"#, b"axxxab"));
    // three-level chain with backtracking in the middle
    let r = r#"content:"a"; content:"b"; distance:0; content:"c"; within:1"#;
    assert!(hit(r, b"abxbc"));
    assert!(!hit(r, b"abxbxc"));
    // negative distance (docs: Firefox example)
    let ff = r#"content:"User-Agent|3A| Mozilla/5.0 |28|Windows|3B| "; content:"Firefox/3."; distance:0; content:!"Firefox/3.6.13"; distance:-10"#;
    assert!(hit(
        ff,
        b"User-Agent: Mozilla/5.0 (Windows; U) Firefox/3.5.1\r\n"
    ));
    assert!(!hit(
        ff,
        b"User-Agent: Mozilla/5.0 (Windows; U) Firefox/3.6.13\r\n"
    ));
    assert!(
        err(r#"content:"abc"; content:"d"; within:0"#)
            .message
            .contains("0")
    );
    assert!(
        err(r#"content:"a"; content:"bcd"; within:2"#)
            .message
            .contains("less than")
    );
    assert!(err(r#"content:"a"; content:"b"; distance:2000000"#).keyword == "distance");
    // relative on the first content: relative to the buffer start
    assert!(hit(r#"content:"ab"; within:2"#, b"abc"));
    assert!(!hit(r#"content:"bc"; within:2"#, b"abc"));
}

#[test]
fn negated_relative_window() {
    // content:!"b"; distance:0; within:5 means "no b in that window"
    let r = r#"content:"a"; content:!"b"; distance:0; within:5"#;
    assert!(hit(r, b"axxxxxb"));
    assert!(!hit(r, b"axxbxx"));
    // the first a fails, a later one with an empty window succeeds (Suricata)
    assert!(hit(r, b"axbxxa"));
    assert!(hit(r, b"a"));
    // plain negated content
    assert!(hit(r#"content:!"evil""#, b"good"));
    assert!(!hit(r#"content:!"evil""#, b"very evil"));
    assert!(hit(r#"content:"x"; content:!"evil""#, b"x good"));
    // negated with depth
    assert!(hit(r#"content:!"evil"; depth:4"#, b"xxevil"));
    assert!(!hit(r#"content:!"evil"; depth:4"#, b"evilxx"));
}

#[test]
fn startswith_endswith() {
    assert!(hit(r#"content:"GET "; startswith"#, b"GET / HTTP/1.1"));
    assert!(!hit(r#"content:"GET "; startswith"#, b"xGET / HTTP/1.1"));
    assert!(hit(r#"content:".php"; endswith"#, b"/a.php"));
    assert!(!hit(r#"content:".php"; endswith"#, b"/a.phpx"));
    assert!(hit(r#"content:".php"; endswith"#, b"/a.php.php"));
    assert!(hit(r#"content:"abc"; startswith; endswith"#, b"abc"));
    assert!(!hit(r#"content:"abc"; startswith; endswith"#, b"abcabc"));
    assert!(hit(
        r#"content:"a"; content:"c"; distance:0; endswith"#,
        b"abcc"
    ));
    // negated endswith: "does not end with"
    assert!(hit(r#"content:!".php"; endswith"#, b"/a.php.x"));
    assert!(!hit(r#"content:!".php"; endswith"#, b"/x.php"));
    assert!(hit(r#"content:!".php"; endswith"#, b"/x.html"));
    for bad in [
        r#"content:"a"; startswith; offset:1"#,
        r#"content:"a"; startswith; depth:3"#,
        r#"content:"a"; offset:1; startswith"#,
        r#"content:"a"; content:"b"; distance:0; startswith"#,
        r#"content:"a"; content:"b"; startswith; within:3"#,
        r#"content:"a"; startswith; startswith"#,
    ] {
        assert!(rule(bad).is_err(), "{bad}");
    }
}

// --------------------------------------------------------------- isdataat

#[test]
fn isdataat_docs_table() {
    // docs: 32-byte payload
    let p32 = [b'x'; 32];
    assert!(hit("isdataat:31", &p32));
    assert!(!hit("isdataat:32", &p32));
    assert!(hit("isdataat:31,relative", &p32));
    assert!(hit("isdataat:32,relative", &p32));
    assert!(!hit("isdataat:33,relative", &p32));
    // docs: "abcdefgh"
    let p = b"abcdefgh";
    assert!(hit("isdataat:7", p));
    assert!(!hit("isdataat:8", p));
    assert!(hit("isdataat:7,relative", p));
    assert!(hit("isdataat:8,relative", p));
    assert!(!hit("isdataat:9,relative", p));
    assert!(hit(r#"content:"c"; isdataat:4,relative"#, p));
    assert!(hit(r#"content:"c"; isdataat:5,relative"#, p));
    assert!(!hit(r#"content:"c"; isdataat:6,relative"#, p));
    // negation
    assert!(hit("isdataat:!8", p));
    assert!(!hit("isdataat:!7", p));
    assert!(hit(r#"content:"h"; isdataat:!1,relative"#, p));
    assert!(!hit(r#"content:"g"; isdataat:!1,relative"#, p));
    // `isdataat:!1,relative` after a content is that content's endswith
    let bm = rule(r#"content:"h"; isdataat:!1,relative"#).unwrap();
    assert!(first_content(&bm).endswith && bm.ops.len() == 1);
    let bm = rule(r#"content:!".php"; isdataat:!1,relative"#).unwrap();
    assert!(first_content(&bm).endswith);
    assert!(hit(r#"content:!".php"; isdataat:!1,relative"#, b"/a.php.x"));
    assert!(!hit(r#"content:!".php"; isdataat:!1,relative"#, b"/a.php"));
    // not after a byte keyword
    assert_eq!(
        rule(r#"content:"a"; byte_jump:1,0,relative; isdataat:!1,relative"#)
            .unwrap()
            .ops
            .len(),
        3
    );
    // a relative isdataat failing retries the earlier content
    assert!(hit(r#"content:"a"; isdataat:!1,relative"#, b"abca"));
    assert!(hit("isdataat:3,rawbytes", p));
    assert!(rule("isdataat:70000").is_err());
    assert!(rule("isdataat:1,bogus").is_err());
    assert!(rule("isdataat:nosuchvar").is_err());
}

// ------------------------------------------------------------------- pcre

#[test]
fn pcre_basic_and_flags() {
    assert!(hit(r#"pcre:"/ab+c/""#, b"xabbbc"));
    assert!(!hit(r#"pcre:"/ABC/""#, b"abc"));
    assert!(hit(r#"pcre:"/ABC/i""#, b"abc"));
    assert!(hit(r#"pcre:"/a.c/s""#, b"a\nc"));
    assert!(!hit(r#"pcre:"/a.c/""#, b"a\nc"));
    assert!(hit(r#"pcre:"/^b$/m""#, b"a\nb\nc"));
    assert!(!hit(r#"pcre:"/^b$/""#, b"a\nb\nc"));
    assert!(hit(r#"pcre:"/a b c/x""#, b"abc"));
    assert!(hit(r#"pcre:!"/evil/""#, b"good"));
    assert!(!hit(r#"pcre:!"/evil/""#, b"evil"));
    // A: anchored at the start of the subject
    assert!(!hit(r#"pcre:"/bc/A""#, b"abc"));
    assert!(hit(r#"pcre:"/bc/A""#, b"bcx"));
    // binary bytes, no UTF check
    assert!(hit(r#"pcre:"/\xff\x00/""#, b"a\xff\x00b"));
    assert!(rule(r#"pcre:"/a/E""#).unwrap_err().unsupported);
    assert!(rule(r#"pcre:"/a/q""#).is_err());
    assert!(rule(r#"pcre:"/a(/""#).is_err());
    assert!(rule(r#"pcre:"a""#).is_err());
    assert!(rule(r#"pcre:"/a/UI""#).is_err());
    assert!(rule(r#"pcre:"/a/BO""#).is_ok());
    // capture names after the flags (flow and packet variables)
    let bm = rule(r#"pcre:"/^(.*)\/(\d+\.\d+)/VG, flow:key,flow:value""#);
    assert!(bm.is_ok());
    assert!(rule(r#"pcre:"/(a)/, bogus""#).is_err());
    // the host buffer is lowercase: uppercase can never match
    assert!(rule(r#"pcre:"/Example/W""#).is_err());
    assert!(rule(r#"pcre:"/Example/Wi""#).is_ok());
    assert!(rule(r#"pcre:"/ex\Smple/W""#).is_ok());
}

#[test]
fn pcre_match_limit_is_no_match() {
    // Catastrophic backtracking: Suricata's match limit stops it, and a
    // search that hits the limit does not match, negated or not.
    let mut buf = vec![b'a'; 24];
    buf.push(b'X');
    assert!(!hit(r#"pcre:"/^(a|aa)+$/""#, &buf));
    assert!(!hit(r#"pcre:!"/^(a|aa)+$/""#, &buf));
    // `O` takes the configured limits, which are Suricata's defaults
    assert!(!hit(r#"pcre:!"/^(a|aa)+$/O""#, &buf));
    // short subjects stay under the limit
    assert!(hit(r#"pcre:!"/^(a|aa)+$/""#, b"aaaaX"));
}

#[test]
fn pcre_buffer_letters() {
    for l in "UIPQHDMCSYVWZ".chars() {
        let mut bm = BufferMatch::default();
        let r = bm.apply(
            "pcre",
            Some(&format!("\"/a/{l}i\"")),
            &mut ByteVars::default(),
        );
        assert_eq!(r, Ok(Applied::PcreBuffer(l)));
        let op = bm.take_last().expect("pcre taken");
        assert!(bm.is_empty());
        let mut uri = BufferMatch::default();
        uri.push(op);
        uri.finish().unwrap();
        assert!(uri.inspect(b"xAx", &mut InspectEnv::default()));
    }
}

#[test]
fn pcre_relative() {
    // R matches from the end of the previous match; ^ anchors there
    assert!(hit(r#"content:"foo"; pcre:"/^bar/R""#, b"foobar"));
    assert!(!hit(r#"content:"foo"; pcre:"/^bar/R""#, b"fooxbar"));
    assert!(hit(r#"content:"foo"; pcre:"/bar/R""#, b"fooxbar"));
    assert!(!hit(r#"content:"foo"; pcre:"/bar/R""#, b"barfoo"));
    // the content retries when the relative pcre fails
    assert!(hit(r#"content:"foo"; pcre:"/^bar/R""#, b"foo x foobar"));
    // a pcre sets the position for later relative keywords
    assert!(hit(r#"pcre:"/a+/"; content:"b"; within:1"#, b"aaab"));
    // and retries when they fail: first "a." leaves "x", the second "b"
    assert!(hit(r#"pcre:"/a./"; content:"b"; within:1"#, b"axxacb"));
    // G (ungreedy): the match ends at the first b
    let r = r#"pcre:"/a.+b/G"; content:"xb"; distance:0; within:2"#;
    assert!(hit(r, b"axbxb"));
    let r = r#"pcre:"/a.+b/"; content:"xb"; distance:0; within:2"#;
    assert!(!hit(r, b"axbxb"));
    // isdataat after pcre
    assert!(hit(r#"pcre:"/abc/"; isdataat:!1,relative"#, b"xxabc"));
    assert!(!hit(r#"pcre:"/abc/"; isdataat:!1,relative"#, b"xxabcd"));
}

// ------------------------------------------------------------- byte_test

#[test]
fn byte_test_docs_examples() {
    let p = b"\x00\x01\x00\x02\x00\x03\x00\x04";
    assert!(hit(r#"content:"|00 01 00 02|"; byte_test:2,=,0x01,0"#, p));
    assert!(hit(
        r#"content:"|00 01 00 02|"; byte_test:2,=,0x03,0,relative"#,
        p
    ));
    assert!(hit(r#"content:"|00 01 00 02|"; byte_test:2,!=,0x06,0"#, p));
    assert!(!hit(r#"content:"|00 01 00 02|"; byte_test:2,!=,0x01,0"#, p));
    assert!(hit(r#"content:"|00 01 00 02|"; byte_test:2,!,0x06,0"#, p));
    assert!(!hit(
        r#"content:"|00 01 00 02|"; byte_test:2,>,1000,1,relative"#,
        p
    ));
    assert!(hit(
        r#"content:"|00 01 00 02|"; byte_test:2,&,0x04,2,relative"#,
        p
    ));
    assert!(!hit(
        r#"content:"|00 01 00 02|"; byte_test:2,&,0x01,2,relative"#,
        p
    ));
    assert!(hit(
        r#"content:"foobar"; byte_test:4,=,1337,1,relative,string,dec"#,
        b"foobar 1337"
    ));
}

#[test]
fn byte_test_operators_and_forms() {
    let p = b"\x01\x02";
    let t = |spec: &str| hit(&format!("byte_test:{spec}"), p);
    assert!(t("2,=,258,0"));
    assert!(t("2,=,513,0,little"));
    assert!(t("2,<,259,0") && !t("2,<,258,0"));
    assert!(t("2,>,257,0") && !t("2,>,258,0"));
    assert!(t("2,<=,258,0") && !t("2,<=,257,0"));
    assert!(t("2,>=,258,0") && !t("2,>=,259,0"));
    assert!(t("2,&,2,0") && !t("2,&,4,0"));
    assert!(t("2,^,4,0") && !t("2,^,258,0"));
    assert!(t("2,!<,258,0"));
    assert!(t("1,=,1,0") && t("1,=,2,1"));
    // out of the buffer: no match
    assert!(!t("2,=,0,1") && !t("4,>,0,0") && !t("1,=,1,-1"));
    // bitmask: AND, then shift right by the mask's trailing zeros
    assert!(t("2,=,1,0,bitmask 0x0100"));
    assert!(t("2,=,0x02,0,bitmask 0x00ff"));
    // strings, as strtoull reads them
    assert!(hit("byte_test:2,=,255,0,string,hex", b"ff"));
    assert!(hit("byte_test:4,=,255,0,string,hex", b"0xff"));
    assert!(hit("byte_test:2,=,15,0,string,oct", b"17"));
    assert!(hit("byte_test:3,=,12,0,string,dec", b"12x"));
    assert!(hit("byte_test:3,=,12,0,string,dec", b" 12"));
    assert!(!hit("byte_test:3,=,0,0,string,dec", b"abc"));
    assert!(hit("byte_test:3,=,12,0,string", b"012"));
    // 0 bytes as a string: the digits there are (ET Open uses it)
    assert!(hit("byte_test:0,=,1234,1,string,dec", b"x1234;5"));
    assert!(!hit("byte_test:0,=,0,0,string,dec", b"x"));
    // errors
    for bad in [
        "2,=,1",
        "9,=,1,0",
        "24,=,1,0,string",
        "2,~,1,0",
        "2,=,1,0,dce", // unsupported, not invalid
        "2,=,1,0,bogus",
        "2,=,1,0,hex",
        "2,=,nosuch,0",
    ] {
        assert!(rule(&format!("byte_test:{bad}")).is_err(), "{bad}");
    }
}

#[test]
fn byte_test_relative_retries_content() {
    assert!(hit(
        r#"content:"a"; byte_test:1,=,0x42,0,relative"#,
        b"aXaB"
    ));
    assert!(!hit(
        r#"content:"a"; byte_test:1,=,0x42,0,relative"#,
        b"aXaC"
    ));
}

#[test]
fn strtoull_like_c() {
    use super::bytes::strtoull;
    assert_eq!(strtoull(b"123", 10), Some((123, 3)));
    assert_eq!(strtoull(b"  42z", 10), Some((42, 4)));
    assert_eq!(strtoull(b"-1", 10), Some((u64::MAX, 2)));
    assert_eq!(strtoull(b"0x1F", 16), Some((31, 4)));
    assert_eq!(strtoull(b"0xg", 16), Some((0, 1)));
    assert_eq!(strtoull(b"xyz", 10), Some((0, 0)));
    assert_eq!(strtoull(b"1\x002", 10), Some((1, 1)));
    assert_eq!(strtoull(b"99999999999999999999999", 10), None);
}

// ------------------------------------------------------------- byte_jump

#[test]
fn byte_jump_docs_examples() {
    // two jumps then a relative content
    let mut p = b"\x00\x02\xAA\xBB\x00\x01\xCCfoobar".to_vec();
    let r = r#"byte_jump:2,0; byte_jump:2,0,relative; content:"foobar"; distance:0; within:6"#;
    assert!(hit(r, &p));
    p[5] = 2;
    assert!(!hit(r, &p));
    // from the end, 8 bytes back
    let r =
        r#"byte_jump:0,0,from_end,post_offset -8; content:"|6c 33 33 74|"; distance:0; within:4"#;
    assert!(hit(r, b"xxxxxxl33txxxx"));
    assert!(!hit(r, b"xxxxxl33txxxxx"));
}

#[test]
fn byte_jump_options() {
    // value 3 * multiplier 2 = 6 after the 1 byte read: lands at 7
    assert!(hit(
        r#"byte_jump:1,0,multiplier 2; content:"Z"; within:1"#,
        b"\x03abcdefZ"
    ));
    // align rounds 1 up to 4: 1 + 4 = 5
    assert!(hit(
        r#"byte_jump:1,0,align; content:"Z"; within:1"#,
        b"\x01abcdZ"
    ));
    // from_beginning: jump to index 2
    assert!(hit(
        r#"byte_jump:1,3,from_beginning; content:"Z"; within:1"#,
        b"abZ\x02"
    ));
    // string number
    assert!(hit(
        r#"byte_jump:2,0,string,dec; content:"Z"; within:1"#,
        b"03abcZ"
    ));
    // little endian
    assert!(hit(
        r#"byte_jump:2,0,little; content:"Z"; within:1"#,
        b"\x01\x00xZ"
    ));
    // 0 bytes: jump by post_offset alone
    assert!(hit(
        r#"content:"abc"; byte_jump:0,0,relative,post_offset -2; content:"bc"; within:2"#,
        b"xabc"
    ));
    // jumping exactly to the end is allowed; past it is not
    assert!(hit("byte_jump:1,0; isdataat:!1,relative", b"\x02ab"));
    assert!(!hit("byte_jump:1,0", b"\x03ab"));
    // negative post_offset before the start clamps to the start
    assert!(hit(
        r#"byte_jump:1,1,post_offset -10; content:"a"; within:1"#,
        b"a\x00"
    ));
    for bad in [
        "2",
        "9,0",
        "2,0,dce",
        "2,0,from_beginning,from_end",
        "2,0,multiplier 0",
    ] {
        assert!(rule(&format!("byte_jump:{bad}")).is_err(), "{bad}");
    }
}

// ------------------------------------------------- byte_extract, byte_math

#[test]
fn byte_extract_used_later() {
    // docs: content:"Alice"; byte_extract:2,0,size; content:"Bob"; distance:size; within:3;
    let r = r#"content:"Alice"; byte_extract:2,0,size; content:"Bob"; distance:size; within:3"#;
    assert!(hit(r, b"\x00\x05AliceBob"));
    assert!(!hit(r, b"\x00\x04AliceBob"));
    // docs: within:len
    let r = r#"content:"|00 FF|"; byte_extract:1,0,len,relative; content:"|5c 00|"; distance:2; within:len"#;
    assert!(hit(r, b"\x00\xff\x04xx\x5c\x00"));
    assert!(!hit(r, b"\x00\xff\x02xxxx\x5c\x00"));
    // docs: compared by byte_test
    let r = r#"content:"|00 FF|"; byte_extract:2,0,cmp_ver,relative; content:"FooBar"; distance:0; byte_test:2,=,cmp_ver,0"#;
    assert!(hit(r, b"\x00\xff\x00\xffFooBar"));
    assert!(!hit(r, b"\x00\xff\x00\x01FooBar"));
    // depth and offset from a variable; isdataat from a variable
    assert!(hit(
        r#"byte_extract:1,0,d; content:"x"; depth:d"#,
        b"\x03ax"
    ));
    assert!(!hit(
        r#"byte_extract:1,0,d; content:"x"; depth:d"#,
        b"\x02ax"
    ));
    assert!(hit(
        r#"byte_extract:1,0,o; content:"x"; offset:o"#,
        b"\x03axx"
    ));
    assert!(!hit(
        r#"byte_extract:1,0,o; content:"x"; offset:o"#,
        b"\x03xx"
    ));
    assert!(hit("byte_extract:1,0,n; isdataat:n", b"\x02ab"));
    assert!(!hit("byte_extract:1,0,n; isdataat:n", b"\x03ab"));
    // string, multiplier, align
    let mut env = InspectEnv::default();
    let bm = rule("byte_extract:2,0,v,string,hex,multiplier 3,align 4").unwrap();
    assert!(bm.inspect(b"0a", &mut env));
    assert_eq!(env.var(0), Some(32));
    // unknown variable, duplicate name, bad options
    assert!(rule(r#"content:"a"; depth:nosuch"#).is_err());
    assert!(rule("byte_extract:1,0,v; byte_extract:1,1,v").is_err());
    assert!(rule("byte_extract:1,0,v,align 3").is_err());
    assert!(rule("byte_extract:9,0,v").is_err());
    assert!(rule("byte_extract:1,0,v,dce").unwrap_err().unsupported);
}

#[test]
fn byte_math() {
    // docs: byte_extract then byte_math with the variable as rvalue
    let r = "byte_extract:1,0,x; byte_math:bytes 1, offset 1, oper +, rvalue x, result y; byte_test:1,=,y,2";
    assert!(hit(r, b"\x03\x04\x07"));
    assert!(!hit(r, b"\x03\x04\x08"));
    let m = |oper: &str, rv: u32, want: u64| {
        let r = format!("byte_math:bytes 1, offset 0, oper {oper}, rvalue {rv}, result v");
        let bm = rule(&r).unwrap();
        let mut env = InspectEnv::default();
        let ok = bm.inspect(b"\x0c", &mut env);
        (ok, env.var(0)) == (true, Some(want))
    };
    assert!(m("+", 1, 13));
    assert!(m("-", 2, 10));
    assert!(m("*", 2, 24));
    assert!(m("/", 5, 2));
    assert!(m("<<", 2, 48));
    assert!(m(">>", 2, 3));
    // division by zero never matches
    assert!(!hit(
        "byte_math:bytes 1, offset 0, oper /, rvalue 0, result v",
        b"\x0c"
    ));
    // relative to a content
    assert!(!hit(
        r#"content:"A"; byte_math:bytes 2, offset 0, oper +, rvalue 1, result v, relative; byte_test:2,=,v,1"#,
        b"A\x00\x05"
    ));
    assert!(hit(
        r#"content:"A"; byte_math:bytes 1, offset 0, oper +, rvalue 1, result v, relative; byte_test:1,=,v,2"#,
        b"A\x05\x06"
    ));
    for bad in [
        "bytes 1, offset 0, oper +, rvalue 1",
        "bytes 1, offset 0, oper %, rvalue 1, result v",
        "bytes 1, offset 0, oper +, rvalue 1, result v, endian dce",
        "bytes 5, offset 0, oper +, rvalue 1, result v",
        "bytes 1, offset 0, oper +, rvalue nosuch, result v",
    ] {
        assert!(rule(&format!("byte_math:{bad}")).is_err(), "{bad}");
    }
}

// ------------------------------------------------------------------ bsize

#[test]
fn bsize() {
    assert!(hit(r#"content:"abc"; bsize:3"#, b"abc"));
    assert!(!hit(r#"content:"abc"; bsize:3"#, b"abcd"));
    assert!(hit(r#"content:"abc"; bsize:>3"#, b"abcd"));
    assert!(hit(r#"content:"abc"; bsize:3<>5"#, b"abcd"));
    assert!(!hit(r#"content:"abc"; bsize:3<>5"#, b"abcde"));
    assert!(hit("bsize:0", b""));
    assert!(err(r#"content:"google.com"; bsize:<5"#).keyword == "bsize");
    assert!(rule("bsize:x").is_err());
}

// ----------------------------------------------------------------- base64

#[test]
fn base64_decode_and_data() {
    let r = r#"content:"Basic "; base64_decode:bytes 100,relative; base64_data; content:"admin""#;
    assert!(hit(r, b"Authorization: Basic YWRtaW46cGFzcw==\r\n"));
    assert!(!hit(r, b"Authorization: Basic dXNlcjpwYXNz\r\n"));
    let r = r#"base64_decode; base64_data; content:"hello"; startswith"#;
    assert!(hit(r, b"aGVsbG8gd29ybGQ="));
    assert!(rule("base64_data").is_err());
    assert!(rule("base64_decode").unwrap().has_base64_decode());
    assert!(!rule(r#"content:"a""#).unwrap().has_base64_decode());
    // suricata-verify `base64`: the decode starts one byte after "arg"
    let r = r#"content:"arg"; base64_decode:bytes 17, offset 1, relative; base64_data; content:"thisisatest""#;
    assert!(hit(r, b"/?arg=dGhpc2lzYXRlc3QK"));
    let r =
        r#"content:"arg"; base64_decode:bytes 10, offset 1, relative; base64_data; content:"test""#;
    assert!(!hit(r, b"/?arg=dGhpc2lzYXRlc3QK"));
    assert!(rule("base64_decode:bogus 1").is_err());
    // offset past the end: no match
    assert!(!hit(
        r#"base64_decode:offset 50; base64_data; content:"a""#,
        b"YQ=="
    ));
}

// ------------------------------------------------------------- transforms

#[test]
fn transforms() {
    let r = r#"dotprefix; content:".google.com"; endswith"#;
    assert!(hit(r, b"google.com"));
    assert!(hit(r, b"www.google.com"));
    assert!(!hit(r, b"notgoogle.com"));
    assert!(hit(
        r#"strip_whitespace; content:"window.navigate(""#,
        b"window.navigate  ("
    ));
    assert!(hit(r#"compress_whitespace; content:"a b""#, b"a \t b"));
    assert!(hit(r#"to_lowercase; content:"abc""#, b"xABCx"));
    assert!(hit(r#"to_uppercase; content:"ABC""#, b"xabcx"));
    assert!(hit(
        r#"to_md5; content:"|90 01 50 98 3c d2 4f b0 d6 96 3f 7d 28 e1 7f 72|""#,
        b"abc"
    ));
    assert!(hit(
        r#"to_sha1; content:"|a9 99 3e 36|"; startswith"#,
        b"abc"
    ));
    assert!(hit(
        r#"to_sha256; content:"|ba 78 16 bf|"; startswith"#,
        b"abc"
    ));
    assert!(hit(r#"url_decode; content:"a b/c""#, b"a+b%2fc"));
    assert!(hit(r#"xor:"0102"; content:"|60 60 62|""#, b"abc"));
    assert!(hit(
        r#"pcrexform:"id=([0-9]+)"; content:"42"; bsize:2"#,
        b"x?id=42&y"
    ));
    assert!(hit(
        r#"header_lowercase; content:"host|3a| Ab""#,
        b"Host: Ab\r\n"
    ));
    // names up to the first ':' of each line; values untouched
    assert!(hit(
        r#"header_lowercase; content:"x-a|3a| B|0d 0a|ua|3a| C""#,
        b"X-A: B\r\nUA: C"
    ));
    assert!(hit(
        r#"strip_pseudo_headers; content:"x|3a|"; startswith"#,
        b":method: GET\r\nx: 1\r\n"
    ));
    assert!(hit(r#"from_base64; content:"hello""#, b"aGVsbG8="));
    assert!(hit(
        r#"from_base64:offset 4, mode rfc2045; content:"hello""#,
        b"xxxxaGVs\r\nbG8="
    ));
    // chained, in order
    assert!(hit(
        r#"to_lowercase; dotprefix; content:".ab"; startswith"#,
        b"AB"
    ));
    // validation: a content the transform makes impossible
    assert!(rule(r#"to_lowercase; content:"ABC""#).is_err());
    assert!(rule(r#"to_lowercase; content:"ABC"; nocase"#).is_ok());
    assert!(rule(r#"strip_whitespace; content:"a b""#).is_err());
    // a transform after a content starts another list on the same buffer
    assert!(rule(r#"content:"a"; dotprefix"#).unwrap().then.is_some());
    assert!(rule("xor:\"0\"").is_err());
    assert!(rule("pcrexform:\"abc\"").is_err());
    assert!(rule("luaxform").unwrap_err().unsupported);
    assert!(rule("tld: x").is_err());
    // domain and tld follow the public suffix list, not the last labels
    assert!(hit(
        r#"domain; content:"bbc.co.uk"; startswith; endswith"#,
        b"www.bbc.co.uk"
    ));
    assert!(hit(
        r#"tld; content:"co.uk"; startswith; endswith"#,
        b"www.bbc.co.uk"
    ));
    assert!(hit(
        r#"domain; content:"suricata.io"; startswith; endswith"#,
        b"a.b.suricata.io"
    ));
    assert!(!hit(r#"domain; content:"co.uk""#, b"co.uk"));
    assert!(rule("gunzip: max-size 0").is_err());
    // gunzip and zlib_deflate decompress, up to their max-size
    let gz = {
        use std::io::Write;
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(b"hello compressed world").unwrap();
        e.finish().unwrap()
    };
    assert!(hit(r#"gunzip; content:"compressed world"; endswith"#, &gz));
    assert!(!hit(r#"gunzip: max-size 5; content:"compressed""#, &gz));
    assert!(hit(r#"gunzip: max-size 5; content:"hello"; endswith"#, &gz));
    assert!(!hit(r#"gunzip; content:"hello""#, b"not gzip at all"));
    let zl = {
        use std::io::Write;
        let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(b"zlib data").unwrap();
        e.finish().unwrap()
    };
    assert!(hit(r#"zlib_deflate; content:"zlib data""#, &zl));
    assert!(!rule("xor:\"0\"").unwrap_err().unsupported);
}

#[test]
fn subslice_cases_of_suricata_verify() {
    let ua = b"curl/7.64.1";
    let t = |r: &str, buf: &[u8]| hit(r, buf);
    assert!(t(
        r#"content:"*/*"; subslice:2; content:"*"; bsize:1"#,
        b"*/*"
    ));
    assert!(t(r#"subslice:-6; content:"7.64.1"; bsize:6"#, ua));
    assert!(t(
        r#"subslice:-10,3; content:"url"; startswith; endswith; bsize:3"#,
        ua
    ));
    assert!(t("subslice:9, 2; bsize:0", b"*/*"));
    assert!(t("subslice: 0, 13 ; bsize:0", ua));
    assert!(t(r#"subslice:1,-3; content:"url/7.6"; bsize:7"#, ua));
    assert!(t(
        r#"subslice:1,30, truncate; content:"url/7.64.1"; bsize:10"#,
        ua
    ));
    assert!(t(r#"subslice:-6,30, truncate; bsize:6"#, ua));
    assert!(t(r#"subslice:-20, truncate; bsize:11"#, ua));
    assert!(t(
        r#"subslice:-20, 5, truncate; content:"curl/"; bsize:5"#,
        ua
    ));
    assert!(t(
        r#"subslice:-15, 10, truncate; content:"curl/7.64."; bsize:10"#,
        ua
    ));
    assert!(t("subslice:-20; bsize:0", ua));
    assert!(t(
        r#"subslice:-100, 3, truncate; content:"cur"; bsize:3"#,
        ua
    ));
    assert!(t("subslice:0, -30, truncate; bsize:0", ua));
    assert!(rule("subslice:x").is_err());
    assert!(rule("subslice:1,2,3").is_err());
}

#[test]
fn transform_after_content_starts_a_new_list() {
    // Suricata 8: the first content sees the buffer, the second its slice.
    let bm = rule(r#"content:"curl/7.64.1"; subslice:-6; content:"7.64.1"; bsize:6"#).unwrap();
    assert!(bm.then.is_some());
    assert!(bm.inspect(b"curl/7.64.1", &mut InspectEnv::default()));
    assert!(!bm.inspect(b"wget/7.64.1", &mut InspectEnv::default()));
    assert!(!bm.inspect(b"curl/7.64.1x", &mut InspectEnv::default()));
    // the fast pattern comes from the untransformed stage
    assert_eq!(bm.fast_pattern().unwrap().bytes, b"curl/7.64.1");
}

#[test]
fn absent() {
    let bm = rule("absent").unwrap();
    assert!(bm.matches_absent());
    assert!(!bm.inspect(b"x", &mut InspectEnv::default()));
    let bm = rule(r#"absent: or_else; content:!"abc""#).unwrap();
    assert!(bm.matches_absent());
    assert!(bm.inspect(b"xyz", &mut InspectEnv::default()));
    assert!(!bm.inspect(b"abc", &mut InspectEnv::default()));
    assert!(!rule(r#"content:"a""#).unwrap().matches_absent());
    assert!(rule(r#"absent; content:"a""#).is_err());
    assert!(rule(r#"content:"a"; absent"#).is_err());
    assert!(rule("absent: bogus").is_err());
    // the buffer may be missing: no pattern can be required
    assert_eq!(
        rule(r#"absent: or_else; content:"example""#)
            .unwrap()
            .fast_pattern(),
        None
    );
}

#[test]
fn fast_pattern_through_transforms() {
    // dotprefix may have supplied the leading dot: the raw buffer holds the rest
    let f = fp(r#"dotprefix; content:".google.com"; endswith"#).unwrap();
    assert_eq!(f.bytes, b"google.com");
    assert!(!f.only);
    let f = fp(r#"to_lowercase; content:"abc""#).unwrap();
    assert!(f.nocase && f.bytes == b"abc");
    assert_eq!(fp(r#"to_md5; content:"|00 11 22 33|""#), None);
    assert_eq!(fp(r#"strip_whitespace; content:"ab""#), None);
    assert_eq!(fp(r#"dotprefix; content:".""#), None);
    assert_eq!(fp(r#"subslice:2; content:"abc""#).unwrap().bytes, b"abc");
}

// ----------------------------------------------------------- fast_pattern

fn fp(text: &str) -> Option<FastPattern> {
    rule(text).unwrap().fast_pattern()
}

#[test]
fn fast_pattern_choice() {
    // longest non-negated content
    let f = fp(r#"content:"ab"; content:"abcd"; content:!"abcdefgh""#).unwrap();
    assert_eq!(f.bytes, b"abcd");
    assert!(!f.only);
    // explicit wins
    let f = fp(r#"content:"ab"; fast_pattern; content:"abcd""#).unwrap();
    assert_eq!(f.bytes, b"ab");
    // ties: the stronger pattern (binary bytes score higher than letters)
    let f = fp(r#"content:"aaaa"; content:"|00 01 02 03|""#).unwrap();
    assert_eq!(f.bytes, b"\x00\x01\x02\x03");
    let f = fp(r#"content:"abcd"; content:"wxyz""#).unwrap();
    assert_eq!(f.bytes, b"abcd", "equal strength: the first");
    // chop
    let f = fp(r#"content:"abcdef"; fast_pattern:2,3"#).unwrap();
    assert_eq!(f.bytes, b"cde");
    assert!(rule(r#"content:"abc"; fast_pattern:2,3"#).is_err());
    // nocase carried
    assert!(fp(r#"content:"abc"; nocase"#).unwrap().nocase);
    // only: the sole unconstrained content
    assert!(fp(r#"content:"abc""#).unwrap().only);
    assert!(fp(r#"content:"abc"; fast_pattern:only"#).unwrap().only);
    assert!(!fp(r#"content:"abc"; depth:5"#).unwrap().only);
    assert!(!fp(r#"content:"abc"; content:"d""#).unwrap().only);
    assert!(!fp(r#"content:"abc"; pcre:"/x/""#).unwrap().only);
    // negated only: none
    assert_eq!(fp(r#"content:!"abc""#), None);
    assert_eq!(fp(r#"pcre:"/abc/""#), None);
    // misuse
    assert!(rule(r#"content:"a"; fast_pattern; content:"b"; fast_pattern"#).is_err());
    assert!(rule(r#"content:"abc"; fast_pattern:only; depth:3"#).is_err());
    assert!(rule(r#"content:"abc"; fast_pattern:only; content:"d"; distance:0"#).is_err());
    assert!(rule(r#"content:!"abc"; fast_pattern:only"#).is_err());
    assert!(rule(r#"content:!"abc"; fast_pattern; depth:5"#).is_err());
    assert!(rule(r#"content:!"abc"; depth:5; fast_pattern"#).is_err());
    assert!(rule(r#"content:"abc"; fast_pattern:only; startswith"#).is_err());
    assert!(rule(r#"content:!"abc"; fast_pattern"#).is_ok());
    assert_eq!(super::fast::strength(b"aa\x00"), 3 + 1 + 4);
}

// --------------------------------------------------- bounds and robustness

#[test]
fn recursion_is_bounded() {
    // Each "a" may sit anywhere after the previous one: without the cap the
    // search is exponential in the number of contents.
    let mut r = String::from(r#"content:"a""#);
    for _ in 0..12 {
        r.push_str(r#"; content:"a"; distance:0; within:4000"#);
    }
    r.push_str(r#"; content:"b"; distance:0; within:1"#);
    let bm = rule(&r).unwrap();
    let buf = vec![b'a'; 3000];
    assert!(!bm.inspect(&buf, &mut InspectEnv::default()));
}

#[test]
fn legacy_take_last_and_push() {
    let mut vars = ByteVars::default();
    let mut pkt = BufferMatch::default();
    pkt.apply("content", Some(r#""/index""#), &mut vars)
        .unwrap();
    pkt.apply("nocase", None, &mut vars).unwrap();
    let op = pkt.take_last().unwrap();
    assert!(pkt.take_last().is_none());
    let mut uri = BufferMatch::default();
    uri.push(op);
    uri.finish().unwrap();
    assert!(uri.inspect(b"/INDEX.php", &mut InspectEnv::default()));
    assert_eq!(
        pkt.apply("flow", Some("established"), &mut vars),
        Ok(Applied::NotPayload)
    );
    assert!(pkt.is_empty());
    // an empty list matches any buffer
    assert!(pkt.inspect(b"x", &mut InspectEnv::default()));
}

// ------------------------------------------------------------ properties

mod props {
    use super::*;
    use proptest::prelude::*;

    /// Option snippets covering every op and modifier, with values that
    /// push the arithmetic to its edges (negative distances, variables,
    /// huge jumps, offsets past the end).
    const SNIPPETS: &[&str] = &[
        r#"content:"a""#,
        r#"content:"ab"; nocase"#,
        r#"content:!"b""#,
        r#"content:"a"; depth:2"#,
        r#"content:"b"; offset:3"#,
        r#"content:"a"; distance:0"#,
        r#"content:"b"; distance:-3; within:2"#,
        r#"content:"ab"; within:2"#,
        r#"content:!"a"; distance:1; within:3"#,
        r#"content:"a"; startswith"#,
        r#"content:"b"; endswith"#,
        r#"content:!"ab"; endswith"#,
        r#"content:"a"; distance:v"#,
        r#"content:"a"; within:v"#,
        r#"content:"a"; depth:v"#,
        r#"content:"a"; offset:v"#,
        r#"pcre:"/a.b/s""#,
        r#"pcre:"/^a/R""#,
        r#"pcre:!"/b+/R""#,
        r#"pcre:"/x*/""#,
        "isdataat:2,relative",
        "isdataat:!1,relative",
        "isdataat:v",
        "isdataat:!5",
        "byte_test:1,>,0x30,0,relative",
        "byte_test:2,&,1,-1,relative,little",
        "byte_test:0,<,100,0,relative,string,dec",
        "byte_test:3,=,v,1,string,hex",
        "byte_jump:1,0,relative",
        "byte_jump:2,-2,relative,little,multiplier 3,align",
        "byte_jump:0,0,from_end,post_offset -3",
        "byte_jump:1,0,from_beginning,post_offset -300",
        "byte_jump:v,0,relative",
        "byte_math:bytes 1, offset 0, oper *, rvalue 4000000000, result w, relative",
        "byte_math:bytes 2, offset -1, oper <<, rvalue v, result w, relative",
        "bsize:<40",
        "base64_decode:relative; base64_data; content:\"a\"",
    ];

    fn build(picks: &[usize]) -> Option<BufferMatch> {
        let mut text = String::from("byte_extract:1,0,v,relative");
        for &i in picks {
            text.push_str("; ");
            text.push_str(SNIPPETS[i % SNIPPETS.len()]);
        }
        // Some combinations are invalid rules (two base64_data, byte_math
        // result defined twice): those are errors, never panics.
        rule(&text).ok()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn search_agrees_with_a_naive_search(
            pat in proptest::collection::vec(prop_oneof![Just(b'a'), Just(b'B'), Just(b'q'), any::<u8>()], 1..5),
            hay in proptest::collection::vec(prop_oneof![Just(b'A'), Just(b'b'), Just(b'Q'), any::<u8>()], 0..40),
        ) {
            let exact = Content::new(pat.clone(), false);
            let naive = hay.windows(pat.len()).position(|w| w == pat.as_slice());
            prop_assert_eq!(exact.find(&hay), naive);
            let mut c = Content::new(pat.clone(), false);
            c.apply_modifier("nocase", None, &ByteVars::default()).unwrap();
            let naive = hay.windows(pat.len()).position(|w| w.eq_ignore_ascii_case(&pat));
            prop_assert_eq!(c.find(&hay), naive);
        }

        #[test]
        fn inspect_never_panics(
            picks in proptest::collection::vec(0usize..64, 0..7),
            buf in proptest::collection::vec(
                prop_oneof![Just(b'a'), Just(b'b'), Just(b'0'), Just(b'9'), any::<u8>()],
                0..64,
            ),
        ) {
            if let Some(bm) = build(&picks) {
                let mut env = InspectEnv::default();
                let first = bm.inspect(&buf, &mut env);
                // Deterministic: same answer with a warm environment.
                env.reset_vars();
                prop_assert_eq!(first, bm.inspect(&buf, &mut env));
                let _ = bm.fast_pattern();
            }
        }

        #[test]
        fn keyword_values_never_panic(
            kw in proptest::sample::select(vec![
                "content", "depth", "offset", "distance", "within", "fast_pattern",
                "pcre", "isdataat", "byte_test", "byte_jump", "byte_extract",
                "byte_math", "bsize", "base64_decode", "xor", "from_base64", "pcrexform",
            ]),
            value in "[ -~]{0,40}",
        ) {
            let mut bm = BufferMatch::default();
            let mut vars = ByteVars::default();
            let _ = bm.apply("content", Some("\"abcdef\""), &mut vars);
            if bm.apply(kw, Some(&value), &mut vars).is_ok() && bm.finish().is_ok() {
                bm.inspect(b"abcdef 123 abcdef", &mut InspectEnv::default());
            }
        }
    }
}

#[test]
fn stream_chunks_count_depth_from_the_stream_start() {
    let bm = rule(r#"content:"abc"; depth:10"#).unwrap();
    let mut env = InspectEnv::default();
    // chunk at stream offset 0: as a buffer
    assert!(bm.inspect_stream(b"xxabc", 0, &mut env));
    // chunk starting at 8: depth 10 leaves 2 bytes of it
    assert!(!bm.inspect_stream(b"xxabc", 8, &mut env));
    assert!(bm.inspect_stream(b"abcxx", 7, &mut env));
    // chunk past the depth
    assert!(!bm.inspect_stream(b"abc", 10, &mut env));
    // no depth: anywhere
    let bm = rule(r#"content:"abc""#).unwrap();
    assert!(bm.inspect_stream(b"xxabc", 1000, &mut env));
    // bsize sees the stream length
    let bm = rule("bsize:>100").unwrap();
    assert!(bm.inspect_stream(b"abc", 98, &mut env));
    assert!(!bm.inspect(b"abc", &mut env));
}

#[test]
fn uppercase_patterns_for_lowercase_buffers() {
    let up = |r: &str| rule(r).unwrap().has_uppercase_pattern();
    assert!(up(r#"content:"Example.com""#));
    assert!(!up(r#"content:"example.com""#));
    assert!(!up(r#"content:"Example.com"; nocase"#));
    assert!(!up(r#"content:!"Example.com""#));
    assert!(up(r#"pcre:"/Example/""#));
    assert!(!up(r#"pcre:"/Example/i""#));
    assert!(!up(r#"pcre:"/\S+\.\x4A\D(?P<Name>x)/""#));
    assert!(!up(r#"to_lowercase; content:"abc""#));
    assert!(up(r#"pcre:"/x(?=Foo)/""#));
    assert!(up(r#"pcre:"/x(?<!Foo)/""#));
}

#[test]
fn nocase_search_is_leftmost_and_exact() {
    let c = |p: &str| {
        let mut c = Content::parse(&format!("\"{p}\"")).unwrap();
        c.apply_modifier("nocase", None, &ByteVars::default())
            .unwrap();
        c
    };
    assert_eq!(c("abc").find(b"xxABCabc"), Some(2));
    assert_eq!(c("aBc").find(b"abcabc"), Some(0));
    assert_eq!(c("abc").find(b"ab"), None);
    assert_eq!(c("abc").find(b"abdabC"), Some(3));
    assert_eq!(c("q|00|").find(b"Q\x00"), Some(0));
    assert_eq!(c("zz").find(b"zZz"), Some(0));
    assert_eq!(c("a|ff|b").find(b"xA\xffB"), Some(1));
    // the anchor at the end of the pattern: near the end of the haystack
    assert_eq!(c("eeeq").find(b"eeeeeeQ"), Some(3));
    assert_eq!(c("eeeq").find(b"eeeeeeQx"), Some(3));
    assert_eq!(c("qeee").find(b"xqeeE"), Some(1));
    assert_eq!(c("qeee").find(b"xqee"), None);
}
