//! Intel: each import format on small real-shaped files, the matchers and
//! their edge cases (CIDR nesting, subdomains, expiry), the observer on EVE
//! records Taishi wrote for captures of the shared corpus, and the store.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use taishi_detect::intel::{
    Format, Indicator, IndicatorKind, IntelObserver, IntelSet, IntelStore, parse_file, parse_time,
};
use taishi_detect::observe::Observer;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/intel")
        .join(name)
}

fn read(name: &str) -> (Format, taishi_detect::intel::ParseOutput) {
    parse_file(&data(name), None, name.split('.').next().unwrap_or(name)).expect("fixture readable")
}

fn has(out: &[Indicator], kind: IndicatorKind, value: &str) -> bool {
    out.iter().any(|i| i.kind == kind && i.value == value)
}

/// 2026-01-01: after the fixtures' 2021 expiries, before their 2099 ones.
const NOW: i64 = 1_767_225_600;

#[test]
fn plain_list_infers_kinds_and_reports_bad_lines() {
    let (fmt, out) = read("plain.txt");
    assert_eq!(fmt, Format::Plain);
    let i = &out.indicators;
    assert_eq!(i.len(), 12, "{i:#?}");
    assert!(has(i, IndicatorKind::Ipv4, "192.0.2.10"));
    assert!(has(i, IndicatorKind::Ipv4, "198.51.100.0/24"));
    assert!(has(i, IndicatorKind::Ipv6, "2001:db8:bad::/48"));
    assert!(has(i, IndicatorKind::Domain, "evil.example.com"));
    assert!(
        has(i, IndicatorKind::Domain, "ads.tracker.example"),
        "hosts-file line"
    );
    assert!(
        has(i, IndicatorKind::Ipv4, "203.0.113.7"),
        "value before a comment"
    );
    assert!(has(
        i,
        IndicatorKind::Url,
        "http://bro.org/download/CHANGES.bro-aux.txt"
    ));
    assert!(
        has(i, IndicatorKind::Md5, "d41d8cd98f00b204e9800998ecf8427e"),
        "a bare md5 is a file hash"
    );
    assert!(has(
        i,
        IndicatorKind::Sha1,
        "da39a3ee5e6b4b0d3255bfef95601890afd80709"
    ));
    assert!(has(
        i,
        IndicatorKind::CertSha1,
        "cb69d04ec2ee0638e93c6ecc56b7dcc1f843c247"
    ));
    assert_eq!(out.bad, 3);
    let lines: Vec<usize> = out.first_bad.iter().map(|b| b.index).collect();
    assert_eq!(lines, [17, 18, 19], "{:?}", out.first_bad);
    assert!(i.iter().all(|x| x.source == "plain" && x.confidence == 50));
}

#[test]
fn csv_with_header_columns() {
    let (fmt, out) = read("feed.csv");
    assert_eq!(fmt, Format::Csv);
    let i = &out.indicators;
    assert_eq!(i.len(), 6, "{i:#?}");
    let ip = i
        .iter()
        .find(|x| x.value == "192.150.187.43")
        .expect("ip row");
    assert_eq!(ip.kind, IndicatorKind::Ipv4);
    assert_eq!(ip.source, "csvfeed");
    assert_eq!(ip.confidence, 90);
    assert_eq!(ip.tags, ["c2", "apt-x"]);
    assert_eq!(ip.first_seen, parse_time("2024-01-01"));
    assert_eq!(ip.last_seen, parse_time("2024-02-01T10:00:00Z"));
    assert_eq!(ip.expiry, parse_time("2099-01-01"));
    let d = i
        .iter()
        .find(|x| x.value == "google.de")
        .expect("domain row");
    assert_eq!(d.confidence, 40, "0.4 is a fraction");
    let u = i
        .iter()
        .find(|x| x.kind == IndicatorKind::Url)
        .expect("url row");
    assert_eq!(u.value, "http://evil.example.com/gate.php?id=1");
    assert_eq!(
        u.source, "feed",
        "empty source column falls back to the import's"
    );
    assert_eq!(u.confidence, 85, "high");
    assert_eq!(u.tags, ["loader", "stage1"]);
    assert!(has(
        i,
        IndicatorKind::CertSha1,
        "aeae9d28724cf52cb8121c7aada7ec12784a2a64"
    ));
    assert!(
        has(i, IndicatorKind::Ja3, "e7a9b2d3c4f5061728394a5b6c7d8e9f"),
        "typed ja3, not md5"
    );
    assert_eq!(out.bad, 2);
    assert_eq!(
        out.first_bad.iter().map(|b| b.index).collect::<Vec<_>>(),
        [8, 9]
    );
}

