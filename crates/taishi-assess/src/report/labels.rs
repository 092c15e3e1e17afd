//! Labels of the report in Chinese and English.
//!
//! Grade and level labels come from `taishi_core::domain`; the section
//! titles, column names and phrases of the report are here, each one
//! pair, so that no sentence exists in one language only.

use super::Lang;

/// A label in both languages.
#[derive(Clone, Copy, Debug)]
pub struct L(pub &'static str, pub &'static str);

impl L {
    /// The label in `lang`.
    pub fn get(self, lang: Lang) -> &'static str {
        match lang {
            Lang::Zh => self.0,
            Lang::En => self.1,
        }
    }
}

pub const TITLE: L = L("网络安全态势报告", "Network security situation report");
pub const PERIOD: L = L("报告期", "Period");
pub const TENANT: L = L("租户", "Tenant");
pub const SITE_TENANT: L = L("本单位（无租户）", "the site (no tenant)");
pub const GENERATED: L = L("生成时间", "Generated");
pub const ALL_TIMES_UTC: L = L("时间均为 UTC", "All times UTC");
pub const PERIOD_FROM_DATA: L = L(
    "报告期截止于库中最新数据",
    "The period ends at the newest data in the store",
);
pub const NOTHING: L = L(
    "报告期内没有任何告警、事件、流量或态势数据，无可报告内容。",
    "Nothing to report: the period holds no alert, incident, flow or posture data.",
);

pub const SUMMARY: L = L("态势概要", "Summary");
pub const FIGURE: L = L("指标", "Figure");
pub const VALUE: L = L("数值", "Value");
pub const LEVEL: L = L("态势等级", "Level");
pub const INDEX: L = L("威胁指数", "Threat index");
pub const PEAK: L = L("期内最高", "Peak in period");
pub const PREVIOUS: L = L("上一周期", "A period ago");
pub const CHANGE: L = L("变化", "Change");
pub const NO_POSTURE: L = L("尚未计算态势", "No posture computed");
pub const ALERTS: L = L("告警", "Alerts");
pub const PREVIOUS_ALERTS: L = L("上一周期告警", "Alerts in the previous period");
pub const INCIDENTS: L = L("安全事件", "Incidents");
pub const FLOWS: L = L("会话流", "Flows");
pub const ATTACKERS: L = L("攻击源", "Attackers");
pub const VICTIMS: L = L("受害地址", "Victims");
pub const CAPPED: L = L(
    "按地址和类别的统计基于最新的告警：",
    "Per-address and per-category figures are from the newest alerts:",
);

pub const TREND: L = L("态势趋势与预测", "Trend and forecast");
pub const MEASURED: L = L("实测", "Measured");
pub const FORECAST: L = L("预测", "Forecast");
pub const BUCKET: L = L("时间", "Time");
pub const KIND: L = L("类型", "Kind");
pub const NO_SERIES: L = L("无态势序列", "No posture series");

pub const TOP_INCIDENTS: L = L("重点安全事件", "Top incidents");
pub const ID: L = L("编号", "ID");
pub const GRADE: L = L("级别", "Grade");
pub const CATEGORY: L = L("类别", "Category");
pub const SEVERITY: L = L("严重度", "Severity");
pub const STAGES: L = L("攻击阶段", "Stages");
pub const TECHNIQUES: L = L("ATT&CK 技术", "ATT&CK techniques");
pub const STATUS: L = L("状态", "Status");
pub const FIRST_SEEN: L = L("首次发现", "First seen");
pub const TITLE_COL: L = L("事件", "Incident");
pub const NO_INCIDENTS: L = L("报告期内无安全事件", "No incidents in the period");

pub const ATTACKED_ASSETS: L = L("受攻击最多的关键资产", "Most-attacked critical assets");
pub const ADDRESS: L = L("地址", "Address");
pub const NAME: L = L("名称", "Name");
pub const ROLE: L = L("角色", "Role");
pub const ZONE: L = L("区域", "Zone");
pub const CRITICALITY: L = L("重要性", "Criticality");
pub const SCORE: L = L("加权分", "Weighted score");
pub const CII: L = L("关基", "CII");
pub const NONE_SEEN: L = L("无", "None");

pub const TOP_ATTACKERS: L = L("主要攻击源", "Top attackers");
pub const MAX_SEVERITY: L = L("最高严重度", "Worst severity");

pub const INDUSTRIAL: L = L("工控协议活动", "Industrial activity");
pub const PROTOCOL: L = L("协议", "Protocol");
pub const BYTES: L = L("字节", "Bytes");
pub const RECORDS: L = L("事务", "Transactions");
pub const FUNCTIONS: L = L("功能码", "Function codes");
pub const WRITES: L = L("写/控制", "Writes/commands");
pub const CLIENTS: L = L("主站数", "Masters");
pub const RECENT_WRITES: L = L("写操作与控制命令", "Writes and commands");
pub const TIME: L = L("时间", "Time");
pub const SOURCE: L = L("源", "Source");
pub const DEVICE: L = L("设备", "Device");
pub const FUNCTION: L = L("功能", "Function");
pub const DETAIL: L = L("对象", "Target");
pub const NO_INDUSTRIAL: L = L(
    "报告期内无工控协议流量",
    "No industrial protocol traffic in the period",
);
pub const SHOWN_OF: L = L("显示最近", "Showing the latest");

