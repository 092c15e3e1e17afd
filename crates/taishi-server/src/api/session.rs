//! Login, logout, and who am I.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use taishi_core::control::{Role, Session};
use utoipa::ToSchema;

use crate::audit;
use crate::auth::{
    Caller, ClientAddr, SESSION_COOKIE, Via, dummy_hash, now_ns, random_secret, sha256_hex,
    verify_password,
};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::state::{AppState, blocking};

use super::{Body, json_body};

/// `POST /auth/login` body.
#[derive(Debug, Deserialize, ToSchema)]
pub struct Login {
    /// Username.
    pub username: String,
    /// Password.
    pub password: String,
}

/// A user as the API shows it (never its password hash).
#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    /// Id.
    pub id: i64,
    /// Login name.
    pub username: String,
    /// `admin`, `analyst`, `viewer` or `regulator`.
    pub role: String,
    /// Tenant; empty on a single site.
    pub tenant: String,
    /// Disabled users cannot log in.
    pub disabled: bool,
}

impl From<&taishi_core::control::User> for UserView {
    fn from(u: &taishi_core::control::User) -> UserView {
        UserView {
            id: u.id,
            username: u.username.clone(),
            role: u.role.as_str().to_owned(),
            tenant: u.tenant.clone(),
            disabled: u.disabled,
        }
    }
}

/// What a successful login answers.
#[derive(Debug, Serialize, ToSchema)]
pub struct LoginOk {
    /// Send this in `X-CSRF-Token` on every request that changes something.
    pub csrf_token: String,
    /// Who logged in.
    pub user: UserView,
}

/// Logs in: sets the session cookie and answers the CSRF token.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = Login,
    responses((status = 200, body = LoginOk), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Body(body): Body,
) -> ApiResult<Response> {
    let req: Login = json_body(&body)?;
    let limits = &state.config;
    // Both limits count every attempt: per address stops one guesser, per
    // username stops many addresses guessing one account.
    let by_addr = state
        .limiter
        .allow(&format!("login-addr:{addr}"), limits.login_per_address);
    // Keyed by a hash: a megabyte-long "username" must not become a
    // megabyte-long key held for a minute.
    let by_user = state.limiter.allow(
        &format!("login-user:{}", sha256_hex(req.username.as_bytes())),
        limits.login_per_user,
    );
    if !by_addr || !by_user {
        let control = state.control.clone();
        let name = req.username.clone();
        blocking(move || {
            audit::record(
                &*control,
                &format!("public:{addr}"),
                "login.limited",
                &format!("user:{name}"),
                "",
            )?;
            Ok(())
        })
        .await?;
        return Err(ApiError::too_many());
    }
    let control = state.control.clone();
    let secure = state.config.secure_cookies;
    let ttl = state.config.session_secs;
    blocking(move || {
        let user = control.user_by_name(&req.username)?;
        let hash = user
            .as_ref()
            .map_or(dummy_hash(), |u| u.password_hash.as_str());
        let ok = verify_password(hash, &req.password);
        let user = match user {
            Some(u) if ok && !u.disabled => u,
            _ => {
                audit::record(
                    &*control,
                    &format!("public:{addr}"),
                    "login.failed",
                    &format!("user:{}", req.username),
                    "",
                )?;
                return Err(ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "wrong username or password",
                ));
            }
        };
        let token = random_secret();
        let now = now_ns();
        let session = Session {
            token_hash: sha256_hex(token.as_bytes()),
            user_id: user.id,
            csrf: random_secret(),
            created: now,
            expires: now.saturating_add(ttl.saturating_mul(1_000_000_000)),
        };
        control.create_session(&session)?;
        control.prune_sessions(now)?;
        audit::record(
            &*control,
            &format!("user:{}", user.username),
            "login",
            &format!("user:{}", user.username),
            &addr,
        )?;
        let cookie = format!(
            "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={ttl}{}",
            if secure { "; Secure" } else { "" }
        );
        let cookie = HeaderValue::from_str(&cookie).map_err(ApiError::internal)?;
        let body = LoginOk {
            csrf_token: session.csrf,
            user: UserView::from(&user),
        };
        Ok(([(header::SET_COOKIE, cookie)], Json(body)).into_response())
    })
    .await
}

/// Logs out: ends the session (or does nothing for a token) and clears the cookie.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth",
    responses((status = 204, description = "logged out"), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub async fn logout(State(state): State<AppState>, caller: Caller) -> ApiResult<Response> {
    let control = state.control.clone();
    blocking(move || {
        if let Via::Session(hash, _) = &caller.via {
            control.delete_session(hash)?;
        }
        audit::record(
            &*control,
            &caller.actor(),
            "logout",
            &format!("user:{}", caller.user.username),
            "",
        )?;
        Ok(())
    })
    .await?;
    let clear = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    let clear = HeaderValue::from_str(&clear).map_err(ApiError::internal)?;
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, clear)]).into_response())
}

/// Who is calling, and what they may do.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    /// The user.
    pub user: UserView,
    /// Whether they may change their tenant's data.
    pub can_write: bool,
    /// Whether they manage users and tokens.
    pub is_admin: bool,
    /// Whether they read every tenant.
    pub all_tenants: bool,
    /// The session's CSRF token (a browser that reloaded the page gets it
    /// back; another origin cannot read this answer).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub csrf_token: Option<String>,
}

/// The calling user.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth",
    responses((status = 200, body = Me), (status = 401, body = ErrorBody)))]
pub async fn me(caller: Caller) -> Json<Me> {
    Json(Me {
        user: UserView::from(&caller.user),
        can_write: caller.require_write().is_ok(),
        is_admin: caller.user.role == Role::Admin,
        all_tenants: caller.user.role == Role::Regulator,
        csrf_token: match caller.via {
            Via::Session(_, csrf) => Some(csrf),
            Via::Token(_) => None,
        },
    })
}
