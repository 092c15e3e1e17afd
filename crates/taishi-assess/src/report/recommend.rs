//! Recommendations: a table from what the incidents show (ATT&CK
//! techniques, kill-chain stages, GB/T 20986 categories) and what the
//! exposure shows (CVSS) to concrete actions, in both languages.
//!
//! A rule fires for an incident when any of its techniques, stages or its
//! category is in the rule's lists; each firing rule becomes one
//! recommendation naming every incident and asset it was drawn from.
//! Techniques match by id or sub-technique (`T1110` matches `T1110.001`).
//! False positives are left out: acting on them would be wrong.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use taishi_core::domain::{Grade, IncidentStatus, Level};

use super::labels::L;
use super::{Exposure, IncidentSummary, Lang, Recommendation, ReportData};

/// CVSS from which an exposed asset must be patched now.
pub const CRITICAL_CVSS: f32 = 9.0;
/// CVSS from which patching is to be planned.
pub const HIGH_CVSS: f32 = 7.0;

/// Which row of the recommendation table a recommendation comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RecommendationKind {
    /// The level is orange or red, or an incident is graded major or worse.
    EmergencyResponse,
    /// Writes, commands, program downloads or stops to industrial devices.
    IcsManipulation,
    /// Data leaving for an outside host.
    Exfiltration,
    /// A host talking to a controller (beaconing, tunnelling, DGA).
    CommandAndControl,
    /// Remote services between internal hosts.
    LateralMovement,
    /// Exploitation of a service or application.
    Exploitation,
    /// Password guessing.
    BruteForce,
    /// Credentials seen in the clear.
    CleartextCredentials,
    /// Floods.
    DenialOfService,
    /// Contact with a known-bad indicator.
    MaliciousIndicator,
    /// Function-code, unit-id or device probing of industrial devices.
    IcsReconnaissance,
    /// Port scans and host sweeps.
    Scanning,
    /// Assets with a vulnerability of CVSS ≥ 9.
    CriticalExposure,
    /// Assets with a vulnerability of CVSS 7 to 9.
    HighExposure,
    /// Incidents no other row covers.
    ReviewIncidents,
}

/// One row: when it fires and what it says.
struct Rule {
    kind: RecommendationKind,
    priority: u8,
    techniques: &'static [&'static str],
    stages: &'static [&'static str],
    categories: &'static [&'static str],
    /// Whether the addresses to block are the incident's victims (outside
    /// hosts our host reached) rather than its attackers.
    block_victims: bool,
    title: L,
    actions: &'static [L],
}

