//! Users, sessions and API tokens.

use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row, ToSql, params};
use taishi_core::StoreError;
use taishi_core::control::{ApiToken, Role, Session, User, UserUpdate};

use crate::sqlite::sql::{backend, int, uint};

const USER_COLUMNS: &str = "id, username, password_hash, role, tenant, disabled, created";

fn user_row(r: &Row<'_>) -> rusqlite::Result<(User, String)> {
    let role: String = r.get(3)?;
    Ok((
        User {
            id: r.get(0)?,
            username: r.get(1)?,
            password_hash: r.get(2)?,
            // Placeholder until the role text is checked below.
            role: Role::Viewer,
            tenant: r.get(4)?,
            disabled: r.get(5)?,
            created: uint(r.get(6)?),
        },
        role,
    ))
}

fn checked((mut user, role): (User, String)) -> Result<User, StoreError> {
    user.role = Role::parse(&role)
        .ok_or_else(|| StoreError::Corrupt(format!("users row {}: role {role:?}", user.id)))?;
    Ok(user)
}

/// Inserts `user`; `None` when its name is taken.
pub(super) fn create_user(conn: &mut Connection, user: &User) -> Result<Option<User>, StoreError> {
    let taken: Option<i64> = conn
        .query_row(
            "SELECT id FROM users WHERE username = ?",
            [&user.username],
            |r| r.get(0),
        )
        .optional()
        .map_err(backend("look up user"))?;
    if taken.is_some() {
        return Ok(None);
    }
    conn.execute(
        "INSERT INTO users (username, password_hash, role, tenant, disabled, created)
         VALUES (?, ?, ?, ?, ?, ?)",
        params![
            user.username,
            user.password_hash,
            user.role.as_str(),
            user.tenant,
            user.disabled,
            int(user.created)
        ],
    )
    .map_err(backend("create user"))?;
    Ok(Some(User {
        id: conn.last_insert_rowid(),
        ..user.clone()
    }))
}

/// One user by a one-parameter condition.
pub(super) fn user(
    conn: &Connection,
    cond: &str,
    key: impl ToSql,
) -> Result<Option<User>, StoreError> {
    conn.query_row(
        &format!("SELECT {USER_COLUMNS} FROM users WHERE {cond}"),
        [key],
        user_row,
    )
    .optional()
    .map_err(backend("read user"))?
    .map(checked)
    .transpose()
}

/// Every user by id.
pub(super) fn users(conn: &Connection) -> Result<Vec<User>, StoreError> {
    let mut stmt = conn
        .prepare_cached(&format!("SELECT {USER_COLUMNS} FROM users ORDER BY id"))
        .map_err(backend("query users"))?;
    let rows = stmt
        .query_map([], user_row)
        .map_err(backend("query users"))?;
    rows.map(|r| checked(r.map_err(backend("read user"))?))
        .collect()
}

/// Applies `u` to user `id`.
pub(super) fn update_user(
    conn: &mut Connection,
    id: i64,
    u: &UserUpdate,
) -> Result<Option<User>, StoreError> {
    let tx = conn.transaction().map_err(backend("begin user update"))?;
    let mut sets: Vec<&str> = Vec::new();
    let mut vals: Vec<Value> = Vec::new();
    if let Some(r) = u.role {
        sets.push("role = ?");
        vals.push(Value::Text(r.as_str().to_owned()));
    }
    if let Some(t) = &u.tenant {
        sets.push("tenant = ?");
        vals.push(Value::Text(t.clone()));
    }
    if let Some(h) = &u.password_hash {
        sets.push("password_hash = ?");
        vals.push(Value::Text(h.clone()));
    }
    if let Some(d) = u.disabled {
        sets.push("disabled = ?");
        vals.push(Value::Integer(i64::from(d)));
    }
    if !sets.is_empty() {
        vals.push(Value::Integer(id));
        tx.execute(
            &format!("UPDATE users SET {} WHERE id = ?", sets.join(", ")),
            rusqlite::params_from_iter(vals),
        )
        .map_err(backend("update user"))?;
    }
    // A changed password or a disabled account ends every open session.
    if u.password_hash.is_some() || u.disabled == Some(true) {
        tx.execute("DELETE FROM sessions WHERE user_id = ?", [id])
            .map_err(backend("end sessions"))?;
    }
    let out = user(&tx, "id = ?", id)?;
    tx.commit().map_err(backend("commit user update"))?;
    Ok(out)
}

