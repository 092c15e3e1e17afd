//! The audit log: every change, appended, hash-chained.
//!
//! Entry *n*'s hash is SHA-256(`prev_hash` ‖ canonical JSON of `[id, ts,
//! actor, action, target, detail]`) in hex, where `prev_hash` is entry
//! *n − 1*'s hash (64 zeros for the first). The canonical JSON is that
//! array as `serde_json` writes it compactly: fixed order, no whitespace,
//! one escaping — the same bytes on every machine. Editing any field of a
//! row changes its hash and breaks the link from the next one; deleting a
//! row leaves a gap in the ids and a broken link; only rewriting every
//! later row hides a change, and the last hash (which an operator can
//! note down or publish) then differs.

use serde::Serialize;
use sha2::{Digest, Sha256};
use taishi_core::StoreError;
use taishi_core::control::{AuditEntry, AuditQuery, ControlStore, GENESIS_HASH, NewAudit};
use utoipa::ToSchema;

use crate::auth::{hex, now_ns};

/// The hash an entry must carry, from its fields and `prev_hash`.
pub fn entry_hash(e: &AuditEntry) -> String {
    let canonical = serde_json::json!([e.id, e.ts, e.actor, e.action, e.target, e.detail]);
    let mut h = Sha256::new();
    h.update(e.prev_hash.as_bytes());
    h.update(canonical.to_string().as_bytes());
    hex(&h.finalize())
}

/// Appends an entry stamped now.
pub fn record(
    control: &dyn ControlStore,
    actor: &str,
    action: &str,
    target: &str,
    detail: &str,
) -> Result<AuditEntry, StoreError> {
    control.append_audit(
        &NewAudit {
            ts: now_ns(),
            actor: actor.to_owned(),
            action: action.to_owned(),
            target: target.to_owned(),
            detail: detail.to_owned(),
        },
        &entry_hash,
    )
}

/// Where and why the chain is broken.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema, thiserror::Error)]
#[error("audit chain broken at entry {id}: {reason}")]
pub struct AuditBreak {
    /// The first entry that does not check out.
    pub id: i64,
    /// What is wrong with it.
    pub reason: String,
}

/// A chain being checked entry by entry.
struct Chain {
    prev: String,
    next_id: i64,
    checked: u64,
}

impl Chain {
    fn new() -> Chain {
        Chain {
            prev: GENESIS_HASH.to_owned(),
            next_id: 1,
            checked: 0,
        }
    }

    fn push(&mut self, e: &AuditEntry) -> Result<(), AuditBreak> {
        let fail = |reason: String| AuditBreak { id: e.id, reason };
        if e.id != self.next_id {
            return Err(fail(format!(
                "expected entry {} here (an entry was deleted)",
                self.next_id
            )));
        }
        if e.prev_hash != self.prev {
            return Err(fail("does not link to the previous entry's hash".into()));
        }
        if entry_hash(e) != e.hash {
            return Err(fail(
                "its content does not match its hash (the row was edited)".into(),
            ));
        }
        self.prev.clone_from(&e.hash);
        self.next_id += 1;
        self.checked += 1;
        Ok(())
    }
}

/// Checks that `entries` (in id order, from the first) link up and hash
/// right; the number of entries checked.
pub fn verify_chain<'a>(
    entries: impl IntoIterator<Item = &'a AuditEntry>,
) -> Result<u64, AuditBreak> {
    let mut chain = Chain::new();
    for e in entries {
        chain.push(e)?;
    }
    Ok(chain.checked)
}

/// Entries read per page when verifying a whole store.
const VERIFY_PAGE: u64 = 10_000;

/// The outcome of verifying a store's log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct Verification {
    /// Entries that check out (up to the break, if any).
    pub entries: u64,
    /// The last good entry's hash (note it down: rewriting the whole tail changes it).
    pub last_hash: String,
    /// The first break, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub broken: Option<AuditBreak>,
}

/// Verifies the whole log of `control`, page by page (what `taishi audit
/// verify` and `GET /api/v1/audit/verify` run).
pub fn verify_store(control: &dyn ControlStore) -> Result<Verification, StoreError> {
    let mut chain = Chain::new();
    let mut after = None;
    let mut broken = None;
    'pages: loop {
        let page = control.audit(&AuditQuery {
            after_id: after,
            limit: Some(VERIFY_PAGE),
            ..AuditQuery::default()
        })?;
        let Some(last) = page.last() else {
            break;
        };
        for e in &page {
            if let Err(b) = chain.push(e) {
                broken = Some(b);
                break 'pages;
            }
        }
        after = Some(last.id);
    }
    Ok(Verification {
        entries: chain.checked,
        last_hash: chain.prev,
        broken,
    })
}
