//! Triage of public submissions: the queue, classification into the six
//! kinds with their deadlines, answers, and the response-time figures.
//!
//! Submissions arrive without a tenant and are handled by the site's own
//! team (users of the empty tenant) and regulators; a vulnerability routed
//! to an asset takes that asset's tenant, whose users then see it too.
//! A verified threat report with an indicator becomes an intel indicator
//! (source `public-report`, tagged with its tracking code and, when the
//! reporter asked, their credit name).

use std::path::PathBuf;

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::{Deserialize, Serialize};
use taishi_core::control::{
    Submission, SubmissionKind, SubmissionQuery, SubmissionStatus, TriageKind,
};
use taishi_detect::intel::IntelStore;
use utoipa::{IntoParams, ToSchema};

use crate::audit;
use crate::auth::{Caller, now_ns};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::state::{AppState, Deadlines, blocking};

use super::assets::TempUpload;
use super::public::{MAX_DESCRIPTION_CHARS, check_text};
use super::{Body, Page, Paged, json_body};
use taishi_assess::assets::TenantView;

const NS: u64 = 1_000_000_000;

/// A submission as the console shows it: everything, plus its deadline.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubmissionView {
    /// The stored submission (all fields, including contact and notes).
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub submission: Submission,
    /// When the answer is due (ns).
    pub deadline: u64,
    /// Not answered and past due.
    pub overdue: bool,
}

fn due(s: &Submission, d: &Deadlines) -> u64 {
    s.due
        .unwrap_or_else(|| s.created.saturating_add(d.untriaged.saturating_mul(NS)))
}

fn view(s: Submission, d: &Deadlines, now: u64) -> SubmissionView {
    let due = due(&s, d);
    SubmissionView {
        overdue: s.status != SubmissionStatus::Answered && now > due,
        deadline: due,
        submission: s,
    }
}

fn sees(caller: &Caller, s: &Submission) -> bool {
    caller.user.tenant.is_empty() || caller.sees(&s.tenant)
}

/// `GET /submissions` filters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueFilter {
    /// Comma-separated states (`received,triaged`).
    pub status: Option<String>,
    /// Page size.
    pub limit: Option<u64>,
    /// Page offset.
    pub offset: Option<u64>,
}

fn statuses(s: Option<&str>) -> ApiResult<Vec<SubmissionStatus>> {
    s.filter(|s| !s.is_empty())
        .map(|s| {
            s.split(',')
                .map(|x| {
                    SubmissionStatus::parse(x.trim()).ok_or_else(|| {
                        ApiError::field("status", format!("unknown status {:?}", x.trim()))
                    })
                })
                .collect()
        })
        .unwrap_or(Ok(Vec::new()))
}

/// The triage queue, newest first.
#[utoipa::path(get, path = "/api/v1/submissions", tag = "submissions", params(QueueFilter),
    responses((status = 200, description = "{total, limit, offset, items: [submission + due, overdue]}"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn queue(
    State(state): State<AppState>,
    caller: Caller,
    Query(f): Query<QueueFilter>,
) -> ApiResult<Json<Paged<SubmissionView>>> {
    let page = Page {
        limit: f.limit,
        offset: f.offset,
    };
    let limit = page.limit()?;
    let status = statuses(f.status.as_deref())?;
    blocking(move || {
        let now = now_ns();
        let d = &state.config.deadlines;
        let q = SubmissionQuery {
            status,
            ..SubmissionQuery::default()
        };
        // The site team sees all: page in the store. A tenant's users see
        // only what was routed to them: filter, then page.
        let (total, items) = if caller.user.tenant.is_empty() || caller.tenant_scope().is_none() {
            let paged = SubmissionQuery {
                limit: Some(limit),
                offset: page.offset(),
                ..q.clone()
            };
            (
                state.control.count_submissions(&q)?,
                state.control.submissions(&paged)?,
            )
        } else {
            let mine: Vec<Submission> = state
                .control
                .submissions(&q)?
                .into_iter()
                .filter(|s| sees(&caller, s))
                .collect();
            let p = Paged::of(mine, limit, page.offset());
            (p.total, p.items)
        };
        Ok(Json(Paged {
            total,
            limit,
            offset: page.offset(),
            items: items.into_iter().map(|s| view(s, d, now)).collect(),
        }))
    })
    .await
}

/// Response-time figures for the Overview.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct Stats {
    /// Not yet answered.
    pub open: u64,
    /// Of those, past their deadline.
    pub overdue: u64,
    /// Answered.
    pub answered: u64,
    /// Median time from receipt to answer, seconds.
    pub median_response_secs: Option<u64>,
    /// 90th percentile of the same.
    pub p90_response_secs: Option<u64>,
}

/// Nearest-rank percentile of sorted `v`.
fn percentile(v: &[u64], p: f64) -> Option<u64> {
    if v.is_empty() {
        return None;
    }
    let rank = (p * v.len() as f64).ceil() as usize;
    v.get(rank.clamp(1, v.len()) - 1).copied()
}

/// Open, overdue and answered counts, and response times.
#[utoipa::path(get, path = "/api/v1/submissions/stats", tag = "submissions",
    responses((status = 200, body = Stats), (status = 401, body = ErrorBody)))]
