//! The console and the public portal end to end: `taishi demo` serves the
//! sample site on loopback, and web/e2e drives Debian's chromium through
//! it (playwright-core): log in, the Overview's charts drawn, an incident
//! acknowledged and resolved, a public submission from the portal through
//! triage to its answer on the status page. Screenshots go to
//! web/e2e/artifacts/.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use common::*;

fn ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

#[test]
fn console_and_portal_in_a_real_browser() {
    let web = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web");
    let ready = web.join("node_modules/playwright-core").is_dir()
        && web.join("dist/index.html").is_file()
        && have("chromium");
    if !ready {
        // CI installs all of it (make test builds the console first).
        assert!(!ci(), "CI: web/node_modules, web/dist or chromium missing");
        eprintln!(
            "console_and_portal_in_a_real_browser: skipped: run `make web` and install chromium"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // A home of its own: the demo must keep everything under --dir.
    let home = tempfile::tempdir().unwrap();
    let mut demo = taishi()
        .args(["demo", "--listen", "127.0.0.1:0", "--dir"])
        .arg(dir.path())
        .env("XDG_DATA_HOME", home.path().join("data"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = demo.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let (mut password, mut url) = (None, None);
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(p) = line.split("one-time password ").nth(1) {
            password = Some(p.trim().to_string());
        }
        if let Some(rest) = line.strip_prefix("Taishi console: ") {
            url = rest
                .split_whitespace()
                .next()
                .map(|u| u.trim_end_matches('/').to_string());
            break;
        }
    }
    // Keep reading (and discarding) the server's output so it never blocks.
    std::thread::spawn(move || for _ in lines {});
    let (Some(password), Some(url)) = (password, url) else {
        let _ = demo.kill();
        panic!("taishi demo did not print its address and login");
    };
    let status = Command::new("npm")
        .args(["--prefix"])
        .arg(&web)
        .args(["run", "e2e"])
        .env("TAISHI_URL", &url)
        .env("TAISHI_USER", "admin")
        .env("TAISHI_PASSWORD", &password)
        .status()
        .expect("run npm");
    let _ = demo.kill();
    let _ = demo.wait();
    assert!(status.success(), "web/e2e failed against {url}");
    // The feed the browser imported is in the demo's intel store, and
    // nothing reached the user's data folder.
    assert!(dir.path().join("intel/e2e-feed.jsonl").is_file());
    assert!(!home.path().join("data").exists());
}
