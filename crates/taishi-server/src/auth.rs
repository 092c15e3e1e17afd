//! Who is calling: passwords (argon2id), session cookies with a CSRF token
//! bound to them, API tokens, and what each role may do.
//!
//! A browser logs in and holds an HttpOnly, SameSite=Strict cookie; every
//! request it makes that changes something must also carry the session's
//! CSRF token in `X-CSRF-Token` (double submit, bound to the session: the
//! token is random per session and checked against the stored one, so a
//! cookie alone never suffices). A machine sends `Authorization: Bearer
//! TOKEN`; a bearer token cannot be sent by a browser on its own, so it
//! needs no CSRF token. Only SHA-256 hashes of cookies and tokens are
//! stored: a stolen database does not log anyone in.

use std::fmt::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use rand::RngCore;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};
use taishi_core::StoreError;
use taishi_core::control::{ControlStore, Role, User};

use crate::error::{ApiError, ApiResult};
use crate::state::{AppState, blocking};

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "taishi_session";
/// How stale an API token's `last_used` may get (ns): one minute.
const TOKEN_TOUCH_NS: u64 = 60_000_000_000;

/// Header carrying the CSRF token on cookie-authenticated writes.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// Now, nanoseconds since the epoch.
pub fn now_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// SHA-256 of `s`, hex.
pub fn sha256_hex(s: &[u8]) -> String {
    hex(&Sha256::digest(s))
}

/// `n` random bytes from the operating system.
pub fn random_bytes(n: usize) -> Vec<u8> {
    let mut b = vec![0; n];
    OsRng.fill_bytes(&mut b);
    b
}

/// A random secret: 32 bytes, hex (cookies, API tokens, CSRF tokens).
pub fn random_secret() -> String {
    hex(&random_bytes(32))
}

/// RFC 4648 base32 alphabet without padding: codes a person can read out
/// (no lower case, no 0/1/8/9 to confuse with O/I/B/g).
const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// A tracking code: 16 base32 characters, 80 random bits — unguessable
/// even to a flood of status requests.
pub fn tracking_code() -> String {
    let bytes = random_bytes(10);
    let mut bits: u32 = 0;
    let mut nbits = 0;
    let mut out = String::with_capacity(16);
    for b in bytes {
        bits = (bits << 8) | u32::from(b);
        nbits += 8;
        while nbits >= 5 {
            nbits -= 5;
            let i = ((bits >> nbits) & 31) as usize;
            out.push(char::from(BASE32.get(i).copied().unwrap_or(b'A')));
        }
    }
    out
}

/// Whether `s` looks like a tracking code (so that anything else is
/// refused before it reaches the store).
pub fn is_tracking_code(s: &str) -> bool {
    s.len() == 16 && s.bytes().all(|b| BASE32.contains(&b))
}

/// Argon2id hash of `password` in PHC form.
pub fn hash_password(password: &str) -> Result<String, ApiError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(ApiError::internal)
}

/// Whether `password` matches `phc`.
pub fn verify_password(phc: &str, password: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash to verify against when the username is unknown, so that a
/// wrong name takes as long as a wrong password (no user enumeration by timing).
pub(crate) fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("not a password of anyone").unwrap_or_default())
}

/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// First start: when there is no user at all, creates `admin` (tenant
/// empty) with a random password and returns that password, to be shown
/// once. `None` when users exist.
pub fn bootstrap_admin(control: &dyn ControlStore) -> Result<Option<String>, StoreError> {
    if !control.users()?.is_empty() {
        return Ok(None);
    }
    let password = crate::local_admin::one_time_password();
    let hash = hash_password(&password)
        .map_err(|e| StoreError::Backend(format!("hash admin password: {}", e.error)))?;
    let user = User {
        id: 0,
        username: "admin".into(),
        password_hash: hash,
        role: Role::Admin,
        tenant: String::new(),
        disabled: false,
        created: now_ns(),
    };
    let created = control.create_user(&user)?;
    if created.is_none() {
        return Ok(None);
    }
    crate::audit::record(
        control,
        "system",
        "user.create",
        "user:admin",
        "bootstrap admin",
    )?;
    Ok(Some(password))
}

/// How a caller proved who it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Via {
    /// Session cookie: its hash, and the session's CSRF token.
    Session(String, String),
    /// API token (its id).
    Token(i64),
}

/// An authenticated caller.
#[derive(Clone, Debug)]
pub struct Caller {
    /// The user.
    pub user: User,
    /// How.
    pub via: Via,
}

impl Caller {
    /// How the audit log names it.
    pub fn actor(&self) -> String {
        match &self.via {
            Via::Session(..) => format!("user:{}", self.user.username),
            Via::Token(id) => format!("token:{id}:{}", self.user.username),
        }
    }

    /// The tenant to restrict reads to (`None`: every tenant, for regulators).
    pub fn tenant_scope(&self) -> Option<String> {
        (self.user.role != Role::Regulator).then(|| self.user.tenant.clone())
    }

    /// Whether the caller may read data of `tenant`.
    pub fn sees(&self, tenant: &str) -> bool {
        self.user.role == Role::Regulator || self.user.tenant == tenant
    }

    /// Analysts and admins change their tenant's data.
    pub fn require_write(&self) -> ApiResult<()> {
        match self.user.role {
            Role::Admin | Role::Analyst => Ok(()),
            Role::Viewer | Role::Regulator => Err(ApiError::forbidden(format!(
                "the {} role cannot change data",
                self.user.role.as_str()
            ))),
        }
    }

    /// Only admins manage users and tokens.
    pub fn require_admin(&self) -> ApiResult<()> {
        if self.user.role == Role::Admin {
            Ok(())
        } else {
            Err(ApiError::forbidden("admin role required"))
        }
    }
}

