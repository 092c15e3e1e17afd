//! Registry and vulnerability imports on good and bad files, the demo
//! site's sample files, and the merged view through the SQLite store.

use std::path::{Path, PathBuf};

use taishi_assess::assets::{
    AssetError, RowError, exposure, import, import_report, import_vulns, match_vulns, merge,
};
use taishi_core::Store;
use taishi_core::domain::{Asset, AssetOrigin, Service, Software};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/assets-import")
        .join(name)
}

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/assets")
        .join(name)
}

fn row_errors(r: Result<impl std::fmt::Debug, AssetError>) -> Vec<RowError> {
    match r {
        Err(AssetError::Rows { errors, .. }) => errors,
        other => panic!("expected row errors, got {other:?}"),
    }
}

/// (line, field) of each error.
fn where_(errors: &[RowError]) -> Vec<(usize, &str)> {
    errors.iter().map(|e| (e.line, e.field.as_str())).collect()
}

#[test]
fn json_and_yaml_registries_agree() {
    let json = import_report(&data("good.json")).expect("good.json");
    assert_eq!(json.ignored_fields, ["location"]);
    let yaml = import(&data("good.yaml")).expect("good.yaml");
    assert_eq!(json.assets, yaml);

    let [net, plc] = json.assets.as_slice() else {
        panic!("two records: {:?}", json.assets);
    };
    assert_eq!(net.address, "10.20.0.0/24");
    assert_eq!(
        (
            net.sector.as_str(),
            net.zone.as_str(),
            net.criticality,
            net.cii
        ),
        ("water", "L1", 4, true)
    );
    assert_eq!(plc.address, "10.20.0.11");
    assert_eq!(plc.owner, "Operations");
    assert_eq!((plc.role.as_str(), plc.zone.as_str()), ("plc", "OT"));
    assert_eq!(plc.authorised_peers, ["10.10.5.10", "10.20.0.50"]);
    assert_eq!(plc.protocols, ["modbus", "dnp3"]);
    assert_eq!(plc.function_codes, ["modbus:3", "modbus:6"]);
    assert_eq!(plc.macs, ["00:80:f4:14:00:0b"]);
    assert_eq!(
        plc.services,
        [Service {
            port: 502,
            transport: "TCP".into(),
            app_proto: Some("modbus".into()),
            ..Service::default()
        }]
    );
    assert_eq!(
        plc.software,
        [Software {
            product: "Schneider Modicon M340".into(),
            version: Some("3.10".into()),
            source: "declared".into(),
        }]
    );
    assert_eq!(plc.origin, AssetOrigin::Declared);
}

#[test]
fn csv_errors_name_every_bad_line_and_field() {
    let errors = row_errors(import(&data("bad.csv")));
    let mut got = where_(&errors);
    got.sort();
    assert_eq!(
        got,
        [
            (4, "address"),
            (4, "cii"),
            (4, "criticality"),
            (5, "role"),
            (5, "zone"),
            (6, "address"),
            (7, "address"),
        ]
    );
    let msg = import(&data("bad.csv")).unwrap_err().to_string();
    assert!(msg.contains("bad.csv"), "{msg}");
    assert!(msg.contains("line 4"), "{msg}");
    assert!(msg.contains("\"9\" is not a criticality"), "{msg}");
    assert!(msg.contains("already declared at line 3"), "{msg}");
    assert!(msg.contains("\"toaster\" is not one of plc"), "{msg}");
}

#[test]
fn json_and_yaml_errors_name_lines() {
    let errors = row_errors(import(&data("bad.json")));
    assert_eq!(where_(&errors), [(3, "macs"), (3, "zone")]);

    // A record that is not an object fails before its fields are read.
    let errors = row_errors(import(&data("bad.yaml")));
    assert_eq!(where_(&errors), [(5, "-")]);
    assert_eq!(errors[0].record, 3);

    let err = import(&data("broken.json")).unwrap_err();
    assert!(matches!(err, AssetError::Format { .. }), "{err:?}");
    assert!(err.to_string().contains("line 1"), "{err}");

    let err = import(&data("missing.csv")).unwrap_err();
    assert!(matches!(err, AssetError::Io { .. }), "{err:?}");
}

#[test]
fn yaml_field_errors() {
    // Drop the non-object record to reach the field check.
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("r.yml");
    std::fs::write(
        &p,
        "- address: 10.20.0.11\n  criticality: 3\n- address: 10.20.0.12\n  criticality: high-ish\n",
    )
    .expect("write");
    let errors = row_errors(import(&p));
    assert_eq!(where_(&errors), [(3, "criticality")]);
    // Sniffed content wins when the extension says nothing.
    let p = dir.path().join("registry.txt");
    std::fs::write(&p, "[{\"address\": \"10.0.0.1\"}]").expect("write");
    assert_eq!(import(&p).expect("sniffed JSON")[0].address, "10.0.0.1");
}

