//! `taishi sensor` on a real interface: a veth pair whose far end lives in a
//! network namespace this test creates. Traffic sent from the namespace must
//! come out as flows, SIGINT must flush them and the final stats (with the
//! kernel's counters). Skips with a message where namespaces are not
//! permitted (not root, or no CAP_NET_ADMIN).

mod common;

use std::process::{Command, Stdio};
use std::time::Duration;

use common::*;

/// Deletes the namespace (which takes its veth pair with it) however the test ends.
struct Netns(String);

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.0]).status();
    }
}

fn sh(args: &[&str]) -> bool {
    Command::new(args[0])
        .args(&args[1..])
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

#[test]
fn sensor_captures_until_sigint_and_flushes() {
    let id = std::process::id() % 10_000;
    let ns = format!("taishi-t{id}");
    let host_if = format!("tsh{id}a");
    let peer_if = format!("tsh{id}b");
    if !have("ip") || !sh(&["ip", "netns", "add", &ns]) {
        eprintln!(
            "sensor_captures_until_sigint_and_flushes: skipped: cannot create a network namespace here"
        );
        return;
    }
    let _guard = Netns(ns.clone());
    let octet = 1 + (id % 250);
    let host_ip = format!("10.213.{octet}.1");
    let peer_ip = format!("10.213.{octet}.2");
    assert!(sh(&[
        "ip", "link", "add", &host_if, "type", "veth", "peer", "name", &peer_if, "netns", &ns
    ]));
    assert!(sh(&[
        "ip",
        "addr",
        "add",
        &format!("{host_ip}/30"),
        "dev",
        &host_if
    ]));
    assert!(sh(&["ip", "link", "set", &host_if, "up"]));
    assert!(sh(&[
        "ip",
        "-n",
        &ns,
        "addr",
        "add",
        &format!("{peer_ip}/30"),
        "dev",
        &peer_if
    ]));
    assert!(sh(&["ip", "-n", &ns, "link", "set", &peer_if, "up"]));
    assert!(sh(&["ip", "-n", &ns, "link", "set", "lo", "up"]));

    let dir = tempfile::tempdir().unwrap();
    let eve = dir.path().join("eve.json");
    let sensor = taishi()
        .args([
            "sensor",
            "--iface",
            &host_if,
            "--bpf",
            "udp port 9999 or tcp port 9998",
            "--threads",
            "2",
            "--eve",
        ])
        .arg(&eve)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));

    // Five UDP datagrams and one refused TCP connection from the namespace,
    // plus traffic the BPF filter must keep out (port 9997).
    let script = format!(
        "import socket\n\
         s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n\
         [s.sendto(b'hello %d'%i,('{host_ip}',9999)) for i in range(5)]\n\
         [s.sendto(b'filtered',('{host_ip}',9997)) for i in range(3)]\n\
         t=socket.socket()\n\
         t.settimeout(2)\n\
         try:\n  t.connect(('{host_ip}',9998))\n\
         except OSError:\n  pass\n"
    );
    let sent = Command::new("ip")
        .args(["netns", "exec", &ns, "python3", "-c", &script])
        .status()
        .unwrap();
    assert!(sent.success());
    std::thread::sleep(Duration::from_millis(700));

    let _ = Command::new("kill")
        .args(["-INT", &sensor.id().to_string()])
        .status();
    let out = sensor.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");

    let events = read_eve(&eve);
    let flows = of_type(&events, "flow");
    let udp: Vec<_> = flows.iter().filter(|f| f["dest_port"] == 9999).collect();
    assert_eq!(udp.len(), 1, "{flows:?}");
    assert_eq!(udp[0]["src_ip"], peer_ip.as_str());
    assert_eq!(udp[0]["flow"]["pkts_toserver"], 5);
    assert_eq!(udp[0]["flow"]["reason"], "shutdown");
    assert!(
        flows.iter().all(|f| f["dest_port"] != 9997),
        "BPF filter not applied: {flows:?}"
    );
    let tcp: Vec<_> = flows.iter().filter(|f| f["dest_port"] == 9998).collect();
    assert_eq!(tcp.len(), 1, "{flows:?}");
    assert_eq!(tcp[0]["tcp"]["rst"], true);

    let stats = of_type(&events, "stats");
    let last = stats.last().expect("a final stats event");
    assert!(
        last["stats"]["capture"]["kernel_packets"].as_u64().unwrap() >= 7,
        "{last}"
    );
    assert!(last["stats"]["capture"]["kernel_drops"].is_u64(), "{last}");
}