#[test]
fn csv_abuse_ch_dump_with_commented_header() {
    let (fmt, out) = read("urlhaus.csv");
    assert_eq!(fmt, Format::Csv);
    assert_eq!(out.bad, 0, "{:?}", out.first_bad);
    let i = &out.indicators;
    assert_eq!(i.len(), 2);
    assert_eq!(i[0].value, "http://198.51.100.23:8080/bins/mips");
    assert_eq!(i[0].tags, ["elf", "mirai"]);
    assert_eq!(i[0].first_seen, parse_time("2024-05-01T09:55:07Z"));
    assert_eq!(i[1].value, "https://evil-download.example/payload.exe");
}

#[test]
fn stix_bundle_patterns() {
    let (fmt, out) = read("bundle.stix.json");
    assert_eq!(fmt, Format::Stix);
    let i = &out.indicators;
    assert_eq!(i.len(), 9, "{i:#?}");
    for (k, v) in [
        (IndicatorKind::Ipv4, "74.125.239.152"),
        (IndicatorKind::Ipv4, "203.0.113.0/24"),
        (IndicatorKind::Ipv6, "2001:db8:c2::1"),
        (IndicatorKind::Domain, "v27.distributed.net"),
        (
            IndicatorKind::Sha256,
            "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb",
        ),
        (IndicatorKind::Md5, "0cc175b9c0f1b6a831c399e269772661"),
        (
            IndicatorKind::CertSha1,
            "cb69d04ec2ee0638e93c6ecc56b7dcc1f843c247",
        ),
        (IndicatorKind::Url, "http://bro.org/"),
        (IndicatorKind::Domain, "old.example.org"),
    ] {
        assert!(has(i, k, v), "{k} {v}");
    }
    let c2 = i.iter().find(|x| x.value == "74.125.239.152").expect("c2");
    assert_eq!(c2.confidence, 85);
    assert_eq!(c2.tags, ["c2", "apt-x", "malicious-activity"]);
    assert_eq!(c2.first_seen, parse_time("2024-03-01T12:00:00Z"));
    let old = i
        .iter()
        .find(|x| x.value == "old.example.org")
        .expect("old");
    assert_eq!(old.expiry, parse_time("2021-01-01T00:00:00Z"));
    assert_eq!(out.skipped, 1, "revoked");
    assert_eq!(out.bad, 3, "{:?}", out.first_bad);
    let idx: Vec<usize> = out.first_bad.iter().map(|b| b.index).collect();
    assert_eq!(idx, [5, 6, 9], "object indexes in the bundle, from 0");
    assert!(out.first_bad[0].reason.contains("AND"));
    assert!(out.first_bad[1].reason.contains("snort"));
}