#[test]
fn vulnerability_lists() {
    let v = import_vulns(&data("vulns.yaml")).expect("vulns.yaml");
    assert_eq!(v.len(), 2);
    assert_eq!(
        v[0].cpe.as_deref(),
        Some("cpe:2.3:a:openbsd:openssh:*:*:*:*:*:*:*:*")
    );
    assert_eq!(v[0].version_to.as_deref(), Some("7.8"));
    assert_eq!(
        v[1].cpe.as_deref(),
        Some("cpe:2.3:a:*:apache:2.4.49:*:*:*:*:*:*:*")
    );

    let errors = row_errors(import_vulns(&data("bad-vulns.csv")));
    let mut got = where_(&errors);
    got.sort();
    assert_eq!(
        got,
        [(3, "cvss"), (3, "id"), (4, "product"), (5, "version_from")]
    );

    // NVD: one record per vulnerable CPE match; the platform-only match is
    // skipped; the primary CVSS 3.1 score; the English description.
    let v = import_vulns(&data("nvd-cve-2018-15473.json")).expect("NVD");
    assert_eq!(v.len(), 2, "{v:?}");
    let ssh = &v[0];
    assert_eq!(ssh.id, "CVE-2018-15473");
    assert_eq!(ssh.product, "openssh");
    assert_eq!(ssh.version_to.as_deref(), Some("<=7.7"));
    assert!((ssh.cvss - 5.3).abs() < 1e-6);
    assert!(ssh.summary.starts_with("OpenSSH through 7.7"));
    assert_eq!(v[1].product, "debian_linux");

    let asset = |ver: &str| Asset {
        address: "10.0.0.1".into(),
        software: vec![Software {
            product: "OpenSSH".into(),
            version: Some(ver.into()),
            source: "ssh banner".into(),
        }],
        ..Asset::default()
    };
    assert_eq!(match_vulns(&asset("7.4p1"), &v).len(), 1);
    assert_eq!(match_vulns(&asset("7.7"), &v).len(), 1);
    // 7.7p1 is a later release than 7.7 and past "through 7.7".
    assert_eq!(match_vulns(&asset("7.7p1"), &v).len(), 0);
    assert_eq!(match_vulns(&asset("7.8"), &v).len(), 0);
}

#[test]
fn demo_site_samples() {
    let assets = import(&sample("sample-assets.csv")).expect("sample-assets.csv");
    assert_eq!(assets.len(), 16);
    let plcs = assets.iter().filter(|a| a.role == "plc").count();
    assert_eq!(plcs, 4);
    assert!(
        assets
            .iter()
            .filter(|a| a.zone == "L1" || a.zone == "L2")
            .all(|a| a.cii && a.criticality >= 4)
    );
    let vulns = import_vulns(&sample("sample-vulns.csv")).expect("sample-vulns.csv");
    assert_eq!(vulns.len(), 5);

    // The file server declares OpenSSH 9.2p1: ssh-agent (< 9.3p2) and
    // regreSSHion (8.5p1 ..< 9.8p1) apply, the 2018 enumeration does not.
    let mut files = assets
        .iter()
        .find(|a| a.address == "10.10.1.30")
        .cloned()
        .expect("file server");
    files.vulns = match_vulns(&files, &vulns);
    let ids: Vec<&str> = files.vulns.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["CVE-2023-38408", "CVE-2024-6387"]);
    // 10 × (1 − (1 − 0.98)(1 − 0.81)) = 9.962
    assert!(
        (exposure(&files) - 9.962).abs() < 1e-3,
        "{}",
        exposure(&files)
    );

    // The web server's nginx/1.24.0 (as the demo's Server header says) is in
    // the rapid-reset range (1.9.5 ..= 1.25.2).
    let mut web = assets
        .iter()
        .find(|a| a.address == "10.10.1.20")
        .cloned()
        .expect("web server");
    web.services[0].software = Some("nginx/1.24.0".into());
    let ids: Vec<String> = match_vulns(&web, &vulns)
        .into_iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(ids, ["CVE-2023-44487"]);
}

/// Declared, then discovered, stored, read back and merged again: the same
/// records (the store returns them in address order).
#[test]
fn merge_through_the_store() {
    let declared = import(&sample("sample-assets.csv")).expect("sample-assets.csv");
    let seen = |ip: &str, port: u16, t: u64| Asset {
        address: ip.into(),
        criticality: 2,
        origin: AssetOrigin::Discovered,
        services: vec![Service {
            port,
            transport: "TCP".into(),
            app_proto: Some("modbus".into()),
            first_seen: t,
            last_seen: t + 10,
            ..Service::default()
        }],
        first_seen: t,
        last_seen: t + 10,
        ..Asset::default()
    };
    let discovered = vec![
        seen("10.20.0.12", 502, 1_000),
        seen("10.20.0.99", 502, 2_000),
        seen("10.10.2.57", 445, 3_000),
        seen("192.0.2.10", 80, 4_000),
    ];
    let merged = merge(declared.clone(), discovered.clone());
    assert_eq!(merged.len(), declared.len() + 3);
    let get = |a: &[Asset], ip: &str| a.iter().find(|x| x.address == ip).cloned().expect(ip);
    let plc = get(&merged, "10.20.0.12");
    assert_eq!(plc.origin, AssetOrigin::Both);
    assert_eq!(plc.name, "PLC-2 chlorination");
    assert_eq!(plc.first_seen, 1_000);
    let stranger = get(&merged, "10.20.0.99");
    assert_eq!(stranger.origin, AssetOrigin::Discovered);
    assert_eq!(
        (stranger.zone.as_str(), stranger.criticality, stranger.cii),
        ("OT", 4, true)
    );
    assert_eq!(get(&merged, "10.10.2.57").zone, "IT");
    assert_eq!(get(&merged, "192.0.2.10").zone, "");

    let store = taishi_store::SqliteStore::open_in_memory().expect("store");
    store.put_assets(&merged).expect("put");
    let stored = store.assets().expect("read");
    let again = merge(stored, discovered);
    store.put_assets(&again).expect("put again");
    let by_address = |mut v: Vec<Asset>| {
        v.sort_by(|a, b| a.address.cmp(&b.address));
        v
    };
    assert_eq!(by_address(again), by_address(merged.clone()));
    assert_eq!(store.assets().expect("read").len(), merged.len());
}
