//! Incident categories after GB/T 20986-2023 (信息安全技术 网络安全事件分类
//! 分级指南), and the category of one alert.
//!
//! The standard sorts incidents into ten top-level categories with
//! sub-categories; a network sensor sees evidence of four of them
//! (malicious programs, network attacks, data security, violations) plus
//! "other". Codes are ours (`top/sub`, snake case, stable in JSON); labels
//! use the standard's Chinese names. Where the standard has no
//! sub-category for what we see (brute force, industrial control
//! manipulation, lateral movement) docs/incidents.md says which one we chose
//! and why.

use serde_json::Value;
use taishi_core::domain::AlertRow;

use super::stage::{Stage, by_technique, stages_of};

/// A GB/T 20986-2023 category (top-level / sub-level).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Category {
    /// 恶意程序事件 / 特洛伊木马事件: a host talks to its controller
    /// (beaconing, DNS tunnel, trojan signatures).
    Trojan,
    /// 恶意程序事件 / 僵尸网络事件: botnet traffic (DGA, C2 domains).
    Botnet,
    /// 恶意程序事件 / 勒索软件事件 (T1486).
    Ransomware,
    /// 恶意程序事件 / 挖矿病毒事件 (T1496, coin-mining signatures).
    Mining,
    /// 恶意程序事件 / 恶意代码内嵌网页事件: drive-by and exploit kits (T1189).
    MaliciousWebCode,
    /// 恶意程序事件 / 其他恶意程序事件.
    OtherMalware,
    /// 网络攻击事件 / 拒绝服务攻击事件: floods, device stops.
    DenialOfService,
    /// 网络攻击事件 / 网络扫描探测事件: port scans, sweeps, function-code scans.
    Scanning,
    /// 网络攻击事件 / 后门攻击事件: web shells and implants (T1505).
    Backdoor,
    /// 网络攻击事件 / 漏洞攻击事件: exploitation of services and applications.
    Exploitation,
    /// 网络攻击事件 / 口令暴力破解 (filed under the standard's
    /// 其他网络攻击事件, which has no sub-category for it).
    BruteForce,
    /// 网络攻击事件 / 网络钓鱼事件.
    Phishing,
    /// 网络攻击事件 / 其他网络攻击事件: lateral movement and other attacks.
    OtherAttack,
    /// 数据安全事件 / 数据窃取事件: exfiltration.
    DataTheft,
    /// 数据安全事件 / 数据泄露事件: credentials or data exposed in the clear.
    DataLeak,
    /// 数据安全事件 / 数据篡改事件: unauthorised writes and commands to
    /// industrial devices (setpoints, coils, programs, modes).
    DataTampering,
    /// 违规操作事件: policy violations.
    Violation,
    /// 异常行为事件 / 访问异常: contact with a known-bad indicator.
    AbnormalAccess,
    /// 其他事件.
    Other,
}

impl Category {
    /// Every category.
    pub const ALL: [Category; 19] = [
        Category::Trojan,
        Category::Botnet,
        Category::Ransomware,
        Category::Mining,
        Category::MaliciousWebCode,
        Category::OtherMalware,
        Category::DenialOfService,
        Category::Scanning,
        Category::Backdoor,
        Category::Exploitation,
        Category::BruteForce,
        Category::Phishing,
        Category::OtherAttack,
        Category::DataTheft,
        Category::DataLeak,
        Category::DataTampering,
        Category::Violation,
        Category::AbnormalAccess,
        Category::Other,
    ];

