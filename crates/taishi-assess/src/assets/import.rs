//! Importing the operator's asset registry from CSV, JSON or YAML.
//!
//! Registries come out of spreadsheets and CMDBs with their own column
//! names, so each field accepts common aliases (English and Chinese) and
//! the sector, zone and role vocabularies are normalised (docs/assets.md
//! lists them). A value outside a vocabulary is an error rather than a
//! guess: a typo in `zone` would otherwise move a PLC out of the OT posture.

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::Path;

use serde_json::Value;
use taishi_core::domain::{Asset, AssetOrigin, Service, Software};

use super::error::{AssetError, RowError};
use super::records::{self, Record};

/// What an import read: the assets and the columns it did not know.
#[derive(Clone, Debug, Default)]
pub struct Imported {
    /// The records, in file order.
    pub assets: Vec<Asset>,
    /// Field names present in the file that no asset field takes (kept out,
    /// listed so the caller can warn: `location`, `notes` ...).
    pub ignored_fields: Vec<String>,
}

/// Reads an asset registry (CSV, JSON or YAML; see docs/assets.md).
///
/// Every record must be good: on any bad field nothing is returned and
/// the error lists every bad field with its line.
pub fn import(path: &Path) -> Result<Vec<Asset>, AssetError> {
    import_report(path).map(|i| i.assets)
}

/// As [`import`], also naming the fields that were ignored.
pub fn import_report(path: &Path) -> Result<Imported, AssetError> {
    let (_, recs) = records::read(path, &["assets", "资产"])?;
    let mut assets = Vec::with_capacity(recs.len());
    let mut errors = Vec::new();
    let mut ignored: Vec<String> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for rec in &recs {
        let (asset, errs, unknown) = asset_from(rec);
        errors.extend(errs);
        for u in unknown {
            if !ignored.contains(&u) {
                ignored.push(u);
            }
        }
        if let Some(a) = asset {
            if let Some(first) = seen.get(&a.address) {
                errors.push(RowError {
                    line: rec.line,
                    record: rec.number,
                    field: "address".into(),
                    message: format!("{} is already declared at line {first}", a.address),
                });
            } else {
                seen.insert(a.address.clone(), rec.line);
                assets.push(a);
            }
        }
    }
    if !errors.is_empty() {
        return Err(AssetError::Rows {
            path: path.to_path_buf(),
            errors,
        });
    }
    Ok(Imported {
        assets,
        ignored_fields: ignored,
    })
}

/// The asset fields and the names a file may give them (compared after
/// lower-casing and turning spaces and dashes into underscores).
const FIELDS: &[(&str, &[&str])] = &[
    (
        "address",
        &[
            "address",
            "ip",
            "ip_address",
            "ipaddress",
            "addr",
            "cidr",
            "network",
            "subnet",
            "host_ip",
            "地址",
            "ip地址",
        ],
    ),
    (
        "name",
        &[
            "name",
            "hostname",
            "host_name",
            "asset_name",
            "名称",
            "资产名称",
        ],
    ),
    (
        "owner",
        &[
            "owner",
            "owner_unit",
            "unit",
            "department",
            "dept",
            "责任单位",
            "责任部门",
        ],
    ),
    (
        "tenant",
        &[
            "tenant",
            "operator",
            "organisation",
            "organization",
            "org",
            "运营者",
            "单位",
        ],
    ),
    ("sector", &["sector", "industry", "行业", "领域"]),
    (
        "criticality",
        &["criticality", "crit", "importance", "重要性", "重要程度"],
    ),
    (
        "cii",
        &[
            "cii",
            "is_cii",
            "critical_infrastructure",
            "关基",
            "关键信息基础设施",
        ],
    ),
    (
        "zone",
        &[
            "zone",
            "purdue",
            "purdue_level",
            "segment",
            "区域",
            "安全区",
        ],
    ),
    (
        "role",
        &[
            "role",
            "type",
            "device_type",
            "asset_type",
            "角色",
            "类型",
            "设备类型",
        ],
    ),
    (
        "authorised_peers",
        &[
            "authorised_peers",
            "authorized_peers",
            "peers",
            "allowed_peers",
            "授权对端",
        ],
    ),
    (
        "protocols",
        &["protocols", "protocol", "allowed_protocols", "协议"],
    ),
    (
        "function_codes",
        &["function_codes", "allowed_function_codes", "fcs", "功能码"],
    ),
    ("macs", &["macs", "mac", "mac_address", "mac地址"]),
    ("services", &["services", "service", "ports", "服务"]),
    ("software", &["software", "软件"]),
    (
        "os_hint",
        &["os_hint", "os", "operating_system", "操作系统"],
    ),
    ("ics_role", &["ics_role"]),
];

