//! The batch writer: batching rules, and what a kill leaves behind.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use taishi_core::Store;
use taishi_core::store::FlowQuery;

use super::*;
use crate::SqliteStore;
use crate::testutil::{T0, flow_line, lines};

fn flows(from: u64, n: u64) -> Vec<u8> {
    let ls: Vec<String> = (from..from + n)
        .map(|i| flow_line(T0 + i, "10.0.0.1", "10.0.0.2", 80, Some("http"), i))
        .collect();
    lines(&ls)
}

#[test]
fn commits_every_max_lines_and_the_rest_at_finish() {
    let store = Arc::new(SqliteStore::open_in_memory().expect("open"));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    let w = BatchWriter::spawn_with(
        store.clone(),
        BatchConfig {
            max_lines: 10,
            max_batch_lines: 10,
            // Never by time here: only the line count decides.
            max_delay: Duration::from_secs(3600),
            queue: 2,
        },
        move |r| log.lock().expect("log").push(r.flows),
    )
    .expect("spawn");
    for k in 0..5 {
        w.send(flows(k * 5, 5)).expect("send");
    }
    // A chunk without its final newline still counts as whole lines.
    let mut last = flows(25, 1);
    last.pop();
    w.send(last).expect("send");
    let totals = w.finish().expect("finish");
    assert_eq!(totals.flows, 26);
    assert_eq!(*seen.lock().expect("log"), [10, 20, 26]);
    assert_eq!(store.count_flows(&FlowQuery::default()).expect("count"), 26);
}

#[test]
fn a_writer_behind_takes_what_is_queued_into_one_batch() {
    let store = Arc::new(SqliteStore::open_in_memory().expect("open"));
    let (committed, commits) = crossbeam_channel::unbounded();
    let (go, wait) = crossbeam_channel::bounded::<()>(1);
    let w = BatchWriter::spawn_with(
        store.clone(),
        BatchConfig {
            max_lines: 10,
            max_batch_lines: 25,
            max_delay: Duration::from_secs(3600),
            queue: 10,
        },
        move |r| {
            let _ = committed.send(r.flows);
            // Each commit holds the writer until the test lets it go on.
            let _ = wait.recv();
        },
    )
    .expect("spawn");
    w.send(flows(0, 10)).expect("send");
    assert_eq!(commits.recv(), Ok(10));
    // Queued while the writer is busy with the first commit.
    for k in 0..6 {
        w.send(flows(10 + k * 5, 5)).expect("send");
    }
    drop(go);
    let totals = w.finish().expect("finish");
    assert_eq!(totals.flows, 40);
    // 10 due plus 15 more queued (the cap of 25), then the rest.
    assert_eq!(commits.try_iter().collect::<Vec<_>>(), [35, 40]);
    assert_eq!(store.count_flows(&FlowQuery::default()).expect("count"), 40);
}

#[test]
fn commits_after_max_delay_without_more_lines() {
    let store = Arc::new(SqliteStore::open_in_memory().expect("open"));
    let (tx, rx) = crossbeam_channel::unbounded();
    let w = BatchWriter::spawn_with(
        store.clone(),
        BatchConfig {
            max_lines: 1_000_000,
            max_batch_lines: 1_000_000,
            max_delay: Duration::from_millis(20),
            queue: 4,
        },
        move |r| {
            let _ = tx.send(r.flows);
        },
    )
    .expect("spawn");
    w.send(flows(0, 3)).expect("send");
    // The commit comes from the timer: nothing else is sent, finish is not called.
    assert_eq!(rx.recv_timeout(Duration::from_secs(60)), Ok(3));
    assert_eq!(store.count_flows(&FlowQuery::default()).expect("count"), 3);
    drop(w);
}

#[test]
fn a_dropped_writer_still_commits() {
    let store = Arc::new(SqliteStore::open_in_memory().expect("open"));
    let w = BatchWriter::spawn(store.clone(), BatchConfig::default()).expect("spawn");
    w.send(flows(0, 7)).expect("send");
    drop(w);
    assert_eq!(store.count_flows(&FlowQuery::default()).expect("count"), 7);
}

const CHILD_ENV: &str = "TAISHI_STORE_CRASH_CHILD_DB";

/// The child of [`a_killed_writer_loses_only_the_last_batch`]: writes
/// flows forever, printing the running total after each commit. Does
/// nothing when run as an ordinary test.
#[test]
fn crash_child() {
    let Ok(path) = std::env::var(CHILD_ENV) else {
        return;
    };
    let store = Arc::new(SqliteStore::open(std::path::Path::new(&path)).expect("open"));
    let w = BatchWriter::spawn_with(
        store,
        BatchConfig {
            max_lines: 2000,
            // Batches of exactly 2000, so the parent can tell whole ones.
            max_batch_lines: 2000,
            max_delay: Duration::from_secs(3600),
            queue: 4,
        },
        |r| {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "committed {}", r.flows);
            let _ = out.flush();
        },
    )
    .expect("spawn");
    let mut i = 0;
    loop {
        w.send(flows(i, 500)).expect("send");
        i += 500;
    }
}

