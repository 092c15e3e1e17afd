//! Known vulnerabilities: importing lists, matching them to the software
//! an asset runs, and the asset's exposure.
//!
//! A vulnerability names its product by CPE (`cpe:2.3:a:openbsd:openssh:…`)
//! or by product name, and the affected versions by a range
//! (`version_from` inclusive, `version_to` exclusive) or one version (the
//! CPE's version field). NVD also writes inclusive upper and exclusive
//! lower bounds; the [`Vulnerability`] type has one field for each end, so
//! those are kept with an operator prefix the matcher reads: `<=7.7` in
//! `version_to`, `>2.0` in `version_from` (docs/assets.md).

use std::cmp::Ordering;
use std::collections::HashMap;
use std::path::Path;

use serde_json::Value;
use taishi_core::domain::{Asset, VulnMatch, Vulnerability};

use super::error::{AssetError, RowError};
use super::import::{canonical_field, text};
use super::records::{self, Record};
use super::version::{compare_versions, is_version};

/// Reads a vulnerability list: CSV, JSON or YAML records (see
/// docs/assets.md), or NVD CVE JSON 2.0 (a feed or API answer with
/// `vulnerabilities: [{cve: …}]`; one [`Vulnerability`] per vulnerable CPE
/// match of each CVE).
///
/// As with assets, one bad record fails the import and every bad field is
/// listed.
pub fn import_vulns(path: &Path) -> Result<Vec<Vulnerability>, AssetError> {
    let (_, recs) = records::read(path, &["vulnerabilities", "vulns", "CVE_Items"])?;
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for rec in &recs {
        let res = if rec.fields.contains_key("cve") {
            nvd_item(rec)
        } else {
            vuln_from(rec).map(|v| vec![v])
        };
        match res {
            Ok(v) => out.extend(v),
            Err(e) => errors.extend(e),
        }
    }
    if !errors.is_empty() {
        return Err(AssetError::Rows {
            path: path.to_path_buf(),
            errors,
        });
    }
    Ok(out)
}

const FIELDS: &[(&str, &[&str])] = &[
    (
        "id",
        &[
            "id",
            "cve",
            "cve_id",
            "cnvd",
            "cnvd_id",
            "vuln_id",
            "vulnerability",
            "编号",
            "漏洞编号",
        ],
    ),
    ("cpe", &["cpe", "cpe23", "cpe_2.3", "criteria"]),
    ("vendor", &["vendor", "厂商"]),
    ("product", &["product", "software", "产品"]),
    ("version", &["version", "affected_version", "版本"]),
    (
        "version_from",
        &[
            "version_from",
            "from",
            "min_version",
            "version_start_including",
            "versionstartincluding",
        ],
    ),
    (
        "version_from_excluding",
        &[
            "version_from_excluding",
            "version_start_excluding",
            "versionstartexcluding",
        ],
    ),
    (
        "version_to",
        &[
            "version_to",
            "to",
            "fixed",
            "fixed_in",
            "version_end_excluding",
            "versionendexcluding",
        ],
    ),
    (
        "version_to_including",
        &[
            "version_to_including",
            "max_version",
            "version_end_including",
            "versionendincluding",
        ],
    ),
    (
        "cvss",
        &[
            "cvss",
            "cvss3",
            "cvss_score",
            "base_score",
            "basescore",
            "score",
            "评分",
        ],
    ),
    (
        "summary",
        &["summary", "description", "title", "name", "描述", "名称"],
    ),
];

