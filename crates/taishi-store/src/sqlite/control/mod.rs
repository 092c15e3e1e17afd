//! [`ControlStore`] for SQLite: the console's users, sessions, API tokens,
//! public submissions and audit log, in the same file as the situation.
//!
//! The audit table is append-only at the SQL level as well: triggers abort
//! any `UPDATE` or `DELETE` on it, so a bug (or a careless `sqlite3`
//! session) cannot rewrite history without first dropping the triggers —
//! which the hash chain then exposes.

mod audit;
mod submissions;
mod users;

use taishi_core::StoreError;
use taishi_core::control::{
    ApiToken, AuditEntry, AuditQuery, ControlStore, NewAudit, Session, Submission, SubmissionQuery,
    User, UserUpdate,
};

use super::SqliteStore;

impl ControlStore for SqliteStore {
    fn create_user(&self, user: &User) -> Result<Option<User>, StoreError> {
        self.write(|c| users::create_user(c, user))
    }

    fn user(&self, id: i64) -> Result<Option<User>, StoreError> {
        self.read(|c| users::user(c, "id = ?", id))
    }

    fn user_by_name(&self, username: &str) -> Result<Option<User>, StoreError> {
        self.read(|c| users::user(c, "username = ?", username))
    }

    fn users(&self) -> Result<Vec<User>, StoreError> {
        self.read(users::users)
    }

    fn update_user(&self, id: i64, update: &UserUpdate) -> Result<Option<User>, StoreError> {
        self.write(|c| users::update_user(c, id, update))
    }

    fn delete_user(&self, id: i64) -> Result<bool, StoreError> {
        self.write(|c| users::delete_user(c, id))
    }

    fn create_session(&self, session: &Session) -> Result<(), StoreError> {
        self.write(|c| users::create_session(c, session))
    }

    fn session(&self, token_hash: &str, now: u64) -> Result<Option<Session>, StoreError> {
        self.read(|c| users::session(c, token_hash, now))
    }

    fn delete_session(&self, token_hash: &str) -> Result<bool, StoreError> {
        self.write(|c| users::delete_session(c, token_hash))
    }

    fn prune_sessions(&self, now: u64) -> Result<u64, StoreError> {
        self.write(|c| users::prune_sessions(c, now))
    }

    fn create_token(&self, token: &ApiToken) -> Result<ApiToken, StoreError> {
        self.write(|c| users::create_token(c, token))
    }

    fn token_by_hash(&self, token_hash: &str) -> Result<Option<ApiToken>, StoreError> {
        self.read(|c| users::token(c, "token_hash = ?", token_hash))
    }

    fn tokens(&self, user_id: Option<i64>) -> Result<Vec<ApiToken>, StoreError> {
        self.read(|c| users::tokens(c, user_id))
    }

    fn token(&self, id: i64) -> Result<Option<ApiToken>, StoreError> {
        self.read(|c| users::token(c, "id = ?", id))
    }

    fn delete_token(&self, id: i64) -> Result<bool, StoreError> {
        self.write(|c| users::delete_token(c, id))
    }

    fn touch_token(&self, id: i64, now: u64) -> Result<(), StoreError> {
        self.write(|c| users::touch_token(c, id, now))
    }

    fn insert_submission(&self, s: &Submission) -> Result<Option<Submission>, StoreError> {
        self.write(|c| submissions::insert(c, s))
    }

    fn submission(&self, id: i64) -> Result<Option<Submission>, StoreError> {
        self.read(|c| submissions::one(c, "id = ?", id))
    }

    fn submission_by_code(&self, code: &str) -> Result<Option<Submission>, StoreError> {
        self.read(|c| submissions::one(c, "code = ?", code))
    }

    fn submissions(&self, q: &SubmissionQuery) -> Result<Vec<Submission>, StoreError> {
        self.read(|c| submissions::list(c, q))
    }

    fn count_submissions(&self, q: &SubmissionQuery) -> Result<u64, StoreError> {
        self.read(|c| submissions::count(c, q))
    }

    fn update_submission(&self, s: &Submission) -> Result<bool, StoreError> {
        self.write(|c| submissions::update(c, s))
    }

    fn append_audit(
        &self,
        entry: &NewAudit,
        seal: &dyn Fn(&AuditEntry) -> String,
    ) -> Result<AuditEntry, StoreError> {
        self.write(|c| audit::append(c, entry, seal))
    }

    fn audit(&self, q: &AuditQuery) -> Result<Vec<AuditEntry>, StoreError> {
        self.read(|c| audit::list(c, q))
    }

    fn count_audit(&self) -> Result<u64, StoreError> {
        self.read(audit::count)
    }
}

#[cfg(test)]
mod tests;
