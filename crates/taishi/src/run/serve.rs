//! `taishi serve`, `taishi demo` and `taishi audit verify`: the console,
//! the API and the public portal over a database.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, bail};
use taishi_core::Store;
use taishi_core::control::ControlStore;
use taishi_server::{AppState, ServerConfig};
use taishi_store::SqliteStore;

use crate::cli::{DbArgs, DemoArgs, ServeArgs, UsersCommand};

use super::db;

/// The sample site's registry, vulnerabilities, rules and intel, built in
/// so that `taishi demo` runs anywhere.
const SAMPLE_ASSETS: &str = include_str!("../../../../testdata/assets/sample-assets.csv");
const SAMPLE_VULNS: &str = include_str!("../../../../testdata/assets/sample-vulns.csv");
const DEMO_RULES: &str = include_str!("../../../../rules/taishi-demo.rules");
/// Indicators a CERT might share about the demo's attackers.
const DEMO_INTEL: &str = "# sample feed: indicators of the demo's attackers\n\
cdn-telemetry-update.net\n203.0.113.45\n";

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the server runtime")
}

fn open_both(path: &Path) -> anyhow::Result<Arc<SqliteStore>> {
    Ok(Arc::new(db::open_path(path)?))
}

/// Serves `store` on `listen`, creating the first admin if there is none;
/// `after_bind` runs once the port is open (the demo's sample submissions).
fn serve_store(
    store: Arc<SqliteStore>,
    listen: SocketAddr,
    mut config: ServerConfig,
    after_bind: impl FnOnce(SocketAddr) + Send + 'static,
) -> anyhow::Result<()> {
    if let Some(password) = taishi_server::bootstrap_admin(store.as_ref())? {
        println!("First start: created user `admin` with one-time password {password}");
        println!("(change it under Settings; it is not shown again)");
    }
    config.posture.until = db::config_as_of(store.as_ref(), None)?.posture.until;
    let state = AppState::new(
        Arc::clone(&store) as Arc<dyn Store>,
        store as Arc<dyn ControlStore>,
        config,
    );
    runtime()?.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("--listen {listen}: cannot listen"))?;
        let addr = listener.local_addr()?;
        println!("Taishi console: http://{addr}/   public portal: http://{addr}/report");
        tokio::task::spawn_blocking(move || after_bind(addr));
        taishi_server::serve_on(state, listener)
            .await
            .context("serving")
    })
}

/// `taishi serve`.
pub fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let path = db::path_of(args.db.db.as_deref())?;
    let config = server_config(args.config.as_deref(), &args.set)?;
    serve_store(open_both(&path)?, args.listen, config, |_| {})
}

/// The server's settings: defaults, then the `server.*` keys of the
/// configuration file, then each `--set`. The whole file is checked, so
/// one file serves both `taishi sensor` and `taishi serve`.
fn server_config(file: Option<&Path>, sets: &[String]) -> anyhow::Result<ServerConfig> {
    let mut config = taishi_core::Config::default();
    if let Some(path) = file {
        config.apply_file(path)?;
    }
    for kv in sets {
        config.set_arg(kv).context("--set")?;
    }
    let mut server = ServerConfig::default();
    server.apply(&config.server).map_err(|e| match file {
        Some(path) => anyhow::anyhow!("{}: {e}", path.display()),
        None => anyhow::anyhow!("--set: {e}"),
    })?;
    Ok(server)
}

/// `taishi audit verify`.
pub fn audit_verify(args: DbArgs) -> anyhow::Result<()> {
    let path = db::path_of(args.db.as_deref())?;
    let store = open_both(&path)?;
    let v = taishi_server::audit::verify_store(store.as_ref())?;
    match &v.broken {
        None => {
            println!(
                "audit log of {}: {} entries, chain intact; last hash {}",
                path.display(),
                v.entries,
                v.last_hash
            );
            Ok(())
        }
        Some(b) => bail!(
            "audit log of {}: chain broken at entry {} ({}); {} entries before it check out",
            path.display(),
            b.id,
            b.reason,
            v.entries
        ),
    }
}

/// `taishi users ...`.
pub fn users(cmd: UsersCommand) -> anyhow::Result<()> {
    use taishi_server::local_admin;
    match cmd {
        UsersCommand::List(args) => {
            let store = open_both(&db::path_of(args.db.as_deref())?)?;
            println!("{:<24} {:<10} {:<16} state", "user", "role", "tenant");
            for u in store.users()? {
                println!(
                    "{:<24} {:<10} {:<16} {}",
                    u.username,
                    u.role.as_str(),
                    if u.tenant.is_empty() { "-" } else { &u.tenant },
                    if u.disabled { "disabled" } else { "active" }
                );
            }
        }
        UsersCommand::ResetPassword(args) => {
            let path = db::path_of(args.db.db.as_deref())?;
            let store = open_both(&path)?;
            let pw = local_admin::reset_password(store.as_ref(), &args.username)
                .with_context(|| format!("{}: resetting the password", path.display()))?;
            println!("user `{}`: one-time password {pw}", args.username);
            println!("(change it under Settings; it is not shown again)");
        }
        UsersCommand::Token(args) => {
            let path = db::path_of(args.db.db.as_deref())?;
            let store = open_both(&path)?;
            let token = local_admin::issue_token(store.as_ref(), &args.username, &args.name)
                .with_context(|| format!("{}: issuing a token", path.display()))?;
            println!("{token}");
        }
    }
    Ok(())
}