    /// The code stored in `Incident::category` (`network_attack/scanning`).
    pub fn code(self) -> &'static str {
        match self {
            Category::Trojan => "malicious_program/trojan",
            Category::Botnet => "malicious_program/botnet",
            Category::Ransomware => "malicious_program/ransomware",
            Category::Mining => "malicious_program/mining",
            Category::MaliciousWebCode => "malicious_program/malicious_web_code",
            Category::OtherMalware => "malicious_program/other",
            Category::DenialOfService => "network_attack/denial_of_service",
            Category::Scanning => "network_attack/scanning",
            Category::Backdoor => "network_attack/backdoor",
            Category::Exploitation => "network_attack/vulnerability_exploitation",
            Category::BruteForce => "network_attack/brute_force",
            Category::Phishing => "network_attack/phishing",
            Category::OtherAttack => "network_attack/other",
            Category::DataTheft => "data_security/theft",
            Category::DataLeak => "data_security/leak",
            Category::DataTampering => "data_security/tampering",
            Category::Violation => "violation/policy",
            Category::AbnormalAccess => "abnormal_behaviour/access",
            Category::Other => "other/other",
        }
    }

    /// Parses [`Category::code`]'s codes.
    pub fn parse(code: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.code() == code)
    }

    /// The top-level code (`network_attack`).
    pub fn top(self) -> &'static str {
        self.code().split('/').next().unwrap_or("other")
    }

    /// `top / sub` label in Chinese (`zh`, the standard's names) or English.
    pub fn label(self, lang: &str) -> &'static str {
        let zh = lang == "zh";
        macro_rules! l {
            ($z:expr, $e:expr) => {
                if zh { $z } else { $e }
            };
        }
        match self {
            Category::Trojan => l!(
                "恶意程序事件 / 特洛伊木马事件",
                "Malicious program / Trojan"
            ),
            Category::Botnet => l!("恶意程序事件 / 僵尸网络事件", "Malicious program / Botnet"),
            Category::Ransomware => {
                l!(
                    "恶意程序事件 / 勒索软件事件",
                    "Malicious program / Ransomware"
                )
            }
            Category::Mining => l!(
                "恶意程序事件 / 挖矿病毒事件",
                "Malicious program / Cryptomining"
            ),
            Category::MaliciousWebCode => l!(
                "恶意程序事件 / 恶意代码内嵌网页事件",
                "Malicious program / Malicious code in web pages"
            ),
            Category::OtherMalware => {
                l!(
                    "恶意程序事件 / 其他恶意程序事件",
                    "Malicious program / Other"
                )
            }
            Category::DenialOfService => {
                l!(
                    "网络攻击事件 / 拒绝服务攻击事件",
                    "Network attack / Denial of service"
                )
            }
            Category::Scanning => {
                l!(
                    "网络攻击事件 / 网络扫描探测事件",
                    "Network attack / Scanning and probing"
                )
            }
            Category::Backdoor => l!("网络攻击事件 / 后门攻击事件", "Network attack / Backdoor"),
            Category::Exploitation => l!(
                "网络攻击事件 / 漏洞攻击事件",
                "Network attack / Vulnerability exploitation"
            ),
            Category::BruteForce => {
                l!(
                    "网络攻击事件 / 口令暴力破解",
                    "Network attack / Brute force"
                )
            }
            Category::Phishing => l!("网络攻击事件 / 网络钓鱼事件", "Network attack / Phishing"),
            Category::OtherAttack => {
                l!("网络攻击事件 / 其他网络攻击事件", "Network attack / Other")
            }
            Category::DataTheft => l!("数据安全事件 / 数据窃取事件", "Data security / Data theft"),
            Category::DataLeak => l!("数据安全事件 / 数据泄露事件", "Data security / Data leak"),
            Category::DataTampering => {
                l!(
                    "数据安全事件 / 数据篡改事件",
                    "Data security / Data tampering"
                )
            }
            Category::Violation => l!("违规操作事件", "Violation of policy"),
            Category::AbnormalAccess => {
                l!(
                    "异常行为事件 / 访问异常",
                    "Abnormal behaviour / Abnormal access"
                )
            }
            Category::Other => l!("其他事件", "Other"),
        }
    }

    /// A short noun for titles (`Port scan`, `Brute force` ...).
    pub fn noun(self) -> &'static str {
        match self {
            Category::Trojan => "Command-and-control traffic",
            Category::Botnet => "Botnet traffic",
            Category::Ransomware => "Ransomware",
            Category::Mining => "Cryptomining",
            Category::MaliciousWebCode => "Malicious web content",
            Category::OtherMalware => "Malware",
            Category::DenialOfService => "Denial of service",
            Category::Scanning => "Scanning",
            Category::Backdoor => "Backdoor",
            Category::Exploitation => "Exploitation",
            Category::BruteForce => "Brute force",
            Category::Phishing => "Phishing",
            Category::OtherAttack => "Attack",
            Category::DataTheft => "Data exfiltration",
            Category::DataLeak => "Data exposure",
            Category::DataTampering => "Unauthorised control",
            Category::Violation => "Policy violation",
            Category::AbnormalAccess => "Contact with a known-bad indicator",
            Category::Other => "Suspicious activity",
        }
    }
}