pub const EXPOSURE: L = L("脆弱性暴露面", "Exposure");
pub const VULNS: L = L("漏洞", "Vulnerabilities");
pub const MAX_CVSS: L = L("最高 CVSS", "Highest CVSS");
pub const NO_EXPOSURE: L = L(
    "未发现与已知漏洞匹配的资产",
    "No asset matches a known vulnerability",
);

pub const ALERT_STATS: L = L("告警统计", "Alert statistics");
pub const BY_CATEGORY: L = L("按类别", "By category");
pub const BY_SEVERITY: L = L("按严重度", "By severity");
pub const COUNT: L = L("数量", "Count");

pub const RECOMMENDATIONS: L = L("处置建议", "Recommendations");
pub const FROM_INCIDENTS: L = L("依据事件", "From incidents");
pub const CONCERNS: L = L("涉及资产", "Assets");
pub const SOURCES: L = L("建议封禁地址", "Addresses to block");
pub const NO_RECOMMENDATIONS: L = L("暂无处置建议", "No recommendations");

/// Label of a Suricata severity 1..4.
pub fn severity(sev: &str, lang: Lang) -> &'static str {
    match sev {
        "1" => L("1 高", "1 high").get(lang),
        "2" => L("2 中", "2 medium").get(lang),
        "3" => L("3 低", "3 low").get(lang),
        _ => L("4 信息", "4 info").get(lang),
    }
}

/// Label of a recommendation priority.
pub fn priority(p: u8, lang: Lang) -> &'static str {
    match p {
        1 => L("立即处置", "Act now").get(lang),
        2 => L("尽快处置", "Soon").get(lang),
        _ => L("计划处置", "Plan").get(lang),
    }
}

/// Label of an incident state.
pub fn status(s: taishi_core::domain::IncidentStatus, lang: Lang) -> &'static str {
    use taishi_core::domain::IncidentStatus as S;
    match s {
        S::New => L("新建", "New").get(lang),
        S::Acknowledged => L("已确认", "Acknowledged").get(lang),
        S::Investigating => L("调查中", "Investigating").get(lang),
        S::Resolved => L("已处置", "Resolved").get(lang),
        S::FalsePositive => L("误报", "False positive").get(lang),
    }
}

/// Label of an incident category code (GB/T 20986); the code itself when unknown.
pub fn category(code: &str, lang: Lang) -> String {
    crate::incident::Category::parse(code)
        .map_or_else(|| code.to_owned(), |c| c.label(lang.code()).to_owned())
}

/// Label of a kill-chain stage name; the name itself when unknown.
pub fn stage(name: &str, lang: Lang) -> String {
    crate::incident::Stage::parse(name)
        .map_or_else(|| name.to_owned(), |s| s.label(lang.code()).to_owned())
}

/// `1.5 GB`-style size.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1000.0 && u + 1 < UNITS.len() {
        v /= 1000.0;
        u += 1;
    }
    match UNITS.get(u) {
        Some(&"B") | None => format!("{n} B"),
        Some(unit) => format!("{v:.1} {unit}"),
    }
}

/// A time in ns as `2026-06-01 08:03:01` (UTC).
pub fn time(ns: u64) -> String {
    let s = taishi_core::Timestamp(ns).to_string();
    // `2026-06-01T08:03:01.221303+0000`: date, time to the second.
    match (s.get(0..10), s.get(11..19)) {
        (Some(d), Some(t)) => format!("{d} {t}"),
        _ => s,
    }
}

/// A time in seconds as `06-01 08:00` (UTC), for chart axes.
pub fn short_time(secs: u64) -> String {
    let s = taishi_core::Timestamp::new(secs, 0).to_string();
    match (s.get(5..10), s.get(11..16)) {
        (Some(d), Some(t)) => format!("{d} {t}"),
        _ => s,
    }
}

/// The length of a period: `24 h`, `7 d`, `90 min`.
pub fn duration(secs: u64, lang: Lang) -> String {
    if secs.is_multiple_of(86_400) && secs >= 86_400 * 2 {
        format!("{} {}", secs / 86_400, L("天", "days").get(lang))
    } else if secs.is_multiple_of(3600) && secs >= 3600 {
        format!("{} {}", secs / 3600, L("小时", "h").get(lang))
    } else {
        format!("{} {}", secs.div_ceil(60), L("分钟", "min").get(lang))
    }
}

/// "Tenant: NAME" for a report cut to one tenant (`None` when it covers all).
pub fn tenant_line(tenant: Option<&str>, lang: Lang) -> Option<String> {
    let name = match tenant? {
        "" => SITE_TENANT.get(lang),
        t => t,
    };
    Some(format!("{}: {name}", TENANT.get(lang)))
}