/// The value of cookie `name`, if sent.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Constant-time equality, so that comparing a CSRF token leaks no prefix.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Resolves the caller of a request (`None`: anonymous).
pub(crate) async fn resolve(state: &AppState, parts: &Parts) -> ApiResult<Option<Caller>> {
    let control = state.control.clone();
    if let Some(token) = bearer(&parts.headers) {
        let hash = sha256_hex(token.as_bytes());
        return blocking(move || {
            let Some(t) = control.token_by_hash(&hash)? else {
                return Err(ApiError::new(
                    axum::http::StatusCode::UNAUTHORIZED,
                    "unknown API token",
                ));
            };
            let user = control.user(t.user_id)?.filter(|u| !u.disabled);
            let Some(user) = user else {
                return Err(ApiError::unauthenticated());
            };
            // Recorded to the minute: a write per request would make every
            // machine client's read contend for the writer.
            let now = now_ns();
            if t.last_used
                .is_none_or(|u| now.saturating_sub(u) >= TOKEN_TOUCH_NS)
            {
                control.touch_token(t.id, now)?;
            }
            Ok(Some(Caller {
                user,
                via: Via::Token(t.id),
            }))
        })
        .await;
    }
    let Some(cookie) = cookie(&parts.headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    let hash = sha256_hex(cookie.as_bytes());
    let writes = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
    let csrf = parts
        .headers
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    blocking(move || {
        let Some(s) = control.session(&hash, now_ns())? else {
            return Ok(None);
        };
        if writes && !csrf.is_some_and(|c| same(c.as_bytes(), s.csrf.as_bytes())) {
            return Err(ApiError::forbidden("missing or wrong X-CSRF-Token"));
        }
        let user = control.user(s.user_id)?.filter(|u| !u.disabled);
        Ok(user.map(|user| Caller {
            user,
            via: Via::Session(hash, s.csrf),
        }))
    })
    .await
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Caller> {
        resolve(state, parts)
            .await?
            .ok_or_else(ApiError::unauthenticated)
    }
}

/// The client's address: as the listener saw it, or, when that is a
/// trusted proxy, the nearest address in `X-Forwarded-For` that is not
/// one (`unknown` when served without connection info, as in tests that
/// build requests directly).
#[derive(Clone, Debug)]
pub struct ClientAddr(pub String);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<ClientAddr, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip());
        let Some(peer) = peer else {
            return Ok(ClientAddr("unknown".to_owned()));
        };
        let forwarded = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok());
        Ok(ClientAddr(
            client_ip(peer, forwarded, &state.config.trusted_proxies).to_string(),
        ))
    }
}

/// The client behind `peer`: walking `X-Forwarded-For` from the right
/// (the entries nearest us, appended by proxies we trust) while the hop is
/// a trusted proxy. The leftmost entries are whatever the client claimed,
/// so only a hop added by a trusted proxy is believed; a malformed entry
/// stops the walk at the last address known good.
pub fn client_ip<'a>(
    peer: std::net::IpAddr,
    forwarded: impl DoubleEndedIterator<Item = &'a str>,
    trusted: &[taishi_detect::behaviour::common::Cidr],
) -> std::net::IpAddr {
    let is_trusted = |ip: &std::net::IpAddr| trusted.iter().any(|c| c.contains(ip));
    let mut client = peer;
    if !is_trusted(&client) {
        return client;
    }
    let hops: Vec<&str> = forwarded.flat_map(|h| h.split(',')).collect();
    for hop in hops.into_iter().rev() {
        let Ok(ip) = hop.trim().parse::<std::net::IpAddr>() else {
            break;
        };
        client = ip;
        if !is_trusted(&client) {
            break;
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_and_codes_look_right() {
        let h = hash_password("correct horse battery").expect("hash");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password(&h, "correct horse battery"));
        assert!(!verify_password(&h, "wrong"));
        assert!(!verify_password("garbage", "x"));
        let c = tracking_code();
        assert!(is_tracking_code(&c), "{c}");
        assert_ne!(c, tracking_code());
        assert!(!is_tracking_code("abcdefghijklmnop"));
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        use taishi_detect::behaviour::common::Cidr;
        let proxies = [Cidr::parse("10.0.0.0/24").expect("cidr")];
        let ip = |s: &str| s.parse::<std::net::IpAddr>().expect("ip");
        // Direct client: its header is a claim, ignored.
        assert_eq!(
            client_ip(ip("198.51.100.7"), ["1.2.3.4"].into_iter(), &proxies),
            ip("198.51.100.7")
        );
        // Through our proxy: the hop it appended.
        assert_eq!(
            client_ip(
                ip("10.0.0.2"),
                ["6.6.6.6, 198.51.100.7"].into_iter(),
                &proxies
            ),
            ip("198.51.100.7")
        );
        // Two of our proxies chained, header split over two lines.
        assert_eq!(
            client_ip(
                ip("10.0.0.2"),
                ["198.51.100.7", "10.0.0.3"].into_iter(),
                &proxies
            ),
            ip("198.51.100.7")
        );
        // Garbage after a good hop stops at the proxy itself.
        assert_eq!(
            client_ip(ip("10.0.0.2"), ["not-an-ip"].into_iter(), &proxies),
            ip("10.0.0.2")
        );
        // No trusted proxies configured: never believed.
        assert_eq!(
            client_ip(ip("10.0.0.2"), ["198.51.100.7"].into_iter(), &[]),
            ip("10.0.0.2")
        );
    }

    #[test]
    fn cookies_are_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            "a=1; taishi_session=xyz; b=2".parse().expect("header"),
        );
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("xyz"));
        assert_eq!(cookie(&h, "c"), None);
    }
}
