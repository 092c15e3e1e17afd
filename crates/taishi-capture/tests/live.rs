//! Live capture on a veth pair whose far end sits in its own network
//! namespace: UDP sent from the namespace is captured, the BPF filter keeps
//! only port 9999, and the stop handle ends the loop. Skips (with a message)
//! where namespaces cannot be made: not root, or not permitted.
#![cfg(feature = "live")]

use std::process::Command;
use std::sync::atomic::Ordering;
use std::time::Duration;

use taishi_capture::{LiveSource, PacketSource};
use taishi_core::LinkType;

/// Runs `ip ARGS`; Err with its stderr when it fails.
fn ip(args: &[&str]) -> Result<(), String> {
    let out = Command::new("ip")
        .args(args)
        .output()
        .map_err(|e| format!("ip: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "ip {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// Deletes the namespace and the host end of the veth pair, even when the
/// test fails half-way.
struct Cleanup {
    ns: String,
    veth: String,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = ip(&["link", "del", &self.veth]);
        let _ = ip(&["netns", "del", &self.ns]);
    }
}

#[test]
fn captures_filtered_udp_from_a_namespace_and_stops_on_request() {
    let pid = std::process::id();
    let ns = format!("taishi-cap-{pid}");
    // Interface names are at most 15 bytes.
    let host = format!("tch{}", pid % 1_000_000);
    let peer = format!("tcp{}", pid % 1_000_000);
    let net = format!("10.213.{}", pid % 250);
    let (host_ip, peer_ip) = (format!("{net}.1"), format!("{net}.2"));

    if let Err(e) = ip(&["netns", "add", &ns]) {
        eprintln!("skipping live capture test: cannot create a network namespace ({e})");
        return;
    }
    let _cleanup = Cleanup {
        ns: ns.clone(),
        veth: host.clone(),
    };
    let setup = [
        vec!["link", "add", &host, "type", "veth", "peer", "name", &peer],
        vec!["link", "set", &peer, "netns", &ns],
        vec!["addr", "add", &format!("{host_ip}/24"), "dev", &host],
        vec!["link", "set", &host, "up"],
        vec![
            "-n",
            &ns,
            "addr",
            "add",
            &format!("{peer_ip}/24"),
            "dev",
            &peer,
        ],
        vec!["-n", &ns, "link", "set", &peer, "up"],
        vec!["-n", &ns, "link", "set", "lo", "up"],
    ]
    .map(|v| v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
    for cmd in &setup {
        let args: Vec<&str> = cmd.iter().map(String::as_str).collect();
        if let Err(e) = ip(&args) {
            eprintln!("skipping live capture test: cannot set up the veth pair ({e})");
            return;
        }
    }

    // If the stop handle ever failed to end the loop, fail (and clean up)
    // instead of hanging the test run.
    let (wd_ns, wd_host) = (ns.clone(), host.clone());
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(120));
        let _ = ip(&["link", "del", &wd_host]);
        let _ = ip(&["netns", "del", &wd_ns]);
        eprintln!("live capture test: the stop handle did not end the capture loop");
        std::process::exit(1);
    });

    let mut src = LiveSource::open(&host, Some("udp port 9999")).unwrap();
    assert_eq!(src.linktype(), LinkType::ETHERNET);
    let stop = src.stop_handle();
    let script = format!(
        "import socket\n\
         s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n\
         for i in range(5):\n    s.sendto(b'taishi-%d' % i, ('{host_ip}', 9999))\n\
         for i in range(5):\n    s.sendto(b'filtered-out', ('{host_ip}', 8888))\n"
    );
    let sender = std::thread::spawn(move || {
        let out = Command::new("ip")
            .args(["netns", "exec", &ns, "python3", "-c", &script])
            .output();
        // Give the frames time to cross the veth before asking the loop to end;
        // the loop itself only ends through the stop handle.
        std::thread::sleep(Duration::from_millis(1000));
        stop.store(true, Ordering::Relaxed);
        out
    });

    let mut payloads = Vec::new();
    let mut ports = Vec::new();
    while let Some(p) = src.next_packet().unwrap() {
        assert_eq!(p.linktype, LinkType::ETHERNET);
        assert!(p.wire_len as usize >= p.data.len());
        // Ethernet (14) + IPv4 without options (20) + UDP (8).
        if p.data.len() >= 42 {
            ports.push(u16::from_be_bytes([p.data[36], p.data[37]]));
            payloads.push(String::from_utf8_lossy(&p.data[42..]).into_owned());
        }
    }
    let out = sender.join().unwrap().unwrap();
    assert!(
        out.status.success(),
        "sender: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        payloads,
        (0..5).map(|i| format!("taishi-{i}")).collect::<Vec<_>>()
    );
    assert!(
        ports.iter().all(|&p| p == 9999),
        "the filter let through {ports:?}"
    );
    assert!(src.stats().received >= 5, "{:?}", src.stats());
    assert_eq!(src.stats().kernel_dropped, 0);
}

#[test]
fn opening_a_missing_interface_is_an_error_naming_it() {
    let e = LiveSource::open("no-such-iface0", None).err().unwrap();
    assert!(e.to_string().starts_with("no-such-iface0: "), "{e}");
}
