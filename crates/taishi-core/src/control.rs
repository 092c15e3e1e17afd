//! The console's own state: users, sessions, API tokens, public
//! submissions and the audit log, behind the [`ControlStore`] trait.
//!
//! This is apart from [`crate::Store`] because it is a different kind of
//! data: small, written by people rather than sensors, never pruned by
//! retention, and (for the audit log) append-only. The server reads and
//! writes it only through this trait; the SQLite adapter keeps it in the
//! same database file as the situation.
//!
//! Secrets are never stored in the clear: users carry an argon2id hash,
//! sessions and API tokens the SHA-256 of the random value the client holds.
//! Hashing is the server's business; the store compares what it is given.

use serde::{Deserialize, Serialize};

use crate::StoreError;

/// What a user may do; see `docs/api.md` for the whole matrix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Reads its tenant's data and manages users and tokens.
    Admin,
    /// Reads and works on its tenant's data (incidents, triage, imports).
    Analyst,
    /// Reads its tenant's data.
    Viewer,
    /// Reads every tenant's data; writes only notes on incidents.
    Regulator,
}

impl Role {
    /// The name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Analyst => "analyst",
            Role::Viewer => "viewer",
            Role::Regulator => "regulator",
        }
    }

    /// Parses [`Role::as_str`]'s names.
    pub fn parse(s: &str) -> Option<Role> {
        Some(match s {
            "admin" => Role::Admin,
            "analyst" => Role::Analyst,
            "viewer" => Role::Viewer,
            "regulator" => Role::Regulator,
            _ => return None,
        })
    }
}

/// A local user of the console.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// Store-assigned id.
    pub id: i64,
    /// Login name, unique.
    pub username: String,
    /// Argon2id hash in PHC string form; never sent to a client.
    #[serde(skip_serializing, default)]
    pub password_hash: String,
    /// What the user may do.
    pub role: Role,
    /// The tenant (operator) whose data the user sees; empty on a single site.
    pub tenant: String,
    /// A disabled user cannot log in and its tokens stop working.
    pub disabled: bool,
    /// Creation time, nanoseconds since the epoch.
    pub created: u64,
}

/// A change to a user; `None` fields stay as they are.
#[derive(Clone, Debug, Default)]
pub struct UserUpdate {
    /// New role.
    pub role: Option<Role>,
    /// New tenant.
    pub tenant: Option<String>,
    /// New password hash.
    pub password_hash: Option<String>,
    /// Disable or enable.
    pub disabled: Option<bool>,
}

/// A logged-in browser session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// SHA-256 (hex) of the cookie value; the value itself is never stored.
    pub token_hash: String,
    /// Whose session.
    pub user_id: i64,
    /// The CSRF token bound to this session (a random value, not a secret
    /// from the server's point of view: it only proves same-origin reading).
    pub csrf: String,
    /// Creation time (ns).
    pub created: u64,
    /// Expiry time (ns).
    pub expires: u64,
}

/// An API token for a machine client.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiToken {
    /// Store-assigned id.
    pub id: i64,
    /// The user the token acts as.
    pub user_id: i64,
    /// What it is for (free text).
    pub name: String,
    /// SHA-256 (hex) of the token; never sent to a client.
    #[serde(skip_serializing, default)]
    pub token_hash: String,
    /// Creation time (ns).
    pub created: u64,
    /// Last use (ns), when used.
    pub last_used: Option<u64>,
}

/// What a member of the public reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubmissionKind {
    /// A threat: malicious URL, domain, address, phishing, fraud, an incident witnessed.
    Threat,
    /// A vulnerability in an infrastructure asset.
    Vulnerability,
    /// A suggestion, question, request for help or complaint.
    Feedback,
}

impl SubmissionKind {
    /// The name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            SubmissionKind::Threat => "threat",
            SubmissionKind::Vulnerability => "vulnerability",
            SubmissionKind::Feedback => "feedback",
        }
    }
}

/// How triage classifies a public input, each with its required response.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TriageKind {
    /// Constructive suggestion: adopt it.
    Suggestion,
    /// Request for help: help.
    HelpRequest,
    /// Not knowing the facts: inform.
    Uninformed,
    /// Vague understanding: clarify.
    Vague,
    /// Grievance: resolve.
    Grievance,
    /// Mistaken view or misinformation: correct.
    Mistaken,
}