pub async fn stats(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Stats>> {
    blocking(move || {
        let now = now_ns();
        let d = &state.config.deadlines;
        let mut st = Stats::default();
        let mut times = Vec::new();
        for s in state.control.submissions(&SubmissionQuery::default())? {
            if !sees(&caller, &s) {
                continue;
            }
            match s.answered_at {
                Some(at) if s.status == SubmissionStatus::Answered => {
                    st.answered += 1;
                    times.push(at.saturating_sub(s.created) / NS);
                }
                _ => {
                    st.open += 1;
                    if now > due(&s, d) {
                        st.overdue += 1;
                    }
                }
            }
        }
        times.sort_unstable();
        st.median_response_secs = percentile(&times, 0.5);
        st.p90_response_secs = percentile(&times, 0.9);
        Ok(Json(st))
    })
    .await
}

fn load(state: &AppState, caller: &Caller, id: i64) -> ApiResult<Submission> {
    state
        .control
        .submission(id)?
        .filter(|s| sees(caller, s))
        .ok_or_else(|| ApiError::not_found("submission"))
}

/// One submission with everything about it.
#[utoipa::path(get, path = "/api/v1/submissions/{id}", tag = "submissions",
    params(("id" = i64, Path, description = "submission id")),
    responses((status = 200, body = SubmissionView), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn detail(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<SubmissionView>> {
    blocking(move || {
        let s = load(&state, &caller, id)?;
        Ok(Json(view(s, &state.config.deadlines, now_ns())))
    })
    .await
}

/// `POST /submissions/{id}/triage` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TriageForm {
    /// `suggestion`, `help_request`, `uninformed`, `vague`, `grievance`, `mistaken`.
    pub kind: String,
    /// The report checks out (a threat with an indicator then becomes intel).
    #[serde(default)]
    pub verified: bool,
    /// Internal note (never public).
    pub note: Option<String>,
}

fn parse_triage(s: &str) -> ApiResult<TriageKind> {
    TriageKind::ALL
        .into_iter()
        .find(|k| k.as_str() == s)
        .ok_or_else(|| {
            ApiError::field(
                "kind",
                "kind must be suggestion, help_request, uninformed, vague, grievance or mistaken",
            )
        })
}

/// Files a verified threat's indicator as intel, with its provenance.
fn to_intel(dir: PathBuf, s: &Submission) -> ApiResult<usize> {
    let Some(value) = s.indicator.as_deref() else {
        return Ok(0);
    };
    // Tags are split on these by the CSV reader.
    let clean = |t: &str| t.replace([';', '|', ','], " ");
    let mut tags = format!("public-report:{}", s.tracking_code);
    if let Some(c) = &s.credit {
        tags.push_str(&format!(";credited:{}", clean(c)));
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    let rows = [
        ["indicator", "tags", "confidence"],
        [value, tags.as_str(), "70"],
    ];
    for r in rows {
        w.write_record(r).map_err(ApiError::internal)?;
    }
    let bytes = w.into_inner().map_err(ApiError::internal)?;
    let file = TempUpload::new(&bytes, "csv")?;
    let out = IntelStore::open(dir)
        .import(std::slice::from_ref(&file.0), Some("public-report"))
        .map_err(ApiError::internal)?;
    Ok(out.imported)
}

/// Finds the asset a vulnerability report is about: an asset address or
/// name (at least 3 characters, so that `PLC` alone does not match
/// everything) in the indicator, title or description.
fn route(view: &TenantView, s: &Submission) -> Option<(String, String, String)> {
    let text = format!(
        "{}\n{}\n{}",
        s.indicator.as_deref().unwrap_or(""),
        s.title,
        s.description
    )
    .to_lowercase();
    let words: Vec<&str> = text
        .split(|c: char| !(c.is_alphanumeric() || matches!(c, '.' | ':' | '/' | '-' | '_')))
        .filter(|w| !w.is_empty())
        .collect();
    // An address in the text, covered by a record (host or network).
    for w in &words {
        let w = w.trim_end_matches('.');
        if w.parse::<std::net::IpAddr>().is_ok()
            && let Some(a) = view.index().get(w)
        {
            return Some((a.address.clone(), a.owner.clone(), a.tenant.clone()));
        }
    }
    view.index()
        .all()
        .iter()
        .filter(|a| a.name.chars().count() >= 3)
        .find(|a| text.contains(&a.name.to_lowercase()))
        .map(|a| (a.address.clone(), a.owner.clone(), a.tenant.clone()))
}

/// What triage did besides classifying.
#[derive(Debug, Serialize, ToSchema)]
pub struct Triaged {
    /// The submission now.
    pub submission: SubmissionView,
    /// Intel indicators filed from it.
    pub intel_indicators: usize,
    /// For a vulnerability: the owner unit it was routed to.
    pub routed_to: Option<String>,
}

/// Classifies `s` (stored and audited): deadline, handler, intel for a
/// verified threat, routing for a vulnerability. Intel filed and owner.
fn apply_triage(
    state: &AppState,
    caller: &Caller,
    s: &mut Submission,
    kind: TriageKind,
    verified: bool,
    note: Option<String>,
) -> ApiResult<(usize, Option<String>)> {
    s.triage = Some(kind);
    s.verified = verified;
    if s.status == SubmissionStatus::Received {
        s.status = SubmissionStatus::Triaged;
    }
    s.triaged_at = Some(now_ns());
    s.due = Some(
        s.created
            .saturating_add(state.config.deadlines.of(kind).saturating_mul(NS)),
    );
    s.handler = Some(caller.user.username.clone());
    if let Some(n) = note {
        s.internal_note = Some(n);
    }
    let mut intel = 0;
    if s.kind == Some(SubmissionKind::Threat) && s.verified {
        intel = to_intel(state.config.intel_dir.clone(), s)?;
    }
    if s.kind == Some(SubmissionKind::Vulnerability) {
        let tv = super::scope::view(state, caller)?;
        if let Some((asset, owner, tenant)) = route(&tv, s) {
            s.asset = Some(asset);
            s.routed_to = Some(owner);
            s.tenant = tenant;
        }
    }
    state.control.update_submission(s)?;
    let detail = serde_json::json!({
        "kind": kind.as_str(), "verified": s.verified, "intel": intel,
        "routed_to": s.routed_to, "asset": s.asset,
    });
    audit::record(
        &*state.control,
        &caller.actor(),
        "submission.triage",
        &format!("submission:{}", s.id),
        &detail.to_string(),
    )?;
    Ok((intel, s.routed_to.clone()))
}

/// Answers `s` publicly (stored and audited); 409 before triage.
fn apply_answer(
    state: &AppState,
    caller: &Caller,
    s: &mut Submission,
    answer: String,
) -> ApiResult<()> {
    if s.triage.is_none() {
        return Err(ApiError::conflict(
            "classify the submission before answering it",
        ));
    }
    s.status = SubmissionStatus::Answered;
    s.public_answer = Some(answer);
    s.answered_at = Some(now_ns());
    s.handler = Some(caller.user.username.clone());
    state.control.update_submission(s)?;
    audit::record(
        &*state.control,
        &caller.actor(),
        "submission.answer",
        &format!("submission:{}", s.id),
        s.public_answer.as_deref().unwrap_or(""),
    )?;
    Ok(())
}

/// Classifies a submission, sets its deadline, files intel and routes vulnerabilities.
#[utoipa::path(post, path = "/api/v1/submissions/{id}/triage", tag = "submissions",
    params(("id" = i64, Path, description = "submission id")), request_body = TriageForm,
    responses((status = 200, body = Triaged), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn triage(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Body(body): Body,
) -> ApiResult<Json<Triaged>> {
    caller.require_write()?;
    let form: TriageForm = json_body(&body)?;
    let kind = parse_triage(&form.kind)?;
    if let Some(n) = &form.note {
        check_text("note", n, MAX_DESCRIPTION_CHARS, true)?;
    }
    blocking(move || {
        let mut s = load(&state, &caller, id)?;
        let (intel, routed_to) =
            apply_triage(&state, &caller, &mut s, kind, form.verified, form.note)?;
        Ok(Json(Triaged {
            submission: view(s, &state.config.deadlines, now_ns()),
            intel_indicators: intel,
            routed_to,
        }))
    })
    .await
}

/// `POST /submissions/{id}/answer` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerForm {
    /// The public answer (plain text).
    pub answer: String,
}

/// Answers a triaged submission publicly.
#[utoipa::path(post, path = "/api/v1/submissions/{id}/answer", tag = "submissions",
    params(("id" = i64, Path, description = "submission id")), request_body = AnswerForm,
    responses((status = 200, body = SubmissionView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn answer(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Body(body): Body,
) -> ApiResult<Json<SubmissionView>> {
    caller.require_write()?;
    let form: AnswerForm = json_body(&body)?;
    check_text("answer", &form.answer, MAX_DESCRIPTION_CHARS, true)?;
    blocking(move || {
        let mut s = load(&state, &caller, id)?;
        apply_answer(&state, &caller, &mut s, form.answer)?;
        Ok(Json(view(s, &state.config.deadlines, now_ns())))
    })
    .await
}

/// `PATCH /submissions/{id}` body: triage and answer in one request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmissionPatch {
    /// Triage kind (as `POST .../triage`'s `kind`).
    pub triage: Option<String>,
    /// Verified (with `triage`).
    #[serde(default)]
    pub verified: bool,
    /// Internal note (with `triage`).
    pub note: Option<String>,
    /// Public answer (after or with `triage`).
    pub answer: Option<String>,
}

/// Triage and/or answer in one request (the console's form): triage first.
#[utoipa::path(patch, path = "/api/v1/submissions/{id}", tag = "submissions",
    params(("id" = i64, Path, description = "submission id")), request_body = SubmissionPatch,
    responses((status = 200, body = SubmissionView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Body(body): Body,
) -> ApiResult<Json<SubmissionView>> {
    caller.require_write()?;
    let form: SubmissionPatch = json_body(&body)?;
    let kind = form.triage.as_deref().map(parse_triage).transpose()?;
    if let Some(n) = &form.note {
        check_text("note", n, MAX_DESCRIPTION_CHARS, true)?;
    }
    if let Some(a) = &form.answer {
        check_text("answer", a, MAX_DESCRIPTION_CHARS, true)?;
    }
    if kind.is_none() && form.answer.is_none() {
        return Err(ApiError::field(
            "triage",
            "nothing to change: give triage or answer",
        ));
    }
    blocking(move || {
        let mut s = load(&state, &caller, id)?;
        if let Some(kind) = kind {
            apply_triage(&state, &caller, &mut s, kind, form.verified, form.note)?;
        }
        if let Some(a) = form.answer {
            apply_answer(&state, &caller, &mut s, a)?;
        }
        Ok(Json(view(s, &state.config.deadlines, now_ns())))
    })
    .await
}
