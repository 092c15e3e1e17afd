//! Severity score and GB/T 20986 grade of an incident.
//!
//! The score (0–100) ranks incidents for an analyst; the grade (特别重大 /
//! 重大 / 较大 / 一般) is what a regulator is told. Both come from the same
//! three things the standard grades on — how important the attacked system
//! is, how much it lost, and how widely — as far as a network sensor can
//! tell them: asset criticality and CII status, the furthest kill-chain
//! stage reached, and the number of victims and alerts. docs/incidents.md
//! has the tables and their reasons.

use taishi_core::domain::{Grade, Incident};

use super::stage::Stage;

/// Weight of the best (numerically lowest) alert severity, 1..4.
fn alert_weight(severity: u8) -> f64 {
    match severity {
        0 | 1 => 1.0,
        2 => 0.7,
        3 => 0.4,
        _ => 0.2,
    }
}

/// Weight of the furthest stage reached (`None`: alerts without a stage).
/// Discovery is cheap and common; access attempts matter; a foothold
/// (execution, lateral movement, C2) matters more; data gone or a process
/// disturbed is the harm itself.
fn stage_weight(stage: Option<Stage>) -> f64 {
    match stage {
        None => 0.2,
        Some(Stage::Reconnaissance | Stage::ResourceDevelopment | Stage::Discovery) => 0.3,
        Some(Stage::InitialAccess | Stage::CredentialAccess) => 0.5,
        Some(
            Stage::Execution
            | Stage::Persistence
            | Stage::PrivilegeEscalation
            | Stage::DefenseEvasion,
        ) => 0.6,
        Some(Stage::LateralMovement | Stage::Collection | Stage::CommandAndControl) => 0.7,
        Some(Stage::Exfiltration) => 0.9,
        Some(Stage::InhibitResponseFunction | Stage::ImpairProcessControl | Stage::Impact) => 1.0,
    }
}

/// Weight of the victims' importance: criticality 1..5, one step more for
/// critical information infrastructure, scaled to 1/6..1; a floor of 0.4 so
/// that an attack on an undeclared host still counts.
fn asset_weight(max_criticality: u8, cii: bool) -> f64 {
    let c = f64::from(max_criticality.clamp(1, 5)) + if cii { 1.0 } else { 0.0 };
    0.4 + 0.6 * c / 6.0
}

/// Weight of the scale: 0.7 for one alert on one victim, +0.05 per doubling
/// of alerts and of victims, at most 1.
fn scale_weight(alerts: u64, victims: usize) -> f64 {
    let l = |n: f64| n.max(1.0).log2();
    (0.7 + 0.05 * l(alerts as f64) + 0.05 * l(victims as f64)).min(1.0)
}

/// Severity score, 0 to 100:
/// `100 × alert(best severity) × stage(furthest) × asset(criticality, CII) × scale(alerts, victims)`.
/// Each factor is at most 1 and none is 0, so each input moves the score
/// and a maximal incident (severity-1 alerts reaching impact on a CII asset
/// of criticality 5, many alerts and victims) scores 100.
pub fn severity_score(
    best_alert_severity: u8,
    furthest: Option<Stage>,
    max_criticality: u8,
    cii: bool,
    alerts: u64,
    victims: usize,
) -> f64 {
    let s = 100.0
        * alert_weight(best_alert_severity)
        * stage_weight(furthest)
        * asset_weight(max_criticality, cii)
        * scale_weight(alerts, victims);
    (s * 10.0).round() / 10.0
}

/// Importance of the attacked systems (GB/T 20986: 特别重要 / 重要 / 一般).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Importance {
    /// 一般信息系统: criticality 1–2.
    General,
    /// 重要信息系统: criticality 3–4.
    Important,
    /// 特别重要信息系统: criticality 5, or any CII asset.
    ParticularlyImportant,
}

/// Importance from the highest victim criticality and CII status.
pub fn importance(max_criticality: u8, cii: bool) -> Importance {
    match (max_criticality, cii) {
        (_, true) | (5.., _) => Importance::ParticularlyImportant,
        (3 | 4, _) => Importance::Important,
        _ => Importance::General,
    }
}

/// Loss to the attacked systems (GB/T 20986: 特别严重 / 严重 / 较大 / 较小).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Loss {
    /// 较小: probing, nothing reached.
    Minor,
    /// 较大: access attempted (exploits, brute force).
    Larger,
    /// 严重: a foothold (execution, lateral movement, C2) or data taken.
    Serious,
    /// 特别严重: availability or the physical process harmed (impact,
    /// inhibit response, impair process control).
    ParticularlySerious,
}

/// At this many victims a serious loss is taken as particularly serious:
/// the standard grades scale (影响范围) beside depth, and ten hosts
/// compromised or flooded is an organisation-wide event, not a host's.
pub const WIDESPREAD_VICTIMS: usize = 10;

/// Loss from the furthest stage reached and the number of victims.
pub fn loss(furthest: Option<Stage>, victims: usize) -> Loss {
    let base = match furthest {
        None | Some(Stage::Reconnaissance | Stage::ResourceDevelopment | Stage::Discovery) => {
            Loss::Minor
        }
        Some(Stage::InitialAccess | Stage::CredentialAccess | Stage::DefenseEvasion) => {
            Loss::Larger
        }
        Some(
            Stage::Execution
            | Stage::Persistence
            | Stage::PrivilegeEscalation
            | Stage::LateralMovement
            | Stage::Collection
            | Stage::CommandAndControl
            | Stage::Exfiltration,
        ) => Loss::Serious,
        Some(Stage::InhibitResponseFunction | Stage::ImpairProcessControl | Stage::Impact) => {
            Loss::ParticularlySerious
        }
    };
    if base == Loss::Serious && victims >= WIDESPREAD_VICTIMS {
        Loss::ParticularlySerious
    } else {
        base
    }
}

