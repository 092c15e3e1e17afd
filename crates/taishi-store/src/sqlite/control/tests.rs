use taishi_core::control::{
    ApiToken, AuditEntry, AuditQuery, ControlStore, GENESIS_HASH, NewAudit, Role, Session,
    Submission, SubmissionQuery, SubmissionStatus, User, UserUpdate,
};

use crate::SqliteStore;

fn user(name: &str) -> User {
    User {
        id: 0,
        username: name.into(),
        password_hash: "$argon2id$x".into(),
        role: Role::Analyst,
        tenant: "grid".into(),
        disabled: false,
        created: 5,
    }
}

#[test]
fn users_are_unique_and_updates_end_sessions() {
    let s = SqliteStore::open_in_memory().expect("open");
    let bob = s.create_user(&user("bob")).expect("create").expect("new");
    assert!(s.create_user(&user("bob")).expect("create").is_none());
    assert_eq!(s.user_by_name("bob").expect("read"), Some(bob.clone()));
    s.create_session(&Session {
        token_hash: "h1".into(),
        user_id: bob.id,
        csrf: "c".into(),
        created: 1,
        expires: 100,
    })
    .expect("session");
    assert!(s.session("h1", 50).expect("read").is_some());
    assert!(s.session("h1", 100).expect("read").is_none(), "expired");
    let up = UserUpdate {
        password_hash: Some("$argon2id$y".into()),
        role: Some(Role::Viewer),
        ..UserUpdate::default()
    };
    let bob2 = s.update_user(bob.id, &up).expect("update").expect("exists");
    assert_eq!(
        (bob2.role, bob2.password_hash.as_str()),
        (Role::Viewer, "$argon2id$y")
    );
    assert!(
        s.session("h1", 50).expect("read").is_none(),
        "password change ends sessions"
    );
    let t = s
        .create_token(&ApiToken {
            id: 0,
            user_id: bob.id,
            name: "feed".into(),
            token_hash: "th".into(),
            created: 1,
            last_used: None,
        })
        .expect("token");
    s.touch_token(t.id, 9).expect("touch");
    assert_eq!(
        s.token_by_hash("th")
            .expect("read")
            .and_then(|t| t.last_used),
        Some(9)
    );
    assert!(s.delete_user(bob.id).expect("delete"));
    assert!(
        s.token(t.id).expect("read").is_none(),
        "tokens go with their user"
    );
}

#[test]
fn submissions_round_trip_and_filter_by_status() {
    let s = SqliteStore::open_in_memory().expect("open");
    let mut a = Submission {
        tracking_code: "AAAA".into(),
        title: "<script>alert(1)</script>".into(),
        created: 1,
        ..Submission::default()
    };
    let stored = s.insert_submission(&a).expect("insert").expect("new");
    assert!(
        s.insert_submission(&a).expect("insert").is_none(),
        "code taken"
    );
    a.tracking_code = "BBBB".into();
    a.created = 2;
    s.insert_submission(&a).expect("insert");
    let mut first = s.submission_by_code("AAAA").expect("read").expect("there");
    assert_eq!(first, stored);
    first.status = SubmissionStatus::Answered;
    assert!(s.update_submission(&first).expect("update"));
    let q = SubmissionQuery {
        status: vec![SubmissionStatus::Received],
        ..SubmissionQuery::default()
    };
    let open = s.submissions(&q).expect("list");
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].tracking_code, "BBBB");
    assert_eq!(
        s.count_submissions(&SubmissionQuery::default())
            .expect("count"),
        2
    );
}

#[test]
fn audit_chains_and_refuses_update_and_delete() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("t.db");
    let s = SqliteStore::open(&path).expect("open");
    let seal = |e: &AuditEntry| format!("{}+{}", e.prev_hash.len(), e.id);
    for i in 0..3 {
        s.append_audit(
            &NewAudit {
                ts: i,
                actor: "user:a".into(),
                action: "login".into(),
                ..NewAudit::default()
            },
            &seal,
        )
        .expect("append");
    }
    let all = s.audit(&AuditQuery::default()).expect("list");
    assert_eq!(all.iter().map(|e| e.id).collect::<Vec<_>>(), [1, 2, 3]);
    assert_eq!(all[0].prev_hash, GENESIS_HASH);
    assert_eq!(all[1].prev_hash, all[0].hash);
    assert_eq!(all[2].hash, "3+3", "seal saw the previous hash");
    let conn = rusqlite::Connection::open(&path).expect("open raw");
    let upd = conn.execute("UPDATE audit SET actor = 'x' WHERE id = 2", []);
    assert!(upd.is_err_and(|e| e.to_string().contains("append-only")));
    assert!(conn.execute("DELETE FROM audit WHERE id = 3", []).is_err());
    assert_eq!(s.count_audit().expect("count"), 3);
}