fn norm_key(k: &str) -> String {
    k.trim()
        .to_lowercase()
        .chars()
        .map(|c| if c == ' ' || c == '-' { '_' } else { c })
        .collect()
}

pub(crate) fn canonical_field(k: &str, table: &[(&'static str, &[&str])]) -> Option<&'static str> {
    let k = norm_key(k);
    table
        .iter()
        .find(|(_, aliases)| aliases.contains(&k.as_str()))
        .map(|(f, _)| *f)
}

/// A cell as text: strings trimmed, numbers and booleans printed; `None`
/// when empty.
pub(crate) fn text(v: &Value) -> Option<String> {
    let s = match v {
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => return None,
    };
    (!s.is_empty()).then_some(s)
}

/// A cell as a list: an array, or text separated by `;` or `|`.
pub(crate) fn list(v: &Value) -> Result<Vec<String>, String> {
    match v {
        Value::Array(items) => items
            .iter()
            .map(|i| text(i).ok_or_else(|| "list items must be text or numbers".to_string()))
            .collect(),
        Value::Null => Ok(Vec::new()),
        Value::Object(_) => Err("expected a list, found an object".into()),
        other => Ok(text(other)
            .unwrap_or_default()
            .split([';', '|'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()),
    }
}

/// Checks and normalises one record; returns the asset (when the address
/// is usable), the bad fields, and the unknown field names.
fn asset_from(rec: &Record) -> (Option<Asset>, Vec<RowError>, Vec<String>) {
    let mut a = Asset {
        origin: AssetOrigin::Declared,
        // Asset's documented default; `Default` would give 0.
        criticality: 2,
        ..Asset::default()
    };
    let mut errors = Vec::new();
    let mut unknown = Vec::new();
    let mut have_address = false;
    let mut err = |field: &str, message: String| {
        errors.push(RowError {
            line: rec.line,
            record: rec.number,
            field: field.to_string(),
            message,
        })
    };
    for (key, v) in &rec.fields {
        let Some(field) = canonical_field(key, FIELDS) else {
            unknown.push(key.clone());
            continue;
        };
        let res: Result<(), String> = (|| {
            match field {
                "address" => {
                    let t = text(v).ok_or("empty")?;
                    a.address = normalise_address(&t)?;
                    have_address = true;
                }
                "name" => a.name = text(v).unwrap_or_default(),
                "owner" => a.owner = text(v).unwrap_or_default(),
                "tenant" => a.tenant = text(v).unwrap_or_default(),
                "sector" => {
                    if let Some(t) = text(v) {
                        a.sector = vocab(&t, SECTORS)?;
                    }
                }
                "criticality" => {
                    if let Some(t) = text(v) {
                        a.criticality = criticality(&t)?;
                    }
                }
                "cii" => {
                    if let Some(t) = text(v) {
                        a.cii = yes_no(&t)?;
                    }
                }
                "zone" => {
                    if let Some(t) = text(v) {
                        a.zone = zone(&t)?;
                    }
                }
                "role" => {
                    if let Some(t) = text(v) {
                        a.role = vocab(&t, ROLES)?;
                    }
                }
                "authorised_peers" => {
                    a.authorised_peers = list(v)?
                        .iter()
                        .map(|p| normalise_address(p))
                        .collect::<Result<_, _>>()?;
                }
                "protocols" => {
                    a.protocols = list(v)?.iter().map(|p| p.to_lowercase()).collect();
                }
                "function_codes" => {
                    a.function_codes = list(v)?.iter().map(|p| p.to_lowercase()).collect();
                }
                "macs" => {
                    a.macs = list(v)?
                        .iter()
                        .map(|m| normalise_mac(m))
                        .collect::<Result<_, _>>()?;
                }
                "services" => a.services = services(v)?,
                "software" => a.software = software_list(v)?,
                "os_hint" => a.os_hint = text(v),
                "ics_role" => {
                    a.ics_role = match text(v).map(|t| t.to_lowercase()).as_deref() {
                        None => None,
                        Some(r @ ("master" | "outstation")) => Some(r.to_string()),
                        Some(r) => return Err(format!("{r:?} is not master or outstation")),
                    }
                }
                _ => {}
            }
            Ok(())
        })();
        if let Err(m) = res {
            err(key, m);
        }
    }
    let address_named = rec
        .fields
        .keys()
        .any(|k| canonical_field(k, FIELDS) == Some("address"));
    if !address_named {
        err(
            "address",
            "missing (give the host address or network in a column named address, ip or cidr)"
                .into(),
        );
    }
    (have_address.then_some(a), errors, unknown)
}

/// A host address in canonical form, or a network with its host bits
/// cleared (`10.0.1.7/24` → `10.0.1.0/24`; `/32` and `/128` become the
/// address).
pub(crate) fn normalise_address(s: &str) -> Result<String, String> {
    let s = s.trim();
    let (a, len) = match s.split_once('/') {
        Some((a, l)) => (a.trim(), Some(l.trim())),
        None => (s, None),
    };
    let ip: IpAddr = a
        .parse()
        .map_err(|_| format!("{s:?} is not an IP address or CIDR network"))?;
    let Some(len) = len else {
        return Ok(ip.to_string());
    };
    let max: u8 = if ip.is_ipv4() { 32 } else { 128 };
    let len: u8 = len
        .parse()
        .ok()
        .filter(|l| *l <= max)
        .ok_or_else(|| format!("{s:?}: prefix length must be 0..={max}"))?;
    if len == max {
        return Ok(ip.to_string());
    }
    let net = match ip {
        IpAddr::V4(v4) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0);
            IpAddr::V4((u32::from(v4) & mask).into())
        }
        IpAddr::V6(v6) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0);
            IpAddr::V6((u128::from(v6) & mask).into())
        }
    };
    Ok(format!("{net}/{len}"))
}

/// `aa:bb:cc:dd:ee:ff`, lower case, from colon, dash or dot notation.
pub(crate) fn normalise_mac(s: &str) -> Result<String, String> {
    let mut buf = [0u8; 17];
    normalise_mac_in(s, &mut buf)
        .map(str::to_string)
        .ok_or_else(|| format!("{s:?} is not a MAC address"))
}

/// [`normalise_mac`] into a buffer on the caller's stack, for the
/// discovery of every record, which must not allocate for a MAC it knows:
/// colons, dashes and dots are ignored, exactly 12 hex digits are written
/// lower-case as `xx:xx:xx:xx:xx:xx`; `None` for anything else.
pub(crate) fn normalise_mac_in<'b>(s: &str, buf: &'b mut [u8; 17]) -> Option<&'b str> {
    let mut n = 0usize;
    for c in s.bytes() {
        if matches!(c, b':' | b'-' | b'.') {
            continue;
        }
        if !c.is_ascii_hexdigit() {
            return None;
        }
        // Digit n goes to pair n / 2, after the colons of earlier pairs.
        *buf.get_mut(n / 2 * 3 + n % 2)? = c.to_ascii_lowercase();
        n += 1;
    }
    if n != 12 {
        return None;
    }
    for i in 0..5 {
        *buf.get_mut(i * 3 + 2)? = b':';
    }
    std::str::from_utf8(buf).ok()
}