/// Technique (or its parent) → category, most specific evidence first.
const TECHNIQUE_CATEGORY: &[(&str, Category)] = &[
    ("T1046", Category::Scanning),
    ("T1018", Category::Scanning),
    ("T1082", Category::Scanning),
    ("T1083", Category::Scanning),
    ("T1135", Category::Scanning),
    ("T1590", Category::Scanning),
    ("T1595", Category::Scanning),
    ("T0846", Category::Scanning),
    ("T0840", Category::Scanning),
    ("T0888", Category::Scanning),
    ("T1110", Category::BruteForce),
    ("T1498", Category::DenialOfService),
    ("T1499", Category::DenialOfService),
    ("T0814", Category::DenialOfService),
    ("T0816", Category::DenialOfService),
    ("T0813", Category::DenialOfService),
    ("T0826", Category::DenialOfService),
    ("T1568", Category::Botnet),
    ("T1071", Category::Trojan),
    ("T1573", Category::Trojan),
    ("T1102", Category::Trojan),
    ("T1105", Category::Trojan),
    ("T1001", Category::Trojan),
    ("T1572", Category::Trojan),
    ("T1095", Category::Trojan),
    ("T1219", Category::Trojan),
    ("T0869", Category::Trojan),
    ("T0885", Category::Trojan),
    ("T1041", Category::DataTheft),
    ("T1048", Category::DataTheft),
    ("T1567", Category::DataTheft),
    ("T1020", Category::DataTheft),
    ("T1005", Category::DataTheft),
    ("T1552", Category::DataLeak),
    ("T0855", Category::DataTampering),
    ("T0836", Category::DataTampering),
    ("T0843", Category::DataTampering),
    ("T0858", Category::DataTampering),
    ("T0831", Category::DataTampering),
    ("T0806", Category::DataTampering),
    ("T1190", Category::Exploitation),
    ("T1210", Category::Exploitation),
    ("T1203", Category::Exploitation),
    ("T1068", Category::Exploitation),
    ("T0866", Category::Exploitation),
    ("T1566", Category::Phishing),
    ("T1189", Category::MaliciousWebCode),
    ("T1505", Category::Backdoor),
    ("T1486", Category::Ransomware),
    ("T1496", Category::Mining),
    ("T1021", Category::OtherAttack),
    ("T1570", Category::OtherAttack),
    ("T1059", Category::OtherAttack),
];

fn category_of_technique(t: &str) -> Option<Category> {
    by_technique(TECHNIQUE_CATEGORY, t)
}

/// Category from an intel hit's tags (`alert.metadata.intel_tags`).
fn category_of_intel(record: &Value) -> Option<Category> {
    let tags = record.pointer("/alert/metadata/intel_tags")?.as_array()?;
    tags.iter()
        .filter_map(Value::as_str)
        .find_map(|t| match t.to_ascii_lowercase().as_str() {
            "phishing" => Some(Category::Phishing),
            "c2" | "c&c" | "cnc" | "botnet" | "bot" => Some(Category::Botnet),
            "trojan" | "rat" => Some(Category::Trojan),
            "ransomware" => Some(Category::Ransomware),
            "miner" | "mining" | "coinminer" => Some(Category::Mining),
            "malware" => Some(Category::OtherMalware),
            "scanner" | "scanning" => Some(Category::Scanning),
            "bruteforce" | "brute_force" => Some(Category::BruteForce),
            _ => None,
        })
}

