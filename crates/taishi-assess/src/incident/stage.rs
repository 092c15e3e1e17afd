//! Kill-chain stages: ATT&CK tactics (Enterprise and ICS) on one ordered
//! chain, the tactic of each technique our alerts carry, and a stage for
//! signature alerts that carry neither, from their classtype.

use serde::{Deserialize, Serialize};
use taishi_core::domain::AlertRow;

use super::category::classtype;

/// A stage of the attack chain, in chain order (the derive of `Ord` follows
/// the declaration order).
///
/// ATT&CK's Enterprise and ICS matrices are merged onto one chain so that
/// an intrusion crossing from IT into OT reads as one story. One change to
/// ATT&CK's column order: *discovery* comes right after reconnaissance,
/// before initial access. What a network sensor sees of discovery is
/// scanning (T1046, T1018, T0846), and a scanner scans *before* it tries
/// its way in, whether it stands outside or has just pivoted inside; in
/// ATT&CK's order a scan would read as coming after the brute force it
/// prepared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// TA0043: gathering information on the target from outside.
    Reconnaissance,
    /// TA0042: acquiring infrastructure (ET tags abused hosting with it).
    ResourceDevelopment,
    /// TA0007, ICS TA0102: mapping hosts and services (scans, sweeps).
    Discovery,
    /// TA0001, ICS TA0108: getting in (exploits, phishing, drive-by).
    InitialAccess,
    /// TA0006: guessing or stealing credentials.
    CredentialAccess,
    /// TA0002, ICS TA0104: running code or commands.
    Execution,
    /// TA0003, ICS TA0110: staying in.
    Persistence,
    /// TA0004, ICS TA0111: gaining higher rights.
    PrivilegeEscalation,
    /// TA0005, ICS TA0103: avoiding detection.
    DefenseEvasion,
    /// TA0008, ICS TA0109: moving to other hosts.
    LateralMovement,
    /// TA0009, ICS TA0100: gathering the data or process state wanted.
    Collection,
    /// TA0011, ICS TA0101: talking to the attacker's infrastructure.
    CommandAndControl,
    /// TA0010: taking data out.
    Exfiltration,
    /// ICS TA0107: disabling safety, protection and alarms.
    InhibitResponseFunction,
    /// ICS TA0106: manipulating the physical process.
    ImpairProcessControl,
    /// TA0040, ICS TA0105: disrupting, destroying or holding to ransom.
    Impact,
}

impl Stage {
    /// Every stage, in chain order.
    pub const ALL: [Stage; 16] = [
        Stage::Reconnaissance,
        Stage::ResourceDevelopment,
        Stage::Discovery,
        Stage::InitialAccess,
        Stage::CredentialAccess,
        Stage::Execution,
        Stage::Persistence,
        Stage::PrivilegeEscalation,
        Stage::DefenseEvasion,
        Stage::LateralMovement,
        Stage::Collection,
        Stage::CommandAndControl,
        Stage::Exfiltration,
        Stage::InhibitResponseFunction,
        Stage::ImpairProcessControl,
        Stage::Impact,
    ];

    /// Position on the chain, 0 (reconnaissance) to 15 (impact).
    pub fn rank(self) -> u8 {
        self as u8
    }

