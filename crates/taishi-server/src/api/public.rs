//! The public portal's API: anyone may submit a report and follow it by
//! its tracking code; nobody logs in.
//!
//! Input is checked field by field (400 naming the field), limited in size
//! (the whole body to 64 KiB, each field to its own length) and rate
//! limited per address. Text is stored as typed and only ever returned as
//! JSON strings: no HTML is made from it here, and the console escapes it.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Serialize;
use serde_json::{Map, Value};
use taishi_core::control::{
    Submission, SubmissionKind, SubmissionQuery, SubmissionStatus, TriageKind,
};
use utoipa::ToSchema;

use crate::audit;
use crate::auth::{ClientAddr, is_tracking_code, now_ns, tracking_code};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::state::{AppState, blocking};

use super::Body;

/// Largest request body the portal accepts.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// Longest title, characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// Longest description, characters.
pub const MAX_DESCRIPTION_CHARS: usize = 10_000;
/// Longest indicator (a URL can be long; a page of them is not one indicator).
pub const MAX_INDICATOR_CHARS: usize = 2_000;
/// Longest contact.
pub const MAX_CONTACT_CHARS: usize = 200;
/// Longest credit name.
pub const MAX_CREDIT_CHARS: usize = 100;

/// Checks a text field: not empty (after trimming), at most `max`
/// characters, and no control characters (line breaks and tabs allowed
/// where `multiline`).
pub fn check_text(field: &str, s: &str, max: usize, multiline: bool) -> ApiResult<()> {
    if s.trim().is_empty() {
        return Err(ApiError::field(field, format!("{field} must not be empty")));
    }
    if s.chars().count() > max {
        return Err(ApiError::field(
            field,
            format!("{field} is longer than {max} characters"),
        ));
    }
    let bad = s
        .chars()
        .any(|c| c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t')));
    if bad {
        return Err(ApiError::field(
            field,
            format!("{field} contains control characters"),
        ));
    }
    Ok(())
}

/// `POST /public/submissions` body.
#[derive(Debug, serde::Deserialize, ToSchema)]
pub struct SubmissionForm {
    /// `threat`, `vulnerability` or `feedback`.
    pub kind: String,
    /// One line, at most 200 characters.
    pub title: String,
    /// At most 10 000 characters.
    pub description: String,
    /// A URL, domain, address or hash the report is about.
    pub indicator: Option<String>,
    /// How to reach you (never shown publicly).
    pub contact: Option<String>,
    /// The name to credit you under on the acknowledgements board.
    pub credit: Option<String>,
}

/// What a submission answers.
#[derive(Debug, Serialize, ToSchema)]
pub struct Receipt {
    /// Follow the submission with this at `/report/status/CODE`.
    pub tracking_code: String,
}

fn field<'a>(
    obj: &'a Map<String, Value>,
    name: &str,
    max: usize,
    multiline: bool,
    required: bool,
) -> ApiResult<Option<&'a str>> {
    match obj.get(name) {
        None | Some(Value::Null) if !required => Ok(None),
        None | Some(Value::Null) => Err(ApiError::field(name, format!("{name} is required"))),
        Some(Value::String(s)) => {
            check_text(name, s, max, multiline)?;
            Ok(Some(s))
        }
        Some(_) => Err(ApiError::field(name, format!("{name} must be a string"))),
    }
}