/// Suricata classtype descriptions (ET Open's `classification.config`,
/// matched by a lower-case part, first match wins) → stage and category.
/// One table for both so that a classtype never means two things.
const CLASSTYPES: &[(&str, Option<Stage>, Category)] = &[
    (
        "denial of service",
        Some(Stage::Impact),
        Category::DenialOfService,
    ),
    (
        "network scan",
        Some(Stage::Reconnaissance),
        Category::Scanning,
    ),
    (
        "information leak",
        Some(Stage::Reconnaissance),
        Category::Scanning,
    ),
    ("rpc query", Some(Stage::Reconnaissance), Category::Scanning),
    (
        "network trojan",
        Some(Stage::CommandAndControl),
        Category::Trojan,
    ),
    (
        "command and control",
        Some(Stage::CommandAndControl),
        Category::Botnet,
    ),
    (
        "used for c2",
        Some(Stage::CommandAndControl),
        Category::Botnet,
    ),
    (
        "exploit kit",
        Some(Stage::InitialAccess),
        Category::MaliciousWebCode,
    ),
    (
        "social engineering",
        Some(Stage::InitialAccess),
        Category::Phishing,
    ),
    (
        "credential theft",
        Some(Stage::CredentialAccess),
        Category::DataTheft,
    ),
    (
        "suspicious username",
        Some(Stage::CredentialAccess),
        Category::BruteForce,
    ),
    (
        "default username",
        Some(Stage::CredentialAccess),
        Category::BruteForce,
    ),
    (
        "crypto currency mining",
        Some(Stage::Impact),
        Category::Mining,
    ),
    ("unwanted program", None, Category::OtherMalware),
    // ET's POLICY rules: a user's Dropbox or curl, not a step of an intrusion.
    ("privacy violation", None, Category::Violation),
    (
        "executable code",
        Some(Stage::Execution),
        Category::Exploitation,
    ),
    (
        "system call",
        Some(Stage::Execution),
        Category::Exploitation,
    ),
    (
        "privilege gain",
        Some(Stage::InitialAccess),
        Category::Exploitation,
    ),
    (
        "web application attack",
        Some(Stage::InitialAccess),
        Category::Exploitation,
    ),
    (
        "vulnerable web application",
        Some(Stage::InitialAccess),
        Category::Exploitation,
    ),
    (
        "targeted malicious",
        Some(Stage::InitialAccess),
        Category::Exploitation,
    ),
    (
        "misc attack",
        Some(Stage::InitialAccess),
        Category::Exploitation,
    ),
    ("intelligence hit", None, Category::AbnormalAccess),
];

/// Stage and category of a classtype description, `None` when it says
/// nothing about intent ("Misc activity", "Not Suspicious Traffic" ...).
pub(super) fn classtype(category: &str) -> Option<(Option<Stage>, Category)> {
    let c = category.trim().to_ascii_lowercase();
    CLASSTYPES
        .iter()
        .find(|(needle, _, _)| c.contains(needle))
        .map(|&(_, stage, cat)| (stage, cat))
}

fn category_of_stage(stage: Stage) -> Category {
    match stage {
        Stage::Reconnaissance | Stage::Discovery => Category::Scanning,
        Stage::InitialAccess | Stage::Execution | Stage::PrivilegeEscalation => {
            Category::Exploitation
        }
        Stage::CredentialAccess => Category::BruteForce,
        Stage::Persistence => Category::Backdoor,
        Stage::CommandAndControl => Category::Trojan,
        Stage::Exfiltration | Stage::Collection => Category::DataTheft,
        Stage::ImpairProcessControl => Category::DataTampering,
        Stage::InhibitResponseFunction | Stage::Impact => Category::DenialOfService,
        Stage::ResourceDevelopment | Stage::DefenseEvasion | Stage::LateralMovement => {
            Category::OtherAttack
        }
    }
}