#[test]
fn misp_event_attributes_and_objects() {
    let (fmt, out) = read("event.misp.json");
    assert_eq!(fmt, Format::Misp);
    let i = &out.indicators;
    assert_eq!(i.len(), 9, "{i:#?}");
    for (k, v) in [
        (IndicatorKind::Ipv4, "54.36.191.227"),
        (IndicatorKind::Domain, "bro.org"),
        (IndicatorKind::Ipv4, "198.51.100.77"),
        (IndicatorKind::Url, "https://login.example-bank.test/verify"),
        (IndicatorKind::Ja3, "72a589da586844d7f0818ce684948eea"),
        (IndicatorKind::Domain, "cdn.bad.example"),
        (IndicatorKind::Ipv4, "203.0.113.50"),
        (
            IndicatorKind::Sha256,
            "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae",
        ),
        (
            IndicatorKind::CertSha1,
            "aeae9d28724cf52cb8121c7aada7ec12784a2a64",
        ),
    ] {
        assert!(has(i, k, v), "{k} {v}");
    }
    assert!(i.iter().all(|x| x.confidence == 90), "threat level 1");
    let d = i.iter().find(|x| x.value == "bro.org").expect("domain");
    assert_eq!(
        d.tags,
        [
            "tlp:amber",
            "misp-galaxy:threat-actor=\"APT-X\"",
            "kill-chain:c2"
        ]
    );
    assert_eq!(d.last_seen, Some(1_711_965_600));
    let c = i
        .iter()
        .find(|x| x.value == "cdn.bad.example")
        .expect("domain|ip");
    assert_eq!(c.first_seen, parse_time("2024-03-30T00:00:00Z"));
    assert_eq!(out.skipped, 3, "two not to_ids, one filename");
    assert_eq!(out.bad, 1);
    assert_eq!(out.first_bad[0].index, 7, "attribute index");
}

#[test]
fn suricata_dataset_lines() {
    let (fmt, out) = read("suricata.dataset");
    assert_eq!(fmt, Format::Dataset);
    let i = &out.indicators;
    assert_eq!(i.len(), 6, "{i:#?}");
    assert!(has(i, IndicatorKind::Domain, "distributed.net"));
    assert!(has(i, IndicatorKind::Domain, "evil-ds.example"));
    assert!(has(i, IndicatorKind::Url, "http://bro.org/x"));
    assert!(has(
        i,
        IndicatorKind::Md5,
        "098f6bcd4621d373cade4e832627b4f6"
    ));
    assert!(has(
        i,
        IndicatorKind::Sha256,
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
    ));
    assert!(has(i, IndicatorKind::Domain, "mal.example"), "datarep line");
    assert_eq!(out.bad, 1);
    assert_eq!(out.first_bad[0].index, 7);
}

fn all_fixtures() -> Vec<Indicator> {
    let mut all = Vec::new();
    for f in [
        "plain.txt",
        "feed.csv",
        "urlhaus.csv",
        "bundle.stix.json",
        "event.misp.json",
        "suricata.dataset",
    ] {
        all.extend(read(f).1.indicators);
    }
    all
}

fn lookup(set: &IntelSet, kind: IndicatorKind, v: &str, now: i64) -> Vec<String> {
    let mut hits = Vec::new();
    set.lookup(kind, v, now, &mut |h| {
        hits.push(format!("{} {} {}", h.kind, h.value, h.source))
    });
    hits
}

#[test]
fn set_stats_count_by_kind_and_source() {
    let set = IntelSet::build_at(all_fixtures(), NOW);
    let s = set.stats();
    assert_eq!(s.expired, 2, "expired.example.net and old.example.org");
    assert_eq!(s.total, 12 + 5 + 2 + 8 + 9 + 6);
    assert_eq!(s.by_source.get("csvfeed"), Some(&4));
    assert_eq!(s.by_source.get("bundle"), Some(&8));
    assert_eq!(s.by_kind.get("cert_sha1"), Some(&4));
    assert_eq!(s.by_kind.values().sum::<usize>(), s.total);
}