/// The grade of GB/Z 20986-2007 §6 (kept in spirit by the 2023 edition):
/// 特别重大 — a particularly important system with particularly serious
/// loss; 重大 — particularly important with serious loss, or important
/// with particularly serious loss; 较大 — particularly important with a
/// larger loss, important with serious loss, or general with particularly
/// serious loss; 一般 — the rest.
pub fn grade(importance: Importance, loss: Loss) -> Grade {
    use Importance as I;
    use Loss as L;
    match (importance, loss) {
        (I::ParticularlyImportant, L::ParticularlySerious) => Grade::ParticularlyMajor,
        (I::ParticularlyImportant, L::Serious) | (I::Important, L::ParticularlySerious) => {
            Grade::Major
        }
        (I::ParticularlyImportant, L::Larger)
        | (I::Important, L::Serious)
        | (I::General, L::ParticularlySerious) => Grade::RelativelyMajor,
        _ => Grade::General,
    }
}

/// The furthest stage among an incident's stage names.
pub fn furthest_stage(incident: &Incident) -> Option<Stage> {
    incident.stages.iter().filter_map(|s| Stage::parse(s)).max()
}

/// Grade of an incident from its fields, CII status given (the correlator
/// knows it from the asset index before the incident records it).
pub fn grade_with(incident: &Incident, cii: bool) -> Grade {
    grade(
        importance(incident.max_criticality, cii),
        loss(furthest_stage(incident), incident.victims.len()),
    )
}

/// Grade of an incident from its own fields alone (its `cii` flag
/// included), or its stored grade when that is higher.
pub fn grade_of(incident: &Incident) -> Grade {
    grade_with(incident, incident.cii).max(incident.grade)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn score_grows_with_each_factor_and_stays_in_range() {
        let base = severity_score(2, Some(Stage::Discovery), 2, false, 1, 1);
        assert!(severity_score(1, Some(Stage::Discovery), 2, false, 1, 1) > base);
        assert!(severity_score(2, Some(Stage::Exfiltration), 2, false, 1, 1) > base);
        assert!(severity_score(2, Some(Stage::Discovery), 4, false, 1, 1) > base);
        assert!(severity_score(2, Some(Stage::Discovery), 2, true, 1, 1) > base);
        assert!(severity_score(2, Some(Stage::Discovery), 2, false, 50, 1) > base);
        assert!(severity_score(2, Some(Stage::Discovery), 2, false, 1, 20) > base);
        assert_eq!(
            severity_score(1, Some(Stage::Impact), 5, true, 1 << 20, 1 << 20),
            100.0
        );
        let low = severity_score(4, None, 0, false, 0, 0);
        assert!(low > 0.0 && low < 5.0, "{low}");
        // The figures docs/incidents.md quotes.
        assert_eq!(
            severity_score(2, Some(Stage::Discovery), 1, false, 1, 1),
            7.4
        );
        assert_eq!(severity_score(1, Some(Stage::Impact), 5, true, 1, 1), 70.0);
    }

    #[test]
    fn grade_follows_the_importance_loss_matrix() {
        use Importance as I;
        use Loss as L;
        assert_eq!(
            grade(I::ParticularlyImportant, L::ParticularlySerious),
            Grade::ParticularlyMajor
        );
        assert_eq!(grade(I::ParticularlyImportant, L::Serious), Grade::Major);
        assert_eq!(grade(I::Important, L::ParticularlySerious), Grade::Major);
        assert_eq!(
            grade(I::ParticularlyImportant, L::Larger),
            Grade::RelativelyMajor
        );
        assert_eq!(grade(I::Important, L::Serious), Grade::RelativelyMajor);
        assert_eq!(
            grade(I::General, L::ParticularlySerious),
            Grade::RelativelyMajor
        );
        assert_eq!(grade(I::ParticularlyImportant, L::Minor), Grade::General);
        assert_eq!(grade(I::Important, L::Larger), Grade::General);
        assert_eq!(grade(I::General, L::Serious), Grade::General);
    }

    #[test]
    fn cii_makes_a_system_particularly_important_and_scale_deepens_loss() {
        assert_eq!(importance(2, true), Importance::ParticularlyImportant);
        assert_eq!(importance(5, false), Importance::ParticularlyImportant);
        assert_eq!(importance(3, false), Importance::Important);
        assert_eq!(importance(1, false), Importance::General);
        assert_eq!(loss(Some(Stage::Exfiltration), 1), Loss::Serious);
        assert_eq!(
            loss(Some(Stage::LateralMovement), 12),
            Loss::ParticularlySerious
        );
        assert_eq!(loss(Some(Stage::Discovery), 200), Loss::Minor);
        assert_eq!(loss(None, 1), Loss::Minor);
    }

    #[test]
    fn grade_of_uses_the_incident_fields_and_keeps_a_cii_grade() {
        let mut inc = Incident {
            stages: vec!["discovery".into(), "impact".into()],
            victims: vec!["10.0.0.5".into()],
            max_criticality: 4,
            ..Incident::default()
        };
        assert_eq!(grade_of(&inc), Grade::Major);
        assert_eq!(grade_with(&inc, true), Grade::ParticularlyMajor);
        inc.grade = grade_with(&inc, true);
        assert_eq!(grade_of(&inc), Grade::ParticularlyMajor);
        // The incident's own CII flag counts as well.
        let flagged = Incident {
            cii: true,
            grade: Grade::General,
            ..inc.clone()
        };
        assert_eq!(grade_of(&flagged), Grade::ParticularlyMajor);
        inc.stages = vec!["reconnaissance".into()];
        inc.grade = Grade::General;
        assert_eq!(grade_of(&inc), Grade::General);
    }
}
