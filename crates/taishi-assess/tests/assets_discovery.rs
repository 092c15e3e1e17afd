//! Passive discovery on EVE from real captures (fixtures made once with the
//! binary; see tests/data/assets-eve/README.md).

use std::io::Read;
use std::path::{Path, PathBuf};

use serde_json::Value;
use taishi_assess::assets::{Discovery, DiscoveryConfig};
use taishi_core::domain::Asset;
use taishi_detect::observe::Observer;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/assets-eve")
        .join(name)
}

fn read_text(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    if path.extension().is_some_and(|e| e == "gz") {
        let mut s = String::new();
        flate2::read::GzDecoder::new(bytes.as_slice())
            .read_to_string(&mut s)
            .expect("gzip fixture");
        s
    } else {
        String::from_utf8(bytes).expect("UTF-8 fixture")
    }
}

/// Runs discovery over an EVE file; returns it and the `asset` records.
fn discover(path: &Path, cfg: DiscoveryConfig) -> (Discovery, Vec<Value>) {
    let text = read_text(path);
    let mut d = Discovery::new(cfg).expect("config");
    let mut out = Vec::new();
    for line in text.lines() {
        let rec: Value = serde_json::from_str(line).expect("fixture is EVE JSON");
        d.observe(&rec, &mut out);
    }
    d.finish(&mut out);
    (d, out)
}

fn everything_internal() -> DiscoveryConfig {
    DiscoveryConfig {
        internal_networks: vec!["0.0.0.0/0".into(), "::/0".into()],
        ..DiscoveryConfig::default()
    }
}

fn host<'a>(assets: &'a [Asset], ip: &str) -> &'a Asset {
    assets.iter().find(|a| a.address == ip).unwrap_or_else(|| {
        panic!(
            "{ip} not discovered; have {:?}",
            assets.iter().map(|a| &a.address).collect::<Vec<_>>()
        )
    })
}

fn services(a: &Asset) -> Vec<(u16, &str, Option<&str>)> {
    a.services
        .iter()
        .map(|s| (s.port, s.transport.as_str(), s.app_proto.as_deref()))
        .collect()
}

fn addresses(assets: &[Asset]) -> Vec<&str> {
    assets.iter().map(|a| a.address.as_str()).collect()
}

/// nmap SYN-scans 1000 ports of the victim, sweeps an empty /24, hping3
/// floods a closed UDP port, hydra and curl talk to it: only the ports
/// really open become services and only real hosts become assets.
#[test]
fn real_tools_only_open_ports_and_live_hosts() {
    let (d, events) = discover(
        &fixture("behaviour-tools.json.gz"),
        DiscoveryConfig::default(),
    );
    let assets = d.assets();
    // 203.0.113.10 (the "internet" server) is not internal; nothing of the
    // swept 10.98.0.0/24 answered.
    assert_eq!(addresses(&assets), ["10.99.0.1", "10.99.0.2"]);
    let victim = host(&assets, "10.99.0.2");
    assert_eq!(
        services(victim),
        [
            (22, "TCP", Some("ssh")),
            (53, "UDP", Some("dns")),
            (80, "TCP", None),
            (8080, "TCP", Some("http")),
        ]
    );
    let ssh = victim.services.first().and_then(|s| s.software.as_deref());
    assert_eq!(ssh, Some("OpenSSH_9.2p1"));
    let sw: Vec<(&str, Option<&str>)> = victim
        .software
        .iter()
        .map(|s| (s.product.as_str(), s.version.as_deref()))
        .collect();
    assert_eq!(sw, [("OpenSSH", Some("9.2p1")), ("BaseHTTP", Some("0.6"))]);
    let attacker = host(&assets, "10.99.0.1");
    assert!(attacker.services.is_empty(), "{:?}", attacker.services);
    let sw: Vec<(&str, &str)> = attacker
        .software
        .iter()
        .map(|s| (s.product.as_str(), s.source.as_str()))
        .collect();
    assert_eq!(
        sw,
        [("libssh", "ssh client banner"), ("curl", "http user agent")]
    );
    assert!(victim.first_seen > 0 && victim.first_seen <= victim.last_seen);

    // One `asset` record per new host, service and software, each a
    // complete EVE record.
    let count = |t: &str| {
        events
            .iter()
            .filter(|e| e.pointer("/asset/type").and_then(Value::as_str) == Some(t))
            .count()
    };
    assert_eq!(count("host"), 2);
    // A service is announced when new, and again when its protocol or
    // software becomes known (port 8080 answered before HTTP was seen).
    let mut announced: Vec<(String, u64)> = events
        .iter()
        .filter(|e| e.pointer("/asset/type").and_then(Value::as_str) == Some("service"))
        .map(|e| (e["src_ip"].to_string(), e["src_port"].as_u64().unwrap_or(0)))
        .collect();
    announced.sort();
    announced.dedup();
    assert_eq!(announced.len(), 4, "{announced:?}");
    assert_eq!(count("software"), 4);
    for e in &events {
        assert_eq!(e["event_type"], "asset");
        let ts = e["timestamp"].as_str().expect("timestamp");
        assert!(taishi_core::Timestamp::parse_eve(ts).is_some(), "{ts}");
        assert_eq!(e["src_ip"], e["asset"]["ip"]);
    }
    let stats = d.stats();
    assert_eq!((stats.hosts, stats.services, stats.software), (2, 4, 4));
    assert_eq!(stats.hosts_dropped + stats.services_dropped, 0);
    assert_eq!(stats.unreadable, 0);
}