/// Sectors: the CII sectors of the 关键信息基础设施安全保护条例 (art. 2)
/// plus the ones operators commonly add. (canonical, aliases).
pub(crate) const SECTORS: &[(&str, &[&str])] = &[
    (
        "energy",
        &[
            "energy",
            "power",
            "electricity",
            "electric",
            "oil",
            "gas",
            "能源",
            "电力",
            "石油",
            "燃气",
            "天然气",
        ],
    ),
    (
        "water",
        &[
            "water",
            "water_utility",
            "wastewater",
            "水利",
            "供水",
            "水务",
            "污水",
        ],
    ),
    (
        "transport",
        &[
            "transport",
            "transportation",
            "rail",
            "aviation",
            "shipping",
            "交通",
            "铁路",
            "民航",
            "航运",
        ],
    ),
    (
        "finance",
        &[
            "finance",
            "financial",
            "banking",
            "bank",
            "insurance",
            "金融",
            "银行",
            "证券",
            "保险",
        ],
    ),
    (
        "telecom",
        &[
            "telecom",
            "telecommunications",
            "communications",
            "ict",
            "电信",
            "通信",
            "公共通信",
        ],
    ),
    (
        "government",
        &[
            "government",
            "e_government",
            "egovernment",
            "政务",
            "电子政务",
            "政府",
        ],
    ),
    (
        "healthcare",
        &[
            "healthcare",
            "health",
            "medical",
            "hospital",
            "医疗",
            "卫生",
            "医疗卫生",
        ],
    ),
    (
        "public_services",
        &["public_services", "public_service", "公共服务"],
    ),
    ("defence", &["defence", "defense", "国防", "国防科技工业"]),
    (
        "manufacturing",
        &["manufacturing", "industry", "制造", "制造业", "工业"],
    ),
    ("education", &["education", "教育"]),
    ("other", &["other", "其他"]),
];