    /// The name stored in [`Incident::stages`](taishi_core::domain::Incident).
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Reconnaissance => "reconnaissance",
            Stage::ResourceDevelopment => "resource_development",
            Stage::Discovery => "discovery",
            Stage::InitialAccess => "initial_access",
            Stage::CredentialAccess => "credential_access",
            Stage::Execution => "execution",
            Stage::Persistence => "persistence",
            Stage::PrivilegeEscalation => "privilege_escalation",
            Stage::DefenseEvasion => "defense_evasion",
            Stage::LateralMovement => "lateral_movement",
            Stage::Collection => "collection",
            Stage::CommandAndControl => "command_and_control",
            Stage::Exfiltration => "exfiltration",
            Stage::InhibitResponseFunction => "inhibit_response_function",
            Stage::ImpairProcessControl => "impair_process_control",
            Stage::Impact => "impact",
        }
    }

    /// Parses [`Stage::as_str`]'s names.
    pub fn parse(s: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// The label in Chinese (`zh`) or English (anything else).
    pub fn label(self, lang: &str) -> &'static str {
        let zh = lang == "zh";
        match self {
            Stage::Reconnaissance => pick(zh, "侦察", "Reconnaissance"),
            Stage::ResourceDevelopment => pick(zh, "资源开发", "Resource development"),
            Stage::Discovery => pick(zh, "探测发现", "Discovery"),
            Stage::InitialAccess => pick(zh, "初始访问", "Initial access"),
            Stage::CredentialAccess => pick(zh, "凭据获取", "Credential access"),
            Stage::Execution => pick(zh, "执行", "Execution"),
            Stage::Persistence => pick(zh, "持久化", "Persistence"),
            Stage::PrivilegeEscalation => pick(zh, "权限提升", "Privilege escalation"),
            Stage::DefenseEvasion => pick(zh, "防御规避", "Defense evasion"),
            Stage::LateralMovement => pick(zh, "横向移动", "Lateral movement"),
            Stage::Collection => pick(zh, "收集", "Collection"),
            Stage::CommandAndControl => pick(zh, "命令与控制", "Command and control"),
            Stage::Exfiltration => pick(zh, "数据渗出", "Exfiltration"),
            Stage::InhibitResponseFunction => pick(zh, "抑制响应功能", "Inhibit response function"),
            Stage::ImpairProcessControl => pick(zh, "破坏过程控制", "Impair process control"),
            Stage::Impact => pick(zh, "影响破坏", "Impact"),
        }
    }

    /// Whether reaching a victim at this stage may give the attacker control
    /// of it, so that the victim's own later attacks continue the story
    /// (lateral movement). Scans, floods and C2 traffic towards a host do not.
    pub fn compromises(self) -> bool {
        matches!(
            self,
            Stage::InitialAccess
                | Stage::CredentialAccess
                | Stage::Execution
                | Stage::Persistence
                | Stage::PrivilegeEscalation
                | Stage::LateralMovement
        )
    }
}

fn pick(zh: bool, z: &'static str, e: &'static str) -> &'static str {
    if zh { z } else { e }
}

/// The stage of an ATT&CK (Enterprise or ICS) tactic id, `None` when unknown.
pub fn stage_of_tactic(tactic_id: &str) -> Option<Stage> {
    Some(match tactic_id.trim() {
        "TA0043" => Stage::Reconnaissance,
        "TA0042" => Stage::ResourceDevelopment,
        "TA0007" | "TA0102" => Stage::Discovery,
        "TA0001" | "TA0108" => Stage::InitialAccess,
        "TA0006" => Stage::CredentialAccess,
        "TA0002" | "TA0104" => Stage::Execution,
        "TA0003" | "TA0110" => Stage::Persistence,
        "TA0004" | "TA0111" => Stage::PrivilegeEscalation,
        "TA0005" | "TA0103" => Stage::DefenseEvasion,
        "TA0008" | "TA0109" => Stage::LateralMovement,
        "TA0009" | "TA0100" => Stage::Collection,
        // TA0037 is ET's tag for some C2 rules (a pre-release id).
        "TA0011" | "TA0101" | "TA0037" => Stage::CommandAndControl,
        "TA0010" => Stage::Exfiltration,
        "TA0107" => Stage::InhibitResponseFunction,
        "TA0106" => Stage::ImpairProcessControl,
        "TA0040" | "TA0105" => Stage::Impact,
        _ => return None,
    })
}