fn vuln_from(rec: &Record) -> Result<Vulnerability, Vec<RowError>> {
    let mut v = Vulnerability::default();
    let mut errors = Vec::new();
    let mut vendor = None;
    let mut version = None;
    let mut err = |field: &str, message: String| {
        errors.push(RowError {
            line: rec.line,
            record: rec.number,
            field: field.to_string(),
            message,
        })
    };
    for (key, val) in &rec.fields {
        let Some(field) = canonical_field(key, FIELDS) else {
            // Lists carry references, dates, notes: not errors.
            continue;
        };
        let t = text(val);
        match field {
            "id" => v.id = t.unwrap_or_default(),
            "cpe" => match t {
                Some(c) if Cpe::parse(&c).is_some() => v.cpe = Some(c),
                Some(c) => err(
                    key,
                    format!("{c:?} is not a CPE 2.3 name (cpe:2.3:part:vendor:product:version:…)"),
                ),
                None => {}
            },
            "vendor" => vendor = t,
            "product" => v.product = t.unwrap_or_default(),
            "version" => version = t,
            "version_from" => v.version_from = t,
            "version_from_excluding" => v.version_from = t.map(|x| format!(">{x}")),
            "version_to" => v.version_to = t,
            "version_to_including" => v.version_to = t.map(|x| format!("<={x}")),
            "cvss" => match t.as_deref().map(str::parse::<f32>) {
                Some(Ok(s)) if (0.0..=10.0).contains(&s) => v.cvss = s,
                Some(_) => err(
                    key,
                    format!("{:?} is not a CVSS score (0 to 10)", t.unwrap_or_default()),
                ),
                None => {}
            },
            "summary" => v.summary = t.unwrap_or_default(),
            _ => {}
        }
    }
    if v.id.is_empty() {
        err("id", "missing (the CVE or CNVD id)".into());
    }
    if v.cpe.is_none() && v.product.is_empty() {
        err("product", "missing (give a cpe, or a product)".into());
    }
    for (name, b) in [
        ("version_from", &v.version_from),
        ("version_to", &v.version_to),
    ] {
        if let Some(b) = b
            && !is_version(b)
        {
            err(name, format!("{b:?} is not a version"));
        }
    }
    if let Some(ver) = &version {
        if v.version_from.is_some() || v.version_to.is_some() {
            err(
                "version",
                "give either one affected version or a range, not both".into(),
            );
        }
        if !is_version(ver) {
            err("version", format!("{ver:?} is not a version"));
        }
    }
    // A vendor or a single version is written into a CPE, which holds both.
    if v.cpe.is_none() && (vendor.is_some() || version.is_some()) {
        v.cpe = Some(format!(
            "cpe:2.3:a:{}:{}:{}:*:*:*:*:*:*:*",
            cpe_component(vendor.as_deref().unwrap_or("*")),
            cpe_component(&v.product),
            version.as_deref().map_or("*".to_string(), cpe_component),
        ));
    } else if let (Some(ver), Some(cpe)) = (&version, &v.cpe)
        && let Some(c) = Cpe::parse(cpe)
    {
        v.cpe = Some(format!(
            "cpe:2.3:{}:{}:{}:{}:*:*:*:*:*:*:*",
            c.part,
            c.vendor,
            c.product,
            cpe_component(ver)
        ));
    }
    if v.product.is_empty()
        && let Some(c) = v.cpe.as_deref().and_then(Cpe::parse)
    {
        v.product = c.product.to_string();
    }
    if errors.is_empty() {
        Ok(v)
    } else {
        Err(errors)
    }
}

/// A CPE name component: lower case, spaces as underscores.
fn cpe_component(s: &str) -> String {
    s.trim().to_lowercase().replace(' ', "_")
}

/// One NVD CVE JSON 2.0 item (`{"cve": {...}}`).
fn nvd_item(rec: &Record) -> Result<Vec<Vulnerability>, Vec<RowError>> {
    let err = |field: &str, message: &str| {
        vec![RowError {
            line: rec.line,
            record: rec.number,
            field: field.to_string(),
            message: message.to_string(),
        }]
    };
    let Some(cve) = rec.fields.get("cve") else {
        return Err(err("cve", "missing"));
    };
    let Some(id) = cve.get("id").and_then(Value::as_str) else {
        return Err(err("cve.id", "missing"));
    };
    let summary = cve
        .get("descriptions")
        .and_then(Value::as_array)
        .and_then(|d| {
            d.iter()
                .find(|x| x.get("lang").and_then(Value::as_str) == Some("en"))
                .or(d.first())
        })
        .and_then(|x| x.get("value"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    // The newest CVSS version the item has, the primary (NVD) score first.
    let mut cvss = None;
    for key in [
        "cvssMetricV40",
        "cvssMetricV31",
        "cvssMetricV30",
        "cvssMetricV2",
    ] {
        let Some(list) = cve
            .get("metrics")
            .and_then(|m| m.get(key))
            .and_then(Value::as_array)
        else {
            continue;
        };
        let mut sorted: Vec<&Value> = list.iter().collect();
        sorted.sort_by_key(|m| m.get("type").and_then(Value::as_str) != Some("Primary"));
        cvss = sorted.iter().find_map(|m| {
            m.get("cvssData")
                .and_then(|d| d.get("baseScore"))
                .or(m.get("baseScore"))
                .and_then(Value::as_f64)
        });
        if cvss.is_some() {
            break;
        }
    }
    let mut out = Vec::new();
    let configs = cve.get("configurations").and_then(Value::as_array);
    for node in configs
        .into_iter()
        .flatten()
        .filter_map(|c| c.get("nodes").and_then(Value::as_array))
        .flatten()
    {
        for m in node
            .get("cpeMatch")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if m.get("vulnerable").and_then(Value::as_bool) == Some(false) {
                continue; // the platform it runs on, not what is vulnerable
            }
            let Some(criteria) = m.get("criteria").and_then(Value::as_str) else {
                continue;
            };
            let Some(c) = Cpe::parse(criteria) else {
                return Err(err(
                    "cpeMatch.criteria",
                    &format!("{criteria:?} is not a CPE 2.3 name"),
                ));
            };
            let s = |k: &str| m.get(k).and_then(Value::as_str).map(str::to_string);
            let from =
                s("versionStartIncluding").or(s("versionStartExcluding").map(|v| format!(">{v}")));
            let to =
                s("versionEndExcluding").or(s("versionEndIncluding").map(|v| format!("<={v}")));
            out.push(Vulnerability {
                id: id.to_string(),
                cpe: Some(criteria.to_string()),
                product: c.product.to_string(),
                version_from: from,
                version_to: to,
                cvss: cvss.unwrap_or(0.0) as f32,
                summary: summary.clone(),
            });
        }
    }
    Ok(out)
}

/// The parts of a CPE 2.3 formatted string we match on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Cpe<'a> {
    part: &'a str,
    vendor: &'a str,
    product: &'a str,
    version: &'a str,
}