/// Roles. (canonical, aliases).
pub(crate) const ROLES: &[(&str, &[&str])] = &[
    ("plc", &["plc", "controller", "可编程控制器", "控制器"]),
    ("rtu", &["rtu", "remote_terminal_unit", "远程终端"]),
    (
        "ied",
        &[
            "ied",
            "relay",
            "protection_relay",
            "智能电子设备",
            "保护装置",
        ],
    ),
    ("dcs", &["dcs", "分布式控制系统"]),
    ("hmi", &["hmi", "operator_station", "人机界面", "操作员站"]),
    (
        "scada_server",
        &[
            "scada_server",
            "scada",
            "scada_master",
            "master_station",
            "前置机",
            "scada服务器",
            "主站",
        ],
    ),
    (
        "engineering_workstation",
        &["engineering_workstation", "ews", "eng_ws", "工程师站"],
    ),
    (
        "historian",
        &["historian", "historian_server", "历史数据库", "历史服务器"],
    ),
    (
        "server",
        &["server", "web_server", "database", "db", "服务器"],
    ),
    (
        "workstation",
        &[
            "workstation",
            "pc",
            "desktop",
            "laptop",
            "client",
            "办公终端",
            "终端",
            "工作站",
        ],
    ),
    (
        "network_device",
        &[
            "network_device",
            "router",
            "switch",
            "firewall",
            "gateway",
            "网络设备",
            "路由器",
            "交换机",
            "防火墙",
            "网关",
        ],
    ),
    ("network", &["network", "subnet", "lan", "网段", "网络"]),
    ("other", &["other", "其他"]),
];