impl TriageKind {
    /// Every kind.
    pub const ALL: [TriageKind; 6] = [
        TriageKind::Suggestion,
        TriageKind::HelpRequest,
        TriageKind::Uninformed,
        TriageKind::Vague,
        TriageKind::Grievance,
        TriageKind::Mistaken,
    ];

    /// The name used in JSON and configuration.
    pub fn as_str(self) -> &'static str {
        match self {
            TriageKind::Suggestion => "suggestion",
            TriageKind::HelpRequest => "help_request",
            TriageKind::Uninformed => "uninformed",
            TriageKind::Vague => "vague",
            TriageKind::Grievance => "grievance",
            TriageKind::Mistaken => "mistaken",
        }
    }

    /// The response this kind requires.
    pub fn response(self) -> &'static str {
        match self {
            TriageKind::Suggestion => "adopt",
            TriageKind::HelpRequest => "help",
            TriageKind::Uninformed => "inform",
            TriageKind::Vague => "clarify",
            TriageKind::Grievance => "resolve",
            TriageKind::Mistaken => "correct",
        }
    }
}

/// Where a public submission is in its handling.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubmissionStatus {
    /// Received, not yet looked at.
    #[default]
    Received,
    /// Classified; being worked on.
    Triaged,
    /// Answered publicly.
    Answered,
}

impl SubmissionStatus {
    /// The name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            SubmissionStatus::Received => "received",
            SubmissionStatus::Triaged => "triaged",
            SubmissionStatus::Answered => "answered",
        }
    }

    /// Parses [`SubmissionStatus::as_str`]'s names.
    pub fn parse(s: &str) -> Option<SubmissionStatus> {
        Some(match s {
            "received" => SubmissionStatus::Received,
            "triaged" => SubmissionStatus::Triaged,
            "answered" => SubmissionStatus::Answered,
            _ => return None,
        })
    }
}

/// A report sent in through the public portal, with its handling.
///
/// Every text field is plain text as the reporter typed it (validated for
/// length and control characters, never HTML); whoever displays it escapes it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Submission {
    /// Store-assigned id (0 before storing).
    pub id: i64,
    /// The unguessable code the reporter tracks it by.
    pub tracking_code: String,
    /// What was reported.
    pub kind: Option<SubmissionKind>,
    /// One line.
    pub title: String,
    /// The report.
    pub description: String,
    /// A URL, domain, address or hash the report is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub indicator: Option<String>,
    /// How to reach the reporter (internal only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
    /// The name to credit the reporter under, when they want credit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credit: Option<String>,
    /// Handling state.
    pub status: SubmissionStatus,
    /// Triage classification.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub triage: Option<TriageKind>,
    /// Whether an analyst verified the report (a threat then becomes intel).
    #[serde(default)]
    pub verified: bool,
    /// The answer shown on the public status page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_answer: Option<String>,
    /// Internal notes (never public).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub internal_note: Option<String>,
    /// For a vulnerability: the asset it was matched to (address key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asset: Option<String>,
    /// For a vulnerability: the owner unit it was routed to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routed_to: Option<String>,
    /// Tenant of the matched asset (empty when none).
    #[serde(default)]
    pub tenant: String,
    /// The analyst who triaged or answered it last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handler: Option<String>,
    /// Received (ns).
    pub created: u64,
    /// Classified (ns).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub triaged_at: Option<u64>,
    /// Answered (ns).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered_at: Option<u64>,
    /// When the answer is due (ns), from the triage kind's deadline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<u64>,
}

/// Which submissions to list; newest first.
#[derive(Clone, Debug, Default)]
pub struct SubmissionQuery {
    /// Only these states (empty: all).
    pub status: Vec<SubmissionStatus>,
    /// At most this many.
    pub limit: Option<u64>,
    /// Skip this many first.
    pub offset: u64,
}

/// One entry of the audit log, as stored.
///
/// `hash` = SHA-256(`prev_hash` ‖ canonical JSON of `[id, ts, actor,
/// action, target, detail]`), hex; the first entry's `prev_hash` is 64
/// zeros. The server computes it (see `taishi_server::audit`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Position in the log, from 1, without gaps.
    pub id: i64,
    /// When (ns).
    pub ts: u64,
    /// Who (`user:NAME`, `token:ID`, `public:ADDRESS`, `system`).
    pub actor: String,
    /// What (`login`, `incident.update` ...).
    pub action: String,
    /// On what (`incident:12`, `user:bob` ...).
    pub target: String,
    /// Details, free text (often JSON).
    pub detail: String,
    /// The previous entry's hash.
    pub prev_hash: String,
    /// This entry's hash.
    pub hash: String,
}