impl<'a> Cpe<'a> {
    fn parse(s: &'a str) -> Option<Cpe<'a>> {
        let rest = s.strip_prefix("cpe:2.3:")?;
        let mut it = rest.split(':');
        let part = it.next()?;
        let vendor = it.next()?;
        let product = it.next()?;
        let version = it.next().unwrap_or("*");
        if !matches!(part, "a" | "o" | "h" | "*") || vendor.is_empty() || product.is_empty() {
            return None;
        }
        Some(Cpe {
            part,
            vendor,
            product,
            version,
        })
    }
}

/// Names banners use for products whose CPE names differ:
/// (name as announced, CPE vendor, CPE product).
const PRODUCT_ALIASES: &[(&str, &str, &str)] = &[
    ("openssh", "openbsd", "openssh"),
    ("apache", "apache", "http_server"),
    ("apache_httpd", "apache", "http_server"),
    ("httpd", "apache", "http_server"),
    ("nginx", "f5", "nginx"),
    (
        "microsoft_iis",
        "microsoft",
        "internet_information_services",
    ),
    ("iis", "microsoft", "internet_information_services"),
    ("dropbear", "dropbear_ssh_project", "dropbear_ssh"),
    ("lighttpd", "lighttpd", "lighttpd"),
    ("vsftpd", "vsftpd_project", "vsftpd"),
    ("proftpd", "proftpd", "proftpd"),
    ("libssh", "libssh", "libssh"),
    ("openssl", "openssl", "openssl"),
    ("boa", "boa", "boa"),
    ("goahead", "embedthis", "goahead"),
    ("mini_httpd", "acme", "mini_httpd"),
];

/// Lower case, runs of non-alphanumerics as one underscore: `Microsoft-IIS`
/// and `microsoft_iis` compare equal, as CPE names write products.
fn norm(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.trim().chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_matches('_').to_string()
}

/// Whether software called `name` is the product the vulnerability names.
fn same_product(name: &str, v: &Vulnerability) -> bool {
    let n = norm(name);
    if n.is_empty() {
        return false;
    }
    if let Some(c) = v.cpe.as_deref().and_then(Cpe::parse) {
        let (vendor, product) = (norm(c.vendor), norm(c.product));
        let alias = PRODUCT_ALIASES
            .iter()
            .any(|(a, ve, p)| *a == n && *p == product && (vendor == "*" || *ve == vendor));
        return alias || n == product || n == format!("{vendor}_{product}");
    }
    let p = norm(&v.product);
    n == p
        || PRODUCT_ALIASES
            .iter()
            .any(|(a, _, prod)| (*a == n && *prod == p) || (*a == p && *prod == n))
}

/// Whether `version` lies in the vulnerability's affected versions. An
/// unknown version matches only a vulnerability that affects every version
/// (no bounds, CPE version `*`): claiming a range matched without knowing
/// the version would make exposure a guess.
fn affected(version: Option<&str>, v: &Vulnerability) -> bool {
    let exact = v
        .cpe
        .as_deref()
        .and_then(Cpe::parse)
        .map(|c| c.version)
        .filter(|ver| !matches!(*ver, "*" | "-" | ""));
    let unbounded = exact.is_none() && v.version_from.is_none() && v.version_to.is_none();
    let Some(ver) = version.filter(|s| is_version(s)) else {
        return unbounded;
    };
    if let Some(e) = exact {
        // CPE escapes `.` and other punctuation with a backslash.
        return compare_versions(ver, &e.replace('\\', "")) == Ordering::Equal;
    }
    if let Some(from) = &v.version_from {
        let ok = match from.strip_prefix('>') {
            Some(f) => compare_versions(ver, f.trim()) == Ordering::Greater,
            None => compare_versions(ver, from.trim_start_matches(">=")) != Ordering::Less,
        };
        if !ok {
            return false;
        }
    }
    if let Some(to) = &v.version_to {
        let ok = match to.strip_prefix("<=") {
            Some(t) => compare_versions(ver, t.trim()) != Ordering::Greater,
            None => compare_versions(ver, to.trim_start_matches('<')) == Ordering::Less,
        };
        if !ok {
            return false;
        }
    }
    true
}

/// The vulnerabilities that apply to the asset's software (its software
/// list and what its services announce), one match per (id, software),
/// highest CVSS first.
pub fn match_vulns(asset: &Asset, vulns: &[Vulnerability]) -> Vec<VulnMatch> {
    let mut software: Vec<(String, Option<String>)> = asset
        .software
        .iter()
        .map(|s| (s.product.clone(), s.version.clone()))
        .collect();
    for s in &asset.services {
        if let Some(sw) = &s.software {
            let first = sw.split_whitespace().next().unwrap_or(sw);
            software.push(super::import::split_product_version(first));
        }
    }
    let mut out: Vec<VulnMatch> = Vec::new();
    for (product, version) in &software {
        for v in vulns {
            if !same_product(product, v) || !affected(version.as_deref(), v) {
                continue;
            }
            let label = match version {
                Some(ver) => format!("{product} {ver}"),
                None => product.clone(),
            };
            if out
                .iter()
                .any(|m| m.id == v.id && m.software.eq_ignore_ascii_case(&label))
            {
                continue;
            }
            out.push(VulnMatch {
                id: v.id.clone(),
                cvss: v.cvss,
                software: label,
            });
        }
    }
    out.sort_by(|a, b| b.cvss.total_cmp(&a.cvss).then_with(|| a.id.cmp(&b.id)));
    out
}

/// The asset's exposure, 0 (nothing known) to 10, from its matched
/// vulnerabilities ([`Asset::vulns`]):
///
/// `E = 10 × (1 − Π (1 − wᵢ·cᵢ/10))` over distinct vulnerability ids,
///
/// where `cᵢ` is the CVSS base score (the highest among the id's matches)
/// and `wᵢ` is 1 when the vulnerable software serves on a port of the asset
/// (a service announces it, or it was declared) and ½ when it was only seen
/// as a client (a browser, an SSH client): a server is reachable, a client
/// must first be lured. Each vulnerability is read as an independent chance
/// of compromise `wᵢ·cᵢ/10`; `E` is 10 × the chance that at least one
/// succeeds. So one 9.8 gives 9.8, two 7.5s give 9.4, and many lows never
/// pass 10.
pub fn exposure(asset: &Asset) -> f64 {
    let mut worst: HashMap<&str, f64> = HashMap::new();
    for m in &asset.vulns {
        let product = m.software.split_whitespace().next().unwrap_or("");
        let client_only = asset
            .software
            .iter()
            .filter(|s| s.product.eq_ignore_ascii_case(product))
            .all(|s| s.source.contains("client") || s.source.contains("user agent"))
            && !asset
                .services
                .iter()
                .filter_map(|s| s.software.as_deref())
                .any(|s| norm(s).starts_with(&norm(product)));
        let w = if client_only && !product.is_empty() {
            0.5
        } else {
            1.0
        };
        let c = (f64::from(m.cvss).clamp(0.0, 10.0) / 10.0) * w;
        let e = worst.entry(m.id.as_str()).or_insert(0.0);
        if c > *e {
            *e = c;
        }
    }
    let survive: f64 = worst.values().map(|c| 1.0 - c).product();
    10.0 * (1.0 - survive)
}

#[cfg(test)]
mod tests {
    use super::*;
    use taishi_core::domain::{Service, Software};