const RULES: &[Rule] = &[
    Rule {
        kind: RecommendationKind::IcsManipulation,
        priority: 1,
        techniques: &[
            "T0855", "T0836", "T0843", "T0816", "T0858", "T0831", "T0821", "T0806",
        ],
        stages: &["impair_process_control", "inhibit_response_function"],
        categories: &["data_security/tampering"],
        block_victims: false,
        title: L(
            "工控设备遭未授权写操作或控制命令",
            "Unauthorised writes or commands to industrial devices",
        ),
        actions: &[
            L(
                "立即核对 PLC/RTU 的控制逻辑、设定值和线圈状态，与已备份的工程文件比对",
                "Verify the PLC/RTU logic, setpoints and coil states now against the backed-up project",
            ),
            L(
                "在工业防火墙上限制功能码：只允许 HMI/工程师站对设备执行写操作",
                "Restrict function codes at the industrial firewall: only the HMI and engineering station may write to the device",
            ),
            L(
                "确认发出写操作的主机是谁、是否被控制，必要时将其隔离",
                "Establish who owns the host that wrote and whether it is compromised; isolate it if so",
            ),
            L(
                "通知现场运行人员检查工艺过程是否异常",
                "Ask the operators on site to check the physical process for anomalies",
            ),
        ],
    },
    Rule {
        kind: RecommendationKind::Exfiltration,
        priority: 1,
        techniques: &["T1048", "T1041", "T1567", "T1020", "T1030"],
        stages: &["exfiltration"],
        categories: &["data_security/theft"],
        block_victims: true,
        title: L("疑似数据外泄", "Suspected data exfiltration"),
        actions: &[
            L(
                "在边界阻断数据接收地址，隔离发送数据的主机",
                "Block the receiving addresses at the border and isolate the sending host",
            ),
            L(
                "根据流量记录（字节数、时间、协议）确定外泄的数据范围",
                "Establish what left from the flow records (bytes, times, protocols)",
            ),
            L(
                "涉及个人信息或重要数据时，按《数据安全法》《个人信息保护法》要求报告",
                "Where personal or important data is involved, report as the Data Security Law and PIPL require",
            ),
            L(
                "重置该主机上使用过的账号口令和密钥",
                "Reset the passwords and keys used on that host",
            ),
        ],
    },
    Rule {
        kind: RecommendationKind::CommandAndControl,
        priority: 1,
        techniques: &["T1071", "T1573", "T1568", "T1572", "T1095", "T1219"],
        stages: &["command_and_control"],
        categories: &["malicious_program/trojan", "malicious_program/botnet"],
        block_victims: true,
        title: L(
            "主机疑似被控（C2 心跳、隧道）",
            "Host likely under remote control (C2 beaconing, tunnelling)",
        ),
        actions: &[
            L(
                "隔离该主机，并在防火墙和 DNS 上阻断其连接的控制端地址和域名",
                "Isolate the host and block the controller's addresses and domains at the firewall and DNS",
            ),
            L(
                "对主机取证（内存和磁盘镜像）后再清除或重装",
                "Take forensic images (memory, disk) before cleaning or reinstalling",
            ),
            L(
                "检索其他主机是否也连接过同一控制端",
                "Search for other hosts that contacted the same controller",
            ),
        ],
    },
    Rule {
        kind: RecommendationKind::LateralMovement,
        priority: 1,
        techniques: &["T1021", "T1570", "T1210"],
        stages: &["lateral_movement"],
        categories: &[],
        block_victims: false,
        title: L("内网横向移动", "Lateral movement inside the network"),
        actions: &[
            L(
                "将发起连接的主机视为已失陷，隔离并调查",
                "Treat the originating host as compromised: isolate and investigate it",
            ),
            L(
                "在网段之间限制远程服务（RDP、SMB、SSH、WinRM），只允许运维跳板机",
                "Restrict remote services (RDP, SMB, SSH, WinRM) between segments to the jump hosts",
            ),
            L(
                "检查所用账号是否被盗用，重置其口令",
                "Check the accounts used for theft and reset their passwords",
            ),
        ],
    },
    Rule {
        kind: RecommendationKind::Exploitation,
        priority: 1,
        techniques: &["T1190", "T1203", "T1211", "T1212", "T0819", "T0866"],
        stages: &["initial_access", "execution"],
        categories: &[
            "network_attack/vulnerability_exploitation",
            "network_attack/backdoor",
        ],
        block_victims: false,
        title: L("漏洞利用攻击", "Exploitation of a vulnerability"),
        actions: &[
            L(
                "为被攻击的服务打补丁或临时下线，阻断攻击源",
                "Patch the attacked service or take it offline for now; block the source",
            ),
            L(
                "检查受害主机是否有新进程、新账号或 WebShell",
                "Check the victim for new processes, accounts or web shells",
            ),
        ],
    },
    Rule {
        kind: RecommendationKind::BruteForce,
        priority: 2,
        techniques: &["T1110"],
        stages: &[],
        categories: &["network_attack/brute_force"],
        block_victims: false,
        title: L("口令暴力破解", "Password brute force"),
        actions: &[
            L(
                "在防火墙上封禁攻击源地址",
                "Block the source addresses at the firewall",
            ),
            L(
                "SSH 只允许密钥登录，其他服务启用多因素认证和失败锁定",
                "Enforce key-only SSH authentication; enable multi-factor and lock-out on other services",
            ),
            L(
                "检查被攻击账号在攻击期间及之后是否有成功登录",
                "Check the attacked accounts for successful logins during and after the attack",
            ),
        ],
    },
    Rule {
        kind: RecommendationKind::CleartextCredentials,
        priority: 2,
        techniques: &["T1552", "T1040"],
        stages: &[],
        categories: &["data_security/leak"],
        block_victims: false,
        title: L("口令明文传输", "Credentials sent in the clear"),
        actions: &[
            L(
                "以加密协议替换 FTP、Telnet、HTTP Basic（SFTP、SSH、HTTPS）",
                "Replace FTP, Telnet and HTTP Basic with encrypted protocols (SFTP, SSH, HTTPS)",
            ),
            L(
                "重置已明文暴露的口令",
                "Reset the passwords that were exposed",
            ),
        ],
    },
    Rule {
        kind: RecommendationKind::DenialOfService,
        priority: 2,
        techniques: &["T1498", "T1499", "T0814"],
        stages: &[],
        categories: &["network_attack/denial_of_service"],
        block_victims: false,
        title: L("拒绝服务攻击", "Denial of service"),
        actions: &[
            L(
                "联系运营商启用流量清洗或黑洞路由",
                "Ask the upstream provider for scrubbing or black-hole routing",
            ),
            L(
                "在边界启用 SYN Cookie 和按源限速，封禁攻击源",
                "Enable SYN cookies and per-source rate limits at the border; block the sources",
            ),
            L(
                "确认受影响业务是否中断，启动业务连续性预案",
                "Confirm whether the service was interrupted and start the continuity plan if so",
            ),
        ],
    },
    Rule {
        kind: RecommendationKind::MaliciousIndicator,
        priority: 2,
        techniques: &[],
        stages: &[],
        categories: &["abnormal_behaviour/access", "malicious_program/other"],
        block_victims: true,
        title: L(
            "与已知恶意地址或域名通信",
            "Contact with known-bad addresses or domains",
        ),
        actions: &[
            L(
                "在防火墙和 DNS 上阻断该情报指标",
                "Block the indicator at the firewall and DNS",
            ),
            L(
                "检查通信主机是否感染恶意程序",
                "Check the hosts that made contact for malware",
            ),
        ],
    },
    Rule {
        kind: RecommendationKind::IcsReconnaissance,
        priority: 2,
        techniques: &["T0846", "T0888", "T0861", "T0840"],
        stages: &[],
        categories: &[],
        block_victims: false,
        title: L("工控设备被探测", "Industrial devices probed"),
        actions: &[
            L(
                "在工业防火墙上只允许授权主站访问设备的工控端口",
                "Allow only the authorised masters to reach the devices' industrial ports at the industrial firewall",
            ),
            L(
                "查明探测主机的归属和目的",
                "Find out who owns the probing host and why it probed",
            ),
        ],
    },
    Rule {
        kind: RecommendationKind::Scanning,
        priority: 3,
        techniques: &["T1046", "T1018", "T1595", "T1590", "T1135"],
        stages: &["reconnaissance", "discovery"],
        categories: &["network_attack/scanning"],
        block_victims: false,
        title: L("网络扫描探测", "Network scanning"),
        actions: &[
            L(
                "封禁扫描源；若为内部主机，查明是否被控",
                "Block the scanner; if it is internal, find out whether it is compromised",
            ),
            L(
                "核对被扫描主机对外开放的端口，关闭不需要的服务",
                "Review the ports the scanned hosts expose and close what is not needed",
            ),
            L(
                "扫描常是攻击的前奏：关注同一来源的后续活动",
                "Scans often precede attacks: watch the same source for what follows",
            ),
        ],
    },
];