/// The caps hold and what did not fit is counted.
#[test]
fn caps_are_counted() {
    let cfg = DiscoveryConfig {
        max_hosts: 1,
        max_services: 2,
        ..everything_internal()
    };
    let (d, _) = discover(&fixture("behaviour-tools.json.gz"), cfg);
    let s = d.stats();
    assert_eq!(d.assets().len(), 1);
    assert_eq!(s.hosts, 1);
    assert!(s.hosts_dropped > 0, "{s:?}");
    assert!(s.services <= 2, "{s:?}");
    assert!(s.services_dropped > 0, "{s:?}");
}

#[test]
fn industrial_roles() {
    // The labelled Modbus capture: the HMI (10.99.0.3) polls the PLC
    // (10.99.0.2); a stranger (10.99.0.1) writes and probes.
    let (d, _) = discover(
        &fixture("behaviour-modbus.json"),
        DiscoveryConfig::default(),
    );
    let a = d.assets();
    assert_eq!(addresses(&a), ["10.99.0.1", "10.99.0.2", "10.99.0.3"]);
    assert_eq!(
        host(&a, "10.99.0.2").ics_role.as_deref(),
        Some("outstation")
    );
    assert_eq!(
        services(host(&a, "10.99.0.2")),
        [(502, "TCP", Some("modbus"))]
    );
    assert_eq!(host(&a, "10.99.0.3").ics_role.as_deref(), Some("master"));
    assert_eq!(host(&a, "10.99.0.1").ics_role.as_deref(), Some("master"));

    // DNP3: the records are written in the flow's direction, responses too.
    let (d, _) = discover(&fixture("dnp3.json"), DiscoveryConfig::default());
    let a = d.assets();
    assert_eq!(host(&a, "10.0.0.3").ics_role.as_deref(), Some("outstation"));
    assert_eq!(
        services(host(&a, "10.0.0.3")),
        [(20000, "TCP", Some("dnp3"))]
    );
    assert_eq!(host(&a, "10.0.0.8").ics_role.as_deref(), Some("master"));
    assert_eq!(host(&a, "10.0.0.9").ics_role.as_deref(), Some("master"));

    // IEC 104 logs each APDU in its own direction: the port decides.
    let (d, _) = discover(
        &fixture("TestDissectIec104.json"),
        DiscoveryConfig::default(),
    );
    let a = d.assets();
    assert_eq!(
        host(&a, "172.27.248.79").ics_role.as_deref(),
        Some("outstation")
    );
    assert_eq!(
        services(host(&a, "172.27.248.79")),
        [(2404, "TCP", Some("iec104"))]
    );
    assert_eq!(
        host(&a, "172.27.248.109").ics_role.as_deref(),
        Some("master")
    );
    assert!(host(&a, "172.27.248.109").services.is_empty());

    let (d, _) = discover(&fixture("s7-1200-hmi.json"), DiscoveryConfig::default());
    let a = d.assets();
    assert_eq!(
        host(&a, "192.168.25.131").ics_role.as_deref(),
        Some("outstation")
    );
    assert_eq!(
        services(host(&a, "192.168.25.131")),
        [(102, "TCP", Some("s7comm"))]
    );
    assert_eq!(
        host(&a, "192.168.25.177").ics_role.as_deref(),
        Some("master")
    );
}