/// The GB/T 20986 category of one alert: from its techniques (the most
/// specific evidence), else an intel hit's tags, else its classtype, else
/// its stage, else [`Category::Other`].
pub fn category_of(alert: &AlertRow) -> Category {
    if let Some(c) = alert
        .techniques
        .iter()
        .find_map(|t| category_of_technique(t))
    {
        return c;
    }
    if alert.gid == 2
        && let Some(c) = category_of_intel(&alert.record)
    {
        return c;
    }
    if let Some((_, c)) = classtype(&alert.category) {
        return c;
    }
    stages_of(alert)
        .last()
        .copied()
        .map_or(Category::Other, category_of_stage)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn row(gid: u32, techniques: &[&str], tactics: &[&str], category: &str) -> AlertRow {
        AlertRow {
            gid,
            ..super::super::tests::row(techniques, tactics, category)
        }
    }

    #[test]
    fn behavioural_detections_get_their_sub_category() {
        let cases = [
            (&["T1046"][..], Category::Scanning),
            (&["T1018"][..], Category::Scanning),
            (&["T1110", "T1110.001"][..], Category::BruteForce),
            (&["T1499", "T1499.001"][..], Category::DenialOfService),
            (&["T1498", "T1498.002"][..], Category::DenialOfService),
            (&["T1071", "T1071.001"][..], Category::Trojan),
            (&["T1568", "T1568.002"][..], Category::Botnet),
            (&["T1048", "T1048.002"][..], Category::DataTheft),
            (&["T1041"][..], Category::DataTheft),
            (&["T1021", "T1021.002"][..], Category::OtherAttack),
            (&["T1552"][..], Category::DataLeak),
            (&["T0855", "T0836"][..], Category::DataTampering),
            (&["T0816"][..], Category::DenialOfService),
            (&["T0846"][..], Category::Scanning),
        ];
        for (techs, want) in cases {
            assert_eq!(category_of(&row(3, techs, &[], "")), want, "{techs:?}");
        }
    }

    #[test]
    fn signatures_fall_back_to_classtype_then_stage() {
        let web = row(1, &[], &[], "Web Application Attack");
        assert_eq!(category_of(&web), Category::Exploitation);
        let trojan = row(1, &[], &[], "A Network Trojan was detected");
        assert_eq!(category_of(&trojan), Category::Trojan);
        let c2 = row(1, &[], &[], "Malware Command and Control Activity Detected");
        assert_eq!(category_of(&c2), Category::Botnet);
        let dos = row(1, &[], &[], "Attempted Denial of Service");
        assert_eq!(category_of(&dos), Category::DenialOfService);
        let policy = row(1, &[], &[], "Potential Corporate Privacy Violation");
        assert_eq!(category_of(&policy), Category::Violation);
        let by_tactic = row(1, &[], &["TA0010"], "Misc activity");
        assert_eq!(category_of(&by_tactic), Category::DataTheft);
        let nothing = row(1, &[], &[], "Misc activity");
        assert_eq!(category_of(&nothing), Category::Other);
    }

    #[test]
    fn intel_hits_use_their_tags() {
        let mut hit = row(2, &[], &[], "Intelligence hit");
        hit.record = json!({"alert": {"metadata": {"intel_tags": ["phishing"]}}});
        assert_eq!(category_of(&hit), Category::Phishing);
        hit.record = json!({"alert": {"metadata": {"intel_tags": ["whatever"]}}});
        assert_eq!(category_of(&hit), Category::AbnormalAccess);
        hit.record = json!({"alert": {"metadata": {"intel_tags": "not a list"}}});
        assert_eq!(category_of(&hit), Category::AbnormalAccess);
    }

    #[test]
    fn codes_round_trip_and_labels_are_bilingual() {
        for c in Category::ALL {
            assert_eq!(Category::parse(c.code()), Some(c));
            assert!(c.code().starts_with(c.top()));
            assert_ne!(c.label("zh"), c.label("en"));
        }
        assert_eq!(Category::parse("nonsense"), None);
    }
}
