//! Table tests of the FTP parser and probe (STYLE.md rule 9).

use super::parser::{
    Reply, parse_command, parse_eprt, parse_epsv_reply, parse_pasv_reply, parse_port_args,
    parse_reply,
};
use super::probe;
use crate::registry::Probe;
use taishi_flow::Direction;

#[test]
fn commands() {
    let cases: &[(&[u8], &[u8], &[u8])] = &[
        (b"USER anonymous\r\n", b"USER", b"anonymous"),
        (b"PWD\r\n", b"PWD", b""),
        (b"SITE CHMOD 777 x\r\n", b"SITE", b"CHMOD 777 x"),
        // A bare LF ends a line too.
        (b"QUIT\n", b"QUIT", b""),
        (b"", b"", b""),
    ];
    for (line, verb, arg) in cases {
        assert_eq!(parse_command(line), (*verb, *arg));
    }
}

#[test]
fn replies() {
    let r = |code: &[u8; 3], more, text: &'static [u8]| {
        Some(Reply {
            code: *code,
            more,
            text,
        })
    };
    let cases: &[(&[u8], Option<Reply<'static>>)] = &[
        (
            b"220 (vsFTPd 2.3.5)\r\n",
            r(b"220", false, b"(vsFTPd 2.3.5)"),
        ),
        (b"211-Features:\r\n", r(b"211", true, b"Features:")),
        (b"211 End\r\n", r(b"211", false, b"End")),
        (b"200", r(b"200", false, b"")),
        // Continuation lines of a multi-line reply.
        (b" MDTM\r\n", None),
        (b"2x0 no\r\n", None),
        (b"2000 no\r\n", None),
        (b"", None),
    ];
    for (line, want) in cases {
        assert_eq!(
            parse_reply(line),
            *want,
            "{:?}",
            String::from_utf8_lossy(line)
        );
    }
}

#[test]
fn data_channel_ports() {
    assert_eq!(parse_port_args(b"192,168,0,13,234,10"), Some(59914));
    assert_eq!(parse_port_args(b"2,2,2,3,0,80"), Some(80));
    assert_eq!(parse_port_args(b"1,2,3,4,256,1"), None);
    assert_eq!(parse_port_args(b"1,2,3,4,5"), None);
    assert_eq!(parse_port_args(b"1,2,3,4,5,6,7"), None);
    assert_eq!(parse_port_args(b""), None);
    assert_eq!(
        parse_pasv_reply(b"Entering Passive Mode (192,168,1,2,19,137)."),
        Some(5001)
    );
    assert_eq!(parse_pasv_reply(b"AAAA"), None);
    assert_eq!(parse_eprt(b"|1|132.235.1.2|6275|"), Some(6275));
    assert_eq!(parse_eprt(b"|2|::1|99999|"), None);
    assert_eq!(parse_eprt(b""), None);
    assert_eq!(
        parse_epsv_reply(b"Entering Extended Passive Mode (|||58612|)"),
        Some(58612)
    );
    assert_eq!(parse_epsv_reply(b"(|||"), None);
    assert_eq!(parse_epsv_reply(b"no port"), None);
}

#[test]
fn probe_decides_on_the_client() {
    let cases: &[(Direction, &[u8], Probe)] = &[
        (Direction::ToServer, b"USER anonymous\r\n", Probe::Yes),
        (Direction::ToServer, b"user x\r\n", Probe::Yes),
        (Direction::ToServer, b"FEAT\r\n", Probe::Yes),
        (Direction::ToServer, b"AUTH TLS\r\n", Probe::Yes),
        (Direction::ToServer, b"US", Probe::NeedMore),
        (Direction::ToServer, b"SYST", Probe::NeedMore),
        // SMTP and HTTP first lines.
        (Direction::ToServer, b"EHLO mail.example\r\n", Probe::No),
        (Direction::ToServer, b"GET / HTTP/1.1\r\n", Probe::No),
        (Direction::ToServer, b"QUIT\r\n", Probe::No),
        // IRC opens with PASS; FTP never does (regression: suricata-verify irc).
        (Direction::ToServer, b"PASS l0m3za\r\n", Probe::No),
        // A 220 greeting is FTP or SMTP: wait for the client.
        (
            Direction::ToClient,
            b"220 (vsFTPd 2.3.5)\r\n",
            Probe::NeedMore,
        ),
        (Direction::ToClient, b"220-Welcome\r\n", Probe::NeedMore),
        (Direction::ToClient, b"22", Probe::NeedMore),
        (Direction::ToClient, b"SSH-2.0-x\r\n", Probe::No),
        (Direction::ToClient, b"2200", Probe::No),
    ];
    for (dir, d, want) in cases {
        assert_eq!(probe(*dir, d, false), *want, "{dir:?} {d:?}");
    }
}

/// `ftp.reply_received` is the final reply's arrival, and the greeting
/// (no command) has no value, as Suricata's keyword skips it.
#[test]
// FtpTx keeps parser-only fields private, so the struct literal with
// `..Default::default()` is not available here.
#[allow(clippy::field_reassign_with_default)]
fn reply_received_needs_a_command_and_its_final_reply() {
    use super::detect::fields;
    use super::state::FtpTx;
    use crate::buffer::Field;
    let value = |tx: &FtpTx| {
        let mut got = Vec::new();
        fields(tx, Field::FtpReplyReceived, &mut |v| got.push(v));
        got
    };
    let mut greeting = FtpTx::default();
    greeting.replies = vec![b"220 (vsFTPd 2.3.5)".to_vec()];
    greeting.done = true;
    assert_eq!(value(&greeting), Vec::<u64>::new());
    let mut answered = FtpTx::default();
    answered.command = Some(b"QUIT".to_vec());
    answered.replies = vec![b"221 Goodbye.".to_vec()];
    answered.done = true;
    assert_eq!(value(&answered), vec![1]);
    // Only a preliminary reply before the flow ended.
    let mut preliminary = FtpTx::default();
    preliminary.command = Some(b"RETR".to_vec());
    preliminary.replies = vec![b"150 Opening data connection".to_vec()];
    assert_eq!(value(&preliminary), vec![0]);
}