pub(crate) fn vocab(value: &str, table: &[(&'static str, &[&str])]) -> Result<String, String> {
    let k = norm_key(value);
    table
        .iter()
        .find(|(c, aliases)| *c == k || aliases.contains(&k.as_str()))
        .map(|(c, _)| (*c).to_string())
        .ok_or_else(|| {
            format!(
                "{value:?} is not one of {}",
                table.iter().map(|(c, _)| *c).collect::<Vec<_>>().join(", ")
            )
        })
}

/// Zones: `IT`, `DMZ`, `OT`, or a Purdue level `L0`..`L5`.
pub(crate) fn zone(value: &str) -> Result<String, String> {
    let k = norm_key(value);
    let plain = k.replace(['_', '.'], "");
    let z = match k.as_str() {
        "it" | "office" | "corporate" | "enterprise" | "business" | "办公网" | "管理信息大区"
        | "信息网" => "IT",
        "dmz" | "idmz" | "l3.5" | "level_3.5" | "隔离区" | "非军事区" => "DMZ",
        "ot" | "ics" | "scada" | "control" | "production" | "控制网" | "生产网"
        | "生产控制大区" | "工控网" => "OT",
        _ => {
            // Purdue levels: L2, level 2, purdue 2, 2.
            let digits = plain
                .trim_start_matches("purduelevel")
                .trim_start_matches("purdue")
                .trim_start_matches("level")
                .trim_start_matches('l');
            match digits {
                "0" => "L0",
                "1" => "L1",
                "2" => "L2",
                "3" => "L3",
                "4" => "L4",
                "5" => "L5",
                "35" => "DMZ",
                _ => {
                    return Err(format!(
                        "{value:?} is not a zone (IT, DMZ, OT, or a Purdue level L0..L5)"
                    ));
                }
            }
        }
    };
    Ok(z.to_string())
}

/// 1..5, or a word for it.
pub(crate) fn criticality(value: &str) -> Result<u8, String> {
    let k = norm_key(value);
    let n = match k.as_str() {
        "low" | "低" => 1,
        "minor" | "较低" => 2,
        "medium" | "moderate" | "中" | "一般" => 3,
        "high" | "高" | "重要" => 4,
        "critical" | "vital" | "very_high" | "极高" | "关键" => 5,
        _ => {
            let n: f64 = k
                .parse()
                .map_err(|_| format!("{value:?} is not a criticality (1 to 5)"))?;
            if n.fract() != 0.0 || !(1.0..=5.0).contains(&n) {
                return Err(format!("{value:?} is not a criticality (1 to 5)"));
            }
            n as u8
        }
    };
    Ok(n)
}

/// yes/no, true/false, 1/0, y/n, 是/否.
pub(crate) fn yes_no(value: &str) -> Result<bool, String> {
    match norm_key(value).as_str() {
        "yes" | "y" | "true" | "1" | "是" | "x" => Ok(true),
        "no" | "n" | "false" | "0" | "否" | "" => Ok(false),
        _ => Err(format!("{value:?} is not yes or no")),
    }
}

/// Declared services: `502/tcp/modbus`, `tcp/502`, `443`, or objects with
/// port, transport, app_proto.
fn services(v: &Value) -> Result<Vec<Service>, String> {
    let items: Vec<Value> = match v {
        Value::Array(a) => a.clone(),
        other => list(other)?.into_iter().map(Value::String).collect(),
    };
    items
        .iter()
        .map(|i| match i {
            Value::Object(_) => serde_json::from_value::<Service>(i.clone())
                .map_err(|e| format!("service object: {e}"))
                .map(|mut s| {
                    s.transport = s.transport.to_uppercase();
                    if s.transport.is_empty() {
                        s.transport = "TCP".into();
                    }
                    s
                }),
            other => service_text(&text(other).unwrap_or_default()),
        })
        .collect()
}

fn service_text(s: &str) -> Result<Service, String> {
    let mut svc = Service {
        transport: "TCP".into(),
        ..Service::default()
    };
    let mut port = None;
    for part in s.split('/').map(str::trim).filter(|p| !p.is_empty()) {
        if let Ok(p) = part.parse::<u16>() {
            port = Some(p);
        } else if ["tcp", "udp", "sctp"].contains(&part.to_lowercase().as_str()) {
            svc.transport = part.to_uppercase();
        } else {
            svc.app_proto = Some(part.to_lowercase());
        }
    }
    svc.port = port.ok_or_else(|| format!("service {s:?} has no port (write 502/tcp/modbus)"))?;
    Ok(svc)
}

/// Declared software: `OpenSSH 7.4p1`, `OpenSSH/7.4p1`, or objects with
/// product and version.
fn software_list(v: &Value) -> Result<Vec<Software>, String> {
    let items: Vec<Value> = match v {
        Value::Array(a) => a.clone(),
        other => list(other)?.into_iter().map(Value::String).collect(),
    };
    items
        .iter()
        .map(|i| match i {
            Value::Object(m) => {
                let product = m
                    .get("product")
                    .and_then(text)
                    .ok_or("software object without product")?;
                Ok(Software {
                    product,
                    version: m.get("version").and_then(text),
                    source: "declared".into(),
                })
            }
            other => {
                let t = text(other).unwrap_or_default();
                let (product, version) = split_product_version(&t);
                Ok(Software {
                    product,
                    version,
                    source: "declared".into(),
                })
            }
        })
        .collect()
}

/// `OpenSSH 7.4p1` / `Apache/2.4.49` / `OpenSSH_7.4p1` → product, version:
/// the version is the last token that starts with a digit.
pub(crate) fn split_product_version(s: &str) -> (String, Option<String>) {
    let s = s.trim();
    if let Some(i) = s.rfind(['/', ' ', '_']) {
        let (p, v) = (s.get(..i).unwrap_or(s), s.get(i + 1..).unwrap_or(""));
        let v = v.trim_start_matches(['v', 'V']);
        if v.starts_with(|c: char| c.is_ascii_digit()) && !p.trim().is_empty() {
            return (p.trim().to_string(), Some(v.to_string()));
        }
    }
    (s.to_string(), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_canonical() {
        assert_eq!(
            normalise_address("10.0.1.7/24").as_deref(),
            Ok("10.0.1.0/24")
        );
        assert_eq!(normalise_address("10.0.1.7/32").as_deref(), Ok("10.0.1.7"));
        assert_eq!(
            normalise_address("2001:0db8:0000:0000:0000:0000:0000:0001").as_deref(),
            Ok("2001:db8::1")
        );
        assert!(normalise_address("10.0.1.0/33").is_err());
        assert!(normalise_address("plc-1").is_err());
    }

    #[test]
    fn vocabularies() {
        assert_eq!(vocab("Power", SECTORS).as_deref(), Ok("energy"));
        assert_eq!(vocab("水利", SECTORS).as_deref(), Ok("water"));
        assert_eq!(
            vocab("Engineering Workstation", ROLES).as_deref(),
            Ok("engineering_workstation")
        );
        assert!(vocab("toaster", ROLES).is_err());
        assert_eq!(zone("level 2").as_deref(), Ok("L2"));
        assert_eq!(zone("l3.5").as_deref(), Ok("DMZ"));
        assert_eq!(zone("ot").as_deref(), Ok("OT"));
        assert_eq!(zone("生产控制大区").as_deref(), Ok("OT"));
        assert!(zone("L7").is_err());
        assert_eq!(criticality("5"), Ok(5));
        assert_eq!(criticality("high"), Ok(4));
        assert!(criticality("6").is_err());
        assert!(criticality("2.5").is_err());
        assert_eq!(yes_no("是"), Ok(true));
        assert_eq!(yes_no("No"), Ok(false));
        assert!(yes_no("maybe").is_err());
        assert_eq!(
            normalise_mac("00-80-F4-14-00-0B").as_deref(),
            Ok("00:80:f4:14:00:0b")
        );
        for ok in ["0080.f414.000b", "00:80:f4:14:00:0B", "0080F414000B"] {
            assert_eq!(
                normalise_mac(ok).as_deref(),
                Ok("00:80:f4:14:00:0b"),
                "{ok}"
            );
        }
        for bad in [
            "00:80:f4:14:00",
            "00:80:f4:14:00:0b:01",
            "00:80:f4:14:00:0g",
            "",
            "é0:80:f4:14:00:0b",
        ] {
            assert!(normalise_mac(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn product_and_version() {
        assert_eq!(
            split_product_version("OpenSSH 7.4p1"),
            ("OpenSSH".into(), Some("7.4p1".into()))
        );
        assert_eq!(
            split_product_version("Apache/2.4.49"),
            ("Apache".into(), Some("2.4.49".into()))
        );
        assert_eq!(
            split_product_version("OpenSSH_9.2p1"),
            ("OpenSSH".into(), Some("9.2p1".into()))
        );
        assert_eq!(split_product_version("nginx"), ("nginx".into(), None));
        assert_eq!(
            split_product_version("Siemens S7-1200 v4.2"),
            ("Siemens S7-1200".into(), Some("4.2".into()))
        );
        assert_eq!(
            service_text("502/tcp/modbus"),
            Ok(Service {
                port: 502,
                transport: "TCP".into(),
                app_proto: Some("modbus".into()),
                ..Service::default()
            })
        );
        assert_eq!(
            service_text("udp/20000").map(|s| s.transport),
            Ok("UDP".into())
        );
        assert!(service_text("modbus").is_err());
    }
}
