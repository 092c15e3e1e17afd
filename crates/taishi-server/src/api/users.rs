//! Users and API tokens (admins only).
//!
//! An admin is the installation's operator: it manages the users and
//! tokens of every tenant. Give the role to the platform team only.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use taishi_core::control::{ApiToken, Role, User, UserUpdate};
use utoipa::ToSchema;

use crate::audit;
use crate::auth::{Caller, MIN_PASSWORD_CHARS, hash_password, now_ns};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::state::{AppState, blocking};

use super::public::check_text;
use super::session::UserView;
use super::{Body, json_body};

/// Longest username.
const MAX_USERNAME_CHARS: usize = 64;
/// Longest password (argon2 hashes anything, but a megabyte is an attack).
const MAX_PASSWORD_CHARS: usize = 1024;

fn check_password(p: &str) -> ApiResult<()> {
    let n = p.chars().count();
    if !(MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&n) {
        return Err(ApiError::field(
            "password",
            format!("password must be {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters"),
        ));
    }
    Ok(())
}

fn parse_role(s: &str) -> ApiResult<Role> {
    Role::parse(s)
        .ok_or_else(|| ApiError::field("role", "role must be admin, analyst, viewer or regulator"))
}

/// Every user.
#[utoipa::path(get, path = "/api/v1/users", tag = "users",
    responses((status = 200, body = Vec<UserView>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<UserView>>> {
    caller.require_admin()?;
    blocking(move || {
        Ok(Json(
            state.control.users()?.iter().map(UserView::from).collect(),
        ))
    })
    .await
}

/// `POST /users` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    /// Login name: letters, digits, `.`, `_`, `-`.
    pub username: String,
    /// At least 12 characters.
    pub password: String,
    /// `admin`, `analyst`, `viewer`, `regulator`.
    pub role: String,
    /// Tenant; empty on a single site.
    #[serde(default)]
    pub tenant: String,
}

/// Creates a user.
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = NewUser,
    responses((status = 201, body = UserView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<UserView>)> {
    caller.require_admin()?;
    let form: NewUser = json_body(&body)?;
    check_text("username", &form.username, MAX_USERNAME_CHARS, false)?;
    if !form
        .username
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        return Err(ApiError::field(
            "username",
            "username may hold letters, digits, '.', '_' and '-'",
        ));
    }
    if !form.tenant.is_empty() {
        check_text("tenant", &form.tenant, MAX_USERNAME_CHARS, false)?;
    }
    check_password(&form.password)?;
    let role = parse_role(&form.role)?;
    blocking(move || {
        let user = User {
            id: 0,
            username: form.username.clone(),
            password_hash: hash_password(&form.password)?,
            role,
            tenant: form.tenant.clone(),
            disabled: false,
            created: now_ns(),
        };
        let u = state
            .control
            .create_user(&user)?
            .ok_or_else(|| ApiError::conflict("that username is taken"))?;
        let detail = serde_json::json!({"role": role.as_str(), "tenant": u.tenant});
        audit::record(
            &*state.control,
            &caller.actor(),
            "user.create",
            &format!("user:{}", u.username),
            &detail.to_string(),
        )?;
        Ok((StatusCode::CREATED, Json(UserView::from(&u))))
    })
    .await
}

/// `PATCH /users/{id}` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    /// New role.
    pub role: Option<String>,
    /// New tenant.
    pub tenant: Option<String>,
    /// New password (ends the user's sessions).
    pub password: Option<String>,
    /// Disable (ends the user's sessions) or enable.
    pub disabled: Option<bool>,
}

