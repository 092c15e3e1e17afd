//! The expectation table that labels data channels (end to end on real
//! captures: `crates/taishi/tests/proto_files.rs`).

use std::net::IpAddr;

use crate::expect::{Expectations, MAX_EXPECTATIONS, Transfer};

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn retr(name: &str, sender: &str) -> Transfer {
    Transfer {
        store: false,
        command: "RETR",
        file_name: name.as_bytes().to_vec(),
        sender: ip(sender),
    }
}

#[test]
fn an_announced_flow_is_found_once_whoever_opens_it() {
    let (client, server) = (ip("192.168.100.16"), ip("192.168.100.230"));
    let mut e = Expectations::default();
    // Active mode: PORT named the client's port 52407; the server opens
    // the data channel from port 20.
    e.add(client, server, 52407, retr("test.pdf", "192.168.100.230"));
    assert_eq!(e.take(server, (client, 21)), None, "wrong port");
    assert_eq!(
        e.take(server, (client, 52407)),
        Some(retr("test.pdf", "192.168.100.230"))
    );
    // One announcement opens one flow.
    assert_eq!(e.take(server, (client, 52407)), None);
    assert!(e.is_empty());
}

#[test]
fn a_newer_announcement_replaces_and_the_table_is_bounded() {
    let (a, b) = (ip("10.0.0.1"), ip("10.0.0.2"));
    let mut e = Expectations::default();
    e.add(a, b, 2000, retr("old", "10.0.0.2"));
    e.add(b, a, 2000, retr("new", "10.0.0.2"));
    assert_eq!(e.len(), 1);
    assert_eq!(e.take(a, (b, 2000)), Some(retr("new", "10.0.0.2")));
    for port in 0..=MAX_EXPECTATIONS as u16 {
        e.add(a, b, port, retr("f", "10.0.0.2"));
    }
    assert_eq!(e.len(), MAX_EXPECTATIONS);
    assert_eq!(e.dropped, 1);
    // The oldest went first.
    assert_eq!(e.take(a, (b, 0)), None);
    assert!(e.take(a, (b, 1)).is_some());
}