    fn vuln(
        id: &str,
        cpe: Option<&str>,
        product: &str,
        from: Option<&str>,
        to: Option<&str>,
        cvss: f32,
    ) -> Vulnerability {
        Vulnerability {
            id: id.into(),
            cpe: cpe.map(str::to_string),
            product: product.into(),
            version_from: from.map(str::to_string),
            version_to: to.map(str::to_string),
            cvss,
            summary: String::new(),
        }
    }

    fn host(sw: &[(&str, Option<&str>, &str)]) -> Asset {
        Asset {
            address: "10.0.0.1".into(),
            software: sw
                .iter()
                .map(|(p, v, s)| Software {
                    product: (*p).into(),
                    version: v.map(str::to_string),
                    source: (*s).into(),
                })
                .collect(),
            ..Asset::default()
        }
    }

    #[test]
    fn openssh_banner_matches_cve_2018_15473() {
        let v = vuln(
            "CVE-2018-15473",
            Some("cpe:2.3:a:openbsd:openssh:*:*:*:*:*:*:*:*"),
            "openssh",
            None,
            Some("7.8"),
            5.3,
        );
        let a = host(&[("OpenSSH", Some("7.4p1"), "ssh banner")]);
        let m = match_vulns(&a, std::slice::from_ref(&v));
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].id, "CVE-2018-15473");
        assert_eq!(m[0].software, "OpenSSH 7.4p1");
        // 7.8 itself is fixed; 9.2p1 is not affected.
        assert!(
            match_vulns(
                &host(&[("OpenSSH", Some("7.8"), "ssh banner")]),
                std::slice::from_ref(&v)
            )
            .is_empty()
        );
        assert!(
            match_vulns(
                &host(&[("OpenSSH", Some("9.2p1"), "ssh banner")]),
                std::slice::from_ref(&v)
            )
            .is_empty()
        );
        // Unknown version: a range cannot be claimed.
        assert!(match_vulns(&host(&[("OpenSSH", None, "ssh banner")]), &[v]).is_empty());
    }

    #[test]
    fn bounds_and_aliases() {
        // Apache's Server header says `Apache`; its CPE says http_server.
        let v = vuln(
            "CVE-2021-41773",
            Some("cpe:2.3:a:apache:http_server:2.4.49:*:*:*:*:*:*:*"),
            "",
            None,
            None,
            7.5,
        );
        let mut a = host(&[]);
        a.services.push(Service {
            port: 80,
            transport: "TCP".into(),
            software: Some("Apache/2.4.49 (Unix)".into()),
            ..Service::default()
        });
        let m = match_vulns(&a, std::slice::from_ref(&v));
        assert_eq!(m.len(), 1, "{m:?}");
        assert_eq!(m[0].software, "Apache 2.4.49");
        a.services[0].software = Some("Apache/2.4.50".into());
        assert!(match_vulns(&a, &[v]).is_empty());

        // Inclusive upper bound and exclusive lower bound (NVD).
        let v = vuln("X-1", None, "nginx", Some(">1.20.0"), Some("<=1.24.0"), 6.0);
        for (ver, want) in [
            ("1.20.0", false),
            ("1.20.1", true),
            ("1.24.0", true),
            ("1.24.1", false),
        ] {
            let a = host(&[("nginx", Some(ver), "http server")]);
            assert_eq!(
                !match_vulns(&a, std::slice::from_ref(&v)).is_empty(),
                want,
                "{ver}"
            );
        }
        // A different vendor's product of the same name does not match.
        let v = vuln(
            "X-2",
            Some("cpe:2.3:a:othervendor:openssh_gui:*:*:*:*:*:*:*:*"),
            "",
            None,
            None,
            5.0,
        );
        assert!(match_vulns(&host(&[("OpenSSH", Some("7.4p1"), "ssh banner")]), &[v]).is_empty());
    }

    #[test]
    fn exposure_formula() {
        let mut a = host(&[("OpenSSH", Some("7.4p1"), "ssh banner")]);
        assert_eq!(exposure(&a), 0.0);
        a.vulns = vec![VulnMatch {
            id: "A".into(),
            cvss: 9.8,
            software: "OpenSSH 7.4p1".into(),
        }];
        assert!((exposure(&a) - 9.8).abs() < 1e-6);
        a.vulns = vec![
            VulnMatch {
                id: "A".into(),
                cvss: 7.5,
                software: "OpenSSH 7.4p1".into(),
            },
            VulnMatch {
                id: "B".into(),
                cvss: 7.5,
                software: "OpenSSH 7.4p1".into(),
            },
            // The same id twice counts once.
            VulnMatch {
                id: "B".into(),
                cvss: 7.5,
                software: "OpenSSH 7.4p1".into(),
            },
        ];
        assert!((exposure(&a) - 9.375).abs() < 1e-6);
        // Client-only software weighs half.
        let mut c = host(&[("libssh", Some("0.9.6"), "ssh client banner")]);
        c.vulns = vec![VulnMatch {
            id: "C".into(),
            cvss: 8.0,
            software: "libssh 0.9.6".into(),
        }];
        assert!((exposure(&c) - 4.0).abs() < 1e-6);
    }
}