#[test]
fn cidr_longest_prefix() {
    let mk = |v: &str, src: &str| {
        Indicator::new(v, taishi_detect::intel::infer_kind(v).unwrap().0, src).unwrap()
    };
    let set = IntelSet::build_at(
        [
            mk("10.0.0.0/8", "a"),
            mk("10.1.0.0/16", "b"),
            mk("10.1.2.3", "c"),
            mk("0.0.0.0/0", "d"),
            mk("2001:db8::/32", "e"),
            mk("2001:db8:1::/48", "f"),
            mk("255.255.255.255", "g"),
        ],
        NOW,
    );
    let ip = |s: &str| lookup(&set, IndicatorKind::Ipv4, s, NOW);
    assert_eq!(ip("10.1.2.3"), ["ipv4 10.1.2.3 c"]);
    assert_eq!(ip("10.1.2.4"), ["ipv4 10.1.0.0/16 b"]);
    assert_eq!(ip("10.2.0.0"), ["ipv4 10.0.0.0/8 a"]);
    assert_eq!(ip("11.0.0.0"), ["ipv4 0.0.0.0/0 d"]);
    assert_eq!(ip("255.255.255.255"), ["ipv4 255.255.255.255 g"]);
    assert_eq!(ip("255.255.255.254"), ["ipv4 0.0.0.0/0 d"]);
    assert_eq!(ip("::ffff:10.1.2.3"), ["ipv4 10.1.2.3 c"], "IPv4-mapped");
    assert_eq!(ip("2001:db8:1::5"), ["ipv6 2001:db8:1::/48 f"]);
    assert_eq!(ip("2001:db8:2::5"), ["ipv6 2001:db8::/32 e"]);
    assert!(ip("2001:db9::1").is_empty());
}

#[test]
fn domains_match_their_subdomains_only() {
    let set = IntelSet::build_at(all_fixtures(), NOW);
    let d = |s: &str| lookup(&set, IndicatorKind::Domain, s, NOW);
    assert_eq!(
        d("us.v27.distributed.net"),
        ["domain v27.distributed.net bundle"],
        "most specific wins"
    );
    let parent = d("www.distributed.net");
    assert_eq!(
        parent.len(),
        2,
        "two sources list distributed.net: {parent:?}"
    );
    assert!(d("notdistributed.net").is_empty());
    assert!(d("distributed.net.example.org").is_empty());
    assert!(d("net").is_empty());
    assert!(d("expired.example.net").is_empty(), "expired");
    let before = IntelSet::build_at(all_fixtures(), parse_time("2020-03-01").unwrap());
    assert_eq!(
        lookup(
            &before,
            IndicatorKind::Domain,
            "a.expired.example.net",
            parse_time("2020-03-01").unwrap()
        )
        .len(),
        1
    );
}

#[test]
fn same_value_same_source_is_kept_once() {
    let mut a = Indicator::new("evil.com", IndicatorKind::Domain, "s").unwrap();
    let mut b = a.clone();
    a.confidence = 10;
    b.confidence = 99;
    let c = Indicator::new("evil.com", IndicatorKind::Domain, "t").unwrap();
    let set = IntelSet::build_at([a, b, c], NOW);
    assert_eq!(set.len(), 2);
    assert_eq!(set.stats().duplicates, 1);
    let mut conf = Vec::new();
    set.lookup_domain("x.evil.com", NOW, &mut |h| {
        conf.push((h.source.to_string(), h.confidence))
    });
    conf.sort();
    assert_eq!(
        conf,
        [("s".to_string(), 99), ("t".to_string(), 50)],
        "the later listing wins"
    );
}

fn records() -> Vec<Value> {
    std::fs::read_to_string(data("records.jsonl"))
        .expect("records fixture")
        .lines()
        .map(|l| serde_json::from_str(l).expect("record json"))
        .collect()
}

fn summary(a: &Value) -> String {
    format!(
        "{} {} {} -> {} [{}]",
        a["alert"]["signature_id"],
        a["alert"]["metadata"]["intel_indicator"][0]
            .as_str()
            .unwrap_or(""),
        a["src_ip"].as_str().unwrap_or(""),
        a["dest_ip"].as_str().unwrap_or(""),
        a["evidence"]["field"].as_str().unwrap_or(""),
    )
}