#[test]
fn a_killed_writer_loses_only_the_last_batch() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("crash.db");
    let exe = std::env::current_exe().expect("test binary");
    let mut child = Command::new(exe)
        .args([
            "--exact",
            "writer::tests::crash_child",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, &db)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn child");
    let stdout = child.stdout.take().expect("child stdout");
    let mut reader = BufReader::new(stdout);
    let mut committed = 0u64;
    let mut commits = 0;
    let mut line = String::new();
    // Kill after a few commits, while the child is in the middle of more.
    while commits < 5 {
        line.clear();
        if reader.read_line(&mut line).expect("read child") == 0 {
            panic!("child ended early");
        }
        if let Some(n) = line.trim().strip_prefix("committed ") {
            committed = n.parse().expect("count");
            commits += 1;
        }
    }
    child.kill().expect("SIGKILL");
    let _ = child.wait();
    // Commits the child reported before it died, still in the pipe.
    for l in reader.lines().map_while(Result::ok) {
        if let Some(n) = l.trim().strip_prefix("committed ") {
            committed = n.parse().expect("count");
        }
    }
    let conn = rusqlite::Connection::open(&db).expect("reopen");
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity");
    assert_eq!(check, "ok");
    drop(conn);
    let store = SqliteStore::open(&db).expect("reopen store");
    let stored = store.count_flows(&FlowQuery::default()).expect("count");
    assert!(
        stored >= committed,
        "{stored} stored, {committed} reported committed"
    );
    // Whole batches only: a kill never leaves part of a transaction.
    assert_eq!(
        stored % 2000,
        0,
        "{stored} is not a whole number of batches"
    );
}

/// Lines handed over with their columns are stored from the columns (the
/// JSON is not parsed for them), lines without are parsed, and a batch
/// that mixes the two keeps each line with its own columns.
#[test]
fn described_lines_are_stored_from_their_columns() {
    use crate::testutil::dns_line;
    use taishi_core::Timestamp;
    use taishi_core::event::EveIp;
    use taishi_core::store::LineColumns;

    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("described.db");
    let store = Arc::new(SqliteStore::open(&path).expect("open"));
    let w = BatchWriter::spawn(store.clone(), BatchConfig::default()).expect("spawn");
    // Columns that differ from the line's JSON show which one was read.
    let described = |src: &str| LineColumns {
        ts: Timestamp::new(T0 + 7, 0),
        event_type: "dns",
        flow_id: Some(99),
        src_ip: Some(EveIp(src.parse().expect("ip"))),
        dest_ip: None,
        app_proto: Some("dns".into()),
    };
    w.send(lines(&[
        dns_line(T0, "a.example"),
        dns_line(T0 + 1, "b.example"),
    ]))
    .expect("send");
    w.send_chunk(Chunk {
        lines: lines(&[dns_line(T0 + 2, "c.example"), dns_line(T0 + 3, "d.example")]),
        columns: vec![Some(described("10.7.7.7")), None],
        events: Vec::new(),
    })
    .expect("send");
    // A chunk whose columns do not count its lines is parsed whole.
    w.send_chunk(Chunk {
        lines: lines(&[dns_line(T0 + 4, "e.example")]),
        columns: vec![Some(described("10.8.8.8")), Some(described("10.8.8.8"))],
        events: Vec::new(),
    })
    .expect("send");
    let totals = w.finish().expect("finish");
    assert_eq!(totals.events, 5);
    drop(store);

    let conn = rusqlite::Connection::open(&path).expect("open");
    /// `src_ip`, `flow_id`, `dest_ip`, `record` of an events row.
    type Row = (Option<String>, Option<i64>, Option<String>, String);
    let rows: Vec<Row> = conn
        .prepare("SELECT src_ip, flow_id, dest_ip, record FROM events ORDER BY id")
        .expect("query")
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("read");
    let src: Vec<Option<&str>> = rows.iter().map(|r| r.0.as_deref()).collect();
    assert_eq!(
        src,
        [
            Some("10.0.0.9"),
            Some("10.0.0.9"),
            Some("10.7.7.7"),
            Some("10.0.0.9"),
            Some("10.0.0.9")
        ]
    );
    assert_eq!((rows[2].1, rows[2].2.as_deref()), (Some(99), None));
    // The record text is the line itself either way.
    assert!(rows[2].3.contains("c.example"), "{}", rows[2].3);
}