/// `taishi demo`: sample traffic of a small water utility analysed with its
/// asset registry, intel and rules into a fresh database, sample public
/// submissions, and the console served on loopback.
pub fn demo(args: DemoArgs) -> anyhow::Result<()> {
    let dir = &args.dir;
    std::fs::create_dir_all(dir).with_context(|| format!("{}: cannot create", dir.display()))?;
    let file = |name: &str, text: &str| -> anyhow::Result<PathBuf> {
        let p = dir.join(name);
        std::fs::write(&p, text).with_context(|| format!("{}: cannot write", p.display()))?;
        Ok(p)
    };
    let assets = file("sample-assets.csv", SAMPLE_ASSETS)?;
    let vulns = file("sample-vulns.csv", SAMPLE_VULNS)?;
    let rules = file("taishi-demo.rules", DEMO_RULES)?;
    let intel = file("sample-intel.txt", DEMO_INTEL)?;
    let pcap = dir.join("demo.pcap");
    let db_path = dir.join("demo.db");
    // The demo's own intel store: what its analysis matches and where its
    // console files verified public reports and imported feeds, so that
    // trying the demo never adds sample indicators to the user's store.
    let intel_dir = dir.join("intel");
    for suffix in ["", "-wal", "-shm"] {
        let p = PathBuf::from(format!("{}{suffix}", db_path.display()));
        if p.exists() {
            std::fs::remove_file(&p).with_context(|| format!("{}: cannot remove", p.display()))?;
        }
    }
    let s = |p: &Path| p.display().to_string();
    let run = |argv: Vec<String>| -> anyhow::Result<()> {
        use clap::Parser;
        let cli = crate::cli::Cli::try_parse_from(argv).context("demo step")?;
        match cli.command {
            crate::cli::Command::Generate(a) => super::generate::run(a),
            crate::cli::Command::Assets(c) => super::assess::assets(c),
            crate::cli::Command::Analyze(a) => super::analyze::run(a),
            _ => Ok(()),
        }
    };
    let argv = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    run(argv(&[
        "taishi",
        "generate",
        "--scenario",
        "demo",
        "--seed",
        "7",
        "--out",
        &s(&pcap),
    ]))?;
    run(argv(&[
        "taishi",
        "assets",
        "import",
        &s(&assets),
        "--db",
        &s(&db_path),
    ]))?;
    run(argv(&[
        "taishi",
        "assets",
        "import-vulns",
        &s(&vulns),
        "--db",
        &s(&db_path),
    ]))?;
    run(argv(&[
        "taishi",
        "analyze",
        &s(&pcap),
        "--rules",
        &s(&rules),
        "--intel",
        &s(&intel),
        "--intel-dir",
        &s(&intel_dir),
        "--db",
        &s(&db_path),
        "--eve",
        &s(&dir.join("eve.json")),
        "--no-progress",
    ]))?;
    let store = open_both(&db_path)?;
    let config = ServerConfig {
        intel_dir,
        ..ServerConfig::default()
    };
    serve_store(store, args.listen, config, |addr| {
        for body in SAMPLE_SUBMISSIONS {
            if let Err(e) = post_json(addr, "/api/v1/public/submissions", body) {
                eprintln!("taishi: demo submission not sent: {e:#}");
            }
        }
    })
}

/// What the public sends in the demo: a phishing report, a disclosure
/// about the utility's web server, and a question.
const SAMPLE_SUBMISSIONS: &[&str] = &[
    r#"{"kind":"threat","title":"Phishing mail about water bills","description":"A mail claiming to be from the water utility asks customers to pay an overdue bill at a look-alike site.","indicator":"waterbill-pay.example","contact":"citizen@example.org","credit":"A. Citizen"}"#,
    r#"{"kind":"vulnerability","title":"Outdated web server at the utility's portal","description":"The customer portal at 10.10.1.20 announces nginx 1.24.0, affected by CVE-2023-44487 (HTTP/2 rapid reset).","indicator":"10.10.1.20","credit":"Security researcher"}"#,
    r#"{"kind":"feedback","title":"Why was the water supply interrupted?","description":"Our district lost water for two hours on Monday. Was this a cyber attack?"}"#,
];

/// Posts `body` to the server at `addr` (HTTP/1.1 over loopback).
fn post_json(addr: SocketAddr, path: &str, body: &str) -> anyhow::Result<()> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr)?;
    write!(
        s,
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut answer = String::new();
    s.read_to_string(&mut answer)?;
    if !answer.starts_with("HTTP/1.1 201") {
        bail!("{}", answer.lines().next().unwrap_or("no answer"));
    }
    Ok(())
}