/// Records Taishi wrote for dns53, chrome-34-google, get, proxy and
/// client-certificate from the shared corpus (tests/data/intel/records.jsonl).
#[test]
fn observer_alerts_on_real_records() {
    let set = Arc::new(IntelSet::build_at(all_fixtures(), NOW));
    let mut obs = IntelObserver::with_now(set, NOW);
    let mut out = Vec::new();
    for r in records() {
        obs.observe(&r, &mut out);
    }
    let got: Vec<String> = out.iter().map(summary).collect();
    let want = [
        "2000003 v27.distributed.net 10.20.1.31 -> 207.158.192.40 [dns.queries.rrname]",
        "2000003 google.de 192.168.4.149 -> 74.125.239.152 [tls.sni]",
        "2000011 cb69d04ec2ee0638e93c6ecc56b7dcc1f843c247 192.168.4.149 -> 74.125.239.152 [tls.fingerprint]",
        "2000011 cb69d04ec2ee0638e93c6ecc56b7dcc1f843c247 192.168.4.149 -> 74.125.239.152 [tls.fingerprint]",
        "2000001 74.125.239.152 192.168.4.149 -> 74.125.239.152 [dest_ip]",
        "2000003 bro.org 141.142.228.5 -> 192.150.187.43 [http.hostname]",
        "2000004 http://bro.org/download/CHANGES.bro-aux.txt 141.142.228.5 -> 192.150.187.43 [http.url]",
        "2000001 192.150.187.43 141.142.228.5 -> 192.150.187.43 [dest_ip]",
        "2000003 bro.org 192.168.56.1 -> 192.168.56.101 [http.hostname]",
        "2000004 http://bro.org/ 192.168.56.1 -> 192.168.56.101 [http.url]",
        "2000011 aeae9d28724cf52cb8121c7aada7ec12784a2a64 192.168.0.64 -> 54.36.191.227 [tls.fingerprint]",
        "2000011 aeae9d28724cf52cb8121c7aada7ec12784a2a64 192.168.0.64 -> 54.36.191.227 [tls.fingerprint]",
        "2000001 54.36.191.227 192.168.0.64 -> 54.36.191.227 [dest_ip]",
    ];
    assert_eq!(got, want, "{got:#?}");
    // The whole alert, for one of them.
    let a = &out[1];
    assert_eq!(a["event_type"], "alert");
    assert_eq!(a["flow_id"], 1_184_961_744_875_262u64);
    assert_eq!(a["timestamp"], "2014-04-24T18:08:22.726337+0000");
    assert_eq!(a["src_port"], 55881);
    assert_eq!(a["dest_port"], 443);
    assert_eq!(a["proto"], "TCP");
    let al = &a["alert"];
    assert_eq!(al["action"], "allowed");
    assert_eq!(al["gid"], 2);
    assert_eq!(al["rev"], 1);
    assert_eq!(al["signature"], "TAISHI INTEL domain google.de (csvfeed)");
    assert_eq!(al["category"], "Intelligence hit");
    assert_eq!(al["severity"], 2, "confidence 40");
    assert_eq!(al["metadata"]["intel_source"][0], "csvfeed");
    assert_eq!(al["metadata"]["intel_confidence"][0], "40");
    assert_eq!(al["metadata"]["intel_tags"][0], "phishing");
    assert_eq!(a["evidence"]["observed"], "google.de");
    assert_eq!(a["evidence"]["indicator"]["kind"], "domain");
    // The DNS response: the client is its destination.
    assert_eq!(out[0]["dest_port"], 53);
    assert_eq!(out[0]["src_port"], 53);
    let s = obs.stats();
    assert_eq!(s.alerts, 13);
    assert_eq!(s.records, 12);
}

#[test]
fn one_alert_per_indicator_and_flow() {
    let set = Arc::new(IntelSet::build_at(all_fixtures(), NOW));
    let mut obs = IntelObserver::with_now(set, NOW);
    let recs = records();
    let http = recs
        .iter()
        .find(|r| r["event_type"] == "http" && r["src_ip"] == "141.142.228.5")
        .unwrap();
    let mut out = Vec::new();
    obs.observe(http, &mut out);
    obs.observe(http, &mut out);
    obs.observe(http, &mut out);
    assert_eq!(out.len(), 2, "host and url once each");
    assert_eq!(obs.stats().duplicates, 4);
    // Another flow with the same host alerts again.
    let mut other = http.clone();
    other["flow_id"] = 42.into();
    obs.observe(&other, &mut out);
    assert_eq!(out.len(), 4);
}