/// Technique → the tactic a network sensor sees it serve. Every technique
/// Taishi's behavioural detectors, its demo rules and ET Open's metadata
/// emit is here, with common neighbours. A technique ATT&CK lists under
/// several tactics gets the one its network evidence shows (T1078 valid
/// accounts: initial access; T0858 change operating mode: execution).
/// Sub-techniques fall back to their parent.
const TECHNIQUE_TACTIC: &[(&str, &str)] = &[
    // Reconnaissance and resource development.
    ("T1589", "TA0043"),
    ("T1590", "TA0043"),
    ("T1592", "TA0043"),
    ("T1593", "TA0043"),
    ("T1595", "TA0043"),
    ("T1583", "TA0042"),
    ("T1584", "TA0042"),
    ("T1587", "TA0042"),
    ("T1588", "TA0042"),
    // Discovery.
    ("T1018", "TA0007"),
    ("T1046", "TA0007"),
    ("T1082", "TA0007"),
    ("T1083", "TA0007"),
    ("T1135", "TA0007"),
    // Initial access.
    ("T1078", "TA0001"),
    ("T1133", "TA0001"),
    ("T1189", "TA0001"),
    ("T1190", "TA0001"),
    ("T1566", "TA0001"),
    // Credential access.
    ("T1003", "TA0006"),
    ("T1040", "TA0006"),
    ("T1110", "TA0006"),
    ("T1552", "TA0006"),
    ("T1557", "TA0006"),
    // Execution.
    ("T1047", "TA0002"),
    ("T1059", "TA0002"),
    ("T1203", "TA0002"),
    ("T1204", "TA0002"),
    ("T1569", "TA0002"),
    // Persistence, privilege escalation, defence evasion.
    ("T1505", "TA0003"),
    ("T1068", "TA0004"),
    ("T1027", "TA0005"),
    ("T1036", "TA0005"),
    // Lateral movement.
    ("T1021", "TA0008"),
    ("T1210", "TA0008"),
    ("T1570", "TA0008"),
    // Collection.
    ("T1005", "TA0009"),
    // Command and control.
    ("T1001", "TA0011"),
    ("T1071", "TA0011"),
    ("T1090", "TA0011"),
    ("T1095", "TA0011"),
    ("T1102", "TA0011"),
    ("T1105", "TA0011"),
    ("T1219", "TA0011"),
    ("T1568", "TA0011"),
    ("T1572", "TA0011"),
    ("T1573", "TA0011"),
    // Exfiltration.
    ("T1020", "TA0010"),
    ("T1041", "TA0010"),
    ("T1048", "TA0010"),
    ("T1567", "TA0010"),
    // Impact.
    ("T1485", "TA0040"),
    ("T1486", "TA0040"),
    ("T1489", "TA0040"),
    ("T1490", "TA0040"),
    ("T1491", "TA0040"),
    ("T1496", "TA0040"),
    ("T1498", "TA0040"),
    ("T1499", "TA0040"),
    // ATT&CK for ICS.
    ("T0801", "TA0100"),
    ("T0802", "TA0100"),
    ("T0845", "TA0100"),
    ("T0861", "TA0100"),
    ("T0840", "TA0102"),
    ("T0842", "TA0102"),
    ("T0846", "TA0102"),
    ("T0888", "TA0102"),
    ("T0866", "TA0108"),
    ("T0883", "TA0108"),
    ("T0886", "TA0109"),
    ("T0843", "TA0109"),
    ("T0858", "TA0104"),
    ("T0869", "TA0101"),
    ("T0885", "TA0101"),
    ("T0814", "TA0107"),
    ("T0816", "TA0107"),
    ("T0806", "TA0106"),
    ("T0836", "TA0106"),
    ("T0855", "TA0106"),
    ("T0813", "TA0105"),
    ("T0826", "TA0105"),
    ("T0827", "TA0105"),
    ("T0831", "TA0105"),
    ("T0832", "TA0105"),
];

/// The tactic id of a technique id (`T1110.001` → `TA0006`), `None` when
/// the technique is not in the table.
pub fn tactic_of_technique(technique_id: &str) -> Option<&'static str> {
    by_technique(TECHNIQUE_TACTIC, technique_id)
}