/// An audit entry to append: the store assigns `id` and `prev_hash`.
#[derive(Clone, Debug, Default)]
pub struct NewAudit {
    /// When (ns).
    pub ts: u64,
    /// Who.
    pub actor: String,
    /// What.
    pub action: String,
    /// On what.
    pub target: String,
    /// Details.
    pub detail: String,
}

/// Which audit entries to read, in id order.
#[derive(Clone, Debug, Default)]
pub struct AuditQuery {
    /// Only entries with an id greater than this.
    pub after_id: Option<i64>,
    /// Newest first.
    pub newest_first: bool,
    /// At most this many.
    pub limit: Option<u64>,
    /// Skip this many first.
    pub offset: u64,
}

/// The hash of the entry before the first one.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Persistent state of the console.
pub trait ControlStore: Send + Sync {
    /// Creates a user (`id` ignored); `None` when the username is taken.
    fn create_user(&self, user: &User) -> Result<Option<User>, StoreError>;
    /// One user by id.
    fn user(&self, id: i64) -> Result<Option<User>, StoreError>;
    /// One user by name.
    fn user_by_name(&self, username: &str) -> Result<Option<User>, StoreError>;
    /// Every user, by id.
    fn users(&self) -> Result<Vec<User>, StoreError>;
    /// Applies `update`; `None` when there is no such user.
    fn update_user(&self, id: i64, update: &UserUpdate) -> Result<Option<User>, StoreError>;
    /// Deletes a user with its sessions and tokens; whether it existed.
    fn delete_user(&self, id: i64) -> Result<bool, StoreError>;

    /// Stores a new session.
    fn create_session(&self, session: &Session) -> Result<(), StoreError>;
    /// The session whose cookie hashes to `token_hash`, if not expired at `now`.
    fn session(&self, token_hash: &str, now: u64) -> Result<Option<Session>, StoreError>;
    /// Ends a session; whether it existed.
    fn delete_session(&self, token_hash: &str) -> Result<bool, StoreError>;
    /// Removes sessions expired at `now`; how many.
    fn prune_sessions(&self, now: u64) -> Result<u64, StoreError>;

    /// Stores a new API token (`id` ignored) and returns it with its id.
    fn create_token(&self, token: &ApiToken) -> Result<ApiToken, StoreError>;
    /// The token whose value hashes to `token_hash`.
    fn token_by_hash(&self, token_hash: &str) -> Result<Option<ApiToken>, StoreError>;
    /// Tokens, of one user or all.
    fn tokens(&self, user_id: Option<i64>) -> Result<Vec<ApiToken>, StoreError>;
    /// One token by id.
    fn token(&self, id: i64) -> Result<Option<ApiToken>, StoreError>;
    /// Revokes a token; whether it existed.
    fn delete_token(&self, id: i64) -> Result<bool, StoreError>;
    /// Records a use of a token.
    fn touch_token(&self, id: i64, now: u64) -> Result<(), StoreError>;

    /// Stores a new submission (`id` ignored); `None` when its tracking
    /// code is taken.
    fn insert_submission(&self, s: &Submission) -> Result<Option<Submission>, StoreError>;
    /// One submission by id.
    fn submission(&self, id: i64) -> Result<Option<Submission>, StoreError>;
    /// One submission by tracking code.
    fn submission_by_code(&self, code: &str) -> Result<Option<Submission>, StoreError>;
    /// Submissions matching `q`, newest first.
    fn submissions(&self, q: &SubmissionQuery) -> Result<Vec<Submission>, StoreError>;
    /// How many submissions match `q` (ignoring limit and offset).
    fn count_submissions(&self, q: &SubmissionQuery) -> Result<u64, StoreError>;
    /// Replaces a stored submission (by id); whether it existed.
    fn update_submission(&self, s: &Submission) -> Result<bool, StoreError>;

    /// Appends to the audit log atomically: the store gives the entry the
    /// next id and the last entry's hash (or [`GENESIS_HASH`]) as
    /// `prev_hash`, calls `seal` for its hash, and writes it.
    fn append_audit(
        &self,
        entry: &NewAudit,
        seal: &dyn Fn(&AuditEntry) -> String,
    ) -> Result<AuditEntry, StoreError>;
    /// Audit entries matching `q`.
    fn audit(&self, q: &AuditQuery) -> Result<Vec<AuditEntry>, StoreError>;
    /// How many audit entries there are.
    fn count_audit(&self) -> Result<u64, StoreError>;
}