fn parse_form(body: &[u8]) -> ApiResult<Submission> {
    let v: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::field("body", format!("invalid JSON: {e}")))?;
    let Value::Object(obj) = v else {
        return Err(ApiError::field("body", "expected a JSON object"));
    };
    const KNOWN: [&str; 6] = [
        "kind",
        "title",
        "description",
        "indicator",
        "contact",
        "credit",
    ];
    if let Some(k) = obj.keys().find(|k| !KNOWN.contains(&k.as_str())) {
        let shown: String = k.chars().take(40).collect();
        return Err(ApiError::field(&shown, format!("unknown field {shown:?}")));
    }
    let kind = match field(&obj, "kind", 20, false, true)? {
        Some("threat") => SubmissionKind::Threat,
        Some("vulnerability") => SubmissionKind::Vulnerability,
        Some("feedback") => SubmissionKind::Feedback,
        _ => {
            return Err(ApiError::field(
                "kind",
                "kind must be threat, vulnerability or feedback",
            ));
        }
    };
    let own = |s: Option<&str>| s.map(str::to_owned);
    Ok(Submission {
        kind: Some(kind),
        title: own(field(&obj, "title", MAX_TITLE_CHARS, false, true)?).unwrap_or_default(),
        description: own(field(
            &obj,
            "description",
            MAX_DESCRIPTION_CHARS,
            true,
            true,
        )?)
        .unwrap_or_default(),
        indicator: own(field(&obj, "indicator", MAX_INDICATOR_CHARS, false, false)?),
        contact: own(field(&obj, "contact", MAX_CONTACT_CHARS, false, false)?),
        credit: own(field(&obj, "credit", MAX_CREDIT_CHARS, false, false)?),
        ..Submission::default()
    })
}

