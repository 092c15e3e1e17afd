//! What an operator does from the server's own machine, without a login:
//! list users, give a user a new one-time password (the way back in when
//! the first admin's password is lost), and issue an API token to a
//! machine. Whoever can run the binary on the database's file already owns
//! the data, so these need no credentials; each is still audited, by
//! `cli`.

use taishi_core::StoreError;
use taishi_core::control::{ApiToken, ControlStore, User, UserUpdate};

use crate::audit;
use crate::auth::{hash_password, now_ns, random_secret, sha256_hex, tracking_code};

/// Who the audit log names for these operations.
pub const CLI_ACTOR: &str = "cli";

/// Why a local operation failed.
#[derive(Debug, thiserror::Error)]
pub enum LocalAdminError {
    /// No user has that name.
    #[error("no user named {0:?}")]
    NoSuchUser(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Hashing failed.
    #[error("{0}")]
    Hash(String),
}

/// A fresh one-time password: two tracking codes, 32 readable characters
/// and 160 random bits (as the first admin's).
pub fn one_time_password() -> String {
    (0..2).map(|_| tracking_code()).collect()
}

fn user_named(control: &dyn ControlStore, username: &str) -> Result<User, LocalAdminError> {
    control
        .user_by_name(username)?
        .ok_or_else(|| LocalAdminError::NoSuchUser(username.to_owned()))
}

/// Gives `username` a new one-time password, re-enabling the account, and
/// returns the password (it is not stored in the clear anywhere).
pub fn reset_password(
    control: &dyn ControlStore,
    username: &str,
) -> Result<String, LocalAdminError> {
    let user = user_named(control, username)?;
    let password = one_time_password();
    let hash = hash_password(&password).map_err(|e| LocalAdminError::Hash(e.error))?;
    control.update_user(
        user.id,
        &UserUpdate {
            password_hash: Some(hash),
            disabled: Some(false),
            ..UserUpdate::default()
        },
    )?;
    audit::record(
        control,
        CLI_ACTOR,
        "user.update",
        &format!("user:{}", user.username),
        r#"{"password_changed":true,"disabled":false}"#,
    )?;
    Ok(password)
}

/// Mints an API token acting as `owner`, named `name`; returns the token
/// (shown once: only its hash is kept) and its record. `actor` is who the
/// audit log names.
pub fn mint_token(
    control: &dyn ControlStore,
    actor: &str,
    owner: &User,
    name: &str,
) -> Result<(String, ApiToken), StoreError> {
    let token = random_secret();
    let record = control.create_token(&ApiToken {
        id: 0,
        user_id: owner.id,
        name: name.to_owned(),
        token_hash: sha256_hex(token.as_bytes()),
        created: now_ns(),
        last_used: None,
    })?;
    audit::record(
        control,
        actor,
        "token.create",
        &format!("token:{}", record.id),
        &format!("for user:{} ({name})", owner.username),
    )?;
    Ok((token, record))
}

/// Issues an API token acting as `username`.
pub fn issue_token(
    control: &dyn ControlStore,
    username: &str,
    name: &str,
) -> Result<String, LocalAdminError> {
    let owner = user_named(control, username)?;
    Ok(mint_token(control, CLI_ACTOR, &owner, name)?.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::verify_password;
    use taishi_core::control::{AuditQuery, Role};
    use taishi_store::SqliteStore;

    fn store_with(username: &str, disabled: bool) -> SqliteStore {
        let s = SqliteStore::open_in_memory().unwrap();
        let created = s
            .create_user(&User {
                id: 0,
                username: username.into(),
                password_hash: hash_password("old password 123").unwrap(),
                role: Role::Analyst,
                tenant: String::new(),
                disabled,
                created: 1,
            })
            .unwrap();
        assert!(created.is_some());
        s
    }

    #[test]
    fn a_reset_password_works_once_the_old_one_does_not_and_is_audited() {
        let s = store_with("ana", true);
        let pw = reset_password(&s, "ana").unwrap();
        let u = s.user_by_name("ana").unwrap().unwrap();
        assert!(verify_password(&u.password_hash, &pw));
        assert!(!verify_password(&u.password_hash, "old password 123"));
        assert!(!u.disabled, "the account is usable again");
        let log = s.audit(&AuditQuery::default()).unwrap();
        assert!(
            log.iter()
                .any(|e| e.actor == CLI_ACTOR && e.target == "user:ana"),
            "{log:?}"
        );
        assert!(matches!(
            reset_password(&s, "nobody"),
            Err(LocalAdminError::NoSuchUser(_))
        ));
    }

    #[test]
    fn an_issued_token_is_kept_only_as_its_hash() {
        let s = store_with("robot", false);
        let token = issue_token(&s, "robot", "siem export").unwrap();
        let stored = s
            .token_by_hash(&sha256_hex(token.as_bytes()))
            .unwrap()
            .unwrap();
        assert_eq!(stored.name, "siem export");
        assert_ne!(stored.token_hash, token);
        assert!(
            s.tokens(None)
                .unwrap()
                .iter()
                .all(|t| t.token_hash != token)
        );
    }
}