const EMERGENCY: (L, &[L]) = (
    L(
        "态势严重或发生重大事件：启动应急响应",
        "Serious situation or major incident: start the emergency response",
    ),
    &[
        L(
            "按网络安全事件应急预案启动响应，指定负责人",
            "Start the response of the cyber-security incident plan and name who leads it",
        ),
        L(
            "按规定时限向主管部门和监管机构报告",
            "Report to the competent authority and the regulator within the required time",
        ),
        L(
            "保全证据：告警、流量记录和相关数据包",
            "Preserve the evidence: alerts, flow records and the packets of the incidents",
        ),
    ],
);

const CRITICAL_EXPOSURE: (L, &[L]) = (
    L(
        "资产存在严重漏洞（CVSS ≥ 9）",
        "Assets with critical vulnerabilities (CVSS ≥ 9)",
    ),
    &[
        L(
            "立即安装补丁；无法打补丁的设备应隔离或以访问控制保护",
            "Patch now; devices that cannot be patched are isolated or shielded by access control",
        ),
        L(
            "检查这些资产是否已出现在告警或事件中",
            "Check whether these assets already appear in alerts or incidents",
        ),
    ],
);

const HIGH_EXPOSURE: (L, &[L]) = (
    L(
        "资产存在高危漏洞（CVSS 7–9）",
        "Assets with high-severity vulnerabilities (CVSS 7–9)",
    ),
    &[L(
        "在下一个维护窗口安装补丁",
        "Patch in the next maintenance window",
    )],
);