/// The value `table` gives a technique id, or else its parent technique
/// (`T1110.001` → `T1110`).
pub(super) fn by_technique<T: Copy>(table: &[(&str, T)], technique_id: &str) -> Option<T> {
    let find = |id: &str| table.iter().find(|(t, _)| *t == id).map(|&(_, v)| v);
    let t = technique_id.trim();
    find(t).or_else(|| t.split_once('.').and_then(|(parent, _)| find(parent)))
}

/// Stage of a Suricata classtype description (`alert.category`) for
/// signature alerts that carry no ATT&CK ids. Descriptions are ET Open's
/// `classification.config`. Those that say nothing about an attacker's
/// progress have none: "Misc activity", "Not Suspicious Traffic", and
/// "Potential Corporate Privacy Violation" (ET's POLICY rules: a user's
/// Dropbox or curl, not a step of an intrusion; its category says policy).
pub fn stage_of_classtype(category: &str) -> Option<Stage> {
    classtype(category).and_then(|(stage, _)| stage)
}

/// Every stage an alert shows, in chain order and without repeats: from its
/// tactics; else from its techniques' tactics; else from its classtype.
pub fn stages_of(alert: &AlertRow) -> Vec<Stage> {
    let mut out: Vec<Stage> = alert
        .tactics
        .iter()
        .filter_map(|t| stage_of_tactic(t))
        .collect();
    if out.is_empty() {
        out = alert
            .techniques
            .iter()
            .filter_map(|t| tactic_of_technique(t).and_then(stage_of_tactic))
            .collect();
    }
    if out.is_empty() {
        out.extend(stage_of_classtype(&alert.category));
    }
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_order_puts_discovery_before_access_and_ends_with_impact() {
        assert!(Stage::Reconnaissance < Stage::Discovery);
        assert!(Stage::Discovery < Stage::InitialAccess);
        assert!(Stage::InitialAccess < Stage::CredentialAccess);
        assert!(Stage::CredentialAccess < Stage::Execution);
        assert!(Stage::Execution < Stage::LateralMovement);
        assert!(Stage::LateralMovement < Stage::CommandAndControl);
        assert!(Stage::CommandAndControl < Stage::Exfiltration);
        assert!(Stage::Exfiltration < Stage::Impact);
        assert!(Stage::ALL.windows(2).all(|w| w[0] < w[1]));
        for s in Stage::ALL {
            assert_eq!(Stage::parse(s.as_str()), Some(s));
            assert_ne!(s.label("zh"), s.label("en"));
        }
    }

    #[test]
    fn enterprise_and_ics_tactics_share_the_chain() {
        assert_eq!(stage_of_tactic("TA0043"), Some(Stage::Reconnaissance));
        assert_eq!(stage_of_tactic("TA0001"), Some(Stage::InitialAccess));
        assert_eq!(stage_of_tactic("TA0006"), Some(Stage::CredentialAccess));
        assert_eq!(stage_of_tactic("TA0002"), Some(Stage::Execution));
        assert_eq!(stage_of_tactic("TA0008"), Some(Stage::LateralMovement));
        assert_eq!(stage_of_tactic("TA0011"), Some(Stage::CommandAndControl));
        assert_eq!(stage_of_tactic("TA0010"), Some(Stage::Exfiltration));
        assert_eq!(stage_of_tactic("TA0040"), Some(Stage::Impact));
        assert_eq!(stage_of_tactic("TA0102"), Some(Stage::Discovery));
        assert_eq!(stage_of_tactic("TA0104"), Some(Stage::Execution));
        assert_eq!(stage_of_tactic("TA0105"), Some(Stage::Impact));
        assert_eq!(stage_of_tactic("TA0106"), Some(Stage::ImpairProcessControl));
        assert_eq!(
            stage_of_tactic("TA0107"),
            Some(Stage::InhibitResponseFunction)
        );
        assert_eq!(stage_of_tactic("TA9999"), None);
        assert_eq!(stage_of_tactic(""), None);
    }

    #[test]
    fn every_technique_our_detectors_and_et_emit_has_a_known_tactic() {
        // Behavioural detectors (crates/taishi-detect/src/behaviour), the demo
        // rules and every mitre_technique_id in ET Open 2026 (27 ids).
        let ours = [
            "T1046",
            "T1018",
            "T1110",
            "T1110.001",
            "T1499",
            "T1499.001",
            "T1498",
            "T1498.001",
            "T1498.002",
            "T1071",
            "T1071.001",
            "T1071.004",
            "T1573",
            "T1573.002",
            "T1568",
            "T1568.002",
            "T1048",
            "T1048.002",
            "T1048.003",
            "T1041",
            "T1021",
            "T1021.001",
            "T1021.002",
            "T1021.003",
            "T1021.004",
            "T1021.005",
            "T1021.006",
            "T1552",
            "T0855",
            "T0836",
            "T0816",
            "T0843",
            "T0858",
            "T0846",
        ];
        let et = [
            "T1189", "T1566", "T1190", "T1027", "T1583", "T1041", "T1071", "T1210", "T1005",
            "T1486", "T1083", "T1590", "T1496", "T1082", "T1102", "T1505", "T1570", "T1587",
            "T1593", "T1105", "T1059", "T1036", "T1001", "T1573", "T1572", "T1498", "T1021",
        ];
        for t in ours.iter().chain(et.iter()) {
            let tactic = tactic_of_technique(t);
            assert!(
                tactic.and_then(stage_of_tactic).is_some(),
                "{t} has no stage"
            );
        }
        assert_eq!(tactic_of_technique("T1110.001"), Some("TA0006"));
        assert_eq!(tactic_of_technique("T0855"), Some("TA0106"));
        assert_eq!(tactic_of_technique("T9999"), None);
    }

    #[test]
    fn et_metadata_ids_agree_with_the_table_where_et_gives_both() {
        // Pairs as ET Open rules carry them (technique, tactic).
        for (tech, tac) in [
            ("T1190", "TA0001"),
            ("T1041", "TA0010"),
            ("T1071", "TA0011"),
            ("T1486", "TA0040"),
            ("T1590", "TA0043"),
            ("T1583", "TA0042"),
            ("T1027", "TA0005"),
        ] {
            assert_eq!(tactic_of_technique(tech), Some(tac), "{tech}");
        }
    }

    fn row(tactics: &[&str], techniques: &[&str], category: &str) -> AlertRow {
        super::super::tests::row(techniques, tactics, category)
    }

    #[test]
    fn tactics_first_then_techniques_then_classtype() {
        let both = row(&["TA0040"], &["T1046"], "Detection of a Network Scan");
        assert_eq!(stages_of(&both), [Stage::Impact]);
        let tech = row(&[], &["T1046", "T1110.001"], "Misc activity");
        assert_eq!(
            stages_of(&tech),
            [Stage::Discovery, Stage::CredentialAccess]
        );
        let class = row(&[], &[], "Attempted Administrator Privilege Gain");
        assert_eq!(stages_of(&class), [Stage::InitialAccess]);
        let c2 = row(&[], &["T9999"], "A Network Trojan was detected");
        assert_eq!(stages_of(&c2), [Stage::CommandAndControl]);
        let scan = row(&[], &[], "Detection of a Network Scan");
        assert_eq!(stages_of(&scan), [Stage::Reconnaissance]);
        let dos = row(&[], &[], "Attempted Denial of Service");
        assert_eq!(stages_of(&dos), [Stage::Impact]);
        let none = row(&[], &[], "Misc activity");
        assert!(stages_of(&none).is_empty());
        let dup = row(&["TA0011", "TA0101", "TA0007"], &[], "");
        assert_eq!(
            stages_of(&dup),
            [Stage::Discovery, Stage::CommandAndControl]
        );
    }
}
