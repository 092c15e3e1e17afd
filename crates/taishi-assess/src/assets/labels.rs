//! Chinese and English labels of the asset vocabularies, for the report,
//! the console and the CLI. Every code of docs/assets.md has both; a code
//! not in a vocabulary (an older record) is shown as written.

use taishi_core::domain::AssetOrigin;

/// (code, 中文, English).
const SECTOR: &[(&str, &str, &str)] = &[
    ("energy", "能源", "Energy"),
    ("water", "水利", "Water"),
    ("transport", "交通", "Transport"),
    ("finance", "金融", "Finance"),
    ("telecom", "公共通信和信息服务", "Telecommunications"),
    ("government", "电子政务", "Government"),
    ("healthcare", "医疗卫生", "Healthcare"),
    ("public_services", "公共服务", "Public services"),
    ("defence", "国防科技工业", "Defence industry"),
    ("manufacturing", "制造业", "Manufacturing"),
    ("education", "教育", "Education"),
    ("other", "其他", "Other"),
];

const ROLE: &[(&str, &str, &str)] = &[
    ("plc", "可编程逻辑控制器", "PLC"),
    ("rtu", "远程终端单元", "RTU"),
    ("ied", "智能电子设备", "IED"),
    ("dcs", "分布式控制系统", "DCS"),
    ("hmi", "人机界面", "HMI"),
    ("scada_server", "SCADA 服务器", "SCADA server"),
    (
        "engineering_workstation",
        "工程师站",
        "Engineering workstation",
    ),
    ("historian", "历史数据库", "Historian"),
    ("server", "服务器", "Server"),
    ("workstation", "办公终端", "Workstation"),
    ("network_device", "网络设备", "Network device"),
    ("network", "网段", "Network"),
    ("other", "其他", "Other"),
];

const ZONE: &[(&str, &str, &str)] = &[
    ("IT", "管理信息网", "IT"),
    ("DMZ", "隔离区", "DMZ"),
    ("OT", "生产控制网", "OT"),
    ("L0", "普渡 0 层（现场设备）", "Purdue L0 (process)"),
    ("L1", "普渡 1 层（基本控制）", "Purdue L1 (basic control)"),
    ("L2", "普渡 2 层（监控）", "Purdue L2 (supervisory)"),
    ("L3", "普渡 3 层（生产运营）", "Purdue L3 (operations)"),
    ("L4", "普渡 4 层（企业业务）", "Purdue L4 (business)"),
    ("L5", "普渡 5 层（企业网络）", "Purdue L5 (enterprise)"),
];

const ICS_ROLE: &[(&str, &str, &str)] = &[
    ("master", "主站", "Master"),
    ("outstation", "子站", "Outstation"),
];

fn pick<'a>(table: &[(&str, &'static str, &'static str)], code: &'a str, lang: &str) -> &'a str {
    table
        .iter()
        .find(|(c, _, _)| *c == code)
        .map_or(code, |(_, zh, en)| if lang == "zh" { zh } else { en })
}

/// The sector's name in `lang` (`"zh"` or `"en"`).
pub fn sector_label<'a>(code: &'a str, lang: &str) -> &'a str {
    pick(SECTOR, code, lang)
}

/// The role's name in `lang`.
pub fn role_label<'a>(code: &'a str, lang: &str) -> &'a str {
    pick(ROLE, code, lang)
}

/// The zone's name in `lang`.
pub fn zone_label<'a>(code: &'a str, lang: &str) -> &'a str {
    pick(ZONE, code, lang)
}

/// The industrial role's name in `lang` (`master`, `outstation`).
pub fn ics_role_label<'a>(code: &'a str, lang: &str) -> &'a str {
    pick(ICS_ROLE, code, lang)
}

/// Where a record came from, in `lang`.
pub fn origin_label(origin: AssetOrigin, lang: &str) -> &'static str {
    let (zh, en) = match origin {
        AssetOrigin::Declared => ("已登记", "Declared"),
        AssetOrigin::Discovered => ("流量发现", "Discovered"),
        AssetOrigin::Both => ("已登记且流量可见", "Declared and seen"),
    };
    if lang == "zh" { zh } else { en }
}

#[cfg(test)]
mod tests {
    use super::super::import::{ROLES, SECTORS, zone};
    use super::*;

    #[test]
    fn every_code_has_both_labels() {
        for (code, _) in SECTORS {
            assert_ne!(sector_label(code, "zh"), *code, "{code}");
            assert_ne!(sector_label(code, "en"), *code, "{code}");
        }
        for (code, _) in ROLES {
            assert_ne!(role_label(code, "zh"), *code, "{code}");
            assert_ne!(role_label(code, "en"), *code, "{code}");
        }
        for z in ["IT", "DMZ", "OT", "L0", "L1", "L2", "L3", "L4", "L5"] {
            assert_eq!(zone(z).as_deref(), Ok(z));
            assert!(ZONE.iter().any(|(c, _, _)| *c == z), "{z}");
        }
        assert_eq!(zone_label("L1", "zh"), "普渡 1 层（基本控制）");
        assert_eq!(ics_role_label("outstation", "en"), "Outstation");
        assert_eq!(sector_label("unknown-sector", "zh"), "unknown-sector");
        assert_eq!(origin_label(AssetOrigin::Both, "zh"), "已登记且流量可见");
    }
}