const REVIEW: (L, &[L]) = (
    L("其他待研判事件", "Other incidents to review"),
    &[L(
        "由值班分析员研判这些事件并确定处置措施",
        "Have the duty analyst review these incidents and decide on actions",
    )],
);

/// The title and actions of `kind` in `lang`.
fn texts(kind: RecommendationKind, lang: Lang) -> (String, Vec<String>) {
    let (title, actions): (L, &[L]) = match kind {
        RecommendationKind::EmergencyResponse => EMERGENCY,
        RecommendationKind::CriticalExposure => CRITICAL_EXPOSURE,
        RecommendationKind::HighExposure => HIGH_EXPOSURE,
        RecommendationKind::ReviewIncidents => REVIEW,
        k => match RULES.iter().find(|r| r.kind == k) {
            Some(r) => (r.title, r.actions),
            None => REVIEW,
        },
    };
    (
        title.get(lang).to_owned(),
        actions.iter().map(|a| a.get(lang).to_owned()).collect(),
    )
}

/// `technique` is `id` or one of its sub-techniques.
fn technique_matches(technique: &str, id: &str) -> bool {
    technique
        .strip_prefix(id)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
}

fn fires(rule: &Rule, i: &IncidentSummary) -> bool {
    i.techniques
        .iter()
        .any(|t| rule.techniques.iter().any(|id| technique_matches(t, id)))
        || i.stages.iter().any(|s| rule.stages.contains(&s.as_str()))
        || rule.categories.contains(&i.category.as_str())
}

/// What accumulates for one kind.
#[derive(Default)]
struct Acc {
    incidents: BTreeSet<i64>,
    assets: BTreeSet<String>,
    block: BTreeSet<String>,
    worst: f64,
}

/// Recommendations for `incidents` (all those active in the period, not
/// only the ones shown), the exposure and the level, most urgent first.
pub fn recommend(
    incidents: &[IncidentSummary],
    exposure: &[Exposure],
    level: Option<Level>,
    lang: Lang,
) -> Vec<Recommendation> {
    let mut acc: BTreeMap<RecommendationKind, Acc> = BTreeMap::new();
    let mut priority: BTreeMap<RecommendationKind, u8> = BTreeMap::new();
    for i in incidents
        .iter()
        .filter(|i| i.status != IncidentStatus::FalsePositive)
    {
        let mut matched = false;
        for rule in RULES.iter().filter(|r| fires(r, i)) {
            matched = true;
            let a = acc.entry(rule.kind).or_default();
            a.incidents.insert(i.id);
            a.worst = a.worst.max(i.severity);
            let (assets, block) = if rule.block_victims {
                (&i.attackers, &i.victims)
            } else {
                (&i.victims, &i.attackers)
            };
            a.assets.extend(assets.iter().cloned());
            a.block.extend(block.iter().cloned());
            // A major incident makes any of its rows urgent.
            let p = if i.grade >= Grade::Major {
                1
            } else {
                rule.priority
            };
            let e = priority.entry(rule.kind).or_insert(p);
            *e = (*e).min(p);
        }
        if !matched {
            let a = acc.entry(RecommendationKind::ReviewIncidents).or_default();
            a.incidents.insert(i.id);
            a.assets.extend(i.victims.iter().cloned());
            a.worst = a.worst.max(i.severity);
            priority.insert(RecommendationKind::ReviewIncidents, 3);
        }
        if i.grade >= Grade::Major {
            let a = acc
                .entry(RecommendationKind::EmergencyResponse)
                .or_default();
            a.incidents.insert(i.id);
            a.assets.extend(i.victims.iter().cloned());
            a.worst = a.worst.max(i.severity);
        }
    }
    if level.is_some_and(|l| l >= Level::Orange) {
        acc.entry(RecommendationKind::EmergencyResponse)
            .or_default()
            .worst = 100.0;
    }
    priority.insert(RecommendationKind::EmergencyResponse, 1);
    for e in exposure {
        let kind = if e.max_cvss >= CRITICAL_CVSS {
            RecommendationKind::CriticalExposure
        } else if e.max_cvss >= HIGH_CVSS {
            RecommendationKind::HighExposure
        } else {
            continue;
        };
        let a = acc.entry(kind).or_default();
        a.assets.insert(e.address.clone());
        a.worst = a.worst.max(f64::from(e.max_cvss) * 10.0);
    }
    priority.insert(RecommendationKind::CriticalExposure, 2);
    priority.insert(RecommendationKind::HighExposure, 3);

    let mut out: Vec<(f64, Recommendation)> = acc
        .into_iter()
        .map(|(kind, a)| {
            let (title, actions) = texts(kind, lang);
            let rec = Recommendation {
                kind,
                priority: priority.get(&kind).copied().unwrap_or(3),
                title,
                actions,
                incidents: a.incidents.into_iter().collect(),
                assets: a.assets.into_iter().collect(),
                sources: a.block.into_iter().collect(),
            };
            (a.worst, rec)
        })
        .collect();
    out.sort_by(|(wa, a), (wb, b)| {
        a.priority
            .cmp(&b.priority)
            .then(wb.total_cmp(wa))
            .then(a.kind.cmp(&b.kind))
    });
    out.into_iter().map(|(_, r)| r).collect()
}