/// Submits a report; answers its tracking code.
#[utoipa::path(post, path = "/api/v1/public/submissions", tag = "public", request_body = SubmissionForm,
    responses((status = 201, body = Receipt), (status = 400, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn submit(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<Receipt>)> {
    // Counted before validation: a flood of broken requests is a flood too.
    if !state.limiter.allow(
        &format!("submit:{addr}"),
        state.config.submissions_per_address,
    ) {
        return Err(ApiError::too_many());
    }
    let mut s = parse_form(&body)?;
    s.created = now_ns();
    blocking(move || {
        // 80 random bits collide with a vanishing chance; retry anyway
        // rather than fail the reporter.
        for _ in 0..4 {
            s.tracking_code = tracking_code();
            if let Some(stored) = state.control.insert_submission(&s)? {
                audit::record(
                    &*state.control,
                    &format!("public:{addr}"),
                    "submission.create",
                    &format!("submission:{}", stored.id),
                    stored.kind.map_or("", SubmissionKind::as_str),
                )?;
                return Ok((
                    StatusCode::CREATED,
                    Json(Receipt {
                        tracking_code: stored.tracking_code,
                    }),
                ));
            }
        }
        Err(ApiError::internal("no free tracking code"))
    })
    .await
}

/// What anyone holding the tracking code sees.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicStatus {
    /// The code.
    pub tracking_code: String,
    /// `threat`, `vulnerability`, `feedback`.
    pub kind: Option<&'static str>,
    /// The title as submitted.
    pub title: String,
    /// `received`, `triaged` or `answered`.
    pub status: String,
    /// What the answer does (`adopt`, `help`, `inform`, `clarify`, `resolve`, `correct`), once triaged.
    pub response: Option<String>,
    /// Received, Unix seconds.
    pub created: u64,
    /// Answered, Unix seconds.
    pub answered_at: Option<u64>,
    /// The public answer.
    pub answer: Option<String>,
}

/// The public status and answer of a submission.
#[utoipa::path(get, path = "/api/v1/public/submissions/{code}", tag = "public",
    params(("code" = String, Path, description = "tracking code")),
    responses((status = 200, body = PublicStatus), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn status(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> ApiResult<Json<PublicStatus>> {
    if !is_tracking_code(&code) {
        return Err(ApiError::field(
            "code",
            "a tracking code is 16 characters A-Z and 2-7",
        ));
    }
    blocking(move || {
        let s = state
            .control
            .submission_by_code(&code)?
            .ok_or_else(|| ApiError::not_found("submission"))?;
        Ok(Json(PublicStatus {
            tracking_code: s.tracking_code,
            kind: s.kind.map(SubmissionKind::as_str),
            title: s.title,
            status: s.status.as_str().to_owned(),
            response: s.triage.map(|t| t.response().to_owned()),
            created: s.created / 1_000_000_000,
            answered_at: s.answered_at.map(|t| t / 1_000_000_000),
            answer: s.public_answer,
        }))
    })
    .await
}

/// A reporter credited on the board.
#[derive(Debug, Serialize, ToSchema)]
pub struct Credit {
    /// The name they asked to be credited under.
    pub name: String,
    /// What they reported.
    pub kind: Option<&'static str>,
    /// Received, Unix seconds.
    pub date: u64,
}

/// Open challenges of one triage kind.
#[derive(Debug, Serialize, ToSchema)]
pub struct Challenge {
    /// A line saying what is open (`3 open reports: help_request`).
    pub title: String,
    /// Triage kind (`untriaged` when not yet classified).
    pub kind: String,
    /// How many are open.
    pub open: u64,
    /// Oldest open one received, Unix seconds.
    pub since: u64,
}

/// The acknowledgements board.
#[derive(Debug, Serialize, ToSchema)]
pub struct Acknowledgements {
    /// Verified reports whose reporter asked for credit, newest first.
    pub credited: Vec<Credit>,
    /// What is still open, by kind (no content: only counts and age).
    pub open_challenges: Vec<Challenge>,
}

/// Entries on the board at most.
const BOARD_SIZE: u64 = 200;

/// Credited reporters and open challenges.
#[utoipa::path(get, path = "/api/v1/public/acknowledgements", tag = "public",
    responses((status = 200, body = Acknowledgements)))]
pub async fn acknowledgements(State(state): State<AppState>) -> ApiResult<Json<Acknowledgements>> {
    blocking(move || {
        let all = state.control.submissions(&SubmissionQuery::default())?;
        let credited = all
            .iter()
            .filter(|s| s.verified)
            .filter_map(|s| {
                Some(Credit {
                    name: s.credit.clone()?,
                    kind: s.kind.map(SubmissionKind::as_str),
                    date: s.created / 1_000_000_000,
                })
            })
            .take(usize::try_from(BOARD_SIZE).unwrap_or(usize::MAX))
            .collect();
        let mut open_challenges: Vec<Challenge> = Vec::new();
        for s in all
            .iter()
            .filter(|s| s.status != SubmissionStatus::Answered)
        {
            let kind = s.triage.map_or("untriaged", TriageKind::as_str);
            let received = s.created / 1_000_000_000;
            match open_challenges.iter_mut().find(|c| c.kind == kind) {
                Some(c) => {
                    c.open += 1;
                    c.since = c.since.min(received);
                }
                None => open_challenges.push(Challenge {
                    title: String::new(),
                    kind: kind.to_owned(),
                    open: 1,
                    since: received,
                }),
            }
        }
        for c in &mut open_challenges {
            c.title = format!("{} open report(s): {}", c.open, c.kind);
        }
        Ok(Json(Acknowledgements {
            credited,
            open_challenges,
        }))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_are_checked_field_by_field() {
        let bad = |body: &str| parse_form(body.as_bytes()).err().and_then(|e| e.field);
        let ok = r#"{"kind":"threat","title":"t","description":"d"}"#;
        assert!(parse_form(ok.as_bytes()).is_ok());
        assert_eq!(
            bad(r#"{"title":"t","description":"d"}"#).as_deref(),
            Some("kind")
        );
        assert_eq!(
            bad(r#"{"kind":"x","title":"t","description":"d"}"#).as_deref(),
            Some("kind")
        );
        assert_eq!(
            bad(r#"{"kind":"threat","title":" ","description":"d"}"#).as_deref(),
            Some("title")
        );
        assert_eq!(
            bad(r#"{"kind":"threat","title":"a\u0007","description":"d"}"#).as_deref(),
            Some("title")
        );
        assert_eq!(
            bad(r#"{"kind":"threat","title":"t","description":"d","x":1}"#).as_deref(),
            Some("x")
        );
        assert_eq!(
            bad(r#"{"kind":"threat","title":"t","description":5}"#).as_deref(),
            Some("description")
        );
        let long = format!(
            r#"{{"kind":"threat","title":"{}","description":"d"}}"#,
            "é".repeat(201)
        );
        assert_eq!(bad(&long).as_deref(), Some("title"));
        let lines = r#"{"kind":"feedback","title":"t","description":"a\nb\tc"}"#;
        assert!(parse_form(lines.as_bytes()).is_ok());
    }
}