#[test]
fn banners_headers_and_os_hints() {
    let (d, _) = discover(
        &fixture("var-services-std-ports.json"),
        DiscoveryConfig::default(),
    );
    let a = d.assets();
    // Public peers and the mDNS group address are not assets.
    assert_eq!(
        addresses(&a),
        ["172.16.238.1", "172.16.238.2", "172.16.238.131"]
    );
    let server = host(&a, "172.16.238.131");
    let ports: Vec<(u16, Option<&str>)> = server
        .services
        .iter()
        .map(|s| (s.port, s.app_proto.as_deref()))
        .collect();
    assert!(ports.contains(&(21, Some("ftp"))), "{ports:?}");
    assert!(ports.contains(&(22, Some("ssh"))), "{ports:?}");
    assert!(ports.contains(&(80, Some("http"))), "{ports:?}");
    // `Server: Apache/2.2.17 (Ubuntu)`.
    assert_eq!(server.os_hint.as_deref(), Some("Linux (Ubuntu)"));
    assert!(
        server
            .software
            .iter()
            .any(|s| s.product == "Apache" && s.version.as_deref() == Some("2.2.17"))
    );
    // The client's browser says Mac OS X.
    assert_eq!(host(&a, "172.16.238.1").os_hint.as_deref(), Some("macOS"));

    // NTLMSSP in SMB names the Windows client and its version.
    let (d, _) = discover(&fixture("raw_ntlm_in_smb.json"), DiscoveryConfig::default());
    let a = d.assets();
    let client = host(&a, "192.168.56.1");
    assert_eq!(client.name, "BABYBOOK");
    assert_eq!(
        client.os_hint.as_deref(),
        Some("Windows (NT 6.1 build 7600)")
    );
    assert!(services(host(&a, "192.168.56.101")).contains(&(445, "TCP", Some("smb"))));

    // A TLS server's certificate subject is its service's software hint.
    let (d, _) = discover(&fixture("tls1.2.json"), everything_internal());
    let a = d.assets();
    let subject = host(&a, "68.233.76.12")
        .services
        .first()
        .and_then(|s| s.software.clone())
        .unwrap_or_default();
    assert!(subject.ends_with("CN=*.taleo.net"), "{subject}");
    // ... and with the default networks, the public server is not an asset.
    let (d, _) = discover(&fixture("tls1.2.json"), DiscoveryConfig::default());
    assert_eq!(addresses(&d.assets()), ["10.0.0.80"]);
}

/// Discovery, then matching: OpenSSH 6.7p1 from a real banner is affected
/// by CVE-2018-15473 (user enumeration, fixed in 7.8).
#[test]
fn discovered_banner_matches_vulnerability() {
    let (d, _) = discover(&fixture("sshguess.json"), DiscoveryConfig::default());
    let mut a = d.assets();
    let server = a
        .iter_mut()
        .find(|x| x.address == "192.168.56.103")
        .expect("ssh server");
    let vulns = vec![taishi_core::domain::Vulnerability {
        id: "CVE-2018-15473".into(),
        cpe: Some("cpe:2.3:a:openbsd:openssh:*:*:*:*:*:*:*:*".into()),
        product: "openssh".into(),
        version_to: Some("7.8".into()),
        cvss: 5.3,
        ..Default::default()
    }];
    server.vulns = taishi_assess::assets::match_vulns(server, &vulns);
    assert_eq!(server.vulns.len(), 1);
    assert_eq!(server.vulns[0].software, "OpenSSH 6.7p1");
    let e = taishi_assess::assets::exposure(server);
    assert!((e - 5.3).abs() < 1e-6, "{e}");
    // The client side's OpenSSH 6.2 is affected too, but only as a client.
    let client = a
        .iter_mut()
        .find(|x| x.address == "192.168.56.1")
        .expect("ssh client");
    client.vulns = taishi_assess::assets::match_vulns(client, &vulns);
    assert_eq!(client.vulns.len(), 1);
    let e = taishi_assess::assets::exposure(client);
    assert!((e - 2.65).abs() < 1e-6, "{e}");
}