/// Deletes user `id` (sessions and tokens go by cascade).
pub(super) fn delete_user(conn: &mut Connection, id: i64) -> Result<bool, StoreError> {
    let n = conn
        .execute("DELETE FROM users WHERE id = ?", [id])
        .map_err(backend("delete user"))?;
    Ok(n > 0)
}

/// Stores a session.
pub(super) fn create_session(conn: &mut Connection, s: &Session) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO sessions (token_hash, user_id, csrf, created, expires) VALUES (?, ?, ?, ?, ?)",
        params![
            s.token_hash,
            s.user_id,
            s.csrf,
            int(s.created),
            int(s.expires)
        ],
    )
    .map_err(backend("create session"))?;
    Ok(())
}

/// The live session with this hash.
pub(super) fn session(
    conn: &Connection,
    token_hash: &str,
    now: u64,
) -> Result<Option<Session>, StoreError> {
    conn.query_row(
        "SELECT token_hash, user_id, csrf, created, expires FROM sessions
         WHERE token_hash = ? AND expires > ?",
        params![token_hash, int(now)],
        |r| {
            Ok(Session {
                token_hash: r.get(0)?,
                user_id: r.get(1)?,
                csrf: r.get(2)?,
                created: uint(r.get(3)?),
                expires: uint(r.get(4)?),
            })
        },
    )
    .optional()
    .map_err(backend("read session"))
}

/// Ends a session.
pub(super) fn delete_session(conn: &mut Connection, token_hash: &str) -> Result<bool, StoreError> {
    let n = conn
        .execute("DELETE FROM sessions WHERE token_hash = ?", [token_hash])
        .map_err(backend("delete session"))?;
    Ok(n > 0)
}

/// Removes expired sessions.
pub(super) fn prune_sessions(conn: &mut Connection, now: u64) -> Result<u64, StoreError> {
    let n = conn
        .execute("DELETE FROM sessions WHERE expires <= ?", [int(now)])
        .map_err(backend("prune sessions"))?;
    Ok(n as u64)
}

const TOKEN_COLUMNS: &str = "id, user_id, name, token_hash, created, last_used";

fn token_row(r: &Row<'_>) -> rusqlite::Result<ApiToken> {
    Ok(ApiToken {
        id: r.get(0)?,
        user_id: r.get(1)?,
        name: r.get(2)?,
        token_hash: r.get(3)?,
        created: uint(r.get(4)?),
        last_used: r.get::<_, Option<i64>>(5)?.map(uint),
    })
}

/// Stores a token.
pub(super) fn create_token(conn: &mut Connection, t: &ApiToken) -> Result<ApiToken, StoreError> {
    conn.execute(
        "INSERT INTO api_tokens (user_id, name, token_hash, created) VALUES (?, ?, ?, ?)",
        params![t.user_id, t.name, t.token_hash, int(t.created)],
    )
    .map_err(backend("create token"))?;
    Ok(ApiToken {
        id: conn.last_insert_rowid(),
        last_used: None,
        ..t.clone()
    })
}

/// One token by a one-parameter condition.
pub(super) fn token(
    conn: &Connection,
    cond: &str,
    key: impl ToSql,
) -> Result<Option<ApiToken>, StoreError> {
    conn.query_row(
        &format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE {cond}"),
        [key],
        token_row,
    )
    .optional()
    .map_err(backend("read token"))
}

/// Tokens of one user, or all, by id.
pub(super) fn tokens(conn: &Connection, user_id: Option<i64>) -> Result<Vec<ApiToken>, StoreError> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE ?1 IS NULL OR user_id = ?1 ORDER BY id"
        ))
        .map_err(backend("query tokens"))?;
    let rows = stmt
        .query_map([user_id], token_row)
        .map_err(backend("query tokens"))?;
    rows.map(|r| r.map_err(backend("read token"))).collect()
}

/// Revokes a token.
pub(super) fn delete_token(conn: &mut Connection, id: i64) -> Result<bool, StoreError> {
    let n = conn
        .execute("DELETE FROM api_tokens WHERE id = ?", [id])
        .map_err(backend("delete token"))?;
    Ok(n > 0)
}

/// Records a use.
pub(super) fn touch_token(conn: &mut Connection, id: i64, now: u64) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE api_tokens SET last_used = ? WHERE id = ?",
        params![int(now), id],
    )
    .map_err(backend("touch token"))?;
    Ok(())
}