#[test]
fn suricata_shaped_fields_ja3_ja4_hashes_grouped_dns() {
    let mut inds = all_fixtures();
    inds.push(
        Indicator::new(
            "t13d1516h2_8daaf6152771_b186095e22b6",
            IndicatorKind::Ja4,
            "ja4feed",
        )
        .unwrap(),
    );
    inds.push(
        Indicator::new(
            "f4febc55ea12b31ae17cfb7e614afda8",
            IndicatorKind::Ja3s,
            "ja3feed",
        )
        .unwrap(),
    );
    let set = Arc::new(IntelSet::build_at(inds, NOW));
    let mut obs = IntelObserver::with_now(set, NOW);
    let mut out = Vec::new();
    // As Suricata 7 logs them (ja3/ja4 enabled, file hashing on).
    let tls: Value = serde_json::from_str(r#"{"timestamp":"2024-04-01T10:00:00.000000+0000","flow_id":7,"event_type":"tls","src_ip":"10.0.0.5","src_port":50000,"dest_ip":"192.0.2.200","dest_port":443,"proto":"TCP","tls":{"sni":"WWW.EVIL.EXAMPLE.COM.","version":"TLS 1.2","ja3":{"hash":"72A589DA586844D7F0818CE684948EEA","string":"771,..."},"ja3s":{"hash":"f4febc55ea12b31ae17cfb7e614afda8"},"ja4":"t13d1516h2_8daaf6152771_b186095e22b6"}}"#).unwrap();
    obs.observe(&tls, &mut out);
    let fi: Value = serde_json::from_str(r#"{"timestamp":"2024-04-01T10:00:01.000000+0000","flow_id":8,"event_type":"fileinfo","src_ip":"192.0.2.201","src_port":80,"dest_ip":"10.0.0.6","dest_port":50001,"proto":"TCP","app_proto":"http","fileinfo":{"filename":"/a","md5":"0cc175b9c0f1b6a831c399e269772661","sha256":"ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb","size":1}}"#).unwrap();
    obs.observe(&fi, &mut out);
    let dns: Value = serde_json::from_str(r#"{"timestamp":"2024-04-01T10:00:02.000000+0000","flow_id":9,"event_type":"dns","src_ip":"10.0.0.7","src_port":40000,"dest_ip":"10.0.0.53","dest_port":53,"proto":"UDP","dns":{"version":2,"type":"answer","id":1,"rrname":"www.example.org","rrtype":"A","rcode":"NOERROR","grouped":{"CNAME":["cdn.bad.example"],"A":["203.0.113.50"]}}}"#).unwrap();
    obs.observe(&dns, &mut out);
    let got: Vec<String> = out.iter().map(summary).collect();
    assert_eq!(
        got,
        [
            "2000003 evil.example.com 10.0.0.5 -> 192.0.2.200 [tls.sni]",
            "2000008 72a589da586844d7f0818ce684948eea 10.0.0.5 -> 192.0.2.200 [tls.ja3.hash]",
            "2000009 f4febc55ea12b31ae17cfb7e614afda8 10.0.0.5 -> 192.0.2.200 [tls.ja3s.hash]",
            "2000010 t13d1516h2_8daaf6152771_b186095e22b6 10.0.0.5 -> 192.0.2.200 [tls.ja4]",
            "2000005 0cc175b9c0f1b6a831c399e269772661 10.0.0.6 -> 192.0.2.201 [fileinfo.md5]",
            "2000007 ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb 10.0.0.6 -> 192.0.2.201 [fileinfo.sha256]",
            "2000001 203.0.113.50 10.0.0.7 -> 10.0.0.53 [dns.answers.rdata]",
            "2000003 cdn.bad.example 10.0.0.7 -> 10.0.0.53 [dns.answers.rdata]",
        ],
        "{got:#?}"
    );
}

#[test]
fn flow_to_bad_ip_names_the_local_side() {
    let set = Arc::new(IntelSet::build_at(all_fixtures(), NOW));
    let mut obs = IntelObserver::with_now(set, NOW);
    // Inbound: the indicator is the source.
    let flow: Value = serde_json::from_str(r#"{"timestamp":"2024-04-01T10:00:00.000000+0000","flow_id":5,"event_type":"flow","src_ip":"198.51.100.77","src_port":4444,"dest_ip":"10.9.9.9","dest_port":22,"proto":"TCP","flow":{"pkts_toserver":1}}"#).unwrap();
    let mut out = Vec::new();
    obs.observe(&flow, &mut out);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0]["src_ip"], "10.9.9.9");
    assert_eq!(out[0]["src_port"], 22);
    assert_eq!(out[0]["dest_ip"], "198.51.100.77");
    assert_eq!(
        out[0]["alert"]["metadata"]["intel_indicator"][0], "198.51.100.77",
        "the /32 inside the /24"
    );
    assert_eq!(out[0]["evidence"]["field"], "src_ip");
}

#[test]
fn store_import_list_stats_and_reimport() {
    let dir = std::env::temp_dir().join(format!("taishi-intel-store-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let store = IntelStore::open(&dir);
    let files = [
        data("plain.txt"),
        data("event.misp.json"),
        data("bundle.stix.json"),
    ];
    let rep = store.import(&files, None).expect("import");
    assert_eq!(rep.imported, 12 + 9 + 9);
    assert_eq!(rep.bad, 3 + 1 + 3);
    assert_eq!(rep.files[1].format, Format::Misp);
    assert_eq!(rep.files[0].first_bad[0].index, 17);
    // Importing again replaces, it does not duplicate.
    store.import(&files, None).expect("re-import");
    let all = store.list(None, None).expect("list");
    assert_eq!(all.len(), 30);
    let domains = store
        .list(Some(IndicatorKind::Domain), Some(2))
        .expect("list");
    assert_eq!(domains.len(), 2);
    assert!(domains.iter().all(|d| d.kind == IndicatorKind::Domain));
    let stats = store.stats().expect("stats");
    assert_eq!(stats.expired, 1, "old.example.org");
    assert_eq!(stats.total, 29);
    assert_eq!(
        stats.by_source.get("event.misp"),
        Some(&9),
        "the file stem names the source"
    );
    // An explicit source name files everything under it.
    store
        .import(&[data("suricata.dataset")], Some("ds feed"))
        .expect("import");
    assert!(dir.join("ds_feed.jsonl").exists());
    let set = store.load_all().expect("load");
    assert_eq!(set.stats().by_source.get("ds feed"), Some(&6));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn format_detection_by_content() {
    let d = |name: &str, text: &str| Format::detect(name, text);
    assert_eq!(
        d("x", "{\"type\": \"bundle\", \"objects\": []}"),
        Format::Stix
    );
    assert_eq!(d("x", "{\"Event\": {}}"), Format::Misp);
    assert_eq!(d("x", "value,type\nevil.com,domain\n"), Format::Csv);
    assert_eq!(d("x", "ZXZpbC5jb20=\nYmFkLm9yZw==\n"), Format::Dataset);
    assert_eq!(d("x", "evil.com\n1.2.3.4\n"), Format::Plain);
    assert_eq!(d("x.csv", "evil.com\n"), Format::Csv);
}

mod never_panic {
    use proptest::prelude::*;
    use taishi_detect::intel::{Format, parse_bytes};

    const FORMATS: [Format; 5] = [
        Format::Plain,
        Format::Csv,
        Format::Stix,
        Format::Misp,
        Format::Dataset,
    ];

    proptest! {
        #[test]
        fn any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            for f in FORMATS {
                let _ = parse_bytes("fuzz", &bytes, Some(f), "s");
            }
            let _ = parse_bytes("fuzz", &bytes, None, "s");
        }

        #[test]
        fn line_shaped_text(lines in proptest::collection::vec("[a-zA-Z0-9./:,;#'\"%_\\[\\] =|-]{0,40}", 0..12)) {
            let text = lines.join("\n");
            for f in FORMATS {
                let (_, out) = parse_bytes("fuzz", text.as_bytes(), Some(f), "s");
                prop_assert!(out.first_bad.len() <= out.bad);
            }
        }

        #[test]
        fn stix_patterns(p in "[\\[\\]()a-z0-9:.' =ORAND-]{0,60}") {
            let _ = taishi_detect::intel::formats::parse_pattern(&p);
        }

        #[test]
        fn json_shaped(vals in proptest::collection::vec("[a-z0-9.:|'\\[\\] -]{0,30}", 0..6), to_ids in any::<bool>()) {
            let attrs: Vec<String> = vals.iter().map(|v| format!(r#"{{"type":"ip-dst|port","to_ids":{to_ids},"value":{}}}"#, serde_json::to_string(v).unwrap())).collect();
            let misp = format!(r#"{{"Event":{{"Attribute":[{}]}}}}"#, attrs.join(","));
            let _ = parse_bytes("m", misp.as_bytes(), Some(Format::Misp), "s");
            let objs: Vec<String> = vals.iter().map(|v| format!(r#"{{"type":"indicator","pattern":{}}}"#, serde_json::to_string(v).unwrap())).collect();
            let stix = format!(r#"{{"type":"bundle","objects":[{}]}}"#, objs.join(","));
            let _ = parse_bytes("s", stix.as_bytes(), Some(Format::Stix), "s");
        }
    }
}

mod agrees_with_naive {
    use proptest::prelude::*;
    use taishi_detect::intel::{Indicator, IndicatorKind, IntelSet, normalize_url};

    proptest! {
        /// The suffix walk (label bounds, bit filter) finds exactly the
        /// most specific listed domain a naive scan finds.
        #[test]
        fn domain_lookup(listed in proptest::collection::vec("[abc]{1,2}(\\.[abc]{1,2}){0,3}", 1..30), names in proptest::collection::vec("[abc]{1,2}(\\.[abc]{1,2}){0,5}", 1..30)) {
            let set = IntelSet::build_at(listed.iter().filter_map(|d| Indicator::new(d, IndicatorKind::Domain, "p")), 0);
            for n in &names {
                let mut got = None;
                set.lookup_domain(n, 0, &mut |h| got = Some(h.value.to_string()));
                let want = listed
                    .iter()
                    .filter(|d| n == *d || n.ends_with(&format!(".{d}")))
                    .max_by_key(|d| d.len())
                    .cloned();
                prop_assert_eq!(got, want, "name {}", n);
            }
        }

        /// Normalising a normalised URL changes nothing.
        #[test]
        fn url_normalisation_is_idempotent(u in "(HTTP|https|ftp)://[A-Za-z.]{1,10}(:[0-9]{1,5})?(/[A-Za-z0-9%~._-]{0,8}){0,3}(\\?[a-z=&%0-9]{0,8})?(#[a-z]{0,3})?") {
            if let Some(n) = normalize_url(&u) {
                prop_assert_eq!(normalize_url(&n), Some(n.clone()));
            }
        }
    }
}

#[test]
fn observer_expiry_and_records_without_flow_id() {
    let mut ind = Indicator::new("192.0.2.66", IndicatorKind::Ipv4, "s").unwrap();
    ind.expiry = Some(1_000);
    let set = Arc::new(IntelSet::build_at([ind], 0));
    // A Zeek-derived record: no flow_id, keyed on the address pair.
    let rec: Value = serde_json::from_str(
        r#"{"timestamp":"2024-04-01T10:00:00.000000+0000","event_type":"dns","src_ip":"10.0.0.1","src_port":5353,"dest_ip":"10.0.0.2","dest_port":53,"proto":"UDP","dns":{"type":"response","rrname":"x.example","rdata":"192.0.2.66"}}"#,
    )
    .unwrap();
    let mut before = IntelObserver::with_now(Arc::clone(&set), 999);
    let mut out = Vec::new();
    before.observe(&rec, &mut out);
    before.observe(&rec, &mut out);
    assert_eq!(out.len(), 1, "once per address pair");
    assert_eq!(out[0]["src_ip"], "10.0.0.1", "the query's sender");
    assert!(out[0].get("flow_id").is_none());
    let mut after = IntelObserver::with_now(set, 1_000);
    let mut out = Vec::new();
    after.observe(&rec, &mut out);
    assert!(out.is_empty(), "expired at 1000");
}