/// Changes a user.
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", request_body = UserPatch,
    params(("id" = i64, Path, description = "user id")),
    responses((status = 200, body = UserView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Body(body): Body,
) -> ApiResult<Json<UserView>> {
    caller.require_admin()?;
    let p: UserPatch = json_body(&body)?;
    if let Some(pw) = &p.password {
        check_password(pw)?;
    }
    let role = p.role.as_deref().map(parse_role).transpose()?;
    blocking(move || {
        let up = UserUpdate {
            role,
            tenant: p.tenant.clone(),
            password_hash: p.password.as_deref().map(hash_password).transpose()?,
            disabled: p.disabled,
        };
        let u = state
            .control
            .update_user(id, &up)?
            .ok_or_else(|| ApiError::not_found("user"))?;
        let detail = serde_json::json!({
            "role": p.role, "tenant": p.tenant, "password_changed": p.password.is_some(),
            "disabled": p.disabled,
        });
        audit::record(
            &*state.control,
            &caller.actor(),
            "user.update",
            &format!("user:{}", u.username),
            &detail.to_string(),
        )?;
        Ok(Json(UserView::from(&u)))
    })
    .await
}

/// Deletes a user with its sessions and tokens.
#[utoipa::path(delete, path = "/api/v1/users/{id}", tag = "users",
    params(("id" = i64, Path, description = "user id")),
    responses((status = 204, description = "deleted"), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    caller.require_admin()?;
    if id == caller.user.id {
        return Err(ApiError::conflict("an admin cannot delete itself"));
    }
    blocking(move || {
        let u = state
            .control
            .user(id)?
            .ok_or_else(|| ApiError::not_found("user"))?;
        state.control.delete_user(id)?;
        audit::record(
            &*state.control,
            &caller.actor(),
            "user.delete",
            &format!("user:{}", u.username),
            "",
        )?;
        Ok(StatusCode::NO_CONTENT)
    })
    .await
}

/// A token as listed (never its value or hash).
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenView {
    /// Id.
    pub id: i64,
    /// The user it acts as.
    pub user_id: i64,
    /// What it is for.
    pub name: String,
    /// Created (ns).
    pub created: u64,
    /// Last used (ns).
    pub last_used: Option<u64>,
}

impl From<&ApiToken> for TokenView {
    fn from(t: &ApiToken) -> TokenView {
        TokenView {
            id: t.id,
            user_id: t.user_id,
            name: t.name.clone(),
            created: t.created,
            last_used: t.last_used,
        }
    }
}

/// Every API token.
#[utoipa::path(get, path = "/api/v1/tokens", tag = "users",
    responses((status = 200, body = Vec<TokenView>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn tokens(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<TokenView>>> {
    caller.require_admin()?;
    blocking(move || {
        Ok(Json(
            state
                .control
                .tokens(None)?
                .iter()
                .map(TokenView::from)
                .collect(),
        ))
    })
    .await
}

/// `POST /tokens` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    /// What it is for.
    pub name: String,
    /// The user it acts as (default: the caller).
    pub user_id: Option<i64>,
}

/// A new token: its value is shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedToken {
    /// The token; send as `Authorization: Bearer TOKEN`. Not shown again.
    pub token: String,
    /// Its record.
    #[serde(flatten)]
    pub info: TokenView,
}

/// Creates an API token.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "users", request_body = NewToken,
    responses((status = 201, body = CreatedToken), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn create_token(
    State(state): State<AppState>,
    caller: Caller,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<CreatedToken>)> {
    caller.require_admin()?;
    let form: NewToken = json_body(&body)?;
    check_text("name", &form.name, MAX_USERNAME_CHARS, false)?;
    blocking(move || {
        let user_id = form.user_id.unwrap_or(caller.user.id);
        let owner = state
            .control
            .user(user_id)?
            .ok_or_else(|| ApiError::not_found("user"))?;
        let (token, t) =
            crate::local_admin::mint_token(&*state.control, &caller.actor(), &owner, &form.name)?;
        Ok((
            StatusCode::CREATED,
            Json(CreatedToken {
                token,
                info: TokenView::from(&t),
            }),
        ))
    })
    .await
}

/// Revokes an API token.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "users",
    params(("id" = i64, Path, description = "token id")),
    responses((status = 204, description = "revoked"), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete_token(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    caller.require_admin()?;
    blocking(move || {
        if !state.control.delete_token(id)? {
            return Err(ApiError::not_found("token"));
        }
        audit::record(
            &*state.control,
            &caller.actor(),
            "token.delete",
            &format!("token:{id}"),
            "",
        )?;
        Ok(StatusCode::NO_CONTENT)
    })
    .await
}