/// `data` with its recommendations' texts in `lang`.
pub fn relabel(data: &ReportData, lang: Lang) -> ReportData {
    let mut d = data.clone();
    for r in &mut d.recommendations {
        let (title, actions) = texts(r.kind, lang);
        r.title = title;
        r.actions = actions;
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    fn incident(id: i64, techniques: &[&str], stages: &[&str], category: &str) -> IncidentSummary {
        IncidentSummary {
            id,
            techniques: techniques.iter().map(|s| s.to_string()).collect(),
            stages: stages.iter().map(|s| s.to_string()).collect(),
            category: category.into(),
            attackers: vec![format!("203.0.113.{id}")],
            victims: vec![format!("10.0.0.{id}")],
            severity: 10.0 * id as f64,
            ..IncidentSummary::default()
        }
    }

    #[test]
    fn rows_fire_on_sub_techniques_stages_and_categories() {
        assert!(technique_matches("T1110.001", "T1110"));
        assert!(technique_matches("T1110", "T1110"));
        assert!(!technique_matches("T11101", "T1110"));
        let recs = recommend(
            &[
                incident(1, &["T1110.001"], &["credential_access"], ""),
                incident(2, &[], &["reconnaissance"], ""),
                incident(3, &["T0855", "T0836"], &[], "data_security/tampering"),
                incident(4, &[], &[], "something/else"),
            ],
            &[],
            None,
            Lang::En,
        );
        let kinds: Vec<_> = recs.iter().map(|r| r.kind).collect();
        assert_eq!(
            kinds,
            [
                RecommendationKind::IcsManipulation,
                RecommendationKind::BruteForce,
                RecommendationKind::ReviewIncidents,
                RecommendationKind::Scanning,
            ]
        );
        let brute = &recs[1];
        assert_eq!(brute.incidents, [1]);
        assert_eq!(brute.sources, ["203.0.113.1"]);
        assert_eq!(brute.assets, ["10.0.0.1"]);
        assert!(brute.actions.iter().any(|a| a.contains("key-only")));
    }

    #[test]
    fn c2_blocks_the_outside_host_and_isolates_ours() {
        let mut i = incident(5, &["T1071.001"], &["command_and_control"], "");
        i.attackers = vec!["10.10.2.57".into()];
        i.victims = vec!["203.0.113.80".into()];
        let recs = recommend(&[i], &[], Some(Level::Red), Lang::Zh);
        assert_eq!(recs[0].kind, RecommendationKind::EmergencyResponse);
        let c2 = &recs[1];
        assert_eq!(c2.kind, RecommendationKind::CommandAndControl);
        assert_eq!(c2.assets, ["10.10.2.57"]);
        assert_eq!(c2.sources, ["203.0.113.80"]);
        assert!(c2.title.contains("C2"));
    }

    #[test]
    fn false_positives_recommend_nothing_and_exposure_does() {
        let mut i = incident(1, &["T1110"], &[], "");
        i.status = IncidentStatus::FalsePositive;
        let e = Exposure {
            address: "10.0.0.9".into(),
            max_cvss: 9.8,
            ..Exposure::default()
        };
        let recs = recommend(&[i], &[e], Some(Level::Blue), Lang::En);
        assert_eq!(recs.len(), 1);
        assert_eq!(recs[0].kind, RecommendationKind::CriticalExposure);
        assert_eq!(recs[0].assets, ["10.0.0.9"]);
    }
}
